/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timer — hierarchical timer wheel: 11 levels of 64 slots, each level 64
 * times coarser than the one below, plus an "expired" list of due timers.
 *
 * Placement, relative to the wheel's time w->now: a timer with
 * expire <= now is on the expired list. Otherwise its level is the highest
 * 6-bit group in which expire differs from now, and its slot is expire's
 * value in that group. Hence, for every timer in level l:
 *   - expire and now agree in all groups above l, and
 *   - its slot is strictly greater than now's value in group l.
 * So all of level l lies inside now's current level-(l+1) span and all of
 * level l+1 lies after it: the lowest set bit of the lowest non-empty
 * level is the earliest slot of the whole wheel.
 *
 * run() repeatedly takes that earliest slot; if its start is <= the run's
 * now, it advances w->now to the slot start and re-places the slot's
 * timers: those with expire == start become due, the rest drop to a lower
 * level (they now agree with w->now in group l too). The invariants hold
 * for every other timer because no slot starts before the new w->now.
 * Due timers fire from the head of the expired list, so timers that were
 * in the wheel fire in expire order, FIFO among equals (lists are FIFO and
 * re-placing preserves order).
 *
 * stop() does not know the wheel, so it cannot clear an occupancy bit;
 * run() drops such stale bits when it reaches them, and next() may report
 * a stale slot, which is still a valid lower bound.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_timer.h"

_Static_assert(sizeof(struct gw_timer) <= 32, "gw_timer is embedded in "
	       "every connection; keep it within 32 bytes");
_Static_assert(GW_TIMER_LEVELS * GW_TIMER_SLOT_BITS >= 64,
	       "levels must cover every uint64_t expiry");
_Static_assert(offsetof(struct gw_timer, link) == 0,
	       "list nodes are cast back to their timer");

static inline void
list_init(struct gw_timer_link *head)
{
	head->next = head;
	head->prev = head;
}

static inline bool
list_empty(const struct gw_timer_link *head)
{
	return head->next == head;
}

