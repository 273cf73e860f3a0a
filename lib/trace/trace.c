/* SPDX-License-Identifier: Apache-2.0 */
/* trace — W3C traceparent and B3 parsing and formatting (gw_trace.h). */
#include <string.h>
#include <strings.h>

#include "gw_trace.h"

/* 1..16 hex digits to a number; false unless all len of them are hex
 * (lower case only when lc: W3C's HEXDIGLC) */
static bool
hex_parse_case(const char *s, size_t len, bool lc, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 16)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (!lc && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* A trace id of 16 or 32 hex digits, not all zero. */
static bool
trace_id_parse(const char *s, size_t len, bool lc, uint64_t *hi,
	       uint64_t *lo)
{
	if (len == 32)
		return hex_parse_case(s, 16, lc, hi) &&
		       hex_parse_case(s + 16, 16, lc, lo) && (*hi | *lo) != 0;
	*hi = 0;
	return len == 16 && hex_parse_case(s, 16, lc, lo) && *lo != 0;
}

/* A span id: exactly 16 hex digits, not all zero. */
static bool
span_id_parse(const char *s, size_t len, bool lc, uint64_t *out)
{
	return len == 16 && hex_parse_case(s, 16, lc, out) && *out != 0;
}

static void
ctx_clear(struct gw_trace_ctx *t)
{
	memset(t, 0, sizeof(*t));
	t->sampled = -1;
}

bool
gw_trace_w3c_parse(const char *v, size_t len, struct gw_trace_ctx *t)
{
	uint64_t flags, ver;

	ctx_clear(t);
	if (len < GW_TRACE_W3C_LEN ||
	    (len > GW_TRACE_W3C_LEN && v[GW_TRACE_W3C_LEN] != '-') ||
	    v[2] != '-' || v[35] != '-' || v[52] != '-' ||
	    !hex_parse_case(v, 2, true, &ver) || ver == 0xff ||
	    (ver == 0 && len != GW_TRACE_W3C_LEN) ||
	    !trace_id_parse(v + 3, 32, true, &t->hi, &t->lo) ||
	    !span_id_parse(v + 36, 16, true, &t->parent) ||
	    !hex_parse_case(v + 53, 2, true, &flags)) {
		ctx_clear(t);
		return false;
	}
	t->sampled = (int)(flags & 1);
	return true;
}

bool
gw_trace_b3_parse(const char *trace_id, size_t tl, const char *span_id,
		  size_t sl, struct gw_trace_ctx *t)
{
	ctx_clear(t);
	if (!trace_id_parse(trace_id, tl, false, &t->hi, &t->lo) ||
	    !span_id_parse(span_id, sl, false, &t->parent)) {
		ctx_clear(t);
		return false;
	}
	return true;
}

int
gw_trace_b3_sampled(const char *v, size_t len)
{
	if (len == 1 && (v[0] == '1' || v[0] == 'd'))
		return 1;
	if (len == 1 && v[0] == '0')
		return 0;
	if (len == 4 && strncasecmp(v, "true", 4) == 0)
		return 1;
	if (len == 5 && strncasecmp(v, "false", 5) == 0)
		return 0;
	return -1;
}

bool
gw_trace_b3_single_parse(const char *v, size_t len, struct gw_trace_ctx *t)
{
	const char *d1, *d2, *d3, *end = v + len;

	ctx_clear(t);
	if (len == 1) {
		t->sampled = gw_trace_b3_sampled(v, 1);
		return false;	/* a decision, no context */
	}
	d1 = memchr(v, '-', len);
	if (d1 == NULL)
		return false;
	d2 = memchr(d1 + 1, '-', (size_t)(end - d1 - 1));
	if (!gw_trace_b3_parse(v, (size_t)(d1 - v), d1 + 1,
			       (size_t)((d2 != NULL ? d2 : end) - d1 - 1), t))
		return false;
	if (d2 != NULL) {
		uint64_t parent;

		d3 = memchr(d2 + 1, '-', (size_t)(end - d2 - 1));
		t->sampled = gw_trace_b3_sampled(d2 + 1,
			(size_t)((d3 != NULL ? d3 : end) - d2 - 1));
		/* the sampling field is required to be valid, and so is a
		 * parent id when one follows */
		if (t->sampled < 0 ||
		    (d3 != NULL && !span_id_parse(d3 + 1,
						  (size_t)(end - d3 - 1),
						  false, &parent))) {
			ctx_clear(t);
			return false;
		}
	}
	return true;
}

void
gw_trace_w3c_format(char *out, const struct gw_trace_ctx *t, uint64_t span,
		    bool sampled)
{
	memcpy(out, "00-", 3);
	gw_trace_hex(out + 3, t->hi, 16);
	gw_trace_hex(out + 19, t->lo, 16);
	out[35] = '-';
	gw_trace_hex(out + 36, span, 16);
	memcpy(out + 52, sampled ? "-01" : "-00", 3);
}
