/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/proxy tracing: each request gets a span of its own. Its trace
 * context comes from the request (W3C traceparent first, then B3 as
 * x-b3-* fields, then B3's single b3 field), or is new: a random 128-bit
 * trace id, sampled with the configured percentage. The upstream request
 * carries it on in both encodings, with this hop's span id as the parent:
 * traceparent (tracestate passes as it came) and x-b3-traceid, -spanid,
 * -parentspanid and -sampled (a single b3 field is replaced by them).
 * Worker thread; no allocation.
 */
#include <string.h>
#include <strings.h>

#include "proxy_priv.h"

/* hex digits to a number; false unless all len of them are hex */
static bool
hex_parse(const char *s, size_t len, uint64_t *out)
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
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static void
hex_fmt(char *d, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";

	while (digits-- > 0) {
		d[digits] = hex[v & 0xf];
		v >>= 4;
	}
}

/* A trace id of 16 or 32 hex digits, not all zero. */
static bool
trace_id_parse(const char *s, size_t len, uint64_t *hi, uint64_t *lo)
{
	if (len == 32)
		return hex_parse(s, 16, hi) && hex_parse(s + 16, 16, lo) &&
		       (*hi | *lo) != 0;
	*hi = 0;
	return len == 16 && hex_parse(s, 16, lo) && *lo != 0;
}

/* The context a request brings. */
struct trace_in {
	uint64_t hi, lo;	/* trace id; both 0: none */
	uint64_t parent;	/* the caller's span */
	int sampled;		/* 1, 0, or -1: no decision */
};

static const struct gw_http_hdr *
field(const struct gw_http_msg *m, const uint8_t *h, const char *name,
      size_t len)
{
	int i = gw_http_msg_find(m, h, name, len, 0);

	return i >= 0 ? &m->hdrs[i] : NULL;
}

#define VAL(h, x) ((const char *)(h) + (x)->value_off)

/* traceparent: version-traceid-parentid-flags, version 00 (a later
 * version is read the same way, as W3C asks, when at least as long). */
static bool
w3c_parse(const char *v, size_t len, struct trace_in *t)
{
	uint64_t flags, ver;

	if (len < 55 || (len > 55 && v[55] != '-') || v[2] != '-' ||
	    v[35] != '-' || v[52] != '-' || !hex_parse(v, 2, &ver) ||
	    ver == 0xff || (ver == 0 && len != 55) ||
	    !trace_id_parse(v + 3, 32, &t->hi, &t->lo) ||
	    !hex_parse(v + 36, 16, &t->parent) || t->parent == 0 ||
	    !hex_parse(v + 53, 2, &flags))
		return false;
	t->sampled = (int)(flags & 1);
	return true;
}

static int
b3_sampled(const char *v, size_t len)
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

/* b3: {traceid}-{spanid}[-{sampled}[-{parentspanid}]], or a lone
 * sampling decision (1, 0, d). */
static bool
b3_single_parse(const char *v, size_t len, struct trace_in *t)
{
	const char *d1, *d2;
	size_t rest;

	if (len == 1) {
		t->sampled = b3_sampled(v, 1);
		return false;	/* a decision, no context */
	}
	d1 = memchr(v, '-', len);
	if (d1 == NULL || !trace_id_parse(v, (size_t)(d1 - v), &t->hi, &t->lo))
		return false;
	rest = len - (size_t)(d1 + 1 - v);
	d2 = memchr(d1 + 1, '-', rest);
	if (!hex_parse(d1 + 1, d2 != NULL ? (size_t)(d2 - d1 - 1) : rest,
		       &t->parent) || t->parent == 0)
		return false;
	if (d2 != NULL) {
		const char *d3 = memchr(d2 + 1, '-',
					len - (size_t)(d2 + 1 - v));
		size_t sl = d3 != NULL ? (size_t)(d3 - d2 - 1) :
			    len - (size_t)(d2 + 1 - v);

		t->sampled = b3_sampled(d2 + 1, sl);
	}
	return true;
}

static void
trace_read(const struct gw_http_msg *m, const uint8_t *h, struct trace_in *t)
{
	const struct gw_http_hdr *x, *y;

	memset(t, 0, sizeof(*t));
	t->sampled = -1;
	x = field(m, h, "traceparent", 11);
	if (x != NULL && w3c_parse(VAL(h, x), x->value_len, t))
		return;
	memset(t, 0, sizeof(*t));
	t->sampled = -1;
	x = field(m, h, "x-b3-traceid", 12);
	y = field(m, h, "x-b3-spanid", 11);
	if (x != NULL && y != NULL &&
	    trace_id_parse(VAL(h, x), x->value_len, &t->hi, &t->lo) &&
	    hex_parse(VAL(h, y), y->value_len, &t->parent) && t->parent != 0) {
		x = field(m, h, "x-b3-sampled", 12);
		if (x != NULL)
			t->sampled = b3_sampled(VAL(h, x), x->value_len);
		x = field(m, h, "x-b3-flags", 10);
		if (x != NULL && x->value_len == 1 && VAL(h, x)[0] == '1')
			t->sampled = 1;	/* debug */
		return;
	}
	memset(t, 0, sizeof(*t));
	t->sampled = -1;
	x = field(m, h, "b3", 2);
	if (x != NULL && b3_single_parse(VAL(h, x), x->value_len, t))
		return;
	/* no context (a lone b3 sampling decision may stay) */
	t->hi = t->lo = t->parent = 0;
}

static uint64_t
nonzero_rand(struct gw_proxy_wrk *pw)
{
	uint64_t v;

	do
		v = proxy_rand(pw);
	while (v == 0);
	return v;
}

void
proxy_trace_begin(struct proxy_sess *s, const struct gw_http_msg *m,
		  const uint8_t *h)
{
	struct gw_proxy_wrk *pw = s->pw;
	struct proxy_obs *o = &s->ob;
	struct trace_in t;
	bool sampled;

	trace_read(m, h, &t);
	if ((t.hi | t.lo) == 0) {
		t.hi = nonzero_rand(pw);
		t.lo = nonzero_rand(pw);
		t.parent = 0;
	}
	sampled = t.sampled >= 0 ? t.sampled == 1 :
		  (uint32_t)(proxy_rand(pw) % 1000000u) < pw->sampling_ppm;
	o->trace_hi = t.hi;
	o->trace_lo = t.lo;
	o->parent = t.parent;
	o->span = nonzero_rand(pw);
	o->trace = sampled ? GW_ALOG_TRACE_SAMPLED : GW_ALOG_TRACE_UNSAMPLED;
}

unsigned int
proxy_trace_edits(const struct proxy_sess *s, struct gw_http_edit *e,
		  unsigned int n, unsigned int max, struct proxy_trace_buf *tb)
{
	const struct proxy_obs *o = &s->ob;
	bool sampled = o->trace == GW_ALOG_TRACE_SAMPLED;
	int tl;

	if (o->trace == GW_ALOG_TRACE_NONE || n + PROXY_TRACE_EDITS > max)
		return n;
	/* traceparent: 00-<32 hex>-<16 hex>-<2 hex> */
	memcpy(tb->traceparent, "00-", 3);
	hex_fmt(tb->traceparent + 3, o->trace_hi, 16);
	hex_fmt(tb->traceparent + 19, o->trace_lo, 16);
	tb->traceparent[35] = '-';
	hex_fmt(tb->traceparent + 36, o->span, 16);
	memcpy(tb->traceparent + 52, sampled ? "-01" : "-00", 3);
	e[n++] = (struct gw_http_edit){ "traceparent", tb->traceparent, 55, 11,
					GW_HTTP_EDIT_SET };
	/* B3: a 64-bit id stays 64-bit */
	if (o->trace_hi != 0) {
		hex_fmt(tb->trace_id, o->trace_hi, 16);
		hex_fmt(tb->trace_id + 16, o->trace_lo, 16);
		tl = 32;
	} else {
		hex_fmt(tb->trace_id, o->trace_lo, 16);
		tl = 16;
	}
	e[n++] = (struct gw_http_edit){ "x-b3-traceid", tb->trace_id,
					(uint32_t)tl, 12, GW_HTTP_EDIT_SET };
	hex_fmt(tb->span_id, o->span, 16);
	e[n++] = (struct gw_http_edit){ "x-b3-spanid", tb->span_id, 16, 11,
					GW_HTTP_EDIT_SET };
	if (o->parent != 0) {
		hex_fmt(tb->parent_id, o->parent, 16);
		e[n++] = (struct gw_http_edit){ "x-b3-parentspanid",
			tb->parent_id, 16, 17, GW_HTTP_EDIT_SET };
	} else {
		e[n++] = (struct gw_http_edit){ "x-b3-parentspanid", NULL, 0,
						17, GW_HTTP_EDIT_REMOVE };
	}
	e[n++] = (struct gw_http_edit){ "x-b3-sampled", sampled ? "1" : "0",
					1, 12, GW_HTTP_EDIT_SET };
	e[n++] = (struct gw_http_edit){ "b3", NULL, 0, 2, GW_HTTP_EDIT_REMOVE };
	return n;
}
