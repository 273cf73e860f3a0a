/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gw_cksum — the Internet checksum (RFC 1071) sixteen bytes per step.
 * DPDK 22.11's __rte_raw_cksum() adds 16 bits per step; here two 64-bit
 * loads per iteration are split into 32-bit halves added into 64-bit
 * accumulators (no carry is lost before 2^32 steps). The sum is in
 * memory order, as DPDK's: fold it and store it without a byte swap.
 */
#ifndef GW_CKSUM_H
#define GW_CKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Add the bytes of buf to sum (unfolded; chain calls at even offsets). */
static inline uint64_t
gw_cksum_add(const void *buf, size_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	uint64_t a = 0, b = 0, w0, w1;

	for (; len >= 16; len -= 16, p += 16) {
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		a += (w0 & 0xffffffffu) + (w1 & 0xffffffffu);
		b += (w0 >> 32) + (w1 >> 32);
	}
	if (len >= 8) {
		memcpy(&w0, p, 8);
		a += w0 & 0xffffffffu;
		b += w0 >> 32;
		len -= 8;
		p += 8;
	}
	/* the tail at even offsets: 16-bit words keep their lanes */
	if (len >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		a += w;
		len -= 4;
		p += 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		a += w;
		len -= 2;
		p += 2;
	}
	if (len > 0) { /* the first byte of a zero-padded 16-bit word */
		uint16_t w = 0;

		memcpy(&w, p, 1);
		a += w;
	}
	return sum + a + b;
}

/** Fold a sum to 16 bits (not complemented). */
static inline uint16_t
gw_cksum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

#endif /* GW_CKSUM_H */
