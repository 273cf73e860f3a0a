/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accesslog — records, Envoy format strings and their rendering. A format
 * compiles to a list of pieces (literal text or one operator); rendering
 * walks it with a bounded writer, so a record never writes past the
 * caller's buffer. Control thread (compile, render) and workers
 * (gw_alog_rec_set()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "gw_accesslog.h"

static const char *const flag_names[GW_ALOG_FLAG_MAX] = {
#define FLAG_NAME(n, s, h) s,
	GW_ALOG_FLAGS(FLAG_NAME)
#undef FLAG_NAME
};

static const char *const detail_names[GW_ALOG_D_MAX] = {
#define DETAIL_NAME(n, s) s,
	GW_ALOG_DETAILS(DETAIL_NAME)
#undef DETAIL_NAME
};

size_t
gw_alog_flags_str(uint32_t flags, char *out, size_t cap)
{
	size_t n = 0;
	unsigned i;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	for (i = 0; i < GW_ALOG_FLAG_MAX; i++) {
		size_t l = strlen(flag_names[i]);

		if (!(flags & (1u << i)))
			continue;
		if (n + l + 2 > cap)
			break;
		if (n > 0)
			out[n++] = ',';
		memcpy(out + n, flag_names[i], l);
		n += l;
	}
	if (n == 0 && cap > 1)
		out[n++] = '-';
	out[n] = '\0';
	return n;
}

void
gw_alog_rec_set(struct gw_alog_rec *r, enum gw_alog_str k, const char *s,
		size_t len)
{
	size_t room = GW_ALOG_STR_CAP - r->str_used;

	if (len > GW_ALOG_STR_FIELD_MAX)
		len = GW_ALOG_STR_FIELD_MAX;
	if (len > room)
		len = room;
	memcpy(r->str + r->str_used, s, len);
	r->str_off[k] = r->str_used;
	r->str_len[k] = (uint16_t)len;
	r->str_used = (uint16_t)(r->str_used + len);
}

uint64_t
gw_alog_wall_ns(const struct gw_alog_clock *ck, uint64_t tsc)
{
	uint64_t d;

	if (ck->tsc_hz == 0)
		return ck->wall0_ns;
	if (tsc >= ck->tsc0) {
		d = tsc - ck->tsc0;
		return ck->wall0_ns + d / ck->tsc_hz * 1000000000ull +
		       d % ck->tsc_hz * 1000000000ull / ck->tsc_hz;
	}
	d = ck->tsc0 - tsc;
	d = d / ck->tsc_hz * 1000000000ull +
	    d % ck->tsc_hz * 1000000000ull / ck->tsc_hz;
	return d < ck->wall0_ns ? ck->wall0_ns - d : 0;
}

static uint64_t
tsc_ms(const struct gw_alog_clock *ck, uint64_t tsc)
{
	uint64_t per_ms = ck->tsc_hz / 1000;

	return per_ms != 0 ? tsc / per_ms : 0;
}

/* ---- formats ------------------------------------------------------------ */

enum op {
	OP_TEXT,
	OP_START_TIME,
	OP_REQ,			/* a string of the record (arg) */
	OP_PROTOCOL,
	OP_CODE,
	OP_FLAGS,
	OP_DETAILS,
	OP_DASH,		/* operators meshgw has no value for */
	OP_BYTES_RX,
	OP_BYTES_TX,
	OP_DURATION,
	OP_UPSTREAM_TIME,
	OP_UP_HOST,
	OP_UP_LOCAL,
	OP_DOWN_LOCAL,
	OP_DOWN_LOCAL_NOPORT,
	OP_DOWN_REMOTE,
	OP_DOWN_REMOTE_NOPORT,
	OP_TRACE_ID,
};

struct piece {
	uint8_t op;
	uint8_t arg;		/* OP_REQ: enum gw_alog_str */
	uint32_t off;		/* OP_TEXT: in text */
	uint32_t len;
	uint32_t max;		/* a cut (":N"); 0 none */
};

struct gw_alog_format {
	char *text;
	size_t n;
	struct piece *pieces;
};

static const struct {
	const char *name;
	enum op op;
	int str;		/* for string operators, else -1 */
} simple_ops[] = {
	{ "START_TIME", OP_START_TIME, -1 },
	{ "PROTOCOL", OP_PROTOCOL, -1 },
	{ "RESPONSE_CODE", OP_CODE, -1 },
	{ "RESPONSE_FLAGS", OP_FLAGS, -1 },
	{ "RESPONSE_CODE_DETAILS", OP_DETAILS, -1 },
	{ "CONNECTION_TERMINATION_DETAILS", OP_DASH, -1 },
	{ "UPSTREAM_TRANSPORT_FAILURE_REASON", OP_DASH, -1 },
	{ "BYTES_RECEIVED", OP_BYTES_RX, -1 },
	{ "BYTES_SENT", OP_BYTES_TX, -1 },
	{ "DURATION", OP_DURATION, -1 },
	{ "UPSTREAM_HOST", OP_UP_HOST, -1 },
	{ "UPSTREAM_CLUSTER", OP_REQ, GW_ALOG_S_CLUSTER },
	{ "UPSTREAM_LOCAL_ADDRESS", OP_UP_LOCAL, -1 },
	{ "DOWNSTREAM_LOCAL_ADDRESS", OP_DOWN_LOCAL, -1 },
	{ "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT", OP_DOWN_LOCAL_NOPORT, -1 },
	{ "DOWNSTREAM_REMOTE_ADDRESS", OP_DOWN_REMOTE, -1 },
	{ "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", OP_DOWN_REMOTE_NOPORT, -1 },
	{ "REQUESTED_SERVER_NAME", OP_REQ, GW_ALOG_S_SNI },
	{ "ROUTE_NAME", OP_REQ, GW_ALOG_S_ROUTE },
	{ "TRACE_ID", OP_TRACE_ID, -1 },
};

/* Request headers a record carries, as %REQ()% names them. */
static const struct {
	const char *name;
	enum gw_alog_str str;
} req_headers[] = {
	{ ":METHOD", GW_ALOG_S_METHOD },
	{ ":PATH", GW_ALOG_S_PATH },
	{ "X-ENVOY-ORIGINAL-PATH", GW_ALOG_S_PATH },
	{ ":AUTHORITY", GW_ALOG_S_AUTHORITY },
	{ "HOST", GW_ALOG_S_AUTHORITY },
	{ "USER-AGENT", GW_ALOG_S_USER_AGENT },
	{ "X-FORWARDED-FOR", GW_ALOG_S_XFF },
	{ "X-REQUEST-ID", GW_ALOG_S_REQUEST_ID },
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static int
req_header(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < N_ELEMS(req_headers); i++)
		if (strlen(req_headers[i].name) == len &&
		    strncasecmp(req_headers[i].name, name, len) == 0)
			return (int)req_headers[i].str;
	return -1;
}

static int
bad(char *err, size_t errlen, size_t at, const char *what, const char *s,
    size_t len)
{
	snprintf(err, errlen, "access log format, at %zu: %s: %.*s", at, what,
		 (int)(len > 80 ? 80 : len), s);
	return -EINVAL;
}

/* One %...% operator (the text between the two %s) into p. */
static int
parse_op(const char *s, size_t len, size_t at, struct piece *p, char *err,
	 size_t errlen)
{
	const char *paren, *close;
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < N_ELEMS(simple_ops); i++) {
		if (strlen(simple_ops[i].name) != len ||
		    memcmp(simple_ops[i].name, s, len) != 0)
			continue;
		p->op = (uint8_t)simple_ops[i].op;
		p->arg = simple_ops[i].str >= 0 ? (uint8_t)simple_ops[i].str : 0;
		return 0;
	}
	paren = memchr(s, '(', len);
	close = paren != NULL ? memchr(paren, ')', len - (size_t)(paren - s))
			      : NULL;
	if (paren == NULL || close == NULL)
		return bad(err, errlen, at, "unknown operator", s, len);
	if (close + 1 < s + len) {
		/* ":N", a cut */
		const char *q = close + 1;
		unsigned long v = 0;

		if (*q != ':' || q + 1 == s + len)
			return bad(err, errlen, at, "bad length", s, len);
		for (q++; q < s + len; q++) {
			if (*q < '0' || *q > '9' || v > 100000)
				return bad(err, errlen, at, "bad length", s, len);
			v = v * 10 + (unsigned long)(*q - '0');
		}
		p->max = (uint32_t)v;
	}
	if ((size_t)(paren - s) == 3 && memcmp(s, "REQ", 3) == 0) {
		/* REQ(A) or REQ(A?B): the first the record has */
		const char *a = paren + 1, *q;
		size_t al = (size_t)(close - a);
		int k;

		q = memchr(a, '?', al);
		if (q != NULL) {
			int k2 = req_header(q + 1, (size_t)(close - q - 1));

			al = (size_t)(q - a);
			if (k2 < 0)
				return bad(err, errlen, at, "a request header "
					   "meshgw does not keep", s, len);
		}
		k = req_header(a, al);
		if (k < 0)
			return bad(err, errlen, at, "a request header meshgw "
				   "does not keep (it keeps :METHOD, :PATH, "
				   ":AUTHORITY, USER-AGENT, X-FORWARDED-FOR, "
				   "X-REQUEST-ID)", s, len);
		p->op = OP_REQ;
		p->arg = (uint8_t)k;
		return 0;
	}
	if ((size_t)(paren - s) == 4 && memcmp(s, "RESP", 4) == 0 &&
	    (size_t)(close - paren - 1) == 29 &&
	    strncasecmp(paren + 1, "X-ENVOY-UPSTREAM-SERVICE-TIME", 29) == 0) {
		p->op = OP_UPSTREAM_TIME;
		return 0;
	}
	return bad(err, errlen, at, "unknown operator", s, len);
}

