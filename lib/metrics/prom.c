/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prom — Prometheus text format writer. Escaping rules: HELP text escapes
 * backslash and newline; label values escape backslash, double quote and
 * newline.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_metrics.h"

#define BUF_INITIAL 4096

void
gw_metrics_buf_init(struct gw_metrics_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
gw_metrics_buf_fini(struct gw_metrics_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int
buf_reserve(struct gw_metrics_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : BUF_INITIAL;
	char *d;

	if (b->len + more + 1 <= b->cap)
		return 0;
	while (cap < b->len + more + 1) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	d = realloc(b->data, cap);
	if (d == NULL)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

static void
buf_put(struct gw_metrics_buf *b, const char *s, size_t n)
{
	if (b->err != 0)
		return;
	b->err = buf_reserve(b, n);
	if (b->err != 0)
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
buf_puts(struct gw_metrics_buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* Escape `s`; quotes too when `quote`. */
static void
buf_put_escaped(struct gw_metrics_buf *b, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_put(b, "\\\\", 2);
		else if (*s == '\n')
			buf_put(b, "\\n", 2);
		else if (quote && *s == '"')
			buf_put(b, "\\\"", 2);
		else
			buf_put(b, s, 1);
	}
}

static bool
name_valid(const char *s, bool colon_ok)
{
	const char *p;

	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return false;
	for (p = s; *p != '\0'; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' ||
		      (colon_ok && c == ':')))
			return false;
	}
	return true;
}

static int
fail(struct gw_metrics_buf *b, int err)
{
	if (b->err == 0)
		b->err = err;
	return b->err;
}

int
gw_metrics_family(struct gw_metrics_buf *b, const char *name,
		  enum gw_metrics_type type, const char *help)
{
	if (b->err != 0)
		return b->err;
	if (!name_valid(name, true))
		return fail(b, -EINVAL);
	buf_puts(b, "# HELP ");
	buf_puts(b, name);
	buf_puts(b, " ");
	buf_put_escaped(b, help != NULL ? help : "", false);
	buf_puts(b, "\n# TYPE ");
	buf_puts(b, name);
	buf_puts(b, type == GW_METRICS_COUNTER ? " counter\n" :
		    type == GW_METRICS_GAUGE ? " gauge\n" : " histogram\n");
	return b->err;
}

static int
sample_head(struct gw_metrics_buf *b, const char *name,
	    const char *const *labels)
{
	size_t i;

	if (b->err != 0)
		return b->err;
	if (!name_valid(name, true))
		return fail(b, -EINVAL);
	for (i = 0; labels != NULL && labels[i] != NULL; i += 2)
		if (!name_valid(labels[i], false) || labels[i + 1] == NULL)
			return fail(b, -EINVAL);
	buf_puts(b, name);
	if (labels != NULL && labels[0] != NULL) {
		buf_puts(b, "{");
		for (i = 0; labels[i] != NULL; i += 2) {
			if (i > 0)
				buf_puts(b, ",");
			buf_puts(b, labels[i]);
			buf_puts(b, "=\"");
			buf_put_escaped(b, labels[i + 1], true);
			buf_puts(b, "\"");
		}
		buf_puts(b, "}");
	}
	return b->err;
}

int
gw_metrics_sample_u64(struct gw_metrics_buf *b, const char *name,
		      const char *const *labels, uint64_t value)
{
	char num[32];

	if (sample_head(b, name, labels) != 0)
		return b->err;
	snprintf(num, sizeof(num), " %" PRIu64 "\n", value);
	buf_puts(b, num);
	return b->err;
}

int
gw_metrics_sample_double(struct gw_metrics_buf *b, const char *name,
			 const char *const *labels, double value)
{
	char num[64];

	if (sample_head(b, name, labels) != 0)
		return b->err;
	if (isnan(value))
		snprintf(num, sizeof(num), " NaN\n");
	else if (isinf(value))
		snprintf(num, sizeof(num), " %sInf\n", value > 0 ? "+" : "-");
	else
		snprintf(num, sizeof(num), " %.17g\n", value);
	buf_puts(b, num);
	return b->err;
}

const double gw_metrics_envoy_bounds[GW_METRICS_ENVOY_BUCKETS] = {
	0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000,
	60000, 300000, 600000, 1800000, 3600000,
};

const uint64_t gw_metrics_envoy_bounds_x2[GW_METRICS_ENVOY_BUCKETS] = {
	1, 2, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000,
	60000, 120000, 600000, 1200000, 3600000, 7200000,
};

/* Labels and le="bound" (the bound in Prometheus' float syntax). */
#define HIST_LABELS_MAX 64

int
gw_metrics_histogram(struct gw_metrics_buf *b, const char *name,
		     const char *const *labels, const double *le, unsigned n,
		     const uint64_t *counts, double sum)
{
	const char *l[HIST_LABELS_MAX + 3];
	char bname[256], bound[32];
	size_t nl = 0, len = strlen(name);
	uint64_t cum = 0;
	unsigned i;

	if (b->err != 0)
		return b->err;
	if (len + sizeof("_bucket") > sizeof(bname) || !name_valid(name, true))
		return fail(b, -EINVAL);
	for (; labels != NULL && labels[nl] != NULL; nl += 2) {
		if (nl >= HIST_LABELS_MAX || strcmp(labels[nl], "le") == 0)
			return fail(b, -EINVAL);
		l[nl] = labels[nl];
		l[nl + 1] = labels[nl + 1];
	}
	l[nl] = "le";
	l[nl + 1] = bound;
	l[nl + 2] = NULL;
	snprintf(bname, sizeof(bname), "%s_bucket", name);
	for (i = 0; i <= n; i++) {
		cum += counts[i];
		if (i < n)
			snprintf(bound, sizeof(bound), "%.17g", le[i]);
		else
			snprintf(bound, sizeof(bound), "+Inf");
		gw_metrics_sample_u64(b, bname, l, cum);
	}
	l[nl] = NULL;
	snprintf(bname, sizeof(bname), "%s_sum", name);
	gw_metrics_sample_double(b, bname, l, sum);
	snprintf(bname, sizeof(bname), "%s_count", name);
	gw_metrics_sample_u64(b, bname, l, cum);
	return b->err;
}
