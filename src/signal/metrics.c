/**
 * @file metrics.c  GET /metrics: process-wide gauges and counters in the
 * Prometheus text exposition format, version 0.0.4.  The text is written
 * here: there is no Prometheus client library for C among our
 * dependencies, and the format is a line per sample.
 *
 * Counters include what participants that left and mixers that closed
 * had counted, so they only grow while the process runs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signal/signal_int.h"

static const char CTYPE[] = "text/plain; version=0.0.4; charset=utf-8";

/* A growing text; on a failed allocation it stays failed. */
struct text {
	char *buf;
	size_t len;
	size_t size;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	size_t size;
	char *nb;
	int n;

	/* twice at most: the second time it fits */
	while (!t->failed) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL,
			      t->size - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->size - t->len) {
			t->len += (size_t)n;
			return;
		}
		size = TES_MAX(t->size * 2, t->len + (size_t)TES_MAX(n, 0) +
			       4096);
		nb = n >= 0 ? realloc(t->buf, size) : NULL;
		t->failed = !nb;
		if (nb) {
			t->buf = nb;
			t->size = size;
		}
	}
}

static void head(struct text *t, const char *name, const char *type,
		 const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct text *t, const char *name, const char *type,
		const char *help, uint64_t v)
{
	head(t, name, type, help);
	put(t, "%s %llu\n", name, (unsigned long long)v);
}

/* a gauge or counter with one sample per mode */
static void by_mode(struct text *t, const char *name, const char *help,
		    size_t mix, size_t sfu, size_t echo)
{
	head(t, name, "gauge", help);
	put(t, "%s{mode=\"mix\"} %zu\n%s{mode=\"sfu\"} %zu\n"
	     "%s{mode=\"echo\"} %zu\n", name, mix, name, sfu, name, echo);
}

static void rooms_part(struct text *t, const struct tes_rooms_totals *rt)
{
	by_mode(t, "tessera_rooms", "Rooms open now, by mode.",
		rt->rooms_mix, rt->rooms_sfu, rt->rooms_echo);
	by_mode(t, "tessera_participants", "Participants now, by the mode "
		"of their room.", rt->parts_mix, rt->parts_sfu,
		rt->parts_echo);
	one(t, "tessera_participants_joined_total", "counter",
	    "Participants that joined.", rt->joins);

	for (size_t i = 0; i < tes_part_counter_nfields; i++) {
		const struct tes_part_counter_field *f =
			&tes_part_counter_fields[i];
		char name[96];

		snprintf(name, sizeof(name), "tessera_participant_%s_total",
			 f->name);
		one(t, name, "counter", f->help,
		    *(const uint64_t *)((const char *)&rt->cnt + f->off));
	}

	one(t, "tessera_mix_video_frames_total", "counter",
	    "Mix: video frames encoded, all rooms and profiles.",
	    rt->video_frames);
	one(t, "tessera_mix_video_missed_total", "counter",
	    "Mix: video ticks skipped because a job was late.",
	    rt->video_missed);
	one(t, "tessera_mix_audio_ticks_total", "counter",
	    "Mix: audio blocks mixed.", rt->audio_ticks);
	one(t, "tessera_mix_audio_missed_total", "counter",
	    "Mix: audio ticks skipped because a job was late.",
	    rt->audio_missed);
}

static void ice_part(struct text *t, const struct tes_ice_stats *s)
{
	static const struct {
		const char *name;
		const char *help;
		size_t off;
	} fields[] = {
#define F(f, help) {#f, help, offsetof(struct tes_ice_stats, f)}
		F(rx_packets, "Datagrams received on the media port."),
		F(rx_bytes, "Bytes received on the media port."),
		F(tx_packets, "Datagrams sent from the media port."),
		F(tx_bytes, "Bytes sent from the media port."),
		F(tx_errors, "Sends from the media port that failed."),
		F(drop_unknown_kind, "Datagrams dropped: not STUN, DTLS, RTP "
		  "or RTCP."),
		F(drop_truncated, "Datagrams dropped: larger than the "
		  "buffer."),
		F(drop_oversize, "Datagrams dropped: over 1500 bytes."),
		F(stun_malformed, "STUN dropped: did not parse."),
		F(stun_unknown_user, "STUN dropped: USERNAME of no agent."),
		F(stun_auth_fail, "STUN dropped: bad MESSAGE-INTEGRITY or "
		  "FINGERPRINT."),
		F(stun_not_request, "STUN responses and indications "
		  "ignored."),
		F(drop_unknown_addr, "Datagrams dropped: not STUN, from an "
		  "address no check validated."),
#undef F
	};
	_Static_assert(sizeof(struct tes_ice_stats) ==
		       TES_ARRAY_SIZE(fields) * sizeof(uint64_t),
		       "every counter of struct tes_ice_stats is listed");

	for (size_t i = 0; i < TES_ARRAY_SIZE(fields); i++) {
		char name[96];

		snprintf(name, sizeof(name), "tessera_media_port_%s_total",
			 fields[i].name);
		one(t, name, "counter", fields[i].help,
		    *(const uint64_t *)((const char *)s + fields[i].off));
	}
}

static void http_part(struct text *t, const struct tes__http_stats *st)
{
	static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx",
					      "5xx"};
	static const char NAME[] = "tessera_http_responses_total";

	head(t, NAME, "counter", "HTTP responses, by status class.");
	for (size_t i = 0; i < TES_ARRAY_SIZE(classes); i++)
		put(t, "%s{code=\"%s\"} %llu\n", NAME, classes[i],
		    (unsigned long long)st->responses[i + 1]);
	one(t, "tessera_http_rejected_unauthorized_total", "counter",
	    "Requests and event channels refused with 401: no valid "
	    "token.", st->unauthorized);
	one(t, "tessera_http_rejected_forbidden_total", "counter",
	    "Requests and event channels refused with 403: the token is "
	    "for another room or lacks the right.", st->forbidden);
	one(t, "tessera_http_rate_limited_total", "counter",
	    "Requests and event channels refused with 429 (http."
	    "rate_limit_per_s).", st->rate_limited);
	one(t, "tessera_event_channels", "gauge",
	    "Event channels (WebSockets) open now.", st->channels);
}

void tes__metrics(struct tes_rooms *rooms, const struct tes__http_stats *st,
		  struct tes__http_resp *resp)
{
	struct tes_rooms_totals rt;
	struct text t = {0};

	memset(&rt, 0, sizeof(rt));
	tes_rooms_totals(rooms, &rt);
	rooms_part(&t, &rt);
	ice_part(&t, &rt.ice);
	http_part(&t, st);
	if (t.failed) {
		free(t.buf);
		tes__api_error(resp, 503, "out of memory");
		return;
	}

	resp->status = 200;
	resp->ctype = CTYPE;
	resp->body = t.buf;
	resp->body_len = t.len;
}
