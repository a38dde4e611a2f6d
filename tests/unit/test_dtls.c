/**
 * @file test_dtls.c  DTLS-SRTP handshakes between two in-memory peers.
 *
 * Each peer's send handler queues its datagrams; pump() then feeds them to
 * the other peer, so no tes_dtls call is made from inside another's handler.
 */
#include <ctype.h>
#include <stdlib.h>
#include <time.h>

#include "dtls/dtls.h"
#include "srtp/srtp.h"
#include "test.h"

enum {
	QMAX = 32,
	DGRAM_MAX = 2048,
	MTU = 1200,
};

struct dgram {
	uint8_t buf[DGRAM_MAX];
	size_t len;
};

struct peer {
	struct tes_dtls *d;
	struct dgram q[QMAX];      /* sent, not yet delivered */
	size_t qn;
	size_t sent;               /* datagrams sent so far */
	size_t maxlen;             /* largest datagram */
	long drop;                 /* index of a datagram to lose, or -1 */
	bool overflow;
	bool deref_in_done;        /* drop our reference from done */
	int done_calls;
	int err;
	bool have_keys;
	struct tes_dtls_keys keys;
};

static void send_h(const uint8_t *buf, size_t len, void *arg)
{
	struct peer *p = arg;
	long idx = (long)p->sent++;

	if (len > p->maxlen)
		p->maxlen = len;
	if (idx == p->drop)
		return;
	if (len > DGRAM_MAX || p->qn == QMAX) {
		p->overflow = true;
		return;
	}
	memcpy(p->q[p->qn].buf, buf, len);
	p->q[p->qn].len = len;
	p->qn++;
}

static void done_h(int err, const struct tes_dtls_keys *keys, void *arg)
{
	struct peer *p = arg;

	p->done_calls++;
	p->err = err;
	if (keys) {
		p->keys = *keys;
		p->have_keys = true;
	}
	if (p->deref_in_done)
		p->d = tes_deref(p->d);
}

static void deliver(struct peer *from, struct peer *to)
{
	static struct dgram dg;

	while (from->qn) {
		dg = from->q[0];
		from->qn--;
		memmove(&from->q[0], &from->q[1], from->qn * sizeof(dg));
		if (to->d)
			(void)tes_dtls_recv(to->d, dg.buf, dg.len);
	}
}

static int pump(struct peer *a, struct peer *b)
{
	for (int i = 0; i < 50; i++) {
		if (!a->qn && !b->qn)
			return 0;
		deliver(a, b);
		deliver(b, a);
	}

	return -1;
}

static void wait_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Sleep until p's retransmission timer fires, then run it. */
static int wait_and_tick(struct peer *p)
{
	long ms = tes_dtls_timeout_ms(p->d);

	if (ms < 0 || ms > 1000)
		return -1;
	wait_ms(ms + 2);
	tes_dtls_tick(p->d);

	return 0;
}

static struct peer *peer_new(void)
{
	struct peer *p = calloc(1, sizeof(*p));

	if (p)
		p->drop = -1;

	return p;
}

static void peer_free(struct peer *p)
{
	if (!p)
		return;
	tes_deref(p->d);
	free(p);
}

/*
 * Server and client with their own certificates; each expects the other's
 * fingerprint unless srv_fp overrides what the server expects.
 */
static int pair_setup(struct peer **srvp, struct peer **clip,
		      const char *srv_fp)
{
	struct tes_dtls_cert *cs = NULL, *cc = NULL;
	struct peer *srv = peer_new(), *cli = peer_new();
	int err = -ENOMEM;

	if (!srv || !cli)
		goto out;
	err = tes_dtls_cert_alloc(&cs);
	if (err)
		goto out;
	err = tes_dtls_cert_alloc(&cc);
	if (err)
		goto out;
	err = tes_dtls_alloc(&srv->d, cs, TES_DTLS_SERVER, "sha-256",
			     srv_fp ? srv_fp : tes_dtls_cert_fingerprint(cc),
			     send_h, done_h, srv);
	if (err)
		goto out;
	err = tes_dtls_alloc(&cli->d, cc, TES_DTLS_CLIENT, "sha-256",
			     tes_dtls_cert_fingerprint(cs), send_h, done_h,
			     cli);

out:
	/* the connections hold their own references */
	tes_deref(cs);
	tes_deref(cc);
	if (err) {
		peer_free(srv);
		peer_free(cli);
	}
	else {
		*srvp = srv;
		*clip = cli;
	}

	return err;
}

