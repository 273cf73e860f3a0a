/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ClientHello parsing and server name ranking (see gw_tls_hello.h).
 */
#include <string.h>
#include <strings.h>

#include "gw_tls_hello.h"

#define REC_HANDSHAKE 22
#define REC_HDR 5
#define REC_MAX (16384 + 2048)	/* TLSCiphertext limit, generous */
#define HS_CLIENT_HELLO 1
#define EXT_SERVER_NAME 0
#define EXT_ALPN 16
#define EXT_SUPPORTED_VERSIONS 43

/* A bounded reader over the message. */
struct rd {
	const uint8_t *p;
	size_t n;
	bool bad;
};

static uint32_t
rd_u(struct rd *r, unsigned bytes)
{
	uint32_t v = 0;
	unsigned i;

	if (r->bad || r->n < bytes) {
		r->bad = true;
		return 0;
	}
	for (i = 0; i < bytes; i++)
		v = v << 8 | r->p[i];
	r->p += bytes;
	r->n -= bytes;
	return v;
}

/* A sub-reader over the next len bytes (a vector). */
static struct rd
rd_sub(struct rd *r, size_t len)
{
	struct rd s = { r->p, len, false };

	if (r->bad || r->n < len) {
		r->bad = true;
		s.n = 0;
		s.bad = true;
		return s;
	}
	r->p += len;
	r->n -= len;
	return s;
}

static int
bad(struct gw_tls_hello *h, const char *why)
{
	h->why = why;
	return GW_TLS_HELLO_BAD;
}

static int
ext_sni(struct rd *e, struct gw_tls_hello *h)
{
	struct rd list = rd_sub(e, rd_u(e, 2));

	while (!list.bad && list.n > 0) {
		unsigned type = rd_u(&list, 1);
		struct rd name = rd_sub(&list, rd_u(&list, 2));
		size_t i, n = name.n;

		if (list.bad)
			break;
		if (type != 0 || h->sni[0] != '\0')
			continue;	/* one host_name (RFC 6066 §3) */
		if (n > 0 && name.p[n - 1] == '.')
			n--;	/* the root label */
		if (n == 0 || n > GW_TLS_SNI_MAX)
			return bad(h, "server name of a bad length");
		for (i = 0; i < n; i++) {
			uint8_t ch = name.p[i];

			if (ch >= 'A' && ch <= 'Z')
				ch = (uint8_t)(ch + 32);
			/* letters, digits, '-' and '_' in labels, no empty
			 * label (RFC 6066 §3: a DNS hostname) */
			if (ch == '.' ? i == 0 || name.p[i - 1] == '.' :
			    !((ch >= 'a' && ch <= 'z') ||
			      (ch >= '0' && ch <= '9') || ch == '-' ||
			      ch == '_'))
				return bad(h, "server name that is not a DNS "
					   "host name");
			h->sni[i] = (char)ch;
		}
		if (name.p[n - 1] == '.')
			return bad(h, "server name that is not a DNS host "
				   "name");
		h->sni[n] = '\0';
	}
	if (list.bad || e->bad || e->n != 0)
		return bad(h, "malformed server_name extension");
	return GW_TLS_HELLO_OK;
}

static int
ext_alpn(struct rd *e, struct gw_tls_hello *h)
{
	struct rd list = rd_sub(e, rd_u(e, 2));

	h->alpn = true;
	while (!list.bad && list.n > 0) {
		struct rd p = rd_sub(&list, rd_u(&list, 1));

		if (list.bad || p.n == 0)
			return bad(h, "malformed ALPN extension");
		if (p.n == 8 && memcmp(p.p, "http/1.1", 8) == 0)
			h->alpn_http11 = true;
		else if (p.n == 2 && memcmp(p.p, "h2", 2) == 0)
			h->alpn_h2 = true;
	}
	if (list.bad || e->n != 0)
		return bad(h, "malformed ALPN extension");
	return GW_TLS_HELLO_OK;
}

static int
ext_versions(struct rd *e, struct gw_tls_hello *h)
{
	struct rd list = rd_sub(e, rd_u(e, 1));

	if (list.n == 0 || list.n % 2 != 0)
		return bad(h, "malformed supported_versions extension");
	while (!list.bad && list.n > 0) {
		uint16_t v = (uint16_t)rd_u(&list, 2);

		/* GREASE values (RFC 8701) and DTLS are not versions here */
		if ((v & 0x0f0f) == 0x0a0a || v < 0x0300 || v > 0x03ff)
			continue;
		if (v > h->version || h->version < 0x0300)
			h->version = v;
	}
	if (e->n != 0)
		return bad(h, "malformed supported_versions extension");
	return GW_TLS_HELLO_OK;
}

