/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/timer/timer.c: exact firing at level boundaries, long
 * time jumps, max-bounded runs, callbacks that start and stop timers, the
 * next() lower bound, and a seeded random run against a reference model.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_timer.h"

#define MAX_REC 4096

/* A timer's owner, as a TCP control block would embed it. */
struct owner {
	struct gw_timer t;
	unsigned id;
	unsigned fired;       /* callbacks seen */
	uint64_t fired_at;    /* ctx.now at the last callback */
	uint64_t period;      /* re-arm at expire + period from the callback */
	struct gw_timer *victim; /* stopped from the callback */
	struct gw_timer *spawn;  /* started at spawn_at from the callback */
	uint64_t spawn_at;
};

struct ctx {
	struct gw_timer_wheel *w;
	uint64_t now;         /* now given to the run() in progress */
	unsigned n;           /* callbacks this ctx saw */
	unsigned order[MAX_REC]; /* ids, in firing order */
};

static struct owner *
owner_of(struct gw_timer *t)
{
	return (struct owner *)((char *)t - offsetof(struct owner, t));
}

static void
on_fire(struct gw_timer *t, void *arg)
{
	struct ctx *c = arg;
	struct owner *o = owner_of(t);

	assert_false(gw_timer_is_armed(t));
	assert_true(gw_timer_expire(t) <= c->now);
	o->fired++;
	o->fired_at = c->now;
	if (c->n < MAX_REC)
		c->order[c->n] = o->id;
	c->n++;
	if (o->victim != NULL)
		gw_timer_stop(o->victim);
	if (o->spawn != NULL)
		gw_timer_start(c->w, o->spawn, o->spawn_at);
	if (o->period != 0)
		gw_timer_start(c->w, t, gw_timer_expire(t) + o->period);
}

static void
owners_init(struct owner *o, unsigned n)
{
	unsigned i;

	memset(o, 0, n * sizeof(*o));
	for (i = 0; i < n; i++) {
		gw_timer_init(&o[i].t, on_fire);
		o[i].id = i;
	}
}

static unsigned
run(struct ctx *c, uint64_t now, unsigned max)
{
	unsigned before = c->n, r;

	c->now = now;
	r = gw_timer_wheel_run(c->w, now, c, max);
	assert_int_equal(r, c->n - before);
	return r;
}

static void
test_init_state(void **state)
{
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	struct owner o;

	(void)state;
	assert_true(sizeof(struct gw_timer) <= 32);
	owners_init(&o, 1);
	gw_timer_wheel_init(&w, 77);
	assert_false(gw_timer_is_armed(&o.t));
	gw_timer_stop(&o.t); /* not armed: no-op */
	assert_int_equal(gw_timer_wheel_count(&w), 0);
	assert_true(gw_timer_wheel_next(&w) == UINT64_MAX);
	assert_int_equal(run(&c, 1000000, UINT_MAX), 0);
	assert_true(gw_timer_wheel_next(&w) == UINT64_MAX);
}

static void
test_start_stop_rearm(void **state)
{
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	struct owner o[2];

	(void)state;
	owners_init(o, 2);
	gw_timer_wheel_init(&w, 0);
	gw_timer_start(&w, &o[0].t, 100);
	assert_true(gw_timer_is_armed(&o[0].t));
	assert_true(gw_timer_expire(&o[0].t) == 100);
	assert_int_equal(gw_timer_wheel_count(&w), 1);
	gw_timer_stop(&o[0].t);
	assert_false(gw_timer_is_armed(&o[0].t));
	assert_int_equal(gw_timer_wheel_count(&w), 0);
	gw_timer_stop(&o[0].t);
	assert_int_equal(run(&c, 200, UINT_MAX), 0);

	/* re-arm later, then earlier: only the last expiry counts */
	gw_timer_start(&w, &o[0].t, 5000);
	gw_timer_start(&w, &o[0].t, 9000);
	gw_timer_start(&w, &o[1].t, 9000);
	gw_timer_start(&w, &o[1].t, 300);
	assert_int_equal(gw_timer_wheel_count(&w), 2);
	assert_int_equal(run(&c, 299, UINT_MAX), 0);
	assert_int_equal(run(&c, 300, UINT_MAX), 1);
	assert_int_equal(o[1].fired, 1);
	assert_int_equal(run(&c, 8999, UINT_MAX), 0);
	assert_int_equal(run(&c, 9000, UINT_MAX), 1);
	assert_int_equal(o[0].fired, 1);
	assert_int_equal(gw_timer_wheel_count(&w), 0);
	assert_int_equal(run(&c, UINT64_MAX, UINT_MAX), 0);
}

