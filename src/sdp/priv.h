/**
 * @file priv.h  Helpers shared by the files of src/sdp (module-private:
 * not for other modules).
 */
#ifndef TES_SDP_PRIV_H
#define TES_SDP_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "sdp/sdp.h"

/** Output buffer that remembers running out of space. */
struct tes__wbuf {
	char *p;        /**< Buffer */
	size_t cap;     /**< Its capacity */
	size_t len;     /**< Bytes written (without NUL) */
	bool overflow;  /**< A write did not fit */
};

/**
 * Append to an output buffer; once a write does not fit, nothing more is
 * written and overflow is set.
 *
 * @param w    Buffer
 * @param fmt  printf format
 */
__attribute__((format(printf, 2, 3)))
void tes__put(struct tes__wbuf *w, const char *fmt, ...);

/**
 * SDP address type of an address we write.
 *
 * @param addr  Numeric address
 * @return "IP6" if it contains ':', else "IP4"
 */
const char *tes__ip_ver(const char *addr);

/**
 * Find "key=value" in an fmtp parameter list ("a=1;b=2", blanks allowed
 * after ';').
 *
 * @param fmtp  Parameter list
 * @param key   Parameter name (case-insensitive)
 * @param v     Receives the value (not NUL-terminated)
 * @param vn    Receives its length
 * @return true when found
 */
bool tes__fmtp_get(const char *fmtp, const char *key, const char **v,
		   size_t *vn);

/**
 * Our direction for an offered one (RFC 3264 6.1).
 *
 * @param offered  The offer's direction
 * @return sendonly for recvonly and the reverse; the same otherwise
 */
enum tes_dir tes__answer_dir(enum tes_dir offered);

/* Start the outcome of one offered m-line as rejected: zeroed, with the
 * offer's kind, mid, proto and first format (echoed in a port-0 answer)
 * and direction inactive.  Both negotiations (WebRTC and plain) begin
 * there. */
void tes__neg_reject_init(struct tes_sdp_neg_media *nm,
			  const struct tes_sdp_media *m);

#endif /* TES_SDP_PRIV_H */
