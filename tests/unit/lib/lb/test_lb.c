/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/lb: configuration checks, names, hashing, state and
 * update (lb.c), smooth weighted round robin (lb_wrr.c), weighted random
 * (lb_random.c) and least request (lb_least_request.c). The hash
 * algorithms are in test_lb_hash.c. Measured figures (share errors,
 * disruption) are printed; the test asserts bounds on them.
 */
#include <errno.h>
#include <limits.h>
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

static const uint32_t w127[] = { 1, 2, 7 };
static const uint32_t weq[] = { 1, 1, 1, 1, 1 };

uint64_t
ep_id(uint32_t i)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "10.%u.%u.%u:8080",
			   (i >> 16) & 255, (i >> 8) & 255, i & 255);

	return gw_lb_hash(buf, (size_t)len);
}

uint64_t
key_hash(uint32_t k)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "user-%u", k);

	return gw_lb_hash(buf, (size_t)len);
}

static struct gw_lb_endpoint *
eps_make(const uint32_t *w, uint32_t n)
{
	struct gw_lb_endpoint *eps = calloc(n, sizeof(*eps));
	uint32_t i;

	assert_non_null(eps);
	for (i = 0; i < n; i++) {
		eps[i].id = ep_id(i);
		eps[i].weight = w[i];
	}
	return eps;
}

void
fix_make(struct fix *f, const struct gw_lb_conf *conf, const uint32_t *w,
	 uint32_t n, uint64_t seed)
{
	struct gw_lb_endpoint *eps = eps_make(w, n);

	assert_int_equal(gw_lb_create(conf, eps, n, &f->lb), 0);
	free(eps);
	f->st = NULL;
	fix_reinit(f, seed);
}

void
fix_algo(struct fix *f, enum gw_lb_algo algo, const uint32_t *w, uint32_t n,
	 uint64_t seed)
{
	struct gw_lb_conf conf = { .algo = algo };

	fix_make(f, &conf, w, n, seed);
}

void
fix_reinit(struct fix *f, uint64_t seed)
{
	free(f->st);
	/* whatever the algorithm and weights, the maximum is enough */
	assert_true(gw_lb_state_size(f->lb) <=
		    gw_lb_state_size_max(gw_lb_count(f->lb)));
	f->st = malloc(gw_lb_state_size(f->lb));
	assert_non_null(f->st);
	gw_lb_state_init(f->lb, f->st, seed);
}

void
fix_free(struct fix *f)
{
	gw_lb_free(f->lb);
	free(f->st);
	f->lb = NULL;
	f->st = NULL;
}

void
avail_all(uint64_t *avail, uint32_t n)
{
	/* bits at and above n set too: they must be ignored */
	memset(avail, 0xff, GW_LB_AVAIL_WORDS(n) * sizeof(*avail));
}

