/**
 * @file loadgen_opts.c  tes_loadgen's command line (usage, options, the
 * clips they name) and the descriptor limit its sockets need.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/bench.h"
#include "bench/loadgen.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: tes_loadgen --url http://127.0.0.1:PORT --room NAME "
		"--count N --seconds S\n"
		"                   [--video A.ivf[,B.ivf,...]] [--talkers K] "
		"[--fps 30]\n"
		"                   [--server-pid PID [--warmup 3] "
		"[--tail 2]]\n"
		"       tes_loadgen --janus http://127.0.0.1:PORT/janus "
		"--room NAME --count N ...\n"
		"       tes_loadgen [--url U | --janus J] --room NAME "
		"--subscribers N --video A.ivf ...\n"
		"       tes_loadgen ... --garbage-video  (tests: VP8 frames of "
		"random bytes)\n"
		"       tes_loadgen ... --cycles C  (the run C times: every "
		"participant joins,\n"
		"                   connects and leaves each time; not with "
		"--subscribers)\n"
		"Without --video the participants send and receive audio only."
		"\nWith --janus they join a Janus AudioBridge room (audio only)"
		"\ninstead of Tessera's room.\n"
		"With --subscribers N they forward instead: participant 0 "
		"publishes the\nfirst clip and a sine, N more subscribe "
		"(recvonly: they send no media)\nand count the packets they "
		"are forwarded.  Tessera's room must be in sfu\nmode; with "
		"--janus a Janus VideoRoom room is used.  The run fails "
		"when\na subscriber got no keyframe or less than half of the "
		"publisher's\npackets in the window.\n");
}

int lg_parse_opts(struct lg *lg, int argc, char **argv)
{
	static const struct option longs[] = {
		{"url", required_argument, NULL, 'u'},
		{"room", required_argument, NULL, 'r'},
		{"count", required_argument, NULL, 'n'},
		{"seconds", required_argument, NULL, 's'},
		{"video", required_argument, NULL, 'v'},
		{"talkers", required_argument, NULL, 'k'},
		{"fps", required_argument, NULL, 'f'},
		{"server-pid", required_argument, NULL, 'p'},
		{"warmup", required_argument, NULL, 'w'},
		{"tail", required_argument, NULL, 't'},
		{"janus", required_argument, NULL, 'j'},
		{"subscribers", required_argument, NULL, 'S'},
		{"garbage-video", no_argument, NULL, 'G'},
		{"cycles", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct lg_opts *o = &lg->o;
	char *videos = NULL, *save = NULL;
	bool count_set = false;
	int c;

	o->url = "http://127.0.0.1:8080";
	o->room = "bench";
	o->count = 9;
	o->seconds = 20;
	o->talkers = 3;
	o->fps = 30;
	o->warmup = 3;
	o->tail = 2;
	o->cycles = 1;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'G': o->garbage_video = true; break;
		case 'C': o->cycles = atoi(optarg); break;
		case 'u': o->url = optarg; break;
		case 'r': o->room = optarg; break;
		case 'n': o->count = atoi(optarg); count_set = true; break;
		case 's': o->seconds = atof(optarg); break;
		case 'v': videos = optarg; break;
		case 'k': o->talkers = atoi(optarg); break;
		case 'f': o->fps = atoi(optarg); break;
		case 'p': o->server_pid = atoi(optarg); break;
		case 'w': o->warmup = atof(optarg); break;
		case 't': o->tail = atof(optarg); break;
		case 'j': o->janus = optarg; break;
		case 'S': o->subscribers = atoi(optarg); break;
		case 'h': usage(); return 1;
		default: usage(); return -EINVAL;
		}
	}
	if (o->subscribers > 0) {
		if (count_set && o->count != o->subscribers + 1) {
			fprintf(stderr, "loadgen: --count is --subscribers + 1 "
				"(the publisher)\n");
			return -EINVAL;
		}
		o->count = o->subscribers + 1;
	}
	if (o->count < 1 || o->count > LG_MAX_PARTS || o->seconds <= 0 ||
	    o->fps < 1 || o->talkers < 0 || o->subscribers < 0 ||
	    optind != argc || (o->janus && videos && !o->subscribers) ||
	    (o->subscribers && !videos) || o->cycles < 1 ||
	    (o->cycles > 1 && (o->subscribers || o->janus))) {
		usage();
		return -EINVAL;
	}
	if (o->janus && lg_janus_init(lg))
		return -EINVAL;
	if (!videos)
		return 0;
	for (char *v = strtok_r(videos, ",", &save); v;
	     v = strtok_r(NULL, ",", &save)) {
		int err;

		if (lg->nclips == LG_MAX_CLIPS)
			break;
		err = tes_bench_clip_load(&lg->clips[lg->nclips], v);
		if (err) {
			fprintf(stderr, "loadgen: %s: %s\n", v,
				strerror(-err));
			return err;
		}
		lg->nclips++;
	}

	return lg->nclips ? 0 : -EINVAL;
}


/* One socket per participant, plus the HTTP requests and the files: lift
 * the soft limit on descriptors to that when it is lower (up to the hard
 * limit). */
int lg_raise_nofile(int count)
{
	rlim_t need = (rlim_t)count + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max < need) {
		fprintf(stderr, "loadgen: %d participants need %llu file "
			"descriptors; the hard limit is %llu (ulimit -Hn)\n",
			count, (unsigned long long)need,
			(unsigned long long)rl.rlim_max);
		return -EMFILE;
	}
	rl.rlim_cur = need;

	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}
