/**
 * @file test_mixer.c  Worker pool and latest-frame slot (run these under
 * TSan too: -DTESSERA_TSAN=ON).
 */
#include <stdatomic.h>
#include <stdlib.h>

#include <uv.h>

#include "mixer/mixer.h"
#include "test.h"

/* ---- pool: every job once, done() on the loop thread ---- */

enum {
	NJOBS = 1000,
	NCHAINS = 4,
	CHAIN_JOBS = 250,
};

struct pool_ctx {
	atomic_int runs[NJOBS];
	int done_calls[NJOBS];
	int done_err[NJOBS];
	uv_thread_t loop_thread;
	int wrong_thread;
	atomic_int overlap;     /* chain jobs seen running concurrently */
	int order_err;          /* chain jobs run out of order */
	int done_order_err;     /* chain done() out of order */
	int chain_last[NCHAINS];        /* worker side, ordered by chain */
	atomic_int chain_active[NCHAINS];
	int chain_done_last[NCHAINS];   /* loop side */
	unsigned sleep_first_ms;
};

struct job_arg {
	struct pool_ctx *ctx;
	int idx;
	int chain;   /* -1: none */
	int seq;
};

static void spin_us(unsigned us)
{
	uint64_t end = tes_now_us() + us;

	while (tes_now_us() < end)
		;
}

static void job_work(void *arg)
{
	struct job_arg *a = arg;
	struct pool_ctx *c = a->ctx;

	if (a->idx == 0 && c->sleep_first_ms)
		uv_sleep(c->sleep_first_ms);
	atomic_fetch_add(&c->runs[a->idx], 1);
	if (a->chain < 0)
		return;

	if (atomic_fetch_add(&c->chain_active[a->chain], 1))
		atomic_fetch_add(&c->overlap, 1);
	spin_us(20);
	if (c->chain_last[a->chain] != a->seq - 1)
		c->order_err++;
	c->chain_last[a->chain] = a->seq;
	atomic_fetch_sub(&c->chain_active[a->chain], 1);
}

static void job_done(int err, void *arg)
{
	struct job_arg *a = arg;
	struct pool_ctx *c = a->ctx;
	uv_thread_t self = uv_thread_self();

	if (!uv_thread_equal(&self, &c->loop_thread))
		c->wrong_thread++;
	c->done_calls[a->idx]++;
	c->done_err[a->idx] = err;
	if (a->chain >= 0) {
		if (c->chain_done_last[a->chain] != a->seq - 1)
			c->done_order_err++;
		c->chain_done_last[a->chain] = a->seq;
	}
}

static struct pool_ctx *ctx_new(void)
{
	struct pool_ctx *c = calloc(1, sizeof(*c));

	if (c)
		c->loop_thread = uv_thread_self();

	return c;
}

TES_TEST(mixer_pool_jobs)
{
	struct pool_ctx *c = ctx_new();
	struct job_arg *args = calloc(NJOBS, sizeof(*args));
	struct tes_pool_stats st;
	struct tes_pool *p = NULL;
	uv_loop_t loop;

	TEST_ASSERT(c && args);
	TEST_OK(uv_loop_init(&loop));
	TEST_EQ(tes_pool_alloc(&p, &loop, -1), -EINVAL);
	TEST_OK(tes_pool_alloc(&p, &loop, 2));

	for (int i = 0; i < NJOBS; i++) {
		args[i] = (struct job_arg){c, i, -1, 0};
		TEST_OK(tes_pool_submit(p, job_work, job_done, &args[i]));
	}
	/* the pool keeps the loop alive only while jobs are outstanding */
	uv_run(&loop, UV_RUN_DEFAULT);

	for (int i = 0; i < NJOBS; i++) {
		TEST_EQ(atomic_load(&c->runs[i]), 1);
		TEST_EQ(c->done_calls[i], 1);
		TEST_EQ(c->done_err[i], 0);
	}
	TEST_EQ(c->wrong_thread, 0);

	tes_pool_get_stats(p, &st);
	TEST_EQ(st.nthreads, 2);
	TEST_EQ(st.jobs_run, NJOBS);
	TEST_EQ(st.submitted, NJOBS);
	TEST_EQ(st.queued, 0);
	TEST_ASSERT(st.queue_hwm >= 1 && st.queue_hwm <= NJOBS);

	tes_pool_close(p);
	uv_run(&loop, UV_RUN_DEFAULT);
	TEST_OK(uv_loop_close(&loop));
	free(args);
	free(c);

	return 0;
}

