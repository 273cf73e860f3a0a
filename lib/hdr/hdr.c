/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hdr — bucket arithmetic and quantiles of struct gw_hdr.
 */
#include <string.h>

#include "gw_hdr.h"

void
gw_hdr_reset(struct gw_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
gw_hdr_bucket_range(unsigned i, uint64_t *lo, uint64_t *hi)
{
	unsigned shift;
	uint64_t sub;

	if (i < 2 * GW_HDR_SUB) {
		*lo = *hi = i;
		return;
	}
	shift = (i - 2 * GW_HDR_SUB) / GW_HDR_SUB + 1;
	sub = (i - 2 * GW_HDR_SUB) % GW_HDR_SUB + GW_HDR_SUB;
	*lo = sub << shift;
	*hi = *lo + ((1ull << shift) - 1);
}

void
gw_hdr_merge(struct gw_hdr *dst, const struct gw_hdr *src)
{
	unsigned i;

	if (src->count == 0)
		return;
	for (i = 0; i < GW_HDR_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
gw_hdr_quantile(const struct gw_hdr *h, double q)
{
	uint64_t rank, seen = 0, lo, hi;
	unsigned i;

	if (h->count == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++; /* ceil */
	if (rank == 0)
		rank = 1;
	for (i = 0; i < GW_HDR_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	if (i == GW_HDR_BUCKETS)
		return h->max;
	gw_hdr_bucket_range(i, &lo, &hi);
	if (hi > h->max)
		hi = h->max;
	if (hi < h->min)
		hi = h->min;
	return hi;
}

double
gw_hdr_mean(const struct gw_hdr *h)
{
	return h->count == 0 ? 0.0 : (double)h->sum / (double)h->count;
}
