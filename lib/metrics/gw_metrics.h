/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/metrics — Prometheus text exposition (format 0.0.4): metric families
 * with HELP/TYPE lines and labelled samples, escaped as the format asks.
 * Used by ctrl to render /stats/prometheus from counters it summed.
 * Control thread only (allocates); never on a worker's path.
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum gw_metrics_type {
	GW_METRICS_COUNTER,
	GW_METRICS_GAUGE,
};

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

#endif /* GW_METRICS_H */
