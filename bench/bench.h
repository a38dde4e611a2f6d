/**
 * @file bench.h  Helpers shared by the benchmark programs: IVF clips read
 * with libavformat, a small blocking HTTP/1.1 client for the REST API, and
 * CPU time of this or another process.
 */
#ifndef TES_BENCH_H
#define TES_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One encoded video frame of a clip. */
struct tes_bench_au {
	uint8_t *data;  /**< Frame bytes */
	size_t len;     /**< Their length */
	bool key;       /**< A keyframe */
};

/** An IVF file read into memory. */
struct tes_bench_clip {
	struct tes_bench_au *au;  /**< Frames in file order */
	size_t n;                 /**< Number of frames */
	int width;                /**< Width from the stream header */
	int height;               /**< Height from the stream header */
	size_t bytes;             /**< Sum of frame lengths */
};

/**
 * Read every frame of an IVF file (libavformat "ivf" demuxer).
 *
 * @param cp    Receives the clip (tes_deref to free)
 * @param path  File name
 * @return 0, -ENOENT when it cannot be opened, -EBADMSG when it holds no
 *         frame, -ENOMEM
 */
int tes_bench_clip_load(struct tes_bench_clip **cp, const char *path);

/** A response of tes_bench_http(). */
struct tes_bench_resp {
	int status;           /**< HTTP status code */
	char location[256];   /**< Location header, "" if none */
	char *body;           /**< Body, NUL-terminated (free with free()) */
	size_t body_len;      /**< Body length */
};

/**
 * Make one HTTP/1.1 request (Connection: close) and wait for the whole
 * response (a Content-Length or chunked body), at most 5 s.
 *
 * @param resp    Receives the response (body to free())
 * @param base    "http://HOST:PORT" (IPv4 address or "localhost")
 * @param method  "GET", "POST", "DELETE"
 * @param path    Request path ("/rooms/x/whip")
 * @param ctype   Content-Type of the body, or NULL
 * @param body    Request body, or NULL
 * @return 0 (any status), -EINVAL for a bad URL, or a socket error
 */
int tes_bench_http(struct tes_bench_resp *resp, const char *base,
		   const char *method, const char *path, const char *ctype,
		   const char *body);

/**
 * CPU time (user + system) a process has used, from /proc/PID/stat.
 *
 * @param pid    Process id
 * @param cpu_s  Receives seconds
 * @return 0, or -ENOENT / -EBADMSG
 */
int tes_bench_proc_cpu(int pid, double *cpu_s);

enum {
	TES_BENCH_OPUS_MAX = 1276,   /**< Largest Opus packet */
	TES_BENCH_TONE_HZ = 440,     /**< Talkers' sine */
};

/** One pre-encoded Opus packet. */
struct tes_bench_opus {
	uint8_t data[TES_BENCH_OPUS_MAX];  /**< Packet */
	size_t len;                        /**< Its length */
};

/**
 * Encode n 20 ms blocks of mono Opus (32 kbit/s, complexity 5, FEC: the
 * mix room's settings) twice: a 440 Hz sine at -level dBov, and silence.
 * With n = 50 the sine loops without a seam (440 whole cycles a second).
 *
 * @param tone     Receives n packets of sine
 * @param silence  Receives n packets of silence
 * @param n        Number of packets
 * @param level    Sine level in -dBov
 * @return 0, or negative errno
 */
int tes_bench_opus_loop(struct tes_bench_opus *tone,
			struct tes_bench_opus *silence, size_t n, int level);

/** CPU time of one thread of a process. */
struct tes_bench_thread {
	int tid;          /**< Thread id */
	char comm[32];    /**< Thread name */
	double cpu;       /**< Seconds, user + system */
};

/**
 * CPU time of every thread of a process, from /proc/PID/task/TID/stat.
 *
 * @param pid  Process id
 * @param t    Receives up to max threads
 * @param max  Capacity of t
 * @return Number of threads filled, or -ENOENT
 */
int tes_bench_proc_threads(int pid, struct tes_bench_thread *t, size_t max);

/** @return CPU seconds (user + system) of this process (getrusage) */
double tes_bench_self_cpu(void);

/** @return Monotonic wall clock in seconds */
double tes_bench_wall(void);

#endif /* TES_BENCH_H */
