/**
 * @file pool.c  The mixer's own worker pool (not uv_queue_work: libuv's
 * pool is global, small and shared with fs/DNS).
 *
 * One mutex guards the run queue, the chains, the completion list and the
 * counters; it is never held while work() or done() runs. Workers wait on
 * a condition variable. Finished jobs go on the completion list and a
 * uv_async_t wakes the loop thread, which takes the whole list at once
 * and keeps draining until it is empty (uv_async_send coalesces).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mixer/mixer.h"

enum {
	POOL_MAX_THREADS = 64,
};

/** One queued, running or finished job. */
struct tes_pool_job {
	struct tes_pool_job *next;
	tes_job_h *work;
	tes_job_done_h *done;
	void *arg;
	struct tes_pool_chain *chain;  /**< NULL: not serialised */
	uint64_t submit_us;
	int err;                       /**< 0 or -ECANCELED */
};

/** A list of jobs, oldest first. */
struct job_list {
	struct tes_pool_job *head;
	struct tes_pool_job *tail;
};

/**
 * The pool. Owned by the loop thread; workers touch only the fields
 * marked "lock".
 */
struct tes_pool {
	uv_loop_t *loop;
	uv_async_t async;         /**< Wakes the loop for completions */
	uv_mutex_t lock;
	uv_cond_t cond;           /**< Signalled when work is queued */
	uv_thread_t threads[POOL_MAX_THREADS];
	unsigned nthreads;        /**< Threads started */
	struct job_list runq;     /**< lock: ready to run */
	struct job_list doneq;    /**< lock: finished, done() pending */
	struct tes_pool_job *free_jobs;  /**< lock: recycled nodes */
	bool stop;                /**< lock: workers exit */
	bool sync_ok;             /**< lock and cond are initialised */
	bool closing;             /**< Loop thread: close was called */
	size_t outstanding;       /**< Loop thread: submitted, done() not run */
	struct tes_pool_stats st; /**< lock: counters */
};

static void list_push(struct job_list *l, struct tes_pool_job *j)
{
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
}

static void list_push_front(struct job_list *l, struct tes_pool_job *j)
{
	j->next = l->head;
	l->head = j;
	if (!l->tail)
		l->tail = j;
}

/* a runnable job joins the run queue: urgent chains go first */
static void runq_add(struct tes_pool *p, struct tes_pool_job *j)
{
	if (j->chain && j->chain->urgent)
		list_push_front(&p->runq, j);
	else
		list_push(&p->runq, j);
}

static struct tes_pool_job *list_pop(struct job_list *l)
{
	struct tes_pool_job *j = l->head;

	if (j) {
		l->head = j->next;
		if (!l->head)
			l->tail = NULL;
		j->next = NULL;
	}

	return j;
}

/* lock held: the chain's next job (if any) becomes runnable */
static void chain_release(struct tes_pool *p, struct tes_pool_chain *c)
{
	struct tes_pool_job *j = c->head;

	if (!j) {
		c->busy = false;
		return;
	}
	c->head = j->next;
	if (!c->head)
		c->tail = NULL;
	runq_add(p, j);
	uv_cond_signal(&p->cond);
}

static void worker_main(void *arg)
{
	struct tes_pool *p = arg;
	struct tes_pool_job *j;
	uint64_t t0, t1;

	pthread_setname_np(pthread_self(), "tes-mixer");

	uv_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && !p->runq.head)
			uv_cond_wait(&p->cond, &p->lock);
		if (p->stop)
			break;

		j = list_pop(&p->runq);
		p->st.queued--;
		uv_mutex_unlock(&p->lock);

		t0 = tes_now_us();
		j->work(j->arg);
		t1 = tes_now_us();

		uv_mutex_lock(&p->lock);
		p->st.jobs_run++;
		p->st.busy_us += t1 - t0;
		p->st.max_busy_us = TES_MAX(p->st.max_busy_us, t1 - t0);
		p->st.wait_us += t0 - j->submit_us;
		p->st.max_wait_us = TES_MAX(p->st.max_wait_us,
					    t0 - j->submit_us);
		/* release the chain before publishing the completion: once
		 * done() may run, the owner may free the chain */
		if (j->chain)
			chain_release(p, j->chain);
		list_push(&p->doneq, j);
		uv_mutex_unlock(&p->lock);

		/* tes_pool_close joins us before closing the handle */
		uv_async_send(&p->async);
		uv_mutex_lock(&p->lock);
	}
	uv_mutex_unlock(&p->lock);
}

