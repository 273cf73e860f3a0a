/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/route matching (route_match.c, route_regex.c): a
 * table of requests against one VirtualService-like table, each case
 * taken from a rule in Istio's VirtualService reference or the Envoy
 * route matching docs it compiles to; host selection; regexes on several
 * fields in one Hyperscan database; repeated headers; limits.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "gw_route.h"
#include "route_test.h"

#define ROUTE(nm, ...) { .name = (nm), .dests = test_dest_one, .n_dests = 1, \
	__VA_ARGS__ }
#define M(...) ARR((const struct gw_route_match_conf[]){ __VA_ARGS__ })
#define KV(...) ARR((const struct gw_route_kv_match[]){ __VA_ARGS__ })

static const struct gw_route_conf api_routes[] = {
	ROUTE("exact-health", .matches = M({ .uri = S_EXACT("/healthz") })),
	/* ignoreUriCase: exact and prefix only */
	ROUTE("icase-prefix", .matches = M({ .uri = S_PREFIX("/Admin"),
					     .ignore_uri_case = true })),
	ROUTE("icase-regex", .matches = M({ .uri = S_REGEX("/CaseRe"),
					    .ignore_uri_case = true })),
	/* blocks ORed, conditions ANDed */
	ROUTE("or-blocks", .matches = M(
		{ .method = S_EXACT("PUT"), .uri = S_PREFIX("/items") },
		{ .headers = KV({ "x-force", S_EXACT("yes") }) })),
	ROUTE("regex-uri", .matches = M({ .uri = S_REGEX("^/users/[0-9]+$") })),
	ROUTE("hdr-absent", .matches = M({ .uri = S_PREFIX("/nodebug"),
		.without_headers = KV({ "x-debug", S_ANY }) })),
	ROUTE("hdr-not-value", .matches = M({ .uri = S_PREFIX("/env"),
		.without_headers = KV({ "x-env", S_EXACT("prod") }) })),
	ROUTE("hdr-present", .matches = M({ .uri = S_PREFIX("/present"),
		.headers = KV({ "X-Present", S_ANY }) })),
	ROUTE("hdr-prefix", .matches = M({ .uri = S_PREFIX("/hp"),
		.headers = KV({ "x-ver", S_PREFIX("v2") }) })),
	ROUTE("query", .matches = M({ .uri = S_PREFIX("/q"),
		.query_params = KV({ "a", S_EXACT("1") },
				   { "b", S_REGEX("[a-z]+") }) })),
	ROUTE("query-empty", .matches = M({ .uri = S_PREFIX("/e"),
		.query_params = KV({ "flag", S_EXACT("") }) })),
	ROUTE("port", .matches = M({ .uri = S_PREFIX("/port"), .port = 8080 })),
	ROUTE("scheme", .matches = M({ .uri = S_PREFIX("/sec"),
				       .scheme = S_EXACT("https") })),
	ROUTE("authority", .matches = M({ .uri = S_PREFIX("/auth"),
		.authority = S_PREFIX("api.example.com:") })),
	ROUTE("method-regex", .matches = M({ .uri = S_PREFIX("/mr"),
		.method = S_REGEX("P(OST|ATCH)") })),
	/* Envoy prefix runs over the query string too */
	ROUTE("prefix-query", .matches = M({ .uri = S_PREFIX("/search?q=") })),
	/* Envoy path (exact) ignores the query string */
	ROUTE("exact-query", .matches = M({ .uri = S_EXACT("/exact") })),
	ROUTE("hdr-regex", .matches = M({ .uri = S_PREFIX("/m"),
		.headers = KV({ "user-agent", S_REGEX(".*Mobile.*") }) })),
	/* an escaped '$' is a literal, not an anchor to drop */
	ROUTE("dollar", .matches = M({ .uri = S_REGEX("/price\\$") })),
	/* \b: an assertion Hyperscan may report out of order */
	ROUTE("word", .matches = M({ .uri = S_REGEX("/word\\b.*") })),
	/* a negated regex must not gate the route on that regex */
	ROUTE("no-bot", .matches = M({ .method = S_EXACT("DELETE"),
		.without_headers = KV({ "user-agent", S_REGEX(".*bot.*") }) })),
	ROUTE("multi", .matches = M({ .uri = S_PREFIX("/multi"),
		.headers = KV({ "x-multi", S_EXACT("a,b") }) })),
	/* first match wins: the catch-all hides what follows */
	ROUTE("catch-all"),
	ROUTE("unreachable", .matches = M({ .uri = S_EXACT("/healthz") })),
};

