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
	buf_puts(b, type == GW_METRICS_COUNTER ? " counter\n" : " gauge\n");
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