int
gw_alog_format_compile(const char *fmt, struct gw_alog_format **out,
		       char *err, size_t errlen)
{
	struct gw_alog_format *f;
	size_t len = strlen(fmt), i = 0, max = 1;
	int rc;

	*out = NULL;
	for (i = 0; i < len; i++)
		if (fmt[i] == '%')
			max++;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	f->text = strdup(fmt);
	f->pieces = calloc(max + 1, sizeof(*f->pieces));
	if (f->text == NULL || f->pieces == NULL) {
		gw_alog_format_free(f);
		return -ENOMEM;
	}
	i = 0;
	while (i < len) {
		const char *pct = memchr(fmt + i, '%', len - i);
		size_t end;

		if (pct == NULL || pct > fmt + i) {
			size_t tl = pct != NULL ? (size_t)(pct - fmt) - i
						: len - i;

			f->pieces[f->n++] = (struct piece){ OP_TEXT, 0,
				(uint32_t)i, (uint32_t)tl, 0 };
			i += tl;
			continue;
		}
		/* an operator: up to the next % */
		pct = memchr(fmt + i + 1, '%', len - i - 1);
		if (pct == NULL) {
			rc = bad(err, errlen, i, "an operator without its "
				 "closing %", fmt + i, len - i);
			gw_alog_format_free(f);
			return rc;
		}
		end = (size_t)(pct - fmt);
		if (end == i + 1) {
			rc = bad(err, errlen, i, "an empty operator", "%%", 2);
			gw_alog_format_free(f);
			return rc;
		}
		rc = parse_op(fmt + i + 1, end - i - 1, i, &f->pieces[f->n],
			      err, errlen);
		if (rc < 0) {
			gw_alog_format_free(f);
			return rc;
		}
		f->n++;
		i = end + 1;
	}
	*out = f;
	return 0;
}