/* Arm at base + delta; intermediate runs never fire it, expire does. */
static void
check_exact(uint64_t base, uint64_t delta)
{
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	struct owner o;
	uint64_t expire = base + delta;
	uint64_t steps[] = { base + delta / 2, expire - 64, expire - 2,
			     expire - 1 };
	unsigned i;

	owners_init(&o, 1);
	gw_timer_wheel_init(&w, base);
	gw_timer_start(&w, &o.t, expire);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i] < base || steps[i] >= expire)
			continue;
		assert_true(gw_timer_wheel_next(&w) <= expire);
		assert_int_equal(run(&c, steps[i], UINT_MAX), 0);
		assert_true(gw_timer_is_armed(&o.t));
	}
	assert_true(gw_timer_wheel_next(&w) <= expire);
	assert_int_equal(run(&c, expire, UINT_MAX), 1);
	assert_int_equal(o.fired, 1);
	assert_true(o.fired_at == expire);
	assert_int_equal(gw_timer_wheel_count(&w), 0);
}

static void
test_fire_exact_level_boundaries(void **state)
{
	const uint64_t deltas[] = {
		1, 2, 63, 64, 65, 127, 128, 4095, 4096, 4097,
		(1ull << 18) - 1, 1ull << 18, (1ull << 18) + 1,
		1ull << 24, (1ull << 30) + 17, (1ull << 36) - 1, 1ull << 36,
		(1ull << 36) + 1, 1ull << 42, 1ull << 48, (1ull << 54) + 3,
		1ull << 60, (1ull << 62) + 12345,
	};
	const uint64_t bases[] = {
		0, 1, 62, 63, 64, 4095, 123456789, (1ull << 36) - 5,
		0x0123456789abcdefull,
	};
	unsigned i, j;

	(void)state;
	for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++)
		for (i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++)
			if (deltas[i] <= UINT64_MAX - bases[j])
				check_exact(bases[j], deltas[i]);
}

static void
test_far_future(void **state)
{
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	struct owner o[4];
	const uint64_t exp[] = { UINT64_MAX, UINT64_MAX - 1, 1ull << 63,
				 (1ull << 63) - 1 };
	unsigned i;

	(void)state;
	owners_init(o, 4);
	gw_timer_wheel_init(&w, 0);
	for (i = 0; i < 4; i++)
		gw_timer_start(&w, &o[i].t, exp[i]);
	assert_true(gw_timer_wheel_next(&w) <= (1ull << 63) - 1);
	assert_int_equal(run(&c, (1ull << 63) - 2, UINT_MAX), 0);
	assert_int_equal(run(&c, (1ull << 63) - 1, UINT_MAX), 1);
	assert_int_equal(o[3].fired, 1);
	assert_int_equal(run(&c, 1ull << 63, UINT_MAX), 1);
	assert_int_equal(o[2].fired, 1);
	assert_int_equal(run(&c, UINT64_MAX - 2, UINT_MAX), 0);
	assert_int_equal(run(&c, UINT64_MAX - 1, UINT_MAX), 1);
	assert_int_equal(run(&c, UINT64_MAX, UINT_MAX), 1);
	assert_int_equal(o[0].fired, 1);
	assert_int_equal(o[1].fired, 1);
	/* at the end of time, UINT64_MAX is due at once */
	gw_timer_start(&w, &o[0].t, UINT64_MAX);
	assert_int_equal(run(&c, UINT64_MAX, UINT_MAX), 1);
}