void
avail_clear(uint64_t *avail, uint32_t i)
{
	avail[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

void
count_picks(struct fix *f, const struct gw_lb_pick_ctx *base, bool hashed,
	    uint32_t *cnt)
{
	struct gw_lb_pick_ctx ctx = *base;
	uint32_t n = gw_lb_count(f->lb), k;
	int e;

	memset(cnt, 0, n * sizeof(*cnt));
	for (k = 0; k < PICKS; k++) {
		if (hashed) {
			ctx.hash = key_hash(k);
			ctx.has_hash = true;
		}
		e = gw_lb_pick(f->lb, f->st, &ctx);
		assert_true(e >= 0 && (uint32_t)e < n);
		cnt[e]++;
	}
}

void
share_error(const char *label, const uint32_t *cnt, const uint32_t *w,
	    uint32_t n, double *abs_err, double *rel_err)
{
	double total = 0, want, got, d;
	uint32_t i;

	for (i = 0; i < n; i++)
		total += w[i];
	*abs_err = 0;
	*rel_err = 0;
	for (i = 0; i < n; i++) {
		want = w[i] / total;
		got = (double)cnt[i] / PICKS;
		d = got > want ? got - want : want - got;
		if (d > *abs_err)
			*abs_err = d;
		if (d / want > *rel_err)
			*rel_err = d / want;
	}
	printf("[ MEASURE  ] %-34s max share error %.4f abs (%.2f %% of "
	       "the share)\n", label, *abs_err, *rel_err * 100);
}

static void
test_conf_invalid(void **state)
{
	struct gw_lb_endpoint eps[3] = { { 1, 1 }, { 2, 2 }, { 3, 7 } };
	struct gw_lb_conf conf = { .algo = GW_LB_MAGLEV };
	struct gw_lb *sentinel = (struct gw_lb *)&conf, *lb = sentinel;
	struct gw_lb_endpoint *big;
	uint32_t i;

	(void)state;
	assert_int_equal(gw_lb_create(NULL, eps, 3, &lb), -EINVAL);
	assert_int_equal(gw_lb_create(&conf, eps, 3, NULL), -EINVAL);
	assert_int_equal(gw_lb_create(&conf, NULL, 3, &lb), -EINVAL);
	assert_int_equal(gw_lb_create(&conf, eps, 0, &lb), -EINVAL);
	eps[1].weight = 0;
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	eps[1].weight = GW_LB_WEIGHT_MAX + 1;
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	eps[1].weight = 2;
	eps[2].id = 1; /* duplicate identity */
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	eps[2].id = 3;
	conf.maglev_size = 65536; /* not prime */
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	conf.maglev_size = 1;
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	conf.maglev_size = 5000087; /* prime, above the maximum */
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	conf.maglev_size = 2; /* prime, fewer entries than endpoints */
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	conf.maglev_size = 0;
	conf.algo = GW_LB_RING_HASH;
	conf.ring_size_min = GW_LB_RING_SIZE_MAX + 1;
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	conf.ring_size_min = 0;
	conf.algo = GW_LB_ALGO_COUNT;
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	conf.algo = GW_LB_RING_HASH;
	conf.hash.on = GW_LB_HASH_ON_HEADER; /* without a name */
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	conf.hash.name = "";
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	conf.hash.on = (enum gw_lb_hash_on)99;
	assert_int_equal(gw_lb_create(&conf, eps, 3, &lb), -EINVAL);
	conf.hash.on = GW_LB_HASH_ON_NONE;

	/* one endpoint over the limit */
	big = calloc(GW_LB_ENDPOINTS_MAX + 1, sizeof(*big));
	assert_non_null(big);
	for (i = 0; i <= GW_LB_ENDPOINTS_MAX; i++) {
		big[i].id = i;
		big[i].weight = 1;
	}
	conf.algo = GW_LB_RANDOM;
	assert_int_equal(gw_lb_create(&conf, big, GW_LB_ENDPOINTS_MAX + 1,
				      &lb), -EINVAL);
	assert_ptr_equal(lb, sentinel); /* untouched on failure */
	/* exactly at the limit, with Maglev's default table */
	conf.algo = GW_LB_MAGLEV;
	assert_int_equal(gw_lb_create(&conf, big, GW_LB_ENDPOINTS_MAX, &lb), 0);
	assert_int_equal(gw_lb_count(lb), GW_LB_ENDPOINTS_MAX);
	gw_lb_free(lb);
	free(big);

	gw_lb_free(NULL);
}

static void
test_names(void **state)
{
	enum gw_lb_algo a = GW_LB_ALGO_COUNT;
	unsigned i;

	(void)state;
	assert_string_equal(gw_lb_algo_name(GW_LB_ROUND_ROBIN), "ROUND_ROBIN");
	assert_string_equal(gw_lb_algo_name(GW_LB_LEAST_REQUEST),
			    "LEAST_REQUEST");
	assert_string_equal(gw_lb_algo_name(GW_LB_RANDOM), "RANDOM");
	assert_string_equal(gw_lb_algo_name(GW_LB_RING_HASH), "RING_HASH");
	assert_string_equal(gw_lb_algo_name(GW_LB_MAGLEV), "MAGLEV");
	assert_null(gw_lb_algo_name(GW_LB_ALGO_COUNT));
	for (i = 0; i < GW_LB_ALGO_COUNT; i++) {
		assert_int_equal(gw_lb_algo_parse(gw_lb_algo_name(i), &a), 0);
		assert_int_equal(a, i);
	}
	assert_int_equal(gw_lb_algo_parse("round_robin", &a), -EINVAL);
	assert_int_equal(gw_lb_algo_parse("PASSTHROUGH", &a), -EINVAL);
	assert_int_equal(a, GW_LB_ALGO_COUNT - 1);
}

static void
test_hash_policy_copied(void **state)
{
	char name[] = "x-user", path[] = "/";
	struct gw_lb_conf conf = {
		.algo = GW_LB_RING_HASH,
		.hash = { .on = GW_LB_HASH_ON_COOKIE, .name = name,
			  .cookie_path = path, .cookie_generate = true,
			  .cookie_ttl_ms = 3600000 },
	};
	const struct gw_lb_hash_policy *h;
	struct fix f;

	(void)state;
	fix_make(&f, &conf, w127, 3, 0);
	name[0] = 'y';
	path[0] = '#';
	h = gw_lb_hash_policy(f.lb);
	assert_int_equal(h->on, GW_LB_HASH_ON_COOKIE);
	assert_string_equal(h->name, "x-user");
	assert_string_equal(h->cookie_path, "/");
	assert_true(h->cookie_generate);
	assert_int_equal(h->cookie_ttl_ms, 3600000);
	assert_int_equal(gw_lb_algo(f.lb), GW_LB_RING_HASH);
	fix_free(&f);
}

/* gw_lb_hash() is SipHash-2-4 under a fixed key: pinned values, so that a
 * change that would remap every client in a rolling upgrade fails here. */
static void
test_hash_fn_pinned(void **state)
{
	(void)state;
	assert_true(gw_lb_hash("", 0) == gw_lb_hash(NULL, 0));
	assert_true(gw_lb_hash("a", 1) != gw_lb_hash("b", 1));
	/* cross-checked against an independent SipHash-2-4 (Python) that
	 * reproduces the paper's test vector */
	assert_true(gw_lb_hash("10.0.0.1", 8) ==
		    UINT64_C(0x0d96bcdbb42b3789));
}

/* Every algorithm: all unavailable gives -EHOSTUNREACH, with and without
 * a hash; picks never land on an unavailable endpoint. */
static void
test_unavailable_all_algos(void **state)
{
	uint64_t avail[2];
	struct gw_lb_pick_ctx ctx = { .avail = avail };
	uint32_t active[70] = { 0 }, w[70], i, k, algo;
	struct fix f;
	int e;

	(void)state;
	for (i = 0; i < 70; i++)
		w[i] = 1 + i % 3;
	for (algo = 0; algo < GW_LB_ALGO_COUNT; algo++) {
		fix_algo(&f, algo, w, 70, algo);
		ctx.active = active;
		memset(avail, 0, sizeof(avail));
		ctx.has_hash = false;
		assert_int_equal(gw_lb_pick(f.lb, f.st, &ctx), -EHOSTUNREACH);
		ctx.has_hash = true;
		ctx.hash = 12345;
		assert_int_equal(gw_lb_pick(f.lb, f.st, &ctx), -EHOSTUNREACH);
		/* garbage above bit n is not an endpoint */
		avail[1] = ~UINT64_C(0) << 6;
		assert_int_equal(gw_lb_pick(f.lb, f.st, &ctx), -EHOSTUNREACH);

		/* every third endpoint, across both words */
		memset(avail, 0, sizeof(avail));
		for (i = 0; i < 70; i += 3)
			avail[i / 64] |= UINT64_C(1) << (i % 64);
		for (k = 0; k < 20000; k++) {
			ctx.has_hash = (k & 1) != 0;
			ctx.hash = key_hash(k);
			active[k % 70] = k % 5;
			e = gw_lb_pick(f.lb, f.st, &ctx);
			assert_true(e >= 0 && e < 70);
			assert_int_equal(e % 3, 0);
		}
		/* one left */
		memset(avail, 0, sizeof(avail));
		avail[1] = UINT64_C(1) << 3;
		for (k = 0; k < 100; k++) {
			ctx.has_hash = (k & 1) != 0;
			ctx.hash = key_hash(k);
			assert_int_equal(gw_lb_pick(f.lb, f.st, &ctx), 67);
		}
		fix_free(&f);
	}
}

/* Same seed, same picks; another seed, other picks (where random). */
static void
test_same_seed_same_sequence(void **state)
{
	struct gw_lb_pick_ctx ctx = { 0 };
	uint32_t active[5] = { 3, 0, 1, 4, 1 };
	struct fix a, b, c;
	unsigned algo, k, differ;
	int x, y, z;

	(void)state;
	for (algo = 0; algo < GW_LB_ALGO_COUNT; algo++) {
		fix_algo(&a, algo, w127, 3, 42);
		fix_algo(&b, algo, w127, 3, 42);
		fix_algo(&c, algo, w127, 3, 43);
		ctx.active = algo == GW_LB_LEAST_REQUEST ? active : NULL;
		differ = 0;
		for (k = 0; k < 1000; k++) {
			x = gw_lb_pick(a.lb, a.st, &ctx);
			y = gw_lb_pick(b.lb, b.st, &ctx);
			z = gw_lb_pick(c.lb, c.st, &ctx);
			assert_int_equal(x, y);
			differ += x != z;
		}
		if (algo != GW_LB_ROUND_ROBIN)
			assert_true(differ > 100);
		fix_free(&a);
		fix_free(&b);
		fix_free(&c);
	}
}

/* nginx's documented sequence for weights 5, 1, 1. */
static void
test_wrr_nginx_sequence(void **state)
{
	static const uint32_t w[] = { 5, 1, 1 };
	static const char want[] = "aabacaa" "aabacaa" "aabacaa";
	char got[sizeof(want)];
	struct fix f;
	unsigned k;

	(void)state;
	fix_algo(&f, GW_LB_ROUND_ROBIN, w, 3, 0);
	for (k = 0; k + 1 < sizeof(want); k++)
		got[k] = (char)('a' + gw_lb_pick(f.lb, f.st, NULL));
	got[k] = '\0';
	assert_string_equal(got, want);
	fix_free(&f);
}

/* Equal weights: plain round robin from seed % n, skipping unavailable
 * endpoints, also across bitmap words. */
static void
test_rr_equal_weights(void **state)
{
	static const int want[] = { 2, 3, 4, 0, 2, 3, 4, 0 };
	uint64_t avail[2];
	struct gw_lb_pick_ctx ctx = { .avail = avail };
	uint32_t w[130], i;
	struct fix f;
	int e, prev;

	(void)state;
	fix_algo(&f, GW_LB_ROUND_ROBIN, weq, 5, 7); /* 7 % 5: starts at 2 */
	avail_all(avail, 5);
	avail_clear(avail, 1);
	for (i = 0; i < 8; i++)
		assert_int_equal(gw_lb_pick(f.lb, f.st, &ctx), want[i]);
	assert_true(gw_lb_state_size(f.lb) <= 64); /* no per-endpoint state */
	fix_free(&f);

	for (i = 0; i < 130; i++)
		w[i] = 4;
	fix_algo(&f, GW_LB_ROUND_ROBIN, w, 130, 60);
	{
		uint64_t av[3] = { 0 };

		ctx.avail = av;
		/* 61, 64 and 129 only */
		av[0] = UINT64_C(1) << 61;
		av[1] = 1;
		av[2] = 2;
		prev = -1;
		for (i = 0; i < 9; i++) {
			e = gw_lb_pick(f.lb, f.st, &ctx);
			assert_true(e == 61 || e == 64 || e == 129);
			assert_true(e != prev);
			prev = e;
		}
	}
	fix_free(&f);
}

/* Distribution of the picks against the weights, for the three algorithms
 * without a hash: weights 1/2/7, equal weights, and 1/2/7 with the heavy
 * endpoint unavailable. */
static void
test_distribution_simple(void **state)
{
	static const enum gw_lb_algo algos[] = {
		GW_LB_ROUND_ROBIN, GW_LB_RANDOM, GW_LB_LEAST_REQUEST
	};
	static const uint32_t w12[] = { 1, 2 };
	uint64_t avail[1];
	struct gw_lb_pick_ctx all = { 0 }, part = { .avail = avail };
	uint32_t cnt[5];
	double abs_err, rel_err;
	char label[64];
	struct fix f;
	unsigned a;

	(void)state;
	for (a = 0; a < 3; a++) {
		const char *name = gw_lb_algo_name(algos[a]);
		/* exact for round robin, sampling noise otherwise */
		double rel_max = algos[a] == GW_LB_ROUND_ROBIN ? 0.0001 : 0.02;

		fix_algo(&f, algos[a], w127, 3, 1);
		count_picks(&f, &all, false, cnt);
		snprintf(label, sizeof(label), "%s 1/2/7", name);
		share_error(label, cnt, w127, 3, &abs_err, &rel_err);
		assert_true(rel_err <= rel_max);

		avail_all(avail, 3);
		avail_clear(avail, 2);
		count_picks(&f, &part, false, cnt);
		assert_int_equal(cnt[2], 0);
		snprintf(label, sizeof(label), "%s 1/2/7, 7 down", name);
		share_error(label, cnt, w12, 2, &abs_err, &rel_err);
		assert_true(rel_err <= rel_max);
		fix_free(&f);

		fix_algo(&f, algos[a], weq, 5, 1);
		count_picks(&f, &all, false, cnt);
		snprintf(label, sizeof(label), "%s equal x5", name);
		share_error(label, cnt, weq, 5, &abs_err, &rel_err);
		assert_true(rel_err <= rel_max);
		fix_free(&f);
	}
}

/* Weights at the limit do not overflow the sums. */
static void
test_extreme_weights(void **state)
{
	static const uint32_t w[] = { 1, GW_LB_WEIGHT_MAX, GW_LB_WEIGHT_MAX };
	uint32_t cnt[3], algo, k;
	struct fix f;
	int e;

	(void)state;
	for (algo = 0; algo < GW_LB_ALGO_COUNT; algo++) {
		if (algo == GW_LB_RING_HASH)
			continue; /* 8M points: too slow for a unit test */
		fix_algo(&f, algo, w, 3, 5);
		memset(cnt, 0, sizeof(cnt));
		for (k = 0; k < 10000; k++) {
			struct gw_lb_pick_ctx ctx = {
				.hash = key_hash(k), .has_hash = true
			};

			e = gw_lb_pick(f.lb, f.st, &ctx);
			assert_true(e >= 0 && e < 3);
			cnt[e]++;
		}
		assert_true(cnt[0] <= 1);
		assert_true(cnt[1] > 4500 && cnt[2] > 4500);
		fix_free(&f);
	}
}

/* Power of two choices: the less loaded of two candidates wins. */
static void
test_least_request_prefers_idle(void **state)
{
	static const uint32_t w4[] = { 1, 1, 1, 1 }, w13[] = { 1, 3 };
	uint32_t act4[4] = { 10, 0, 10, 10 }, act2[2] = { 5, 0 };
	struct gw_lb_pick_ctx ctx = { .active = act4 };
	uint32_t cnt[4];
	struct fix f;
	double p;

	(void)state;
	/* the idle one wins whenever drawn: 1 - (3/4)^2 = 7/16 */
	fix_algo(&f, GW_LB_LEAST_REQUEST, w4, 4, 9);
	count_picks(&f, &ctx, false, cnt);
	p = (double)cnt[1] / PICKS;
	printf("[ MEASURE  ] LEAST_REQUEST idle of 4: %.4f (7/16 = 0.4375)\n",
	       p);
	assert_true(p > 0.4275 && p < 0.4475);
	/* the others share the rest evenly */
	assert_true(cnt[0] > 17500 && cnt[2] > 17500 && cnt[3] > 17500);
	fix_free(&f);

	/* two endpoints: the busy one only when drawn twice, 1/4 */
	fix_algo(&f, GW_LB_LEAST_REQUEST, w4, 2, 9);
	ctx.active = act2;
	count_picks(&f, &ctx, false, cnt);
	p = (double)cnt[1] / PICKS;
	assert_true(p > 0.74 && p < 0.76);
	fix_free(&f);

	/* weighted: 1 active on weight 1 vs 0 on weight 3; endpoint 0 only
	 * when drawn twice: (1/4)^2 */
	fix_algo(&f, GW_LB_LEAST_REQUEST, w13, 2, 9);
	act2[0] = 1;
	act2[1] = 0;
	count_picks(&f, &ctx, false, cnt);
	p = (double)cnt[0] / PICKS;
	assert_true(p > 0.0575 && p < 0.0675);
	/* load per weight 2/1 vs 3/3: endpoint 1 still less loaded */
	act2[0] = 2;
	act2[1] = 3;
	count_picks(&f, &ctx, false, cnt);
	p = (double)cnt[0] / PICKS;
	assert_true(p > 0.0575 && p < 0.0675);
	/* 1/1 vs 6/3: now endpoint 0 is, and wins unless drawn twice... */
	act2[0] = 1;
	act2[1] = 6;
	count_picks(&f, &ctx, false, cnt);
	p = (double)cnt[1] / PICKS;
	assert_true(p > 0.5525 && p < 0.5725); /* (3/4)^2 = 0.5625 */
	fix_free(&f);
}

/* update: new set, new state size; a failed update changes nothing. */
static void
test_update(void **state)
{
	static const uint32_t w[] = { 3, 1, 1, 1 };
	struct gw_lb_endpoint eps[4];
	int before[50], after;
	unsigned algo, i, k;
	struct fix f;

	(void)state;
	for (algo = 0; algo < GW_LB_ALGO_COUNT; algo++) {
		fix_algo(&f, algo, w127, 3, 3);
		for (i = 0; i < 4; i++) {
			eps[i].id = ep_id(i);
			eps[i].weight = w[i];
		}
		assert_int_equal(gw_lb_update(f.lb, eps, 4), 0);
		assert_int_equal(gw_lb_count(f.lb), 4);
		fix_reinit(&f, 3);
		for (k = 0; k < 50; k++) {
			struct gw_lb_pick_ctx ctx = {
				.hash = key_hash(k), .has_hash = true
			};

			before[k] = gw_lb_pick(f.lb, f.st, &ctx);
			assert_true(before[k] >= 0 && before[k] < 4);
		}
		/* rejected: weight 0, then duplicate ids, then n = 0 */
		eps[3].weight = 0;
		assert_int_equal(gw_lb_update(f.lb, eps, 4), -EINVAL);
		eps[3].weight = 1;
		eps[3].id = eps[0].id;
		assert_int_equal(gw_lb_update(f.lb, eps, 4), -EINVAL);
		assert_int_equal(gw_lb_update(f.lb, eps, 0), -EINVAL);
		assert_int_equal(gw_lb_update(NULL, eps, 3), -EINVAL);
		assert_int_equal(gw_lb_count(f.lb), 4);
		/* same state, same seed: the same picks as before */
		gw_lb_state_init(f.lb, f.st, 3);
		for (k = 0; k < 50; k++) {
			struct gw_lb_pick_ctx ctx = {
				.hash = key_hash(k), .has_hash = true
			};

			after = gw_lb_pick(f.lb, f.st, &ctx);
			assert_int_equal(after, before[k]);
		}
		fix_free(&f);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_invalid),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_hash_policy_copied),
		cmocka_unit_test(test_hash_fn_pinned),
		cmocka_unit_test(test_unavailable_all_algos),
		cmocka_unit_test(test_same_seed_same_sequence),
		cmocka_unit_test(test_wrr_nginx_sequence),
		cmocka_unit_test(test_rr_equal_weights),
		cmocka_unit_test(test_distribution_simple),
		cmocka_unit_test(test_extreme_weights),
		cmocka_unit_test(test_least_request_prefers_idle),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_ring_distribution),
		cmocka_unit_test(test_maglev_distribution),
		cmocka_unit_test(test_hash_same_key),
		cmocka_unit_test(test_hash_unavailable_moves_only_its_keys),
		cmocka_unit_test(test_hash_mostly_down),
		cmocka_unit_test(test_hash_no_key_is_random),
		cmocka_unit_test(test_ring_disruption),
		cmocka_unit_test(test_maglev_disruption),
		cmocka_unit_test(test_hash_update_equals_create),
		cmocka_unit_test(test_nomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
