/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the consistent-hash algorithms of lib/lb (lb_ring_hash.c,
 * lb_maglev.c): distribution, stickiness, which keys move when an endpoint
 * becomes unavailable or is removed (the disruption figures are printed
 * and bounded), and the fallbacks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_lb.h"
#include "lb_test.h"

static const enum gw_lb_algo hash_algos[] = { GW_LB_RING_HASH, GW_LB_MAGLEV };

/* Endpoint of every key k < PICKS into map[]. */
static void
map_keys(struct fix *f, const uint64_t *avail, int *map)
{
	struct gw_lb_pick_ctx ctx = { .avail = avail, .has_hash = true };
	uint32_t k;

	for (k = 0; k < PICKS; k++) {
		ctx.hash = key_hash(k);
		map[k] = gw_lb_pick(f->lb, f->st, &ctx);
		assert_true(map[k] >= 0);
	}
}

static void
dist_case(enum gw_lb_algo algo, uint32_t ring_min, const uint32_t *w,
	  uint32_t n, const char *wlabel, double abs_max, double rel_max)
{
	struct gw_lb_conf conf = { .algo = algo, .ring_size_min = ring_min };
	struct gw_lb_pick_ctx ctx = { 0 };
	double abs_err, rel_err;
	uint32_t cnt[8];
	char label[64];
	struct fix f;

	fix_make(&f, &conf, w, n, 1);
	count_picks(&f, &ctx, true, cnt);
	if (ring_min != 0)
		snprintf(label, sizeof(label), "%s %s, ring %u",
			 gw_lb_algo_name(algo), wlabel, ring_min);
	else
		snprintf(label, sizeof(label), "%s %s", gw_lb_algo_name(algo),
			 wlabel);
	share_error(label, cnt, w, n, &abs_err, &rel_err);
	assert_true(abs_err <= abs_max);
	assert_true(rel_err <= rel_max);
	fix_free(&f);
}

static const uint32_t w127[] = { 1, 2, 7 };
static const uint32_t weq[] = { 1, 1, 1, 1, 1 };

/*
 * Ring hash: an endpoint's share is the sum of its arcs, which varies by
 * about 1/sqrt(points) of the share: some 7 % with the default 1024-point
 * ring over 5 endpoints (measured up to 9.8 %, 0.0195 absolute), so the
 * default ring is held to 3 points of percentage. With a 65536-point ring
 * (minimumRingSize 65536) shares are within 2 % of the weights.
 */
void
test_ring_distribution(void **state)
{
	(void)state;
	dist_case(GW_LB_RING_HASH, 0, w127, 3, "1/2/7", 0.03, 1);
	dist_case(GW_LB_RING_HASH, 0, weq, 5, "equal x5", 0.03, 1);
	dist_case(GW_LB_RING_HASH, 65536, w127, 3, "1/2/7", 0.005, 0.02);
	dist_case(GW_LB_RING_HASH, 65536, weq, 5, "equal x5", 0.005, 0.02);
}

/* Maglev's table follows the weights to within an entry or so: what is
 * left is sampling noise, within 2 % of each share. */
void
test_maglev_distribution(void **state)
{
	(void)state;
	dist_case(GW_LB_MAGLEV, 0, w127, 3, "1/2/7", 0.02, 0.02);
	dist_case(GW_LB_MAGLEV, 0, weq, 5, "equal x5", 0.02, 0.02);
}

/* A key sticks to its endpoint, whatever the worker state. */
void
test_hash_same_key(void **state)
{
	struct gw_lb_pick_ctx ctx = { .has_hash = true };
	struct fix a, b;
	uint32_t k;
	unsigned i;
	int e;

	(void)state;
	for (i = 0; i < 2; i++) {
		fix_algo(&a, hash_algos[i], w127, 3, 1);
		fix_algo(&b, hash_algos[i], w127, 3, 999);
		for (k = 0; k < 10000; k++) {
			ctx.hash = key_hash(k);
			e = gw_lb_pick(a.lb, a.st, &ctx);
			assert_int_equal(gw_lb_pick(a.lb, a.st, &ctx), e);
			assert_int_equal(gw_lb_pick(b.lb, b.st, &ctx), e);
		}
		fix_free(&a);
		fix_free(&b);
	}
}

/*
 * Clearing availability bits (table unchanged): the keys of the cleared
 * endpoints move, every other key stays exactly where it was.
 */