/* Greedy regexes: each field's regex sees only its own value. */
static const struct gw_route_conf greedy_routes[] = {
	ROUTE("g-uri", .matches = M({ .uri = S_REGEX("/x.*END") })),
	ROUTE("g-auth", .matches = M({ .authority = S_REGEX("greedy\\.test.*") ,
				       .uri = S_PREFIX("/auth") })),
	ROUTE("g-hdr", .matches = M({
		.headers = KV({ "x-h", S_REGEX("END") }) })),
	ROUTE("g-hdr2", .matches = M({ .headers = KV({ "x-h", S_REGEX(".*") }),
				       .uri = S_PREFIX("/any") })),
	ROUTE("g-query", .matches = M({ .query_params =
		KV({ "k", S_REGEX("v.*") }) })),
};

static const struct gw_route_conf one_route[] = {
	ROUTE("only", .matches = M({ .uri = S_EXACT("/only") })),
};

#define NAMED(nm) ARR((const struct gw_route_conf[]){ ROUTE(nm) })

static const struct gw_route_vhost_conf vhosts[] = {
	{ .name = "ns/api", .domains = ARR((const char *const[]){
		"api.example.com" }), .routes = ARR(api_routes) },
	{ .name = "ns/wild", .domains = ARR((const char *const[]){
		"*.example.com" }), .routes = NAMED("wild") },
	{ .name = "ns/wild-deep", .domains = ARR((const char *const[]){
		"*.deep.example.com" }), .routes = NAMED("wild-deep") },
	{ .name = "ns/star", .domains = ARR((const char *const[]){ "*" }),
	  .routes = NAMED("star") },
	{ .name = "ns/greedy", .domains = ARR((const char *const[]){
		"greedy.test" }), .routes = ARR(greedy_routes) },
	{ .name = "ns/one", .domains = ARR((const char *const[]){
		"one.test", "ONE.alias" }), .routes = ARR(one_route) },
};

struct mcase {
	const char *what;       /* the rule under test */
	const char *method;
	const char *scheme;
	const char *authority;
	const char *path;
	uint16_t port;
	const char *hdrs;
	const char *want;       /* route name, NULL: no route */
};

#define API "api.example.com"

