/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/tls — what meshgw reads of TLS without OpenSSL: the ClientHello
 * (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) and server name matching.
 *
 * A TLS listener looks at the ClientHello before it creates its OpenSSL
 * connection, to pick the Gateway server (and so the certificates,
 * versions, ciphers and client-certificate policy) by SNI, and a
 * passthrough listener routes on it without terminating. The parser takes
 * the first bytes of the connection as they arrived (records, possibly
 * split anywhere, a ClientHello possibly spread over several records) and
 * says whether it needs more, found a ClientHello, or saw something that
 * is not one.
 *
 * Pure C11: no allocation, no locks, no system calls; any thread.
 */
#ifndef GW_TLS_HELLO_H
#define GW_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A ClientHello larger than this (with its 4-byte handshake header) is
 * refused: no client sends more than a few KiB. */
#define GW_TLS_HELLO_MAX 16384
/* The first bytes of a connection worth reading for one: the largest
 * hello with its records' headers (a hello split into 1-byte records
 * would need more, and is refused). */
#define GW_TLS_HELLO_IN_MAX (GW_TLS_HELLO_MAX + 1024)
/* DNS names are at most 253 characters. */
#define GW_TLS_SNI_MAX 255

enum gw_tls_hello_rc {
	GW_TLS_HELLO_OK = 0,	/* parsed: h is filled */
	GW_TLS_HELLO_MORE,	/* a prefix of a valid ClientHello: read on */
	GW_TLS_HELLO_BAD,	/* not TLS, or a malformed ClientHello */
};

struct gw_tls_hello {
	char sni[GW_TLS_SNI_MAX + 1];	/* a DNS host name: lower case, no
					 * trailing dot; "" none */
	uint16_t version;		/* the highest offered: 0x0303, 0x0304 */
	bool alpn;			/* the ALPN extension is present */
	bool alpn_http11;		/* it offers "http/1.1" */
	bool alpn_h2;			/* it offers "h2" */
	const char *why;		/* GW_TLS_HELLO_BAD: what was wrong */
};

/**
 * Parse the ClientHello at the start of a TLS connection.
 * @param buf  the first len bytes the client sent.
 * @param tmp  scratch of GW_TLS_HELLO_MAX bytes for a ClientHello that
 *   spans records.
 * @return enum gw_tls_hello_rc.
 */
int gw_tls_hello_parse(const uint8_t *buf, size_t len, uint8_t *tmp,
		       struct gw_tls_hello *h);

/**
 * How well a server host matches a server name: -1 no match, 0 for "*",
 * the suffix length + 1 for "*.suffix" (which matches any name under
 * suffix, at any depth), INT32_MAX for the same name (case-insensitive).
 * An empty name (no SNI) matches only "*".
 */
int32_t gw_tls_sni_rank(const char *pattern, const char *sni);

#endif /* GW_TLS_HELLO_H */
