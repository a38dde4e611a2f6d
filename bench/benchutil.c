/**
 * @file benchutil.c  Helpers shared by the benchmark programs (bench.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "base/base.h"
#include "base/frame.h"
#include "bench/bench.h"
#include "codecs/codec.h"

enum {
	HTTP_TIMEOUT_S = 5,
	HTTP_MAX_RESP = 1 << 20,
};

/* ---- IVF clips ---- */

static void clip_destructor(void *data)
{
	struct tes_bench_clip *c = data;

	for (size_t i = 0; i < c->n; i++)
		free(c->au[i].data);
	free(c->au);
}

static int clip_add(struct tes_bench_clip *c, size_t *cap, const AVPacket *pkt)
{
	struct tes_bench_au *na;
	uint8_t *d;

	if (c->n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		na = realloc(c->au, *cap * sizeof(*na));
		if (!na)
			return -ENOMEM;
		c->au = na;
	}
	d = malloc((size_t)pkt->size);
	if (!d)
		return -ENOMEM;
	memcpy(d, pkt->data, (size_t)pkt->size);
	c->au[c->n].data = d;
	c->au[c->n].len = (size_t)pkt->size;
	c->au[c->n].key = pkt->flags & AV_PKT_FLAG_KEY;
	c->n++;
	c->bytes += (size_t)pkt->size;

	return 0;
}

int tes_bench_clip_load(struct tes_bench_clip **cp, const char *path)
{
	AVFormatContext *fmt = NULL;
	AVPacket *pkt = NULL;
	struct tes_bench_clip *c;
	size_t cap = 0;
	int err = 0;

	if (!cp || !path)
		return -EINVAL;
	c = tes_alloc(sizeof(*c), clip_destructor);
	if (!c)
		return -ENOMEM;

	av_log_set_level(AV_LOG_ERROR);
	if (avformat_open_input(&fmt, path, av_find_input_format("ivf"),
				NULL) < 0) {
		err = -ENOENT;
		goto out;
	}
	if (fmt->nb_streams < 1) {
		err = -EBADMSG;
		goto out;
	}
	c->width = fmt->streams[0]->codecpar->width;
	c->height = fmt->streams[0]->codecpar->height;

	pkt = av_packet_alloc();
	if (!pkt) {
		err = -ENOMEM;
		goto out;
	}
	while (!err && av_read_frame(fmt, pkt) >= 0) {
		if (pkt->size > 0)
			err = clip_add(c, &cap, pkt);
		av_packet_unref(pkt);
	}
	if (!err && !c->n)
		err = -EBADMSG;
out:
	av_packet_free(&pkt);
	avformat_close_input(&fmt);
	if (err)
		c = tes_deref(c);
	else
		*cp = c;
	return err;
}

/* ---- HTTP ---- */

static int parse_base(const char *base, struct sockaddr_in *sa)
{
	char host[64];
	const char *p, *colon;
	size_t hl;
	unsigned long port = 80;

	if (strncmp(base, "http://", 7))
		return -EINVAL;
	p = base + 7;
	colon = strchr(p, ':');
	hl = colon ? (size_t)(colon - p) : strcspn(p, "/");
	if (!hl || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, p, hl);
	host[hl] = '\0';
	if (colon)
		port = strtoul(colon + 1, NULL, 10);
	if (!port || port > 65535)
		return -EINVAL;
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -EINVAL;

	return 0;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EINTR ? 0 : -errno;
		buf += n;
		len -= (size_t)n;
	}

	return 0;
}

/* Undo chunked transfer coding (RFC 9112 7.1) in place: Janus's HTTP
 * transport (libmicrohttpd) answers that way.  Returns the body length,
 * or SIZE_MAX when the chunks are malformed. */
static size_t dechunk(char *body, size_t len)
{
	size_t in = 0, out = 0;

	for (;;) {
		char *end;
		unsigned long n = strtoul(body + in, &end, 16);
		char *crlf = strstr(body + in, "\r\n");

		if (end == body + in || !crlf)
			return SIZE_MAX;
		in = (size_t)(crlf - body) + 2; /* past extensions */
		if (!n)
			return out;
		if (n > len - in)
			return SIZE_MAX;
		memmove(body + out, body + in, n);
		out += n;
		in += n;
		if (len - in < 2 || memcmp(body + in, "\r\n", 2))
			return SIZE_MAX;
		in += 2;
	}
}