static const struct mcase cases[] = {
	{ "exact", "GET", NULL, API, "/healthz", 80, NULL, "exact-health" },
	{ "exact is not prefix", "GET", NULL, API, "/healthz/x", 80, NULL,
	  "catch-all" },
	{ "exact ignores query", "GET", NULL, API, "/healthz?full=1", 80, NULL,
	  "exact-health" },
	{ "ignoreUriCase prefix", "GET", NULL, API, "/aDMIN/users", 80, NULL,
	  "icase-prefix" },
	{ "ignoreUriCase not on regex", "GET", NULL, API, "/casere", 80, NULL,
	  "catch-all" },
	{ "regex keeps case", "GET", NULL, API, "/CaseRe", 80, NULL,
	  "icase-regex" },
	{ "AND: both", "PUT", NULL, API, "/items/1", 80, NULL, "or-blocks" },
	{ "AND: method only", "GET", NULL, API, "/items/1", 80, NULL,
	  "catch-all" },
	{ "OR: second block", "GET", NULL, API, "/else", 80, "x-force: yes",
	  "or-blocks" },
	{ "header exact is exact", "GET", NULL, API, "/else", 80,
	  "x-force: yes!", "catch-all" },
	{ "header name case-insensitive", "GET", NULL, API, "/else", 80,
	  "X-FORCE: yes", "or-blocks" },
	{ "regex full match", "GET", NULL, API, "/users/42", 80, NULL,
	  "regex-uri" },
	{ "regex anchored at end", "GET", NULL, API, "/users/42/x", 80, NULL,
	  "catch-all" },
	{ "regex anchored at start", "GET", NULL, API, "/v1/users/42", 80,
	  NULL, "catch-all" },
	{ "regex on path without query", "GET", NULL, API, "/users/42?a=b", 80,
	  NULL, "regex-uri" },
	{ "withoutHeaders {}: absent", "GET", NULL, API, "/nodebug", 80, NULL,
	  "hdr-absent" },
	{ "withoutHeaders {}: present", "GET", NULL, API, "/nodebug", 80,
	  "x-debug: 0", "catch-all" },
	{ "withoutHeaders value: other", "GET", NULL, API, "/env", 80,
	  "x-env: dev", "hdr-not-value" },
	{ "withoutHeaders value: absent", "GET", NULL, API, "/env", 80, NULL,
	  "hdr-not-value" },
	{ "withoutHeaders value: equal", "GET", NULL, API, "/env", 80,
	  "x-env: prod", "catch-all" },
	{ "header {}: present, empty value", "GET", NULL, API, "/present", 80,
	  "x-present:", "hdr-present" },
	{ "header {}: absent", "GET", NULL, API, "/present", 80, NULL,
	  "catch-all" },
	{ "header prefix", "GET", NULL, API, "/hp", 80, "x-ver: v2.1",
	  "hdr-prefix" },
	{ "header prefix miss", "GET", NULL, API, "/hp", 80, "x-ver: v1",
	  "catch-all" },
	{ "query exact + regex", "GET", NULL, API, "/q?b=xyz&a=1", 80, NULL,
	  "query" },
	{ "query regex full match", "GET", NULL, API, "/q?a=1&b=xyz1", 80,
	  NULL, "catch-all" },
	{ "query missing", "GET", NULL, API, "/q?a=1", 80, NULL, "catch-all" },
	{ "query first occurrence", "GET", NULL, API, "/q?a=2&a=1&b=x", 80,
	  NULL, "catch-all" },
	{ "query no '=' is empty", "GET", NULL, API, "/e?flag", 80, NULL,
	  "query-empty" },
	{ "query not decoded", "GET", NULL, API, "/q?a=%31&b=x", 80, NULL,
	  "catch-all" },
	{ "port", "GET", NULL, API, "/port", 8080, NULL, "port" },
	{ "port other", "GET", NULL, API, "/port", 80, NULL, "catch-all" },
	{ "scheme", "GET", "https", API, "/sec", 443, NULL, "scheme" },
	{ "scheme other", "GET", "http", API, "/sec", 80, NULL, "catch-all" },
	{ "authority raw, with port", "GET", NULL, API ":8443", "/auth", 8443,
	  NULL, "authority" },
	{ "authority without port", "GET", NULL, API, "/auth", 80, NULL,
	  "catch-all" },
	{ "method regex", "PATCH", NULL, API, "/mr", 80, NULL, "method-regex" },
	{ "method regex miss", "PUT", NULL, API, "/mr", 80, NULL, "catch-all" },
	{ "prefix includes query", "GET", NULL, API, "/search?q=x", 80, NULL,
	  "prefix-query" },
	{ "prefix includes query, miss", "GET", NULL, API, "/search?p=x", 80,
	  NULL, "catch-all" },
	{ "exact drops query", "GET", NULL, API, "/exact?x", 80, NULL,
	  "exact-query" },
	/* a control byte keeps the path out of the regex scan; prefix and
	 * exact compares still apply */
	{ "prefix, control byte", "GET", NULL, API, "/search?q=\x01", 80,
	  NULL, "prefix-query" },
	{ "exact, control byte", "GET", NULL, API, "/exact?\x01", 80, NULL,
	  "exact-query" },
	{ "escaped dollar", "GET", NULL, API, "/price$", 80, NULL, "dollar" },
	{ "escaped dollar is literal", "GET", NULL, API, "/price", 80, NULL,
	  "catch-all" },
	{ "word boundary", "GET", NULL, API, "/word-x", 80, NULL, "word" },
	{ "word boundary miss", "GET", NULL, API, "/wordy", 80, NULL,
	  "catch-all" },
	{ "withoutHeaders regex: absent", "DELETE", NULL, API, "/x", 80, NULL,
	  "no-bot" },
	{ "withoutHeaders regex: other", "DELETE", NULL, API, "/x", 80,
	  "user-agent: curl", "no-bot" },
	{ "withoutHeaders regex: matching", "DELETE", NULL, API, "/x", 80,
	  "user-agent: googlebot/2.1", "catch-all" },
	{ "header regex", "GET", NULL, API, "/m", 80,
	  "user-agent: Foo Mobile Bar", "hdr-regex" },
	{ "repeated header joined", "GET", NULL, API, "/multi", 80,
	  "x-multi: a|x-other: 1|x-multi: b", "multi" },
	{ "repeated header, one value", "GET", NULL, API, "/multi", 80,
	  "x-multi: a", "catch-all" },
	/* hosts */
	{ "host case-insensitive with port", "GET", NULL,
	  "API.Example.COM:8443", "/healthz", 80, NULL, "exact-health" },
	{ "wildcard", "GET", NULL, "foo.example.com", "/", 80, NULL, "wild" },
	{ "longest wildcard", "GET", NULL, "a.b.deep.example.com", "/", 80,
	  NULL, "wild-deep" },
	{ "wildcard needs a label", "GET", NULL, "deep.example.com", "/", 80,
	  NULL, "wild" },
	{ "bare suffix is not a wildcard match", "GET", NULL, "example.com",
	  "/", 80, NULL, "star" },
	{ "star", "GET", NULL, "other.org:80", "/", 80, NULL, "star" },
	{ "ipv6 literal", "GET", NULL, "[::1]:8080", "/", 80, NULL, "star" },
	{ "no authority", "GET", NULL, NULL, "/", 80, NULL, "star" },
	{ "second domain, mixed case", "GET", NULL, "one.ALIAS", "/only", 80,
	  NULL, "only" },
	{ "no route in vhost", "GET", NULL, "one.test", "/other", 80, NULL,
	  NULL },
	/* greedy regexes must stay in their own field */
	{ "greedy uri ok", "GET", NULL, "greedy.test", "/xyzEND", 80, NULL,
	  "g-uri" },
	{ "greedy uri vs header bytes", "GET", NULL, "greedy.test", "/x", 80,
	  "x-h: END", "g-hdr" },
	{ "greedy authority vs path", "GET", NULL, "greedy.test", "/auth", 80,
	  NULL, "g-auth" },
	{ "greedy header .* full", "GET", NULL, "greedy.test", "/any", 80,
	  "x-h: abc", "g-hdr2" },
	{ "regex on query value", "GET", NULL, "greedy.test", "/p?k=vv", 80,
	  NULL, "g-query" },
	{ "query regex not fed by header", "GET", NULL, "greedy.test", "/p?k=x",
	  80, "x-h: v", NULL },
	{ "control byte never matches a regex", "GET", NULL, "greedy.test",
	  "/any", 80, "x-h: a\x01" "b", NULL },
};

