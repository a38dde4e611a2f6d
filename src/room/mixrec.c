/**
 * @file mixrec.c  The recordings of one mixed room: which profile each
 * records, their files and states.  A recording reuses its profile's
 * encoded frames (no extra video encode) and the room's shared audio mix
 * (everyone audible, not a mix-minus), so it costs a copy and the
 * writer's muxing, nothing more.  Loop thread only.
 *
 * State changes are told to one event handler: those made here (start,
 * stop) at once, those of the writer threads (header written, stream
 * lost or back, failure) when tes__recs_poll() next looks, at the
 * room's video tick.
 */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "room/mix_int.h"
#include "room/record.h"

enum {
	RECS_MAX = 32,      /* running + finished ones kept for GET */
};

struct rec_ent {
	bool used;
	char id[TES_REC_ID_LEN + 1];
	char path[TES_CONF_PATH_MAX + 128];
	size_t prof;
	const char *format;
	enum tes__rec_fmt fmt;
	const char *state;    /* the last state told to the event handler */
	bool want_key;        /* ask the profile for a keyframe */
	bool stopped;         /* stop() ran: the file is final */
	uint64_t started_ms;  /* wall clock, ms since 1970 */
	struct tes__rec *rec;
};

struct tes__recs {
	const struct tes_conf *conf;
	char room[TES_ROOM_NAME_MAX + 1];
	const struct tes_conf_profile *prof[TES_CONF_MAX_PROFILES];
	size_t n_prof;
	struct rec_ent e[RECS_MAX];
	uint64_t seq;         /* recordings started: oldest finished go */
	tes__rec_event_h *ev_h;  /* state changes, or NULL */
	void *ev_arg;
};

static const struct {
	const char *name;
	const char *ext;
	enum tes__rec_fmt fmt;
} formats[] = {
	{"webm", "webm", TES__REC_WEBM},
	{"mkv", "mkv", TES__REC_MKV},
	{"matroska", "mkv", TES__REC_MKV},
	{"mp4", "mp4", TES__REC_MP4},
	{"flv", NULL, TES__REC_FLV},   /* live: the path is an rtmp:// URL */
	{"hls", NULL, TES__REC_HLS},   /* live: a playlist and segments */
};

static bool running(const struct rec_ent *e)
{
	struct tes__rec_info ri;

	if (!e->used || e->stopped)
		return false;
	tes__rec_get_info(e->rec, &ri);
	return ri.running;
}

void tes__recs_video(struct tes__recs *rs, size_t prof, const uint8_t *au,
		     size_t len, bool key, int width, int height,
		     uint64_t pts_us)
{
	for (size_t i = 0; rs && i < RECS_MAX; i++) {
		struct rec_ent *e = &rs->e[i];

		if (e->used && !e->stopped && e->prof == prof)
			tes__rec_video(e->rec, au, len, key, width, height,
				       pts_us);
	}
}

void tes__recs_audio(struct tes__recs *rs, const uint8_t *pkt, size_t len,
		     uint64_t pts_us)
{
	for (size_t i = 0; rs && i < RECS_MAX; i++) {
		struct rec_ent *e = &rs->e[i];

		if (e->used && !e->stopped)
			tes__rec_audio(e->rec, pkt, len, pts_us);
	}
}

bool tes__recs_uses(const struct tes__recs *rs, size_t prof)
{
	for (size_t i = 0; rs && i < RECS_MAX; i++) {
		if (rs->e[i].used && !rs->e[i].stopped &&
		    rs->e[i].prof == prof)
			return true;
	}
	return false;
}

bool tes__recs_active(const struct tes__recs *rs)
{
	for (size_t i = 0; rs && i < RECS_MAX; i++) {
		if (rs->e[i].used && !rs->e[i].stopped)
			return true;
	}
	return false;
}

bool tes__recs_take_key(struct tes__recs *rs, size_t prof)
{
	bool want = false;

	for (size_t i = 0; rs && i < RECS_MAX; i++) {
		struct rec_ent *e = &rs->e[i];

		if (!e->used || e->prof != prof || e->stopped)
			continue;
		/* a new recording, or a stream that connects again */
		if (e->want_key || tes__rec_take_key(e->rec)) {
			e->want_key = false;
			want = true;
		}
	}
	return want;
}

