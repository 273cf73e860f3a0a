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

#include "gw_trace.h"
#include "proxy_priv.h"

static const struct gw_http_hdr *
field(const struct gw_http_msg *m, const uint8_t *h, const char *name,
      size_t len)
{
	int i = gw_http_msg_find(m, h, name, len, 0);

	return i >= 0 ? &m->hdrs[i] : NULL;
}

#define VAL(h, x) ((const char *)(h) + (x)->value_off)

/* The context a request brings (lib/trace), W3C first; t->hi and t->lo
 * zero when none (a lone b3 sampling decision may remain). */
static void
trace_read(const struct gw_http_msg *m, const uint8_t *h,
	   struct gw_trace_ctx *t)
{
	const struct gw_http_hdr *x, *y;
	int sampled;

	x = field(m, h, "traceparent", 11);
	if (x != NULL && gw_trace_w3c_parse(VAL(h, x), x->value_len, t))
		return;
	x = field(m, h, "x-b3-traceid", 12);
	y = field(m, h, "x-b3-spanid", 11);
	if (x != NULL && y != NULL &&
	    gw_trace_b3_parse(VAL(h, x), x->value_len, VAL(h, y),
			      y->value_len, t)) {
		x = field(m, h, "x-b3-sampled", 12);
		if (x != NULL)
			t->sampled = gw_trace_b3_sampled(VAL(h, x),
							 x->value_len);
		x = field(m, h, "x-b3-flags", 10);
		if (x != NULL && x->value_len == 1 && VAL(h, x)[0] == '1')
			t->sampled = 1;	/* debug */
		return;
	}
	x = field(m, h, "b3", 2);
	if (x != NULL && gw_trace_b3_single_parse(VAL(h, x), x->value_len, t))
		return;
	sampled = t->sampled;
	memset(t, 0, sizeof(*t));
	t->sampled = x != NULL ? sampled : -1;
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
	struct gw_trace_ctx t;
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
	struct gw_trace_ctx ctx = { 0, 0, 0, -1 };
	int tl;

	if (o->trace == GW_ALOG_TRACE_NONE || n + PROXY_TRACE_EDITS > max)
		return n;
	ctx.hi = o->trace_hi;
	ctx.lo = o->trace_lo;
	gw_trace_w3c_format(tb->traceparent, &ctx, o->span, sampled);
	e[n++] = (struct gw_http_edit){ "traceparent", tb->traceparent,
					GW_TRACE_W3C_LEN, 11,
					GW_HTTP_EDIT_SET };
	/* B3: a 64-bit id stays 64-bit */
	if (o->trace_hi != 0) {
		gw_trace_hex(tb->trace_id, o->trace_hi, 16);
		gw_trace_hex(tb->trace_id + 16, o->trace_lo, 16);
		tl = 32;
	} else {
		gw_trace_hex(tb->trace_id, o->trace_lo, 16);
		tl = 16;
	}
	e[n++] = (struct gw_http_edit){ "x-b3-traceid", tb->trace_id,
					(uint32_t)tl, 12, GW_HTTP_EDIT_SET };
	gw_trace_hex(tb->span_id, o->span, 16);
	e[n++] = (struct gw_http_edit){ "x-b3-spanid", tb->span_id, 16, 11,
					GW_HTTP_EDIT_SET };
	if (o->parent != 0) {
		gw_trace_hex(tb->parent_id, o->parent, 16);
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
