/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/route actions (route_action.c): weighted picks (a
 * 90/10 split over 100,000 seeded picks within +-1 %), uri prefix/exact
 * rewrites, uriRegexRewrite with captures, -ENOSPC, redirect Location.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_route.h"
#include "route_test.h"

#define M(...) ARR((const struct gw_route_match_conf[]){ __VA_ARGS__ })

static const struct gw_route_dest_conf split[] = {
	{ .host = "reviews", .subset = "v1", .weight = 90 },
	{ .host = "reviews", .subset = "v2", .weight = 10 },
};

static const struct gw_route_dest_conf three[] = {
	{ .host = "a", .weight = 1 },
	{ .host = "b", .weight = 0 },
	{ .host = "c", .weight = 3 },
};

static const struct gw_route_redirect rd_plain = { .uri = "/new" };
static const struct gw_route_redirect rd_https = { .uri = "/new",
	.scheme = "https", .derive_port = GW_ROUTE_PORT_FROM_PROTOCOL_DEFAULT,
	.code = 308 };
static const struct gw_route_redirect rd_auth = { .authority = "other.test",
	.port = 8080 };
static const struct gw_route_redirect rd_reqport = { .scheme = "https",
	.derive_port = GW_ROUTE_PORT_FROM_REQUEST_PORT };
static const struct gw_route_redirect rd_query = { .uri = "/n?z=1" };

static const struct gw_route_conf routes[] = {
	{ .name = "split", .matches = M({ .uri = S_EXACT("/split") }),
	  .dests = ARR(split) },
	{ .name = "three", .matches = M({ .uri = S_EXACT("/three") }),
	  .dests = ARR(three) },
	{ .name = "prefix-rw", .matches = M({ .uri = S_EXACT("/v0") },
					    { .uri = S_PREFIX("/v1/") }),
	  .dests = test_dest_one, .n_dests = 1, .rewrite_uri = "/v2/" },
	{ .name = "icase-rw", .matches = M({ .uri = S_PREFIX("/CASE"),
					     .ignore_uri_case = true }),
	  .dests = test_dest_one, .n_dests = 1, .rewrite_uri = "/lower" },
	{ .name = "regex-path-rw",
	  .matches = M({ .uri = S_REGEX("/r/[0-9]+") }),
	  .dests = test_dest_one, .n_dests = 1, .rewrite_uri = "/fixed" },
	{ .name = "re-rw", .matches = M({ .uri = S_PREFIX("/service/") }),
	  .dests = test_dest_one, .n_dests = 1,
	  .regex_rewrite_match = "^/service/([^/]+)(/.*)$",
	  .regex_rewrite = "\\2/instance/\\1" },
	{ .name = "re-global", .matches = M({ .uri = S_PREFIX("/g/") }),
	  .dests = test_dest_one, .n_dests = 1,
	  .regex_rewrite_match = "a", .regex_rewrite = "$" },
	{ .name = "rd-plain", .matches = M({ .uri = S_PREFIX("/rd-plain") }),
	  .redirect = &rd_plain },
	{ .name = "rd-https", .matches = M({ .uri = S_PREFIX("/rd-https") }),
	  .redirect = &rd_https },
	{ .name = "rd-auth", .matches = M({ .uri = S_PREFIX("/rd-auth") }),
	  .redirect = &rd_auth },
	{ .name = "rd-reqport",
	  .matches = M({ .uri = S_PREFIX("/rd-reqport") }),
	  .redirect = &rd_reqport },
	{ .name = "rd-query", .matches = M({ .uri = S_PREFIX("/rd-query") }),
	  .redirect = &rd_query },
	/* no uri condition: Istio matches prefix "/", rewrite replaces it */
	{ .name = "all-rw", .dests = test_dest_one, .n_dests = 1,
	  .rewrite_uri = "/api/" },
};

static const struct gw_route_vhost_conf vh[] = {
	{ .name = "ns/act", .domains = ARR((const char *const[]){ "*" }),
	  .routes = ARR(routes) },
};

static struct gw_route_table *tbl;
static struct gw_route_scratch *scr;

static int
setup(void **state)
{
	const struct gw_route_table_conf conf = { .vhosts = ARR(vh) };
	struct gw_route_err err;

	(void)state;
	if (gw_route_table_create(&conf, &tbl, &err) != 0) {
		fprintf(stderr, "compile: %s\n", err.msg);
		return -1;
	}
	return gw_route_scratch_create(tbl, &scr, &err);
}

static int
teardown(void **state)
{
	(void)state;
	gw_route_scratch_free(scr);
	gw_route_table_free(tbl);
	return 0;
}

static const struct gw_route *
match(struct test_req *tr, const char *scheme, const char *auth,
      const char *path, uint16_t port)
{
	const struct gw_route *r;

	r = gw_route_match(tbl, scr, test_req(tr, "GET", scheme, auth, path,
					      port, NULL));
	assert_non_null(r);
	return r;
}

static void
test_split_90_10(void **state)
{
	struct test_req tr;
	const struct gw_route *r = match(&tr, NULL, "h", "/split", 80);
	uint64_t seed = 0x5eed5eed12345678u;
	unsigned v1 = 0, i;

	(void)state;
	assert_int_equal(gw_route_action(r)->weight_sum, 100);
	for (i = 0; i < 100000; i++) {
		const struct gw_route_dest *d =
			gw_route_pick_destination(r, test_rand(&seed));

		v1 += strcmp(d->subset, "v1") == 0;
	}
	/* 90 % +- 1 % of 100,000 */
	if (v1 < 89000 || v1 > 91000)
		fail_msg("v1 got %u of 100000", v1);
}

