/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/http/write.c: head rewrites keep untouched bytes in
 * place (iovecs point into the original), edits compose in order, the
 * result parses again, header injection is refused; local responses,
 * chunk framing and the list helper.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gw_http.h"
#include "feed.h"

static struct feed f, g;

static const char head[] =
	"GET /old HTTP/1.1\r\n"
	"Host: a.example\r\n"
	"Connection: keep-alive, X-Hop\r\n"
	"X-Hop: 1\r\n"
	"User-Agent: curl/8\r\n"
	"x-request-id: abc\r\n"
	"X-Hop: 2\r\n"
	"Accept: */*\r\n"
	"\r\n";

/* Rewrite, flatten the iovecs, check they point into head or scratch. */
static size_t
rewrite(const struct gw_http_edit *e, unsigned int n, const char *line,
	char *out, size_t cap, int *niov)
{
	struct iovec iov[32];
	uint8_t scratch[512];
	size_t len = 0;
	int k, rc;

	feed_run(&f, NULL, GW_HTTP_REQUEST, 0, (const uint8_t *)head,
		 sizeof(head) - 1, 0, false);
	assert_int_equal(f.result, FEED_DONE);
	rc = gw_http_head_rewrite((const uint8_t *)head, &f.p.msg, line,
				  line ? strlen(line) : 0, e, n, iov, 32,
				  scratch, sizeof(scratch));
	assert_true(rc > 0);
	for (k = 0; k < rc; k++) {
		const char *b = iov[k].iov_base;
		bool in_head = b >= head && b + iov[k].iov_len <= head +
			       sizeof(head) - 1;
		bool in_scratch = (const uint8_t *)b >= scratch &&
				  (const uint8_t *)b + iov[k].iov_len <=
				  scratch + sizeof(scratch);

		assert_true(in_head || in_scratch);
		assert_true(len + iov[k].iov_len < cap);
		memcpy(out + len, b, iov[k].iov_len);
		len += iov[k].iov_len;
	}
	out[len] = '\0';
	*niov = rc;
	/* whatever we produce must parse as strictly as what we read */
	feed_run(&g, NULL, GW_HTTP_REQUEST, 0, (const uint8_t *)out, len, 1,
		 false);
	assert_int_equal(g.result, FEED_DONE);
	return len;
}

#define EDIT(op, n, v) { n, v, sizeof(v) - 1, sizeof(n) - 1, GW_HTTP_EDIT_##op }

static void
test_no_edit_is_one_iovec(void **state)
{
	char out[1024];
	int niov;

	(void)state;
	rewrite(NULL, 0, NULL, out, sizeof(out), &niov);
	assert_string_equal(out, head);
	assert_int_equal(niov, 1);
}

static void
test_proxy_edits(void **state)
{
	const struct gw_http_edit e[] = {
		EDIT(REMOVE, "connection", ""),
		EDIT(REMOVE, "x-hop", ""),
		EDIT(SET, "X-Request-Id", "keep-me-not"),
		EDIT(ADD, "x-forwarded-for", "198.18.0.1"),
		EDIT(SET, "x-forwarded-proto", "http"),
	};
	char out[1024];
	int niov;

	(void)state;
	rewrite(e, 5, NULL, out, sizeof(out), &niov);
	assert_string_equal(out,
		"GET /old HTTP/1.1\r\n"
		"Host: a.example\r\n"
		"User-Agent: curl/8\r\n"
		"x-request-id: keep-me-not\r\n"
		"Accept: */*\r\n"
		"x-forwarded-for: 198.18.0.1\r\n"
		"x-forwarded-proto: http\r\n"
		"\r\n");
	/* original runs are referenced, not copied: few iovecs */
	assert_true(niov <= 7);
}

static void
test_start_line_and_order(void **state)
{
	const struct gw_http_edit e[] = {
		EDIT(ADD, "x-a", "1"),
		EDIT(SET, "x-a", "2"),		/* replaces the ADD */
		EDIT(SET, "accept", "text/html"),
		EDIT(REMOVE, "accept", ""),	/* and then it goes */
		EDIT(SET, "x-hop", "3"),	/* first kept, second gone */
		EDIT(ADD, "x-b", ""),		/* empty value allowed */
	};
	char out[1024];
	int niov;

	(void)state;
	rewrite(e, 6, "GET /new?x=1 HTTP/1.1", out, sizeof(out), &niov);
	assert_string_equal(out,
		"GET /new?x=1 HTTP/1.1\r\n"
		"Host: a.example\r\n"
		"Connection: keep-alive, X-Hop\r\n"
		"X-Hop: 3\r\n"
		"User-Agent: curl/8\r\n"
		"x-request-id: abc\r\n"
		"x-a: 2\r\n"
		"x-b: \r\n"
		"\r\n");
}

