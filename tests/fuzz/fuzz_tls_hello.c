/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for lib/tls/hello.c. Input: the first bytes a client
 * sent. Parse them with a heap scratch of exactly GW_TLS_HELLO_MAX bytes
 * (ASan catches a write past it, and an over-read of libFuzzer's buffer,
 * which is exactly the input) and check what the header promises: on OK
 * a NUL-terminated, lower-case server name of host characters without a
 * trailing dot and at most GW_TLS_SNI_MAX long, a TLS version, ALPN flags
 * only with ALPN; on BAD a reason. Then check that the parser streams:
 * prefixes of the input agree with it (a prefix is never OK unless the
 * whole is, with the same result, and a prefix of a MORE input is MORE);
 * that an OK ClientHello re-framed into other records (one record, and
 * records of sizes taken from the input) parses the same; and rank the
 * name against a few fixed patterns. Any mismatch abort()s.
 * Corpus: corpus/tls_hello/, dictionary: tls_hello.dict. Ordinary builds
 * replay the corpus through replay_main.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_tls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC_HDR 5
#define REC_HANDSHAKE 22
/* a ClientHello of GW_TLS_HELLO_MAX + 4 bytes, one byte per record */
#define FRAMED_MAX ((GW_TLS_HELLO_MAX + 4) * (REC_HDR + 1))

static uint8_t *scratch;	/* GW_TLS_HELLO_MAX bytes on the heap */
static uint8_t msg[GW_TLS_HELLO_MAX + 4];
static uint8_t framed[FRAMED_MAX];

static int
parse(const uint8_t *buf, size_t len, struct gw_tls_hello *h)
{
	int rc;

	if (scratch == NULL) {
		scratch = malloc(GW_TLS_HELLO_MAX);
		if (scratch == NULL)
			abort();
	}
	rc = gw_tls_hello_parse(buf, len, scratch, h);
	if (rc != GW_TLS_HELLO_OK && rc != GW_TLS_HELLO_MORE &&
	    rc != GW_TLS_HELLO_BAD)
		abort();
	if (rc == GW_TLS_HELLO_BAD && (h->why == NULL || h->why[0] == '\0'))
		abort();
	return rc;
}

static void
check_ok(const struct gw_tls_hello *h)
{
	const char *end = memchr(h->sni, '\0', sizeof(h->sni));
	size_t n, i;

	if (end == NULL)
		abort();
	n = (size_t)(end - h->sni);
	if (n > GW_TLS_SNI_MAX)
		abort();
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)h->sni[i];

		if (ch <= 0x20 || ch >= 0x7f || (ch >= 'A' && ch <= 'Z'))
			abort();
	}
	if (n > 0 && h->sni[n - 1] == '.')
		abort();
	if (h->version >> 8 != 3)
		abort();
	if ((h->alpn_h2 || h->alpn_http11) && !h->alpn)
		abort();
}

static bool
same(const struct gw_tls_hello *a, const struct gw_tls_hello *b)
{
	return strcmp(a->sni, b->sni) == 0 && a->version == b->version &&
	       a->alpn == b->alpn && a->alpn_h2 == b->alpn_h2 &&
	       a->alpn_http11 == b->alpn_http11;
}

/* A prefix of the input must agree with what the whole gave. */
static void
check_prefix(const uint8_t *data, size_t len, int whole,
	     const struct gw_tls_hello *h)
{
	struct gw_tls_hello p;
	int rc = parse(data, len, &p);

	if (rc == GW_TLS_HELLO_OK && (whole != GW_TLS_HELLO_OK || !same(&p, h)))
		abort();
	if (whole == GW_TLS_HELLO_MORE && rc != GW_TLS_HELLO_MORE)
		abort();
	if (whole == GW_TLS_HELLO_OK && rc == GW_TLS_HELLO_BAD)
		abort();
}

/*
 * The handshake bytes of the leading records, cut to the ClientHello.
 * Returns its length, or 0 when the records do not hold it whole (which
 * an OK parse rules out).
 */
