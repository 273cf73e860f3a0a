/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/tcp — sequence-number and timestamp arithmetic modulo 2^32
 * (RFC 9293 §3.4, RFC 1982 serial numbers, RFC 7323 §5.3 PAWS).
 * Header-only, pure C11 (no DPDK), usable from any thread.
 *
 * a is "before" b when the unsigned distance b - a, taken modulo 2^32, is
 * in 1 .. 2^31 - 1: the sign of the 32-bit difference, as Linux's before()
 * and after(). Two values exactly 2^31 apart are not ordered by RFC 1982
 * §3.2; here each is "less than" the other (as in Linux), so callers must
 * keep windows below 2^31, which TCP guarantees (RFC 7323 §2.3 caps the
 * window at 2^30).
 */
#ifndef GW_TCP_SEQ_H
#define GW_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/* Sign bit of the 32-bit difference, without the implementation-defined
 * conversion of an out-of-range value to int32_t. */
static inline bool
gw_tcp_seq_diff_neg(uint32_t a, uint32_t b)
{
	return ((uint32_t)(a - b) & UINT32_C(0x80000000)) != 0;
}

/** @return true if sequence number a is before b (a < b modulo 2^32). */
static inline bool
gw_tcp_seq_lt(uint32_t a, uint32_t b)
{
	return gw_tcp_seq_diff_neg(a, b);
}

/** @return true if a is before or equal to b. */
static inline bool
gw_tcp_seq_leq(uint32_t a, uint32_t b)
{
	return a == b || gw_tcp_seq_diff_neg(a, b);
}

/** @return true if a is after b. */
static inline bool
gw_tcp_seq_gt(uint32_t a, uint32_t b)
{
	return gw_tcp_seq_lt(b, a);
}

/** @return true if a is after or equal to b. */
static inline bool
gw_tcp_seq_geq(uint32_t a, uint32_t b)
{
	return gw_tcp_seq_leq(b, a);
}

/**
 * Window membership, wrap-safe: left <= seq < left + len (modulo 2^32).
 *
 * @param seq   Sequence number to test.
 * @param left  First sequence number in the window.
 * @param len   Window length in sequence numbers (bytes); 0 = empty window.
 * @return true if seq lies in the window.
 */
static inline bool
gw_tcp_seq_in_window(uint32_t seq, uint32_t left, uint32_t len)
{
	return (uint32_t)(seq - left) < len;
}

/** @return the later of a and b (a when they are 2^31 apart). */
static inline uint32_t
gw_tcp_seq_max(uint32_t a, uint32_t b)
{
	return gw_tcp_seq_gt(a, b) ? a : b;
}

/** @return the earlier of a and b (a when they are 2^31 apart). */
static inline uint32_t
gw_tcp_seq_min(uint32_t a, uint32_t b)
{
	return gw_tcp_seq_lt(a, b) ? a : b;
}

/*
 * TCP timestamps (RFC 7323): TSval is a 32-bit clock compared the same way
 * (§5.3: "timestamp values are to be treated as 32-bit unsigned
 * integers ... compared using modulo 2^31 arithmetic"); PAWS rejects a
 * segment whose TSval is gw_tcp_ts_lt(TSval, TS.Recent).
 */

/** @return true if timestamp a is older than b. */
static inline bool
gw_tcp_ts_lt(uint32_t a, uint32_t b)
{
	return gw_tcp_seq_diff_neg(a, b);
}

/** @return true if timestamp a is older than or equal to b. */
static inline bool
gw_tcp_ts_leq(uint32_t a, uint32_t b)
{
	return a == b || gw_tcp_seq_diff_neg(a, b);
}

/** @return true if timestamp a is newer than b. */
static inline bool
gw_tcp_ts_gt(uint32_t a, uint32_t b)
{
	return gw_tcp_ts_lt(b, a);
}

/** @return true if timestamp a is newer than or equal to b. */
static inline bool
gw_tcp_ts_geq(uint32_t a, uint32_t b)
{
	return gw_tcp_ts_leq(b, a);
}

/** @return the newer of timestamps a and b. */
static inline uint32_t
gw_tcp_ts_max(uint32_t a, uint32_t b)
{
	return gw_tcp_ts_gt(a, b) ? a : b;
}

/** @return the older of timestamps a and b. */
static inline uint32_t
gw_tcp_ts_min(uint32_t a, uint32_t b)
{
	return gw_tcp_ts_lt(a, b) ? a : b;
}

#endif /* GW_TCP_SEQ_H */
