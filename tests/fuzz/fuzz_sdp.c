/**
 * @file fuzz_sdp.c  libFuzzer harness for the SDP parser, negotiation and
 * answer writer.  Whatever we answer must parse back: that is checked too.
 */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* ~300 KiB each: static, not on the stack */
	static struct tes_sdp_session offer, back;
	static struct tes_sdp_answer ans;
	char buf[16384];
	char err[128];
	int len;

	if (tes_sdp_parse(&offer, (const char *)data, size, err, sizeof(err)))
		return 0;
	if (tes_sdp_negotiate(&ans, &offer, &local, err, sizeof(err)))
		return 0;
	if (ans.n_media != offer.n_media)
		abort();
	len = tes_sdp_build_answer(buf, sizeof(buf), &ans, &local);
	if (len < 0)
		return 0;
	if (strlen(buf) != (size_t)len)
		abort();
	/* our own answer must be valid SDP with the same m-line count */
	if (tes_sdp_parse(&back, buf, (size_t)len, err, sizeof(err)) ||
	    back.n_media != offer.n_media || !back.ice_lite)
		abort();

	return 0;
}
