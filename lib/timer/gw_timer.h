/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/timer — hierarchical timer wheel for per-worker TCP/HTTP timeouts.
 *
 * One wheel per worker, embedded in the worker's struct; timers are
 * embedded in their owners (a TCP control block, an HTTP request), so
 * arming, re-arming and stopping never allocate. Time is an abstract
 * uint64_t tick count chosen by the caller (workers pass milliseconds);
 * every uint64_t expiry is representable, with no clamping.
 *
 * Entry points: gw_timer_init() once per timer, gw_timer_start() /
 * gw_timer_stop() from the owner, gw_timer_wheel_run() once per worker
 * loop (bounded by its max argument), gw_timer_wheel_next() to learn when
 * the next run is needed.
 *
 * Threading: a wheel and all timers on it belong to one thread (the
 * worker); nothing here locks. Pure C11, no DPDK, never logs.
 *
 * Costs: start and stop are O(1). run() costs O(levels) per wheel slot
 * it visits plus O(1) per timer moved or fired; each timer moves down at
 * most GW_TIMER_LEVELS - 1 times in its life. A run() after a long gap
 * costs the occupied slots it crosses, never the ticks.
 */
#ifndef GW_TIMER_H
#define GW_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** log2 of the slots per level: a level spans 64 times its lower one. */
#define GW_TIMER_SLOT_BITS 6
/** Slots per level; one uint64_t occupancy bitmap covers a level. */
#define GW_TIMER_SLOTS (1u << GW_TIMER_SLOT_BITS)
/** ceil(64 / 6): the top level holds bits 60..63, so every expiry fits. */
#define GW_TIMER_LEVELS 11

struct gw_timer;

/**
 * Called by gw_timer_wheel_run() for an expired timer. The timer is
 * already disarmed; the callback may re-arm it, stop or start any other
 * timer of the same wheel, or free the timer's owner. It must not call
 * gw_timer_wheel_run() or gw_timer_wheel_init() on the same wheel.
 *
 * @param t    The timer that expired.
 * @param arg  The arg given to gw_timer_wheel_run().
 */
typedef void (*gw_timer_cb)(struct gw_timer *t, void *arg);

/** Doubly linked list node; a wheel slot's head is a node too. */
struct gw_timer_link {
	struct gw_timer_link *next; /* NULL when the timer is not armed */
	struct gw_timer_link *prev;
};

/** A timer, embedded in its owner. 32 bytes on LP64. */
struct gw_timer {
	struct gw_timer_link link; /* must stay first: slot lists cast back */
	uint64_t expire;           /* ticks; valid once started */
	gw_timer_cb cb;
};

/**
 * A timer wheel. Public so it can be embedded; it holds no pointer to
 * heap memory, but slot heads point at themselves, so the wheel must not
 * be copied or moved once initialised. About 11 KB on LP64.
 */
struct gw_timer_wheel {
	uint64_t now;     /* ticks; every armed timer with expire <= now
			   * is on the expired list */
	uint64_t run_now; /* ticks; the now of the run() in progress */
	uint64_t due_min; /* ticks; lower bound of expire on expired/deferred */
	bool running;     /* inside gw_timer_wheel_run() */
	/* bit s of occupied[l]: slots[l][s] may be non-empty (stop cannot
	 * clear it, so a set bit over an empty list is possible) */
	uint64_t occupied[GW_TIMER_LEVELS];
	struct gw_timer_link expired;  /* due, fires at the next run() */
	struct gw_timer_link deferred; /* due, started from a callback */
	struct gw_timer_link slots[GW_TIMER_LEVELS][GW_TIMER_SLOTS];
};

/**
 * Prepare a timer; it is not armed. Must be called once before any other
 * use, and never on an armed timer.
 *
 * @param t   Timer storage, owned by the caller.
 * @param cb  Called when the timer expires; not NULL.
 */
void gw_timer_init(struct gw_timer *t, gw_timer_cb cb);

/**
 * @return true if the timer is on a wheel (started, not yet fired or
 *   stopped). A timer is disarmed before its callback runs.
 */
static inline bool
gw_timer_is_armed(const struct gw_timer *t)
{
	return t->link.next != NULL;
}

/** @return The expiry given to the last gw_timer_start(), in ticks. */
static inline uint64_t
gw_timer_expire(const struct gw_timer *t)
{
	return t->expire;
}

/**
 * Prepare an empty wheel whose current time is now.
 *
 * @param w    Wheel storage, owned by the caller; needs no fini.
 * @param now  Current time in ticks.
 */
void gw_timer_wheel_init(struct gw_timer_wheel *w, uint64_t now);

/**
 * Arm a timer to fire at the first gw_timer_wheel_run() whose now is
 * >= expire. An armed timer is moved (re-armed), even if it is on another
 * wheel. An expire at or before the wheel's current time fires at the
 * next run(). A timer started from a callback with expire <= the now of
 * the run() in progress fires at the next run(), never in the current one,
 * so a callback re-arming itself cannot make a run() loop. O(1).
 *
 * @param w       The wheel; the timer stays linked into it until it fires
 *   or is stopped, so the timer's owner must stop it before being freed.
 * @param t       An initialised timer.
 * @param expire  Expiry in ticks; any value.
 */
void gw_timer_start(struct gw_timer_wheel *w, struct gw_timer *t,
		    uint64_t expire);

/**
 * Disarm a timer; a no-op if it is not armed. Needs no wheel pointer.
 * Safe from any callback of the timer's wheel, including on a timer due
 * in the same run(): a stopped timer never fires. O(1).
 *
 * @param t  An initialised timer.
 */
void gw_timer_stop(struct gw_timer *t);

/**
 * Fire timers whose expire <= now, calling at most max callbacks.
 *
 * If max cuts a run short, the timers still due fire at the next call:
 * none is lost, none fires twice. With max not reached, every armed timer
 * with expire <= now (except those started by this run's callbacks) has
 * fired when the call returns.
 *
 * Order: timers already due when the call begins (started with an expiry
 * at or before the wheel's time, left over by max, or started by the
 * previous run's callbacks) fire first, in the order they became due.
 * The rest fire in non-decreasing expire order, and timers with equal
 * expire in the order they were started.
 *
 * @param w    The wheel.
 * @param now  Current time in ticks; must not go backwards between calls
 *   (an earlier value is taken as the wheel's time).
 * @param arg  Passed to every callback.
 * @param max  Most callbacks to run; UINT_MAX for no practical limit,
 *   0 fires nothing.
 * @return The number of callbacks run.
 */
unsigned gw_timer_wheel_run(struct gw_timer_wheel *w, uint64_t now,
			    void *arg, unsigned max);

/**
 * A lower bound of the earliest expiry of the armed timers: never later
 * than it, exact when that timer sits in the lowest level, otherwise at
 * most the start of its slot. Overdue timers make it <= the wheel's time.
 * O(levels).
 *
 * @return The tick at which run() may next have work, or UINT64_MAX if no
 *   timer is armed.
 */
uint64_t gw_timer_wheel_next(const struct gw_timer_wheel *w);

/**
 * Count the armed timers by walking the wheel: O(levels * slots + armed
 * timers). For statistics and tests, not for the per-packet path: stop
 * has no wheel pointer, so the wheel keeps no running count.
 *
 * @return The number of armed timers.
 */
unsigned gw_timer_wheel_count(const struct gw_timer_wheel *w);

#endif /* GW_TIMER_H */