/* e as the API shows it; d points into e and ri */
static void fill(const struct tes__recs *rs, const struct rec_ent *e,
		 const struct tes__rec_info *ri, struct tes_rec_desc *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->id, e->id, sizeof(d->id));
	d->path = e->path;
	d->profile = rs->prof[e->prof]->name;
	d->format = e->format;
	d->state = ri->err ? "failed"
		   : e->stopped ? "stopped"
		   : ri->down ? "reconnecting"
		   : !ri->header ? "waiting"
				 : "recording";
	d->reconnects = ri->reconnects;
	d->error = ri->error;
	d->bytes = ri->bytes;
	d->duration_ms = ri->duration_ms;
	d->video_frames = ri->video_frames;
	d->audio_frames = ri->audio_frames;
	d->dropped = ri->dropped;
	d->started_ms = e->started_ms;
}

static void describe(const struct tes__recs *rs, const struct rec_ent *e,
		     tes_rec_desc_h *h, void *arg)
{
	struct tes__rec_info ri;
	struct tes_rec_desc d;

	tes__rec_get_info(e->rec, &ri);
	fill(rs, e, &ri, &d);
	h(&d, arg);
}

/* tell the event handler when e's state is not the one last told */
static void notify(struct tes__recs *rs, struct rec_ent *e)
{
	struct tes__rec_info ri;
	struct tes_rec_desc d;

	tes__rec_get_info(e->rec, &ri);
	fill(rs, e, &ri, &d);
	if (d.state == e->state)
		return;  /* the same literal */
	e->state = d.state;
	if (rs->ev_h)
		rs->ev_h(&d, d.state, rs->ev_arg);
}

void tes__recs_on_event(struct tes__recs *rs, tes__rec_event_h *h,
			void *arg)
{
	rs->ev_h = h;
	rs->ev_arg = arg;
}

void tes__recs_poll(struct tes__recs *rs)
{
	for (size_t i = 0; rs && i < RECS_MAX; i++) {
		if (rs->e[i].used && !rs->e[i].stopped)
			notify(rs, &rs->e[i]);
	}
}

int tes__recs_can_resize(struct tes__recs *rs, size_t prof, char *why,
			 size_t len)
{
	for (size_t i = 0; rs && i < RECS_MAX; i++) {
		const struct rec_ent *e = &rs->e[i];

		if (e->prof != prof || tes__rec_fmt_resizable(e->fmt) ||
		    !running(e))
			continue;
		snprintf(why, len, "%s %s (%s) of profile %s is running: %s "
			 "cannot change the video size within one file; stop "
			 "it first", e->fmt == TES__REC_FLV ||
			 e->fmt == TES__REC_HLS ? "stream" : "recording",
			 e->id, e->format, rs->prof[prof]->name, e->format);
		return -EBUSY;
	}
	return 0;
}

static struct rec_ent *find(struct tes__recs *rs, const char *id)
{
	for (size_t i = 0; i < RECS_MAX; i++) {
		if (rs->e[i].used && !strcmp(rs->e[i].id, id))
			return &rs->e[i];
	}
	return NULL;
}

/* a free entry: an unused one, else the oldest finished one */
static struct rec_ent *free_ent(struct tes__recs *rs)
{
	struct rec_ent *old = NULL;

	for (size_t i = 0; i < RECS_MAX; i++) {
		struct rec_ent *e = &rs->e[i];

		if (!e->used)
			return e;
		if (e->stopped && (!old || e->started_ms < old->started_ms))
			old = e;
	}
	if (old) {
		tes_deref(old->rec);
		memset(old, 0, sizeof(*old));
	}
	return old;
}

/* {dir}/hls-{room}: made if missing, emptied of an earlier stream's
 * playlist and segments; path receives its playlist */
static int hls_folder(struct tes__recs *rs, char *path, size_t len)
{
	char dir[TES_CONF_PATH_MAX + 96];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/hls-%s", rs->conf->recording_dir,
		 rs->room);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		char f[sizeof(dir) + 260];

		if (!dot || (strcmp(dot, ".ts") && strcmp(dot, ".m3u8") &&
			     strcmp(dot, ".tmp")))
			continue;
		snprintf(f, sizeof(f), "%s/%s", dir, de->d_name);
		unlink(f);
	}
	closedir(d);
	snprintf(path, len, "%s/index.m3u8", dir);
	return 0;
}

