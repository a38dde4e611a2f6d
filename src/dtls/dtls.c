/**
 * @file dtls.c  DTLS-SRTP with OpenSSL 3 over memory BIOs.
 *
 * Datagrams: OpenSSL 3.0 (Debian 12) has no datagram memory BIO, so the
 * write side is a plain BIO_s_mem() that concatenates the records of a
 * flight.  After every call into OpenSSL we drain it, split the bytes at
 * DTLS record boundaries (13-byte header, length in the last two bytes) and
 * pack whole records into datagrams of at most TES_DTLS_MTU bytes.  OpenSSL
 * already fragments handshake messages to that MTU (SSL_OP_NO_QUERY_MTU +
 * DTLS_set_link_mtu), so no record is larger; with our small P-256
 * certificate a whole flight usually fits one datagram.  The read side gets
 * one datagram per BIO_write and is consumed fully before the next.
 *
 * Peer authentication is the SDP fingerprint only (RFC 8827): the verify
 * callback accepts any certificate whose digest matches, so a mismatch
 * aborts the handshake with an alert before the peer sees our Finished; it
 * is checked again on completion before any key is exported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/base.h"
#include "dtls/dtls.h"

enum {
	TES_DTLS_MTU = 1200,            /**< Largest datagram we send */
	DTLS_HDR_LEN = 13,              /**< DTLS record header */
	CERT_DAYS = 30,                 /**< Certificate validity */
	TIMER_FIRST_US = 100000,        /**< First retransmission timeout */
	TIMER_MAX_US = 4000000,         /**< Backoff cap */
	APPDATA_SCRATCH = 2048,         /**< Discarded application data */
};

/* What WebRTC peers offer (Chrome, Firefox, Safari): AEAD only. */
static const char cipher_list[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/* Server preference order: GCM first (RFC 7714). */
static const char srtp_profiles[] =
	"SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";

static const char exporter_label[] = "EXTRACTOR-dtls_srtp";

/** Process certificate and the SSL_CTX built on it; read-only once made. */
struct tes_dtls_cert {
	EVP_PKEY *pkey;                       /**< P-256 key pair */
	X509 *x509;                           /**< Self-signed certificate */
	SSL_CTX *ctx;                         /**< Shared by all connections */
	char fp[EVP_MAX_MD_SIZE * 3];         /**< SHA-256 "AB:CD:..." */
};

enum dtls_state {
	ST_HANDSHAKE = 0,  /* before or during the handshake */
	ST_CONNECTED,      /* keys exported */
	ST_FAILED,         /* done(err < 0) was reported */
	ST_CLOSED,         /* tes_dtls_close() was called */
};

/** One DTLS association.  Owned by the loop thread. */
struct tes_dtls {
	struct tes_dtls_cert *cert;           /**< Our certificate (ref) */
	SSL *ssl;                             /**< Owns both BIOs */
	BIO *rbio;                            /**< Datagrams we received */
	BIO *wbio;                            /**< Records we must send */
	enum tes_dtls_role role;              /**< Server or client */
	enum dtls_state state;                /**< Where we are */
	int err;                              /**< Reported error, if failed */
	const EVP_MD *md;                     /**< Peer fingerprint hash */
	uint8_t fp[EVP_MAX_MD_SIZE];          /**< Peer fingerprint (SDP) */
	size_t fp_len;                        /**< Its length */
	uint8_t seen[EVP_MAX_MD_SIZE];        /**< Digest of the peer's cert */
	size_t seen_len;                      /**< Its length (0: none) */
	bool fp_mismatch;                     /**< Verify callback rejected */
	tes_dtls_send_h *sendh;               /**< Datagram out */
	tes_dtls_done_h *doneh;               /**< Handshake outcome */
	void *arg;                            /**< Handler argument */
};

/* ---- helpers ---- */

/* Log the first queued OpenSSL error with context, then clear the queue. */
static void log_ssl_err(const char *what)
{
	unsigned long e = ERR_get_error();
	char msg[256];

	if (e)
		ERR_error_string_n(e, msg, sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "no OpenSSL error queued");
	TES_LOGE("dtls", "%s: %s", what, msg);
	ERR_clear_error();
}

static void fp_format(char *out, size_t outsz, const uint8_t *md, size_t len)
{
	size_t pos = 0;

	out[0] = '\0';
	for (size_t i = 0; i < len && pos + 4 <= outsz; i++) {
		snprintf(out + pos, outsz - pos, i ? ":%02X" : "%02X", md[i]);
		pos += i ? 3 : 2;
	}
}

/* "ab:CD:..." -> bytes; exactly `want` bytes, nothing else. */
static int fp_parse(uint8_t *out, size_t want, const char *s)
{
	size_t n = 0;

	for (;;) {
		int hi = tes_hexval(s[0]), lo;

		if (hi < 0)
			return -EINVAL;
		lo = tes_hexval(s[1]);
		if (lo < 0 || n == want)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s == '\0')
			break;
		if (*s != ':')
			return -EINVAL;
		s++;
	}

	return n == want ? 0 : -EINVAL;
}