void
gw_alog_format_free(struct gw_alog_format *f)
{
	if (f == NULL)
		return;
	free(f->text);
	free(f->pieces);
	free(f);
}

/* ---- rendering ---------------------------------------------------------- */

/* A bounded writer: what does not fit is cut, out stays NUL-terminated. */
struct wr {
	char *out;
	size_t cap;
	size_t n;
};

static void
w_put(struct wr *w, const char *s, size_t len)
{
	if (w->cap == 0)
		return;
	if (len > w->cap - 1 - w->n)
		len = w->cap - 1 - w->n;
	memcpy(w->out + w->n, s, len);
	w->n += len;
	w->out[w->n] = '\0';
}

static void
w_puts(struct wr *w, const char *s)
{
	w_put(w, s, strlen(s));
}

/* Decimal digits of v at the end of b[24]; @return where they start. */
static char *
u64_digits(char b[24], uint64_t v)
{
	char *p = b + 24;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

static void
w_u64(struct wr *w, uint64_t v)
{
	char b[24], *p = u64_digits(b, v);

	w_put(w, p, (size_t)(b + 24 - p));
}

/* Text as it came, control characters (and, in JSON, quote and backslash
 * escaped) made safe for a line-oriented log. */
static inline bool
plain_char(unsigned char c, bool json)
{
	return c >= 0x20 && c != 0x7f && !(json && (c == '"' || c == '\\'));
}

static void
w_str(struct wr *w, const char *s, size_t len, bool json)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c;
		size_t run = 0;
		char e[8];

		/* what needs no escape goes in one copy */
		while (i + run < len &&
		       plain_char((unsigned char)s[i + run], json))
			run++;
		w_put(w, s + i, run);
		i += run;
		if (i == len)
			break;
		c = (unsigned char)s[i++];
		if (json && (c == '"' || c == '\\')) {
			e[0] = '\\';
			e[1] = (char)c;
			w_put(w, e, 2);
		} else if (c < 0x20 || c == 0x7f) {
			if (json) {
				snprintf(e, sizeof(e), "\\u%04x", c);
				w_put(w, e, 6);
			} else {
				w_put(w, "?", 1);
			}
		}
	}
}

