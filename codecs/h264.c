/**
 * @file h264.c  H.264 encoder and decoder on openh264: constrained
 * baseline, CAVLC, one slice per picture (or slices of a bounded size),
 * Annex B access units.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <wels/codec_api.h>

#include "codecs/codec.h"

enum {
	H264_AU_MIN_CAP = 64 * 1024,  /* first size of the AU buffer */
	H264_FPS_MAX = 240,
	H264_MIN_QP = 10,   /* finer buys nothing visible */
	H264_MAX_QP = 51,   /* the H.264 maximum */
};

/** An H.264 encoder.  Owned by one mixer worker at a time. */
struct tes_venc {
	ISVCEncoder *enc;   /**< openh264 encoder */
	bool inited;        /**< enc needs Uninitialize */
	int width;          /**< Encoded width */
	int height;         /**< Encoded height */
	int fps;            /**< Frame rate, for timestamps */
	uint64_t nframes;   /**< Frames encoded so far */
	uint8_t *buf;       /**< One Annex B AU, all layers joined (malloc) */
	size_t cap;         /**< Size of buf */
};

/** An H.264 decoder.  Owned by one mixer worker at a time. */
struct tes_vdec {
	ISVCDecoder *dec;   /**< openh264 decoder */
	bool inited;        /**< dec needs Uninitialize */
};

/* openh264 CM_RETURN of a setup call to negative errno */
static int cm_err(int ret)
{
	switch (ret) {
	case cmResultSuccess:
		return 0;
	case cmInitParaError:
		return -EINVAL;
	case cmMallocMemeError:
		return -ENOMEM;
	default:
		return -EPROTO;
	}
}

/* Route openh264's own messages into our log (ctx is unused) */
static void wels_trace_cb(void *ctx, int level, const char *msg)
{
	(void)ctx;

	if (level <= WELS_LOG_ERROR)
		TES_LOGE("h264", "openh264: %s", msg);
	else if (level <= WELS_LOG_WARNING)
		TES_LOGW("h264", "openh264: %s", msg);
	else
		TES_LOGD("h264", "openh264: %s", msg);
}

static void venc_destructor(void *data)
{
	struct tes_venc *e = data;

	if (e->enc) {
		if (e->inited)
			(*e->enc)->Uninitialize(e->enc);
		WelsDestroySVCEncoder(e->enc);
	}
	free(e->buf);
}

static void fill_params(SEncParamExt *p, const struct tes_venc_params *prm)
{
	SSpatialLayerConfig *l = &p->sSpatialLayers[0];

	p->iUsageType = CAMERA_VIDEO_REAL_TIME;
	p->iPicWidth = prm->width;
	p->iPicHeight = prm->height;
	p->iTargetBitrate = prm->bitrate_kbps * 1000;
	p->iMaxBitrate = UNSPECIFIED_BIT_RATE;
	p->iRCMode = RC_BITRATE_MODE;
	p->fMaxFrameRate = (float)prm->fps;
	p->iTemporalLayerNum = 1;
	p->iSpatialLayerNum = 1;
	p->uiIntraPeriod = (unsigned)prm->keyint;  /* 0: first frame only */
	/* IDs stay put, so any IDR's SPS/PPS replace the previous ones */
	p->eSpsPpsIdStrategy = CONSTANT_ID;
	p->iEntropyCodingModeFlag = 0;             /* CAVLC: baseline */
	p->iMultipleThreadIdc = (unsigned short)(prm->threads ?
						 prm->threads : 1);
	/* Every room clock tick must produce an AU, so rate control never
	 * skips a frame; with the whole QP range open it still holds the
	 * target (720p noise at 2.5 Mbit/s: +10%; with openh264's default
	 * QP cap it doubled) */
	p->bEnableFrameSkip = false;
	p->iMinQp = H264_MIN_QP;
	p->iMaxQp = H264_MAX_QP;
	p->bEnableDenoise = false;

	l->iVideoWidth = prm->width;
	l->iVideoHeight = prm->height;
	l->fFrameRate = (float)prm->fps;
	l->iSpatialBitrate = p->iTargetBitrate;
	l->iMaxSpatialBitrate = UNSPECIFIED_BIT_RATE;
	l->uiProfileIdc = PRO_BASELINE;
	l->uiLevelIdc = LEVEL_UNKNOWN;             /* from size and rate */
	l->sSliceArgument.uiSliceMode = SM_SINGLE_SLICE;
	l->sSliceArgument.uiSliceNum = 1;
	if (prm->max_nal) {
		/* slices closed by size (RFC 6184 single NAL unit mode
		 * sends each alone); openh264 overshoots its target a
		 * little (720p noise: 1220 bytes for 1200, 5 % at most
		 * measured), so it aims 1/16 below the limit */
		l->sSliceArgument.uiSliceMode = SM_SIZELIMITED_SLICE;
		l->sSliceArgument.uiSliceSizeConstraint =
			(unsigned)(prm->max_nal - prm->max_nal / 16);
		p->uiMaxNalSize = (unsigned)prm->max_nal;
	}
}