static inline void
list_append(struct gw_timer_link *head, struct gw_timer_link *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline struct gw_timer *
list_first(const struct gw_timer_link *head)
{
	/* link is the first member of struct gw_timer */
	return (struct gw_timer *)head->next;
}

static inline unsigned
level_shift(unsigned level)
{
	return level * GW_TIMER_SLOT_BITS;
}

/* First tick covered by slot `slot` of `level`, within now's span of
 * level + 1 (the top level spans the whole range). */
static inline uint64_t
slot_start(uint64_t now, unsigned level, unsigned slot)
{
	unsigned up = level_shift(level + 1);
	uint64_t base = up < 64 ? now >> up << up : 0;

	return base | (uint64_t)slot << level_shift(level);
}

/* Append to a due list, keeping due_min below every due expiry. */
static void
due_append(struct gw_timer_wheel *w, struct gw_timer_link *list,
	   struct gw_timer *t)
{
	if (list_empty(&w->expired) && list_empty(&w->deferred))
		w->due_min = t->expire;
	else if (t->expire < w->due_min)
		w->due_min = t->expire;
	list_append(list, &t->link);
}

/* Place an unlinked timer relative to w->now (see the file comment). */
static void
wheel_place(struct gw_timer_wheel *w, struct gw_timer *t)
{
	unsigned level, slot;

	if (t->expire <= w->now) {
		due_append(w, &w->expired, t);
		return;
	}
	/* expire != now, so the xor is non-zero */
	level = (unsigned)(63 - __builtin_clzll(t->expire ^ w->now)) /
		GW_TIMER_SLOT_BITS;
	slot = (unsigned)(t->expire >> level_shift(level)) &
	       (GW_TIMER_SLOTS - 1);
	list_append(&w->slots[level][slot], &t->link);
	w->occupied[level] |= UINT64_C(1) << slot;
}

/* Earliest possibly occupied slot; false if the wheel proper is empty. */
static bool
wheel_first(const struct gw_timer_wheel *w, unsigned *level, unsigned *slot)
{
	unsigned l;

	for (l = 0; l < GW_TIMER_LEVELS; l++) {
		if (w->occupied[l] != 0) {
			*level = l;
			*slot = (unsigned)__builtin_ctzll(w->occupied[l]);
			return true;
		}
	}
	return false;
}

static void
unlink_timer(struct gw_timer *t)
{
	t->link.prev->next = t->link.next;
	t->link.next->prev = t->link.prev;
	t->link.next = NULL;
	t->link.prev = NULL;
}

void
gw_timer_init(struct gw_timer *t, gw_timer_cb cb)
{
	t->link.next = NULL;
	t->link.prev = NULL;
	t->expire = 0;
	t->cb = cb;
}

void
gw_timer_wheel_init(struct gw_timer_wheel *w, uint64_t now)
{
	unsigned l, s;

	w->now = now;
	w->run_now = now;
	w->due_min = UINT64_MAX;
	w->running = false;
	list_init(&w->expired);
	list_init(&w->deferred);
	for (l = 0; l < GW_TIMER_LEVELS; l++) {
		w->occupied[l] = 0;
		for (s = 0; s < GW_TIMER_SLOTS; s++)
			list_init(&w->slots[l][s]);
	}
}

void
gw_timer_stop(struct gw_timer *t)
{
	if (gw_timer_is_armed(t))
		unlink_timer(t);
}

void
gw_timer_start(struct gw_timer_wheel *w, struct gw_timer *t, uint64_t expire)
{
	gw_timer_stop(t);
	t->expire = expire;
	/* Due timers started by a callback wait for the next run(), so that
	 * a callback re-arming itself in the past cannot keep run() going. */
	if (w->running && expire <= w->run_now)
		due_append(w, &w->deferred, t);
	else
		wheel_place(w, t);
}

/* Empty slots[level][slot] by re-placing its timers against w->now. They
 * all land on the expired list or on lower levels, never back here. */
static void
cascade(struct gw_timer_wheel *w, unsigned level, unsigned slot)
{
	struct gw_timer_link *head = &w->slots[level][slot];
	struct gw_timer *t;

	while (!list_empty(head)) {
		t = list_first(head);
		unlink_timer(t);
		wheel_place(w, t);
	}
	w->occupied[level] &= ~(UINT64_C(1) << slot);
}

unsigned
gw_timer_wheel_run(struct gw_timer_wheel *w, uint64_t now, void *arg,
		   unsigned max)
{
	struct gw_timer *t;
	unsigned fired = 0;
	unsigned level, slot;
	uint64_t start;

	if (now < w->now)
		now = w->now;
	w->running = true;
	w->run_now = now;
	for (;;) {
		while (!list_empty(&w->expired)) {
			if (fired == max)
				goto out;
			t = list_first(&w->expired);
			unlink_timer(t);
			fired++;
			t->cb(t, arg);
		}
		if (!wheel_first(w, &level, &slot))
			break;
		start = slot_start(w->now, level, slot);
		if (start > now)
			break;
		w->now = start;
		cascade(w, level, slot);
	}
	/* No slot starts at or before now: advancing keeps the invariants. */
	w->now = now;
out:
	w->running = false;
	/* Deferred timers expire <= now; after a cut-short run some may be
	 * later than w->now, so re-place them instead of splicing. */
	while (!list_empty(&w->deferred)) {
		t = list_first(&w->deferred);
		unlink_timer(t);
		wheel_place(w, t);
	}
	return fired;
}

uint64_t
gw_timer_wheel_next(const struct gw_timer_wheel *w)
{
	uint64_t next = UINT64_MAX;
	unsigned level, slot;

	if (wheel_first(w, &level, &slot))
		next = slot_start(w->now, level, slot);
	if (!list_empty(&w->expired) || !list_empty(&w->deferred)) {
		if (w->due_min < next)
			next = w->due_min;
	}
	return next;
}

static unsigned
list_count(const struct gw_timer_link *head)
{
	const struct gw_timer_link *n;
	unsigned c = 0;

	for (n = head->next; n != head; n = n->next)
		c++;
	return c;
}

unsigned
gw_timer_wheel_count(const struct gw_timer_wheel *w)
{
	unsigned c = list_count(&w->expired) + list_count(&w->deferred);
	unsigned l, s;
	uint64_t bits;

	for (l = 0; l < GW_TIMER_LEVELS; l++) {
		for (bits = w->occupied[l]; bits != 0; bits &= bits - 1) {
			s = (unsigned)__builtin_ctzll(bits);
			c += list_count(&w->slots[l][s]);
		}
	}
	return c;
}
