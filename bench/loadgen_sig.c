/**
 * @file loadgen_sig.c  tes_loadgen signalling and reports: the WHIP offer
 * and answer, DELETE at the end, the server measurements (CPU from /proc,
 * mix counters from GET /rooms/{room}) and the summary lines.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"
#include "bench/loadgen.h"
#include "sdp/sdp.h"

enum {
	OFFER_MAX = 4096,
};

static const char LEVEL_URI[] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

static void build_offer(const struct lg *lg, const struct lg_part *p,
			char *buf, size_t cap)
{
	const char *fp = tes_dtls_cert_fingerprint(lg->cert);
	char common[1024];

	snprintf(common, sizeof(common),
		 "c=IN IP4 0.0.0.0\r\n"
		 "a=rtcp:9 IN IP4 0.0.0.0\r\n"
		 "a=ice-ufrag:%s\r\n"
		 "a=ice-pwd:%s\r\n"
		 "a=fingerprint:sha-256 %s\r\n"
		 "a=setup:actpass\r\n",
		 p->ufrag, p->pwd, fp);

	snprintf(buf, cap,
		 "v=0\r\n"
		 "o=- %u 2 IN IP4 127.0.0.1\r\n"
		 "s=-\r\n"
		 "t=0 0\r\n"
		 "a=group:BUNDLE 0 1\r\n"
		 "a=msid-semantic: WMS lg%d\r\n"
		 "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
		 "%s"
		 "a=mid:0\r\n"
		 "a=extmap:1 %s\r\n"
		 "a=sendrecv\r\n"
		 "a=msid:lg%d a%d\r\n"
		 "a=rtcp-mux\r\n"
		 "a=rtcp-rsize\r\n"
		 "a=rtpmap:111 opus/48000/2\r\n"
		 "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
		 "a=ssrc:%u cname:%s\r\n"
		 "a=ssrc:%u msid:lg%d a%d\r\n"
		 "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
		 "%s"
		 "a=mid:1\r\n"
		 "a=sendrecv\r\n"
		 "a=msid:lg%d v%d\r\n"
		 "a=rtcp-mux\r\n"
		 "a=rtcp-rsize\r\n"
		 "a=rtpmap:96 VP8/90000\r\n"
		 "a=rtcp-fb:96 goog-remb\r\n"
		 "a=rtcp-fb:96 ccm fir\r\n"
		 "a=rtcp-fb:96 nack\r\n"
		 "a=rtcp-fb:96 nack pli\r\n"
		 "a=ssrc:%u cname:%s\r\n"
		 "a=ssrc:%u msid:lg%d v%d\r\n",
		 tes_rand_u32() & 0x7fffffff, p->idx, common, LEVEL_URI,
		 p->idx, p->idx, p->assrc, p->cname, p->assrc, p->idx, p->idx,
		 common, p->idx, p->idx, p->vssrc, p->cname, p->vssrc, p->idx,
		 p->idx);
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

static int take_answer(struct lg_part *p, const char *sdp)
{
	struct tes_sdp_session *s = malloc(sizeof(*s));
	char err[128] = "";
	int ret;

	if (!s)
		return -ENOMEM;
	ret = tes_sdp_parse(s, sdp, strlen(sdp), err, sizeof(err));
	if (ret) {
		fprintf(stderr, "loadgen: participant %d: answer: %s\n",
			p->idx, err);
		goto out;
	}
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
	if (!p->vpt || !p->apt || !p->rufrag[0] || !p->rpwd[0] ||
	    !p->fp[0]) {
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

	offer = malloc(OFFER_MAX);
	if (!offer)
		return -ENOMEM;
	build_offer(lg, p, offer, OFFER_MAX);
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
	err = take_answer(p, r.body);
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
		if (!p->location[0])
			continue;
		if (!tes_bench_http(&r, lg->o.url, "DELETE", p->location,
				    NULL, NULL)) {
			if (r.status >= 300)
				fprintf(stderr, "loadgen: DELETE %s: %d\n",
					p->location, r.status);
			free(r.body);
		}
	}

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

/* The server's CPU in the window by thread name (threads of one name
 * summed): which part of the room costs what. */
static void report_threads(const struct lg_sample *a,
			   const struct lg_sample *b, double media)
{
	struct {
		const char *name;
		double cpu;
		int n;
	} by[LG_MAX_THREADS];
	int nby = 0, k;

	for (int i = 0; i < b->nthr; i++) {
		double cpu = b->thr[i].cpu;

		for (int j = 0; j < a->nthr; j++)
			if (a->thr[j].tid == b->thr[i].tid)
				cpu -= a->thr[j].cpu;
		for (k = 0; k < nby; k++)
			if (!strcmp(by[k].name, b->thr[i].comm))
				break;
		if (k == nby) {
			by[nby].name = b->thr[i].comm;
			by[nby].cpu = 0;
			by[nby].n = 0;
			nby++;
		}
		by[k].cpu += cpu;
		by[k].n++;
	}
	if (!nby)
		return;
	printf("threads:");
	for (k = 0; k < nby; k++)
		printf(" %s(x%d)=%.3f", by[k].name, by[k].n,
		       by[k].cpu / media);
	printf("\n");
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
	if (a->room_ok && b->room_ok) {
		long long vf = b->video_frames - a->video_frames;

		printf(" video_frames=%lld expected=%.0f rtf=%.3f "
		       "video_missed=%lld audio_ticks=%lld audio_missed=%lld",
		       vf, media * lg->o.fps, vf / (media * lg->o.fps),
		       b->video_missed - a->video_missed,
		       b->audio_ticks - a->audio_ticks,
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

	mix = json_object_get(room, "mix");
	if (!json_is_object(mix)) {
		printf("room: no mix counters (GET /rooms/%s failed?)\n",
		       lg->o.room);
		goto out;
	}
	printf("room:");
	for (i = 0; i < TES_ARRAY_SIZE(mix_keys); i++) {
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
	       "fir=%llu nack=%llu remb=%llu stun_ok=%llu stun_err=%llu\n",
	       (unsigned long long)s.video_in,
	       (double)s.video_bytes_in * 8 / 1000 / secs / lg->o.count,
	       (unsigned long long)s.audio_in,
	       (double)s.audio_bytes_in * 8 / 1000 / secs / lg->o.count,
	       (unsigned long long)s.keyframes_in, same ? "" : "mixed:", w,
	       h, (unsigned long long)s.auth_fail,
	       (unsigned long long)s.other_fail, (unsigned long long)s.sr_in,
	       (unsigned long long)s.pli_in, (unsigned long long)s.fir_in,
	       (unsigned long long)s.nack_in, (unsigned long long)s.remb_in,
	       (unsigned long long)s.stun_ok, (unsigned long long)s.stun_err);
	report_window(lg);
	report_room(lg);
	fflush(stdout);
}