static void
test_cases(void **state)
{
	const struct gw_route_table_conf conf = { .vhosts = ARR(vhosts) };
	struct gw_route_table *t = NULL;
	struct gw_route_scratch *s = NULL;
	struct gw_route_err err;
	struct test_req tr;
	size_t i;
	int rc;

	(void)state;
	rc = gw_route_table_create(&conf, &t, &err);
	if (rc != 0)
		fail_msg("compile: %s", err.msg);
	assert_int_equal(gw_route_scratch_create(t, &s, &err), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *c = &cases[i];
		const struct gw_route *r;
		const char *got;

		r = gw_route_match(t, s, test_req(&tr, c->method, c->scheme,
						  c->authority, c->path,
						  c->port, c->hdrs));
		got = r != NULL ? gw_route_action(r)->name : NULL;
		if ((got == NULL) != (c->want == NULL) ||
		    (got != NULL && strcmp(got, c->want) != 0))
			fail_msg("case %zu \"%s\": got %s, want %s", i, c->what,
				 got ? got : "(none)",
				 c->want ? c->want : "(none)");
	}
	assert_int_equal(gw_route_scratch_stats(s)->scan_errors, 0);
	gw_route_scratch_free(s);
	gw_route_table_free(t);
}

static void
test_no_star(void **state)
{
	const struct gw_route_vhost_conf vh[] = {
		{ .name = "a",
		  .domains = ARR((const char *const[]){ "a.test" }),
		  .routes = ARR(one_route) },
	};
	const struct gw_route_table_conf conf = { .vhosts = ARR(vh) };
	struct gw_route_table *t;
	struct gw_route_scratch *s;
	struct test_req tr;

	(void)state;
	assert_int_equal(gw_route_table_create(&conf, &t, NULL), 0);
	assert_int_equal(gw_route_table_regex_count(t), 0);
	/* a regex-free table needs no Hyperscan scratch */
	assert_int_equal(gw_route_scratch_create(NULL, &s, NULL), 0);
	assert_true(gw_route_scratch_fits(s, t));
	assert_null(gw_route_match(t, s, test_req(&tr, "GET", NULL, "b.test",
						  "/only", 80, NULL)));
	assert_non_null(gw_route_match(t, s, test_req(&tr, "GET", NULL,
						      "a.test", "/only", 80,
						      NULL)));
	gw_route_scratch_free(s);
	gw_route_table_free(t);
}

