/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/http parser, head: start line, header (and trailer) sections and
 * message framing (RFC 9112) of one resumable state machine; body.c runs
 * its body states.
 *
 * Each state consumes as many bytes as the buffer holds and saves only
 * message offsets, so a piece may end anywhere. Long runs (values,
 * targets) go through the scanners of scan.c; the few fields whose meaning
 * the parser needs (Host, Content-Length, Transfer-Encoding, Connection,
 * Expect) are read byte by byte through a small lexer, so that their
 * values too may be split across pieces without being copied.
 *
 * Any thread; one parser per connection; no allocation.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "gw_http.h"
#include "http_priv.h"

/* Largest line or section limit: keeps head offsets within 32 bits. */
#define HTTP_MAX_LIMIT (16u << 20)

/* Empty lines tolerated before a request line (RFC 9112 section 2.2). */
#define HTTP_MAX_LEAD_CRLF 8

#define X_ENTRY(name, status, text) { #name, text, status },
static const struct {
	const char *name;
	const char *text;
	int status;
} err_table[] = { GW_HTTP_ERRORS(X_ENTRY) };
#undef X_ENTRY

const char *
gw_http_err_name(enum gw_http_err err)
{
	return (unsigned int)err < GW_HTTP_E__COUNT ? err_table[err].name : "?";
}

const char *
gw_http_err_text(enum gw_http_err err)
{
	return (unsigned int)err < GW_HTTP_E__COUNT ?
		err_table[err].text : "unknown error";
}

int
gw_http_err_status(enum gw_http_err err)
{
	return (unsigned int)err < GW_HTTP_E__COUNT ?
		err_table[err].status : 400;
}

void
gw_http_limits_default(struct gw_http_limits *lim)
{
	lim->max_start_line = 8192;
	lim->max_header_bytes = 60 * 1024;
	lim->max_chunk_line = 4096;
	lim->max_headers = 100;
}

void
gw_http_parser_init(struct gw_http_parser *p, const struct gw_http_limits *lim,
		    enum gw_http_type type, enum gw_http_method req_method,
		    struct gw_http_hdr *hdrs, uint16_t hdr_max)
{
	struct gw_http_limits def;

	gw_http_init();
	if (lim == NULL) {
		gw_http_limits_default(&def);
		lim = &def;
	}
	memset(p, 0, sizeof(*p));
	p->lim_start_line = lim->max_start_line < HTTP_MAX_LIMIT ?
			    lim->max_start_line : HTTP_MAX_LIMIT;
	p->lim_header_bytes = lim->max_header_bytes < HTTP_MAX_LIMIT ?
			      lim->max_header_bytes : HTTP_MAX_LIMIT;
	p->lim_chunk_line = lim->max_chunk_line < HTTP_MAX_LIMIT ?
			    lim->max_chunk_line : HTTP_MAX_LIMIT;
	p->lim_headers = lim->max_headers;
	p->type = (uint8_t)type;
	p->msg.hdrs = hdrs;
	p->msg.hdr_max = hdr_max < lim->max_headers ? hdr_max : lim->max_headers;
	gw_http_parser_reset(p, req_method);
}

void
gw_http_parser_reset(struct gw_http_parser *p, enum gw_http_method req_method)
{
	struct gw_http_hdr *hdrs = p->msg.hdrs;
	uint16_t hdr_max = p->msg.hdr_max;

	memset(&p->msg, 0, sizeof(p->msg));
	p->msg.hdrs = hdrs;
	p->msg.hdr_max = hdr_max;
	p->msg.host_idx = -1;
	p->pos = 0;
	p->err_off = 0;
	p->remaining = 0;
	p->cl_value = 0;
	p->sect_off = 0;
	p->tok_off = 0;
	p->val_end = 0;
	p->line_off = 0;
	p->nfields = 0;
	p->fname_len = 0;
	p->chunk_line = 0;
	p->req_method = (uint8_t)req_method;
	p->state = p->type == GW_HTTP_REQUEST ? S_START : S_VERSION;
	p->err = GW_HTTP_E_NONE;
	p->hdr_id = GW_HTTP_H_OTHER;
	p->lex = LX_NONE;
	p->lex_len = 0;
	p->name_len = 0;
	p->seen = 0;
	p->digits = 0;
}

bool
gw_http_parser_done(const struct gw_http_parser *p)
{
	return p->state == S_DONE;
}

/* Record an error at message offset off; the parser stays in error. */
int
http_fail(struct gw_http_parser *p, enum gw_http_err err, uint64_t off)
{
	p->err = (uint8_t)err;
	p->err_off = off;
	p->state = S_ERROR;
	return -EBADMSG;
}

/* Append the lower-cased bytes of a name or token to lex_buf, bounded. */
static void
lex_append(struct gw_http_parser *p, const uint8_t *s, size_t n)
{
	size_t room = sizeof(p->lex_buf) - p->lex_len;
	size_t k = n < room ? n : room;
	size_t j;

	for (j = 0; j < k; j++)
		p->lex_buf[p->lex_len + j] = (char)http_lower(s[j]);
	p->lex_len = (uint8_t)(p->lex_len + k);
}

/* lex_buf holds exactly the token s (lower case), and nothing was cut. */
static bool
lex_is(const struct gw_http_parser *p, uint32_t full_len, const char *s)
{
	size_t n = strlen(s);

	return full_len == n && p->lex_len == n &&
	       memcmp(p->lex_buf, s, n) == 0;
}

