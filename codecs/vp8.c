/**
 * @file vp8.c  VP8 encoder and decoder on libvpx, tuned for real time:
 * CBR, no lag, error resilient, VPX_DL_REALTIME.
 */
#include <limits.h>
#include <string.h>

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include "codecs/codec.h"

enum {
	VP8_CPU_USED_DEFAULT = 6,
	VP8_STATIC_THRESH = 1,  /* skip near-static blocks (WebRTC value) */
	VP8_MIN_Q = 2,
	VP8_MAX_Q = 56,
	VP8_TIMEBASE = 90000,   /* RTP video clock */
	VP8_BUF_INITIAL_MS = 500,
	VP8_BUF_OPTIMAL_MS = 600,
	VP8_BUF_MS = 1000,
	/* a keyframe may not ask for more than 5K (retina screen share):
	 * a 16383x16383 header would cost ~400 MB and a second to set up */
	VP8_MAX_PIXELS = 5120 * 2880,
	VP8_UNDERSHOOT_PCT = 100,
	VP8_OVERSHOOT_PCT = 15,
};

/** A VP8 encoder.  Owned by one mixer worker at a time. */
struct tes_venc {
	vpx_codec_ctx_t ctx;      /**< libvpx encoder */
	vpx_codec_enc_cfg_t cfg;  /**< Current config (bitrate changes) */
	bool inited;              /**< ctx needs vpx_codec_destroy */
	int width;                /**< Encoded width */
	int height;               /**< Encoded height */
	int fps;                  /**< Frame rate, for timestamps */
	uint64_t nframes;         /**< Frames encoded so far (pts source) */
};

/** A VP8 decoder.  Owned by one mixer worker at a time. */
struct tes_vdec {
	vpx_codec_ctx_t ctx;  /**< libvpx decoder */
	bool inited;          /**< ctx needs vpx_codec_destroy */
};

/* libvpx status of a setup or encode call to negative errno */
static int vpx_err(vpx_codec_err_t err)
{
	switch (err) {
	case VPX_CODEC_OK:
		return 0;
	case VPX_CODEC_MEM_ERROR:
		return -ENOMEM;
	case VPX_CODEC_INVALID_PARAM:
		return -EINVAL;
	default:
		return -EPROTO;
	}
}

static void log_vpx(vpx_codec_ctx_t *ctx, const char *what)
{
	const char *detail = vpx_codec_error_detail(ctx);

	TES_LOGE("vp8", "%s: %s%s%s", what, vpx_codec_error(ctx),
		 detail ? ": " : "", detail ? detail : "");
}

static void venc_destructor(void *data)
{
	struct tes_venc *e = data;

	if (e->inited)
		vpx_codec_destroy(&e->ctx);
}

