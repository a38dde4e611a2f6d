/**
 * @file fuzz_sdp.c  libFuzzer harness for the SDP parser, negotiation and
 * answer writers: the WebRTC ones and the plain (SIP-style) ones, on the
 * same input.  Whatever we answer must parse back: that is checked too,
 * and a plain answer must negotiate back to the same codecs and keys.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct tes_sdp_local local = {
	.ice_ufrag = "fUzZ",
	.ice_pwd = "fuzzIcePassword012345678",
	.fingerprint = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
		       "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
	.addr = "192.0.2.1",
	.port = 40000,
	.cname = "fuzz",
	.stream_id = "fuzz-stream",
	.audio_ssrc = 1,
	.video_ssrc = 2,
};

static const struct tes_sdp_plain_local plocal = {
	.addr = "192.0.2.1",
	.cname = "fuzz",
	.audio_ssrc = 1,
	.video_ssrc = 2,
	.sess_version = 1,
};

/* ~300 KiB each: static, not on the stack */
static struct tes_sdp_session offer, back;
static struct tes_sdp_answer ans, peer;

static void webrtc(void)
{
	char buf[16384];
	char err[128];
	int len;

	if (tes_sdp_negotiate(&ans, &offer, &local, err, sizeof(err)))
		return;
	if (ans.n_media != offer.n_media)
		abort();
	len = tes_sdp_build_answer(buf, sizeof(buf), &ans, &local);
	if (len < 0)
		return;
	if (strlen(buf) != (size_t)len)
		abort();
	/* our own answer must be valid SDP with the same m-line count */
	if (tes_sdp_parse(&back, buf, (size_t)len, err, sizeof(err)) ||
	    back.n_media != offer.n_media || !back.ice_lite)
		abort();
}

/* What the caller does before building: ports, and keys of our own
 * (fixed here, so runs repeat) under the offer's tag and suite */
static void plain_local(struct tes_sdp_answer *a)
{
	bool kind[2] = {false, false};

	for (size_t i = 0; i < a->n_media; i++) {
		struct tes_sdp_neg_media *nm = &a->media[i];

		if (!nm->accepted)
			continue;
		/* one audio and one video at most, never sending on hold */
		if ((nm->kind != TES_MEDIA_AUDIO &&
		     nm->kind != TES_MEDIA_VIDEO) ||
		    kind[nm->kind == TES_MEDIA_VIDEO] ||
		    (nm->hold && nm->we_send) || !nm->remote_port ||
		    !nm->remote_addr[0] || nm->plain_codec == TES_PLAIN_NONE)
			abort();
		kind[nm->kind == TES_MEDIA_VIDEO] = true;
		nm->local_port = (uint16_t)(20000 + 2 * i);
		if (nm->sdes) {
			nm->local_key = nm->remote_key;
			memset(nm->local_key.key, 0x5a,
			       sizeof(nm->local_key.key));
		}
	}
}

static void plain(size_t size)
{
	/* the policy varies with the input's length */
	const struct tes_sdp_plain_prefs prefs = {
		.srtp = (enum tes_sdp_srtp)(size % 3),
	};
	char buf[16384];
	char err[256];
	int len;

	if (tes_sdp_negotiate_plain(&ans, &offer, &prefs, err,
				    sizeof(err))) {
		if (!err[0])
			abort();  /* every refusal says why */
		return;
	}
	if (!ans.plain || ans.n_media != offer.n_media)
		abort();
	plain_local(&ans);
	len = tes_sdp_build_plain_answer(buf, sizeof(buf), &ans, &plocal);
	if (len < 0 || strlen(buf) != (size_t)len)
		abort();
	if (tes_sdp_parse(&back, buf, (size_t)len, err, sizeof(err)) ||
	    back.n_media != offer.n_media)
		abort();
	/* the offerer, negotiating our answer, ends up where we did */
	if (tes_sdp_negotiate_plain(&peer, &back, &prefs, err, sizeof(err)))
		abort();
	for (size_t i = 0; i < ans.n_media; i++) {
		const struct tes_sdp_neg_media *a = &ans.media[i];
		const struct tes_sdp_neg_media *p = &peer.media[i];

		if (a->accepted != p->accepted)
			abort();
		if (!a->accepted)
			continue;
		if (p->codec.pt != a->codec.pt || p->dtmf_pt != a->dtmf_pt ||
		    p->plain_codec != a->plain_codec ||
		    p->remote_port != a->local_port || p->sdes != a->sdes ||
		    p->rtcp_mux != a->rtcp_mux ||
		    (a->sdes && (p->remote_key.tag != a->local_key.tag ||
				 memcmp(p->remote_key.key, a->local_key.key,
					a->local_key.key_len))))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];

	if (tes_sdp_parse(&offer, (const char *)data, size, err, sizeof(err)))
		return 0;
	webrtc();
	plain(size);

	return 0;
}