static void
test_scratch_mismatch(void **state)
{
	const struct gw_route_vhost_conf vh[] = {
		{ .name = "g", .domains = ARR((const char *const[]){ "*" }),
		  .routes = ARR(greedy_routes) },
	};
	const struct gw_route_table_conf conf = { .vhosts = ARR(vh) };
	struct gw_route_table *t1, *t2;
	struct gw_route_scratch *s;
	struct test_req tr;

	(void)state;
	assert_int_equal(gw_route_table_create(&conf, &t1, NULL), 0);
	assert_int_equal(gw_route_table_create(&conf, &t2, NULL), 0);
	assert_int_equal(gw_route_scratch_create(t1, &s, NULL), 0);
	assert_true(gw_route_scratch_fits(s, t1));
	/* a Hyperscan scratch is tied to its database */
	assert_false(gw_route_scratch_fits(s, t2));
	assert_null(gw_route_match(t2, s, test_req(&tr, "GET", NULL, "x",
						   "/xEND", 80, NULL)));
	assert_int_equal(gw_route_scratch_stats(s)->scan_errors, 1);
	assert_non_null(gw_route_match(t1, s, test_req(&tr, "GET", NULL, "x",
						       "/xEND", 80, NULL)));
	gw_route_scratch_free(s);
	gw_route_table_free(t1);
	gw_route_table_free(t2);
}

static void
test_too_many_headers(void **state)
{
	const struct gw_route_vhost_conf vh[] = {
		{ .name = "a", .domains = ARR((const char *const[]){ "*" }),
		  .routes = ARR(one_route) },
	};
	const struct gw_route_table_conf conf = { .vhosts = ARR(vh) };
	static struct gw_route_req_hdr h[GW_ROUTE_MAX_REQ_HEADERS + 1];
	struct gw_route_req req = { .method = "GET", .method_len = 3,
				    .path = "/only", .path_len = 5,
				    .headers = h };
	struct gw_route_table *t;
	struct gw_route_scratch *s;
	size_t i;

	(void)state;
	for (i = 0; i < GW_ROUTE_MAX_REQ_HEADERS + 1; i++)
		h[i] = (struct gw_route_req_hdr){ "x", 1, "y", 1 };
	assert_int_equal(gw_route_table_create(&conf, &t, NULL), 0);
	assert_int_equal(gw_route_scratch_create(t, &s, NULL), 0);
	req.n_headers = GW_ROUTE_MAX_REQ_HEADERS;
	assert_non_null(gw_route_match(t, s, &req));
	req.n_headers = GW_ROUTE_MAX_REQ_HEADERS + 1;
	assert_null(gw_route_match(t, s, &req));
	assert_int_equal(gw_route_scratch_stats(s)->too_many_headers, 1);
	gw_route_scratch_free(s);
	gw_route_table_free(t);
}