static int h264_enc_alloc(struct tes_venc **ep,
			  const struct tes_venc_params *prm)
{
	WelsTraceCallback trace = wels_trace_cb;
	int level = WELS_LOG_ERROR, fmt = videoFormatI420;
	struct tes_venc *e;
	SEncParamExt p;
	int ret, err;

	if (!ep || !prm || prm->width < 16 || prm->height < 16 ||
	    prm->width > 8192 || prm->height > 8192 || (prm->width & 1) ||
	    (prm->height & 1) || prm->fps < 1 || prm->fps > H264_FPS_MAX ||
	    prm->bitrate_kbps < 1 || prm->bitrate_kbps > INT_MAX / 1000 ||
	    prm->threads < 0 || prm->threads > USHRT_MAX || prm->keyint < 0 ||
	    (prm->max_nal &&
	     (prm->max_nal < TES_H264_MAX_NAL_MIN || prm->max_nal > 65535)))
		return -EINVAL;

	e = tes_alloc(sizeof(*e), venc_destructor);
	if (!e)
		return -ENOMEM;

	if (WelsCreateSVCEncoder(&e->enc) || !e->enc) {
		TES_LOGE("h264", "WelsCreateSVCEncoder failed");
		e->enc = NULL;
		err = -ENOMEM;
		goto out;
	}
	/* errors only: openh264 warns on every init without frame skip,
	 * and per frame about rate control */
	(*e->enc)->SetOption(e->enc, ENCODER_OPTION_TRACE_CALLBACK, &trace);
	(*e->enc)->SetOption(e->enc, ENCODER_OPTION_TRACE_LEVEL, &level);

	memset(&p, 0, sizeof(p));
	ret = (*e->enc)->GetDefaultParams(e->enc, &p);
	if (ret) {
		TES_LOGE("h264", "GetDefaultParams: %d", ret);
		err = cm_err(ret);
		goto out;
	}
	fill_params(&p, prm);

	ret = (*e->enc)->InitializeExt(e->enc, &p);
	if (ret) {
		TES_LOGE("h264", "encoder init %dx%d@%d %d kbit/s: %d",
			 prm->width, prm->height, prm->fps, prm->bitrate_kbps,
			 ret);
		err = cm_err(ret);
		goto out;
	}
	e->inited = true;

	ret = (*e->enc)->SetOption(e->enc, ENCODER_OPTION_DATAFORMAT, &fmt);
	if (ret) {
		TES_LOGE("h264", "set I420 input: %d", ret);
		err = cm_err(ret);
		goto out;
	}

	e->width = prm->width;
	e->height = prm->height;
	e->fps = prm->fps;
	err = 0;
out:
	if (err)
		e = tes_deref(e);
	else
		*ep = e;
	return err;
}