/* n bytes of a token equal the lower-case literal lit, ignoring case. */
static bool
token_ieq(const uint8_t *b, const char *lit, size_t n)
{
	size_t k;

	/* for token bytes, | 0x20 folds exactly A-Z onto a-z and keeps '-' */
	for (k = 0; k < n; k++) {
		if ((b[k] | 0x20) != (uint8_t)lit[k])
			return false;
	}
	return true;
}

/*
 * The id of a field name (len bytes at b, a token). Dispatches on the
 * length first: most names are none of these and cost one switch.
 */
static uint8_t
classify_name(const uint8_t *b, uint32_t len)
{
	switch (len) {
	case 2:
		return token_ieq(b, "te", 2) ? GW_HTTP_H_TE : GW_HTTP_H_OTHER;
	case 4:
		return token_ieq(b, "host", 4) ? GW_HTTP_H_HOST :
						 GW_HTTP_H_OTHER;
	case 6:
		return token_ieq(b, "expect", 6) ? GW_HTTP_H_EXPECT :
						   GW_HTTP_H_OTHER;
	case 7:
		return token_ieq(b, "upgrade", 7) ? GW_HTTP_H_UPGRADE :
		       token_ieq(b, "trailer", 7) ? GW_HTTP_H_TRAILER :
						    GW_HTTP_H_OTHER;
	case 10:
		return token_ieq(b, "connection", 10) ? GW_HTTP_H_CONNECTION :
		       token_ieq(b, "keep-alive", 10) ? GW_HTTP_H_KEEP_ALIVE :
							GW_HTTP_H_OTHER;
	case 14:
		return token_ieq(b, "content-length", 14) ?
		       GW_HTTP_H_CONTENT_LENGTH : GW_HTTP_H_OTHER;
	case 16:
		return token_ieq(b, "proxy-connection", 16) ?
		       GW_HTTP_H_PROXY_CONNECTION : GW_HTTP_H_OTHER;
	case 17:
		return token_ieq(b, "transfer-encoding", 17) ?
		       GW_HTTP_H_TRANSFER_ENCODING : GW_HTTP_H_OTHER;
	default:
		return GW_HTTP_H_OTHER;
	}
}

static uint8_t
classify_method(const struct gw_http_parser *p, uint32_t len)
{
	const char *m = p->lex_buf;

	/* methods are case-sensitive: lex_buf holds them as received */
	switch (len) {
	case 3:
		return memcmp(m, "GET", 3) == 0 ? GW_HTTP_M_GET :
		       memcmp(m, "PUT", 3) == 0 ? GW_HTTP_M_PUT :
						  GW_HTTP_M_OTHER;
	case 4:
		return memcmp(m, "HEAD", 4) == 0 ? GW_HTTP_M_HEAD :
		       memcmp(m, "POST", 4) == 0 ? GW_HTTP_M_POST :
						   GW_HTTP_M_OTHER;
	case 5:
		return memcmp(m, "TRACE", 5) == 0 ? GW_HTTP_M_TRACE :
		       memcmp(m, "PATCH", 5) == 0 ? GW_HTTP_M_PATCH :
						    GW_HTTP_M_OTHER;
	case 6:
		return memcmp(m, "DELETE", 6) == 0 ? GW_HTTP_M_DELETE :
						     GW_HTTP_M_OTHER;
	case 7:
		return memcmp(m, "CONNECT", 7) == 0 ? GW_HTTP_M_CONNECT :
		       memcmp(m, "OPTIONS", 7) == 0 ? GW_HTTP_M_OPTIONS :
						      GW_HTTP_M_OTHER;
	default:
		return GW_HTTP_M_OTHER;
	}
}

const char *
gw_http_method_name(enum gw_http_method m)
{
	static const char *const names[] = {
		"", "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
		"OPTIONS", "TRACE", "PATCH",
	};

	return (unsigned int)m < sizeof(names) / sizeof(names[0]) ?
		names[m] : "";
}

/* ---- value lexers ---------------------------------------------------- */

/* The list element in lex_buf ended (full length len). */
static enum gw_http_err
list_element(struct gw_http_parser *p, uint32_t len)
{
	struct gw_http_msg *m = &p->msg;

	switch (p->hdr_id) {
	case GW_HTTP_H_TRANSFER_ENCODING:
		if (lex_is(p, len, "chunked")) {
			if (p->seen & SEEN_CHUNKED)
				return GW_HTTP_E_TE_CHUNKED_TWICE;
			p->seen |= SEEN_CHUNKED | SEEN_LAST_CHUNKED;
		} else {
			p->seen &= (uint8_t)~SEEN_LAST_CHUNKED;
			m->flags |= GW_HTTP_F_TE_OTHER;
		}
		break;
	case GW_HTTP_H_CONNECTION:
		if (lex_is(p, len, "close"))
			m->flags |= GW_HTTP_F_CONN_CLOSE;
		else if (lex_is(p, len, "keep-alive"))
			m->flags |= GW_HTTP_F_CONN_KEEPALIVE;
		else if (lex_is(p, len, "upgrade"))
			m->flags |= GW_HTTP_F_CONN_UPGRADE;
		else
			m->flags |= GW_HTTP_F_CONN_OTHER;
		break;
	case GW_HTTP_H_EXPECT:
		if (!lex_is(p, len, "100-continue"))
			return GW_HTTP_E_EXPECTATION;
		m->flags |= GW_HTTP_F_EXPECT_CONTINUE;
		break;
	default:
		break;
	}
	return GW_HTTP_E_NONE;
}

