/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_route — lib/route micro-benchmark: matches per second against
 * tables of 10 and 1,000 routes (half prefix, half regex rules, some with
 * header conditions), on a fixed mix of requests that match early, late
 * or not at all; and the compile time of a 10,000-route table.
 *
 * Run (single thread, no root, no DPDK):
 *     meson setup build && ninja -C build tools/bench/route/bench_route
 *     ./build/tools/bench/route/bench_route [seconds per table, default 2]
 *         [--no-10000]   (skip the 10,000-route compile, e.g. under perf)
 * It prints a small table, then one JSON line for scripts. Use a
 * "release" or "debugoptimized" build; numbers from a shared or
 * frequency-scaled machine are only indicative.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw_route.h"

#define MAX_ROUTES 10000

/* Conf storage for the largest table; strings live in names[]. */
struct gen {
	struct gw_route_conf routes[MAX_ROUTES];
	struct gw_route_match_conf matches[MAX_ROUTES];
	struct gw_route_kv_match hdrs[MAX_ROUTES];
	char names[MAX_ROUTES][2][64]; /* route name, uri value */
	char hvals[MAX_ROUTES][16];
};

static const struct gw_route_dest_conf dests[] = {
	{ .host = "backend-v1.prod.svc.cluster.local", .weight = 90 },
	{ .host = "backend-v2.prod.svc.cluster.local", .weight = 10 },
};

static const char *const domains[] = { "shop.example.com",
				       "*.shop.example.com" };

/*
 * Route i, by i % 4:
 *   0: uri prefix /api/v1/svc<i>/
 *   1: uri regex  /api/v2/svc<i>/items/[0-9]+
 *   2: uri prefix /static/app<i>/ and header x-tenant exact t<i>
 *   3: uri regex  /users/[a-z]+/orders/<i>(/.*)? and method GET,
 *      every 5th of them also header user-agent regex .*Mobile.*
 */
