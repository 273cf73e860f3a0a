/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of dataplane/tcp/tcp_seq.h: ordering, windows, min/max for
 * sequence numbers and timestamps around 0, 2^31 and the 2^32 wrap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp_seq.h"

/* Every relation for a strictly before b, both for seq and ts. */
static void
check_before(uint32_t a, uint32_t b)
{
	assert_true(gw_tcp_seq_lt(a, b));
	assert_true(gw_tcp_seq_leq(a, b));
	assert_false(gw_tcp_seq_gt(a, b));
	assert_false(gw_tcp_seq_geq(a, b));
	assert_false(gw_tcp_seq_lt(b, a));
	assert_false(gw_tcp_seq_leq(b, a));
	assert_true(gw_tcp_seq_gt(b, a));
	assert_true(gw_tcp_seq_geq(b, a));
	assert_int_equal(gw_tcp_seq_max(a, b), b);
	assert_int_equal(gw_tcp_seq_max(b, a), b);
	assert_int_equal(gw_tcp_seq_min(a, b), a);
	assert_int_equal(gw_tcp_seq_min(b, a), a);

	assert_true(gw_tcp_ts_lt(a, b));
	assert_true(gw_tcp_ts_leq(a, b));
	assert_false(gw_tcp_ts_gt(a, b));
	assert_false(gw_tcp_ts_geq(a, b));
	assert_false(gw_tcp_ts_lt(b, a));
	assert_false(gw_tcp_ts_leq(b, a));
	assert_true(gw_tcp_ts_gt(b, a));
	assert_true(gw_tcp_ts_geq(b, a));
	assert_int_equal(gw_tcp_ts_max(a, b), b);
	assert_int_equal(gw_tcp_ts_max(b, a), b);
	assert_int_equal(gw_tcp_ts_min(a, b), a);
	assert_int_equal(gw_tcp_ts_min(b, a), a);
}

static void
test_equal(void **state)
{
	static const uint32_t v[] = { 0, 1, 0x7fffffff, 0x80000000,
				      0xffffffff };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_false(gw_tcp_seq_lt(v[i], v[i]));
		assert_true(gw_tcp_seq_leq(v[i], v[i]));
		assert_false(gw_tcp_seq_gt(v[i], v[i]));
		assert_true(gw_tcp_seq_geq(v[i], v[i]));
		assert_int_equal(gw_tcp_seq_max(v[i], v[i]), v[i]);
		assert_false(gw_tcp_ts_lt(v[i], v[i]));
		assert_true(gw_tcp_ts_leq(v[i], v[i]));
		assert_false(gw_tcp_ts_gt(v[i], v[i]));
		assert_true(gw_tcp_ts_geq(v[i], v[i]));
		assert_int_equal(gw_tcp_ts_min(v[i], v[i]), v[i]);
	}
}

static void
test_near_zero(void **state)
{
	(void)state;
	check_before(0, 1);
	check_before(0, 1000);
	check_before(1, 2);
}

/* Across the 2^32 wrap the smaller number can be the later one. */
static void
test_wrap_2_32(void **state)
{
	(void)state;
	check_before(0xffffffff, 0);
	check_before(0xffffffff, 1);
	check_before(0xfffffff0, 0x10);
	check_before(0x80000001, 0);          /* 2^31 - 1 apart */
	check_before(0xffffff00, 0x7ffffeff); /* 2^31 - 1 apart */
}

/* Largest distance still ordered is 2^31 - 1; exactly 2^31 is ambiguous. */
static void
test_around_2_31(void **state)
{
	(void)state;
	check_before(0, 0x7fffffff);
	check_before(0x7fffffff, 0x80000000);
	check_before(0x80000000, 0xffffffff);
	check_before(1, 0x80000000);
	/* 2^31 + 1 apart: the order flips */
	check_before(0x80000001, 0);
	/* exactly 2^31: each is before the other (as Linux's before()) */
	assert_true(gw_tcp_seq_lt(0, 0x80000000));
	assert_true(gw_tcp_seq_lt(0x80000000, 0));
	assert_true(gw_tcp_ts_lt(0, 0x80000000));
	assert_true(gw_tcp_ts_lt(0x80000000, 0));
	assert_int_equal(gw_tcp_seq_max(0, 0x80000000), 0);
	assert_int_equal(gw_tcp_seq_max(0x80000000, 0), 0x80000000);
}

/* Walk a pair a step apart across the whole space. */
static void
test_sweep(void **state)
{
	uint64_t i;
	uint32_t a;

	(void)state;
	for (i = 0; i < (1ull << 32); i += 0x01000193) {
		a = (uint32_t)i;
		check_before(a, a + 1);
		check_before(a, a + 0x7fffffff);
		check_before(a + 0x80000001, a);
	}
}

static void
test_in_window(void **state)
{
	(void)state;
	/* plain */
	assert_true(gw_tcp_seq_in_window(100, 100, 10));
	assert_true(gw_tcp_seq_in_window(109, 100, 10));
	assert_false(gw_tcp_seq_in_window(110, 100, 10));
	assert_false(gw_tcp_seq_in_window(99, 100, 10));
	/* empty window holds nothing */
	assert_false(gw_tcp_seq_in_window(100, 100, 0));
	/* window straddling the 2^32 wrap */
	assert_true(gw_tcp_seq_in_window(0xfffffff0, 0xfffffff0, 0x20));
	assert_true(gw_tcp_seq_in_window(0xffffffff, 0xfffffff0, 0x20));
	assert_true(gw_tcp_seq_in_window(0, 0xfffffff0, 0x20));
	assert_true(gw_tcp_seq_in_window(0xf, 0xfffffff0, 0x20));
	assert_false(gw_tcp_seq_in_window(0x10, 0xfffffff0, 0x20));
	assert_false(gw_tcp_seq_in_window(0xffffffef, 0xfffffff0, 0x20));
	/* window ending exactly at the wrap */
	assert_true(gw_tcp_seq_in_window(0xffffffff, 0xffffff00, 0x100));
	assert_false(gw_tcp_seq_in_window(0, 0xffffff00, 0x100));
	/* largest windows: 2^30 (RFC 7323) and the whole space but one */
	assert_true(gw_tcp_seq_in_window(0x3fffffff + 5, 5, 0x40000000));
	assert_false(gw_tcp_seq_in_window(0x40000000 + 5, 5, 0x40000000));
	assert_true(gw_tcp_seq_in_window(3, 5, 0xffffffff));
	assert_false(gw_tcp_seq_in_window(4, 5, 0xffffffff));
}

/* PAWS (RFC 7323 §5.3): a TSval older than TS.Recent across the wrap. */
static void
test_paws(void **state)
{
	uint32_t ts_recent = 0xfffffffe;

	(void)state;
	assert_false(gw_tcp_ts_lt(3, ts_recent));          /* newer: accept */
	assert_true(gw_tcp_ts_lt(0xfffffff0, ts_recent)); /* older: reject */
	assert_false(gw_tcp_ts_lt(ts_recent, ts_recent)); /* equal: accept */
	assert_int_equal(gw_tcp_ts_max(3, ts_recent), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_near_zero),
		cmocka_unit_test(test_wrap_2_32),
		cmocka_unit_test(test_around_2_31),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_in_window),
		cmocka_unit_test(test_paws),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