TES_TEST(mixer_pool_serial)
{
	struct tes_pool_chain chains[NCHAINS] = {0};
	struct pool_ctx *c = ctx_new();
	struct job_arg *args = calloc(NJOBS, sizeof(*args));
	struct tes_pool *p = NULL;
	uv_loop_t loop;
	int idx = 0;

	TEST_ASSERT(c && args);
	TEST_OK(uv_loop_init(&loop));
	TEST_OK(tes_pool_alloc(&p, &loop, 3));
	TEST_EQ(tes_pool_submit_serial(p, NULL, job_work, NULL, args),
		-EINVAL);

	for (int s = 1; s <= CHAIN_JOBS; s++) {
		for (int k = 0; k < NCHAINS; k++, idx++) {
			args[idx] = (struct job_arg){c, idx, k, s};
			TEST_OK(tes_pool_submit_serial(p, &chains[k], job_work,
						       job_done, &args[idx]));
		}
	}
	uv_run(&loop, UV_RUN_DEFAULT);

	for (int i = 0; i < idx; i++) {
		TEST_EQ(atomic_load(&c->runs[i]), 1);
		TEST_EQ(c->done_calls[i], 1);
	}
	TEST_EQ(atomic_load(&c->overlap), 0);
	TEST_EQ(c->order_err, 0);
	TEST_EQ(c->done_order_err, 0);
	TEST_EQ(c->wrong_thread, 0);
	for (int k = 0; k < NCHAINS; k++) {
		TEST_EQ(c->chain_done_last[k], CHAIN_JOBS);
		TEST_ASSERT(!chains[k].busy && !chains[k].head);
	}

	tes_pool_close(p);
	uv_run(&loop, UV_RUN_DEFAULT);
	TEST_OK(uv_loop_close(&loop));
	free(args);
	free(c);

	return 0;
}

/* an urgent chain's jobs overtake the queue: one worker is held by a
 * slow first job while 20 ordinary jobs and then two urgent ones (same
 * chain) are queued; the urgent ones run next, in their order */
static atomic_int urgent_clock;
static int urgent_at[64];

static void order_work(void *arg)
{
	struct job_arg *a = arg;

	if (a->idx == 0)
		uv_sleep(30);
	urgent_at[a->idx] = atomic_fetch_add(&urgent_clock, 1);
}

TES_TEST(mixer_pool_urgent)
{
	struct tes_pool_chain urgent = {.urgent = true};
	struct job_arg args[23];
	struct tes_pool *p = NULL;
	uv_loop_t loop;

	atomic_store(&urgent_clock, 0);
	TEST_OK(uv_loop_init(&loop));
	TEST_OK(tes_pool_alloc(&p, &loop, 1));
	for (int i = 0; i < 21; i++) {
		args[i] = (struct job_arg){NULL, i, -1, 0};
		TEST_OK(tes_pool_submit(p, order_work, NULL, &args[i]));
		if (i == 0)
			uv_sleep(5);  /* the worker holds job 0 */
	}
	for (int i = 21; i < 23; i++) {
		args[i] = (struct job_arg){NULL, i, -1, 0};
		TEST_OK(tes_pool_submit_serial(p, &urgent, order_work, NULL,
					       &args[i]));
	}
	uv_run(&loop, UV_RUN_DEFAULT);

	TEST_EQ(urgent_at[0], 0);
	TEST_EQ(urgent_at[21], 1);
	TEST_EQ(urgent_at[22], 2);
	for (int i = 1; i < 21; i++)
		TEST_EQ(urgent_at[i], i + 2);

	tes_pool_close(p);
	uv_run(&loop, UV_RUN_DEFAULT);
	TEST_OK(uv_loop_close(&loop));

	return 0;
}

TES_TEST(mixer_pool_close_queued)
{
	struct tes_pool_chain chain = {0};
	struct pool_ctx *c = ctx_new();
	struct job_arg *args = calloc(NJOBS, sizeof(*args));
	struct tes_pool_stats st;
	struct tes_pool *p = NULL;
	int ran = 0, cancelled = 0;
	uv_loop_t loop;

	TEST_ASSERT(c && args);
	c->sleep_first_ms = 30;
	TEST_OK(uv_loop_init(&loop));
	TEST_OK(tes_pool_alloc(&p, &loop, 1));

	for (int i = 0; i < 100; i++) {
		args[i] = (struct job_arg){c, i, -1, 0};
		TEST_OK(tes_pool_submit(p, job_work, job_done, &args[i]));
	}
	for (int i = 100; i < 150; i++) {
		args[i] = (struct job_arg){c, i, 0, i - 99};
		TEST_OK(tes_pool_submit_serial(p, &chain, job_work, job_done,
					       &args[i]));
	}
	uv_sleep(5); /* let the worker start the slow first job */

	/* every done() has run when close returns */
	tes_pool_get_stats(p, &st);
	TEST_EQ(st.submitted, 150);
	tes_pool_close(p);
	for (int i = 0; i < 150; i++) {
		TEST_EQ(c->done_calls[i], 1);
		if (c->done_err[i] == 0) {
			TEST_EQ(atomic_load(&c->runs[i]), 1);
			ran++;
		}
		else {
			TEST_EQ(c->done_err[i], -ECANCELED);
			TEST_EQ(atomic_load(&c->runs[i]), 0);
			cancelled++;
		}
	}
	TEST_EQ(ran + cancelled, 150);
	TEST_ASSERT(cancelled >= 100);
	TEST_EQ(c->done_order_err, 0);
	TEST_EQ(c->wrong_thread, 0);
	TEST_ASSERT(!chain.busy && !chain.head && !chain.tail);

	uv_run(&loop, UV_RUN_DEFAULT); /* frees the pool */
	TEST_OK(uv_loop_close(&loop));
	free(args);
	free(c);

	return 0;
}