static void
test_regex_dedup(void **state)
{
	const struct gw_route_conf rs[] = {
		ROUTE("a", .matches = M({ .uri = S_REGEX("/a[0-9]"),
					  .method = S_EXACT("PUT") })),
		ROUTE("b", .matches = M({ .uri = S_REGEX("/a[0-9]") })),
		/* same text, other field: another regex */
		ROUTE("c", .matches = M({ .authority = S_REGEX("/a[0-9]") })),
	};
	const struct gw_route_vhost_conf vh[] = {
		{ .name = "d", .domains = ARR((const char *const[]){ "*" }),
		  .routes = ARR(rs) },
	};
	const struct gw_route_table_conf conf = { .vhosts = ARR(vh) };
	struct gw_route_table *t;
	struct gw_route_scratch *s;
	struct test_req tr;

	(void)state;
	assert_int_equal(gw_route_table_create(&conf, &t, NULL), 0);
	assert_int_equal(gw_route_table_regex_count(t), 2);
	assert_int_equal(gw_route_scratch_create(t, &s, NULL), 0);
	assert_string_equal(gw_route_action(gw_route_match(t, s,
		test_req(&tr, "GET", NULL, "h", "/a1", 80, NULL)))->name, "b");
	assert_string_equal(gw_route_action(gw_route_match(t, s,
		test_req(&tr, "PUT", NULL, "h", "/a1", 80, NULL)))->name, "a");
	assert_string_equal(gw_route_action(gw_route_match(t, s,
		test_req(&tr, "GET", NULL, "/a2", "/", 80, NULL)))->name, "c");
	gw_route_scratch_free(s);
	gw_route_table_free(t);
}

/*
 * Model check of the shared scan buffer and the route prefilter: random
 * tables of routes (regexes on several fields, uri prefix/exact with or
 * without ignoreUriCase, header exact) against random requests, compared
 * with a direct evaluation: PCRE2 full matches of each field on its own,
 * plain compares for the rest.
 */
#define MODEL_ROUTES 24
#define MODEL_TABLES 40
#define MODEL_REQS 100

static const char *const model_res[] = {
	"a.*", ".*b", "[ab]+", "(a|b)c?", "a*b*", ".*", "ab", "c", ".+c.*",
	"[^a]*", "(ab)+", "a?", "b{2,3}", ".*a,b.*",
};
static const char *const model_lits[] = { "/", "/a", "/ab", "/A", "/b?q",
					  "/ca", "/a?q=b" };

/* route kinds: regex on a field, then the non-regex ones */
enum { F_PATH, F_AUTH, F_X1, F_X2, F_Q, F_N, K_PREFIX = F_N, K_EXACT,
       K_HDR, K_WITHOUT, K_N };

struct model_route {
	unsigned kind;
	bool icase;
	char val[32];
};

static void
rand_value(uint64_t *seed, char *out, size_t cap)
{
	size_t n = test_rand(seed) % 6, i;

	for (i = 0; i < n && i + 1 < cap; i++)
		out[i] = "abcA"[test_rand(seed) % 4];
	out[i] = '\0';
}

static bool
ref_full_match(const char *re, const char *v)
{
	pcre2_code *c;
	pcre2_match_data *md;
	PCRE2_SIZE off;
	int ec, rc;

	c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
			  PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec, &off, NULL);
	assert_non_null(c);
	md = pcre2_match_data_create_from_pattern(c, NULL);
	rc = pcre2_match(c, (PCRE2_SPTR)v, strlen(v), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(c);
	return rc >= 0;
}

static bool
ref_eq(const char *a, const char *b, size_t n, bool icase)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char x = a[i], y = b[i];

		if (icase) {
			x = (x >= 'A' && x <= 'Z') ? (char)(x + 32) : x;
			y = (y >= 'A' && y <= 'Z') ? (char)(y + 32) : y;
		}
		if (x != y)
			return false;
	}
	return true;
}

/* Direct evaluation of one route; val[] are the fields as Istio sees
 * them (NULL: absent), target the whole request target. */
static bool
ref_route(const struct model_route *m, const char *const val[F_N],
	  const char *target)
{
	size_t tl = strlen(target), pl = strcspn(target, "?");
	size_t vl = strlen(m->val);

	switch (m->kind) {
	case K_PREFIX:
		return tl >= vl && ref_eq(target, m->val, vl, m->icase);
	case K_EXACT:
		return pl == vl && ref_eq(target, m->val, vl, m->icase);
	case K_HDR:
		return val[F_X1] != NULL && strcmp(val[F_X1], "a") == 0;
	case K_WITHOUT:
		return val[F_X2] == NULL || !ref_full_match(m->val, val[F_X2]);
	default:
		return val[m->kind] != NULL &&
		       ref_full_match(m->val, val[m->kind]);
	}
}

