/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/http/parse.c: one table of messages, each with the
 * outcome RFC 9110/9112 call for. Every case runs whole with each scanner
 * (scalar, SSE2, AVX2) and then split into pieces of 1, 2, 3, 5, 7 and 13
 * bytes, and every run must give the same result, error, error offset,
 * head and body as the first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_http.h"
#include "feed.h"

#define E(x) GW_HTTP_E_##x
#define ANY  (-1)

struct tcase {
	const char *name;
	const char *in;
	size_t len;			/* bytes of in (it may hold NULs) */
	enum gw_http_err err;		/* NONE: must complete */
	int type;			/* 0 request, 1 response */
	int req_method;			/* responses */
	int body;			/* enum gw_http_body or ANY */
	const char *payload;		/* expected body, or NULL */
	unsigned int flags_set;		/* these flags must be set */
	unsigned int flags_clear;	/* these must be clear */
	int nhdrs;			/* or ANY */
	int used;			/* bytes of the message, or ANY */
	bool eof;			/* peer closes after the input */
	bool incomplete;		/* must end incomplete, not done */
};

#define KA GW_HTTP_F_KEEP_ALIVE
#define REQ(n, s) .name = n, .in = s, .len = sizeof(s) - 1
#define GET_H "GET / HTTP/1.1\r\nHost: a\r\n"