static void
w_addr(struct wr *w, uint32_t ip, uint16_t port, bool with_port)
{
	int k;

	for (k = 3; k >= 0; k--) {
		w_u64(w, (ip >> (8 * k)) & 0xff);
		if (k > 0)
			w_put(w, ".", 1);
	}
	if (with_port) {
		w_put(w, ":", 1);
		w_u64(w, port);
	}
}

/* Envoy's default: 2024-01-31T12:00:00.123Z. The date and time of the
 * last second rendered are kept: records come in time order. */
static void
w_time(struct wr *w, uint64_t ns)
{
	static _Thread_local time_t cached = (time_t)-1;
	static _Thread_local char date[24];
	time_t t = (time_t)(ns / 1000000000ull);
	unsigned ms = (unsigned)(ns / 1000000u % 1000u);
	char frac[6] = { '.', (char)('0' + ms / 100),
			 (char)('0' + ms / 10 % 10), (char)('0' + ms % 10),
			 'Z', '\0' };

	if (t != cached) {
		struct tm tm;

		gmtime_r(&t, &tm);
		if (strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) ==
		    0)
			date[0] = '\0';
		cached = t;
	}
	w_puts(w, date);
	w_put(w, frac, 5);
}

static void
w_trace_id(struct wr *w, const struct gw_alog_rec *r)
{
	char b[40];
	int n;

	if (r->trace_hi != 0)
		n = snprintf(b, sizeof(b), "%016" PRIx64 "%016" PRIx64,
			     r->trace_hi, r->trace_lo);
	else
		n = snprintf(b, sizeof(b), "%016" PRIx64, r->trace_lo);
	w_put(w, b, (size_t)n);
}

static const char *
proto_name(const struct gw_alog_rec *r)
{
	switch (r->proto) {
	case GW_ALOG_HTTP10:
		return "HTTP/1.0";
	case GW_ALOG_HTTP11:
		return "HTTP/1.1";
	default:
		return NULL;
	}
}

/* One operator's value; false when it has none ("-" / null). */
static bool
op_value(struct wr *w, const struct piece *p, const struct gw_alog_rec *r,
	 const struct gw_alog_clock *ck, bool json)
{
	char fl[96];
	const char *s;
	size_t len;

	switch (p->op) {
	case OP_START_TIME:
		w_time(w, gw_alog_wall_ns(ck, r->start_tsc));
		return true;
	case OP_REQ:
		s = gw_alog_rec_str(r, (enum gw_alog_str)p->arg, &len);
		if (len == 0)
			return false;
		w_str(w, s, p->max != 0 && p->max < len ? p->max : len, json);
		return true;
	case OP_PROTOCOL:
		s = proto_name(r);
		if (s == NULL)
			return false;
		w_puts(w, s);
		return true;
	case OP_CODE:
		w_u64(w, r->status);
		return true;
	case OP_FLAGS:
		gw_alog_flags_str(r->flags, fl, sizeof(fl));
		w_puts(w, fl);
		return true;
	case OP_DETAILS:
		if (r->details == GW_ALOG_D_NONE || r->details >= GW_ALOG_D_MAX ||
		    r->details == GW_ALOG_D_TCP_CLOSED)
			return false;
		w_puts(w, detail_names[r->details]);
		return true;
	case OP_BYTES_RX:
		w_u64(w, r->bytes_rx);
		return true;
	case OP_BYTES_TX:
		w_u64(w, r->bytes_tx);
		return true;
	case OP_DURATION:
		w_u64(w, tsc_ms(ck, r->duration_tsc));
		return true;
	case OP_UPSTREAM_TIME:
		if (r->upstream_tsc == 0)
			return false;
		w_u64(w, tsc_ms(ck, r->upstream_tsc));
		return true;
	case OP_UP_HOST:
		if (r->up_ip == 0)
			return false;
		w_addr(w, r->up_ip, r->up_port, true);
		return true;
	case OP_UP_LOCAL:
		if (r->up_local_ip == 0)
			return false;
		w_addr(w, r->up_local_ip, r->up_local_port, true);
		return true;
	case OP_DOWN_LOCAL:
	case OP_DOWN_LOCAL_NOPORT:
		w_addr(w, r->down_local_ip, r->down_local_port,
		       p->op == OP_DOWN_LOCAL);
		return true;
	case OP_DOWN_REMOTE:
	case OP_DOWN_REMOTE_NOPORT:
		w_addr(w, r->down_remote_ip, r->down_remote_port,
		       p->op == OP_DOWN_REMOTE);
		return true;
	case OP_TRACE_ID:
		if (r->trace == GW_ALOG_TRACE_NONE)
			return false;
		w_trace_id(w, r);
		return true;
	default:
		return false;
	}
}