void
test_hash_unavailable_moves_only_its_keys(void **state)
{
	uint32_t w[10], i, k, moved;
	int *base = malloc(PICKS * sizeof(int));
	int *now = malloc(PICKS * sizeof(int));
	uint64_t avail[1];
	struct fix f;
	unsigned a;

	(void)state;
	assert_non_null(base);
	assert_non_null(now);
	for (i = 0; i < 10; i++)
		w[i] = 1 + i % 2;
	for (a = 0; a < 2; a++) {
		fix_algo(&f, hash_algos[a], w, 10, 1);
		map_keys(&f, NULL, base);
		avail_all(avail, 10);
		avail_clear(avail, 3);
		avail_clear(avail, 7);
		map_keys(&f, avail, now);
		moved = 0;
		for (k = 0; k < PICKS; k++) {
			if (base[k] == 3 || base[k] == 7) {
				assert_true(now[k] != 3 && now[k] != 7);
				moved++;
			} else {
				assert_int_equal(now[k], base[k]);
			}
		}
		printf("[ MEASURE  ] %s 2 of 10 unavailable: %.4f of keys "
		       "moved, all theirs\n", gw_lb_algo_name(hash_algos[a]),
		       (double)moved / PICKS);
		/* back up: every key returns */
		map_keys(&f, NULL, now);
		assert_memory_equal(now, base, PICKS * sizeof(int));
		fix_free(&f);
	}
	free(base);
	free(now);
}

/*
 * Nearly everything down: the walk gives up after a bounded number of
 * probes and the fallback still picks an available endpoint, the same
 * one for the same key.
 */
void
test_hash_mostly_down(void **state)
{
	uint32_t w[200], i, k, cnt[2];
	uint64_t avail[GW_LB_AVAIL_WORDS(200)];
	struct gw_lb_pick_ctx ctx = { .avail = avail, .has_hash = true };
	struct fix f, g;
	unsigned a;
	int e;

	(void)state;
	for (i = 0; i < 200; i++)
		w[i] = 1 + i % 4;
	memset(avail, 0, sizeof(avail));
	avail[0] = UINT64_C(1) << 5;   /* weight 2 */
	avail[2] = UINT64_C(1) << 11;  /* endpoint 139, weight 4 */
	for (a = 0; a < 2; a++) {
		fix_algo(&f, hash_algos[a], w, 200, 1);
		fix_algo(&g, hash_algos[a], w, 200, 2);
		cnt[0] = cnt[1] = 0;
		for (k = 0; k < 20000; k++) {
			ctx.hash = key_hash(k);
			e = gw_lb_pick(f.lb, f.st, &ctx);
			assert_true(e == 5 || e == 139);
			assert_int_equal(gw_lb_pick(g.lb, g.st, &ctx), e);
			cnt[e == 139]++;
		}
		/* both used, roughly 2:4 */
		assert_true(cnt[0] > 5000 && cnt[1] > 11000);
		fix_free(&f);
		fix_free(&g);
	}
}

/* A request without the hash key is balanced at random, by weight. */
void
test_hash_no_key_is_random(void **state)
{
	struct gw_lb_pick_ctx ctx = { .hash = 77, .has_hash = false };
	double abs_err, rel_err;
	uint32_t cnt[3];
	struct fix f;
	unsigned a;

	(void)state;
	for (a = 0; a < 2; a++) {
		fix_algo(&f, hash_algos[a], w127, 3, 4);
		count_picks(&f, &ctx, false, cnt);
		share_error(a == 0 ? "RING_HASH without key" :
			    "MAGLEV without key", cnt, w127, 3, &abs_err,
			    &rel_err);
		assert_true(rel_err <= 0.02);
		fix_free(&f);
	}
}

/*
 * Remove endpoint r of n (equal weights) with gw_lb_update() and count the
 * keys whose endpoint identity changed. Returns the moved fraction and
 * stores in *extra the fraction that moved although its endpoint stayed.
 */
