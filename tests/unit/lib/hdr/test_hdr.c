/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of lib/hdr: bucket bounds, quantiles against exact ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_hdr.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every value lands in a bucket whose range holds it; indexes only grow
 * with the value and ranges tile the whole 64-bit line. */
static void
test_buckets(void **state)
{
	uint64_t lo, hi, prev_hi = 0, v;
	unsigned i, k;

	(void)state;
	for (i = 0; i < GW_HDR_BUCKETS; i++) {
		gw_hdr_bucket_range(i, &lo, &hi);
		assert_true(lo <= hi);
		if (i > 0)
			assert_true(lo == prev_hi + 1);
		assert_int_equal(gw_hdr_index(lo), i);
		assert_int_equal(gw_hdr_index(hi), i);
		/* relative width below 1/64 above the exact range */
		if (lo >= 128)
			assert_true((hi - lo) * 64 <= lo);
		prev_hi = hi;
	}
	assert_true(prev_hi == UINT64_MAX);
	for (k = 0; k < 100000; k++) {
		v = rnd() >> (rnd() % 64);
		i = gw_hdr_index(v);
		assert_true(i < GW_HDR_BUCKETS);
		gw_hdr_bucket_range(i, &lo, &hi);
		assert_true(lo <= v && v <= hi);
	}
}

/* Quantiles of random samples against the sorted samples: never below
 * the exact value, at most 1/64 above it. */
static void
test_quantiles(void **state)
{
	static const double qs[] = { 0.0, 0.01, 0.5, 0.9, 0.99, 0.999, 1.0 };
	enum { N = 20011 };
	static uint64_t vals[N];
	struct gw_hdr *h = malloc(sizeof(*h));
	unsigned round, i, q;

	(void)state;
	assert_non_null(h);
	for (round = 0; round < 4; round++) {
		gw_hdr_reset(h);
		for (i = 0; i < N; i++) {
			/* log-uniform from 1 to 2^(20+round*10) */
			vals[i] = 1 + (rnd() >> (64 - 20 - round * 10 +
						 rnd() % 16));
			gw_hdr_record(h, vals[i]);
		}
		qsort(vals, N, sizeof(vals[0]), cmp_u64);
		assert_true(h->count == N);
		assert_true(h->min == vals[0]);
		assert_true(h->max == vals[N - 1]);
		for (q = 0; q < sizeof(qs) / sizeof(qs[0]); q++) {
			uint64_t rank = (uint64_t)(qs[q] * N + 0.999999);
			uint64_t exact = vals[rank == 0 ? 0 : rank - 1];
			uint64_t got = gw_hdr_quantile(h, qs[q]);

			assert_true(got >= exact);
			assert_true(got - exact <= exact / 64);
		}
	}
	free(h);
}

static void
test_merge_and_empty(void **state)
{
	struct gw_hdr *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	gw_hdr_reset(a);
	gw_hdr_reset(b);
	assert_true(gw_hdr_quantile(a, 0.5) == 0);
	assert_true(gw_hdr_mean(a) == 0.0);
	gw_hdr_merge(a, b); /* empty into empty: still empty */
	assert_true(a->count == 0 && a->min == UINT64_MAX);
	gw_hdr_record(a, 10);
	gw_hdr_record(a, 20);
	gw_hdr_record(b, 1000);
	gw_hdr_record(b, 5);
	gw_hdr_merge(a, b);
	assert_true(a->count == 4);
	assert_true(a->min == 5 && a->max == 1000);
	assert_true(a->sum == 1035);
	assert_true(gw_hdr_quantile(a, 0.5) == 10);
	assert_true(gw_hdr_quantile(a, 0.75) == 20);
	assert_true(gw_hdr_quantile(a, 0.99) == 1000);
	/* the largest values do not overflow the table */
	gw_hdr_record(a, UINT64_MAX);
	assert_true(gw_hdr_quantile(a, 1.0) == UINT64_MAX);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_merge_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
