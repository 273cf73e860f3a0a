/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/http parser, body: Content-Length bodies, the chunked coding with
 * its extensions (RFC 9112 section 7.1) and the trailer section (through
 * the field-line states of parse.c), and read-until-close bodies. Feeds
 * the same state machine as parse.c; one payload span per call.
 *
 * Any thread; one parser per connection; no allocation.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "gw_http.h"
#include "http_priv.h"

static int
hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = http_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * One byte of a chunk extension (RFC 9112 section 7.1.1):
 *   *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
 * Returns false when the byte cannot continue it.
 */
static bool
ext_byte(struct gw_http_parser *p, uint8_t c)
{
	bool ws = c == ' ' || c == '\t';
	bool tok = http_is(c, HTTP_C_TOKEN) != 0;

	switch (p->lex) {
	case LX_EXT_SEMI:
		if (c == ';')
			p->lex = LX_EXT_NAME0;
		return ws || c == ';';
	case LX_EXT_NAME0:
		if (tok)
			p->lex = LX_EXT_NAME;
		return ws || tok;
	case LX_EXT_NAME:
	case LX_EXT_EQ:
		if (tok && p->lex == LX_EXT_NAME)
			return true;
		if (ws) {
			p->lex = LX_EXT_EQ;
			return true;
		}
		if (c == '=') {
			p->lex = LX_EXT_VAL0;
			return true;
		}
		if (c == ';') {
			p->lex = LX_EXT_NAME0;
			return true;
		}
		return false;
	case LX_EXT_VAL0:
		if (c == '"')
			p->lex = LX_EXT_QUOTED;
		else if (tok)
			p->lex = LX_EXT_TOKEN;
		return ws || tok || c == '"';
	case LX_EXT_TOKEN:
	case LX_EXT_END:
		if (tok && p->lex == LX_EXT_TOKEN)
			return true;
		if (c == ';')
			p->lex = LX_EXT_NAME0;
		else if (ws)
			p->lex = LX_EXT_SEMI;
		return ws || c == ';';
	case LX_EXT_QUOTED:
		if (c == '"')
			p->lex = LX_EXT_END;
		else if (c == '\\')
			p->lex = LX_EXT_QESC;
		else
			return http_is(c, HTTP_C_QDTEXT) != 0;
		return true;
	case LX_EXT_QESC:
		/* quoted-pair: HTAB, SP, VCHAR, obs-text */
		p->lex = LX_EXT_QUOTED;
		return c == '\t' || (c >= 0x20 && c != 0x7f);
	default:
		return false;
	}
}

/* An extension may end (CR) after a name, a token or a quoted value. */
static bool
ext_complete(const struct gw_http_parser *p)
{
	return p->lex == LX_EXT_NAME || p->lex == LX_EXT_TOKEN ||
	       p->lex == LX_EXT_END;
}

static int
parse_chunked(struct gw_http_parser *p, const uint8_t *buf, size_t len,
	      struct gw_http_span *data)
{
	uint64_t base = p->pos;
	size_t i = 0;
	int rc;

