/**
 * @file mixprof.c  Which output profiles a receiver can take at all: those
 * of the video codec it negotiated; for H.264 also those its
 * packetization-mode can carry (mode 0: single NAL units only, so only
 * profiles that keep every slice within one packet) and whose size and
 * frame rate its level can decode.  Bandwidth then picks among them
 * (tes_prof_sel).  Pure functions, any thread.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "room/mix_int.h"
#include "rtp/payload.h"

/* "3.1", or "1b" for level_idc 9 */
static void level_name(uint8_t idc, char *buf, size_t len)
{
	if (idc == 9)
		snprintf(buf, len, "1b");
	else
		snprintf(buf, len, "%u.%u", idc / 10u, idc % 10u);
}

static bool same_codec(const struct tes__stream *st, const char *codec)
{
	size_t n = strlen(codec);

	return !strncasecmp(st->codec, codec, n) && st->codec[n] == '/';
}

/* Whether an H.264 receiver can take profile pv; *mode_ok: whether its
 * packetization-mode alone allows it */
static bool h264_takes(const struct tes__stream *st,
		       const struct tes__prof_view *pv, bool *mode_ok)
{
	/* mode 1 carries single NAL units too; mode 2 (interleaved) does
	 * not, and we do not send it */
	*mode_ok = st->h264_pmode == 1 ||
		   (st->h264_pmode == 0 && pv->cfg->packetization_mode == 0);
	if (!*mode_ok)
		return false;
	/* 0: not known (no fmtp read): not held to a level */
	return !st->h264_level_idc ||
	       tes_h264_caps_fit(st->h264_level_idc, st->h264_max_fs,
				 st->h264_max_mbps, pv->width, pv->height,
				 pv->cfg->fps);
}

static void explain(const struct tes__stream *st,
		    const struct tes__prof_view *pv, size_t n,
		    size_t n_codec, size_t n_mode, char *why, size_t len)
{
	const struct tes__prof_view *small = NULL;
	char lv[8];

	if (!n_codec) {
		snprintf(why, len, "no output profile has its video codec %s",
			 st->codec);
		return;
	}
	if (!n_mode && st->h264_pmode == 0) {
		snprintf(why, len, "it takes H.264 packetization-mode 0 only "
			 "and no H264 profile has packetization_mode: 0");
		return;
	}
	if (!n_mode) {
		snprintf(why, len, "H.264 packetization-mode %u is not "
			 "supported", st->h264_pmode);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		bool mode_ok;

		if (!same_codec(st, pv[k].cfg->codec))
			continue;
		(void)h264_takes(st, &pv[k], &mode_ok);
		if (!mode_ok)
			continue;
		if (!small || pv[k].width * pv[k].height * pv[k].cfg->fps <
				      small->width * small->height *
					      small->cfg->fps)
			small = &pv[k];
	}
	level_name(st->h264_level_idc, lv, sizeof(lv));
	snprintf(why, len, "its H.264 level %s cannot decode any H264 profile "
		 "it could take (the smallest, %s, is %dx%d at %u fps)", lv,
		 small->cfg->name, small->width, small->height,
		 small->cfg->fps);
}

size_t tes__prof_candidates(const struct tes__prof_view *pv, size_t n,
			    const struct tes__stream *st, int *idx,
			    uint32_t *kbps, char *why, size_t whylen)
{
	size_t found = 0, n_codec = 0, n_mode = 0;

	if (why && whylen)
		why[0] = '\0';
	for (size_t k = 0; k < n; k++) {
		uint32_t rate = pv[k].cfg->bitrate_kbps;
		size_t j = found;
		bool mode_ok = true;

		if (!same_codec(st, pv[k].cfg->codec))
			continue;
		n_codec++;
		if (!strcasecmp(pv[k].cfg->codec, "H264") &&
		    !h264_takes(st, &pv[k], &mode_ok)) {
			n_mode += mode_ok;
			continue;
		}
		n_mode++;
		/* best bitrate first; equal ones keep config order */
		for (; j > 0 && kbps[j - 1] < rate; j--) {
			idx[j] = idx[j - 1];
			kbps[j] = kbps[j - 1];
		}
		idx[j] = (int)k;
		kbps[j] = rate;
		found++;
	}
	if (!found && why && whylen)
		explain(st, pv, n, n_codec, n_mode, why, whylen);

	return found;
}
