/**
 * @file limit.c  Request rate limit per client address: a token bucket
 * each (http.rate_limit_per_s, http.rate_burst), in a fixed table so that
 * many addresses cannot make us allocate.  IPv6 clients count per /64,
 * the block one subscriber usually holds.
 *
 * A slot whose bucket has filled up again holds nothing worth keeping and
 * is reused first.  When every slot of an address's probe window is busy,
 * the one seen least recently is reused: that client starts with a full
 * bucket, which favours only a client that rotates through thousands of
 * addresses, and such a one is not stopped by any per-address limit.
 */
#include <arpa/inet.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "signal/signal_int.h"

enum {
	SLOTS = 4096,       /* a power of two */
	PROBE = 16,         /* slots looked at per address */
	MILLI = 1000,       /* tokens are counted in thousandths */
	XFF_MAX = 1024,     /* X-Forwarded-For we read */
	LOG_INTERVAL_MS = 1000,
};

static const uint8_t V4MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
				     0xff};

struct slot {
	uint8_t addr[16];
	uint64_t last_ms;   /* last refill; 0: free */
	uint64_t milli;     /* thousandths of a token */
};

struct tes__limiter {
	uint64_t rate;      /* tokens per second = thousandths per ms */
	uint64_t burst;     /* in thousandths */
	uint32_t seed;      /* hash seed: nobody aims at one window */
	struct slot slots[SLOTS];
};

int tes__limit_alloc(struct tes__limiter **lp, uint32_t rate_per_s,
		     uint32_t burst)
{
	struct tes__limiter *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->rate = rate_per_s;
	l->burst = (uint64_t)TES_MAX(burst, 1u) * MILLI;
	l->seed = tes_rand_u32();
	*lp = l;

	return 0;
}

void tes__limit_free(struct tes__limiter *l)
{
	free(l);
}

static uint32_t hash(const uint8_t addr[16], uint32_t seed)
{
	uint32_t h = 2166136261u ^ seed;   /* FNV-1a */

	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619u;

	return h;
}

static void refill(const struct tes__limiter *l, struct slot *s,
		   uint64_t now_ms)
{
	uint64_t dt = now_ms > s->last_ms ? now_ms - s->last_ms : 0;

	/* past a full refill the product could only overflow */
	if (dt >= l->burst / TES_MAX(l->rate, 1u) + 1)
		s->milli = l->burst;
	else
		s->milli = TES_MIN(l->burst, s->milli + dt * l->rate);
	s->last_ms = now_ms;
}

/* free, or its bucket would be full again: nothing is lost by reuse */
static bool idle(const struct tes__limiter *l, const struct slot *s,
		 uint64_t now_ms)
{
	uint64_t dt = now_ms > s->last_ms ? now_ms - s->last_ms : 0;

	return !s->last_ms ||
	       dt >= (l->burst - s->milli + l->rate - 1) / l->rate;
}

static struct slot *slot_of(struct tes__limiter *l, const uint8_t key[16],
			    uint64_t now_ms)
{
	uint32_t h = hash(key, l->seed);
	struct slot *pick = NULL;

	for (unsigned i = 0; i < PROBE; i++) {
		struct slot *s = &l->slots[(h + i) & (SLOTS - 1)];
		bool si, pi;

		if (s->last_ms && !memcmp(s->addr, key, 16))
			return s;
		if (!pick) {
			pick = s;
			continue;
		}
		/* idle ones first; of those alike, the one seen longest ago */
		si = idle(l, s, now_ms);
		pi = idle(l, pick, now_ms);
		if ((si && !pi) || (si == pi && s->last_ms < pick->last_ms))
			pick = s;
	}
	memcpy(pick->addr, key, 16);
	pick->last_ms = now_ms;
	pick->milli = l->burst;

	return pick;
}