static void
test_expire_in_past(void **state)
{
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	struct owner o[3];

	(void)state;
	owners_init(o, 3);
	gw_timer_wheel_init(&w, 1000);
	gw_timer_start(&w, &o[0].t, 0);
	gw_timer_start(&w, &o[1].t, 999);
	gw_timer_start(&w, &o[2].t, 1000);
	assert_int_equal(gw_timer_wheel_count(&w), 3);
	assert_true(gw_timer_wheel_next(&w) == 0);
	/* a run with the same now fires them, in start order */
	assert_int_equal(run(&c, 1000, UINT_MAX), 3);
	assert_int_equal(c.order[0], 0);
	assert_int_equal(c.order[1], 1);
	assert_int_equal(c.order[2], 2);
	assert_true(gw_timer_wheel_next(&w) == UINT64_MAX);
}

static void
test_many_same_slot(void **state)
{
	static struct owner o[1000];
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	unsigned i;

	(void)state;
	owners_init(o, 1000);
	gw_timer_wheel_init(&w, 0);
	/* same expiry: FIFO */
	for (i = 0; i < 500; i++)
		gw_timer_start(&w, &o[i].t, 5000);
	/* same level-1 slot (4992..5055), expiries out of order */
	for (i = 500; i < 1000; i++)
		gw_timer_start(&w, &o[i].t, 4992 + (i * 37) % 64);
	assert_int_equal(gw_timer_wheel_count(&w), 1000);
	for (i = 100; i < 500; i += 2)
		gw_timer_stop(&o[i].t);
	assert_int_equal(run(&c, 4991, UINT_MAX), 0);
	assert_int_equal(run(&c, 1u << 20, UINT_MAX), 800);
	for (i = 1; i < c.n; i++)
		assert_true(gw_timer_expire(&o[c.order[i - 1]].t) <
				    gw_timer_expire(&o[c.order[i]].t) ||
			    (gw_timer_expire(&o[c.order[i - 1]].t) ==
				     gw_timer_expire(&o[c.order[i]].t) &&
			     c.order[i - 1] < c.order[i]));
	for (i = 0; i < 1000; i++)
		assert_int_equal(o[i].fired, i >= 100 && i < 500 && i % 2 == 0 ?
					     0 : 1);
}