static enum gw_http_err
list_error(const struct gw_http_parser *p)
{
	return p->hdr_id == GW_HTTP_H_EXPECT ? GW_HTTP_E_EXPECTATION :
	       p->hdr_id == GW_HTTP_H_TRANSFER_ENCODING ?
	       GW_HTTP_E_TE_UNSUPPORTED : GW_HTTP_E_HEADER_VALUE;
}

/* One Content-Length element ended with value p->remaining. */
static enum gw_http_err
cl_element(struct gw_http_parser *p)
{
	if ((p->seen & SEEN_CL) && p->cl_value != p->remaining)
		return GW_HTTP_E_CL_CONFLICT;
	p->seen |= SEEN_CL;
	p->cl_value = p->remaining;
	return GW_HTTP_E_NONE;
}

/*
 * Feed one value byte (already checked to be field-vchar, SP or HTAB) to
 * the lexer of the current field.
 */
static enum gw_http_err
lex_byte(struct gw_http_parser *p, uint8_t c)
{
	bool ws = c == ' ' || c == '\t';

	switch (p->lex) {
	case LX_HOST:
		if (ws) {
			p->lex = LX_HOST_WS;
			return GW_HTTP_E_NONE;
		}
		return http_is(c, HTTP_C_HOST) ? GW_HTTP_E_NONE :
						 GW_HTTP_E_HOST_INVALID;
	case LX_HOST_WS:
		return ws ? GW_HTTP_E_NONE : GW_HTTP_E_HOST_INVALID;
	case LX_CL_START:
		if (ws)
			return GW_HTTP_E_NONE;
		p->remaining = 0;
		p->digits = 0;
		p->lex = LX_CL_DIGITS;
		/* fallthrough */
	case LX_CL_DIGITS:
		if (c >= '0' && c <= '9') {
			uint64_t d = (uint64_t)(c - '0');

			/* stay below 2^63 so callers may hold it signed */
			if (p->remaining > (INT64_MAX - d) / 10)
				return GW_HTTP_E_CL_INVALID;
			p->remaining = p->remaining * 10 + d;
			p->digits = 1;
			return GW_HTTP_E_NONE;
		}
		if (p->digits == 0)
			return GW_HTTP_E_CL_INVALID;
		if (ws) {
			p->lex = LX_CL_AFTER;
			return GW_HTTP_E_NONE;
		}
		/* fallthrough */
	case LX_CL_AFTER:
		if (ws)
			return GW_HTTP_E_NONE;
		if (c != ',')
			return GW_HTTP_E_CL_INVALID;
		p->lex = LX_CL_START;
		return cl_element(p);
	case LX_LIST_START:
		if (ws || c == ',')
			return GW_HTTP_E_NONE;
		if (!http_is(c, HTTP_C_TOKEN))
			return list_error(p);
		p->lex_len = 0;
		p->tok_len = 0;
		p->lex = LX_LIST_TOKEN;
		/* fallthrough */
	case LX_LIST_TOKEN:
		if (http_is(c, HTTP_C_TOKEN)) {
			lex_append(p, &c, 1);
			/* a token is bounded by the header section limit */
			p->tok_len++;
			return GW_HTTP_E_NONE;
		}
		if (!ws && c != ',')
			return list_error(p);
		{
			enum gw_http_err e = list_element(p, p->tok_len);

			if (e != GW_HTTP_E_NONE)
				return e;
		}
		p->lex = c == ',' ? LX_LIST_START : LX_LIST_AFTER;
		return GW_HTTP_E_NONE;
	case LX_LIST_AFTER:
		if (ws)
			return GW_HTTP_E_NONE;
		if (c != ',')
			return list_error(p);
		p->lex = LX_LIST_START;
		return GW_HTTP_E_NONE;
	default:
		return GW_HTTP_E_NONE;
	}
}

/* The value of the current field ended (CR seen). */
static enum gw_http_err
lex_end(struct gw_http_parser *p)
{
	switch (p->lex) {
	case LX_CL_START:
		/* empty value, or a list ending in a comma */
		return GW_HTTP_E_CL_INVALID;
	case LX_CL_DIGITS:
	case LX_CL_AFTER:
		return cl_element(p);
	case LX_LIST_TOKEN:
		return list_element(p, p->tok_len);
	case LX_LIST_START:
		/* an empty Expect or Transfer-Encoding names nothing valid */
		if (p->hdr_id == GW_HTTP_H_TRANSFER_ENCODING &&
		    !(p->seen & SEEN_CHUNKED) &&
		    !(p->msg.flags & GW_HTTP_F_TE_OTHER))
			return GW_HTTP_E_TE_NOT_CHUNKED;
		if (p->hdr_id == GW_HTTP_H_EXPECT &&
		    !(p->msg.flags & GW_HTTP_F_EXPECT_CONTINUE))
			return GW_HTTP_E_EXPECTATION;
		return GW_HTTP_E_NONE;
	default:
		return GW_HTTP_E_NONE;
	}
}

/*
 * A field name ended: decide how its value is read. In trailers nothing
 * is interpreted (RFC 9110 section 6.5.1: framing and routing fields
 * there are not merged into the header section, and we never do).
 */