/* SDP hash names (RFC 8122) to OpenSSL digests; MD5/MD2 are refused. */
static const EVP_MD *md_lookup(const char *alg)
{
	static const struct {
		const char *sdp;
		const char *ossl;
	} map[] = {
		{"sha-1", "SHA1"},     {"sha-224", "SHA224"},
		{"sha-256", "SHA256"}, {"sha-384", "SHA384"},
		{"sha-512", "SHA512"},
	};

	for (size_t i = 0; i < TES_ARRAY_SIZE(map); i++) {
		if (!strcasecmp(alg, map[i].sdp))
			return EVP_get_digestbyname(map[i].ossl);
	}

	return NULL;
}

/* ---- certificate ---- */

static void cert_destructor(void *data)
{
	struct tes_dtls_cert *c = data;

	SSL_CTX_free(c->ctx);
	X509_free(c->x509);
	EVP_PKEY_free(c->pkey);
}

static int cert_make_x509(struct tes_dtls_cert *c)
{
	X509_NAME *name;
	uint64_t serial;

	c->x509 = X509_new();
	if (!c->x509)
		return -ENOMEM;

	/* positive, non-zero 63-bit serial */
	if (RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1)
		return -EPROTO;
	serial = (serial >> 1) | 1;

	name = X509_get_subject_name(c->x509);
	if (!X509_set_version(c->x509, X509_VERSION_3) ||
	    !ASN1_INTEGER_set_uint64(X509_get_serialNumber(c->x509), serial) ||
	    /* a day back for peers whose clocks run behind */
	    !X509_gmtime_adj(X509_getm_notBefore(c->x509), -86400L) ||
	    !X509_gmtime_adj(X509_getm_notAfter(c->x509),
			     CERT_DAYS * 86400L) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"tessera", -1,
					-1, 0) ||
	    !X509_set_issuer_name(c->x509, name) ||
	    !X509_set_pubkey(c->x509, c->pkey) ||
	    !X509_sign(c->x509, c->pkey, EVP_sha256()))
		return -EPROTO;

	return 0;
}

static int verify_cb(int preverify_ok, X509_STORE_CTX *store);

static int cert_make_ctx(struct tes_dtls_cert *c)
{
	SSL_CTX *ctx;

	ctx = c->ctx = SSL_CTX_new(DTLS_method());
	if (!ctx)
		return -ENOMEM;

	if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
	    SSL_CTX_use_certificate(ctx, c->x509) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, c->pkey) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, cipher_list) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1 ||
	    /* note: this one returns 0 on success */
	    SSL_CTX_set_tlsext_use_srtp(ctx, srtp_profiles) != 0)
		return -EPROTO;

	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
	SSL_CTX_set_read_ahead(ctx, 0);
	/* one-shot associations: no resumption, no tickets */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET |
			    SSL_OP_CIPHER_SERVER_PREFERENCE);

	return 0;
}

int tes_dtls_cert_alloc(struct tes_dtls_cert **certp)
{
	struct tes_dtls_cert *c;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int err;

	if (!certp)
		return -EINVAL;

	c = tes_alloc(sizeof(*c), cert_destructor);
	if (!c)
		return -ENOMEM;

	ERR_clear_error();
	c->pkey = EVP_EC_gen("P-256");
	if (!c->pkey) {
		log_ssl_err("cert: P-256 key generation");
		err = -ENOMEM;
		goto out;
	}

	err = cert_make_x509(c);
	if (err) {
		log_ssl_err("cert: building X.509");
		goto out;
	}

	if (X509_digest(c->x509, EVP_sha256(), md, &mdlen) != 1) {
		log_ssl_err("cert: fingerprint");
		err = -EPROTO;
		goto out;
	}
	fp_format(c->fp, sizeof(c->fp), md, mdlen);

	/*
	 * Made here rather than on first use: the certificate is then
	 * immutable and can be shared by several loop threads.
	 */
	err = cert_make_ctx(c);
	if (err) {
		log_ssl_err("cert: SSL_CTX setup");
		goto out;
	}

out:
	if (err)
		c = tes_deref(c);
	else
		*certp = c;

	return err;
}