static int vp8_enc_alloc(struct tes_venc **ep,
			 const struct tes_venc_params *prm)
{
	struct tes_venc *e = NULL;
	vpx_codec_iface_t *cx = vpx_codec_vp8_cx();
	vpx_codec_err_t res;
	int cpu_used, err;

	if (!ep || !prm || prm->width < 2 || prm->height < 2 ||
	    prm->width > 8192 || prm->height > 8192 || (prm->width & 1) ||
	    (prm->height & 1) || prm->fps < 1 || prm->fps > VP8_TIMEBASE ||
	    prm->bitrate_kbps < 1 || prm->threads < 0 || prm->keyint < 0)
		return -EINVAL;

	e = tes_alloc(sizeof(*e), venc_destructor);
	if (!e)
		return -ENOMEM;

	res = vpx_codec_enc_config_default(cx, &e->cfg, 0);
	if (res) {
		TES_LOGE("vp8", "config_default: %s",
			 vpx_codec_err_to_string(res));
		err = vpx_err(res);
		goto out;
	}

	/* g_usage is deprecated and must be 0 for VP8: real time comes
	 * from CBR, no lag and the VPX_DL_REALTIME deadline */
	e->cfg.g_usage = 0;
	e->cfg.g_w = (unsigned)prm->width;
	e->cfg.g_h = (unsigned)prm->height;
	e->cfg.g_threads = (unsigned)(prm->threads ? prm->threads : 1);
	e->cfg.g_timebase.num = 1;
	e->cfg.g_timebase.den = VP8_TIMEBASE;
	e->cfg.g_lag_in_frames = 0;
	e->cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
	e->cfg.g_pass = VPX_RC_ONE_PASS;
	e->cfg.rc_end_usage = VPX_CBR;
	e->cfg.rc_target_bitrate = (unsigned)prm->bitrate_kbps;
	e->cfg.rc_min_quantizer = VP8_MIN_Q;
	e->cfg.rc_max_quantizer = VP8_MAX_Q;
	e->cfg.rc_undershoot_pct = VP8_UNDERSHOOT_PCT;
	e->cfg.rc_overshoot_pct = VP8_OVERSHOOT_PCT;
	e->cfg.rc_buf_initial_sz = VP8_BUF_INITIAL_MS;
	e->cfg.rc_buf_optimal_sz = VP8_BUF_OPTIMAL_MS;
	e->cfg.rc_buf_sz = VP8_BUF_MS;
	/* a dropped frame would leave the tick without an AU */
	e->cfg.rc_dropframe_thresh = 0;
	if (prm->keyint > 0) {
		e->cfg.kf_mode = VPX_KF_AUTO;
		e->cfg.kf_min_dist = 0;
		e->cfg.kf_max_dist = (unsigned)prm->keyint;
	}
	else {
		/* only the first frame and forced ones */
		e->cfg.kf_mode = VPX_KF_DISABLED;
	}

	res = vpx_codec_enc_init(&e->ctx, cx, &e->cfg, 0);
	if (res) {
		log_vpx(&e->ctx, "encoder init");
		err = vpx_err(res);
		goto out;
	}
	e->inited = true;

	cpu_used = prm->cpu_used ? prm->cpu_used : VP8_CPU_USED_DEFAULT;
	res = vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, cpu_used);
	if (!res)
		res = vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD,
					VP8_STATIC_THRESH);
	if (!res)
		res = vpx_codec_control(&e->ctx, VP8E_SET_NOISE_SENSITIVITY,
					0);
	if (res) {
		log_vpx(&e->ctx, "encoder controls");
		err = vpx_err(res);
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

static int vp8_encode(struct tes_venc *e, const struct tes_frame *f,
		      bool keyframe, tes_au_h *auh, void *arg)
{
	const vpx_codec_cx_pkt_t *pkt;
	vpx_codec_iter_t iter = NULL;
	vpx_enc_frame_flags_t flags = 0;
	vpx_codec_err_t res;
	vpx_image_t img;
	vpx_codec_pts_t pts;
	unsigned long dur;

	if (!e || !f || !auh || f->width != e->width ||
	    f->height != e->height)
		return -EINVAL;

	/* wrap the frame's planes: libvpx only reads them */
	if (!vpx_img_wrap(&img, VPX_IMG_FMT_I420, (unsigned)f->width,
			  (unsigned)f->height, 1, f->y))
		return -EINVAL;
	img.planes[VPX_PLANE_Y] = f->y;
	img.planes[VPX_PLANE_U] = f->u;
	img.planes[VPX_PLANE_V] = f->v;
	img.stride[VPX_PLANE_Y] = f->stride_y;
	img.stride[VPX_PLANE_U] = f->stride_uv;
	img.stride[VPX_PLANE_V] = f->stride_uv;

	pts = (vpx_codec_pts_t)(e->nframes * VP8_TIMEBASE / (unsigned)e->fps);
	dur = (unsigned long)(VP8_TIMEBASE / e->fps);
	if (keyframe || e->nframes == 0)
		flags |= VPX_EFLAG_FORCE_KF;

	res = vpx_codec_encode(&e->ctx, &img, pts, dur, flags,
			       VPX_DL_REALTIME);
	if (res) {
		log_vpx(&e->ctx, "encode");
		return vpx_err(res);
	}
	e->nframes++;

	while ((pkt = vpx_codec_get_cx_data(&e->ctx, &iter))) {
		struct tes_au au;

		if (pkt->kind != VPX_CODEC_CX_FRAME_PKT)
			continue;
		au.data = pkt->data.frame.buf;
		au.len = pkt->data.frame.sz;
		au.keyframe = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
		auh(&au, arg);
	}

	return 0;
}

static int vp8_set_bitrate(struct tes_venc *e, int kbps)
{
	vpx_codec_err_t res;

	if (!e || kbps < 1)
		return -EINVAL;

	e->cfg.rc_target_bitrate = (unsigned)kbps;
	res = vpx_codec_enc_config_set(&e->ctx, &e->cfg);
	if (res) {
		log_vpx(&e->ctx, "set bitrate");
		return vpx_err(res);
	}

	return 0;
}

static void vdec_destructor(void *data)
{
	struct tes_vdec *d = data;

	if (d->inited)
		vpx_codec_destroy(&d->ctx);
}

static int vp8_dec_alloc(struct tes_vdec **dp)
{
	vpx_codec_dec_cfg_t cfg = {.threads = 1};
	struct tes_vdec *d;
	vpx_codec_err_t res;
	int err = 0;

	if (!dp)
		return -EINVAL;

	d = tes_alloc(sizeof(*d), vdec_destructor);
	if (!d)
		return -ENOMEM;

	res = vpx_codec_dec_init(&d->ctx, vpx_codec_vp8_dx(), &cfg, 0);
	if (res) {
		log_vpx(&d->ctx, "decoder init");
		err = vpx_err(res);
		goto out;
	}
	d->inited = true;
out:
	if (err)
		d = tes_deref(d);
	else
		*dp = d;
	return err;
}

/* Copy a decoded picture into a new frame.  Odd sizes lose their last
 * row/column: tes_frame is even-sized. */
static int img_to_frame(const vpx_image_t *img, struct tes_frame **fp)
{
	struct tes_frame *f;
	int w = (int)img->d_w & ~1, h = (int)img->d_h & ~1;
	int err;

	if (img->fmt != VPX_IMG_FMT_I420)
		return -EBADMSG;

	err = tes_frame_alloc(&f, w, h);
	if (err)
		return err == -EINVAL ? -EBADMSG : err;

	for (int r = 0; r < h; r++)
		memcpy(f->y + (size_t)r * (size_t)f->stride_y,
		       img->planes[VPX_PLANE_Y] +
			       (size_t)r * (size_t)img->stride[VPX_PLANE_Y],
		       (size_t)w);
	for (int r = 0; r < h / 2; r++) {
		memcpy(f->u + (size_t)r * (size_t)f->stride_uv,
		       img->planes[VPX_PLANE_U] +
			       (size_t)r * (size_t)img->stride[VPX_PLANE_U],
		       (size_t)w / 2);
		memcpy(f->v + (size_t)r * (size_t)f->stride_uv,
		       img->planes[VPX_PLANE_V] +
			       (size_t)r * (size_t)img->stride[VPX_PLANE_V],
		       (size_t)w / 2);
	}
	f->time_us = tes_now_us();
	*fp = f;

	return 0;
}

static int vp8_decode(struct tes_vdec *d, const uint8_t *au, size_t len,
		      struct tes_frame **fp)
{
	vpx_codec_iter_t iter = NULL;
	vpx_image_t *img, *last = NULL;
	vpx_codec_stream_info_t si;
	int corrupt = 0;

	if (!d || !au || !len || len > UINT_MAX || !fp)
		return -EINVAL;

	si.sz = sizeof(si);
	if (!vpx_codec_peek_stream_info(vpx_codec_vp8_dx(), au, (unsigned)len,
					&si) && si.is_kf &&
	    (si.w > 8192 || si.h > 8192 ||
	     (uint64_t)si.w * si.h > VP8_MAX_PIXELS))
		return -EBADMSG;

	/* bad input is counted by the caller, so no log line per frame */
	if (vpx_codec_decode(&d->ctx, au, (unsigned)len, NULL, 0))
		return -EBADMSG;

	/* also catches frames predicted from a damaged reference */
	if (!vpx_codec_control(&d->ctx, VP8D_GET_FRAME_CORRUPTED, &corrupt) &&
	    corrupt) {
		while (vpx_codec_get_frame(&d->ctx, &iter))
			;
		return -EBADMSG;
	}

	while ((img = vpx_codec_get_frame(&d->ctx, &iter)))
		last = img;
	if (!last)
		return -EAGAIN;

	return img_to_frame(last, fp);
}

/** VP8 on libvpx (module-private, found through tes_vcodec_find) */
const struct tes_vcodec tes__vcodec_vp8 = {
	.name = "VP8",
	.enc_alloc = vp8_enc_alloc,
	.encode = vp8_encode,
	.set_bitrate = vp8_set_bitrate,
	.dec_alloc = vp8_dec_alloc,
	.decode = vp8_decode,
};