static enum gw_http_err
field_start(struct gw_http_parser *p)
{
	struct gw_http_msg *m = &p->msg;

	p->lex = LX_NONE;
	if (p->seen & SEEN_TRAILERS)
		return GW_HTTP_E_NONE;
	switch (p->hdr_id) {
	case GW_HTTP_H_HOST:
		if (p->type != GW_HTTP_REQUEST)
			break;
		if (p->seen & SEEN_HOST)
			return GW_HTTP_E_HOST_DUPLICATE;
		p->seen |= SEEN_HOST;
		m->host_idx = (int16_t)m->nhdrs;
		p->lex = LX_HOST;
		break;
	case GW_HTTP_H_CONTENT_LENGTH:
		p->lex = LX_CL_START;
		break;
	case GW_HTTP_H_TRANSFER_ENCODING:
		p->seen |= SEEN_TE;
		p->lex = LX_LIST_START;
		break;
	case GW_HTTP_H_CONNECTION:
		p->lex = LX_LIST_START;
		break;
	case GW_HTTP_H_EXPECT:
		if (p->type == GW_HTTP_REQUEST)
			p->lex = LX_LIST_START;
		break;
	case GW_HTTP_H_UPGRADE:
		p->seen |= SEEN_UPGRADE;
		break;
	default:
		break;
	}
	return GW_HTTP_E_NONE;
}

/* ---- header and trailer sections ------------------------------------ */

/*
 * A whole field line at buf[*ip] (its first byte a token char), parsed
 * without the state machine: name, colon, OWS, value, CRLF all in buf,
 * and not a field the lexer reads. Then the field is recorded, *ip moves
 * past the line and the state is S_LINE_START. Otherwise the state and
 * *ip are left where the byte-exact path must resume (S_NAME at the line
 * start, or S_VALUE_OWS after the colon once the field was started), so
 * errors are found and placed by that path alone. Returns 0 or -EBADMSG.
 */