static void
test_injection_refused(void **state)
{
	static const char *const bad_values[] = {
		"a\r\nX-Evil: 1", "a\nb", "a\rb", "a\0b", "a\x7f",
	};
	struct gw_http_edit e = EDIT(SET, "x-a", "");
	struct iovec iov[8];
	uint8_t scratch[256];
	size_t k;

	(void)state;
	feed_run(&f, NULL, GW_HTTP_REQUEST, 0, (const uint8_t *)head,
		 sizeof(head) - 1, 0, false);
	for (k = 0; k < sizeof(bad_values) / sizeof(bad_values[0]); k++) {
		e.value = bad_values[k];
		e.value_len = (uint32_t)strlen(bad_values[k]) +
			      (k == 3 ? 2 : 0);
		assert_int_equal(gw_http_head_rewrite((const uint8_t *)head,
			&f.p.msg, NULL, 0, &e, 1, iov, 8, scratch,
			sizeof(scratch)), -EINVAL);
	}
	/* long values are checked eight bytes at a time: a CTL or DEL at any
	 * position is found, a tab at any position is allowed */
	{
		char v[80];
		size_t at;

		for (at = 0; at < sizeof(v); at++) {
			memset(v, 'v', sizeof(v));
			v[at] = '\t';
			e.value = v;
			e.value_len = sizeof(v);
			assert_true(gw_http_head_rewrite((const uint8_t *)head,
				&f.p.msg, NULL, 0, &e, 1, iov, 8, scratch,
				sizeof(scratch)) > 0);
			v[at] = at % 3 == 0 ? '\n' : at % 3 == 1 ? '\x7f' : '\0';
			assert_int_equal(gw_http_head_rewrite((const uint8_t *)head,
				&f.p.msg, NULL, 0, &e, 1, iov, 8, scratch,
				sizeof(scratch)), -EINVAL);
			v[at] = '\x80'; /* obs-text is allowed */
			assert_true(gw_http_head_rewrite((const uint8_t *)head,
				&f.p.msg, NULL, 0, &e, 1, iov, 8, scratch,
				sizeof(scratch)) > 0);
		}
	}
	e.value = "ok";
	e.value_len = 2;
	e.name = "x a";
	e.name_len = 3;
	assert_int_equal(gw_http_head_rewrite((const uint8_t *)head, &f.p.msg,
		NULL, 0, &e, 1, iov, 8, scratch, sizeof(scratch)), -EINVAL);
	e.name = "x-a";
	assert_int_equal(gw_http_head_rewrite((const uint8_t *)head, &f.p.msg,
		"GET / HTTP/1.1\r\nX: y", 20, &e, 1, iov, 8, scratch,
		sizeof(scratch)), -EINVAL);
	/* too little room: -ENOSPC, never a truncated head */
	assert_int_equal(gw_http_head_rewrite((const uint8_t *)head, &f.p.msg,
		NULL, 0, &e, 1, iov, 8, scratch, 4), -ENOSPC);
	assert_int_equal(gw_http_head_rewrite((const uint8_t *)head, &f.p.msg,
		NULL, 0, &e, 1, iov, 1, scratch, sizeof(scratch)), -ENOSPC);
}

static void
test_response_format(void **state)
{
	const struct gw_http_field fl[] = {
		{ "location", "https://a.example/", 18, 8 },
		{ "x-envoy-upstream-service-time", "3", 1, 29 },
	};
	const struct gw_http_field evil = { "x", "a\r\nb", 4, 1 };
	char buf[256];
	int n;

	(void)state;
	n = gw_http_response_format(buf, sizeof(buf), 301, fl, 2, 0);
	assert_true(n > 0);
	assert_string_equal(buf, "HTTP/1.1 301 Moved Permanently\r\n"
		"location: https://a.example/\r\n"
		"x-envoy-upstream-service-time: 3\r\n"
		"content-length: 0\r\n\r\n");
	feed_run(&f, NULL, GW_HTTP_RESPONSE, GW_HTTP_M_GET,
		 (const uint8_t *)buf, (size_t)n, 0, false);
	assert_int_equal(f.result, FEED_DONE);
	assert_int_equal(f.p.msg.status, 301);

	n = gw_http_response_format(buf, sizeof(buf), 204, NULL, 0, -1);
	assert_string_equal(buf, "HTTP/1.1 204 No Content\r\n\r\n");
	n = gw_http_response_format(buf, sizeof(buf), 599, NULL, 0, 5);
	assert_string_equal(buf, "HTTP/1.1 599 \r\ncontent-length: 5\r\n\r\n");
	assert_int_equal(gw_http_response_format(buf, sizeof(buf), 99, NULL,
						 0, 0), -EINVAL);
	assert_int_equal(gw_http_response_format(buf, sizeof(buf), 200, &evil,
						 1, 0), -EINVAL);
	assert_int_equal(gw_http_response_format(buf, 20, 200, fl, 2, 0),
			 -ENOSPC);
	assert_int_equal(gw_http_response_format(buf, 80, 200, fl, 2, 0),
			 -ENOSPC);
}