static size_t
gather(const uint8_t *data, size_t size)
{
	size_t off = 0, have = 0, need = 0, rlen, take;

	while (size - off >= REC_HDR && data[off] == REC_HANDSHAKE) {
		rlen = (size_t)data[off + 3] << 8 | data[off + 4];
		if (rlen > size - off - REC_HDR)
			break;
		take = rlen < sizeof(msg) - have ? rlen : sizeof(msg) - have;
		memcpy(msg + have, data + off + REC_HDR, take);
		have += take;
		off += REC_HDR + rlen;
		if (have >= 4) {
			need = 4 + ((size_t)msg[1] << 16 | (size_t)msg[2] << 8 |
				    msg[3]);
			if (need > sizeof(msg))
				return 0;
			if (have >= need)
				return need;
		}
	}
	return 0;
}

/* msg[0, len) in records of 1 + the next byte of sizes % 64 (or all in
 * one record without sizes). */
static size_t
frame(size_t len, const uint8_t *sizes, size_t n_sizes)
{
	size_t off = 0, o = 0, i = 0, chunk;

	while (off < len) {
		chunk = n_sizes ? 1 + (size_t)sizes[i++ % n_sizes] % 64 : len;
		if (chunk > len - off)
			chunk = len - off;
		framed[o++] = REC_HANDSHAKE;
		framed[o++] = 3;
		framed[o++] = 1;
		framed[o++] = (uint8_t)(chunk >> 8);
		framed[o++] = (uint8_t)chunk;
		memcpy(framed + o, msg + off, chunk);
		o += chunk;
		off += chunk;
	}
	return o;
}

static void
check_reframed(const uint8_t *data, size_t size, const struct gw_tls_hello *h)
{
	struct gw_tls_hello r;
	size_t len = gather(data, size), n;

	if (len == 0)
		abort();
	n = frame(len, NULL, 0);
	if (parse(framed, n, &r) != GW_TLS_HELLO_OK || !same(&r, h))
		abort();
	n = frame(len, data, size < 16 ? size : 16);
	if (parse(framed, n, &r) != GW_TLS_HELLO_OK || !same(&r, h))
		abort();
}

static void
check_rank(const char *sni)
{
	static const char suffix[] = ".example.com";
	size_t n = strlen(sni), s = sizeof(suffix) - 1;
	int32_t want;
	char upper[GW_TLS_SNI_MAX + 1];
	size_t i;

	if (gw_tls_sni_rank("*", sni) != 0)
		abort();
	want = n > s && strcmp(sni + n - s, suffix) == 0 ? (int32_t)s : -1;
	if (gw_tls_sni_rank("*.example.com", sni) != want ||
	    gw_tls_sni_rank("*.EXAMPLE.com", sni) != want)
		abort();
	want = strcmp(sni, "www.example.com") == 0 ? INT32_MAX : -1;
	if (gw_tls_sni_rank("www.example.com", sni) != want)
		abort();
	if (n == 0) {
		if (gw_tls_sni_rank("", sni) != -1)
			abort();
		return;
	}
	/* the name itself, in any case (a name that is itself a pattern,
	 * "*" or "*.x", ranks as one) */
	if (sni[0] == '*')
		return;
	for (i = 0; i <= n; i++)
		upper[i] = (char)(sni[i] >= 'a' && sni[i] <= 'z' ? sni[i] - 32 :
				  sni[i]);
	if (gw_tls_sni_rank(sni, sni) != INT32_MAX ||
	    gw_tls_sni_rank(upper, sni) != INT32_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_tls_hello h;
	int rc;

	rc = parse(data, size, &h);
	if (rc == GW_TLS_HELLO_OK)
		check_ok(&h);
	if (size > 0) {
		check_prefix(data, size - 1, rc, &h);
		check_prefix(data, size / 2, rc, &h);
	}
	if (rc == GW_TLS_HELLO_OK) {
		check_reframed(data, size, &h);
		check_rank(h.sni);
	}
	return 0;
}