static int
field_line_fast(struct gw_http_parser *p, const uint8_t *buf, size_t end,
		size_t *ip)
{
	struct gw_http_msg *m = &p->msg;
	uint64_t base = p->pos;
	size_t i = *ip, j = i, v, ve;
	enum gw_http_err e;

	while (j < end && http_is(buf[j], HTTP_C_TOKEN))
		j++;
	if (j >= end || buf[j] != ':' || j - i > UINT16_MAX)
		return 0;
	p->fname_len = (uint16_t)(j - i);
	p->hdr_id = classify_name(buf + i, p->fname_len);
	e = field_start(p);
	if (e != GW_HTTP_E_NONE)
		return http_fail(p, e, p->line_off);
	/* from here on the slow path resumes after the colon */
	*ip = j + 1;
	p->state = S_VALUE_OWS;
	j++;
	while (j < end && (buf[j] == ' ' || buf[j] == '\t'))
		j++;
	v = j;
	for (;;) {
		j += http_scan->value(buf + j, end - j);
		if (j < end && buf[j] == '\t') {
			j++;
			continue;
		}
		break;
	}
	if (j + 1 >= end || buf[j] != '\r' || buf[j + 1] != '\n')
		return 0;
	if (p->lex != LX_NONE) {
		/* a clean whole value: lex it here, errors placed as the
		 * byte-exact path would place them */
		size_t k;

		for (k = v; k < j; k++) {
			e = lex_byte(p, buf[k]);
			if (e != GW_HTTP_E_NONE)
				return http_fail(p, e, base + k);
		}
		e = lex_end(p);
		if (e != GW_HTTP_E_NONE)
			return http_fail(p, e, base + j);
	}
	ve = j;
	while (ve > v && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
		ve--;
	{
		struct gw_http_hdr *h = &m->hdrs[m->nhdrs++];

		h->name_off = (uint32_t)p->line_off;
		h->name_len = p->fname_len;
		h->value_off = (uint32_t)(base + v);
		h->value_len = (uint32_t)(ve - v);
		h->line_end = (uint32_t)(base + j + 2);
		h->id = p->hdr_id;
		h->pad = 0;
	}
	p->nfields++;
	p->state = S_LINE_START;
	*ip = j + 2;
	return 0;
}

/*
 * Parse field lines from buf[*ip] on. base is the message offset of
 * buf[0]. Returns 1 when the section's final CRLF was consumed, 0 when
 * buf ran out, -EBADMSG on error.
 */
int
http_parse_fields(struct gw_http_parser *p, const uint8_t *buf, size_t len,
		  size_t *ip)
{
	struct gw_http_msg *m = &p->msg;
	bool trailers = (p->seen & SEEN_TRAILERS) != 0;
	uint64_t base = p->pos;
	uint64_t lim_end = p->sect_off + p->lim_header_bytes;
	size_t i = *ip;
	size_t end = len;
	enum gw_http_err e;
	int rc = 0;

	/* never look past the section limit: the byte there is an error */
	if (lim_end < base + len)
		end = lim_end > base ? (size_t)(lim_end - base) : 0;

	while (i < end) {
		uint8_t c = buf[i];

		switch (p->state) {
		case S_LINE_START:
			if (c == '\r') {
				p->state = S_SECT_LF;
				i++;
				break;
			}
			if (c == '\n')
				return http_fail(p, GW_HTTP_E_BARE_LF, base + i);
			if (c == ' ' || c == '\t')
				return http_fail(p, p->nfields == 0 && !trailers ?
					    GW_HTTP_E_WS_AFTER_START_LINE :
					    GW_HTTP_E_OBS_FOLD, base + i);
			if (!http_is(c, HTTP_C_TOKEN))
				return http_fail(p, c == 0 ? GW_HTTP_E_NUL :
					    GW_HTTP_E_HEADER_NAME, base + i);
			if (p->nfields >= (trailers ? p->lim_headers :
					   m->hdr_max))
				return http_fail(p, GW_HTTP_E_TOO_MANY_HEADERS,
					    base + i);
			p->line_off = base + i;
			p->lex_len = 0;
			p->state = S_NAME;
			if (!trailers) {
				/* most lines are whole in buf: take them in
				 * one go, else resume below where it stopped */
				rc = field_line_fast(p, buf, end, &i);
				if (rc < 0)
					return rc;
			}
			break;
		case S_NAME: {
			size_t s = i;

			while (i < end && http_is(buf[i], HTTP_C_TOKEN))
				i++;
			if (i == end) {
				/* split name: keep what classifying needs */
				lex_append(p, buf + s, i - s);
				break;
			}
			c = buf[i];
			if (c != ':')
				return http_fail(p, c == ' ' || c == '\t' ?
					    GW_HTTP_E_WS_BEFORE_COLON :
					    c == 0 ? GW_HTTP_E_NUL :
					    GW_HTTP_E_HEADER_NAME, base + i);
			if (base + i - p->line_off > UINT16_MAX)
				return http_fail(p, GW_HTTP_E_HEADER_NAME,
					    p->line_off);
			p->fname_len = (uint16_t)(base + i - p->line_off);
			if (p->lex_len == 0 && p->line_off == base + s) {
				/* the whole name is in buf: no copy */
				p->hdr_id = classify_name(buf + s, p->fname_len);
			} else {
				lex_append(p, buf + s, i - s);
				p->hdr_id = p->fname_len > sizeof(p->lex_buf) ?
					GW_HTTP_H_OTHER :
					classify_name((const uint8_t *)p->lex_buf,
						      p->fname_len);
			}
			e = field_start(p);
			if (e != GW_HTTP_E_NONE)
				return http_fail(p, e, p->line_off);
			i++;
			p->state = S_VALUE_OWS;
			break;
		}
		case S_VALUE_OWS:
			while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
				i++;
			if (i == end)
				break;
			p->tok_off = base + i;
			p->val_end = base + i;
			p->state = p->lex != LX_NONE ? S_VALUE_LEX : S_VALUE;
			break;
		case S_VALUE: {
			size_t k = http_scan->value(buf + i, end - i);

			if (k > 0) {
				size_t j = i + k;

				while (j > i && buf[j - 1] == ' ')
					j--;
				if (j > i)
					p->val_end = base + j;
				i += k;
			}
			if (i == end)
				break;
			c = buf[i];
			if (c == '\t') {
				i++;
				break;
			}
			if (c != '\r')
				return http_fail(p, c == '\n' ? GW_HTTP_E_BARE_LF :
					    c == 0 ? GW_HTTP_E_NUL :
					    GW_HTTP_E_HEADER_VALUE, base + i);
			p->state = S_VALUE_LF;
			i++;
			break;
		}
		case S_VALUE_LEX:
			for (; i < end; i++) {
				c = buf[i];
				if (c == '\r')
					break;
				if ((c < 0x20 && c != '\t') || c == 0x7f)
					return http_fail(p, c == '\n' ?
						    GW_HTTP_E_BARE_LF :
						    c == 0 ? GW_HTTP_E_NUL :
						    GW_HTTP_E_HEADER_VALUE,
						    base + i);
				e = lex_byte(p, c);
				if (e != GW_HTTP_E_NONE)
					return http_fail(p, e, base + i);
				if (c != ' ' && c != '\t')
					p->val_end = base + i + 1;
			}
			if (i == end)
				break;
			e = lex_end(p);
			if (e != GW_HTTP_E_NONE)
				return http_fail(p, e, base + i);
			p->state = S_VALUE_LF;
			i++;
			break;
		case S_VALUE_LF:
			if (c != '\n')
				return http_fail(p, GW_HTTP_E_BARE_CR, base + i - 1);
			i++;
			if (!trailers) {
				struct gw_http_hdr *h = &m->hdrs[m->nhdrs++];

				h->name_off = (uint32_t)p->line_off;
				h->name_len = p->fname_len;
				h->value_off = (uint32_t)p->tok_off;
				h->value_len = (uint32_t)(p->val_end - p->tok_off);
				h->line_end = (uint32_t)(base + i);
				h->id = p->hdr_id;
				h->pad = 0;
			}
			p->nfields++;
			p->state = S_LINE_START;
			break;
		case S_SECT_LF:
			if (c != '\n')
				return http_fail(p, GW_HTTP_E_BARE_CR, base + i - 1);
			i++;
			rc = 1;
			goto out;
		default:
			return http_fail(p, GW_HTTP_E_HEADER_NAME, base + i);
		}
	}
	if (end < len)
		return http_fail(p, GW_HTTP_E_HEADERS_TOO_LARGE, base + end);
out:
	*ip = i;
	return rc;
}

/* ---- start line ------------------------------------------------------ */

static enum gw_http_err
version_check(struct gw_http_parser *p)
{
	const char *v = p->lex_buf;

	if (memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return p->type == GW_HTTP_REQUEST ? GW_HTTP_E_VERSION :
						    GW_HTTP_E_STATUS_LINE;
	if (v[5] != '1')
		return GW_HTTP_E_VERSION_UNSUPPORTED;
	/* RFC 9110 section 2.5: a higher minor version speaks 1.1 */
	p->msg.version_minor = v[7] == '0' ? 0 : 1;
	return GW_HTTP_E_NONE;
}

/*
 * One byte of a CONNECT target (uri-host ":" port, RFC 9112 section
 * 3.2.3): host characters, and the digits after the last colon are the
 * port. SP ends it.
 */
static enum gw_http_err
authority_byte(struct gw_http_parser *p, uint8_t c)
{
	if (c == ' ')
		return GW_HTTP_E_NONE;
	if (!http_is(c, HTTP_C_HOST))
		return c < 0x21 || c >= 0x7f ? GW_HTTP_E_TARGET :
					       GW_HTTP_E_TARGET_FORM;
	if (c == ':') {
		p->lex = LX_AUTH_PORT;
		p->digits = 0;
	} else if (c >= '0' && c <= '9') {
		if (p->lex == LX_AUTH_PORT && ++p->digits > 5)
			return GW_HTTP_E_TARGET_FORM;
	} else {
		p->lex = LX_NONE;
	}
	return GW_HTTP_E_NONE;
}

static enum gw_http_err
target_check(struct gw_http_parser *p, uint32_t len)
{
	struct gw_http_msg *m = &p->msg;
	const char *t = p->lex_buf;
	size_t n = p->lex_len;
	size_t k;

	if (m->method == GW_HTTP_M_CONNECT) {
		/* authority-form only: uri-host ":" port, port not empty */
		if (p->lex != LX_AUTH_PORT || p->digits == 0 || len < 3 ||
		    t[0] == ':')
			return GW_HTTP_E_TARGET_FORM;
		m->target_form = GW_HTTP_TARGET_AUTHORITY;
		return GW_HTTP_E_NONE;
	}
	if (t[0] == '/') {
		m->target_form = GW_HTTP_TARGET_ORIGIN;
		return GW_HTTP_E_NONE;
	}
	if (t[0] == '*') {
		if (len != 1 || m->method != GW_HTTP_M_OPTIONS)
			return GW_HTTP_E_TARGET_FORM;
		m->target_form = GW_HTTP_TARGET_ASTERISK;
		return GW_HTTP_E_NONE;
	}
	/* absolute-form: scheme "://" within the bytes kept */
	for (k = 0; k < n; k++) {
		char c = t[k];

		if (c == ':')
			break;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (k > 0 && ((c >= '0' && c <= '9') || c == '+' ||
				 c == '-' || c == '.'))))
			return GW_HTTP_E_TARGET_FORM;
	}
	if (k == 0 || k + 3 > n || t[k + 1] != '/' || t[k + 2] != '/')
		return GW_HTTP_E_TARGET_FORM;
	m->target_form = GW_HTTP_TARGET_ABSOLUTE;
	return GW_HTTP_E_NONE;
}

