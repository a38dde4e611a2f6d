/**
 * @file codec.c  The codec registry: look codecs up by SDP name.
 */
#include <strings.h>

#include "codecs/codec.h"

/* defined in vp8.c, h264.c, opus.c, g7xx.c */
extern const struct tes_vcodec tes__vcodec_vp8;
extern const struct tes_vcodec tes__vcodec_h264;
extern const struct tes_acodec tes__acodec_opus;
extern const struct tes_acodec tes__acodec_pcmu;
extern const struct tes_acodec tes__acodec_pcma;
extern const struct tes_acodec tes__acodec_g722;

static const struct tes_vcodec *const vcodecs[] = {
	&tes__vcodec_vp8,
	&tes__vcodec_h264,
};

static const struct tes_acodec *const acodecs[] = {
	&tes__acodec_opus,
	&tes__acodec_pcmu,
	&tes__acodec_pcma,
	&tes__acodec_g722,
};

const struct tes_vcodec *tes_vcodec_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < TES_ARRAY_SIZE(vcodecs); i++)
		if (!strcasecmp(vcodecs[i]->name, name))
			return vcodecs[i];

	return NULL;
}

const struct tes_acodec *tes_acodec_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < TES_ARRAY_SIZE(acodecs); i++)
		if (!strcasecmp(acodecs[i]->name, name))
			return acodecs[i];

	return NULL;
}
