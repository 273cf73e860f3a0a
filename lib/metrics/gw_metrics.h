/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/metrics — Prometheus text exposition (format 0.0.4): metric families
 * with HELP/TYPE lines and labelled samples, escaped as the format asks,
 * and histograms: Envoy's default bucket bounds and the bucket a value
 * falls in (gw_metrics_bucket(), inline, the one part a worker calls),
 * rendered as _bucket/_sum/_count series. Used by ctrl to render
 * /stats/prometheus from counters it summed. Everything but
 * gw_metrics_bucket() is control thread only (allocates).
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum gw_metrics_type {
	GW_METRICS_COUNTER,
	GW_METRICS_GAUGE,
	GW_METRICS_HISTOGRAM,
};

/*
 * Envoy's default histogram bounds (what Istio's standard histograms use
 * for durations in ms and sizes in bytes): 0.5, 1, 5, 10, 25, 50, 100, 250,
 * 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
 * 3600000, then +Inf. GW_METRICS_ENVOY_BOUNDS_X2 holds them doubled, as
 * integers, so a worker can bucket half-units (2 * ms, 2 * bytes) without
 * floating point.
 */
#define GW_METRICS_ENVOY_BUCKETS 19
extern const double gw_metrics_envoy_bounds[GW_METRICS_ENVOY_BUCKETS];
extern const uint64_t gw_metrics_envoy_bounds_x2[GW_METRICS_ENVOY_BUCKETS];

/**
 * The bucket of v: the first i with v <= bounds[i], or n (+Inf).
 * @param bounds  n increasing bounds
 */
static inline unsigned
gw_metrics_bucket(const uint64_t *bounds, unsigned n, uint64_t v)
{
	unsigned lo = 0, hi = n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (v <= bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/** A growing text buffer; the first error sticks and later calls no-op. */
struct gw_metrics_buf {
	char *data; /* NUL-terminated once len > 0 */
	size_t len;
	size_t cap;
	int err; /* 0, -ENOMEM or -EINVAL */
};

void gw_metrics_buf_init(struct gw_metrics_buf *b);
/** Free the text; the buffer may be initialised again. */
void gw_metrics_buf_fini(struct gw_metrics_buf *b);

/**
 * Start a family: "# HELP name help" and "# TYPE name type". Samples of
 * the family follow; families must not interleave.
 * @return 0, -EINVAL for a name outside [a-zA-Z_:][a-zA-Z0-9_:]*, -ENOMEM.
 */
int gw_metrics_family(struct gw_metrics_buf *b, const char *name,
		      enum gw_metrics_type type, const char *help);

/**
 * One sample line: name{k1="v1",k2="v2"} value.
 * @param labels  NULL, or an array of key, value strings ending with NULL;
 *   keys must be valid label names, values are escaped.
 * @return 0, -EINVAL (bad metric or label name), -ENOMEM.
 */
int gw_metrics_sample_u64(struct gw_metrics_buf *b, const char *name,
			  const char *const *labels, uint64_t value);
int gw_metrics_sample_double(struct gw_metrics_buf *b, const char *name,
			     const char *const *labels, double value);

/**
 * One histogram of a family of type GW_METRICS_HISTOGRAM: a cumulative
 * name_bucket sample per bound plus le="+Inf", then name_sum and
 * name_count, each with labels and le.
 * @param le      n increasing bounds, as they are rendered
 * @param counts  n + 1 per-bucket counts (not cumulative), the last +Inf
 * @param sum     the sum of the observed values
 * @return 0, -EINVAL (bad metric or label name, or "le" among labels),
 *   -ENOMEM.
 */
int gw_metrics_histogram(struct gw_metrics_buf *b, const char *name,
			 const char *const *labels, const double *le,
			 unsigned n, const uint64_t *counts, double sum);

#endif /* GW_METRICS_H */