static void report(const struct peer *srv, const struct peer *cli)
{
	fprintf(stderr, "  srv: calls %d err %d, cli: calls %d err %d\n",
		srv->done_calls, srv->err, cli->done_calls, cli->err);
}

static int check_keys(const struct peer *srv, const struct peer *cli)
{
	const struct tes_dtls_keys *s = &srv->keys, *c = &cli->keys;

	TEST_ASSERT(srv->have_keys && cli->have_keys);
	TEST_EQ(s->profile, c->profile);
	TEST_EQ(s->key_len, 16);
	TEST_EQ(c->key_len, 16);
	TEST_EQ(s->salt_len, s->profile == TES_SRTP_AEAD_AES_128_GCM ? 12 : 14);
	TEST_EQ(c->salt_len, s->salt_len);
	TEST_MEMEQ(s->local_key, c->remote_key, s->key_len);
	TEST_MEMEQ(s->remote_key, c->local_key, s->key_len);
	TEST_MEMEQ(s->local_salt, c->remote_salt, s->salt_len);
	TEST_MEMEQ(s->remote_salt, c->local_salt, s->salt_len);
	TEST_ASSERT(memcmp(s->local_key, s->remote_key, s->key_len) != 0);

	return 0;
}

TES_TEST(dtls_cert_fingerprint)
{
	struct tes_dtls_cert *a = NULL, *b = NULL;
	const char *fp;

	TEST_OK(tes_dtls_cert_alloc(&a));
	TEST_OK(tes_dtls_cert_alloc(&b));

	fp = tes_dtls_cert_fingerprint(a);
	TEST_ASSERT(fp != NULL);
	TEST_EQ(strlen(fp), 95);
	for (size_t i = 0; i < 95; i++) {
		if (i % 3 == 2)
			TEST_EQ(fp[i], ':');
		else
			TEST_ASSERT(isdigit((unsigned char)fp[i]) ||
				    (fp[i] >= 'A' && fp[i] <= 'F'));
	}
	TEST_ASSERT(strcmp(fp, tes_dtls_cert_fingerprint(b)) != 0);

	tes_deref(a);
	tes_deref(b);

	return 0;
}

TES_TEST(dtls_bad_fingerprint)
{
	static const struct {
		const char *alg;
		const char *fp;
	} bad[] = {
		{"sha-256", ""},
		{"sha-256", "AB:CD"},
		{"sha-256", "zz"},
		{"md5", "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"},
		{"sha-1", "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
			  "AB:CD:EF:01:"},
		{"sha-1", "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
			  "AB:CD:EF:01:23"},
		{"sha-1", "ABCDEF0123456789ABCDEF0123456789ABCDEF01"},
		{"sha-1", "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
			  "AB:CD:EF:0G"},
		{"sha-1", "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
			  "AB:CD:EF:1"},
		{"sha-1", "AB::CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
			  "AB:CD:EF"},
		{"sha-1", " AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
			  "AB:CD:EF:01"},
	};
	static const char good[] =
		"ab:cd:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01";
	struct tes_dtls_cert *c = NULL;
	struct tes_dtls *d = NULL;
	struct peer p = {0};

	TEST_OK(tes_dtls_cert_alloc(&c));

	for (size_t i = 0; i < TES_ARRAY_SIZE(bad); i++) {
		int err = tes_dtls_alloc(&d, c, TES_DTLS_SERVER, bad[i].alg,
					 bad[i].fp, send_h, done_h, &p);

		if (err != -EINVAL)
			TEST_FAIL("case %zu: %d, expected -EINVAL", i, err);
		TEST_ASSERT(d == NULL);
	}

	TEST_OK(tes_dtls_alloc(&d, c, TES_DTLS_SERVER, "SHA-1", good, send_h,
			       done_h, &p));
	d = tes_deref(d);
	TEST_OK(tes_dtls_alloc(&d, c, TES_DTLS_CLIENT, "sha-256",
			       tes_dtls_cert_fingerprint(c), send_h, done_h,
			       &p));
	d = tes_deref(d);
	TEST_EQ(tes_dtls_alloc(&d, NULL, TES_DTLS_CLIENT, "sha-256",
			       good, send_h, done_h, &p), -EINVAL);

	tes_deref(c);

	return 0;
}