/*
 * Parse the start line from buf[*ip]. Returns 1 when it ended (its LF
 * consumed), 0 when buf ran out, -EBADMSG on error.
 */
static int
parse_start_line(struct gw_http_parser *p, const uint8_t *buf, size_t len,
		 size_t *ip)
{
	struct gw_http_msg *m = &p->msg;
	uint64_t base = p->pos;
	uint64_t lim_end = p->line_off + p->lim_start_line;
	size_t i = *ip;
	size_t end = len;
	enum gw_http_err e;
	int rc = 0;

	if (p->state != S_START && p->state != S_LEAD_LF &&
	    lim_end < base + len)
		end = lim_end > base ? (size_t)(lim_end - base) : 0;

	while (i < end) {
		uint8_t c = buf[i];

		switch (p->state) {
		case S_START:
			if (c == '\r') {
				if (m->lead_crlf >= 2 * HTTP_MAX_LEAD_CRLF)
					return http_fail(p, GW_HTTP_E_REQUEST_LINE,
						    base + i);
				p->state = S_LEAD_LF;
				i++;
				break;
			}
			if (c == '\n')
				return http_fail(p, GW_HTTP_E_BARE_LF, base + i);
			if (!http_is(c, HTTP_C_TOKEN))
				return http_fail(p, GW_HTTP_E_METHOD, base + i);
			p->line_off = base + i;
			p->tok_off = base + i;
			p->lex_len = 0;
			p->state = S_METHOD;
			/* the limit counts from the request line itself */
			lim_end = p->line_off + p->lim_start_line;
			if (lim_end < base + len)
				end = (size_t)(lim_end - base);
			break;
		case S_LEAD_LF:
			if (c != '\n')
				return http_fail(p, GW_HTTP_E_BARE_CR, base + i - 1);
			m->lead_crlf = (uint8_t)(m->lead_crlf + 2);
			p->state = S_START;
			i++;
			break;
		case S_METHOD: {
			size_t s = i;

			while (i < end && http_is(buf[i], HTTP_C_TOKEN))
				i++;
			/* case-sensitive: copy as is */
			if (p->lex_len < sizeof(p->lex_buf)) {
				size_t room = sizeof(p->lex_buf) - p->lex_len;
				size_t k = i - s < room ? i - s : room;

				memcpy(p->lex_buf + p->lex_len, buf + s, k);
				p->lex_len = (uint8_t)(p->lex_len + k);
			}
			if (i == end)
				break;
			c = buf[i];
			if (c != ' ')
				return http_fail(p, c == '\r' || c == '\n' ?
					    GW_HTTP_E_REQUEST_LINE :
					    GW_HTTP_E_METHOD, base + i);
			if (base + i - p->tok_off > 255)
				return http_fail(p, GW_HTTP_E_METHOD, p->tok_off);
			m->method_off = (uint32_t)p->tok_off;
			m->method_len = (uint8_t)(base + i - p->tok_off);
			m->method = classify_method(p, m->method_len);
			p->state = S_TARGET_START;
			i++;
			break;
		}
		case S_TARGET_START:
			if (c == ' ' || c == '\r' || c == '\n')
				return http_fail(p, GW_HTTP_E_REQUEST_LINE, base + i);
			p->tok_off = base + i;
			p->lex_len = 0;
			p->lex = LX_NONE;
			p->digits = 0;
			p->state = S_TARGET;
			break;
		case S_TARGET: {
			size_t k;

			if (m->method == GW_HTTP_M_CONNECT) {
				/* authority-form, byte by byte: rare */
				e = authority_byte(p, c);
				if (e != GW_HTTP_E_NONE)
					return http_fail(p, e, base + i);
				if (c != ' ') {
					i++;
					break;
				}
				k = 0;
			} else {
				k = http_scan->target(buf + i, end - i);
			}

			/* keep the first bytes to tell the target's form */
			if (p->lex_len < sizeof(p->lex_buf)) {
				size_t room = sizeof(p->lex_buf) - p->lex_len;
				size_t n = k < room ? k : room;

				memcpy(p->lex_buf + p->lex_len, buf + i, n);
				p->lex_len = (uint8_t)(p->lex_len + n);
			}
			i += k;
			if (i == end)
				break;
			c = buf[i];
			if (c != ' ')
				return http_fail(p, c == '\r' || c == '\n' ?
					    GW_HTTP_E_REQUEST_LINE :
					    GW_HTTP_E_TARGET, base + i);
			m->target_off = (uint32_t)p->tok_off;
			m->target_len = (uint32_t)(base + i - p->tok_off);
			e = target_check(p, m->target_len);
			if (e != GW_HTTP_E_NONE)
				return http_fail(p, e, p->tok_off);
			p->lex_len = 0;
			p->tok_off = base + i + 1;
			p->state = S_VERSION;
			i++;
			break;
		}
		case S_VERSION:
			if (p->lex_len == 0 && p->type == GW_HTTP_REQUEST &&
			    end - i >= 10 &&
			    memcmp(buf + i, "HTTP/1.", 7) == 0 &&
			    (buf[i + 7] == '1' || buf[i + 7] == '0') &&
			    buf[i + 8] == '\r' && buf[i + 9] == '\n') {
				/* the common request line end, in one go */
				m->version_minor = buf[i + 7] == '1';
				i += 10;
				p->sect_off = base + i;
				p->nfields = 0;
				p->state = S_LINE_START;
				rc = 1;
				goto out;
			}
			if (p->lex_len < 8) {
				/* "HTTP/" DIGIT "." DIGIT, checked as it comes */
				uint8_t k = p->lex_len;
				bool ok = k < 5 ? c == (uint8_t)"HTTP/"[k] :
					  k == 6 ? c == '.' :
						   c >= '0' && c <= '9';

				if (!ok)
					return http_fail(p, p->type ==
						    GW_HTTP_REQUEST ?
						    GW_HTTP_E_VERSION :
						    GW_HTTP_E_STATUS_LINE,
						    base + i);
				p->lex_buf[p->lex_len++] = (char)c;
				i++;
				break;
			}
			e = version_check(p);
			if (e != GW_HTTP_E_NONE)
				return http_fail(p, e, p->tok_off);
			if (p->type == GW_HTTP_REQUEST) {
				if (c != '\r')
					return http_fail(p, c == '\n' ?
						    GW_HTTP_E_BARE_LF :
						    GW_HTTP_E_VERSION, base + i);
				p->state = S_START_LF;
			} else {
				if (c != ' ')
					return http_fail(p, GW_HTTP_E_STATUS_LINE,
						    base + i);
				p->lex_len = 0;
				m->status = 0;
				p->state = S_STATUS;
			}
			i++;
			break;
		case S_STATUS:
			if (c < '0' || c > '9')
				return http_fail(p, GW_HTTP_E_STATUS_LINE, base + i);
			m->status = (uint16_t)(m->status * 10 + (c - '0'));
			if (++p->lex_len == 3) {
				if (m->status < 100)
					return http_fail(p, GW_HTTP_E_STATUS_LINE,
						    base + i - 2);
				p->state = S_STATUS_SP;
			}
			i++;
			break;
		case S_STATUS_SP:
			if (c == ' ') {
				m->reason_off = (uint32_t)(base + i + 1);
				p->state = S_REASON;
				i++;
				break;
			}
			/* a missing reason with its SP: widely sent, harmless */
			if (c != '\r')
				return http_fail(p, c == '\n' ? GW_HTTP_E_BARE_LF :
					    GW_HTTP_E_STATUS_LINE, base + i);
			m->reason_off = (uint32_t)(base + i);
			p->state = S_START_LF;
			i++;
			break;
		case S_REASON: {
			size_t k = http_scan->value(buf + i, end - i);

			i += k;
			if (i == end)
				break;
			c = buf[i];
			if (c == '\t') {
				i++;
				break;
			}
			if (c != '\r')
				return http_fail(p, c == '\n' ? GW_HTTP_E_BARE_LF :
					    GW_HTTP_E_STATUS_LINE, base + i);
			m->reason_len = (uint32_t)(base + i - m->reason_off);
			p->state = S_START_LF;
			i++;
			break;
		}
		case S_START_LF:
			if (c != '\n')
				return http_fail(p, GW_HTTP_E_BARE_CR, base + i - 1);
			i++;
			p->sect_off = base + i;
			p->nfields = 0;
			p->state = S_LINE_START;
			rc = 1;
			goto out;
		default:
			return http_fail(p, GW_HTTP_E_REQUEST_LINE, base + i);
		}
	}
	if (end < len)
		return http_fail(p, p->state == S_TARGET ? GW_HTTP_E_URI_TOO_LONG :
			    p->type == GW_HTTP_RESPONSE ? GW_HTTP_E_STATUS_LINE :
			    GW_HTTP_E_REQUEST_LINE, base + end);
out:
	*ip = i;
	return rc;
}

