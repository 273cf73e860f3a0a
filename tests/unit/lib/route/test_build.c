/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/route compile (route_build.c): every rejected conf
 * returns -EINVAL (or -E2BIG) with a message naming the virtual host,
 * route and field; Istio defaults (retries, weights, mirror percentage,
 * redirect code) and the fault rule land in the compiled action.
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

static const char *const star[] = { "*" };

/* Compile one vhost "ns/vs" holding one route; @return rc. */
static int
compile1(const struct gw_route_conf *r, struct gw_route_table **t,
	 struct gw_route_err *err)
{
	const struct gw_route_vhost_conf vh = {
		.name = "ns/vs", .domains = star, .n_domains = 1,
		.routes = r, .n_routes = 1,
	};
	const struct gw_route_table_conf conf = { .vhosts = &vh,
						  .n_vhosts = 1 };

	*t = NULL;
	return gw_route_table_create(&conf, t, err);
}

static void
expect_error(const struct gw_route_conf *r, int want, const char *needle)
{
	struct gw_route_table *t;
	struct gw_route_err err;
	int rc = compile1(r, &t, &err);

	if (rc != want || strstr(err.msg, needle) == NULL ||
	    strstr(err.msg, "virtual host \"ns/vs\"") == NULL)
		fail_msg("rc %d (want %d), msg \"%s\" (want \"%s\")", rc, want,
			 err.msg, needle);
	assert_null(t);
}

#define M1(...) \
	.matches = (const struct gw_route_match_conf[]){ __VA_ARGS__ }, \
	.n_matches = 1

static void
test_bad_regex(void **state)
{
	(void)state;
	expect_error(&(struct gw_route_conf){ .name = "r1",
		.dests = test_dest_one, .n_dests = 1,
		M1({ .uri = S_REGEX("/a(") }) }, -EINVAL,
		"route \"r1\" (#0): match #0: uri: regex:");
	/* Hyperscan has no backreferences (RE2 has none either) */
	expect_error(&(struct gw_route_conf){ .name = "r2",
		.dests = test_dest_one, .n_dests = 1,
		M1({ .name = "m", .headers = (const struct gw_route_kv_match[]){
			{ "x", S_REGEX("(a)\\1") } }, .n_headers = 1 }) },
		-EINVAL, "route \"r2\" (#0): match #0 \"m\": headers: regex:");
	/* '^' in the middle can never match once anchored */
	expect_error(&(struct gw_route_conf){ .name = "r3",
		.dests = test_dest_one, .n_dests = 1,
		M1({ .uri = S_REGEX("/a^b") }) }, -EINVAL, "regex:");
	expect_error(&(struct gw_route_conf){ .name = "r4",
		.dests = test_dest_one, .n_dests = 1,
		M1({ .uri = { GW_ROUTE_STR_REGEX, NULL } }) }, -EINVAL,
		"uri: match value missing");
}