TES_TEST(dtls_handshake)
{
	struct peer *srv = NULL, *cli = NULL;
	int err = 1;

	TEST_OK(pair_setup(&srv, &cli, NULL));

	if (tes_dtls_start(srv->d) || srv->sent)
		goto out;
	if (tes_dtls_timeout_ms(srv->d) != -1)
		goto out;
	if (tes_dtls_start(cli->d) || cli->sent != 1)
		goto out;
	if (tes_dtls_timeout_ms(cli->d) < 0)
		goto out;
	if (pump(srv, cli))
		goto out;

	if (srv->done_calls != 1 || cli->done_calls != 1 || srv->err ||
	    cli->err || srv->overflow || cli->overflow)
		goto out;
	if (check_keys(srv, cli))
		goto out;
	/* we prefer GCM and so does the client here */
	if (srv->keys.profile != TES_SRTP_AEAD_AES_128_GCM)
		goto out;
	if (srv->maxlen > MTU || cli->maxlen > MTU)
		goto out;

	/* application data and a late duplicate are ignored */
	if (tes_dtls_recv(srv->d, (const uint8_t *)"\x17\xfe\xfd", 3))
		goto out;

	/* close_notify from the client resets the server */
	tes_dtls_close(cli->d);
	if (cli->qn != 1 || pump(srv, cli))
		goto out;
	if (srv->done_calls != 2 || srv->err != -ECONNRESET)
		goto out;
	if (cli->done_calls != 1)
		goto out;
	err = 0;

out:
	if (err)
		report(srv, cli);
	peer_free(srv);
	peer_free(cli);

	return err;
}

TES_TEST(dtls_fingerprint_mismatch)
{
	struct peer *srv = NULL, *cli = NULL;
	char wrong[96];
	int err = 1;

	/* a well-formed SHA-256 fingerprint nobody has: 00:01:...:1F */
	for (size_t i = 0; i < 32; i++)
		snprintf(wrong + 3 * i - (i ? 1 : 0), 4, i ? ":%02X" : "%02X",
			 (unsigned)i);

	TEST_OK(pair_setup(&srv, &cli, wrong));
	TEST_OK(tes_dtls_start(cli->d));
	(void)pump(srv, cli);

	if (srv->done_calls != 1 || srv->err != -EACCES || srv->have_keys)
		goto out;
	/* the client got an alert instead of our Finished */
	if (cli->have_keys || cli->done_calls != 1 || cli->err >= 0)
		goto out;
	/* a failed connection stays failed */
	if (tes_dtls_recv(srv->d, (const uint8_t *)"x", 1) != -EACCES)
		goto out;
	if (tes_dtls_timeout_ms(srv->d) != -1)
		goto out;
	err = 0;

out:
	if (err)
		report(srv, cli);
	peer_free(srv);
	peer_free(cli);

	return err;
}

TES_TEST(dtls_garbage)
{
	struct peer *srv = NULL, *cli = NULL;
	uint8_t junk[300];
	int err = 1;

	TEST_OK(pair_setup(&srv, &cli, NULL));

	/* random bytes, then random bytes behind a handshake record header */
	for (int round = 0; round < 20; round++) {
		TEST_OK(tes_random(junk, sizeof(junk)));
		if (round & 1) {
			junk[0] = 22;
			junk[1] = 0xfe;
			junk[2] = 0xfd;
			tes_wr16(junk + 11, (uint16_t)(sizeof(junk) - 13));
		}
		(void)tes_dtls_recv(srv->d, junk, sizeof(junk));
	}
	(void)tes_dtls_recv(srv->d, junk, 1);
	(void)tes_dtls_recv(srv->d, junk, 0);

	/* ignored: the handshake still works; otherwise it failed cleanly */
	if (srv->done_calls) {
		if (srv->done_calls != 1 || srv->err >= 0 || srv->have_keys)
			goto out;
	}
	else {
		if (tes_dtls_start(cli->d) || pump(srv, cli))
			goto out;
		if (check_keys(srv, cli))
			goto out;
	}
	err = 0;

out:
	peer_free(srv);
	peer_free(cli);

	return err;
}

