/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/hash/siphash.c: the 64 SipHash-2-4 test vectors of the
 * SipHash paper (appendix A: key 00..0f, messages 00, 00 01, ..., 00..3e),
 * unaligned input, and random keys.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gw_hash.h"

/* Output for the message of length i, the paper's bytes read little-endian. */
static const uint64_t vectors[64] = {
	0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull,
	0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
	0xcf2794e0277187b7ull, 0x18765564cd99a68dull,
	0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,
	0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull,
	0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
	0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull,
	0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,
	0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull,
	0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,
	0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull,
	0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,
	0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull,
	0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,
	0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull,
	0xad87a3535c49ef28ull, 0x32d892fad841c342ull,
	0x7127512f72f27cceull, 0xa7f32346f95978e3ull,
	0x12e0b01abb051238ull, 0x15e034d40fa197aeull,
	0x314dffbe0815a3b4ull, 0x027990f029623981ull,
	0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,
	0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull,
	0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,
	0xf935451de4f21df2ull, 0xa9538f0419755787ull,
	0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,
	0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull,
	0xee64435a9752fe72ull, 0xa192d576b245165aull,
	0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full,
	0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,
	0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull,
	0x60e61c23a3795013ull, 0x6606d7e446282b93ull,
	0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull,
	0xe51b38608ef25f57ull, 0x958a324ceb064572ull,
};

static const struct gw_hash_key paper_key = {
	.k0 = 0x0706050403020100ull,
	.k1 = 0x0f0e0d0c0b0a0908ull,
};

static void
test_paper_vectors(void **state)
{
	uint8_t msg[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		assert_int_equal(gw_hash_siphash24(&paper_key, msg, i), vectors[i]);
}

/* The worked example in the paper's appendix A: 15 bytes 00..0e. */
static void
test_paper_example(void **state)
{
	static const uint8_t msg[15] = { 0, 1, 2, 3, 4, 5, 6, 7,
					 8, 9, 10, 11, 12, 13, 14 };

	(void)state;
	assert_int_equal(gw_hash_siphash24(&paper_key, msg, sizeof(msg)),
			 0xa129ca6149be45e5ull);
}

static void
test_empty_null(void **state)
{
	(void)state;
	assert_int_equal(gw_hash_siphash24(&paper_key, NULL, 0), vectors[0]);
}

/* Same bytes at every alignment give the same tag. */
static void
test_unaligned(void **state)
{
	uint8_t buf[64 + 8];
	size_t off, i, len;

	(void)state;
	for (off = 0; off < 8; off++) {
		memset(buf, 0xa5, sizeof(buf));
		for (i = 0; i < 64; i++)
			buf[off + i] = (uint8_t)i;
		for (len = 0; len < 64; len++)
			assert_int_equal(gw_hash_siphash24(&paper_key, buf + off,
							   len),
					 vectors[len]);
	}
}

/* Every key bit and every message bit changes the tag. */
static void
test_sensitivity(void **state)
{
	uint8_t msg[24] = { 0 };
	struct gw_hash_key k = paper_key;
	uint64_t base = gw_hash_siphash24(&k, msg, sizeof(msg));
	unsigned i;

	(void)state;
	for (i = 0; i < 128; i++) {
		k = paper_key;
		if (i < 64)
			k.k0 ^= 1ull << i;
		else
			k.k1 ^= 1ull << (i - 64);
		assert_true(gw_hash_siphash24(&k, msg, sizeof(msg)) != base);
	}
	for (i = 0; i < sizeof(msg) * 8; i++) {
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_true(gw_hash_siphash24(&paper_key, msg, sizeof(msg)) !=
			    base);
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
}

static void
test_key_random(void **state)
{
	struct gw_hash_key a, b;

	(void)state;
	assert_int_equal(gw_hash_key_random(&a), 0);
	assert_int_equal(gw_hash_key_random(&b), 0);
	/* 2^-128 odds of a false failure */
	assert_true(a.k0 != b.k0 || a.k1 != b.k1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paper_vectors),
		cmocka_unit_test(test_paper_example),
		cmocka_unit_test(test_empty_null),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_sensitivity),
		cmocka_unit_test(test_key_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