static void
test_retry_on(void **state)
{
	struct gw_route_retry_conf rt = { .attempts = 3,
					  .retry_on = "5xx,bogus" };
	struct gw_route_table *t;
	struct gw_route_err err;
	const struct gw_route_retry *r;
	struct test_req tr;
	struct gw_route_scratch *s;

	(void)state;
	expect_error(&(struct gw_route_conf){ .name = "r",
		.dests = test_dest_one, .n_dests = 1, .retries = &rt },
		-EINVAL, "retries.retryOn: unknown token \"bogus\"");
	rt.retry_on = "5xx,600";
	expect_error(&(struct gw_route_conf){ .name = "r",
		.dests = test_dest_one, .n_dests = 1, .retries = &rt },
		-EINVAL, "bad status code \"600\"");
	rt.attempts = -1;
	rt.retry_on = NULL;
	expect_error(&(struct gw_route_conf){ .name = "r",
		.dests = test_dest_one, .n_dests = 1, .retries = &rt },
		-EINVAL, "retries.attempts -1 is negative");

	/* Istio default policy when retries is not set */
	assert_int_equal(compile1(&(struct gw_route_conf){ .name = "d",
		.dests = test_dest_one, .n_dests = 1 }, &t, &err), 0);
	assert_int_equal(gw_route_scratch_create(t, &s, NULL), 0);
	r = &gw_route_action(gw_route_match(t, s, test_req(&tr, "GET", NULL,
					    "h", "/", 80, NULL)))->retry;
	assert_int_equal(r->attempts, 2);
	assert_int_equal(r->on, GW_ROUTE_RETRY_CONNECT_FAILURE |
			 GW_ROUTE_RETRY_REFUSED_STREAM |
			 GW_ROUTE_RETRY_UNAVAILABLE | GW_ROUTE_RETRY_CANCELLED |
			 GW_ROUTE_RETRY_RETRIABLE_STATUS_CODES);
	assert_int_equal(r->n_codes, 1);
	assert_int_equal(r->codes[0], 503);
	gw_route_scratch_free(s);
	gw_route_table_free(t);

	/* tokens and numeric codes */
	rt.attempts = 5;
	rt.per_try_timeout_ms = 250;
	rt.retry_on = "gateway-error, reset,retriable-4xx,502,504";
	assert_int_equal(compile1(&(struct gw_route_conf){ .name = "c",
		.dests = test_dest_one, .n_dests = 1, .retries = &rt }, &t,
		&err), 0);
	assert_int_equal(gw_route_scratch_create(t, &s, NULL), 0);
	r = &gw_route_action(gw_route_match(t, s, test_req(&tr, "GET", NULL,
					    "h", "/", 80, NULL)))->retry;
	assert_int_equal(r->attempts, 5);
	assert_int_equal(r->per_try_timeout_ms, 250);
	assert_int_equal(r->on, GW_ROUTE_RETRY_GATEWAY_ERROR |
			 GW_ROUTE_RETRY_RESET | GW_ROUTE_RETRY_RETRIABLE_4XX |
			 GW_ROUTE_RETRY_RETRIABLE_STATUS_CODES);
	assert_int_equal(r->n_codes, 2);
	assert_int_equal(r->codes[0], 502);
	assert_int_equal(r->codes[1], 504);
	gw_route_scratch_free(s);
	gw_route_table_free(t);
}

static void
test_query_prefix(void **state)
{
	(void)state;
	expect_error(&(struct gw_route_conf){ .name = "q",
		.dests = test_dest_one, .n_dests = 1,
		M1({ .query_params = (const struct gw_route_kv_match[]){
			{ "page", S_PREFIX("1") } }, .n_query_params = 1 }) },
		-EINVAL, "queryParams \"page\": prefix is not supported");
}

static void
test_duplicate_domain(void **state)
{
	const struct gw_route_vhost_conf vh[] = {
		{ .name = "ns/a", .domains = (const char *const[]){ "x.test" },
		  .n_domains = 1, .routes = &(struct gw_route_conf){
			.dests = test_dest_one, .n_dests = 1 }, .n_routes = 1 },
		{ .name = "ns/b", .domains = (const char *const[]){ "y.test",
								   "X.Test" },
		  .n_domains = 2, .routes = &(struct gw_route_conf){
			.dests = test_dest_one, .n_dests = 1 }, .n_routes = 1 },
	};
	const struct gw_route_table_conf conf = { .vhosts = vh, .n_vhosts = 2 };
	struct gw_route_table *t = NULL;
	struct gw_route_err err;

	(void)state;
	assert_int_equal(gw_route_table_create(&conf, &t, &err), -EINVAL);
	assert_null(t);
	assert_string_equal(err.msg, "virtual host \"ns/b\": domain \"X.Test\" "
			    "also in virtual host \"ns/a\"");
}

