/**
 * @file loadgen_sig.c  tes_loadgen signalling and reports: the offer and
 * answer, WHIP to Tessera and DELETE at the end, the server measurements
 * (CPU from /proc, mix counters from GET /rooms/{room}) and the summary
 * lines.  Janus's signalling is in loadgen_janus.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"
#include "base/frame.h"
#include "bench/loadgen.h"
#include "sdp/sdp.h"

static const char LEVEL_URI[] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

/* Append to buf at *len; output past cap is cut (the offer is small). */
static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = TES_MIN(*len + (size_t)n, cap);
}

/* A description's session lines, up to its a=group:BUNDLE (the mids
 * follow). */
static void session_lines(char *buf, size_t cap, size_t *len,
			  unsigned long long version)
{
	put(buf, cap, len,
	    "v=0\r\n"
	    "o=- %u %llu IN IP4 127.0.0.1\r\n"
	    "s=-\r\n"
	    "t=0 0\r\n"
	    "a=group:BUNDLE",
	    tes_rand_u32() & 0x7fffffff, version);
}

/* The ICE, DTLS and candidate lines every m-line carries.  active:
 * a=setup:active and our host candidate (no trickle), else actpass. */
static void transport_lines(const struct lg *lg, const struct lg_part *p,
			    bool active, char *buf, size_t cap)
{
	size_t len = 0;

	put(buf, cap, &len,
	    "c=IN IP4 %s\r\n"
	    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
	    "a=ice-ufrag:%s\r\n"
	    "a=ice-pwd:%s\r\n"
	    "a=fingerprint:sha-256 %s\r\n"
	    "a=setup:%s\r\n",
	    active ? "127.0.0.1" : "0.0.0.0", p->ufrag, p->pwd,
	    tes_dtls_cert_fingerprint(lg->cert),
	    active ? "active" : "actpass");
	if (active)
		put(buf, cap, &len,
		    "a=candidate:1 1 udp 2130706431 127.0.0.1 %u typ host\r\n"
		    "a=end-of-candidates\r\n", p->port);
}

/* What we send on an m-line of our offer: a=msid and a=ssrc, or nothing
 * (a subscriber's m-lines are recvonly). */
static void send_lines(const struct lg_part *p, char kind, uint32_t ssrc,
		       char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	if (p->sub)
		return;
	put(buf, cap, &len,
	    "a=msid:lg%d %c%d\r\n"
	    "a=ssrc:%u cname:%s\r\n"
	    "a=ssrc:%u msid:lg%d %c%d\r\n",
	    p->idx, kind, p->idx, ssrc, p->cname, ssrc, p->idx, kind, p->idx);
}

void lg_offer(const struct lg *lg, const struct lg_part *p, bool active,
	      char *buf, size_t cap)
{
	const char *dir = p->sub ? "recvonly" : "sendrecv";
	bool video = lg->nclips > 0;
	char common[1024], snd[512];
	size_t len = 0;

	transport_lines(lg, p, active, common, sizeof(common));
	session_lines(buf, cap, &len, 2);
	put(buf, cap, &len, " 0%s\r\na=msid-semantic: WMS lg%d\r\n",
	    video ? " 1" : "", p->idx);
	send_lines(p, 'a', p->assrc, snd, sizeof(snd));
	put(buf, cap, &len,
	    "m=audio %u UDP/TLS/RTP/SAVPF 111\r\n"
	    "%s"
	    "a=mid:0\r\n"
	    "a=extmap:1 %s\r\n"
	    "a=%s\r\n"
	    "a=rtcp-mux\r\n"
	    "a=rtcp-rsize\r\n"
	    "a=rtpmap:111 opus/48000/2\r\n"
	    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
	    "%s",
	    active ? (unsigned)p->port : 9u, common, LEVEL_URI, dir, snd);
	if (!video)
		return;
	send_lines(p, 'v', p->vssrc, snd, sizeof(snd));
	put(buf, cap, &len,
	    "m=video %u UDP/TLS/RTP/SAVPF 96\r\n"
	    "%s"
	    "a=mid:1\r\n"
	    "a=%s\r\n"
	    "a=rtcp-mux\r\n"
	    "a=rtcp-rsize\r\n"
	    "a=rtpmap:96 VP8/90000\r\n"
	    "a=rtcp-fb:96 goog-remb\r\n"
	    "a=rtcp-fb:96 ccm fir\r\n"
	    "a=rtcp-fb:96 nack\r\n"
	    "a=rtcp-fb:96 nack pli\r\n"
	    "%s",
	    active ? (unsigned)p->port : 9u, common, dir, snd);
}