static const struct tcase cases[] = {
	/* ---- requests that must parse ---- */
	{ REQ("simple get", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
	  .body = GW_HTTP_BODY_NONE, .flags_set = KA, .nhdrs = 1, .used = ANY },
	{ REQ("http/1.0 no host", "GET / HTTP/1.0\r\n\r\n"),
	  .body = GW_HTTP_BODY_NONE, .flags_clear = KA, .nhdrs = 0,
	  .used = ANY },
	{ REQ("http/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: "
	  "Keep-Alive\r\n\r\n"), .body = ANY, .flags_set = KA |
	  GW_HTTP_F_CONN_KEEPALIVE, .nhdrs = 1, .used = ANY },
	{ REQ("connection close", GET_H "Connection: close\r\n\r\n"),
	  .body = ANY, .flags_set = GW_HTTP_F_CONN_CLOSE, .flags_clear = KA,
	  .nhdrs = 2, .used = ANY },
	{ REQ("connection list", GET_H "Connection: foo, , Close\r\n\r\n"),
	  .body = ANY, .flags_set = GW_HTTP_F_CONN_CLOSE | GW_HTTP_F_CONN_OTHER,
	  .flags_clear = KA, .nhdrs = 2, .used = ANY },
	{ REQ("http/1.2 speaks 1.1", "GET / HTTP/1.2\r\nHost: a\r\n\r\n"),
	  .body = ANY, .flags_set = KA, .nhdrs = 1, .used = ANY },
	{ REQ("value whitespace trimmed", GET_H "X-A: \t a \t b \t \r\n"
	  "X-B:\r\nX-C:   \r\n\r\n"), .body = ANY, .nhdrs = 4, .used = ANY },
	{ REQ("content-length body", "POST /u HTTP/1.1\r\nHost: a\r\n"
	  "Content-Length: 5\r\n\r\nhello"), .body = GW_HTTP_BODY_LENGTH,
	  .payload = "hello", .flags_set = KA, .nhdrs = 2, .used = ANY },
	{ REQ("content-length 0", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Content-Length: 0\r\n\r\n"), .body = GW_HTTP_BODY_NONE,
	  .nhdrs = 2, .used = ANY },
	{ REQ("content-length identical list", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Content-Length: 3 , 3\r\nContent-Length: 003\r\n\r\nabc"),
	  .body = GW_HTTP_BODY_LENGTH, .payload = "abc", .nhdrs = 3,
	  .used = ANY },
	{ REQ("chunked body", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
	  "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"),
	  .body = GW_HTTP_BODY_CHUNKED,
	  .payload = "helloabcdefghijklmnopqrstuvwxyz", .flags_set = KA,
	  .flags_clear = GW_HTTP_F_TRAILERS, .nhdrs = 2, .used = ANY },
	{ REQ("chunked case and list", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: ,  CHUNKED ,\r\n\r\n0\r\n\r\n"),
	  .body = GW_HTTP_BODY_CHUNKED, .payload = "", .nhdrs = 2,
	  .used = ANY },
	{ REQ("chunk extensions and trailers", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n"
	  "3;a=b ; c = \"x \\\" y\";d\r\nabc\r\n000;e=f\r\n"
	  "X-Checksum: 1\r\nX-Other: two\r\n\r\n"),
	  .body = GW_HTTP_BODY_CHUNKED, .payload = "abc",
	  .flags_set = GW_HTTP_F_TRAILERS, .nhdrs = 2, .used = ANY },
	{ REQ("expect 100-continue", "PUT / HTTP/1.1\r\nHost: a\r\n"
	  "Expect: 100-Continue\r\nContent-Length: 1\r\n\r\nx"),
	  .body = GW_HTTP_BODY_LENGTH, .payload = "x",
	  .flags_set = GW_HTTP_F_EXPECT_CONTINUE, .nhdrs = 3, .used = ANY },
	{ REQ("expect ignored in 1.0", "PUT / HTTP/1.0\r\n"
	  "Expect: 100-continue\r\n\r\n"), .body = ANY,
	  .flags_clear = GW_HTTP_F_EXPECT_CONTINUE, .nhdrs = 1, .used = ANY },
	{ REQ("websocket upgrade", "GET /ws HTTP/1.1\r\nHost: a\r\n"
	  "Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n"),
	  .body = GW_HTTP_BODY_NONE, .flags_set = GW_HTTP_F_UPGRADE,
	  .nhdrs = 3, .used = ANY },
	{ REQ("upgrade without connection token", GET_H
	  "Upgrade: websocket\r\n\r\n"), .body = ANY,
	  .flags_clear = GW_HTTP_F_UPGRADE, .nhdrs = 2, .used = ANY },
	{ REQ("pipelined: first message only", GET_H "\r\n" GET_H "\r\n"),
	  .body = ANY, .nhdrs = 1, .used = 27 },
	{ REQ("pipelined after body", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Content-Length: 2\r\n\r\nokGET / HTTP/1.1\r\n"), .body = ANY,
	  .payload = "ok", .nhdrs = 2, .used = 49 },
	{ REQ("empty lines before request line", "\r\n\r\n" GET_H "\r\n"),
	  .body = ANY, .nhdrs = 1, .used = ANY },
	{ REQ("absolute-form", "GET http://a.example/x?y HTTP/1.1\r\n"
	  "Host: a.example\r\n\r\n"), .body = ANY, .nhdrs = 1, .used = ANY },
	{ REQ("connect authority-form", "CONNECT a.example:443 HTTP/1.1\r\n"
	  "Host: a.example:443\r\n\r\n"), .body = ANY, .nhdrs = 1,
	  .used = ANY },
	{ REQ("connect ipv6 literal", "CONNECT [::1]:8443 HTTP/1.1\r\n"
	  "Host: [::1]:8443\r\n\r\n"), .body = ANY, .nhdrs = 1, .used = ANY },
	{ REQ("connect with fragment", "CONNECT a:443# HTTP/1.1\r\n"
	  "Host: a\r\n\r\n"), .err = E(TARGET_FORM) },
	{ REQ("connect without port", "CONNECT a.example HTTP/1.1\r\n"
	  "Host: a\r\n\r\n"), .err = E(TARGET_FORM) },
	{ REQ("connect empty port", "CONNECT a.example: HTTP/1.1\r\n"
	  "Host: a\r\n\r\n"), .err = E(TARGET_FORM) },
	{ REQ("connect port too long", "CONNECT a:123456 HTTP/1.1\r\n"
	  "Host: a\r\n\r\n"), .err = E(TARGET_FORM) },
	{ REQ("options asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .body = ANY, .nhdrs = 1, .used = ANY },
	{ REQ("extension method and odd target", "PURGE /a%20b;c=d?e=[f]"
	  " HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"), .body = ANY, .nhdrs = 1,
	  .used = ANY },
	{ REQ("obs-text in value", GET_H "X-U: caf\xc3\xa9\r\n\r\n"),
	  .body = ANY, .nhdrs = 2, .used = ANY },
	{ REQ("long value crosses vector widths", GET_H "Cookie: "
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\tccc  \r\n\r\n"),
	  .body = ANY, .nhdrs = 2, .used = ANY },
	{ REQ("incomplete head", "GET / HTTP/1.1\r\nHost: a\r\n"),
	  .body = ANY, .nhdrs = ANY, .used = ANY, .incomplete = true },
	{ REQ("incomplete body", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Content-Length: 9\r\n\r\nabc"), .body = ANY, .nhdrs = ANY,
	  .used = ANY, .incomplete = true },

	/* ---- request errors ---- */
	{ REQ("CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n"), .err = E(CL_AND_TE) },
	{ REQ("TE and CL", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
	  .err = E(CL_AND_TE) },
	{ REQ("differing CL", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Content-Length: 3\r\nContent-Length: 4\r\n\r\n"),
	  .err = E(CL_CONFLICT) },
	{ REQ("differing CL list", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Content-Length: 3, 4\r\n\r\n"), .err = E(CL_CONFLICT) },
	{ REQ("CL not a number", GET_H "Content-Length: 3a\r\n\r\n"),
	  .err = E(CL_INVALID) },
	{ REQ("CL negative", GET_H "Content-Length: -1\r\n\r\n"),
	  .err = E(CL_INVALID) },
	{ REQ("CL plus sign", GET_H "Content-Length: +1\r\n\r\n"),
	  .err = E(CL_INVALID) },
	{ REQ("CL empty", GET_H "Content-Length:\r\n\r\n"),
	  .err = E(CL_INVALID) },
	{ REQ("CL trailing comma", GET_H "Content-Length: 1,\r\n\r\n"),
	  .err = E(CL_INVALID) },
	{ REQ("CL inner space", GET_H "Content-Length: 1 2\r\n\r\n"),
	  .err = E(CL_INVALID) },
	{ REQ("CL overflow", GET_H "Content-Length: 9223372036854775808\r\n"
	  "\r\n"), .err = E(CL_INVALID) },
	{ REQ("CL largest", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Content-Length: 9223372036854775807\r\n\r\n"),
	  .body = GW_HTTP_BODY_LENGTH, .nhdrs = 2, .used = ANY,
	  .incomplete = true },
	{ REQ("TE not chunked", GET_H "Transfer-Encoding: gzip\r\n\r\n"),
	  .err = E(TE_NOT_CHUNKED) },
	{ REQ("TE chunked not last", GET_H "Transfer-Encoding: chunked, gzip"
	  "\r\n\r\n"), .err = E(TE_NOT_CHUNKED) },
	{ REQ("TE chunked then other line", GET_H "Transfer-Encoding: chunked"
	  "\r\nTransfer-Encoding: gzip\r\n\r\n"), .err = E(TE_NOT_CHUNKED) },
	{ REQ("TE empty", GET_H "Transfer-Encoding: \r\n\r\n"),
	  .err = E(TE_NOT_CHUNKED) },
	{ REQ("TE other before chunked", GET_H "Transfer-Encoding: gzip, "
	  "chunked\r\n\r\n"), .err = E(TE_UNSUPPORTED) },
	{ REQ("TE with parameter", GET_H "Transfer-Encoding: chunked;q=1\r\n"
	  "\r\n"), .err = E(TE_UNSUPPORTED) },
	{ REQ("TE chunked twice", GET_H "Transfer-Encoding: chunked\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n"), .err = E(TE_CHUNKED_TWICE) },
	{ REQ("TE prefix of chunked", GET_H "Transfer-Encoding: chunk\r\n\r\n"),
	  .err = E(TE_NOT_CHUNKED) },
	{ REQ("TE with vertical tab", GET_H "Transfer-Encoding: \x0b"
	  "chunked\r\n\r\n"), .err = E(HEADER_VALUE) },
	{ REQ("TE in HTTP/1.0", "POST / HTTP/1.0\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n"), .err = E(TE_HTTP10) },
	{ REQ("obs-fold", GET_H "X-A: one\r\n two\r\n\r\n"),
	  .err = E(OBS_FOLD) },
	{ REQ("whitespace after start line", "GET / HTTP/1.1\r\n Host: a\r\n"
	  "\r\n"), .err = E(WS_AFTER_START_LINE) },
	{ REQ("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
	  .err = E(WS_BEFORE_COLON) },
	{ REQ("tab before colon", GET_H "Content-Length\t: 1\r\n\r\n"),
	  .err = E(WS_BEFORE_COLON) },
	{ REQ("bare CR in value", GET_H "X-A: a\rb\r\n\r\n"),
	  .err = E(BARE_CR) },
	{ REQ("bare LF ends a line", GET_H "X-A: a\n\r\n"), .err = E(BARE_LF) },
	{ REQ("bare LF ends the head", GET_H "\n"), .err = E(BARE_LF) },
	{ REQ("bare LF request line", "GET / HTTP/1.1\nHost: a\r\n\r\n"),
	  .err = E(BARE_LF) },
	{ REQ("bare CR ends the head", GET_H "\rX"), .err = E(BARE_CR) },
	{ REQ("NUL in value", GET_H "X-A: a\0b\r\n\r\n"), .err = E(NUL) },
	{ REQ("NUL in name", GET_H "X\0A: b\r\n\r\n"), .err = E(NUL) },
	{ REQ("NUL in special value", GET_H "Connection: clo\0se\r\n\r\n"),
	  .err = E(NUL) },
	{ REQ("control char in value", GET_H "X-A: a\x01" "b\r\n\r\n"),
	  .err = E(HEADER_VALUE) },
	{ REQ("DEL in value", GET_H "X-A: a\x7f\r\n\r\n"),
	  .err = E(HEADER_VALUE) },
	{ REQ("separator in name", GET_H "X(A): b\r\n\r\n"),
	  .err = E(HEADER_NAME) },
	{ REQ("empty name", GET_H ": b\r\n\r\n"), .err = E(HEADER_NAME) },
	{ REQ("line without colon", GET_H "X-A\r\n\r\n"),
	  .err = E(HEADER_NAME) },
	{ REQ("missing host", "GET / HTTP/1.1\r\n\r\n"),
	  .err = E(HOST_MISSING) },
	{ REQ("two hosts", GET_H "Host: b\r\n\r\n"), .err = E(HOST_DUPLICATE) },
	{ REQ("host with path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"),
	  .err = E(HOST_INVALID) },
	{ REQ("host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
	  .err = E(HOST_INVALID) },
	{ REQ("host with at", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n"),
	  .err = E(HOST_INVALID) },
	{ REQ("bad expectation", GET_H "Expect: 200-ok\r\n\r\n"),
	  .err = E(EXPECTATION) },
	{ REQ("method with separator", "GE(T / HTTP/1.1\r\n\r\n"),
	  .err = E(METHOD) },
	{ REQ("leading space", " GET / HTTP/1.1\r\n\r\n"), .err = E(METHOD) },
	{ REQ("double space", "GET  / HTTP/1.1\r\n\r\n"),
	  .err = E(REQUEST_LINE) },
	{ REQ("http/0.9 request", "GET /\r\n\r\n"), .err = E(REQUEST_LINE) },
	{ REQ("target with DEL", "GET /a\x7f HTTP/1.1\r\n\r\n"),
	  .err = E(TARGET) },
	{ REQ("target with raw utf-8", "GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n"),
	  .err = E(TARGET) },
	{ REQ("target with tab", "GET /a\tb HTTP/1.1\r\n\r\n"),
	  .err = E(TARGET) },
	{ REQ("asterisk for get", "GET * HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .err = E(TARGET_FORM) },
	{ REQ("connect origin-form", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .err = E(TARGET_FORM) },
	{ REQ("relative target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .err = E(TARGET_FORM) },
	{ REQ("version lower case", "GET / http/1.1\r\n\r\n"),
	  .err = E(VERSION) },
	{ REQ("version with suffix", "GET / HTTP/1.10\r\n\r\n"),
	  .err = E(VERSION) },
	{ REQ("version 2", "GET / HTTP/2.0\r\n\r\n"),
	  .err = E(VERSION_UNSUPPORTED) },
	{ REQ("version 0.9", "GET / HTTP/0.9\r\n\r\n"),
	  .err = E(VERSION_UNSUPPORTED) },
	{ REQ("too many empty lines", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
	  GET_H "\r\n"), .err = E(REQUEST_LINE) },
	{ REQ("chunk size not hex", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\nz\r\n"), .err = E(CHUNK_SIZE) },
	{ REQ("chunk size empty", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n\r\n"), .err = E(CHUNK_SIZE) },
	{ REQ("chunk size negative", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n-1\r\n"), .err = E(CHUNK_SIZE) },
	{ REQ("chunk size 0x prefix", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n0x5\r\n"), .err = E(CHUNK_SIZE) },
	{ REQ("chunk size overflow", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n"),
	  .err = E(CHUNK_SIZE_OVERFLOW) },
	{ REQ("chunk size 2^63", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n8000000000000000\r\n"),
	  .err = E(CHUNK_SIZE_OVERFLOW) },
	{ REQ("chunk size whitespace", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n"),
	  .err = E(CHUNK_EXT) },
	{ REQ("chunk ext without name", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n"),
	  .err = E(CHUNK_EXT) },
	{ REQ("chunk ext bad value", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n5;a=\"b\r\nhello\r\n"),
	  .err = E(CHUNK_EXT) },
	{ REQ("chunk ext bare LF", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n5;a\nhello\r\n"),
	  .err = E(BARE_LF) },
	{ REQ("chunk size bare LF", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n"),
	  .err = E(BARE_LF) },
	{ REQ("chunk data too long", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n"),
	  .err = E(CHUNK_DATA_END) },
	{ REQ("chunk data bare LF", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n"),
	  .err = E(CHUNK_DATA_END) },
	{ REQ("trailer obs-fold", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n"),
	  .err = E(OBS_FOLD) },
	{ REQ("trailer bad name", "POST / HTTP/1.1\r\nHost: a\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n0\r\nX Y: a\r\n\r\n"),
	  .err = E(WS_BEFORE_COLON) },

	/* ---- responses ---- */
	{ REQ("response with length", "HTTP/1.1 200 OK\r\n"
	  "Content-Length: 3\r\n\r\nabc"), .type = 1,
	  .req_method = GW_HTTP_M_GET, .body = GW_HTTP_BODY_LENGTH,
	  .payload = "abc", .flags_set = KA, .nhdrs = 1, .used = ANY },
	{ REQ("response until close", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"
	  "all of it"), .type = 1, .req_method = GW_HTTP_M_GET,
	  .body = GW_HTTP_BODY_EOF, .payload = "all of it", .flags_clear = KA,
	  .nhdrs = 1, .used = ANY, .eof = true },
	{ REQ("response cut short", "HTTP/1.1 200 OK\r\n"
	  "Content-Length: 10\r\n\r\nabc"), .type = 1,
	  .req_method = GW_HTTP_M_GET, .body = ANY, .nhdrs = ANY,
	  .used = ANY, .eof = true, .incomplete = true },
	{ REQ("chunked response", "HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
	  .type = 1, .req_method = GW_HTTP_M_GET, .body = GW_HTTP_BODY_CHUNKED,
	  .payload = "ok", .flags_set = KA, .nhdrs = 1, .used = ANY },
	{ REQ("response gzip then chunked", "HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: gzip, chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n"),
	  .type = 1, .req_method = GW_HTTP_M_GET, .body = GW_HTTP_BODY_CHUNKED,
	  .payload = "z", .flags_set = GW_HTTP_F_TE_OTHER, .nhdrs = 1,
	  .used = ANY },
	{ REQ("response TE without chunked", "HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: gzip\r\n\r\nzz"), .type = 1,
	  .req_method = GW_HTTP_M_GET, .body = GW_HTTP_BODY_EOF,
	  .payload = "zz", .flags_clear = KA, .nhdrs = 1, .used = ANY,
	  .eof = true },
	{ REQ("response to HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
	  "\r\n"), .type = 1, .req_method = GW_HTTP_M_HEAD,
	  .body = GW_HTTP_BODY_NONE, .flags_set = KA, .nhdrs = 1,
	  .used = ANY },
	{ REQ("204", "HTTP/1.1 204 No Content\r\n\r\n"), .type = 1,
	  .req_method = GW_HTTP_M_DELETE, .body = GW_HTTP_BODY_NONE,
	  .flags_set = KA, .nhdrs = 0, .used = ANY },
	{ REQ("304", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"),
	  .type = 1, .req_method = GW_HTTP_M_GET, .body = GW_HTTP_BODY_NONE,
	  .nhdrs = 1, .used = ANY },
	{ REQ("100 continue", "HTTP/1.1 100 Continue\r\n\r\n"), .type = 1,
	  .req_method = GW_HTTP_M_PUT, .body = GW_HTTP_BODY_NONE,
	  .flags_set = GW_HTTP_F_INTERIM, .nhdrs = 0, .used = ANY },
	{ REQ("101 switching", "HTTP/1.1 101 Switching Protocols\r\n"
	  "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello"),
	  .type = 1, .req_method = GW_HTTP_M_GET, .body = GW_HTTP_BODY_TUNNEL,
	  .flags_clear = KA, .nhdrs = 2, .used = 77 },
	{ REQ("connect established", "HTTP/1.1 200 Connection established"
	  "\r\n\r\n"), .type = 1, .req_method = GW_HTTP_M_CONNECT,
	  .body = GW_HTTP_BODY_TUNNEL, .nhdrs = 0, .used = ANY },
	{ REQ("status without reason", "HTTP/1.1 200\r\n"
	  "Content-Length: 0\r\n\r\n"), .type = 1,
	  .req_method = GW_HTTP_M_GET, .body = GW_HTTP_BODY_NONE,
	  .nhdrs = 1, .used = ANY },
	{ REQ("http/1.0 response", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n"
	  "\r\nx"), .type = 1, .req_method = GW_HTTP_M_GET,
	  .body = GW_HTTP_BODY_LENGTH, .payload = "x", .flags_clear = KA,
	  .nhdrs = 1, .used = ANY },
	{ REQ("status letters", "HTTP/1.1 2x0 OK\r\n\r\n"), .type = 1,
	  .err = E(STATUS_LINE) },
	{ REQ("status too short", "HTTP/1.1 20 OK\r\n\r\n"), .type = 1,
	  .err = E(STATUS_LINE) },
	{ REQ("status below 100", "HTTP/1.1 099 OK\r\n\r\n"), .type = 1,
	  .err = E(STATUS_LINE) },
	{ REQ("status line bad version", "HTTX/1.1 200 OK\r\n\r\n"),
	  .type = 1, .err = E(STATUS_LINE) },
	{ REQ("response CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n"), .type = 1,
	  .req_method = GW_HTTP_M_GET, .err = E(CL_AND_TE) },
	{ REQ("response bare LF", "HTTP/1.1 200 OK\n\r\n"), .type = 1,
	  .err = E(BARE_LF) },
	{ REQ("response reason with CTL", "HTTP/1.1 200 O\x01K\r\n\r\n"),
	  .type = 1, .err = E(STATUS_LINE) },
};

static const char *const scanners[] = { "scalar", "sse2", "avx2" };
static const size_t steps[] = { 1, 2, 3, 5, 7, 13 };

static struct feed ref, run;

static void
same_outcome(const struct tcase *c, const char *how, size_t step)
{
	const struct gw_http_msg *a = &ref.p.msg, *b = &run.p.msg;
	int i;

	if (run.result != ref.result || run.p.err != ref.p.err ||
	    (ref.result == FEED_ERROR && run.p.err_off != ref.p.err_off)) {
		print_error("%s: %s step %zu: result %d err %s@%llu, "
			    "whole: %d err %s@%llu\n", c->name, how, step,
			    run.result, gw_http_err_name(run.p.err),
			    (unsigned long long)run.p.err_off, ref.result,
			    gw_http_err_name(ref.p.err),
			    (unsigned long long)ref.p.err_off);
		fail();
	}
	if (ref.result != FEED_DONE)
		return;
	assert_int_equal(run.used, ref.used);
	assert_int_equal(run.body_len, ref.body_len);
	assert_memory_equal(run.body, ref.body,
			    ref.body_len < FEED_MAX_BODY ? ref.body_len : 0);
	assert_int_equal(b->method, a->method);
	assert_int_equal(b->method_off, a->method_off);
	assert_int_equal(b->method_len, a->method_len);
	assert_int_equal(b->target_off, a->target_off);
	assert_int_equal(b->target_len, a->target_len);
	assert_int_equal(b->target_form, a->target_form);
	assert_int_equal(b->status, a->status);
	assert_int_equal(b->reason_off, a->reason_off);
	assert_int_equal(b->reason_len, a->reason_len);
	assert_int_equal(b->flags, a->flags);
	assert_int_equal(b->body, a->body);
	assert_int_equal(b->content_length, a->content_length);
	assert_int_equal(b->head_len, a->head_len);
	assert_int_equal(b->host_idx, a->host_idx);
	assert_int_equal(b->nhdrs, a->nhdrs);
	for (i = 0; i < a->nhdrs; i++)
		assert_memory_equal(&b->hdrs[i], &a->hdrs[i],
				    sizeof(a->hdrs[i]));
}

static void
test_table(void **state)
{
	size_t k, s, j;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct tcase *c = &cases[k];
		const uint8_t *in = (const uint8_t *)c->in;
		size_t len = c->len;
		enum gw_http_type type = c->type ? GW_HTTP_RESPONSE :
						   GW_HTTP_REQUEST;

		assert_int_equal(gw_http_scanner_set("scalar"), 0);
		feed_run(&ref, NULL, type, c->req_method, in, len, 0, c->eof);
		if (c->err != GW_HTTP_E_NONE) {
			if (ref.result != FEED_ERROR || ref.p.err != c->err) {
				print_error("%s: want %s, got result %d %s\n",
					    c->name, gw_http_err_name(c->err),
					    ref.result,
					    gw_http_err_name(ref.p.err));
				fail();
			}
		} else if (c->incomplete) {
			if (ref.result != FEED_INCOMPLETE) {
				print_error("%s: want incomplete, got %d %s\n",
					    c->name, ref.result,
					    gw_http_err_name(ref.p.err));
				fail();
			}
		} else {
			if (ref.result != FEED_DONE) {
				print_error("%s: want done, got %d %s@%llu\n",
					    c->name, ref.result,
					    gw_http_err_name(ref.p.err),
					    (unsigned long long)ref.p.err_off);
				fail();
			}
			if (c->body != ANY)
				assert_int_equal(ref.p.msg.body, c->body);
			if ((ref.p.msg.flags & c->flags_set) != c->flags_set ||
			    (ref.p.msg.flags & c->flags_clear) != 0) {
				print_error("%s: flags %#x\n", c->name,
					    ref.p.msg.flags);
				fail();
			}
			if (c->nhdrs != ANY)
				assert_int_equal(ref.p.msg.nhdrs, c->nhdrs);
			if (ref.used != (c->used == ANY ? len :
					 (size_t)c->used)) {
				print_error("%s: used %zu\n", c->name,
					    ref.used);
				fail();
			}
		}
		if (c->payload != NULL) {
			assert_int_equal(ref.body_len, strlen(c->payload));
			assert_memory_equal(ref.body, c->payload, ref.body_len);
		}
		for (s = 1; s < sizeof(scanners) / sizeof(scanners[0]); s++) {
			if (gw_http_scanner_set(scanners[s]) != 0)
				continue;
			feed_run(&run, NULL, type, c->req_method, in, len, 0,
				 c->eof);
			same_outcome(c, scanners[s], 0);
		}
		gw_http_scanner_set("scalar");
		for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
			feed_run(&run, NULL, type, c->req_method, in, len,
				 steps[j], c->eof);
			same_outcome(c, "scalar", steps[j]);
		}
	}
}

/* Offsets, values and ids of a parsed head. */
static void
test_fields(void **state)
{
	static const char in[] = "GET /p?q=1 HTTP/1.1\r\n"
				 "Host:  example.com:8080 \r\n"
				 "X-Empty:\r\n"
				 "Content-Length: 0\r\n"
				 "X-Tab:\tv\t w\t\r\n\r\n";
	const struct gw_http_msg *m = &ref.p.msg;
	size_t j;

	(void)state;
	for (j = 0; j < 3; j++) {
		feed_run(&ref, NULL, GW_HTTP_REQUEST, 0,
			 (const uint8_t *)in, sizeof(in) - 1, j, false);
		assert_int_equal(ref.result, FEED_DONE);
		assert_int_equal(m->method, GW_HTTP_M_GET);
		assert_memory_equal(in + m->target_off, "/p?q=1", 6);
		assert_int_equal(m->target_len, 6);
		assert_int_equal(m->target_form, GW_HTTP_TARGET_ORIGIN);
		assert_int_equal(m->version_minor, 1);
		assert_int_equal(m->nhdrs, 4);
		assert_int_equal(m->host_idx, 0);
		assert_int_equal(m->hdrs[0].id, GW_HTTP_H_HOST);
		assert_int_equal(m->hdrs[0].value_len, 16);
		assert_memory_equal(in + m->hdrs[0].value_off,
				    "example.com:8080", 16);
		assert_int_equal(m->hdrs[1].value_len, 0);
		assert_int_equal(m->hdrs[2].id, GW_HTTP_H_CONTENT_LENGTH);
		assert_int_equal(m->hdrs[3].value_len, 4);
		assert_memory_equal(in + m->hdrs[3].value_off, "v\t w", 4);
		assert_memory_equal(in + m->hdrs[3].line_end - 2, "\r\n", 2);
		assert_int_equal(m->head_len, sizeof(in) - 1);
		assert_int_equal(gw_http_msg_find(m, (const uint8_t *)in,
						  "x-tab", 5, 0), 3);
		assert_int_equal(gw_http_msg_find(m, (const uint8_t *)in,
						  "x-none", 6, 0), -1);
	}
}

/* Each limit with its own code, at the exact boundary. */
static void
test_limits(void **state)
{
	struct gw_http_limits lim;
	char in[512];
	int n;

	(void)state;
	gw_http_limits_default(&lim);
	lim.max_headers = 3;
	n = snprintf(in, sizeof(in), GET_H "A: 1\r\nB: 2\r\n\r\n");
	feed_run(&ref, &lim, GW_HTTP_REQUEST, 0, (uint8_t *)in, (size_t)n, 1,
		 false);
	assert_int_equal(ref.result, FEED_DONE);
	n = snprintf(in, sizeof(in), GET_H "A: 1\r\nB: 2\r\nC: 3\r\n\r\n");
	feed_run(&ref, &lim, GW_HTTP_REQUEST, 0, (uint8_t *)in, (size_t)n, 0,
		 false);
	assert_int_equal(ref.p.err, GW_HTTP_E_TOO_MANY_HEADERS);
	assert_int_equal(gw_http_err_status(ref.p.err), 431);

	/* section of exactly max_header_bytes passes, one more does not */
	gw_http_limits_default(&lim);
	lim.max_header_bytes = 20; /* "Host: a\r\nX: 12345\r\n\r\n" = 21 */
	n = snprintf(in, sizeof(in), "GET / HTTP/1.1\r\nHost: a\r\n"
		     "X: 1234\r\n\r\n");
	feed_run(&ref, &lim, GW_HTTP_REQUEST, 0, (uint8_t *)in, (size_t)n, 1,
		 false);
	assert_int_equal(ref.result, FEED_DONE);
	n = snprintf(in, sizeof(in), "GET / HTTP/1.1\r\nHost: a\r\n"
		     "X: 12345\r\n\r\n");
	feed_run(&ref, &lim, GW_HTTP_REQUEST, 0, (uint8_t *)in, (size_t)n, 0,
		 false);
	assert_int_equal(ref.p.err, GW_HTTP_E_HEADERS_TOO_LARGE);
	assert_int_equal(ref.p.err_off, 36);
	feed_run(&run, &lim, GW_HTTP_REQUEST, 0, (uint8_t *)in, (size_t)n, 1,
		 false);
	assert_int_equal(run.p.err, GW_HTTP_E_HEADERS_TOO_LARGE);
	assert_int_equal(run.p.err_off, 36);

	/* request line: "GET /xx HTTP/1.1\r\n" is 18 bytes */
	gw_http_limits_default(&lim);
	lim.max_start_line = 18;
	n = snprintf(in, sizeof(in), "GET /xx HTTP/1.1\r\nHost: a\r\n\r\n");
	feed_run(&ref, &lim, GW_HTTP_REQUEST, 0, (uint8_t *)in, (size_t)n, 1,
		 false);
	assert_int_equal(ref.result, FEED_DONE);
	n = snprintf(in, sizeof(in), "GET /xxx HTTP/1.1\r\nHost: a\r\n\r\n");
	feed_run(&ref, &lim, GW_HTTP_REQUEST, 0, (uint8_t *)in, (size_t)n, 0,
		 false);
	assert_int_equal(ref.p.err, GW_HTTP_E_REQUEST_LINE);
	n = snprintf(in, sizeof(in), "GET /xxxxxxxxxxxxxxxx HTTP/1.1\r\n\r\n");
	feed_run(&ref, &lim, GW_HTTP_REQUEST, 0, (uint8_t *)in, (size_t)n, 1,
		 false);
	assert_int_equal(ref.p.err, GW_HTTP_E_URI_TOO_LONG);
	assert_int_equal(gw_http_err_status(ref.p.err), 414);

	/* chunk size line */
	gw_http_limits_default(&lim);
	lim.max_chunk_line = 8;
	n = snprintf(in, sizeof(in), "POST / HTTP/1.1\r\nHost: a\r\n"
		     "Transfer-Encoding: chunked\r\n\r\n1;a=bcd\r\nx\r\n"
		     "0\r\n\r\n");
	feed_run(&ref, &lim, GW_HTTP_REQUEST, 0, (uint8_t *)in, (size_t)n, 1,
		 false);
	assert_int_equal(ref.result, FEED_DONE);
	n = snprintf(in, sizeof(in), "POST / HTTP/1.1\r\nHost: a\r\n"
		     "Transfer-Encoding: chunked\r\n\r\n1;a=bcde\r\nx\r\n"
		     "0\r\n\r\n");
	feed_run(&ref, &lim, GW_HTTP_REQUEST, 0, (uint8_t *)in, (size_t)n, 0,
		 false);
	assert_int_equal(ref.p.err, GW_HTTP_E_CHUNK_LINE_TOO_LONG);
}

/* Keep-alive: the same parser reads pipelined messages one by one. */
static void
test_pipelining(void **state)
{
	static const char in[] =
		"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
		"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
		"POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		"\r\n1\r\nx\r\n0\r\n\r\n"
		"GET /4 HTTP/1.1\r\nHost: a\r\n\r\n";
	struct gw_http_hdr hdrs[8];
	struct gw_http_parser p;
	const uint8_t *b = (const uint8_t *)in;
	size_t len = sizeof(in) - 1, off = 0;
	int msgs = 0;

	(void)state;
	gw_http_parser_init(&p, NULL, GW_HTTP_REQUEST, 0, hdrs, 8);
	while (off < len) {
		int rc = gw_http_parse_head(&p, b + off, len - off);
		size_t start = off;

		assert_true(rc > 0);
		assert_int_equal(b[start + p.msg.target_off + 1], '1' + msgs);
		off += (size_t)rc;
		while (!gw_http_parser_done(&p)) {
			struct gw_http_span d;

			rc = gw_http_parse_body(&p, b + off, len - off, &d);
			assert_true(rc > 0);
			off += (size_t)rc;
		}
		msgs++;
		gw_http_parser_reset(&p, 0);
	}
	assert_int_equal(msgs, 4);
	assert_int_equal(off, len);
}

/* Errors stick; misuse is not reported as bad input. */
static void
test_errors_stick(void **state)
{
	struct gw_http_hdr hdrs[4];
	struct gw_http_parser p;
	struct gw_http_span d;

	(void)state;
	gw_http_parser_init(&p, NULL, GW_HTTP_REQUEST, 0, hdrs, 4);
	assert_int_equal(gw_http_parse_body(&p, (const uint8_t *)"x", 1, &d),
			 -EINVAL);
	assert_int_equal(gw_http_parse_head(&p, (const uint8_t *)"G(", 2),
			 -EBADMSG);
	assert_int_equal(p.err, GW_HTTP_E_METHOD);
	assert_int_equal(p.err_off, 1);
	assert_int_equal(gw_http_parse_head(&p, (const uint8_t *)"ET", 2),
			 -EBADMSG);
	assert_int_equal(gw_http_parse_eof(&p), -EPIPE);
	assert_string_equal(gw_http_err_name(GW_HTTP_E_CL_AND_TE),
			    "CL_AND_TE");
	assert_int_equal(gw_http_err_status(GW_HTTP_E_TE_UNSUPPORTED), 501);
	assert_int_equal(gw_http_err_status(GW_HTTP_E_EXPECTATION), 417);
	assert_int_equal(gw_http_err_status(GW_HTTP_E_VERSION_UNSUPPORTED),
			 505);
	assert_int_equal(gw_http_err_status(GW_HTTP_E__COUNT), 400);
}

/* Scanners agree with the scalar twin on every byte at every position. */
static void
test_scanners(void **state)
{
	static const char *const names[] = { "sse2", "avx2" };
	uint8_t buf[160];
	struct feed *f = &run;
	int b, pos, k;

	(void)state;
	for (k = 0; k < 2; k++) {
		if (gw_http_scanner_set(names[k]) != 0)
			continue;
		for (b = 0; b < 256; b++) {
			for (pos = 0; pos < 70; pos += 3) {
				int n;
				bool bad = (b < 0x20 && b != '\t') || b == 0x7f;

				n = snprintf((char *)buf, sizeof(buf),
					     "GET / HTTP/1.1\r\nHost: a\r\nX: ");
				memset(buf + n, 'v', 70);
				buf[n + pos] = (uint8_t)b;
				memcpy(buf + n + 70, "\r\n\r\n", 4);
				feed_run(f, NULL, GW_HTTP_REQUEST, 0, buf,
					 (size_t)n + 74, 0, false);
				if (bad) {
					assert_int_equal(f->result, FEED_ERROR);
					assert_int_equal(f->p.err_off,
							 (uint64_t)(n + pos));
				} else {
					assert_int_equal(f->result, FEED_DONE);
				}
			}
		}
	}
	gw_http_scanner_set("scalar");
	assert_string_equal(gw_http_scanner(), "scalar");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_pipelining),
		cmocka_unit_test(test_errors_stick),
		cmocka_unit_test(test_scanners),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