/* ---- framing (RFC 9112 section 6.3) --------------------------------- */

static enum gw_http_err
head_end(struct gw_http_parser *p)
{
	struct gw_http_msg *m = &p->msg;
	bool te = (p->seen & SEEN_TE) != 0;
	bool cl = (p->seen & SEEN_CL) != 0;
	uint8_t body;

	if (te && m->version_minor == 0)
		return GW_HTTP_E_TE_HTTP10;	/* RFC 9112 section 6.1 */
	if (te && cl)
		return GW_HTTP_E_CL_AND_TE;	/* section 6.3 rule 3 */
	if (p->type == GW_HTTP_REQUEST) {
		if (m->version_minor == 1 && !(p->seen & SEEN_HOST))
			return GW_HTTP_E_HOST_MISSING;
		if (te) {
			if (!(p->seen & SEEN_LAST_CHUNKED))
				return GW_HTTP_E_TE_NOT_CHUNKED;
			if (m->flags & GW_HTTP_F_TE_OTHER)
				return GW_HTTP_E_TE_UNSUPPORTED;
			body = GW_HTTP_BODY_CHUNKED;
		} else {
			body = cl && p->cl_value > 0 ? GW_HTTP_BODY_LENGTH :
						       GW_HTTP_BODY_NONE;
		}
		if (m->version_minor == 1 && (p->seen & SEEN_UPGRADE) &&
		    (m->flags & GW_HTTP_F_CONN_UPGRADE))
			m->flags |= GW_HTTP_F_UPGRADE;
		if (m->version_minor == 0)
			m->flags &= (uint16_t)~GW_HTTP_F_EXPECT_CONTINUE;
	} else if (m->status == 101) {
		body = GW_HTTP_BODY_TUNNEL;
	} else if (m->status < 200) {
		body = GW_HTTP_BODY_NONE;
		m->flags |= GW_HTTP_F_INTERIM;
	} else if (p->req_method == GW_HTTP_M_HEAD || m->status == 204 ||
		   m->status == 304) {
		body = GW_HTTP_BODY_NONE;
	} else if (p->req_method == GW_HTTP_M_CONNECT && m->status < 300) {
		body = GW_HTTP_BODY_TUNNEL;
	} else if (te) {
		body = (p->seen & SEEN_LAST_CHUNKED) ? GW_HTTP_BODY_CHUNKED :
						       GW_HTTP_BODY_EOF;
	} else if (cl) {
		body = p->cl_value > 0 ? GW_HTTP_BODY_LENGTH :
					 GW_HTTP_BODY_NONE;
	} else {
		body = GW_HTTP_BODY_EOF;
	}
	m->body = body;
	m->content_length = body == GW_HTTP_BODY_LENGTH ? p->cl_value : 0;
	if (body != GW_HTTP_BODY_EOF && body != GW_HTTP_BODY_TUNNEL &&
	    !(m->flags & GW_HTTP_F_CONN_CLOSE) &&
	    (m->version_minor == 1 || (m->flags & GW_HTTP_F_CONN_KEEPALIVE)))
		m->flags |= GW_HTTP_F_KEEP_ALIVE;
	if (body == GW_HTTP_BODY_LENGTH)
		p->remaining = p->cl_value;
	else if (body == GW_HTTP_BODY_CHUNKED)
		p->remaining = 0;
	return GW_HTTP_E_NONE;
}

