/* temporary stub until the SIP SDP negotiation lands */
#include <stdio.h>
#include <stdlib.h>
#include "room/room_int.h"
int tes__sip_setup(struct tes__part *p, const struct tes_rooms_deps *deps,
		   uint32_t call, const char *offer, size_t len,
		   struct tes_sdp_answer *ans, char **sdp, char *err,
		   size_t errlen)
{
	(void)p; (void)deps; (void)call; (void)offer; (void)len; (void)ans; (void)sdp;
	snprintf(err, errlen, "SIP SDP not supported yet");
	return -EPROTO;
}
int tes__sip_start(struct tes__part *p, const struct tes_sdp_answer *ans) { (void)p; (void)ans; return -ENOSYS; }
int tes__sip_xmit(struct tes__part *p, uint8_t *buf, size_t len, bool rtcp) { (void)p; (void)buf; (void)len; (void)rtcp; return -ENOSYS; }
void tes__sip_tick(struct tes__part *p, uint64_t now) { (void)p; (void)now; }
void tes__sip_free(struct tes__part *p) { free(p->sip); p->sip = NULL; }
const char *tes__sip_remote(const struct tes__part *p) { (void)p; return ""; }
int tes__sip_answer(struct tes__part *p, const char *sdp, size_t len,
		    struct tes_sdp_answer *ans, char *err, size_t errlen)
{ (void)p; (void)sdp; (void)len; (void)ans; snprintf(err, errlen, "x"); return -ENOSYS; }
int tes__sip_reoffer(struct tes__part *p, const char *sdp, size_t len,
		     struct tes_sdp_answer *ans, char **sdp_out, char *err,
		     size_t errlen)
{ (void)p; (void)sdp; (void)len; (void)ans; (void)sdp_out; snprintf(err, errlen, "x"); return -ENOSYS; }
int tes__sip_update(struct tes__part *p, const struct tes_sdp_answer *ans) { (void)p; (void)ans; return -ENOSYS; }
bool tes__sip_on_hold(const struct tes__part *p) { (void)p; return false; }
json_t *tes__sip_info(const struct tes__part *p) { (void)p; return NULL; }
