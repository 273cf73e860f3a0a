/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/http private: character classes and the scanners the parser runs
 * over long runs of bytes (header values, request targets).
 */
#ifndef HTTP_PRIV_H
#define HTTP_PRIV_H

#include <stddef.h>
#include <stdint.h>

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
