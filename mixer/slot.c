/**
 * @file slot.c  Latest-frame slot: the newest decoded frame of a source.
 *
 * A plain atomic exchange is not enough: get() must load the pointer and
 * take a reference before a concurrent put() drops the slot's own one.
 * So a mutex covers exactly that: the swap in put() and load + tes_ref()
 * in get(). References dropped by put() (maybe running a destructor) are
 * dropped after unlocking.
 */
#include "mixer/mixer.h"

/** Shared by the threads that put and get; all fields under lock. */
struct tes_slot {
	uv_mutex_t lock;
	void *obj;       /**< Held reference, or NULL */
	uint64_t put_us; /**< tes_now_us() of the last put */
	uint64_t seq;    /**< Number of puts */
	bool lock_ok;    /**< lock initialised */
};

static void slot_destructor(void *data)
{
	struct tes_slot *s = data;

	/* last reference: no other thread can be inside put or get */
	s->obj = tes_deref(s->obj);
	if (s->lock_ok)
		uv_mutex_destroy(&s->lock);
}

int tes_slot_alloc(struct tes_slot **sp)
{
	struct tes_slot *s;

	if (!sp)
		return -EINVAL;

	s = tes_alloc(sizeof(*s), slot_destructor);
	if (!s)
		return -ENOMEM;

	if (uv_mutex_init(&s->lock)) {
		s = tes_deref(s);
		return -ENOMEM;
	}
	s->lock_ok = true;
	*sp = s;

	return 0;
}

void tes_slot_put(struct tes_slot *s, void *obj)
{
	uint64_t now = tes_now_us();
	void *old;

	if (!s)
		return;

	tes_ref(obj);

	uv_mutex_lock(&s->lock);
	old = s->obj;
	s->obj = obj;
	s->put_us = now;
	s->seq++;
	uv_mutex_unlock(&s->lock);

	tes_deref(old);
}

void *tes_slot_get_ex(struct tes_slot *s, uint64_t *put_us, uint64_t *seq)
{
	void *obj;

	if (!s)
		return NULL;

	uv_mutex_lock(&s->lock);
	obj = tes_ref(s->obj);
	if (put_us)
		*put_us = s->put_us;
	if (seq)
		*seq = s->seq;
	uv_mutex_unlock(&s->lock);

	return obj;
}

void *tes_slot_get(struct tes_slot *s)
{
	return tes_slot_get_ex(s, NULL, NULL);
}

uint64_t tes_slot_put_time(struct tes_slot *s)
{
	uint64_t t;

	if (!s)
		return 0;

	uv_mutex_lock(&s->lock);
	t = s->put_us;
	uv_mutex_unlock(&s->lock);

	return t;
}