static int
hello_body(const uint8_t *p, size_t len, struct gw_tls_hello *h)
{
	struct rd r = { p, len, false }, ext;
	bool seen_versions = false;
	uint32_t n;

	h->version = (uint16_t)rd_u(&r, 2);
	if (!r.bad && (h->version >> 8) != 3)
		return bad(h, "ClientHello with a version that is not TLS");
	(void)rd_sub(&r, 32);			/* random */
	n = rd_u(&r, 1);			/* legacy_session_id */
	if (n > 32)
		return bad(h, "session id longer than 32 bytes");
	(void)rd_sub(&r, n);
	n = rd_u(&r, 2);			/* cipher_suites */
	if (!r.bad && (n < 2 || n % 2 != 0))
		return bad(h, "malformed cipher suite list");
	(void)rd_sub(&r, n);
	n = rd_u(&r, 1);			/* compression methods */
	if (!r.bad && n < 1)
		return bad(h, "no compression method");
	(void)rd_sub(&r, n);
	if (r.bad)
		return bad(h, "truncated ClientHello");
	if (r.n == 0)
		return GW_TLS_HELLO_OK;		/* no extensions (TLS 1.0 era) */
	ext = rd_sub(&r, rd_u(&r, 2));
	if (r.bad || r.n != 0)
		return bad(h, "malformed extension block");
	while (ext.n > 0) {
		uint32_t type = rd_u(&ext, 2);
		struct rd e = rd_sub(&ext, rd_u(&ext, 2));
		int rc = GW_TLS_HELLO_OK;

		if (ext.bad)
			return bad(h, "truncated extension");
		if (type == EXT_SERVER_NAME)
			rc = ext_sni(&e, h);
		else if (type == EXT_ALPN)
			rc = ext_alpn(&e, h);
		else if (type == EXT_SUPPORTED_VERSIONS && !seen_versions) {
			uint16_t legacy = h->version;

			seen_versions = true;
			h->version = 0;
			rc = ext_versions(&e, h);
			if (rc == GW_TLS_HELLO_OK && h->version == 0)
				h->version = legacy;
		}
		if (rc != GW_TLS_HELLO_OK)
			return rc;
	}
	return GW_TLS_HELLO_OK;
}

int
gw_tls_hello_parse(const uint8_t *buf, size_t len, uint8_t *tmp,
		   struct gw_tls_hello *h)
{
	size_t off = 0, have = 0, need = 0;

	memset(h, 0, sizeof(*h));
	/* gather handshake bytes from the records until the message is whole */
	for (;;) {
		size_t rlen, take;

		if (len - off < REC_HDR) {
			/* judge what there is of a header early */
			if (len > off && buf[off] != REC_HANDSHAKE)
				return bad(h, "not a TLS handshake record");
			if (len - off > 1 && buf[off + 1] != 3)
				return bad(h, "not a TLS record version");
			return GW_TLS_HELLO_MORE;
		}
		if (buf[off] != REC_HANDSHAKE)
			return bad(h, "not a TLS handshake record");
		if (buf[off + 1] != 3)
			return bad(h, "not a TLS record version");
		rlen = (size_t)buf[off + 3] << 8 | buf[off + 4];
		if (rlen == 0 || rlen > REC_MAX)
			return bad(h, "TLS record of a bad length");
		if (len - off - REC_HDR < rlen)
			return GW_TLS_HELLO_MORE;
		take = rlen;
		if (have + take > GW_TLS_HELLO_MAX)
			return bad(h, "ClientHello too large");
		memcpy(tmp + have, buf + off + REC_HDR, take);
		have += take;
		off += REC_HDR + rlen;
		if (need == 0 && have >= 4) {
			if (tmp[0] != HS_CLIENT_HELLO)
				return bad(h, "the first handshake message is "
					   "not a ClientHello");
			need = 4 + ((size_t)tmp[1] << 16 | (size_t)tmp[2] << 8 |
				    tmp[3]);
			if (need > GW_TLS_HELLO_MAX)
				return bad(h, "ClientHello too large");
		}
		if (need != 0 && have >= need)
			break;
	}
	return hello_body(tmp + 4, need - 4, h);
}

int32_t
gw_tls_sni_rank(const char *pattern, const char *sni)
{
	size_t pl, sl;

	if (strcmp(pattern, "*") == 0)
		return 0;
	if (sni[0] == '\0')
		return -1;
	if (pattern[0] == '*' && pattern[1] == '.') {
		pl = strlen(pattern + 1);	/* ".suffix" */
		sl = strlen(sni);
		if (sl > pl && strcasecmp(sni + sl - pl, pattern + 1) == 0)
			return (int32_t)pl;
		return -1;
	}
	return strcasecmp(pattern, sni) == 0 ? INT32_MAX : -1;
}