/* Istio's JSON encoding: its keys, in its order, then meshgw's trace_id. */
static const struct {
	const char *key;
	struct piece p;
	bool number;
} json_fields[] = {
	{ "start_time", { OP_START_TIME, 0, 0, 0, 0 }, false },
	{ "route_name", { OP_REQ, GW_ALOG_S_ROUTE, 0, 0, 0 }, false },
	{ "method", { OP_REQ, GW_ALOG_S_METHOD, 0, 0, 0 }, false },
	{ "path", { OP_REQ, GW_ALOG_S_PATH, 0, 0, 0 }, false },
	{ "protocol", { OP_PROTOCOL, 0, 0, 0, 0 }, false },
	{ "response_code", { OP_CODE, 0, 0, 0, 0 }, true },
	{ "response_flags", { OP_FLAGS, 0, 0, 0, 0 }, false },
	{ "response_code_details", { OP_DETAILS, 0, 0, 0, 0 }, false },
	{ "connection_termination_details", { OP_DASH, 0, 0, 0, 0 }, false },
	{ "upstream_transport_failure_reason", { OP_DASH, 0, 0, 0, 0 },
	  false },
	{ "bytes_received", { OP_BYTES_RX, 0, 0, 0, 0 }, true },
	{ "bytes_sent", { OP_BYTES_TX, 0, 0, 0, 0 }, true },
	{ "duration", { OP_DURATION, 0, 0, 0, 0 }, true },
	{ "upstream_service_time", { OP_UPSTREAM_TIME, 0, 0, 0, 0 }, false },
	{ "x_forwarded_for", { OP_REQ, GW_ALOG_S_XFF, 0, 0, 0 }, false },
	{ "user_agent", { OP_REQ, GW_ALOG_S_USER_AGENT, 0, 0, 0 }, false },
	{ "request_id", { OP_REQ, GW_ALOG_S_REQUEST_ID, 0, 0, 0 }, false },
	{ "authority", { OP_REQ, GW_ALOG_S_AUTHORITY, 0, 0, 0 }, false },
	{ "upstream_host", { OP_UP_HOST, 0, 0, 0, 0 }, false },
	{ "upstream_cluster", { OP_REQ, GW_ALOG_S_CLUSTER, 0, 0, 0 }, false },
	{ "upstream_local_address", { OP_UP_LOCAL, 0, 0, 0, 0 }, false },
	{ "downstream_local_address", { OP_DOWN_LOCAL, 0, 0, 0, 0 }, false },
	{ "downstream_remote_address", { OP_DOWN_REMOTE, 0, 0, 0, 0 }, false },
	{ "requested_server_name", { OP_REQ, GW_ALOG_S_SNI, 0, 0, 0 }, false },
	{ "trace_id", { OP_TRACE_ID, 0, 0, 0, 0 }, false },
};

size_t
gw_alog_render(const struct gw_alog_format *f, const struct gw_alog_rec *r,
	       const struct gw_alog_clock *ck, char *out, size_t cap)
{
	struct wr w = { out, cap, 0 };
	size_t i;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (f == NULL) {
		w_put(&w, "{", 1);
		for (i = 0; i < N_ELEMS(json_fields); i++) {
			size_t mark;

			if (i > 0)
				w_put(&w, ",", 1);
			w_put(&w, "\"", 1);
			w_puts(&w, json_fields[i].key);
			w_put(&w, "\":", 2);
			mark = w.n;
			if (!json_fields[i].number)
				w_put(&w, "\"", 1);
			if (!op_value(&w, &json_fields[i].p, r, ck, true)) {
				w.n = mark;
				w_put(&w, "null", 4);
			} else if (!json_fields[i].number) {
				w_put(&w, "\"", 1);
			}
		}
		w_put(&w, "}\n", 2);
		/* a line cut short is still one line */
		if (w.n > 0 && out[w.n - 1] != '\n')
			out[w.n - 1] = '\n';
		return w.n;
	}
	for (i = 0; i < f->n; i++) {
		const struct piece *p = &f->pieces[i];

		if (p->op == OP_TEXT)
			w_put(&w, f->text + p->off, p->len);
		else if (!op_value(&w, p, r, ck, false))
			w_put(&w, "-", 1);
	}
	return w.n;
}
