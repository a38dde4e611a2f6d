/**
 * @file srtpbench.c  tes_srtpbench: the CPU cost of SRTP per packet, with
 * libsrtp's own primitives (Debian builds them on NSS) and with the
 * OpenSSL ones Tessera installs (src/srtp/ossl.c), in the same run.
 *
 * For each profile and each number of live session pairs, every pair
 * protects and unprotects one RTP packet (12-byte header, 100-byte
 * payload) in turn, round robin, as a server does for its participants.
 * Prints the thread CPU time per protect + unprotect, in microseconds.
 *
 *     tes_srtpbench [--packets N] [--sessions 1,20,200,2000]
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <srtp2/srtp.h>

#include "srtp/srtp_int.h"

enum {
	PAYLOAD = 100,
	RTP_LEN = 12 + PAYLOAD,
	MAX_SIZES = 8,
};

struct prof {
	const char *name;
	void (*set)(srtp_crypto_policy_t *p);
	int key_len;  /* master key + salt */
};

static const struct prof PROFS[] = {
	{"AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth, 28},
	{"AES_CM_128_HMAC_SHA1_80",
	 srtp_crypto_policy_set_rtp_default, 30},
};

static double cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int make(srtp_t *s, const struct prof *pr, int i, bool out)
{
	unsigned char key[64];
	srtp_policy_t pol;

	memset(&pol, 0, sizeof(pol));
	for (int k = 0; k < pr->key_len; k++)
		key[k] = (unsigned char)(i * 7 + k);
	pr->set(&pol.rtp);
	pr->set(&pol.rtcp);
	pol.ssrc.type = out ? ssrc_any_outbound : ssrc_any_inbound;
	pol.key = key;
	pol.window_size = 1024;
	pol.allow_repeat_tx = 1;

	return srtp_create(s, &pol) ? -1 : 0;
}

/* microseconds of CPU per protect + unprotect, or < 0 on a failure */
static double run(const struct prof *pr, int sessions, long packets)
{
	srtp_t *tx = calloc((size_t)sessions, sizeof(*tx));
	srtp_t *rx = calloc((size_t)sessions, sizeof(*rx));
	unsigned char pkt[RTP_LEN + SRTP_MAX_TRAILER_LEN];
	double t0, t = -1;
	long n;

	if (!tx || !rx)
		goto out;
	for (int i = 0; i < sessions; i++) {
		if (make(&tx[i], pr, i, true) || make(&rx[i], pr, i, false))
			goto out;
	}

	/* one warm-up round, then the measured ones */
	t0 = cpu_s();
	for (n = -sessions; n < packets; n++) {
		long k = n < 0 ? n + sessions : n;
		int i = (int)(k % sessions);
		unsigned seq = (unsigned)(k / sessions + (n < 0 ? 0 : 1));
		int len = RTP_LEN;

		if (n == 0)
			t0 = cpu_s();
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 0x80;
		pkt[1] = 111;
		pkt[2] = (unsigned char)(seq >> 8);
		pkt[3] = (unsigned char)seq;
		pkt[8] = (unsigned char)(i >> 8);
		pkt[9] = (unsigned char)i;
		pkt[11] = 1;
		if (srtp_protect(tx[i], pkt, &len) ||
		    srtp_unprotect(rx[i], pkt, &len) || len != RTP_LEN)
			goto out;
	}
	t = (cpu_s() - t0) / (double)packets * 1e6;

out:
	for (int i = 0; tx && rx && i < sessions; i++) {
		if (tx[i])
			srtp_dealloc(tx[i]);
		if (rx[i])
			srtp_dealloc(rx[i]);
	}
	free(tx);
	free(rx);

	return t;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tes_srtpbench [--packets N] "
		   "[--sessions N,N,...]\n"
		   "SRTP protect + unprotect CPU per packet: libsrtp's own "
		   "primitives,\nthen OpenSSL's as Tessera installs them, "
		   "by live session pairs.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"packets", required_argument, NULL, 'p'},
		{"sessions", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int sizes[MAX_SIZES] = {1, 20, 200, 2000};
	size_t nsizes = 4;
	double stock[2][MAX_SIZES], ossl[2][MAX_SIZES];
	long packets = 200000;
	unsigned got;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			packets = strtol(optarg, NULL, 10);
			break;
		case 's': {
			char *s = optarg, *end;

			for (nsizes = 0; nsizes < MAX_SIZES && *s; nsizes++) {
				sizes[nsizes] = (int)strtol(s, &end, 10);
				if (end == s || sizes[nsizes] < 1)
					break;
				s = *end == ',' ? end + 1 : end;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (packets < 1000 || !nsizes) {
		usage(stderr);
		return 2;
	}
	if (srtp_init()) {
		fprintf(stderr, "srtp_init failed\n");
		return 1;
	}

	for (size_t p = 0; p < 2; p++)
		for (size_t k = 0; k < nsizes; k++)
			stock[p][k] = run(&PROFS[p], sizes[k], packets);
	got = tes__srtp_use_openssl();
	if (got != (TES__SRTP_OSSL_ICM | TES__SRTP_OSSL_GCM |
		    TES__SRTP_OSSL_HMAC)) {
		fprintf(stderr, "OpenSSL primitives not installed (%#x)\n",
			got);
		return 1;
	}
	for (size_t p = 0; p < 2; p++)
		for (size_t k = 0; k < nsizes; k++)
			ossl[p][k] = run(&PROFS[p], sizes[k], packets);

	printf("| profile | live session pairs | libsrtp's own "
	       "(us per packet) | OpenSSL's (us per packet) | own / "
	       "OpenSSL |\n|---|---|---|---|---|\n");
	for (size_t p = 0; p < 2; p++) {
		for (size_t k = 0; k < nsizes; k++) {
			if (stock[p][k] < 0 || ossl[p][k] <= 0) {
				fprintf(stderr, "%s, %d sessions: SRTP "
					"failed\n", PROFS[p].name, sizes[k]);
				return 1;
			}
			printf("| %s | %d | %.2f | %.2f | **%.1f** |\n",
			       PROFS[p].name, sizes[k], stock[p][k],
			       ossl[p][k], stock[p][k] / ossl[p][k]);
		}
	}

	return 0;
}