/* Make room for len bytes in the AU buffer */
static int au_reserve(struct tes_venc *e, size_t len)
{
	size_t cap = e->cap ? e->cap : H264_AU_MIN_CAP;
	uint8_t *b;

	if (len <= e->cap)
		return 0;
	while (cap < len)
		cap *= 2;
	b = realloc(e->buf, cap);
	if (!b)
		return -ENOMEM;
	e->buf = b;
	e->cap = cap;

	return 0;
}

/* Join every layer's NAL units (each already with a 00 00 00 01 start
 * code) into one Annex B access unit in e->buf; *lenp gets its size */
static int au_join(struct tes_venc *e, const SFrameBSInfo *info,
		   size_t *lenp)
{
	size_t len = 0;
	int err;

	for (int i = 0; i < info->iLayerNum; i++) {
		const SLayerBSInfo *l = &info->sLayerInfo[i];
		size_t n = 0;

		for (int j = 0; j < l->iNalCount; j++)
			n += (size_t)l->pNalLengthInByte[j];
		err = au_reserve(e, len + n);
		if (err)
			return err;
		memcpy(e->buf + len, l->pBsBuf, n);
		len += n;
	}
	*lenp = len;

	return 0;
}

static int h264_encode(struct tes_venc *e, const struct tes_frame *f,
		       bool keyframe, tes_au_h *auh, void *arg)
{
	SSourcePicture pic;
	SFrameBSInfo info;
	struct tes_au au;
	size_t len;
	int ret, err;

	if (!e || !f || !auh || f->width != e->width ||
	    f->height != e->height)
		return -EINVAL;

	memset(&pic, 0, sizeof(pic));
	pic.iColorFormat = videoFormatI420;
	pic.iPicWidth = f->width;
	pic.iPicHeight = f->height;
	/* openh264 only reads the source planes */
	pic.pData[0] = f->y;
	pic.pData[1] = f->u;
	pic.pData[2] = f->v;
	pic.iStride[0] = f->stride_y;
	pic.iStride[1] = f->stride_uv;
	pic.iStride[2] = f->stride_uv;
	pic.uiTimeStamp = (long long)(e->nframes * 1000 / (unsigned)e->fps);

	if (keyframe && e->nframes > 0) {
		ret = (*e->enc)->ForceIntraFrame(e->enc, true);
		if (ret)
			TES_LOGW("h264", "ForceIntraFrame: %d", ret);
	}

	memset(&info, 0, sizeof(info));
	ret = (*e->enc)->EncodeFrame(e->enc, &pic, &info);
	if (ret) {
		TES_LOGE("h264", "EncodeFrame %dx%d frame %" PRIu64 ": %d",
			 f->width, f->height, e->nframes, ret);
		return cm_err(ret) == -EINVAL ? -EINVAL : -EPROTO;
	}
	e->nframes++;

	/* rate control may skip a frame (only if frame skip is enabled) */
	if (info.eFrameType == videoFrameTypeSkip ||
	    info.eFrameType == videoFrameTypeInvalid)
		return 0;

	err = au_join(e, &info, &len);
	if (err)
		return err;
	if (!len)
		return 0;

	au.data = e->buf;
	au.len = len;
	au.keyframe = info.eFrameType == videoFrameTypeIDR;
	auh(&au, arg);

	return 0;
}

static int h264_set_bitrate(struct tes_venc *e, int kbps)
{
	SBitrateInfo br;
	int ret;

	if (!e || kbps < 1 || kbps > INT_MAX / 1000)
		return -EINVAL;

	memset(&br, 0, sizeof(br));
	br.iLayer = SPATIAL_LAYER_ALL;
	br.iBitrate = kbps * 1000;
	ret = (*e->enc)->SetOption(e->enc, ENCODER_OPTION_BITRATE, &br);
	if (ret) {
		TES_LOGE("h264", "set bitrate %d kbit/s: %d", kbps, ret);
		return cm_err(ret);
	}

	return 0;
}

static void vdec_destructor(void *data)
{
	struct tes_vdec *d = data;

	if (d->dec) {
		if (d->inited)
			(*d->dec)->Uninitialize(d->dec);
		WelsDestroyDecoder(d->dec);
	}
}

