/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of dataplane/tcp/tcp_isn.c (RFC 6528): the 4 µs clock, tuple
 * and key separation, wraparound, and the exact formula.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gw_hash.h"
#include "tcp_isn.h"
#include "tcp_seq.h"

static const struct gw_hash_key key = { 0x0123456789abcdefull,
					0xfedcba9876543210ull };

#define LADDR 0x0a000001u /* 10.0.0.1 */
#define RADDR 0xc0a80107u /* 192.168.1.7 */

/* M + F, with F the low 32 bits of SipHash over the big-endian tuple. */
static void
test_formula(void **state)
{
	static const uint8_t t[12] = { 10, 0, 0, 1, 0x01, 0xbb,
				       192, 168, 1, 7, 0xc3, 0x50 };
	uint32_t f = (uint32_t)gw_hash_siphash24(&key, t, sizeof(t));

	(void)state;
	assert_int_equal(gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, 0), f);
	assert_int_equal(gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, 4000),
			 (uint32_t)(f + 1000));
	assert_int_equal(gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, 4003),
			 (uint32_t)(f + 1000));
}

static void
test_tuples_differ(void **state)
{
	uint64_t now = 123456789;
	uint32_t base = gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, now);
	struct gw_hash_key k2 = key;

	(void)state;
	assert_int_not_equal(gw_tcp_isn(&key, LADDR + 1, 443, RADDR, 50000, now),
			     base);
	assert_int_not_equal(gw_tcp_isn(&key, LADDR, 444, RADDR, 50000, now),
			     base);
	assert_int_not_equal(gw_tcp_isn(&key, LADDR, 443, RADDR + 1, 50000, now),
			     base);
	assert_int_not_equal(gw_tcp_isn(&key, LADDR, 443, RADDR, 50001, now),
			     base);
	/* swapped ends are a different connection */
	assert_int_not_equal(gw_tcp_isn(&key, RADDR, 50000, LADDR, 443, now),
			     base);
	k2.k1 ^= 1;
	assert_int_not_equal(gw_tcp_isn(&k2, LADDR, 443, RADDR, 50000, now),
			     base);
}

/* Consecutive source ports must not give related ISNs. */
static void
test_ports_spread(void **state)
{
	uint32_t prev, cur, diff;
	unsigned p, close = 0;

	(void)state;
	prev = gw_tcp_isn(&key, LADDR, 80, RADDR, 1024, 0);
	for (p = 1025; p < 1024 + 10000; p++) {
		cur = gw_tcp_isn(&key, LADDR, 80, RADDR, (uint16_t)p, 0);
		diff = cur - prev;
		if (diff < 0x10000 || diff > 0xffff0000u)
			close++;
		prev = cur;
	}
	/* a random pair is this close with odds 2^-15: expect ~0.3 of 10k */
	assert_true(close <= 3);
}

/* Same tuple: ISN grows by one every 4 µs. */
static void
test_increases_with_time(void **state)
{
	const uint64_t step = 4 * 997; /* 997 ticks */
	uint64_t t;
	uint32_t prev, cur;

	(void)state;
	prev = gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, 0);
	for (t = step; t < 100000000; t += step) {
		cur = gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, t);
		assert_true(gw_tcp_seq_gt(cur, prev));
		assert_int_equal((uint32_t)(cur - prev), 997);
		prev = cur;
	}
	/* sub-tick changes do not move it */
	assert_int_equal(gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, 8),
			 gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, 11));
	assert_int_equal(gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, 12) -
				 gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, 11),
			 1);
}

static void
test_wrap(void **state)
{
	/* M wraps at 2^32 ticks = 2^34 µs (about 4.8 hours) */
	uint64_t wrap_us = (1ull << 32) * GW_TCP_ISN_TICK_US;
	uint32_t f = gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, 0);
	uint32_t a, b;

	(void)state;
	assert_int_equal(gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, wrap_us), f);
	a = gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, wrap_us - 4);
	b = gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, wrap_us + 4);
	assert_int_equal((uint32_t)(b - a), 2);
	assert_true(gw_tcp_seq_gt(b, a));
	/* far-future clocks (uint64 µs) still step by one per tick */
	a = gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, UINT64_MAX - 7);
	b = gw_tcp_isn(&key, LADDR, 443, RADDR, 50000, UINT64_MAX - 3);
	assert_int_equal((uint32_t)(b - a), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formula),
		cmocka_unit_test(test_tuples_differ),
		cmocka_unit_test(test_ports_spread),
		cmocka_unit_test(test_increases_with_time),
		cmocka_unit_test(test_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
