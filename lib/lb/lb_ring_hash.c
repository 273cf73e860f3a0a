/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RING_HASH: a Ketama-style consistent hash ring, as Envoy's ring hash
 * balancer (Istio consistentHash.ringHash).
 *
 * Every endpoint owns points on a 64-bit ring, in proportion to its weight;
 * a request goes to the owner of the first point at or after its hash,
 * wrapping past the top. Point j of an endpoint sits at a hash of (id, j)
 * only, so an endpoint's points do not depend on the others: removing one
 * endpoint hands its arcs to its clockwise neighbours and moves no other
 * key, except where the survivors' point counts grow (below).
 *
 * Ring size: the lightest endpoint gets ceil(share * ring_size_min) points
 * and the others proportionally more (weights normalised, rounding on the
 * running total so the ring size is the scale, rounded), all capped at
 * GW_LB_RING_SIZE_MAX points (Envoy's sizing). When an endpoint goes, the
 * survivors' shares grow and each may gain a few points (j beyond its old
 * count); those take keys from other survivors. Measured by the unit
 * tests: removing 1 of 10 equal endpoints (103 -> 114 points each) moves
 * 1.7/10 of the keys, 1 of 100 (11 points each either way) about 1/100.
 * Under the cap, an endpoint lighter than 1/8M of the total weight may get
 * no point at all and then only serves the fallbacks, as in Envoy.
 *
 * Unavailable endpoints: the walk continues clockwise to the next point of
 * an available endpoint, so keys of available endpoints never move; after
 * LB_WALK_MAX points the pick falls back to a weighted choice among the
 * available endpoints driven by the hash (still deterministic).
 *
 * Cost: create O(P log P) for P points (control thread), pick O(log P).
 * Memory: 10 bytes per point (hash array + 16-bit endpoint array).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "gw_lb.h"
#include "lb_priv.h"

struct ring {
	uint64_t *hash; /* point positions, ascending */
	uint16_t *ep;   /* owner of each point */
	uint32_t size;  /* points */
};

struct ring_point {
	uint64_t hash;
	uint32_t ep;
};

/* Position of point j of endpoint id. The inner mix spreads j so that ids
 * that are small integers still give unrelated positions. */
static inline uint64_t
point_hash(uint64_t id, uint32_t j)
{
	return lb_mix64(id ^ lb_mix64((uint64_t)j + UINT64_C(0x510e527fade682d1)));
}

static int
cmp_point(const void *a, const void *b)
{
	const struct ring_point *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	/* equal positions (about one in 2^40 rings): order by index, so the
	 * ring does not depend on qsort's instability */
	return (x->ep > y->ep) - (x->ep < y->ep);
}

/* Ring size before rounding: enough for the lightest endpoint to get
 * ceil(its share * ring_size_min) points, capped. */
static double
ring_scale(const struct gw_lb *lb)
{
	uint32_t wmin = lb->weight[0], i;
	double min_share, want, c;

	for (i = 1; i < lb->n; i++)
		if (lb->weight[i] < wmin)
			wmin = lb->weight[i];
	min_share = (double)wmin / (double)lb->total;
	/* ceil() without libm: want < 2^53 */
	want = min_share * lb->ring_size_min;
	c = (double)(uint64_t)want;
	if (c < want)
		c += 1;
	want = c / min_share;
	return want > GW_LB_RING_SIZE_MAX ? GW_LB_RING_SIZE_MAX : want;
}

/* Point count of every endpoint into cnt[]; returns the ring size.
 * Rounding the running total keeps the sum equal to the rounded scale. */
static uint32_t
ring_counts(const struct gw_lb *lb, uint32_t *cnt)
{
	double scale = ring_scale(lb), target = 0;
	uint64_t placed = 0, upto;
	uint32_t i;

	for (i = 0; i < lb->n; i++) {
		target += scale * (double)lb->weight[i] / (double)lb->total;
		upto = (uint64_t)(target + 0.5);
		if (upto > GW_LB_RING_SIZE_MAX)
			upto = GW_LB_RING_SIZE_MAX;
		cnt[i] = (uint32_t)(upto - placed);
		placed = upto;
	}
	return (uint32_t)placed;
}

static void
ring_free(void *priv)
{
	struct ring *r = priv;

	if (r == NULL)
		return;
	free(r->hash);
	free(r->ep);
	free(r);
}

static int
ring_create(const struct gw_lb *lb, void **priv)
{
	struct ring_point *pts = NULL;
	struct ring *r;
	uint32_t *cnt, i, j, k;
	int rc = -ENOMEM;

	r = calloc(1, sizeof(*r));
	cnt = malloc((size_t)lb->n * sizeof(*cnt));
	if (r == NULL || cnt == NULL)
		goto fail;
	r->size = ring_counts(lb, cnt);
	if (r->size == 0) {
		rc = -EINVAL; /* cannot happen: the lightest gets >= 1 */
		goto fail;
	}
	pts = malloc((size_t)r->size * sizeof(*pts));
	r->hash = malloc((size_t)r->size * sizeof(*r->hash));
	r->ep = malloc((size_t)r->size * sizeof(*r->ep));
	if (pts == NULL || r->hash == NULL || r->ep == NULL)
		goto fail;
	k = 0;
	for (i = 0; i < lb->n; i++) {
		for (j = 0; j < cnt[i]; j++) {
			pts[k].hash = point_hash(lb->id[i], j);
			pts[k].ep = i;
			k++;
		}
	}
	qsort(pts, r->size, sizeof(*pts), cmp_point);
	for (k = 0; k < r->size; k++) {
		r->hash[k] = pts[k].hash;
		r->ep[k] = (uint16_t)pts[k].ep;
	}
	free(pts);
	free(cnt);
	*priv = r;
	return 0;
fail:
	free(pts);
	free(cnt);
	ring_free(r);
	return rc;
}

static int
ring_update(const struct gw_lb *lb, void *old, void **priv)
{
	int rc = ring_create(lb, priv);

	if (rc == 0)
		ring_free(old);
	return rc;
}

/* Index of the first point >= h, or size when h is past the last. */
static inline uint32_t
ring_lower_bound(const struct ring *r, uint64_t h)
{
	uint32_t lo = 0, hi = r->size;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->hash[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
ring_pick(const struct gw_lb *lb, struct lb_state *st,
	  const struct gw_lb_pick_ctx *ctx)
{
	const struct ring *r = lb->priv;
	uint32_t i, k, walk;

	if (!ctx->has_hash)
		return lb_random_avail(lb, st, ctx->avail);
	i = ring_lower_bound(r, ctx->hash);
	if (i == r->size)
		i = 0;
	walk = r->size < LB_WALK_MAX ? r->size : LB_WALK_MAX;
	for (k = 0; k < walk; k++) {
		if (lb_is_avail(ctx->avail, r->ep[i]))
			return r->ep[i];
		i = i + 1 == r->size ? 0 : i + 1;
	}
	return lb_draw_avail_scan(lb, ctx->avail, ctx->hash);
}

const struct gw_lb_ops lb_ring_hash_ops = {
	.name = "RING_HASH",
	.create = ring_create,
	.pick = ring_pick,
	.update = ring_update,
	.free = ring_free,
};