static void
test_bad_domain(void **state)
{
	const struct gw_route_vhost_conf vh = {
		.name = "ns/a", .domains = (const char *const[]){ "a.*.test" },
		.n_domains = 1, .routes = &(struct gw_route_conf){
			.dests = test_dest_one, .n_dests = 1 }, .n_routes = 1 };
	const struct gw_route_table_conf conf = { .vhosts = &vh,
						  .n_vhosts = 1 };
	struct gw_route_table *t;
	struct gw_route_err err;

	(void)state;
	assert_int_equal(gw_route_table_create(&conf, &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'*' only as the first label"));
}

static void
test_weights(void **state)
{
	struct gw_route_dest_conf d[3] = {
		{ .host = "a", .weight = -1 }, { .host = "b", .weight = 10 },
		{ .host = "c", .weight = 10 } };
	struct gw_route_conf r = { .name = "w", .dests = d, .n_dests = 2 };
	struct gw_route_table *t;
	struct gw_route_scratch *s;
	struct test_req tr;
	const struct gw_route_action *a;

	(void)state;
	expect_error(&r, -EINVAL, "route \"w\" (#0): route[0].weight -1 is "
		     "negative");
	d[0].weight = INT64_C(1) << 40;
	expect_error(&r, -EINVAL, "route[0].weight 1099511627776 overflows");
	d[0].weight = d[1].weight = d[2].weight = INT32_MAX;
	r.n_dests = 3;
	expect_error(&r, -EINVAL, "weights sum to 6442450941, past");
	d[0].weight = d[1].weight = 0;
	r.n_dests = 2;
	expect_error(&r, -EINVAL, "weights sum to 0");
	d[0].host = "";
	expect_error(&r, -EINVAL, "route[0].destination.host missing");

	/* one destination without a weight takes it all */
	d[0].host = "a";
	r.n_dests = 1;
	assert_int_equal(compile1(&r, &t, NULL), 0);
	assert_int_equal(gw_route_scratch_create(t, &s, NULL), 0);
	a = gw_route_action(gw_route_match(t, s, test_req(&tr, "GET", NULL,
				"h", "/", 80, NULL)));
	assert_int_equal(a->kind, GW_ROUTE_ACTION_FORWARD);
	assert_int_equal(a->n_dests, 1);
	assert_int_equal(a->dests[0].weight, 100);
	assert_int_equal(a->weight_sum, 100);
	gw_route_scratch_free(s);
	gw_route_table_free(t);
}

static void
test_redirect_and_kinds(void **state)
{
	struct gw_route_redirect rd = { .uri = "/new", .code = 300 };
	struct gw_route_direct_response dr = { .status = 700 };

	(void)state;
	expect_error(&(struct gw_route_conf){ .name = "rd", .redirect = &rd },
		     -EINVAL, "route \"rd\" (#0): redirect.redirectCode 300 "
		     "is not one of 301, 302, 303, 307, 308");
	rd.code = 0;
	rd.port = 8080;
	rd.derive_port = GW_ROUTE_PORT_FROM_REQUEST_PORT;
	expect_error(&(struct gw_route_conf){ .name = "rd", .redirect = &rd },
		     -EINVAL, "port and derivePort are exclusive");
	rd.derive_port = GW_ROUTE_PORT_KEEP;
	expect_error(&(struct gw_route_conf){ .name = "rd", .redirect = &rd,
		.dests = test_dest_one, .n_dests = 1 }, -EINVAL,
		"needs exactly one of route, redirect and directResponse");
	expect_error(&(struct gw_route_conf){ .name = "rd", .redirect = &rd,
		.rewrite_uri = "/x" }, -EINVAL, "rewrite needs a route");
	expect_error(&(struct gw_route_conf){ .name = "dr",
		.direct_response = &dr }, -EINVAL,
		"directResponse.status 700 not in 200..599");
	expect_error(&(struct gw_route_conf){ .name = "none" }, -EINVAL,
		     "needs exactly one");
}

static void
test_rewrite_errors(void **state)
{
	(void)state;
	expect_error(&(struct gw_route_conf){ .name = "rr",
		.dests = test_dest_one, .n_dests = 1,
		.regex_rewrite_match = "/(a", .regex_rewrite = "/b" }, -EINVAL,
		"rewrite.uriRegexRewrite: match \"/(a\" at offset 3");
	expect_error(&(struct gw_route_conf){ .name = "rr",
		.dests = test_dest_one, .n_dests = 1,
		.regex_rewrite_match = "/(a)", .regex_rewrite = "/\\2" },
		-EINVAL, "uses \\2 but match has 1 groups");
	expect_error(&(struct gw_route_conf){ .name = "rr",
		.dests = test_dest_one, .n_dests = 1, .rewrite_uri = "/x",
		.regex_rewrite_match = "/(a)", .regex_rewrite = "/\\1" },
		-EINVAL, "uri and uriRegexRewrite are exclusive");
	expect_error(&(struct gw_route_conf){ .name = "rr",
		.dests = test_dest_one, .n_dests = 1,
		.regex_rewrite_match = "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)",
		.regex_rewrite = "/" }, -E2BIG, "has 10 groups, more than 9");
}

static void
test_fault_mirror(void **state)
{
	struct gw_route_fault_conf f = { .delay = true, .delay_ms = 5000,
		.delay_percent = 12.5, .abort = true, .abort_status = 503,
		.abort_percent = GW_ROUTE_PERCENT_UNSET };
	struct gw_route_retry_conf rt = { .attempts = 4 };
	struct gw_route_conf r = { .name = "f", .dests = test_dest_one,
		.n_dests = 1, .fault = &f, .timeout_ms = 3000, .retries = &rt,
		.mirror = { .host = "shadow", .subset = "v2", .port = 9080 },
		.mirror_percent = GW_ROUTE_PERCENT_UNSET };
	const struct gw_route_action *a;
	struct gw_route_scratch *s;
	struct gw_route_table *t;
	struct test_req tr;

	(void)state;
	assert_int_equal(compile1(&r, &t, NULL), 0);
	assert_int_equal(gw_route_scratch_create(t, &s, NULL), 0);
	a = gw_route_action(gw_route_match(t, s, test_req(&tr, "GET", NULL,
				"h", "/", 80, NULL)));
	assert_true(a->fault.delay);
	assert_int_equal(a->fault.delay_ms, 5000);
	assert_int_equal(a->fault.delay_ppm, 125000);
	assert_int_equal(a->fault.abort_status, 503);
	/* Istio: an unset fault percentage injects nothing */
	assert_int_equal(a->fault.abort_ppm, 0);
	/* Istio: a fault disables timeout and retries */
	assert_int_equal(a->timeout_ms, 0);
	assert_int_equal(a->retry.attempts, 0);
	assert_string_equal(a->mirror.host, "shadow");
	assert_string_equal(a->mirror.subset, "v2");
	assert_int_equal(a->mirror_ppm, 1000000);
	assert_true(gw_route_percent_hit(a->mirror_ppm, UINT32_MAX));
	assert_false(gw_route_percent_hit(0, 0));
	gw_route_scratch_free(s);
	gw_route_table_free(t);

	f.delay_percent = 101;
	expect_error(&r, -EINVAL, "fault.delay: percentage 101 not in 0..100");
	f.delay_percent = 1;
	f.abort_status = 99;
	expect_error(&r, -EINVAL, "fault.abort.httpStatus 99 not in 200..599");
}

static void
test_headers_copied(void **state)
{
	char name[16] = "x-added", value[16] = "yes";
	const struct gw_route_hdr set[] = { { .name = name, .value = value } };
	const char *rm[] = { "x-secret" };
	struct gw_route_conf r = { .name = "h", .dests = test_dest_one,
		.n_dests = 1, .headers = { .request = { .set = set, .n_set = 1,
			.remove = rm, .n_remove = 1 } } };
	const struct gw_route_action *a;
	struct gw_route_scratch *s;
	struct gw_route_table *t;
	struct test_req tr;

	(void)state;
	assert_int_equal(compile1(&r, &t, NULL), 0);
	/* the conf may be freed or reused after compile */
	memset(name, 'Z', sizeof(name) - 1);
	memset(value, 'Z', sizeof(value) - 1);
	assert_int_equal(gw_route_scratch_create(t, &s, NULL), 0);
	a = gw_route_action(gw_route_match(t, s, test_req(&tr, "GET", NULL,
				"h", "/", 80, NULL)));
	assert_int_equal(a->headers.request.n_set, 1);
	assert_string_equal(a->headers.request.set[0].name, "x-added");
	assert_int_equal(a->headers.request.set[0].value_len, 3);
	assert_string_equal(a->headers.request.remove[0], "x-secret");
	gw_route_scratch_free(s);
	gw_route_table_free(t);
}

static void
test_free_null(void **state)
{
	(void)state;
	gw_route_table_free(NULL);
	gw_route_scratch_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_regex),
		cmocka_unit_test(test_retry_on),
		cmocka_unit_test(test_query_prefix),
		cmocka_unit_test(test_duplicate_domain),
		cmocka_unit_test(test_bad_domain),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_redirect_and_kinds),
		cmocka_unit_test(test_rewrite_errors),
		cmocka_unit_test(test_fault_mirror),
		cmocka_unit_test(test_headers_copied),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
