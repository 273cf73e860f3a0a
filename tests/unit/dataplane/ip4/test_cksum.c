/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of gw_cksum.h against DPDK's 16-bit reference sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_ip.h>

#include "gw_cksum.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* Every length 0..300 at every alignment 0..7, random bytes and all-0xff
 * (the carry-heavy case), and large buffers: the same folded sum. */
static void
test_against_reference(void **state)
{
	static uint8_t buf[70000 + 8];
	size_t len, al, i;
	unsigned fill;

	(void)state;
	for (fill = 0; fill < 2; fill++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = fill ? 0xff : (uint8_t)rnd();
		for (len = 0; len <= 300; len++)
			for (al = 0; al < 8; al++)
				assert_int_equal(
					gw_cksum_fold(gw_cksum_add(buf + al, len, 0)),
					__rte_raw_cksum_reduce(
						__rte_raw_cksum(buf + al, len, 0)));
		for (len = 65000; len < 65536 + 9; len += 131)
			assert_int_equal(gw_cksum_fold(gw_cksum_add(buf + 3, len, 0)),
					 __rte_raw_cksum_reduce(
						 __rte_raw_cksum(buf + 3, len, 0)));
	}
}

/* Sums chain: two pieces split at an even offset equal the whole. */
static void
test_chained(void **state)
{
	uint8_t buf[1500];
	size_t i, cut;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd();
	for (cut = 0; cut <= sizeof(buf); cut += 2)
		assert_int_equal(
			gw_cksum_fold(gw_cksum_add(buf + cut, sizeof(buf) - cut,
						   gw_cksum_add(buf, cut, 0))),
			gw_cksum_fold(gw_cksum_add(buf, sizeof(buf), 0)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_chained),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