/* Our direction in an answer to an offered one: we only receive. */
static const char *answer_dir(enum tes_dir offered)
{
	return offered == TES_DIR_SENDONLY || offered == TES_DIR_SENDRECV
		       ? "recvonly"
		       : "inactive";
}

/* Whether we take an offered m-line: audio or video with a codec. */
static bool taken(const struct tes_sdp_media *m)
{
	return (m->port || m->bundle_only) && m->n_rtpmap &&
	       (m->kind == TES_MEDIA_AUDIO || m->kind == TES_MEDIA_VIDEO);
}

/* Parse a server's SDP (what: "offer", "answer") into *sp (to free()). */
static int parse(const struct lg_part *p, const char *sdp, const char *what,
		 struct tes_sdp_session **sp)
{
	char err[128] = "";
	int ret;

	*sp = malloc(sizeof(**sp));
	if (!*sp)
		return -ENOMEM;
	ret = tes_sdp_parse(*sp, sdp, strlen(sdp), err, sizeof(err));
	if (ret)
		fprintf(stderr, "loadgen: participant %d: %s: %s\n", p->idx,
			what, err);

	return ret;
}

int lg_answer(const struct lg *lg, struct lg_part *p, const char *offer,
	      char *buf, size_t cap)
{
	struct tes_sdp_session *s;
	char common[1024];
	size_t len = 0;
	int ret;

	ret = parse(p, offer, "offer", &s);
	if (ret)
		goto out;
	transport_lines(lg, p, true, common, sizeof(common));
	session_lines(buf, cap, &len, p->c.answers_out + 2);
	for (size_t i = 0; i < s->n_media; i++)
		if (taken(&s->media[i]))
			put(buf, cap, &len, " %s", s->media[i].mid);
	put(buf, cap, &len, "\r\n");

	p->n_tracks = 0;
	for (size_t i = 0; i < s->n_media; i++) {
		const struct tes_sdp_media *m = &s->media[i];
		const struct tes_sdp_rtpmap *c = &m->rtpmap[0];

		if (!taken(m)) {
			put(buf, cap, &len, "m=%s 0 %s %s\r\na=mid:%s\r\n",
			    m->kind_name, m->proto,
			    m->first_fmt[0] ? m->first_fmt : "0", m->mid);
			continue;
		}
		put(buf, cap, &len,
		    "m=%s %u %s %u\r\n"
		    "%s"
		    "a=mid:%s\r\n"
		    "a=%s\r\n"
		    "a=rtcp-mux\r\n"
		    "%s"
		    "a=rtpmap:%u %s/%u",
		    m->kind_name, (unsigned)p->port, m->proto, c->pt, common,
		    m->mid, answer_dir(m->dir),
		    m->rtcp_rsize ? "a=rtcp-rsize\r\n" : "", c->pt, c->name,
		    c->clock);
		if (c->channels)
			put(buf, cap, &len, "/%u", c->channels);
		put(buf, cap, &len, "\r\n");
		if (c->fmtp[0])
			put(buf, cap, &len, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
		if (strcmp(answer_dir(m->dir), "recvonly") || !m->n_ssrc ||
		    p->n_tracks == LG_MAX_TRACKS)
			continue;
		p->tracks[p->n_tracks++] = (struct lg_track){
			.ssrc = m->ssrc[0],
			.video = m->kind == TES_MEDIA_VIDEO,
		};
	}
	if (len >= cap) {
		fprintf(stderr, "loadgen: participant %d: answer does not fit"
			"\n", p->idx);
		ret = -ENOSPC;
	}
out:
	free(s);
	return ret;
}

/* The first IPv4 UDP host candidate of the answer. */
static int find_candidate(const char *sdp, struct sockaddr_in *sa)
{
	const char *l = sdp;

	while ((l = strstr(l, "a=candidate:"))) {
		char proto[8], ip[64], typ[16];
		unsigned comp, port;
		unsigned long prio;

		if (sscanf(l, "a=candidate:%*s %u %7s %lu %63s %u typ %15s",
			   &comp, proto, &prio, ip, &port, typ) == 6 &&
		    !strcasecmp(proto, "udp") && port && port < 65536 &&
		    uv_ip4_addr(ip, (int)port, sa) == 0)
			return 0;
		l++;
	}

	return -ENOENT;
}

int lg_take_answer(const struct lg *lg, struct lg_part *p, const char *sdp)
{
	struct tes_sdp_session *s;
	int ret;

	ret = parse(p, sdp, "answer", &s);
	if (ret)
		goto out;
	ret = -EPROTO;
	for (size_t i = 0; i < s->n_media; i++) {
		const struct tes_sdp_media *m = &s->media[i];

		if (!m->port || !m->n_rtpmap)
			continue;
		snprintf(p->rufrag, sizeof(p->rufrag), "%s", m->ice_ufrag);
		snprintf(p->rpwd, sizeof(p->rpwd), "%s", m->ice_pwd);
		snprintf(p->fp_alg, sizeof(p->fp_alg), "%s", m->fp_alg);
		snprintf(p->fp, sizeof(p->fp), "%s", m->fp);
		if (m->kind == TES_MEDIA_VIDEO) {
			p->vpt = m->rtpmap[0].pt;
		}
		else if (m->kind == TES_MEDIA_AUDIO) {
			p->apt = m->rtpmap[0].pt;
			for (size_t k = 0; k < m->n_extmap; k++)
				if (!strcmp(m->extmap[k].uri, LEVEL_URI))
					p->level_id = m->extmap[k].id;
		}
	}
	if ((lg->nclips && !p->vpt) || !p->apt || !p->rufrag[0] ||
	    !p->rpwd[0] || !p->fp[0]) {
		fprintf(stderr, "loadgen: participant %d: answer lacks audio,"
			" video or ICE/DTLS parameters\n", p->idx);
		goto out;
	}
	ret = find_candidate(sdp, &p->server);
	if (ret)
		fprintf(stderr, "loadgen: participant %d: answer has no UDP "
			"host candidate\n", p->idx);
out:
	free(s);
	return ret;
}

int lg_join(struct lg *lg, struct lg_part *p)
{
	struct tes_bench_resp r;
	char path[300];
	char *offer;
	int err;

	tes_rand_str(p->ufrag, 8);
	tes_rand_str(p->pwd, 24);
	tes_rand_str(p->cname, 16);
	p->assrc = tes_rand_u32();
	p->vssrc = tes_rand_u32();
	p->vts0 = tes_rand_u32();
	p->ats0 = tes_rand_u32();
	p->vseq = (uint16_t)tes_rand_u32();
	p->aseq = (uint16_t)tes_rand_u32();
	p->picid = tes_rand_u32() & 0x7fff;
	if (lg->o.janus)
		return lg_janus_join(lg, p);

	offer = malloc(LG_OFFER_MAX);
	if (!offer)
		return -ENOMEM;
	lg_offer(lg, p, false, offer, LG_OFFER_MAX);
	snprintf(path, sizeof(path), "/rooms/%s/whip", lg->o.room);
	err = tes_bench_http(&r, lg->o.url, "POST", path, "application/sdp",
			     offer);
	free(offer);
	if (err) {
		fprintf(stderr, "loadgen: POST %s%s: %s\n", lg->o.url, path,
			strerror(-err));
		return err;
	}
	if (r.status != 201) {
		fprintf(stderr, "loadgen: POST %s%s: %d %s\n", lg->o.url,
			path, r.status, r.body);
		free(r.body);
		return -EPROTO;
	}
	snprintf(p->location, sizeof(p->location), "%s", r.location);
	err = lg_take_answer(lg, p, r.body);
	free(r.body);

	return err;
}

int lg_leave(struct lg *lg)
{
	int connected = 0;

	for (int i = 0; i < lg->o.count; i++) {
		struct lg_part *p = &lg->parts[i];
		struct tes_bench_resp r;

		connected += p->state == LG_MEDIA;
		if (lg->o.janus || !p->location[0])
			continue;
		if (!tes_bench_http(&r, lg->o.url, "DELETE", p->location,
				    NULL, NULL)) {
			if (r.status >= 300)
				fprintf(stderr, "loadgen: DELETE %s: %d\n",
					p->location, r.status);
			free(r.body);
		}
	}
	if (lg->o.janus)
		lg_janus_leave(lg);

	return connected;
}

int lg_sum(const struct lg *lg, struct lg_counters *sum)
{
	const size_t n = sizeof(*sum) / sizeof(uint64_t);
	int connected = 0;

	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < lg->o.count; i++) {
		const uint64_t *c = (const uint64_t *)&lg->parts[i].c;
		uint64_t *s = (uint64_t *)sum;

		for (size_t k = 0; k < n; k++)
			s[k] += c[k];
		connected += lg->parts[i].state == LG_MEDIA;
	}

	return connected;
}