static void
test_pick_edges(void **state)
{
	struct test_req tr;
	const struct gw_route *r = match(&tr, NULL, "h", "/three", 80);

	(void)state;
	/* rnd spans [0, 2^32): 1/4 -> a, 0 -> never b, 3/4 -> c */
	assert_string_equal(gw_route_pick_destination(r, 0)->host, "a");
	assert_string_equal(gw_route_pick_destination(r, 0x3fffffffu)->host,
			    "a");
	assert_string_equal(gw_route_pick_destination(r, 0x40000000u)->host,
			    "c");
	assert_string_equal(gw_route_pick_destination(r, UINT32_MAX)->host,
			    "c");
	r = match(&tr, NULL, "h", "/rd-plain", 80);
	assert_null(gw_route_pick_destination(r, 7));
}

static void
expect_rewrite(const char *path, const char *want)
{
	struct test_req tr;
	const struct gw_route *r = match(&tr, NULL, "h", path, 80);
	char out[128];
	int n = gw_route_path_rewrite(r, scr, &tr.req, out, sizeof(out));

	if (n < 0)
		fail_msg("%s: rewrite failed %d", path, n);
	if ((size_t)n != strlen(want) || memcmp(out, want, (size_t)n) != 0)
		fail_msg("%s: got \"%.*s\", want \"%s\"", path, n, out, want);
}

static void
test_rewrite(void **state)
{
	(void)state;
	/* prefix: the matched prefix is replaced, the rest kept */
	expect_rewrite("/v1/items?x=1", "/v2/items?x=1");
	/* exact: the whole path, query kept */
	expect_rewrite("/v0?x=1", "/v2/?x=1");
	expect_rewrite("/case/ABC", "/lower/ABC");
	/* regex match: the whole path */
	expect_rewrite("/r/42?q", "/fixed?q");
	/* uriRegexRewrite with captures, query kept */
	expect_rewrite("/service/foo/v1/api?x=1", "/v1/api/instance/foo?x=1");
	/* every match replaced; "$" in rewrite is literal */
	expect_rewrite("/g/banana", "/g/b$n$n$");
	expect_rewrite("/anything", "/api/anything");
	/* no rewrite: unchanged */
	expect_rewrite("/split?a", "/split?a");
}

static void
test_rewrite_nospace(void **state)
{
	struct test_req tr, other;
	const struct gw_route *r;
	char out[8];

	(void)state;
	r = match(&tr, NULL, "h", "/v1/items/long", 80);
	assert_int_equal(gw_route_path_rewrite(r, scr, &tr.req, out,
					       sizeof(out)), -ENOSPC);
	r = match(&tr, NULL, "h", "/service/foo/v1/api", 80);
	assert_int_equal(gw_route_path_rewrite(r, scr, &tr.req, out,
					       sizeof(out)), -ENOSPC);
	/* a route from an earlier match is refused */
	(void)match(&other, NULL, "h", "/split", 80);
	assert_int_equal(gw_route_path_rewrite(r, scr, &tr.req, out,
					       sizeof(out)), -EINVAL);
}

static void
expect_location(const char *scheme, const char *auth, const char *path,
		uint16_t port, const char *want, uint32_t code)
{
	struct test_req tr;
	const struct gw_route *r = match(&tr, scheme, auth, path, port);
	char out[128];
	int n = gw_route_redirect_format(r, &tr.req, out, sizeof(out));

	assert_int_equal(gw_route_action(r)->kind, GW_ROUTE_ACTION_REDIRECT);
	assert_int_equal(gw_route_action(r)->redirect.code, code);
	if (n < 0 || (size_t)n != strlen(want) ||
	    memcmp(out, want, (size_t)n) != 0)
		fail_msg("%s: got \"%.*s\" (%d), want \"%s\"", path,
			 n < 0 ? 0 : n, out, n, want);
	assert_int_equal(gw_route_redirect_format(r, &tr.req, out, 5),
			 -ENOSPC);
}

static void
test_redirect(void **state)
{
	struct test_req tr;
	char out[64];

	(void)state;
	/* default 301; whole path replaced, query and request port kept */
	expect_location("http", "a.test:8000", "/rd-plain/x?q=1", 8000,
			"http://a.test:8000/new?q=1", 301);
	/* scheme change with FROM_PROTOCOL_DEFAULT drops the port */
	expect_location("http", "a.test:8000", "/rd-https", 8000,
			"https://a.test/new", 308);
	/* authority + explicit port; path kept */
	expect_location("http", "a.test", "/rd-auth?k", 80,
			"http://other.test:8080/rd-auth?k", 301);
	/* FROM_REQUEST_PORT: listener port, omitted when default */
	expect_location("http", "a.test:1", "/rd-reqport", 443,
			"https://a.test/rd-reqport", 301);
	expect_location("http", "a.test", "/rd-reqport", 8443,
			"https://a.test:8443/rd-reqport", 301);
	/* a query in redirect.uri replaces the request's */
	expect_location("http", "[::1]:81", "/rd-query?old=1", 81,
			"http://[::1]:81/n?z=1", 301);
	assert_int_equal(gw_route_redirect_format(match(&tr, NULL, "h",
				"/split", 80), &tr.req, out, sizeof(out)),
			 -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_90_10),
		cmocka_unit_test(test_pick_edges),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_rewrite_nospace),
		cmocka_unit_test(test_redirect),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