unsigned tes__limit_take(struct tes__limiter *l, const uint8_t addr[16],
			 uint64_t now_ms)
{
	uint8_t key[16];
	struct slot *s;

	if (!l->rate)
		return 0;
	memcpy(key, addr, 16);
	if (memcmp(key, V4MAPPED, sizeof(V4MAPPED)))
		memset(key + 8, 0, 8);      /* IPv6: the /64 */
	now_ms = TES_MAX(now_ms, 1u);       /* last_ms 0 means free */

	s = slot_of(l, key, now_ms);
	refill(l, s, now_ms);
	if (s->milli >= MILLI) {
		s->milli -= MILLI;
		return 0;
	}

	/* whole seconds until one token is back, at least 1 */
	return (unsigned)TES_MAX((MILLI - s->milli + l->rate * 1000 - 1) /
				 (l->rate * 1000), 1u);
}

/* text to 16 bytes, IPv4 mapped; false when it is no address */
static bool addr_parse(const char *text, uint8_t addr[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET6, text, addr) == 1)
		return true;
	if (inet_pton(AF_INET, text, &a4) != 1)
		return false;
	memcpy(addr, V4MAPPED, sizeof(V4MAPPED));
	memcpy(addr + 12, &a4, 4);

	return true;
}

static void addr_text(const uint8_t addr[16], char *text, size_t len)
{
	bool v4 = !memcmp(addr, V4MAPPED, sizeof(V4MAPPED));

	if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? addr + 12 : addr, text,
		       (socklen_t)len))
		snprintf(text, len, "?");
}

/* the last address of X-Forwarded-For: the one our proxy saw */
static bool forwarded_for(struct lws *wsi, uint8_t addr[16])
{
	char xff[XFF_MAX], *last;
	size_t n;

	if (lws_hdr_copy(wsi, xff, sizeof(xff), WSI_TOKEN_X_FORWARDED_FOR) <= 0)
		return false;
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	last += strspn(last, " \t");
	n = strcspn(last, " \t");
	last[n] = '\0';

	return addr_parse(last, addr);
}

void tes__client_addr(struct lws *wsi, const struct tes_conf *conf,
		      uint8_t addr[16], char *text, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint8_t proxy[16], fwd[16];
	int fd = lws_get_socket_fd(wsi);

	memset(addr, 0, 16);
	if (fd >= 0 && !getpeername(fd, (struct sockaddr *)&ss, &sl)) {
		if (ss.ss_family == AF_INET) {
			memcpy(addr, V4MAPPED, sizeof(V4MAPPED));
			memcpy(addr + 12,
			       &((struct sockaddr_in *)&ss)->sin_addr, 4);
		}
		else if (ss.ss_family == AF_INET6) {
			memcpy(addr, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			       16);
		}
	}
	/* one malformed or missing header: the proxy's own bucket */
	if (conf->http_trusted_proxy[0] &&
	    addr_parse(conf->http_trusted_proxy, proxy) &&
	    !memcmp(addr, proxy, 16) && forwarded_for(wsi, fwd))
		memcpy(addr, fwd, 16);
	addr_text(addr, text, len);
}

unsigned tes__limit_request(struct tes__limiter *l, struct lws *wsi,
			    const struct tes_conf *conf,
			    struct tes__http_stats *st, char *peer,
			    size_t len)
{
	uint8_t addr[16];
	unsigned wait;
	uint64_t sup;

	tes__client_addr(wsi, conf, addr, peer, len);
	wait = tes__limit_take(l, addr, tes_now_ms());
	if (!wait)
		return 0;
	st->rate_limited++;
	if (tes_ratelog_allow(&st->rl_limit, LOG_INTERVAL_MS, &sup))
		TES_LOGW("http", "%s: 429 over http.rate_limit_per_s (%llu "
			 "more refused since)", peer, (unsigned long long)sup);

	return wait;
}

void tes__limit_answer(const struct tes_conf *conf,
		       struct tes__http_resp *resp, unsigned wait)
{
	tes__api_error(resp, 429, "too many requests from your address: at "
		       "most %u a second, %u at once; retry in %u s",
		       conf->http_rate_per_s, conf->http_rate_burst, wait);
	resp->retry_after = wait;
}