static json_t *get_room(const struct lg *lg)
{
	struct tes_bench_resp r;
	char path[300];
	json_t *j = NULL;

	if (lg->o.janus)
		return NULL; /* Tessera's room API; Janus has none of it */
	snprintf(path, sizeof(path), "/rooms/%s", lg->o.room);
	if (tes_bench_http(&r, lg->o.url, "GET", path, NULL, NULL))
		return NULL;
	if (r.status == 200)
		j = json_loads(r.body, 0, NULL);
	free(r.body);

	return j;
}

static long long jint(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

void lg_sample(struct lg *lg, struct lg_sample *s)
{
	struct lg_counters sum;
	json_t *room, *mix;

	s->taken = true;
	s->wall = tes_bench_wall();
	s->cpu_ok = !tes_bench_proc_cpu(lg->o.server_pid, &s->cpu);
	s->nthr = tes_bench_proc_threads(lg->o.server_pid, s->thr,
					 LG_MAX_THREADS);
	s->connected = lg_sum(lg, &sum);
	room = get_room(lg);
	mix = json_object_get(room, "mix");
	s->room_ok = json_is_object(mix);
	if (s->room_ok) {
		s->video_frames = jint(mix, "video_frames");
		s->video_missed = jint(mix, "video_missed");
		s->audio_ticks = jint(mix, "audio_ticks");
		s->audio_missed = jint(mix, "audio_missed");
	}
	json_decref(room);
}

/* A thread's name with every number in it as '#': "hloop 1234" and
 * "hloop 5678" are one kind of thread ("hloop #"), Janus's room mixer
 * "mixer 42" ("mixer #") another than its per-participant encoders
 * "mixer 42 9876" ("mixer # #"). */
static void thread_kind(char *dst, size_t cap, const char *comm)
{
	size_t n = 0;

	for (const char *c = comm; *c && n + 1 < cap; c++) {
		if (!isdigit((unsigned char)*c))
			dst[n++] = *c;
		else if (!n || dst[n - 1] != '#')
			dst[n++] = '#';
	}
	dst[n] = '\0';
}

/* The server's CPU in the window by kind of thread (threads of one kind
 * summed), the costliest first: which part of the server costs what. */
static void report_threads(const struct lg_sample *a,
			   const struct lg_sample *b, double media)
{
	enum { SHOWN = 12 };
	struct kind {
		char name[32];
		double cpu;
		int n;
	} *by = calloc(LG_MAX_THREADS, sizeof(*by)), tmp;
	double rest = 0;
	int nby = 0, k, nrest = 0;
	char name[32];

	if (!by)
		return;
	for (int i = 0; i < b->nthr; i++) {
		double cpu = b->thr[i].cpu;

		for (int j = 0; j < a->nthr; j++)
			if (a->thr[j].tid == b->thr[i].tid)
				cpu -= a->thr[j].cpu;
		thread_kind(name, sizeof(name), b->thr[i].comm);
		for (k = 0; k < nby; k++)
			if (!strcmp(by[k].name, name))
				break;
		if (k == nby) {
			snprintf(by[nby].name, sizeof(by[nby].name), "%s",
				 name);
			nby++;
		}
		by[k].cpu += cpu;
		by[k].n++;
	}
	/* a few kinds at most: an insertion sort */
	for (int i = 1; i < nby; i++)
		for (k = i; k > 0 && by[k].cpu > by[k - 1].cpu; k--) {
			tmp = by[k];
			by[k] = by[k - 1];
			by[k - 1] = tmp;
		}
	if (nby)
		printf("threads:");
	for (k = 0; k < nby; k++) {
		/* the costliest few, and the threads that did anything */
		if (k >= SHOWN || by[k].cpu < 0.0005 * media) {
			rest += by[k].cpu;
			nrest += by[k].n;
			continue;
		}
		printf(" %s(x%d)=%.3f", by[k].name, by[k].n,
		       by[k].cpu / media);
	}
	if (nrest)
		printf(" other(x%d)=%.3f", nrest, rest / media);
	if (nby)
		printf("\n");
	free(by);
}

static void report_window(const struct lg *lg)
{
	const struct lg_sample *a = &lg->w0, *b = &lg->w1;
	double media, cpu;

	if (!lg->o.server_pid)
		return;
	if (!a->taken || !b->taken || !a->cpu_ok || !b->cpu_ok) {
		printf("window: not measured (server gone or run too "
		       "short)\n");
		return;
	}
	media = b->wall - a->wall;
	cpu = b->cpu - a->cpu;
	printf("window: media_s=%.2f server_cpu_s=%.2f "
	       "core_s_per_media_s=%.3f connected=%d/%d",
	       media, cpu, cpu / media, a->connected, lg->o.count);
	if (a->room_ok && b->room_ok && lg->nclips) {
		long long vf = b->video_frames - a->video_frames;

		printf(" video_frames=%lld expected=%.0f rtf=%.3f "
		       "video_missed=%lld audio_ticks=%lld audio_missed=%lld",
		       vf, media * lg->o.fps, vf / (media * lg->o.fps),
		       b->video_missed - a->video_missed,
		       b->audio_ticks - a->audio_ticks,
		       b->audio_missed - a->audio_missed);
	}
	else if (a->room_ok && b->room_ok) {
		/* audio only: the room's clock is its 20 ms audio tick */
		long long at = b->audio_ticks - a->audio_ticks;
		double due = media * 1000 / TES_AUDIO_FRAME_MS;

		printf(" audio_ticks=%lld expected=%.0f rtf=%.3f "
		       "audio_missed=%lld", at, due, at / due,
		       b->audio_missed - a->audio_missed);
	}
	printf("\n");
	report_threads(a, b, media);
}

static void report_room(const struct lg *lg)
{
	static const char *const mix_keys[] = {
		"video_frames", "video_missed", "audio_ticks",
		"audio_missed", "latency_p50_ms", "latency_p99_ms",
		"latency_samples",
	};
	json_t *room = get_room(lg), *mix, *parts, *p, *cnt, *v;
	json_t *sums = json_object();
	const char *key;
	size_t i;

	if (!json_is_object(room)) {
		printf("room: GET /rooms/%s failed\n", lg->o.room);
		goto out;
	}
	mix = json_object_get(room, "mix");
	printf("room: mode=%s", json_string_value(json_object_get(room,
								  "mode")));
	for (i = 0; json_is_object(mix) && i < TES_ARRAY_SIZE(mix_keys);
	     i++) {
		v = json_object_get(mix, mix_keys[i]);
		if (json_is_integer(v))
			printf(" %s=%lld", mix_keys[i],
			       (long long)json_integer_value(v));
		else if (json_is_number(v))
			printf(" %s=%.1f", mix_keys[i], json_number_value(v));
		else
			printf(" %s=n/a", mix_keys[i]);
	}
	printf("\n");

	/* the server's per-participant counters, summed: the drops and
	 * errors it saw on our streams */
	parts = json_object_get(room, "participants");
	json_array_foreach(parts, i, p) {
		cnt = json_object_get(p, "counters");
		json_object_foreach(cnt, key, v) {
			json_int_t old = json_integer_value(
				json_object_get(sums, key));

			json_object_set_new(sums, key, json_integer(
				old + json_integer_value(v)));
		}
	}
	printf("server_participants: n=%zu", json_array_size(parts));
	json_object_foreach(sums, key, v)
		printf(" %s=%lld", key, (long long)json_integer_value(v));
	printf("\n");
out:
	json_decref(sums);
	json_decref(room);
}

/* Audio each participant received in the steady window: the proof that
 * the server sent a mix to everyone.  short: participants with less than
 * 90 % of the packets due (one every 20 ms), none: with less than 10 %. */
static void report_audio(const struct lg *lg)
{
	double media = lg->o.seconds - lg->o.tail - lg->o.warmup;
	double due = media * 1000 / TES_AUDIO_FRAME_MS;
	uint64_t lo = UINT64_MAX, hi = 0, sum = 0;
	int shortn = 0, none = 0;

	if (!lg->marked[0] || !lg->marked[1] || media <= 0) {
		printf("audio_window: not measured (run too short)\n");
		return;
	}
	for (int i = 0; i < lg->o.count; i++) {
		const struct lg_part *p = &lg->parts[i];
		uint64_t n = p->at[1].audio_in - p->at[0].audio_in;

		lo = TES_MIN(lo, n);
		hi = TES_MAX(hi, n);
		sum += n;
		shortn += (double)n < 0.9 * due;
		none += (double)n < 0.1 * due;
	}
	printf("audio_window: media_s=%.1f due_each=%.0f min=%llu max=%llu "
	       "mean=%.1f short=%d none=%d\n", media, due,
	       (unsigned long long)lo, (unsigned long long)hi,
	       (double)sum / lg->o.count, shortn, none);
}

void lg_report(struct lg *lg)
{
	struct lg_counters s;
	int connected = lg_sum(lg, &s);
	double secs = lg->o.seconds;
	uint64_t conn_max = 0;
	int w = 0, h = 0;
	bool same = true;

	for (int i = 0; i < lg->o.count; i++) {
		const struct lg_part *p = &lg->parts[i];

		if (p->connected_ms && p->connected_ms - p->ice_start_ms >
					       conn_max)
			conn_max = p->connected_ms - p->ice_start_ms;
		if (!p->rx_w)
			continue;
		if (w && (p->rx_w != w || p->rx_h != h))
			same = false;
		w = p->rx_w;
		h = p->rx_h;
	}

	printf("loadgen: participants=%d connected=%d connect_ms_max=%llu "
	       "rtp_out=%llu out_kbps=%.0f send_fail=%llu late=%llu "
	       "own_cpu_s=%.2f\n",
	       lg->o.count, connected, (unsigned long long)conn_max,
	       (unsigned long long)s.rtp_out,
	       (double)s.bytes_out * 8 / 1000 / secs,
	       (unsigned long long)s.send_fail, (unsigned long long)s.late,
	       tes_bench_self_cpu());
	printf("received: video_pkts=%llu video_kbps_each=%.0f "
	       "audio_pkts=%llu audio_kbps_each=%.1f keyframes=%llu "
	       "size=%s%dx%d auth_fail=%llu other_fail=%llu sr=%llu pli=%llu "
	       "fir=%llu nack=%llu remb=%llu stun_ok=%llu stun_err=%llu "
	       "stun_req_in=%llu\n",
	       (unsigned long long)s.video_in,
	       (double)s.video_bytes_in * 8 / 1000 / secs / lg->o.count,
	       (unsigned long long)s.audio_in,
	       (double)s.audio_bytes_in * 8 / 1000 / secs / lg->o.count,
	       (unsigned long long)s.keyframes_in, same ? "" : "mixed:", w,
	       h, (unsigned long long)s.auth_fail,
	       (unsigned long long)s.other_fail, (unsigned long long)s.sr_in,
	       (unsigned long long)s.pli_in, (unsigned long long)s.fir_in,
	       (unsigned long long)s.nack_in, (unsigned long long)s.remb_in,
	       (unsigned long long)s.stun_ok, (unsigned long long)s.stun_err,
	       (unsigned long long)s.stun_req_in);
	if (!lg->o.subscribers)
		report_audio(lg); /* forwarding: lg_fwd_report() */
	report_window(lg);
	if (!lg->o.janus)
		report_room(lg);
	fflush(stdout);
}