static uint64_t
rng_next(uint64_t *s)
{
	/* xorshift64*: deterministic for a given seed */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static void
test_large_jump(void **state)
{
	static struct owner o[3000];
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	uint64_t s = 42, prev = 0;
	unsigned i;

	(void)state;
	owners_init(o, 3000);
	gw_timer_wheel_init(&w, 5);
	/* an empty wheel crosses 10^9 ticks at once */
	assert_int_equal(run(&c, 1000000005, UINT_MAX), 0);
	for (i = 0; i < 3000; i++)
		gw_timer_start(&w, &o[i].t,
			       1000000005 + 1 + rng_next(&s) % (1ull << 40));
	assert_int_equal(run(&c, 1000000005 + (1ull << 39), UINT_MAX) +
				 run(&c, 1000000005 + (1ull << 40), UINT_MAX),
			 3000);
	for (i = 0; i < c.n; i++) {
		assert_true(gw_timer_expire(&o[c.order[i]].t) >= prev);
		prev = gw_timer_expire(&o[c.order[i]].t);
	}
	for (i = 0; i < 3000; i++)
		assert_int_equal(o[i].fired, 1);
}

static void
test_max_bounded(void **state)
{
	static struct owner o[100];
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	unsigned i, total = 0, r;

	(void)state;
	owners_init(o, 100);
	gw_timer_wheel_init(&w, 0);
	/* spread over levels 0..3 so the cut falls mid-cascade */
	for (i = 0; i < 100; i++)
		gw_timer_start(&w, &o[i].t, 1 + (i * 2654435761u) % 300000);
	assert_int_equal(run(&c, 300000, 0), 0);
	for (i = 0; i < 14; i++) {
		r = run(&c, 300000, 7);
		assert_int_equal(r, 7);
		total += r;
	}
	assert_int_equal(gw_timer_wheel_count(&w), 2);
	assert_true(gw_timer_wheel_next(&w) <= 300000);
	total += run(&c, 300000, 7);
	assert_int_equal(total, 100);
	assert_int_equal(run(&c, 300000, 7), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(o[i].fired, 1);
	/* leftovers fire before later timers; time keeps moving */
	c.n = 0;
	for (i = 0; i < 10; i++)
		gw_timer_start(&w, &o[i].t, 300001 + i);
	assert_int_equal(run(&c, 300010, 4), 4);
	gw_timer_start(&w, &o[10].t, 300005);
	assert_int_equal(run(&c, 400000, 1), 1);
	assert_int_equal(run(&c, 400000, UINT_MAX), 6);
	assert_int_equal(o[10].fired, 2);
	for (i = 0; i < 10; i++)
		assert_int_equal(o[i].fired, 2);
}

static void
test_cb_rearms_itself(void **state)
{
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	struct owner o;
	uint64_t t;

	(void)state;
	owners_init(&o, 1);
	o.period = 10;
	gw_timer_wheel_init(&w, 0);
	gw_timer_start(&w, &o.t, 10);
	for (t = 1; t <= 100; t++)
		run(&c, t, UINT_MAX);
	assert_int_equal(o.fired, 10);
	assert_true(gw_timer_expire(&o.t) == 110);
	/* after a gap, a re-arm that is already due waits for the next run:
	 * one firing per run, no loop inside run() */
	assert_int_equal(run(&c, 1000, UINT_MAX), 1);
	assert_true(gw_timer_expire(&o.t) == 120);
	assert_int_equal(run(&c, 1000, UINT_MAX), 1);
	assert_int_equal(run(&c, 1000, UINT_MAX), 1);
	assert_true(gw_timer_is_armed(&o.t));
	gw_timer_stop(&o.t);
	assert_int_equal(run(&c, 1000, UINT_MAX), 0);
}

static void
test_cb_stops_other(void **state)
{
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	struct owner o[4];

	(void)state;
	owners_init(o, 4);
	gw_timer_wheel_init(&w, 0);
	/* same slot, same expiry: 0 fires first and stops 1 */
	o[0].victim = &o[1].t;
	gw_timer_start(&w, &o[0].t, 70);
	gw_timer_start(&w, &o[1].t, 70);
	/* same level-1 slot, later expiry, stopped too */
	o[2].victim = &o[3].t;
	gw_timer_start(&w, &o[2].t, 71);
	gw_timer_start(&w, &o[3].t, 72);
	assert_int_equal(run(&c, 100, UINT_MAX), 2);
	assert_int_equal(o[0].fired, 1);
	assert_int_equal(o[1].fired, 0);
	assert_int_equal(o[2].fired, 1);
	assert_int_equal(o[3].fired, 0);
	assert_int_equal(gw_timer_wheel_count(&w), 0);
	/* a cb stopping itself is a no-op */
	o[0].victim = &o[0].t;
	gw_timer_start(&w, &o[0].t, 200);
	assert_int_equal(run(&c, 200, UINT_MAX), 1);
}

static void
test_cb_starts_timers(void **state)
{
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	struct owner o[3];

	(void)state;
	owners_init(o, 3);
	gw_timer_wheel_init(&w, 0);
	/* started already expired, or due before the run's now: next run */
	o[0].spawn = &o[1].t;
	o[0].spawn_at = 10;
	gw_timer_start(&w, &o[0].t, 50);
	assert_int_equal(run(&c, 100, UINT_MAX), 1);
	assert_int_equal(o[1].fired, 0);
	assert_true(gw_timer_is_armed(&o[1].t));
	assert_true(gw_timer_wheel_next(&w) <= 10);
	assert_int_equal(run(&c, 100, UINT_MAX), 1);
	assert_int_equal(o[1].fired, 1);

	o[0].spawn_at = 90; /* between the timer's expire and now */
	gw_timer_start(&w, &o[0].t, 60);
	assert_int_equal(run(&c, 100, UINT_MAX), 1);
	assert_int_equal(run(&c, 100, UINT_MAX), 1);
	assert_int_equal(o[1].fired, 2);

	/* started for later: fires at its tick */
	o[0].spawn_at = 5000;
	gw_timer_start(&w, &o[0].t, 150);
	assert_int_equal(run(&c, 200, UINT_MAX), 1);
	assert_int_equal(run(&c, 4999, UINT_MAX), 0);
	assert_int_equal(run(&c, 5000, UINT_MAX), 1);
	assert_int_equal(o[1].fired, 3);

	/* a cb moving a due timer of the same run defers it too */
	o[0].spawn = &o[2].t;
	o[0].spawn_at = 5500;
	gw_timer_start(&w, &o[0].t, 5100);
	gw_timer_start(&w, &o[2].t, 5200);
	assert_int_equal(run(&c, 6000, UINT_MAX), 1);
	assert_int_equal(run(&c, 6000, UINT_MAX), 1);
	assert_int_equal(o[2].fired, 1);

	/* deferred timers survive a run cut short by max, even one due
	 * later than where the cut left the wheel */
	o[0].spawn_at = 6500;
	gw_timer_start(&w, &o[0].t, 6000);
	gw_timer_start(&w, &o[1].t, 6050);
	gw_timer_start(&w, &o[2].t, 6100);
	assert_int_equal(run(&c, 7000, 1), 1);
	assert_true(gw_timer_wheel_next(&w) <= 6050);
	assert_int_equal(gw_timer_wheel_count(&w), 2);
	assert_int_equal(run(&c, 7000, UINT_MAX), 2);
	assert_int_equal(o[1].fired, 4);
	assert_int_equal(o[2].fired, 2);
	assert_true(c.order[c.n - 1] == 2);
}

/* Sleep until next() like a worker would: it never overshoots. */
static void
test_next_lower_bound(void **state)
{
	const uint64_t exp[] = { 1, 63, 64, 4096, 5000, 1ull << 18,
				 (1ull << 36) + 99, UINT64_MAX };
	struct gw_timer_wheel w;
	struct ctx c = { .w = &w };
	struct owner o[8], x;
	uint64_t n;
	unsigned i, loops;

	(void)state;
	owners_init(o, 8);
	owners_init(&x, 1);
	gw_timer_wheel_init(&w, 0);
	for (i = 0; i < 8; i++)
		gw_timer_start(&w, &o[i].t, exp[i]);
	/* a stopped early timer leaves a stale bound, still a lower bound */
	gw_timer_start(&w, &x.t, 3);
	assert_true(gw_timer_wheel_next(&w) == 1);
	for (i = 0; i < 8; i++) {
		loops = 0;
		while (o[i].fired == 0) {
			n = gw_timer_wheel_next(&w);
			assert_true(n <= exp[i]);
			if (i == 0)
				gw_timer_stop(&x.t);
			run(&c, n, UINT_MAX);
			assert_true(++loops <= GW_TIMER_LEVELS + 2);
		}
		assert_true(o[i].fired_at == exp[i]);
	}
	assert_int_equal(x.fired, 0);
	assert_true(gw_timer_wheel_next(&w) == UINT64_MAX);
}

/*
 * Reference model: each timer's expiry and armed flag. A timer must fire
 * exactly once at the first run() begun after its start whose now >=
 * expire (when max does not cut that run), and never earlier.
 */
#define RND_TIMERS 2048
#define RND_OPS 200000

struct model {
	struct ctx c;
	struct owner o[RND_TIMERS];
	bool armed[RND_TIMERS];
	uint64_t expire[RND_TIMERS];
	uint64_t seq[RND_TIMERS];   /* start order */
	uint64_t armed_in[RND_TIMERS]; /* run id when started */
	uint64_t next_seq;
	uint64_t run_id;
	uint64_t rng;
	uint64_t wheel_now;  /* w.now when the run began */
	uint64_t last_exp, last_seq; /* previous ordered firing */
	bool in_order;       /* past the already-due prefix */
};

static struct model m;

static uint64_t
rnd_expire(uint64_t now)
{
	uint64_t r = rng_next(&m.rng), d;
	unsigned k;

	switch (r % 8) {
	case 0:
		d = rng_next(&m.rng) % 5000;
		return now > d ? now - d : 0;
	case 1:
		return now;
	case 2:
		d = rng_next(&m.rng) % 64;
		break;
	case 3:
		d = rng_next(&m.rng) % 4096;
		break;
	case 4:
		d = rng_next(&m.rng) % (1u << 20);
		break;
	case 5:
		d = rng_next(&m.rng) % (1ull << 40);
		break;
	case 6: /* next to a level boundary */
		k = GW_TIMER_SLOT_BITS * (1 + rng_next(&m.rng) % 7);
		d = ((now >> k) + 1) << k;
		d = d - now + rng_next(&m.rng) % 3 - 1;
		break;
	default:
		if (rng_next(&m.rng) % 4 == 0)
			return UINT64_MAX - rng_next(&m.rng) % 1000;
		d = 1ull << (rng_next(&m.rng) % 64);
		break;
	}
	return d > UINT64_MAX - now ? UINT64_MAX : now + d;
}

static void
model_start(unsigned i, uint64_t expire)
{
	gw_timer_start(m.c.w, &m.o[i].t, expire);
	m.armed[i] = true;
	m.expire[i] = expire;
	m.seq[i] = m.next_seq++;
	m.armed_in[i] = m.run_id;
}

static void
model_fire(struct gw_timer *t, void *arg)
{
	struct owner *o = owner_of(t);
	unsigned i = o->id, j;
	uint64_t r;

	assert_ptr_equal(arg, &m.c);
	assert_true(m.armed[i]);
	assert_true(m.expire[i] <= m.c.now);
	assert_true(m.armed_in[i] < m.run_id); /* not started by this run */
	assert_false(gw_timer_is_armed(t));
	/* order: the already-due prefix, then (expire, start) ascending */
	if (m.expire[i] > m.wheel_now) {
		if (m.in_order)
			assert_true(m.expire[i] > m.last_exp ||
				    (m.expire[i] == m.last_exp &&
				     m.seq[i] > m.last_seq));
		m.in_order = true;
		m.last_exp = m.expire[i];
		m.last_seq = m.seq[i];
	} else {
		assert_false(m.in_order);
	}
	m.armed[i] = false;
	m.c.n++;
	r = rng_next(&m.rng) % 100;
	if (r < 10) {
		model_start(i, rnd_expire(m.c.now));
	} else if (r < 15) {
		j = (unsigned)(rng_next(&m.rng) % RND_TIMERS);
		gw_timer_stop(&m.o[j].t);
		m.armed[j] = false;
	} else if (r < 20) {
		j = (unsigned)(rng_next(&m.rng) % RND_TIMERS);
		model_start(j, rnd_expire(m.c.now));
	}
}

static void
model_check_all(void)
{
	unsigned i, armed = 0;
	uint64_t min = UINT64_MAX;

	for (i = 0; i < RND_TIMERS; i++) {
		assert_int_equal(gw_timer_is_armed(&m.o[i].t), m.armed[i]);
		if (!m.armed[i])
			continue;
		assert_true(gw_timer_expire(&m.o[i].t) == m.expire[i]);
		armed++;
		if (m.expire[i] < min)
			min = m.expire[i];
	}
	assert_int_equal(gw_timer_wheel_count(m.c.w), armed);
	if (armed == 0)
		assert_true(gw_timer_wheel_next(m.c.w) == UINT64_MAX);
	else
		assert_true(gw_timer_wheel_next(m.c.w) <= min);
}

static void
model_run(uint64_t now, unsigned max)
{
	unsigned before = m.c.n, r, i;

	m.run_id++;
	m.c.now = now;
	m.wheel_now = m.c.w->now;
	m.in_order = false;
	r = gw_timer_wheel_run(m.c.w, now, &m.c, max);
	assert_int_equal(r, m.c.n - before);
	assert_true(r <= max);
	if (r == max)
		return;
	/* not cut short: nothing due and started before the run is left */
	for (i = 0; i < RND_TIMERS; i++)
		if (m.armed[i] && m.expire[i] <= now)
			assert_true(m.armed_in[i] == m.run_id);
}

static void
test_random_vs_model(void **state)
{
	struct gw_timer_wheel *w = malloc(sizeof(*w));
	uint64_t now = 1000, d;
	unsigned op, i, r, max;

	(void)state;
	assert_non_null(w);
	memset(&m, 0, sizeof(m));
	m.rng = 0x9E3779B97F4A7C15ull;
	m.run_id = 1;
	m.c.w = w;
	gw_timer_wheel_init(w, now);
	for (i = 0; i < RND_TIMERS; i++) {
		gw_timer_init(&m.o[i].t, model_fire);
		m.o[i].id = i;
	}
	for (op = 0; op < RND_OPS; op++) {
		r = (unsigned)(rng_next(&m.rng) % 100);
		i = (unsigned)(rng_next(&m.rng) % RND_TIMERS);
		if (r < 45) {
			model_start(i, rnd_expire(now));
		} else if (r < 60) {
			gw_timer_stop(&m.o[i].t);
			m.armed[i] = false;
		} else if (r < 61) {
			model_check_all();
		} else {
			switch (rng_next(&m.rng) % 8) {
			case 0:
				d = 0;
				break;
			case 1:
			case 2:
				d = rng_next(&m.rng) % 8;
				break;
			case 3:
			case 4:
				d = rng_next(&m.rng) % 100;
				break;
			case 5:
				d = rng_next(&m.rng) % 5000;
				break;
			case 6:
				d = rng_next(&m.rng) % (1u << 22);
				break;
			default:
				d = rng_next(&m.rng) % 64 == 0 ?
					    rng_next(&m.rng) % (1ull << 36) :
					    rng_next(&m.rng) % 300;
				break;
			}
			now += d;
			max = rng_next(&m.rng) % 5 == 0 ?
				      (unsigned)(rng_next(&m.rng) % 8) :
				      UINT_MAX;
			model_run(now, max);
		}
	}
	model_check_all();
	/* drain: even the far future fires by the end of time */
	model_run(UINT64_MAX, UINT_MAX);
	model_run(UINT64_MAX, UINT_MAX);
	model_run(UINT64_MAX, UINT_MAX);
	while (gw_timer_wheel_count(w) != 0)
		model_run(UINT64_MAX, UINT_MAX);
	model_check_all();
	free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_state),
		cmocka_unit_test(test_start_stop_rearm),
		cmocka_unit_test(test_fire_exact_level_boundaries),
		cmocka_unit_test(test_far_future),
		cmocka_unit_test(test_expire_in_past),
		cmocka_unit_test(test_many_same_slot),
		cmocka_unit_test(test_large_jump),
		cmocka_unit_test(test_max_bounded),
		cmocka_unit_test(test_cb_rearms_itself),
		cmocka_unit_test(test_cb_stops_other),
		cmocka_unit_test(test_cb_starts_timers),
		cmocka_unit_test(test_next_lower_bound),
		cmocka_unit_test(test_random_vs_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