static void
gen_routes(struct gen *g, unsigned n)
{
	unsigned i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < n; i++) {
		struct gw_route_conf *r = &g->routes[i];
		struct gw_route_match_conf *m = &g->matches[i];
		char *uri = g->names[i][1];

		snprintf(g->names[i][0], sizeof(g->names[i][0]), "r%u", i);
		r->name = g->names[i][0];
		r->matches = m;
		r->n_matches = 1;
		r->dests = dests;
		r->n_dests = 2;
		switch (i % 4) {
		case 0:
			snprintf(uri, 64, "/api/v1/svc%u/", i);
			m->uri = (struct gw_route_str_match){
				GW_ROUTE_STR_PREFIX, uri };
			break;
		case 1:
			snprintf(uri, 64, "/api/v2/svc%u/items/[0-9]+", i);
			m->uri = (struct gw_route_str_match){
				GW_ROUTE_STR_REGEX, uri };
			break;
		case 2:
			snprintf(uri, 64, "/static/app%u/", i);
			snprintf(g->hvals[i], sizeof(g->hvals[i]), "t%u", i);
			m->uri = (struct gw_route_str_match){
				GW_ROUTE_STR_PREFIX, uri };
			g->hdrs[i] = (struct gw_route_kv_match){ "x-tenant",
				{ GW_ROUTE_STR_EXACT, g->hvals[i] } };
			m->headers = &g->hdrs[i];
			m->n_headers = 1;
			break;
		default:
			snprintf(uri, 64, "/users/[a-z]+/orders/%u(/.*)?", i);
			m->uri = (struct gw_route_str_match){
				GW_ROUTE_STR_REGEX, uri };
			m->method = (struct gw_route_str_match){
				GW_ROUTE_STR_EXACT, "GET" };
			if (i % 20 == 3) {
				g->hdrs[i] = (struct gw_route_kv_match){
					"user-agent", { GW_ROUTE_STR_REGEX,
							".*Mobile.*" } };
				m->headers = &g->hdrs[i];
				m->n_headers = 1;
			}
			break;
		}
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
compile(struct gen *g, unsigned n, struct gw_route_table **t, double *secs)
{
	const struct gw_route_vhost_conf vh = { .name = "prod/shop",
		.domains = domains, .n_domains = 2,
		.routes = g->routes, .n_routes = n };
	const struct gw_route_table_conf conf = { .vhosts = &vh,
						  .n_vhosts = 1 };
	struct gw_route_err err;
	double t0 = now_s();
	int rc;

	gen_routes(g, n);
	t0 = now_s();
	rc = gw_route_table_create(&conf, t, &err);
	*secs = now_s() - t0;
	if (rc != 0)
		fprintf(stderr, "compile %u routes: %s\n", n, err.msg);
	return rc;
}

/* Typical browser/API headers; the tested ones are among them. */
#define STD_HDRS(ua, tenant)                                              \
	{ "accept", 6, "application/json", 16 },                          \
	{ "accept-encoding", 15, "gzip, deflate, br", 17 },               \
	{ "user-agent", 10, ua, sizeof(ua) - 1 },                         \
	{ "x-request-id", 12, "7f2c9b1e-4a8d-4c3e-9f21-0d6b5a7e8c11", 36 }, \
	{ "x-tenant", 8, tenant, sizeof(tenant) - 1 },                    \
	{ "cookie", 6, "session=abcdef0123456789; theme=dark", 36 }

static const struct gw_route_req_hdr h_desk[] = {
	STD_HDRS("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "t2") };
static const struct gw_route_req_hdr h_mob[] = {
	STD_HDRS("Mozilla/5.0 (iPhone) Mobile/15E148 Safari/604.1", "t6") };

struct breq {
	const char *what;
	const char *method;
	const char *path_fmt;   /* %u: a route index scaled to the table */
	unsigned frac;          /* route index = frac * n / 100 */
	const struct gw_route_req_hdr *h;
};

/* The mix: early, middle and late matches of each rule kind, and misses
 * that walk the whole table. */
static const struct breq mix[] = {
	{ "prefix early", "GET", "/api/v1/svc%u/products?page=2", 0, h_desk },
	{ "regex early", "GET", "/api/v2/svc%u/items/12345", 1, h_desk },
	{ "prefix+hdr mid", "GET", "/static/app%u/main.js", 50, h_desk },
	{ "regex mid", "GET", "/users/alice/orders/%u/lines", 50, h_mob },
	{ "prefix late", "GET", "/api/v1/svc%u/x", 99, h_desk },
	{ "regex late", "GET", "/users/bob/orders/%u", 99, h_mob },
	{ "miss (404)", "GET", "/nothing/here/%u", 0, h_desk },
	{ "miss, regex-like", "POST", "/users/carol/orders/%u", 50, h_desk },
};
#define N_MIX (sizeof(mix) / sizeof(mix[0]))

struct built {
	struct gw_route_req req[N_MIX];
	char paths[N_MIX][96];
	struct gw_route_req_hdr hmid[6];  /* x-tenant naming its route */
	char tenant[16];
};

/* Snap frac * n / 100 to a route of the kind the path format expects. */
static unsigned
pick_index(const struct breq *b, unsigned n)
{
	unsigned kind = strstr(b->path_fmt, "/api/v1") ? 0 :
			strstr(b->path_fmt, "/api/v2") ? 1 :
			strstr(b->path_fmt, "/static") ? 2 : 3;
	unsigned i = b->frac * n / 100;

	i -= i % 4;
	i += kind;
	while (i >= n)
		i -= 4;
	return i;
}

static void
build_reqs(struct built *bt, unsigned n)
{
	size_t k;

	for (k = 0; k < N_MIX; k++) {
		const struct breq *b = &mix[k];
		struct gw_route_req *r = &bt->req[k];

		snprintf(bt->paths[k], sizeof(bt->paths[k]), b->path_fmt,
			 pick_index(b, n));
		*r = (struct gw_route_req){
			.method = b->method, .method_len = strlen(b->method),
			.scheme = "https", .scheme_len = 5,
			.authority = "shop.example.com:443",
			.authority_len = 20,
			.path = bt->paths[k], .path_len = strlen(bt->paths[k]),
			.port = 443, .headers = b->h, .n_headers = 6,
		};
	}
	/* "prefix+hdr mid" needs x-tenant: t<i> of the route it aims at */
	memcpy(bt->hmid, h_desk, sizeof(bt->hmid));
	snprintf(bt->tenant, sizeof(bt->tenant), "t%u",
		 pick_index(&mix[2], n));
	bt->hmid[4].value = bt->tenant;
	bt->hmid[4].value_len = strlen(bt->tenant);
	bt->req[2].headers = bt->hmid;
}

static double
bench_table(struct gen *g, unsigned n, double secs, unsigned *hits,
	    double *compile_s)
{
	struct gw_route_table *t;
	struct gw_route_scratch *s;
	struct built bt;
	uint64_t iters = 0, i;
	double t0, el;
	unsigned sink = 0;
	size_t k;

	if (compile(g, n, &t, compile_s) != 0 ||
	    gw_route_scratch_create(t, &s, NULL) != 0)
		exit(1);
	build_reqs(&bt, n);

	*hits = 0;
	for (k = 0; k < N_MIX; k++)
		*hits += gw_route_match(t, s, &bt.req[k]) != NULL;
	t0 = now_s();
	do {
		for (i = 0; i < 4096; i++) {
			const struct gw_route *r =
				gw_route_match(t, s, &bt.req[i % N_MIX]);

			sink += r != NULL;
		}
		iters += 4096;
		el = now_s() - t0;
	} while (el < secs);
	if (sink == 0)
		fprintf(stderr, "no match at all?\n");
	gw_route_scratch_free(s);
	gw_route_table_free(t);
	return (double)iters / el;
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	static struct gen g;
	struct gw_route_table *t;
	double mps10, mps1k, c10, c1k, c10k;
	unsigned h10, h1k, regex10k;
	char json10k[32] = "null";

	if (secs <= 0)
		secs = 2.0;
	mps10 = bench_table(&g, 10, secs, &h10, &c10);
	mps1k = bench_table(&g, 1000, secs, &h1k, &c1k);
	c10k = 0;
	regex10k = 0;
	if (argc <= 2 || strcmp(argv[2], "--no-10000") != 0) {
		if (compile(&g, MAX_ROUTES, &t, &c10k) != 0)
			return 1;
		regex10k = gw_route_table_regex_count(t);
		gw_route_table_free(t);
	}

	printf("%-28s %14s %12s\n", "table", "matches/s", "compile ms");
	printf("%-28s %14.0f %12.2f\n", "10 routes (6/8 match)", mps10,
	       c10 * 1e3);
	printf("%-28s %14.0f %12.2f\n", "1,000 routes (6/8 match)", mps1k,
	       c1k * 1e3);
	if (c10k > 0) {
		printf("%-28s %14s %12.2f\n", "10,000 routes (compile)", "-",
		       c10k * 1e3);
		printf("10,000-route table: %u regexes in one Hyperscan "
		       "database\n", regex10k);
		snprintf(json10k, sizeof(json10k), "%.1f", c10k * 1e3);
	}
	printf("request mix: %zu requests, %u (10 routes) and %u (1,000 "
	       "routes) matched\n", N_MIX, h10, h1k);
	printf("{\"bench\":\"route\",\"matches_per_s_10\":%.0f,"
	       "\"matches_per_s_1000\":%.0f,\"compile_ms_10\":%.3f,"
	       "\"compile_ms_1000\":%.3f,\"compile_ms_10000\":%s,"
	       "\"regexes_10000\":%u,\"mix\":%zu,\"hits_10\":%u,"
	       "\"hits_1000\":%u}\n", mps10, mps1k, c10 * 1e3, c1k * 1e3,
	       json10k, regex10k, N_MIX, h10, h1k);
	return 0;
}
