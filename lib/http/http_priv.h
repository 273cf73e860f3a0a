/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/http private: character classes and the scanners the parser runs
 * over long runs of bytes (header values, request targets).
 */
#ifndef HTTP_PRIV_H
#define HTTP_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "gw_http.h"

/* gw_http_parser.state: the one state machine of parse.c and body.c */
enum http_state {
	/* start line */
	S_START = 0,	/* requests: empty lines, then the method */
	S_LEAD_LF,	/* CR of an empty line before the request line */
	S_METHOD,
	S_TARGET_START,
	S_TARGET,
	S_VERSION,	/* "HTTP/x.y", collected in lex_buf */
	S_STATUS,	/* responses: three digits */
	S_STATUS_SP,
	S_REASON,
	S_START_LF,	/* CR ending the start line seen */
	/* header or trailer section */
	S_LINE_START,
	S_NAME,
	S_VALUE_OWS,
	S_VALUE,	/* scanned in runs */
	S_VALUE_LEX,	/* read byte by byte into the lexer */
	S_VALUE_LF,
	S_SECT_LF,	/* CR of the empty line ending the section */
	/* after the head */
	S_BODY,		/* head done, body framing decides what follows */
	S_CHUNK_SIZE,
	S_CHUNK_EXT,
	S_CHUNK_SIZE_LF,
	S_CHUNK_DATA,
	S_CHUNK_DATA_CR,
	S_CHUNK_DATA_LF,
	S_DONE,
	S_ERROR,
};

/* gw_http_parser.seen */
#define SEEN_HOST	  0x01
#define SEEN_CL		  0x02
#define SEEN_TE		  0x04
#define SEEN_CHUNKED	  0x08
#define SEEN_LAST_CHUNKED 0x10
#define SEEN_UPGRADE	  0x20
#define SEEN_TRAILERS	  0x40	/* reading the trailer section */

/* gw_http_parser.lex: value lexers of the fields the parser interprets */
enum {
	LX_NONE = 0,
	LX_HOST,
	LX_HOST_WS,	/* trailing whitespace after the host */
	LX_CL_START,	/* expecting the first digit of an element */
	LX_CL_DIGITS,
	LX_CL_AFTER,	/* whitespace after an element */
	LX_LIST_START,	/* before a list element */
	LX_LIST_TOKEN,
	LX_LIST_AFTER,
	/* chunk extensions: ;name[=value] repeated, BWS anywhere around */
	LX_EXT_SEMI,	/* expecting ';' (after BWS) */
	LX_EXT_NAME0,	/* BWS, then the first name char */
	LX_EXT_NAME,
	LX_EXT_EQ,	/* BWS after a name: '=', ';' or end */
	LX_EXT_VAL0,	/* BWS, then a token or a quote */
	LX_EXT_TOKEN,
	LX_EXT_QUOTED,
	LX_EXT_QESC,
	LX_EXT_END,	/* a complete extension: CR may follow */
	LX_AUTH_PORT,	/* CONNECT target: digits after the last colon */
};

/*
 * Record an error at message offset off (the parser stays in error).
 * @return -EBADMSG.
 */
int http_fail(struct gw_http_parser *p, enum gw_http_err err, uint64_t off);

/*
 * Parse header or trailer field lines from buf[*ip] (parse.c); base is
 * p->pos. @return 1 when the section's final CRLF was consumed, 0 when buf
 * ran out, -EBADMSG on error.
 */
int http_parse_fields(struct gw_http_parser *p, const uint8_t *buf,
		      size_t len, size_t *ip);

/* http_ctype[] bits */
#define HTTP_C_TOKEN	0x01	/* tchar, RFC 9110 section 5.6.2 */
#define HTTP_C_HOST	0x02	/* reg-name, IP-literal and port chars */
#define HTTP_C_HEX	0x04	/* HEXDIG */
#define HTTP_C_QDTEXT	0x08	/* qdtext of quoted-string, HTAB and SP */

extern const uint8_t http_ctype[256];

static inline int
http_is(uint8_t c, uint8_t cls)
{
	return http_ctype[c] & cls;
}

static inline uint8_t
http_lower(uint8_t c)
{
	return (uint8_t)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
}

/*
 * A scanner returns the index of the first byte of p[0..n) that stops the
 * run, or n when every byte belongs to it.
 *   value:  runs of field-vchar and SP (stops at any CTL, HTAB included,
 *           and at DEL);
 *   target: runs of VCHAR (stops at SP, CTLs, DEL and bytes >= 0x80).
 */
typedef size_t (*http_scan_fn)(const uint8_t *p, size_t n);

struct http_scanners {
	const char *name;
	http_scan_fn value;
	http_scan_fn target;
};

/* The scanner set in use; set once by gw_http_init(). */
extern const struct http_scanners *http_scan;

void http_scan_init(void);

#endif /* HTTP_PRIV_H */