/* loop thread: run done() for a list, then recycle its nodes */
static void run_done_list(struct tes_pool *p, struct tes_pool_job *j)
{
	struct tes_pool_job *first = j, *last = NULL;

	for (; j; j = j->next) {
		if (j->done)
			j->done(j->err, j->arg);
		last = j;
	}
	if (!first)
		return;

	uv_mutex_lock(&p->lock);
	last->next = p->free_jobs;
	p->free_jobs = first;
	uv_mutex_unlock(&p->lock);
}

static void account_done(struct tes_pool *p, struct tes_pool_job *j)
{
	size_t n = 0;

	for (; j; j = j->next)
		n++;
	p->outstanding -= n;
	if (!p->outstanding && !p->closing)
		uv_unref((uv_handle_t *)&p->async);
}

static void async_cb(uv_async_t *h)
{
	struct tes_pool *p = h->data;
	struct tes_pool_job *j;

	/* uv_async_send coalesces: drain until the list stays empty */
	for (;;) {
		uv_mutex_lock(&p->lock);
		j = p->doneq.head;
		p->doneq.head = p->doneq.tail = NULL;
		uv_mutex_unlock(&p->lock);
		if (!j)
			break;
		account_done(p, j);
		run_done_list(p, j);
	}
}

static void pool_destructor(void *data)
{
	struct tes_pool *p = data;
	struct tes_pool_job *j;

	while ((j = p->free_jobs)) {
		p->free_jobs = j->next;
		free(j);
	}
	if (p->sync_ok) {
		uv_cond_destroy(&p->cond);
		uv_mutex_destroy(&p->lock);
	}
}

static void close_cb(uv_handle_t *h)
{
	tes_deref(h->data);
}

/* stop and join the workers; loop thread */
static void stop_threads(struct tes_pool *p)
{
	uv_mutex_lock(&p->lock);
	p->stop = true;
	uv_cond_broadcast(&p->cond);
	uv_mutex_unlock(&p->lock);

	for (unsigned i = 0; i < p->nthreads; i++)
		uv_thread_join(&p->threads[i]);
	p->nthreads = 0;
}

static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (unsigned)TES_MIN(n, (long)POOL_MAX_THREADS);
}

int tes_pool_alloc(struct tes_pool **pp, uv_loop_t *loop, int nthreads)
{
	struct tes_pool *p;
	unsigned want;
	int err;

	if (!pp || !loop || nthreads < 0 || nthreads > POOL_MAX_THREADS)
		return -EINVAL;

	want = nthreads ? (unsigned)nthreads : default_threads();

	p = tes_alloc(sizeof(*p), pool_destructor);
	if (!p)
		return -ENOMEM;

	p->loop = loop;
	err = uv_mutex_init(&p->lock);
	if (err) {
		p = tes_deref(p);
		return err;
	}
	err = uv_cond_init(&p->cond);
	if (err) {
		uv_mutex_destroy(&p->lock);
		p = tes_deref(p);
		return err;
	}
	p->sync_ok = true;
	err = uv_async_init(loop, &p->async, async_cb);
	if (err) {
		p = tes_deref(p);
		return err;
	}
	p->async.data = p;
	uv_unref((uv_handle_t *)&p->async);

	for (unsigned i = 0; i < want; i++) {
		err = uv_thread_create(&p->threads[i], worker_main, p);
		if (err)
			goto out;
		p->nthreads++;
	}
	p->st.nthreads = p->nthreads;

out:
	if (err) {
		stop_threads(p);
		p->closing = true;
		uv_close((uv_handle_t *)&p->async, close_cb);
	}
	else {
		*pp = p;
	}

	return err;
}