static void
test_request_format(void **state)
{
	const struct gw_http_field fl[] = {
		{ "host", "backend.example:8080", 20, 4 },
		{ "user-agent", "meshgw-health", 13, 10 },
	};
	char buf[256];
	int n;

	(void)state;
	n = gw_http_request_format(buf, sizeof(buf), "GET", "/healthz?x=1",
				   fl, 2, -1);
	assert_true(n > 0);
	assert_string_equal(buf, "GET /healthz?x=1 HTTP/1.1\r\n"
		"host: backend.example:8080\r\n"
		"user-agent: meshgw-health\r\n\r\n");
	feed_run(&f, NULL, GW_HTTP_REQUEST, 0, (const uint8_t *)buf,
		 (size_t)n, 1, false);
	assert_int_equal(f.result, FEED_DONE);
	assert_int_equal(f.p.msg.method, GW_HTTP_M_GET);
	n = gw_http_request_format(buf, sizeof(buf), "POST", "/", fl, 1, 3);
	assert_string_equal(buf, "POST / HTTP/1.1\r\nhost: "
		"backend.example:8080\r\ncontent-length: 3\r\n\r\n");
	assert_int_equal(gw_http_request_format(buf, sizeof(buf), "G T", "/",
						NULL, 0, -1), -EINVAL);
	assert_int_equal(gw_http_request_format(buf, sizeof(buf), "GET",
						"/a b", NULL, 0, -1), -EINVAL);
	assert_int_equal(gw_http_request_format(buf, sizeof(buf), "GET",
						"http://x/", NULL, 0, -1),
			 -EINVAL);
	assert_int_equal(gw_http_request_format(buf, 10, "GET", "/", NULL, 0,
						-1), -ENOSPC);
}

static void
test_chunk_format(void **state)
{
	char buf[24];
	int n;

	(void)state;
	n = gw_http_chunk_format(buf, 0x1a2f);
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "1a2f\r\n", 6);
	n = gw_http_chunk_format(buf, 0);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "0\r\n\r\n", 5);
	n = gw_http_chunk_format(buf, UINT64_MAX);
	assert_int_equal(n, 18);
	assert_memory_equal(buf, "ffffffffffffffff\r\n", 18);
}

static void
test_list_next(void **state)
{
	static const char v[] = " , keep-alive ,,Upgrade\t, x y ,";
	const char *tok;
	size_t pos = 0, len;

	(void)state;
	assert_true(gw_http_list_next(v, sizeof(v) - 1, &pos, &tok, &len));
	assert_int_equal(len, 10);
	assert_memory_equal(tok, "keep-alive", 10);
	assert_true(gw_http_list_next(v, sizeof(v) - 1, &pos, &tok, &len));
	assert_memory_equal(tok, "Upgrade", len);
	assert_true(gw_http_list_next(v, sizeof(v) - 1, &pos, &tok, &len));
	assert_int_equal(len, 3);
	assert_memory_equal(tok, "x y", 3);
	assert_false(gw_http_list_next(v, sizeof(v) - 1, &pos, &tok, &len));
	assert_string_equal(gw_http_status_reason(431),
			    "Request Header Fields Too Large");
	assert_string_equal(gw_http_method_name(GW_HTTP_M_PATCH), "PATCH");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_edit_is_one_iovec),
		cmocka_unit_test(test_proxy_edits),
		cmocka_unit_test(test_start_line_and_order),
		cmocka_unit_test(test_injection_refused),
		cmocka_unit_test(test_response_format),
		cmocka_unit_test(test_request_format),
		cmocka_unit_test(test_chunk_format),
		cmocka_unit_test(test_list_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