static int h264_dec_alloc(struct tes_vdec **dp)
{
	int level = WELS_LOG_QUIET;
	SDecodingParam p;
	struct tes_vdec *d;
	long ret;
	int err;

	if (!dp)
		return -EINVAL;

	d = tes_alloc(sizeof(*d), vdec_destructor);
	if (!d)
		return -ENOMEM;

	if (WelsCreateDecoder(&d->dec) || !d->dec) {
		TES_LOGE("h264", "WelsCreateDecoder failed");
		d->dec = NULL;
		err = -ENOMEM;
		goto out;
	}
	/* corrupt input is network input: the caller counts it, and
	 * openh264 would print a line per bad NAL */
	(*d->dec)->SetOption(d->dec, DECODER_OPTION_TRACE_LEVEL, &level);

	memset(&p, 0, sizeof(p));
	p.sVideoProperty.size = sizeof(p.sVideoProperty);
	p.sVideoProperty.eVideoBsType = VIDEO_BITSTREAM_AVC;
	/* no concealment: a damaged picture is an error, and the caller
	 * asks for a keyframe */
	p.eEcActiveIdc = ERROR_CON_DISABLE;
	ret = (*d->dec)->Initialize(d->dec, &p);
	if (ret) {
		TES_LOGE("h264", "decoder init: %ld", ret);
		err = cm_err((int)ret);
		goto out;
	}
	d->inited = true;
	err = 0;
out:
	if (err)
		d = tes_deref(d);
	else
		*dp = d;
	return err;
}

/* Copy a decoded picture into a new frame (odd sizes lose their last
 * row/column: tes_frame is even-sized) */
static int pic_to_frame(uint8_t *const pl[3], const SSysMEMBuffer *sb,
			struct tes_frame **fp)
{
	int w = sb->iWidth & ~1, h = sb->iHeight & ~1;
	struct tes_frame *f;
	int err;

	err = tes_frame_alloc(&f, w, h);
	if (err)
		return err == -EINVAL ? -EBADMSG : err;

	for (int r = 0; r < h; r++)
		memcpy(f->y + (size_t)r * (size_t)f->stride_y,
		       pl[0] + (size_t)r * (size_t)sb->iStride[0], (size_t)w);
	for (int r = 0; r < h / 2; r++) {
		memcpy(f->u + (size_t)r * (size_t)f->stride_uv,
		       pl[1] + (size_t)r * (size_t)sb->iStride[1],
		       (size_t)w / 2);
		memcpy(f->v + (size_t)r * (size_t)f->stride_uv,
		       pl[2] + (size_t)r * (size_t)sb->iStride[1],
		       (size_t)w / 2);
	}
	f->time_us = tes_now_us();
	*fp = f;

	return 0;
}

static int h264_decode(struct tes_vdec *d, const uint8_t *au, size_t len,
		       struct tes_frame **fp)
{
	unsigned char *pl[3] = {NULL, NULL, NULL};
	DECODING_STATE st;
	SBufferInfo bi;

	if (!d || !au || !len || len > INT_MAX || !fp)
		return -EINVAL;

	memset(&bi, 0, sizeof(bi));
	st = (*d->dec)->DecodeFrameNoDelay(d->dec, au, (int)len, pl, &bi);
	/* bad input is counted by the caller, so no log line per frame */
	if (st != dsErrorFree)
		return -EBADMSG;
	if (bi.iBufferStatus != 1 || !pl[0] || !pl[1] || !pl[2])
		return -EAGAIN;

	return pic_to_frame(pl, &bi.UsrData.sSystemBuffer, fp);
}

/** H.264 on openh264 (module-private, found through tes_vcodec_find) */
const struct tes_vcodec tes__vcodec_h264 = {
	.name = "H264",
	.enc_alloc = h264_enc_alloc,
	.encode = h264_encode,
	.set_bitrate = h264_set_bitrate,
	.dec_alloc = h264_dec_alloc,
	.decode = h264_decode,
};