static void
model_conf(uint64_t *seed, struct model_route *mr, struct gw_route_conf *rs,
	   struct gw_route_match_conf *ms, struct gw_route_kv_match *kv,
	   char names[][8])
{
	static const char *const hname[] = { "x-1", "x-2" };
	unsigned r;

	memset(rs, 0, MODEL_ROUTES * sizeof(*rs));
	memset(ms, 0, MODEL_ROUTES * sizeof(*ms));
	for (r = 0; r < MODEL_ROUTES; r++) {
		struct model_route *m = &mr[r];

		m->kind = test_rand(seed) % K_N;
		m->icase = test_rand(seed) % 2;
		if (m->kind == K_PREFIX || m->kind == K_EXACT)
			snprintf(m->val, sizeof(m->val), "%s", model_lits[
				test_rand(seed) % (sizeof(model_lits) /
						   sizeof(model_lits[0]))]);
		else
			snprintf(m->val, sizeof(m->val), "%s%s",
				 m->kind == F_PATH ? "/" : "", model_res[
				test_rand(seed) % (sizeof(model_res) /
						   sizeof(model_res[0]))]);
		snprintf(names[r], 8, "r%u", r);
		rs[r] = (struct gw_route_conf){ .name = names[r],
			.matches = &ms[r], .n_matches = 1,
			.dests = test_dest_one, .n_dests = 1 };
		switch (m->kind) {
		case K_PREFIX:
		case K_EXACT:
			ms[r].uri = (struct gw_route_str_match){
				m->kind == K_PREFIX ? GW_ROUTE_STR_PREFIX :
						      GW_ROUTE_STR_EXACT,
				m->val };
			ms[r].ignore_uri_case = m->icase;
			break;
		case K_HDR:
			kv[r] = (struct gw_route_kv_match){ "x-1",
							    S_EXACT("a") };
			ms[r].headers = &kv[r];
			ms[r].n_headers = 1;
			break;
		case K_WITHOUT:
			kv[r] = (struct gw_route_kv_match){ "x-2",
							    S_REGEX(m->val) };
			ms[r].without_headers = &kv[r];
			ms[r].n_without_headers = 1;
			break;
		case F_PATH:
			m->icase = false;
			ms[r].uri = (struct gw_route_str_match)S_REGEX(m->val);
			break;
		case F_AUTH:
			ms[r].authority =
				(struct gw_route_str_match)S_REGEX(m->val);
			break;
		case F_X1:
		case F_X2:
			kv[r] = (struct gw_route_kv_match){
				hname[m->kind - F_X1], S_REGEX(m->val) };
			ms[r].headers = &kv[r];
			ms[r].n_headers = 1;
			break;
		default:
			kv[r] = (struct gw_route_kv_match){ "q",
							    S_REGEX(m->val) };
			ms[r].query_params = &kv[r];
			ms[r].n_query_params = 1;
			break;
		}
	}
}

