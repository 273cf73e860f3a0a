/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the lib/route unit tests: requests written as short
 * strings, compile-or-fail, and a seeded PRNG.
 */
#ifndef ROUTE_TEST_H
#define ROUTE_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gw_route.h"

#define TEST_MAX_HDRS 16

/* A request with its own storage for headers. */
struct test_req {
	struct gw_route_req req;
	struct gw_route_req_hdr hdrs[TEST_MAX_HDRS];
	char buf[1024];
};

/*
 * Fill r from strings. hdrs is "name: value|name: value" or NULL; the
 * scheme is "http" unless given; NULL strings stay absent.
 */
static inline const struct gw_route_req *
test_req(struct test_req *r, const char *method, const char *scheme,
	 const char *authority, const char *path, uint16_t port,
	 const char *hdrs)
{
	char *p, *save = NULL, *tok;

	memset(r, 0, sizeof(*r));
	r->req.method = method;
	r->req.method_len = method ? strlen(method) : 0;
	r->req.scheme = scheme ? scheme : "http";
	r->req.scheme_len = strlen(r->req.scheme);
	r->req.authority = authority;
	r->req.authority_len = authority ? strlen(authority) : 0;
	r->req.path = path;
	r->req.path_len = path ? strlen(path) : 0;
	r->req.port = port;
	r->req.headers = r->hdrs;
	if (hdrs == NULL)
		return &r->req;
	snprintf(r->buf, sizeof(r->buf), "%s", hdrs);
	for (tok = strtok_r(r->buf, "|", &save); tok != NULL &&
	     r->req.n_headers < TEST_MAX_HDRS;
	     tok = strtok_r(NULL, "|", &save)) {
		struct gw_route_req_hdr *h = &r->hdrs[r->req.n_headers++];

		p = strchr(tok, ':');
		h->name = tok;
		h->name_len = p ? (size_t)(p - tok) : strlen(tok);
		h->value = p ? p + 1 : "";
		while (*h->value == ' ')
			h->value++;
		h->value_len = strlen(h->value);
	}
	return &r->req;
}

/* xorshift64*: deterministic per seed, good enough for weight tests. */
static inline uint32_t
test_rand(uint64_t *st)
{
	uint64_t x = *st;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return (uint32_t)((x * UINT64_C(2685821657736338717)) >> 32);
}

#define S_EXACT(v) { GW_ROUTE_STR_EXACT, (v) }
#define S_PREFIX(v) { GW_ROUTE_STR_PREFIX, (v) }
#define S_REGEX(v) { GW_ROUTE_STR_REGEX, (v) }
#define S_ANY { GW_ROUTE_STR_ANY, NULL }
#define ARR(...) ((const void *)(__VA_ARGS__)), \
	(sizeof(__VA_ARGS__) / sizeof((__VA_ARGS__)[0]))

/* A destination list with one host, for routes under test. */
static const struct gw_route_dest_conf test_dest_one[] = {
	{ .host = "svc.ns.svc.cluster.local" },
};

#endif /* ROUTE_TEST_H */