static double
disruption(enum gw_lb_algo algo, uint32_t n, uint32_t r, double *extra)
{
	struct gw_lb_endpoint *eps = calloc(n, sizeof(*eps));
	int *before = malloc(PICKS * sizeof(int));
	int *after = malloc(PICKS * sizeof(int));
	uint32_t *w = malloc(n * sizeof(*w));
	uint32_t i, j, k, moved = 0, extra_moved = 0;
	struct fix f;
	int orig;

	assert_non_null(eps);
	assert_non_null(before);
	assert_non_null(after);
	assert_non_null(w);
	for (i = 0; i < n; i++)
		w[i] = 1;
	fix_algo(&f, algo, w, n, 1);
	map_keys(&f, NULL, before);
	for (i = 0, j = 0; i < n; i++) {
		if (i == r)
			continue;
		eps[j].id = ep_id(i);
		eps[j].weight = 1;
		j++;
	}
	assert_int_equal(gw_lb_update(f.lb, eps, n - 1), 0);
	fix_reinit(&f, 1);
	map_keys(&f, NULL, after);
	for (k = 0; k < PICKS; k++) {
		/* index after the update back to the original index */
		orig = after[k] < (int)r ? after[k] : after[k] + 1;
		assert_true(orig != (int)r);
		if (orig != before[k]) {
			moved++;
			if (before[k] != (int)r)
				extra_moved++;
		}
	}
	fix_free(&f);
	free(eps);
	free(before);
	free(after);
	free(w);
	*extra = (double)extra_moved / PICKS;
	return (double)moved / PICKS;
}

/*
 * Removing one of n endpoints moves that endpoint's keys (about 1/n) plus
 * some extra. Ten removals per n: reports the mean and the worst, and
 * asserts the worst total against bound / n and the worst extra against
 * extra_bound / n.
 */
static void
disruption_case(enum gw_lb_algo algo, uint32_t n, double bound,
		double extra_bound)
{
	double sum = 0, worst = 0, extra, worst_extra = 0, sum_extra = 0, m;
	uint32_t t;

	for (t = 0; t < 10; t++) {
		m = disruption(algo, n, t * (n / 10), &extra);
		sum += m;
		sum_extra += extra;
		if (m > worst)
			worst = m;
		if (extra > worst_extra)
			worst_extra = extra;
	}
	printf("[ MEASURE  ] %s remove 1 of %u: moved mean %.4f (%.2f/N) "
	       "worst %.4f (%.2f/N); moved off survivors mean %.4f worst "
	       "%.4f (%.2f/N)\n", gw_lb_algo_name(algo), n, sum / 10,
	       sum / 10 * n, worst, worst * n, sum_extra / 10, worst_extra,
	       worst_extra * n);
	assert_true(worst <= bound / n);
	assert_true(worst_extra <= extra_bound / n);
}

/*
 * Ring hash, measured (ten removals each): n = 10 moves 1.72/n on average,
 * 1.88/n at worst, of which 0.75/n off surviving endpoints: the survivors'
 * point counts grow from 103 to 114 and the new points take keys from each
 * other. n = 100 keeps 11 points each, so only the removed endpoint's keys
 * move: 0.96/n on average, 1.47/n for the endpoint with the largest arcs.
 */
void
test_ring_disruption(void **state)
{
	(void)state;
	disruption_case(GW_LB_RING_HASH, 10, 2.2, 1.0);
	disruption_case(GW_LB_RING_HASH, 100, 2.0, 0.05);
}

/*
 * Maglev, measured: n = 10 moves 1.02/n (worst 1.04/n, 0.02/n off
 * survivors); n = 100 moves 1.62/n (worst 1.69/n, 0.66/n off survivors):
 * the shifted claiming order hands some survivors' entries to others.
 * Maglev trades that extra churn for near-equal shares (Envoy documents
 * it as less stable than ring hash).
 */
void
test_maglev_disruption(void **state)
{
	(void)state;
	disruption_case(GW_LB_MAGLEV, 10, 1.3, 0.1);
	disruption_case(GW_LB_MAGLEV, 100, 2.0, 1.0);
}

/* A balancer updated to a set picks exactly as one created for it. */
void
test_hash_update_equals_create(void **state)
{
	static const uint32_t w[] = { 2, 1, 3, 1, 1, 5 };
	struct gw_lb_endpoint eps[6];
	int *x = malloc(PICKS * sizeof(int));
	int *y = malloc(PICKS * sizeof(int));
	struct fix f, g;
	unsigned a, i;

	(void)state;
	assert_non_null(x);
	assert_non_null(y);
	for (i = 0; i < 6; i++) {
		eps[i].id = ep_id(i);
		eps[i].weight = w[i];
	}
	for (a = 0; a < 2; a++) {
		fix_algo(&f, hash_algos[a], w127, 3, 1);
		assert_int_equal(gw_lb_update(f.lb, eps, 6), 0);
		fix_reinit(&f, 1);
		fix_algo(&g, hash_algos[a], w, 6, 1);
		map_keys(&f, NULL, x);
		map_keys(&g, NULL, y);
		assert_memory_equal(x, y, PICKS * sizeof(int));
		fix_free(&f);
		fix_free(&g);
	}
	free(x);
	free(y);
}