int
gw_http_parse_head(struct gw_http_parser *p, const uint8_t *buf, size_t len)
{
	size_t i = 0;
	int rc;

	if (p->state == S_ERROR)
		return -EBADMSG;
	if (p->state >= S_BODY || (p->seen & SEEN_TRAILERS))
		return -EINVAL;
	if (p->state < S_LINE_START) {
		rc = parse_start_line(p, buf, len, &i);
		if (rc <= 0)
			goto more;
	}
	rc = http_parse_fields(p, buf, len, &i);
	if (rc <= 0)
		goto more;
	p->pos += i;
	p->msg.head_len = (uint32_t)p->pos;
	{
		enum gw_http_err e = head_end(p);

		if (e != GW_HTTP_E_NONE)
			return http_fail(p, e, p->pos);
	}
	p->state = p->msg.body == GW_HTTP_BODY_NONE ||
		   p->msg.body == GW_HTTP_BODY_TUNNEL ? S_DONE :
		   p->msg.body == GW_HTTP_BODY_CHUNKED ? S_CHUNK_SIZE :
							 S_BODY;
	p->lex = LX_NONE;
	p->digits = 0;
	p->chunk_line = 0;
	return i > 0 ? (int)i : -EAGAIN;
more:
	if (rc < 0)
		return rc;
	p->pos += len;
	return -EAGAIN;
}