	while (i < len) {
		uint8_t c = buf[i];
		int v;

		switch (p->state) {
		case S_CHUNK_SIZE:
			if (++p->chunk_line > p->lim_chunk_line)
				return http_fail(p, GW_HTTP_E_CHUNK_LINE_TOO_LONG,
					    base + i);
			v = hex_value(c);
			if (v >= 0) {
				/* below 2^63, like Content-Length */
				if (p->remaining >> 59)
					return http_fail(p,
						GW_HTTP_E_CHUNK_SIZE_OVERFLOW,
						base + i);
				p->remaining = p->remaining * 16 + (uint64_t)v;
				p->digits = 1;
				i++;
				break;
			}
			if (p->digits == 0 || (c != '\r' && c != ';' &&
					       c != ' ' && c != '\t'))
				return http_fail(p, c == '\n' && p->digits ?
					    GW_HTTP_E_BARE_LF :
					    GW_HTTP_E_CHUNK_SIZE, base + i);
			if (c == '\r') {
				p->state = S_CHUNK_SIZE_LF;
				i++;
				break;
			}
			p->chunk_line--;	/* counted again below */
			p->lex = LX_EXT_SEMI;
			p->state = S_CHUNK_EXT;
			break;
		case S_CHUNK_EXT:
			if (++p->chunk_line > p->lim_chunk_line)
				return http_fail(p, GW_HTTP_E_CHUNK_LINE_TOO_LONG,
					    base + i);
			if (c == '\r') {
				if (!ext_complete(p))
					return http_fail(p, GW_HTTP_E_CHUNK_EXT,
						    base + i);
				p->state = S_CHUNK_SIZE_LF;
				i++;
				break;
			}
			if (!ext_byte(p, c))
				return http_fail(p, c == '\n' ? GW_HTTP_E_BARE_LF :
					    GW_HTTP_E_CHUNK_EXT, base + i);
			i++;
			break;
		case S_CHUNK_SIZE_LF:
			if (c != '\n')
				return http_fail(p, GW_HTTP_E_BARE_CR, base + i - 1);
			i++;
			p->lex = LX_NONE;
			if (p->remaining == 0) {
				/* last-chunk: the trailer section follows */
				p->seen |= SEEN_TRAILERS;
				p->sect_off = base + i;
				p->nfields = 0;
				p->state = S_LINE_START;
			} else {
				p->state = S_CHUNK_DATA;
			}
			break;
		case S_CHUNK_DATA: {
			size_t n = len - i;

			if (n > p->remaining)
				n = (size_t)p->remaining;
			if (n > (size_t)INT_MAX - i)
				n = (size_t)INT_MAX - i;
			data->off = i;
			data->len = n;
			p->remaining -= n;
			i += n;
			if (p->remaining == 0)
				p->state = S_CHUNK_DATA_CR;
			goto out;
		}
		case S_CHUNK_DATA_CR:
			if (c != '\r')
				return http_fail(p, GW_HTTP_E_CHUNK_DATA_END, base + i);
			p->state = S_CHUNK_DATA_LF;
			i++;
			break;
		case S_CHUNK_DATA_LF:
			if (c != '\n')
				return http_fail(p, GW_HTTP_E_CHUNK_DATA_END, base + i);
			p->state = S_CHUNK_SIZE;
			p->remaining = 0;
			p->digits = 0;
			p->chunk_line = 0;
			i++;
			break;
		default:
			/* the trailer section */
			rc = http_parse_fields(p, buf, len, &i);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				i = len;
				goto out;
			}
			if (p->nfields > 0)
				p->msg.flags |= GW_HTTP_F_TRAILERS;
			p->seen &= (uint8_t)~SEEN_TRAILERS;
			p->state = S_DONE;
			goto out;
		}
	}
out:
	p->pos += i;
	return (int)i;
}

int
gw_http_parse_body(struct gw_http_parser *p, const uint8_t *buf, size_t len,
		   struct gw_http_span *data)
{
	size_t n;

	data->off = 0;
	data->len = 0;
	if (p->state == S_ERROR)
		return -EBADMSG;
	if (p->state < S_BODY && !(p->seen & SEEN_TRAILERS))
		return -EINVAL;
	if (p->state == S_DONE || len == 0)
		return 0;
	if (p->state != S_BODY)
		return parse_chunked(p, buf, len, data);
	n = len < (size_t)INT_MAX ? len : (size_t)INT_MAX;
	if (p->msg.body == GW_HTTP_BODY_LENGTH) {
		if (n > p->remaining)
			n = (size_t)p->remaining;
		p->remaining -= n;
		if (p->remaining == 0)
			p->state = S_DONE;
	}
	data->len = n;
	p->pos += n;
	return (int)n;
}

int
gw_http_parse_eof(struct gw_http_parser *p)
{
	if (p->state == S_DONE)
		return 0;
	if (p->state == S_BODY && p->msg.body == GW_HTTP_BODY_EOF) {
		p->state = S_DONE;
		return 0;
	}
	return -EPIPE;
}
