/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/hdr — a latency histogram in the spirit of HdrHistogram: buckets
 * that are linear below 128 and log-linear above (64 sub-buckets per
 * power of two), so any 64-bit value is kept with a relative error below
 * 1/64 (1.6 %) in a fixed 30 KiB table. Recording is one count++ at an
 * index computed with a bit scan; no allocation, no floating point.
 *
 * One writer per histogram (a load generator's worker); readers merge
 * copies after the writer stopped. Values are whatever unit the caller
 * picks (the load generator records nanoseconds).
 */
#ifndef GW_HDR_H
#define GW_HDR_H

#include <stdint.h>

#define GW_HDR_SUB_BITS 6 /* 64 sub-buckets per power of two */
#define GW_HDR_SUB (1u << GW_HDR_SUB_BITS)
/* values 0..127 exact; then 57 powers of two of GW_HDR_SUB buckets */
#define GW_HDR_BUCKETS (2 * GW_HDR_SUB + (64 - GW_HDR_SUB_BITS - 1) * GW_HDR_SUB)

struct gw_hdr {
	uint64_t count; /* values recorded */
	uint64_t min;	/* UINT64_MAX while empty */
	uint64_t max;
	uint64_t sum;	/* wraps after 2^64; the mean is advisory */
	uint64_t b[GW_HDR_BUCKETS];
};

/** Empty h. */
void gw_hdr_reset(struct gw_hdr *h);

/** Bucket index of v. */
static inline unsigned
gw_hdr_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < 2 * GW_HDR_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - GW_HDR_SUB_BITS; /* v >> shift is in [64, 128) */
	return 2 * GW_HDR_SUB + (shift - 1) * GW_HDR_SUB +
	       (unsigned)((v >> shift) - GW_HDR_SUB);
}

/** Record one value. */
static inline void
gw_hdr_record(struct gw_hdr *h, uint64_t v)
{
	h->b[gw_hdr_index(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/** Lowest and highest value that fall in bucket i (inclusive). */
void gw_hdr_bucket_range(unsigned i, uint64_t *lo, uint64_t *hi);

/** Add src's counts to dst. */
void gw_hdr_merge(struct gw_hdr *dst, const struct gw_hdr *src);

/**
 * The value at quantile q (0..1): the highest value of the bucket that
 * holds the ceil(q * count)-th smallest recorded value, clamped to
 * [min, max], so it is never below the true quantile and at most 1.6 %
 * above it. 0 for an empty histogram.
 */
uint64_t gw_hdr_quantile(const struct gw_hdr *h, double q);

/** Mean of the recorded values (0 when empty). */
double gw_hdr_mean(const struct gw_hdr *h);

#endif /* GW_HDR_H */
