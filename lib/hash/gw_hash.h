/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/hash — keyed hashing: SipHash-2-4 (Aumasson & Bernstein, "SipHash: a
 * fast short-input PRF", 2012) and random key generation.
 * Entry points: gw_hash_siphash24() (any thread, pure function, no
 * allocation: usable per packet), gw_hash_key_random() (a getrandom(2)
 * syscall: init / control thread only).
 * Uses: TCP initial sequence numbers (RFC 6528), SYN cookies, flow table
 * keys that an attacker must not be able to steer into collisions.
 */
#ifndef GW_HASH_H
#define GW_HASH_H

#include <stddef.h>
#include <stdint.h>

/**
 * A 128-bit SipHash key. k0 holds key bytes 0..7 and k1 bytes 8..15, each
 * read little-endian, as in the paper: key bytes 00 01 .. 0f give
 * k0 = 0x0706050403020100, k1 = 0x0f0e0d0c0b0a0908.
 */
struct gw_hash_key {
	uint64_t k0;
	uint64_t k1;
};

/**
 * SipHash-2-4 of a byte string (2 compression rounds, 4 finalization
 * rounds, 64-bit output), identical on little- and big-endian hosts.
 *
 * @param key
 *   The secret key (borrowed for the call).
 * @param data
 *   The message; may be NULL when len is 0. No alignment needed.
 * @param len
 *   Message length in bytes.
 * @return
 *   The 64-bit tag, the paper's output bytes read as a little-endian word.
 */
uint64_t gw_hash_siphash24(const struct gw_hash_key *key, const void *data,
			   size_t len);

/**
 * Fill a key from the kernel's CSPRNG (getrandom(2), blocking only until the
 * pool is initialised at boot). Syscall: not for the packet path.
 *
 * @param key
 *   Key to fill; left unspecified on failure.
 * @return
 *   0, or -errno from getrandom(2) (-ENOSYS on kernels before 3.17).
 */
int gw_hash_key_random(struct gw_hash_key *key);

#endif /* GW_HASH_H */