const char *tes_dtls_cert_fingerprint(const struct tes_dtls_cert *cert)
{
	return cert ? cert->fp : NULL;
}

/* ---- connection ---- */

/* Digest of the peer certificate into d->seen; true when it matches. */
static bool fp_check(struct tes_dtls *d, X509 *peer)
{
	unsigned int len = 0;

	d->seen_len = 0;
	if (!peer || X509_digest(peer, d->md, d->seen, &len) != 1)
		return false;
	d->seen_len = len;

	return len == d->fp_len && !CRYPTO_memcmp(d->seen, d->fp, len);
}

/*
 * Accept any certificate (self-signed, expired, whatever the chain says):
 * the only thing that authenticates the peer is the SDP fingerprint of the
 * leaf, checked here so a mismatch fails the handshake with an alert.
 */
static int verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
		store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tes_dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;

	(void)preverify_ok;

	if (!d)
		return 0;
	if (!fp_check(d, X509_STORE_CTX_get0_cert(store))) {
		d->fp_mismatch = true;
		/* sends bad_certificate rather than unknown_ca */
		X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
		return 0;
	}

	return 1;
}

/* Faster first retransmission than OpenSSL's 1 s; doubles up to 4 s. */
static unsigned int timer_cb(SSL *ssl, unsigned int prev_us)
{
	(void)ssl;

	if (!prev_us)
		return TIMER_FIRST_US;

	return prev_us >= TIMER_MAX_US / 2 ? TIMER_MAX_US : prev_us * 2;
}

static void dtls_destructor(void *data)
{
	struct tes_dtls *d = data;

	d->sendh = NULL;
	d->doneh = NULL;
	SSL_free(d->ssl);
	tes_deref(d->cert);
}

/* Length of the record at p (header + body), or all of it if malformed. */
static size_t record_len(const uint8_t *p, size_t left)
{
	size_t n;

	if (left < DTLS_HDR_LEN)
		return left;
	n = DTLS_HDR_LEN + tes_rd16(p + DTLS_HDR_LEN - 2);

	return n > left ? left : n;
}

/* Send what OpenSSL wrote: whole records, packed up to the MTU. */
static void drain(struct tes_dtls *d)
{
	size_t pending = BIO_ctrl_pending(d->wbio);
	size_t start = 0, off = 0, n;
	uint8_t *buf;
	int r;

	if (!pending)
		return;

	buf = malloc(pending);
	if (!buf) {
		TES_LOGE("dtls", "no memory for %zu bytes of output", pending);
		(void)BIO_reset(d->wbio);
		return;
	}

	r = BIO_read(d->wbio, buf, (int)pending);
	n = r > 0 ? (size_t)r : 0;

	while (off < n) {
		size_t rl = record_len(buf + off, n - off);

		if (off > start && off + rl - start > TES_DTLS_MTU) {
			if (!d->sendh)
				goto out;
			d->sendh(buf + start, off - start, d->arg);
			start = off;
		}
		off += rl;
	}
	if (off > start && d->sendh)
		d->sendh(buf + start, off - start, d->arg);

out:
	free(buf);
}

/* Report a failure once and stop. */
static int fail(struct tes_dtls *d, int err)
{
	tes_dtls_done_h *h = d->doneh;

	d->state = ST_FAILED;
	d->err = err;
	if (h)
		h(err, NULL, d->arg);

	return err;
}

static int export_keys(struct tes_dtls *d, struct tes_dtls_keys *k)
{
	uint8_t km[2 * (TES_SRTP_MAX_KEY + TES_SRTP_MAX_SALT)];
	const SRTP_PROTECTION_PROFILE *p;
	const uint8_t *ck, *sk, *cs, *ss;
	size_t kl = 16, sl;

	memset(k, 0, sizeof(*k));
	p = SSL_get_selected_srtp_profile(d->ssl);
	if (!p) {
		TES_LOGE("dtls", "peer negotiated no SRTP profile");
		return -EPROTO;
	}

	switch (p->id) {
	case SRTP_AES128_CM_SHA1_80:
		k->profile = TES_SRTP_AES128_CM_SHA1_80;
		sl = 14;
		break;
	case SRTP_AEAD_AES_128_GCM:
		k->profile = TES_SRTP_AEAD_AES_128_GCM;
		sl = 12;
		break;
	default:
		TES_LOGE("dtls", "unexpected SRTP profile %s", p->name);
		return -EPROTO;
	}

	if (SSL_export_keying_material(d->ssl, km, 2 * (kl + sl),
				       exporter_label,
				       sizeof(exporter_label) - 1, NULL, 0,
				       0) != 1) {
		log_ssl_err("exporting SRTP keys");
		return -EPROTO;
	}

	/* RFC 5764 4.2: client key | server key | client salt | server salt */
	ck = km;
	sk = km + kl;
	cs = km + 2 * kl;
	ss = km + 2 * kl + sl;

	k->key_len = kl;
	k->salt_len = sl;
	if (d->role == TES_DTLS_SERVER) {
		memcpy(k->local_key, sk, kl);
		memcpy(k->local_salt, ss, sl);
		memcpy(k->remote_key, ck, kl);
		memcpy(k->remote_salt, cs, sl);
	}
	else {
		memcpy(k->local_key, ck, kl);
		memcpy(k->local_salt, cs, sl);
		memcpy(k->remote_key, sk, kl);
		memcpy(k->remote_salt, ss, sl);
	}
	OPENSSL_cleanse(km, sizeof(km));

	return 0;
}