int tes__recs_hls_file(struct tes__recs *rs, const char *name, char *path,
		       size_t len)
{
	const struct rec_ent *last = NULL;
	const char *slash;
	struct stat st;

	for (size_t i = 0; i < RECS_MAX; i++) {
		const struct rec_ent *e = &rs->e[i];

		if (e->used && !strcmp(e->format, "hls") &&
		    (!last || e->started_ms >= last->started_ms))
			last = e;
	}
	if (!last)
		return -ENOENT;
	/* a plain file name of the stream's folder, nothing else */
	for (const char *c = name; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
		      *c == '.'))
			return -ENOENT;
	}
	slash = strrchr(last->path, '/');
	if (!*name || name[0] == '.' || !slash ||
	    (size_t)snprintf(path, len, "%.*s/%s", (int)(slash - last->path),
			     last->path, name) >= len ||
	    stat(path, &st) || !S_ISREG(st.st_mode))
		return -ENOENT;
	return 0;
}

int tes__recs_start(struct tes__recs *rs, const char *profile,
		    const char *format, const char *url, tes_rec_desc_h *h,
		    void *arg, char *err, size_t errlen)
{
	struct tes__rec_params prm = {.channels = 1};
	const struct tes_conf_profile *pc = NULL;
	struct rec_ent *e;
	size_t k, fi, n_run = 0;
	char date[32];
	struct tm tm;
	time_t now = time(NULL);
	int ret;

	for (k = 0; k < rs->n_prof; k++) {
		/* no profile named: the first whose codec the format takes */
		if (!profile && (!strcmp(format, "flv") ||
				 !strcmp(format, "hls")) &&
		    !strcmp(rs->prof[k]->codec, "H264")) {
			pc = rs->prof[k];
			break;
		}
		if (profile && !strcmp(rs->prof[k]->name, profile)) {
			pc = rs->prof[k];
			break;
		}
	}
	if (!pc) {
		if (profile)
			snprintf(err, errlen, "no output profile '%s'",
				 profile);
		else
			snprintf(err, errlen, "no H264 output profile to "
				 "stream");
		return -EINVAL;
	}
	for (fi = 0; fi < TES_ARRAY_SIZE(formats); fi++) {
		if (!strcmp(formats[fi].name, format))
			break;
	}
	if (fi == TES_ARRAY_SIZE(formats)) {
		snprintf(err, errlen, "unknown format '%s' (webm, mkv, mp4)",
			 format);
		return -EINVAL;
	}
	prm.fmt = formats[fi].fmt;
	prm.h264 = !strcmp(pc->codec, "H264");
	if (prm.fmt == TES__REC_FLV &&
	    (!url || strncmp(url, "rtmp://", 7) ||
	     strlen(url) >= sizeof(e->path))) {
		snprintf(err, errlen, "a stream needs an rtmp:// URL");
		return -EINVAL;
	}
	if ((prm.fmt == TES__REC_WEBM && prm.h264) ||
	    ((prm.fmt == TES__REC_MP4 || prm.fmt == TES__REC_FLV ||
	      prm.fmt == TES__REC_HLS) && !prm.h264)) {
		snprintf(err, errlen, "%s cannot hold %s video (profile %s)",
			 format, pc->codec, pc->name);
		return -EINVAL;
	}

	for (size_t i = 0; i < RECS_MAX; i++)
		n_run += running(&rs->e[i]);
	if (n_run >= rs->conf->recordings_max) {
		snprintf(err, errlen, "room has its maximum of %u recordings "
			 "running", rs->conf->recordings_max);
		return -EMFILE;
	}
	if (prm.fmt == TES__REC_HLS) {
		for (size_t i = 0; i < RECS_MAX; i++) {
			if (running(&rs->e[i]) && !strcmp(rs->e[i].format,
							  "hls")) {
				snprintf(err, errlen, "the room has an HLS "
					 "stream already (%s)", rs->e[i].id);
				return -EMFILE;
			}
		}
	}
	e = free_ent(rs);
	if (!e) {
		snprintf(err, errlen, "too many recordings in this room");
		return -EMFILE;
	}

	/* one level of directory is made if missing */
	if (prm.fmt != TES__REC_FLV && mkdir(rs->conf->recording_dir, 0755) &&
	    errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "cannot create the recording directory: "
			 "%s", strerror(-ret));
		return ret;
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y%m%d-%H%M%S", &tm);
	tes_rand_str(e->id, TES_REC_ID_LEN);
	if (prm.fmt == TES__REC_HLS) {
		ret = hls_folder(rs, e->path, sizeof(e->path));
		if (ret) {
			snprintf(err, errlen, "cannot prepare the HLS folder: "
				 "%s", strerror(-ret));
			memset(e, 0, sizeof(*e));
			return ret;
		}
	}
	else if (prm.fmt == TES__REC_FLV)
		snprintf(e->path, sizeof(e->path), "%s", url);
	else
		snprintf(e->path, sizeof(e->path), "%s/%s-%s-%s.%s",
			 rs->conf->recording_dir, rs->room, date, e->id,
			 formats[fi].ext);

	prm.path = e->path;
	prm.fps = pc->fps;
	ret = tes__rec_alloc(&e->rec, &prm);
	if (ret) {
		snprintf(err, errlen, "cannot create %s: %s", e->path,
			 strerror(-ret));
		memset(e, 0, sizeof(*e));
		return ret;
	}
	e->used = true;
	e->prof = k;
	e->format = formats[fi].name;
	e->fmt = prm.fmt;
	e->want_key = true;
	e->started_ms = (uint64_t)now * 1000u;
	rs->seq++;
	TES_LOGI("record", "%s: recording %s started: profile %s, %s",
		 rs->room, e->id, pc->name, e->path);
	notify(rs, e);
	if (h)
		describe(rs, e, h, arg);
	return 0;
}