TES_TEST(dtls_retransmit)
{
	struct peer *srv = NULL, *cli = NULL;
	int err = 1;

	TEST_OK(pair_setup(&srv, &cli, NULL));

	/* the first ClientHello is lost */
	cli->drop = 0;
	if (tes_dtls_start(cli->d) || cli->qn != 0)
		goto out;
	if (wait_and_tick(cli) || cli->qn != 1)
		goto out;
	if (pump(srv, cli) || check_keys(srv, cli))
		goto out;
	err = 0;

out:
	peer_free(srv);
	peer_free(cli);

	return err;
}

TES_TEST(dtls_lost_final_flight)
{
	struct peer *srv = NULL, *cli = NULL;
	int err = 1;

	TEST_OK(pair_setup(&srv, &cli, NULL));

	/* the server's ChangeCipherSpec + Finished are lost */
	srv->drop = 1;
	if (tes_dtls_start(cli->d) || pump(srv, cli))
		goto out;
	if (srv->done_calls != 1 || srv->err || cli->done_calls)
		goto out;

	/* client retransmits its flight; the server answers it again */
	if (wait_and_tick(cli) || cli->qn == 0)
		goto out;
	if (pump(srv, cli) || cli->done_calls != 1 || srv->done_calls != 1)
		goto out;
	if (check_keys(srv, cli))
		goto out;
	err = 0;

out:
	peer_free(srv);
	peer_free(cli);

	return err;
}

TES_TEST(dtls_deref_in_handler)
{
	struct peer *srv = NULL, *cli = NULL;
	int err = 1;

	TEST_OK(pair_setup(&srv, &cli, NULL));

	srv->deref_in_done = true;
	cli->deref_in_done = true;
	if (tes_dtls_start(cli->d) || pump(srv, cli))
		goto out;
	if (srv->d || cli->d || check_keys(srv, cli))
		goto out;
	err = 0;

out:
	peer_free(srv);
	peer_free(cli);

	return err;
}

/* Keys from a real handshake drive SRTP both ways. */
TES_TEST(dtls_srtp_keys)
{
	static const uint8_t rtp[] = {
		0x80, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10,
		0x11, 0x22, 0x33, 0x44, 'h', 'e', 'l', 'l', 'o',
	};
	uint8_t buf[sizeof(rtp) + TES_SRTP_MAX_TRAILER];
	struct tes_srtp *ss = NULL, *sc = NULL;
	struct peer *srv = NULL, *cli = NULL;
	size_t len;
	int err = 1;

	TEST_OK(pair_setup(&srv, &cli, NULL));
	if (tes_dtls_start(cli->d) || pump(srv, cli) || check_keys(srv, cli))
		goto out;
	if (tes_srtp_alloc(&ss, &srv->keys) || tes_srtp_alloc(&sc, &cli->keys))
		goto out;

	memcpy(buf, rtp, sizeof(rtp));
	len = sizeof(rtp);
	if (tes_srtp_protect_rtp(ss, buf, &len) || len <= sizeof(rtp))
		goto out;
	if (tes_srtp_unprotect_rtp(sc, buf, &len) || len != sizeof(rtp) ||
	    memcmp(buf, rtp, len))
		goto out;

	memcpy(buf, rtp, sizeof(rtp));
	len = sizeof(rtp);
	if (tes_srtp_protect_rtp(sc, buf, &len) ||
	    tes_srtp_unprotect_rtp(ss, buf, &len) || memcmp(buf, rtp, len))
		goto out;
	err = 0;

out:
	tes_deref(ss);
	tes_deref(sc);
	peer_free(srv);
	peer_free(cli);

	return err;
}
