/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/lb internals: the algorithm ops struct, the balancer and per-worker
 * state layouts, and the helpers every algorithm shares (random numbers,
 * availability tests, weighted draws). Private to lib/lb.
 */
#ifndef LB_PRIV_H
#define LB_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_lb.h"

/* Probes a hash algorithm makes past an unavailable endpoint (ring points
 * clockwise, Maglev entries forward) before the O(n) fallback. With a
 * fraction f of endpoints unavailable a walk goes past 64 probes with
 * probability about f^64: only when nearly everything is down. */
#define LB_WALK_MAX 64u
/* Weighted draws a random pick tries before scanning for the available
 * endpoints; like LB_WALK_MAX, only a mostly-down set gets past it. */
#define LB_DRAW_TRIES 8u

struct lb_state;

/* Pick for one request; see gw_lb_pick(). */
typedef int (*gw_lb_pick_fn)(const struct gw_lb *lb, struct lb_state *st,
			     const struct gw_lb_pick_ctx *ctx);

/*
 * One algorithm. Tables that depend only on the endpoint set (ring, Maglev
 * table) live in lb->priv; create, update and free may be NULL for an
 * algorithm that needs none. All but pick run on the control thread.
 */
struct gw_lb_ops {
	const char *name; /* Istio's name */
	/* Build tables for lb's endpoints (lb->n, weight, id are set) into
	 * *priv. Returns 0, -EINVAL or -ENOMEM, with nothing left allocated
	 * on failure. */
	int (*create)(const struct gw_lb *lb, void **priv);
	gw_lb_pick_fn pick;
	/* Build tables for lb's new endpoints into *priv, possibly reusing
	 * old (the tables of the previous set). On success old is consumed
	 * (reused or freed); on failure it is left intact. */
	int (*update)(const struct gw_lb *lb, void *old, void **priv);
	void (*free)(void *priv); /* NULL is a no-op */
	bool per_ep_state; /* unless weights are equal, the state holds an
			    * int64_t per endpoint */
};

extern const struct gw_lb_ops lb_wrr_ops;
extern const struct gw_lb_ops lb_least_request_ops;
extern const struct gw_lb_ops lb_random_ops;
extern const struct gw_lb_ops lb_ring_hash_ops;
extern const struct gw_lb_ops lb_maglev_ops;

/*
 * The balancer. The first cache line holds everything a pick reads besides
 * the arrays; the rest is control-thread data.
 */
struct gw_lb {
	/* read by every pick; aligned so that they share one line */
	_Alignas(64) const struct gw_lb_ops *ops;
	const uint32_t *weight;  /* n weights */
	const uint64_t *cum;     /* cum[i] = weight[0] + .. + weight[i] */
	void *priv;              /* algorithm tables */
	uint64_t total;          /* sum of weights = cum[n - 1] */
	uint32_t n;              /* endpoints */
	uint32_t gen;            /* bumped by every update; states record it */
	bool equal;              /* all weights equal */
	/* control thread */
	const uint64_t *id;      /* n endpoint identities */
	enum gw_lb_algo algo;
	uint32_t ring_size_min;  /* points */
	uint32_t maglev_size;    /* table entries, prime */
	struct gw_lb_hash_policy hash; /* strings owned */
};

/*
 * Per-worker pick state, in caller memory of gw_lb_state_size() bytes.
 */
struct lb_state {
	const struct gw_lb *lb; /* what it was initialised for (checked by
				 * assert) */
	uint64_t rng;           /* splitmix64 counter */
	uint32_t gen;           /* lb->gen at init */
	uint32_t next;          /* round robin: next endpoint / tie-break
				 * start */
	int64_t cur[];          /* weighted round robin: current weights */
};

/* splitmix64's output function (Steele, Lea, Flood, "Fast splittable
 * pseudorandom number generators", 2014): a bijective 64-bit mixer. */
static inline uint64_t
lb_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Next random number: splitmix64, a Weyl sequence through the mixer. One
 * word of state, passes BigCrush; not cryptographic, and need not be. */
static inline uint64_t
lb_rand(struct lb_state *st)
{
	st->rng += UINT64_C(0x9e3779b97f4a7c15);
	return lb_mix64(st->rng);
}

/* High word of the 128-bit product a * b, in portable C. Maps a uniform
 * 64-bit r onto [0, m) as lb_mulhi(r, m) (Lemire's multiply-shift), with
 * a bias of at most m / 2^64. */
static inline uint64_t
lb_mulhi(uint64_t a, uint64_t b)
{
	uint64_t al = (uint32_t)a, ah = a >> 32;
	uint64_t bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

	return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

static inline bool
lb_is_avail(const uint64_t *avail, uint32_t i)
{
	return avail == NULL || (avail[i >> 6] >> (i & 63) & 1) != 0;
}

/* Endpoint of a draw r under the weights, ignoring availability: O(1)
 * with equal weights, else a binary search of cum. */
uint32_t lb_draw(const struct gw_lb *lb, uint64_t r);

/* The available endpoint selected by r, in proportion to weight among the
 * available ones, or -EHOSTUNREACH. O(n): the bounded fallback. */
int lb_draw_avail_scan(const struct gw_lb *lb, const uint64_t *avail,
		       uint64_t r);

/* A random available endpoint, in proportion to weight, or -EHOSTUNREACH:
 * up to LB_DRAW_TRIES draws, then lb_draw_avail_scan(). Rejecting draws of
 * unavailable endpoints keeps the odds proportional among the others. */
int lb_random_avail(const struct gw_lb *lb, struct lb_state *st,
		    const uint64_t *avail);

#endif /* LB_PRIV_H */