/* Split a complete response held in buf into resp. */
static int parse_resp(struct tes_bench_resp *resp, char *buf, size_t len)
{
	char *hend = strstr(buf, "\r\n\r\n");
	char *line, *save = NULL;
	size_t clen = SIZE_MAX, blen;
	bool chunked = false;

	if (!hend || sscanf(buf, "HTTP/1.%*d %d", &resp->status) != 1)
		return -EBADMSG;
	*hend = '\0';
	for (line = strtok_r(buf, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (!strncasecmp(line, "Location:", 9))
			snprintf(resp->location, sizeof(resp->location), "%s",
				 line + 9 + strspn(line + 9, " "));
		else if (!strncasecmp(line, "Content-Length:", 15))
			clen = strtoul(line + 15, NULL, 10);
		else if (!strncasecmp(line, "Transfer-Encoding:", 18) &&
			 strcasestr(line + 18, "chunked"))
			chunked = true;
	}

	blen = len - (size_t)(hend + 4 - buf);
	if (chunked) {
		blen = dechunk(hend + 4, blen);
		if (blen == SIZE_MAX)
			return -EBADMSG;
	}
	else if (clen != SIZE_MAX && clen < blen) {
		blen = clen;
	}
	resp->body = malloc(blen + 1);
	if (!resp->body)
		return -ENOMEM;
	memcpy(resp->body, hend + 4, blen);
	resp->body[blen] = '\0';
	resp->body_len = blen;

	return 0;
}

/* Whether buf holds the headers and all of a Content-Length body. */
static bool resp_complete(const char *buf, size_t len)
{
	const char *hend = strstr(buf, "\r\n\r\n");
	const char *cl;

	if (!hend)
		return false;
	cl = strcasestr(buf, "\r\nContent-Length:");
	if (!cl || cl > hend)
		return false;

	return len - (size_t)(hend + 4 - buf) >= strtoul(cl + 17, NULL, 10);
}

int tes_bench_http(struct tes_bench_resp *resp, const char *base,
		   const char *method, const char *path, const char *ctype,
		   const char *body)
{
	struct timeval tv = {.tv_sec = HTTP_TIMEOUT_S};
	struct sockaddr_in sa;
	char hdr[1024];
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = -1, err, n;

	if (!resp || !base || !method || !path)
		return -EINVAL;
	memset(resp, 0, sizeof(*resp));
	err = parse_base(base, &sa);
	if (err)
		return err;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		goto out;
	}

	n = snprintf(hdr, sizeof(hdr),
		     "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
		     "%s%s%sContent-Length: %zu\r\n\r\n",
		     method, path, base + 7, ctype ? "Content-Type: " : "",
		     ctype ? ctype : "", ctype ? "\r\n" : "",
		     body ? strlen(body) : 0);
	if (n < 0 || (size_t)n >= sizeof(hdr)) {
		err = -EINVAL;
		goto out;
	}
	err = send_all(fd, hdr, (size_t)n);
	if (!err && body)
		err = send_all(fd, body, strlen(body));
	if (err)
		goto out;

	for (;;) {
		ssize_t r;

		if (len + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 16384;
			if (cap > HTTP_MAX_RESP) {
				err = -EMSGSIZE;
				goto out;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto out;
		}
		len += (size_t)r;
		buf[len] = '\0';
		if (!r || resp_complete(buf, len))
			break;
	}
	err = buf ? parse_resp(resp, buf, len) : -EBADMSG;
out:
	free(buf);
	close(fd);
	return err;
}

/* ---- audio ---- */

int tes_bench_opus_loop(struct tes_bench_opus *tone,
			struct tes_bench_opus *silence, size_t n, int level)
{
	const struct tes_acodec *ac = tes_acodec_find("opus");
	struct tes_aenc_params prm = {.channels = 1, .bitrate = 32000,
				      .complexity = 5, .fec = true};
	struct tes_aenc *et = NULL, *es = NULL;
	struct tes_pcm *pcm = NULL, *zero = NULL;
	double amp = 32767.0 * pow(10.0, -level / 20.0);
	int err, len;

	if (!ac)
		return -ENOENT;
	err = ac->enc_alloc(&et, &prm);
	if (!err)
		err = ac->enc_alloc(&es, &prm);
	if (!err)
		err = tes_pcm_alloc(&pcm, 1, TES_AUDIO_FRAME_SAMPLES);
	if (!err)
		err = tes_pcm_alloc(&zero, 1, TES_AUDIO_FRAME_SAMPLES);
	for (size_t i = 0; !err && i < n; i++) {
		for (int k = 0; k < TES_AUDIO_FRAME_SAMPLES; k++) {
			double t = (double)(i * TES_AUDIO_FRAME_SAMPLES +
					    (size_t)k) / TES_AUDIO_RATE;

			pcm->data[k] = (int16_t)lrint(
				amp * sin(2 * M_PI * TES_BENCH_TONE_HZ * t));
		}
		len = ac->encode(et, pcm, tone[i].data, sizeof(tone[i].data));
		if (len > 0) {
			tone[i].len = (size_t)len;
			len = ac->encode(es, zero, silence[i].data,
					 sizeof(silence[i].data));
		}
		if (len <= 0)
			err = len ? len : -EPROTO;
		else
			silence[i].len = (size_t)len;
	}
	tes_deref(et);
	tes_deref(es);
	tes_deref(pcm);
	tes_deref(zero);
	return err;
}

/* ---- CPU time ---- */

/* utime + stime and the name from a /proc stat file */
static int read_stat(const char *path, double *cpu_s, char *comm,
		     size_t commlen)
{
	char line[1024];
	unsigned long long ut, st;
	const char *p, *open_p;
	FILE *f;
	size_t n;

	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';

	/* the command name may hold spaces: fields count from the last ')' */
	open_p = strchr(line, '(');
	p = strrchr(line, ')');
	if (!open_p || !p || p < open_p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
		   "%*u %llu %llu", &ut, &st) != 2)
		return -EBADMSG;
	*cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	if (comm)
		snprintf(comm, commlen, "%.*s", (int)(p - open_p - 1),
			 open_p + 1);

	return 0;
}

int tes_bench_proc_cpu(int pid, double *cpu_s)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return read_stat(path, cpu_s, NULL, 0);
}

int tes_bench_proc_threads(int pid, struct tes_bench_thread *t, size_t max)
{
	char path[320];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -ENOENT;
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 de->d_name);
		t[n].tid = atoi(de->d_name);
		if (!read_stat(path, &t[n].cpu, t[n].comm, sizeof(t[n].comm)))
			n++;
	}
	closedir(d);

	return (int)n;
}

double tes_bench_self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

double tes_bench_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
