/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SipHash-2-4 and key generation for lib/hash (see gw_hash.h). Written from
 * the SipHash paper's specification; the message is consumed in 8-byte
 * little-endian words, the last word carrying the remaining bytes and the
 * length modulo 256 in its top byte.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>

#include "gw_hash.h"

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound over the four state words. */
#define SIPROUND(v0, v1, v2, v3) \
	do { \
		v0 += v1; \
		v1 = ROTL64(v1, 13); \
		v1 ^= v0; \
		v0 = ROTL64(v0, 32); \
		v2 += v3; \
		v3 = ROTL64(v3, 16); \
		v3 ^= v2; \
		v0 += v3; \
		v3 = ROTL64(v3, 21); \
		v3 ^= v0; \
		v2 += v1; \
		v1 = ROTL64(v1, 17); \
		v1 ^= v2; \
		v2 = ROTL64(v2, 32); \
	} while (0)

/* Byte-wise so that alignment and host endianness do not matter; compilers
 * turn this into one load on little-endian targets. */
static inline uint64_t
load_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	       (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

uint64_t
gw_hash_siphash24(const struct gw_hash_key *key, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t full = len & ~(size_t)7;
	uint64_t v0 = key->k0 ^ 0x736f6d6570736575ull; /* "somepseu" */
	uint64_t v1 = key->k1 ^ 0x646f72616e646f6dull; /* "dorandom" */
	uint64_t v2 = key->k0 ^ 0x6c7967656e657261ull; /* "lygenera" */
	uint64_t v3 = key->k1 ^ 0x7465646279746573ull; /* "tedbytes" */
	uint64_t m, b = (uint64_t)len << 56;
	size_t left = len & 7;
	size_t i;

	/* Indices, not pointer bumps: data may be NULL when len is 0. */
	for (i = 0; i < full; i += 8) {
		m = load_le64(p + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < left; i++)
		b |= (uint64_t)p[full + i] << (8 * i);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;

	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

int
gw_hash_key_random(struct gw_hash_key *key)
{
	uint8_t buf[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(buf)) {
		n = getrandom(buf + got, sizeof(buf) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	key->k0 = load_le64(buf);
	key->k1 = load_le64(buf + 8);
	return 0;
}