static void
test_regex_model(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;
	unsigned round;

	(void)state;
	for (round = 0; round < MODEL_TABLES; round++) {
		struct model_route mr[MODEL_ROUTES];
		struct gw_route_conf rs[MODEL_ROUTES];
		struct gw_route_match_conf ms[MODEL_ROUTES];
		struct gw_route_kv_match kv[MODEL_ROUTES];
		char names[MODEL_ROUTES][8];
		const struct gw_route_vhost_conf vh = { .name = "m",
			.domains = (const char *const[]){ "*" }, .n_domains = 1,
			.routes = rs, .n_routes = MODEL_ROUTES };
		const struct gw_route_table_conf conf = { .vhosts = &vh,
							  .n_vhosts = 1 };
		struct gw_route_table *t;
		struct gw_route_scratch *s;
		struct gw_route_err err;
		unsigned r, k;

		model_conf(&seed, mr, rs, ms, kv, names);
		if (gw_route_table_create(&conf, &t, &err) != 0)
			fail_msg("compile: %s", err.msg);
		assert_int_equal(gw_route_scratch_create(t, &s, NULL), 0);
		for (k = 0; k < MODEL_REQS; k++) {
			char v[F_N][8], x1b[8], path[40], hdrs[64], joined[20];
			char pv[16];
			const char *val[F_N];
			const struct gw_route *got;
			const char *want = NULL;
			bool has_x1, dup_x1, has_x2, has_q;
			struct test_req tr;
			unsigned f;

			memset(v, 0, sizeof(v));
			for (f = 0; f < F_N; f++)
				rand_value(&seed, v[f], sizeof(v[f]));
			rand_value(&seed, x1b, sizeof(x1b));
			has_x1 = test_rand(&seed) % 4 != 0;
			dup_x1 = has_x1 && test_rand(&seed) % 3 == 0;
			has_x2 = test_rand(&seed) % 4 != 0;
			has_q = test_rand(&seed) % 4 != 0;
			/* now and then a control byte: that field's regexes
			 * fail, and the prefilter must step aside */
			if (test_rand(&seed) % 16 == 0)
				v[F_PATH][0] = '\x01';
			snprintf(path, sizeof(path), "/%s%s%s", v[F_PATH],
				 has_q ? "?q=" : "", has_q ? v[F_Q] : "");
			snprintf(hdrs, sizeof(hdrs), "%s%s%s%s%s%s%s%s",
				 has_x1 ? "x-1: " : "", has_x1 ? v[F_X1] : "",
				 has_x1 ? "|" : "",
				 has_x2 ? "X-2: " : "", has_x2 ? v[F_X2] : "",
				 has_x2 ? "|" : "",
				 dup_x1 ? "x-1: " : "", dup_x1 ? x1b : "");
			snprintf(joined, sizeof(joined), "%s,%s", v[F_X1], x1b);
			snprintf(pv, sizeof(pv), "/%s", v[F_PATH]);
			val[F_PATH] = strchr(pv, '\x01') ? NULL : pv;
			val[F_AUTH] = v[F_AUTH];
			val[F_X1] = !has_x1 ? NULL : dup_x1 ? joined : v[F_X1];
			val[F_X2] = has_x2 ? v[F_X2] : NULL;
			val[F_Q] = has_q ? v[F_Q] : NULL;
			for (r = 0; r < MODEL_ROUTES && want == NULL; r++)
				if (ref_route(&mr[r], val, path))
					want = names[r];
			got = gw_route_match(t, s, test_req(&tr, "GET", NULL,
				v[F_AUTH], path, 80, hdrs[0] ? hdrs : NULL));
			if ((got == NULL) != (want == NULL) ||
			    (got != NULL &&
			     strcmp(gw_route_action(got)->name, want) != 0))
				fail_msg("table %u req %u: path %s auth %s "
					 "hdrs \"%s\": got %s, want %s", round,
					 k, path, v[F_AUTH], hdrs,
					 got ? gw_route_action(got)->name :
					 "(none)", want ? want : "(none)");
		}
		gw_route_scratch_free(s);
		gw_route_table_free(t);
	}
}

/* Two workers share one table, each with its own scratch. */
struct worker_arg {
	const struct gw_route_table *t;
	unsigned bad;
};

static void *
worker(void *p)
{
	struct worker_arg *a = p;
	struct gw_route_scratch *s;
	struct test_req tr;
	unsigned i;

	if (gw_route_scratch_create(a->t, &s, NULL) != 0) {
		a->bad = 1;
		return NULL;
	}
	for (i = 0; i < 20000; i++) {
		const struct mcase *c = &cases[i % (sizeof(cases) /
						    sizeof(cases[0]))];
		const struct gw_route *r = gw_route_match(a->t, s,
			test_req(&tr, c->method, c->scheme, c->authority,
				 c->path, c->port, c->hdrs));
		const char *got = r != NULL ? gw_route_action(r)->name : NULL;

		if ((got == NULL) != (c->want == NULL) ||
		    (got != NULL && strcmp(got, c->want) != 0))
			a->bad++;
	}
	gw_route_scratch_free(s);
	return NULL;
}

static void
test_shared_table(void **state)
{
	const struct gw_route_table_conf conf = { .vhosts = ARR(vhosts) };
	struct worker_arg a[2];
	pthread_t th[2];
	struct gw_route_table *t;
	int i;

	(void)state;
	assert_int_equal(gw_route_table_create(&conf, &t, NULL), 0);
	for (i = 0; i < 2; i++) {
		a[i] = (struct worker_arg){ .t = t };
		assert_int_equal(pthread_create(&th[i], NULL, worker, &a[i]),
				 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(a[i].bad, 0);
	}
	gw_route_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_no_star),
		cmocka_unit_test(test_scratch_mismatch),
		cmocka_unit_test(test_too_many_headers),
		cmocka_unit_test(test_regex_dedup),
		cmocka_unit_test(test_regex_model),
		cmocka_unit_test(test_shared_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