static int fp_mismatch(struct tes_dtls *d)
{
	char want[EVP_MAX_MD_SIZE * 3], got[EVP_MAX_MD_SIZE * 3];

	fp_format(want, sizeof(want), d->fp, d->fp_len);
	if (d->seen_len)
		fp_format(got, sizeof(got), d->seen, d->seen_len);
	else
		snprintf(got, sizeof(got), "(no certificate)");
	TES_LOGE("dtls", "peer certificate fingerprint mismatch: "
		 "SDP has %s %s, peer sent %s",
		 EVP_MD_get0_name(d->md), want, got);
	ERR_clear_error();

	return fail(d, -EACCES);
}

static int connected(struct tes_dtls *d)
{
	struct tes_dtls_keys keys;
	tes_dtls_done_h *h;
	X509 *peer;
	bool ok;
	int err;

	/* again, in case the verify callback was never consulted */
	peer = SSL_get1_peer_certificate(d->ssl);
	ok = fp_check(d, peer);
	X509_free(peer);
	if (!ok) {
		/* our Finished must not leave either */
		(void)BIO_reset(d->wbio);
		return fp_mismatch(d);
	}

	drain(d);

	err = export_keys(d, &keys);
	if (err)
		return fail(d, err);

	d->state = ST_CONNECTED;
	h = d->doneh;
	if (h)
		h(0, &keys, d->arg);
	OPENSSL_cleanse(&keys, sizeof(keys));

	return 0;
}

static int handshake(struct tes_dtls *d)
{
	int r, e;

	ERR_clear_error();
	r = SSL_do_handshake(d->ssl);
	if (r == 1)
		return connected(d);

	e = SSL_get_error(d->ssl, r);
	/* whatever was queued (a flight, or the alert we raise) goes out */
	drain(d);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;

	if (d->fp_mismatch)
		return fp_mismatch(d);

	log_ssl_err(d->role == TES_DTLS_SERVER ?
		    "handshake failed (server)" : "handshake failed (client)");

	return fail(d, -EPROTO);
}

/* After the handshake: retransmissions, alerts, ignored app data. */
static int read_records(struct tes_dtls *d)
{
	uint8_t scratch[APPDATA_SCRATCH];
	int r, e = 0;

	for (;;) {
		ERR_clear_error();
		r = SSL_read(d->ssl, scratch, sizeof(scratch));
		if (r > 0)
			continue;  /* application data: not used by WebRTC */

		e = SSL_get_error(d->ssl, r);
		drain(d);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return 0;
		break;
	}

	if (e == SSL_ERROR_ZERO_RETURN ||
	    (SSL_get_shutdown(d->ssl) & SSL_RECEIVED_SHUTDOWN)) {
		TES_LOGI("dtls", "peer closed the association");
		ERR_clear_error();
		return fail(d, -ECONNRESET);
	}

	log_ssl_err("reading records");

	return fail(d, -EPROTO);
}