int tes__recs_stop(struct tes__recs *rs, const char *id, tes_rec_desc_h *h,
		   void *arg)
{
	struct rec_ent *e = find(rs, id);
	struct tes__rec_info ri;

	if (!e)
		return -ESRCH;
	if (!e->stopped) {
		(void)tes__rec_stop(e->rec);
		e->stopped = true;
		tes__rec_get_info(e->rec, &ri);
		TES_LOGI("record", "%s: recording %s %s: %llu ms, %llu bytes, "
			 "%llu dropped%s%s", rs->room, e->id,
			 ri.err ? "failed" : "finished",
			 (unsigned long long)ri.duration_ms,
			 (unsigned long long)ri.bytes,
			 (unsigned long long)ri.dropped, ri.err ? ": " : "",
			 ri.error);
		notify(rs, e);
	}
	if (h)
		describe(rs, e, h, arg);
	return 0;
}

void tes__recs_auto(struct tes__recs *rs)
{
	const char *profile = rs->conf->recording_profile[0]
				      ? rs->conf->recording_profile
				      : rs->prof[0]->name;
	char err[256];

	if (!rs->conf->auto_record || !rs->n_prof)
		return;
	if (tes__recs_start(rs, profile, rs->conf->recording_format, NULL,
			    NULL, NULL, err, sizeof(err)))
		TES_LOGE("record", "%s: automatic recording failed: %s",
			 rs->room, err);
}

void tes__recs_foreach(struct tes__recs *rs, tes_rec_desc_h *h, void *arg)
{
	for (size_t i = 0; rs && i < RECS_MAX; i++) {
		if (rs->e[i].used)
			describe(rs, &rs->e[i], h, arg);
	}
}

static void recs_destructor(void *data)
{
	struct tes__recs *rs = data;

	/* the room ends: every recording is finished, never cut */
	for (size_t i = 0; i < RECS_MAX; i++) {
		if (rs->e[i].used) {
			(void)tes__recs_stop(rs, rs->e[i].id, NULL, NULL);
			tes_deref(rs->e[i].rec);
		}
	}
}

int tes__recs_alloc(struct tes__recs **rp, const struct tes_conf *conf,
		    const char *room,
		    const struct tes_conf_profile *const *profs, size_t n)
{
	struct tes__recs *rs;

	if (!rp || !conf || !room || n > TES_CONF_MAX_PROFILES)
		return -EINVAL;
	rs = tes_alloc(sizeof(*rs), recs_destructor);
	if (!rs)
		return -ENOMEM;
	rs->conf = conf;
	snprintf(rs->room, sizeof(rs->room), "%s", room);
	for (size_t i = 0; i < n; i++)
		rs->prof[i] = profs[i];
	rs->n_prof = n;
	*rp = rs;
	return 0;
}