static int submit(struct tes_pool *p, struct tes_pool_chain *chain,
		  tes_job_h *work, tes_job_done_h *done, void *arg)
{
	struct tes_pool_job *j;
	size_t waiting;

	if (!p || !work)
		return -EINVAL;
	if (p->closing)
		return -ESHUTDOWN;

	uv_mutex_lock(&p->lock);
	j = p->free_jobs;
	if (j)
		p->free_jobs = j->next;
	uv_mutex_unlock(&p->lock);

	if (!j) {
		j = malloc(sizeof(*j));
		if (!j)
			return -ENOMEM;
	}
	memset(j, 0, sizeof(*j));
	j->work = work;
	j->done = done;
	j->arg = arg;
	j->chain = chain;
	j->submit_us = tes_now_us();

	if (!p->outstanding++)
		uv_ref((uv_handle_t *)&p->async);

	uv_mutex_lock(&p->lock);
	if (chain && chain->busy) {
		if (chain->tail)
			chain->tail->next = j;
		else
			chain->head = j;
		chain->tail = j;
	}
	else {
		if (chain)
			chain->busy = true;
		runq_add(p, j);
		uv_cond_signal(&p->cond);
	}
	p->st.submitted++;
	waiting = ++p->st.queued;
	p->st.queue_hwm = TES_MAX(p->st.queue_hwm, waiting);
	uv_mutex_unlock(&p->lock);

	return 0;
}

int tes_pool_submit(struct tes_pool *p, tes_job_h *work,
		    tes_job_done_h *done, void *arg)
{
	return submit(p, NULL, work, done, arg);
}

int tes_pool_submit_serial(struct tes_pool *p, struct tes_pool_chain *chain,
			   tes_job_h *work, tes_job_done_h *done, void *arg)
{
	if (!chain)
		return -EINVAL;

	return submit(p, chain, work, done, arg);
}

void tes_pool_get_stats(struct tes_pool *p, struct tes_pool_stats *st)
{
	if (!p || !st)
		return;

	uv_mutex_lock(&p->lock);
	*st = p->st;
	uv_mutex_unlock(&p->lock);
}

void tes_pool_close(struct tes_pool *p)
{
	struct job_list cancel = {0};
	struct tes_pool_job *j, *done;

	if (!p || p->closing)
		return;
	p->closing = true;

	stop_threads(p);

	/* workers are gone: no lock needed, but keep the stats coherent
	 * for a concurrent tes_pool_get_stats */
	uv_mutex_lock(&p->lock);
	done = p->doneq.head;
	p->doneq.head = p->doneq.tail = NULL;
	while ((j = list_pop(&p->runq))) {
		struct tes_pool_chain *c = j->chain;

		j->err = -ECANCELED;
		list_push(&cancel, j);
		p->st.cancelled++;
		if (!c)
			continue;
		/* only a chain's first job is ever on the run queue: the
		 * ones waiting behind it are cancelled right after it */
		while (c->head) {
			struct tes_pool_job *w = c->head;

			c->head = w->next;
			w->err = -ECANCELED;
			list_push(&cancel, w);
			p->st.cancelled++;
		}
		c->tail = NULL;
		c->busy = false;
	}
	p->st.queued = 0;
	uv_mutex_unlock(&p->lock);

	account_done(p, done);
	run_done_list(p, done);
	account_done(p, cancel.head);
	run_done_list(p, cancel.head);

	uv_close((uv_handle_t *)&p->async, close_cb);
}