int tes_dtls_alloc(struct tes_dtls **dp, struct tes_dtls_cert *cert,
		   enum tes_dtls_role role, const char *fp_alg,
		   const char *fp_hex, tes_dtls_send_h *sendh,
		   tes_dtls_done_h *doneh, void *arg)
{
	struct tes_dtls *d = NULL;
	const EVP_MD *md;
	BIO *rbio, *wbio;
	int err = 0;

	if (!dp || !cert || !fp_alg || !fp_hex || !sendh ||
	    (role != TES_DTLS_SERVER && role != TES_DTLS_CLIENT))
		return -EINVAL;

	md = md_lookup(fp_alg);
	if (!md)
		return -EINVAL;

	d = tes_alloc(sizeof(*d), dtls_destructor);
	if (!d)
		return -ENOMEM;

	d->md = md;
	d->fp_len = (size_t)EVP_MD_get_size(md);
	if (fp_parse(d->fp, d->fp_len, fp_hex)) {
		err = -EINVAL;
		goto out;
	}

	d->cert = tes_ref(cert);
	d->role = role;

	ERR_clear_error();
	d->ssl = SSL_new(cert->ctx);
	if (!d->ssl) {
		log_ssl_err("SSL_new");
		err = -ENOMEM;
		goto out;
	}

	rbio = BIO_new(BIO_s_mem());
	wbio = BIO_new(BIO_s_mem());
	if (!rbio || !wbio) {
		BIO_free(rbio);
		BIO_free(wbio);
		err = -ENOMEM;
		goto out;
	}
	/* empty means "would block", not end of file */
	BIO_set_mem_eof_return(rbio, -1);
	BIO_set_mem_eof_return(wbio, -1);
	SSL_set_bio(d->ssl, rbio, wbio);
	d->rbio = rbio;
	d->wbio = wbio;

	SSL_set_app_data(d->ssl, d);
	SSL_set_options(d->ssl, SSL_OP_NO_QUERY_MTU);
	if (!DTLS_set_link_mtu(d->ssl, TES_DTLS_MTU)) {
		log_ssl_err("setting the MTU");
		err = -EPROTO;
		goto out;
	}
	DTLS_set_timer_cb(d->ssl, timer_cb);

	if (role == TES_DTLS_SERVER)
		SSL_set_accept_state(d->ssl);
	else
		SSL_set_connect_state(d->ssl);

	d->sendh = sendh;
	d->doneh = doneh;
	d->arg = arg;

out:
	if (err)
		d = tes_deref(d);
	else
		*dp = d;

	return err;
}

static bool active(const struct tes_dtls *d)
{
	return d->state == ST_HANDSHAKE || d->state == ST_CONNECTED;
}

int tes_dtls_start(struct tes_dtls *d)
{
	int err = 0;

	if (!d)
		return -EINVAL;
	if (!active(d))
		return d->state == ST_FAILED ? d->err : -ENOTCONN;
	if (d->role != TES_DTLS_CLIENT || d->state != ST_HANDSHAKE)
		return 0;

	/* handlers may drop the last outside reference */
	tes_ref(d);
	err = handshake(d);
	tes_deref(d);

	return err;
}

int tes_dtls_recv(struct tes_dtls *d, const uint8_t *buf, size_t len)
{
	int err;

	if (!d || (!buf && len))
		return -EINVAL;
	if (!active(d))
		return d->state == ST_FAILED ? d->err : -ENOTCONN;
	if (!len)
		return 0;
	if (len > INT32_MAX)
		return -EINVAL;

	if (BIO_write(d->rbio, buf, (int)len) != (int)len) {
		ERR_clear_error();
		return -ENOMEM;
	}

	tes_ref(d);
	if (d->state == ST_HANDSHAKE)
		err = handshake(d);
	else
		err = 0;
	/* records that came with the last flight, or after it */
	if (!err && d->state == ST_CONNECTED)
		err = read_records(d);
	/* nothing may linger for the next datagram (e.g. after failure) */
	(void)BIO_reset(d->rbio);
	tes_deref(d);

	return err;
}

long tes_dtls_timeout_ms(struct tes_dtls *d)
{
	struct timeval tv;

	if (!d || !active(d) || DTLSv1_get_timeout(d->ssl, &tv) != 1)
		return -1;

	return (long)tv.tv_sec * 1000 + ((long)tv.tv_usec + 999) / 1000;
}

void tes_dtls_tick(struct tes_dtls *d)
{
	if (!d || !active(d))
		return;

	tes_ref(d);
	ERR_clear_error();
	if (DTLSv1_handle_timeout(d->ssl) < 0) {
		/* too many retransmissions (12) without an answer */
		drain(d);
		log_ssl_err("handshake timed out");
		fail(d, -ETIMEDOUT);
	}
	else {
		drain(d);
	}
	tes_deref(d);
}

void tes_dtls_close(struct tes_dtls *d)
{
	if (!d)
		return;

	tes_ref(d);
	d->doneh = NULL;
	if (d->state == ST_CONNECTED) {
		ERR_clear_error();
		(void)SSL_shutdown(d->ssl);
		ERR_clear_error();
		drain(d);
	}
	d->sendh = NULL;
	d->arg = NULL;
	d->state = ST_CLOSED;
	tes_deref(d);
}