/* ---- slot ---- */

enum {
	SLOT_ITER = 100000,
	OBJ_MAGIC = 0x7e55e7a,
};

struct slot_obj {
	int magic;
	int n;
};

static atomic_int obj_freed;

static void slot_obj_dtor(void *data)
{
	struct slot_obj *o = data;

	o->magic = 0;
	atomic_fetch_add(&obj_freed, 1);
}

struct slot_ctx {
	struct tes_slot *slot;
	int bad;         /* reader: broken object or time going back */
	int seen;        /* reader: non-NULL gets */
	int alloc_fail;  /* writer */
};

static void slot_writer(void *arg)
{
	struct slot_ctx *c = arg;

	for (int i = 0; i < SLOT_ITER; i++) {
		struct slot_obj *o = tes_alloc(sizeof(*o), slot_obj_dtor);

		if (!o) {
			c->alloc_fail++;
			continue;
		}
		o->magic = OBJ_MAGIC;
		o->n = i;
		tes_slot_put(c->slot, o);
		o = tes_deref(o);
	}
}

static void slot_reader(void *arg)
{
	struct slot_ctx *c = arg;
	uint64_t last_seq = 0;
	int last_n = -1;

	for (int i = 0; i < SLOT_ITER; i++) {
		uint64_t seq;
		struct slot_obj *o = tes_slot_get_ex(c->slot, NULL, &seq);

		if (!o)
			continue;
		c->seen++;
		if (o->magic != OBJ_MAGIC || o->n < last_n || seq < last_seq)
			c->bad++;
		last_n = o->n;
		last_seq = seq;
		o = tes_deref(o);
	}
}

TES_TEST(mixer_slot_threads)
{
	struct slot_ctx c = {0};
	uv_thread_t w, r;

	atomic_store(&obj_freed, 0);
	TEST_OK(tes_slot_alloc(&c.slot));
	TEST_OK(uv_thread_create(&w, slot_writer, &c));
	TEST_OK(uv_thread_create(&r, slot_reader, &c));
	uv_thread_join(&w);
	uv_thread_join(&r);

	TEST_EQ(c.alloc_fail, 0);
	TEST_EQ(c.bad, 0);
	TEST_ASSERT(tes_slot_put_time(c.slot) > 0);
	/* everything but the object still in the slot is gone */
	TEST_EQ(atomic_load(&obj_freed), SLOT_ITER - 1);
	c.slot = tes_deref(c.slot);
	TEST_EQ(atomic_load(&obj_freed), SLOT_ITER);

	return 0;
}

TES_TEST(mixer_slot_basic)
{
	struct tes_frame *f, *g, *h;
	struct tes_slot *s;
	uint64_t t, seq;

	TEST_EQ(tes_slot_alloc(NULL), -EINVAL);
	TEST_OK(tes_slot_alloc(&s));
	TEST_ASSERT(tes_slot_get(s) == NULL);
	TEST_EQ(tes_slot_put_time(s), 0);

	TEST_OK(tes_frame_alloc(&f, 16, 16));
	TEST_OK(tes_frame_alloc(&g, 16, 16));
	tes_slot_put(s, f);
	f = tes_deref(f);              /* the slot keeps it alive */
	h = tes_slot_get_ex(s, &t, &seq);
	TEST_ASSERT(h != NULL && h->width == 16);
	TEST_ASSERT(t > 0);
	TEST_EQ(seq, 1);
	tes_slot_put(s, g);            /* h still holds the old frame */
	TEST_EQ(h->height, 16);
	h = tes_deref(h);
	h = tes_slot_get(s);
	TEST_ASSERT(h == g);
	h = tes_deref(h);
	g = tes_deref(g);
	tes_slot_put(s, NULL);
	TEST_ASSERT(tes_slot_get(s) == NULL);
	s = tes_deref(s);

	return 0;
}
