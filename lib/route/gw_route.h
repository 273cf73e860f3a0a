/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/route — Istio VirtualService HTTP route tables: compile once on the
 * control thread, match once per request on the workers.
 *
 * The caller (the proxy's config translation) fills the *_conf builder
 * structs from VirtualService YAML, already filtered by gateway binding
 * (`gateways:` of the VirtualService and of each match are applied by the
 * caller before compile; this library never sees them), and calls
 * gw_route_table_create(). The table copies everything it keeps, is
 * immutable afterwards, and may be read by any number of workers at once.
 *
 * Entry points:
 *   control thread: gw_route_table_create() / gw_route_table_free(),
 *                   gw_route_scratch_create() / gw_route_scratch_free();
 *   worker (hot path, no allocation, no lock, no syscall):
 *                   gw_route_match(), gw_route_pick_destination(),
 *                   gw_route_path_rewrite(), gw_route_redirect_format(),
 *                   gw_route_percent_hit().
 *
 * Matching follows Istio (and the Envoy config Istio generates):
 *   - Virtual host by Host/:authority, port stripped, case-insensitive:
 *     an exact domain beats the longest matching "*.suffix" wildcard,
 *     which beats "*". A wildcard needs at least one label before the
 *     suffix ("*.example.com" does not match "example.com").
 *   - Routes in order; the first route with a matching block wins. Blocks
 *     of a route are ORed, the conditions of one block ANDed; a route
 *     with no block matches every request.
 *   - uri prefix is tested on the whole request target, query string
 *     included (Envoy `prefix`); uri exact and regex on the path with the
 *     query string removed (Envoy `path`, `safe_regex`). ignore_uri_case
 *     applies to exact and prefix only, never to regex.
 *   - Regexes use RE2 syntax and must match the whole value (full match).
 *     A leading '^' and a trailing '$' are accepted and dropped. They run
 *     on bytes, not UTF-8 code points ('.' is one byte). Constructs
 *     Hyperscan rejects (backreferences, lookaround, patterns that can
 *     never match, ...) fail the compile with a message naming the route.
 *   - Header names are case-insensitive. A header sent several times is
 *     matched on its values joined with ',' (as Envoy does), so "a" and
 *     "b" match exact "a,b" and prefix "a". A header match with kind
 *     GW_ROUTE_STR_ANY means "present"; in without_headers it means
 *     "absent". A withoutHeaders entry is met when the header does not
 *     match it (absent or different value).
 *   - Query parameters are split on '&' and '=' with no percent-decoding;
 *     "?a" gives a with an empty value; names are case-sensitive; when a
 *     name repeats, its first occurrence is used. Only exact and regex
 *     matches exist (Istio does not support prefix there: compile error);
 *     GW_ROUTE_STR_ANY means "present".
 *   - authority, method and scheme conditions compare the raw request
 *     values (authority with its port, if any), case-sensitively.
 *   - port, when non-zero, must equal the listener port the request came
 *     in on (gw_route_req.port).
 *   - A field value holding a byte below 0x09 (which RFC 9110 forbids and
 *     the HTTP parser rejects) never matches a regex.
 *
 * All regexes of a table live in one Hyperscan database scanned once per
 * request; a table without regexes never touches Hyperscan and tests its
 * routes one by one. A table with regexes also puts the uri exact/prefix
 * of its other match blocks into that database as literals, and then
 * only visits the routes one of whose keys matched (plus routes with a
 * block that has neither a regex nor a uri exact/prefix).
 *
 * Pure C11, no DPDK, never logs: errors come back as -errno plus a message
 * in struct gw_route_err.
 */
#ifndef GW_ROUTE_H
#define GW_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest error message, NUL included. */
#define GW_ROUTE_ERR_LEN 256

/** A compile error: "virtual host \"ns/vs\": route \"r\" (#1): field: why". */
struct gw_route_err {
	char msg[GW_ROUTE_ERR_LEN];
};

/*
 * Limits. Each one is checked at compile time (-E2BIG with a message) or
 * documented at gw_route_match().
 */
/** Request headers gw_route_match() looks at; more and it returns NULL. */
#define GW_ROUTE_MAX_REQ_HEADERS 128
/** Query parameters parsed per request; later ones are ignored. */
#define GW_ROUTE_MAX_QUERY_PARAMS 64
/** Bytes of per-request regex scan buffer and of joined repeated headers:
 * 64 KiB, Envoy's default cap on the whole request header block. */
#define GW_ROUTE_SCAN_BUF 65536
/** Distinct header + query names a table may test. */
#define GW_ROUTE_MAX_NAMES 4000
/** Capture groups (\1..\9) of a uriRegexRewrite match. */
#define GW_ROUTE_MAX_CAPTURES 9
/** Numeric status codes in one retryOn list. */
#define GW_ROUTE_MAX_RETRY_CODES 8

/* ------------------------------------------------------------------ */
/* Builder (input) structs: owned by the caller, borrowed by compile.  */
/* Strings are NUL-terminated; NULL means "not set" unless stated.     */
/* ------------------------------------------------------------------ */

/** How a string condition compares. */
enum gw_route_str_kind {
	GW_ROUTE_STR_ANY = 0, /* not set: no condition (header: present) */
	GW_ROUTE_STR_EXACT,
	GW_ROUTE_STR_PREFIX,
	GW_ROUTE_STR_REGEX,   /* RE2 syntax, full match */
};

/** Istio StringMatch. */
struct gw_route_str_match {
	enum gw_route_str_kind kind;
	const char *value; /* ignored for GW_ROUTE_STR_ANY */
};

/** A condition on a named header or query parameter. */
struct gw_route_kv_match {
	const char *name;
	struct gw_route_str_match match;
};

/** Istio HTTPMatchRequest: every set condition must hold. */
struct gw_route_match_conf {
	const char *name;                /* for error messages; may be NULL */
	struct gw_route_str_match uri;
	struct gw_route_str_match authority;
	struct gw_route_str_match method;
	struct gw_route_str_match scheme;
	const struct gw_route_kv_match *headers;
	size_t n_headers;
	const struct gw_route_kv_match *without_headers;
	size_t n_without_headers;
	const struct gw_route_kv_match *query_params; /* EXACT or REGEX */
	size_t n_query_params;
	bool ignore_uri_case;
	uint32_t port;                   /* 0: any; else 1..65535 */
};

/** One header name and value. Also used, read-only, in compiled actions. */
struct gw_route_hdr {
	const char *name;
	const char *value;
	uint32_t name_len;  /* bytes; set by compile, ignored in conf */
	uint32_t value_len; /* bytes; set by compile, ignored in conf */
};

/** Header edits in one direction (Istio Headers.HeaderOperations). */
struct gw_route_hdr_ops {
	const struct gw_route_hdr *set;    /* replace or create */
	size_t n_set;
	const struct gw_route_hdr *add;    /* append a value */
	size_t n_add;
	const char *const *remove;         /* header names */
	size_t n_remove;
};

/** Istio Headers: edits of the request (towards the upstream) and of the
 * response (towards the client). */
struct gw_route_hdr_edits {
	struct gw_route_hdr_ops request;
	struct gw_route_hdr_ops response;
};

/** Istio HTTPRouteDestination. */
struct gw_route_dest_conf {
	const char *host;   /* required */
	const char *subset;
	uint32_t port;      /* 0: the service's only port */
	int64_t weight;     /* relative, >= 0; 0 with one destination = 100 */
	struct gw_route_hdr_edits headers;
	uint32_t user;      /* opaque to lib/route, copied: the caller's
			     * cluster index, say */
};

/** Istio RedirectPortSelection. */
enum gw_route_derive_port {
	GW_ROUTE_PORT_KEEP = 0,           /* derivePort not set */
	GW_ROUTE_PORT_FROM_PROTOCOL_DEFAULT,
	GW_ROUTE_PORT_FROM_REQUEST_PORT,
};

/** Istio HTTPRedirect. Used as conf and, with strings copied, compiled. */
struct gw_route_redirect {
	const char *uri;        /* replaces the whole path; NULL: keep */
	const char *authority;  /* replaces the host; NULL: keep */
	const char *scheme;     /* NULL: the request's scheme */
	uint32_t port;          /* 0: not set; oneof with derive_port */
	enum gw_route_derive_port derive_port;
	uint32_t code;          /* 301, 302, 303, 307 or 308; 0 in conf = 301 */
};

/** Istio HTTPDirectResponse. */
struct gw_route_direct_response {
	uint32_t status;        /* 200..599 */
	const char *body;       /* NULL: no body */
	size_t body_len;        /* bytes; set by compile */
};

/** Istio HTTPRetry. */
struct gw_route_retry_conf {
	int32_t attempts;             /* retries; 0 disables them */
	uint32_t per_try_timeout_ms;  /* 0: none */
	const char *retry_on;         /* NULL: Istio's default list */
};

/** A percentage in conf: a value outside 0..100 is a compile error,
 * GW_ROUTE_PERCENT_UNSET means "not given", whose meaning is Istio's:
 * 0 for fault delay and abort (istio/api#2522: unset never injects),
 * 100 for mirrorPercentage. */
#define GW_ROUTE_PERCENT_UNSET (-1.0)

/** Istio HTTPFaultInjection. */
struct gw_route_fault_conf {
	bool delay;
	uint32_t delay_ms;       /* fixedDelay, > 0 */
	double delay_percent;    /* PERCENT_UNSET: 0 */
	bool abort;
	uint32_t abort_status;   /* httpStatus, 200..599 */
	double abort_percent;    /* PERCENT_UNSET: 0 */
};

/** Istio Destination for mirror. */
struct gw_route_mirror {
	const char *host;        /* NULL: no mirror */
	const char *subset;
	uint32_t port;
	uint32_t user;           /* opaque to lib/route, copied */
};

/** Istio HTTPRoute. Exactly one of dests, redirect, direct_response. */
struct gw_route_conf {
	const char *name;                        /* may be NULL */
	const struct gw_route_match_conf *matches; /* 0 blocks: match all */
	size_t n_matches;
	const struct gw_route_dest_conf *dests;
	size_t n_dests;
	const struct gw_route_redirect *redirect;
	const struct gw_route_direct_response *direct_response;
	/* rewrite (only with dests) */
	const char *rewrite_uri;
	const char *rewrite_authority;
	const char *regex_rewrite_match;  /* uriRegexRewrite.match */
	const char *regex_rewrite;        /* uriRegexRewrite.rewrite, \1.. */
	struct gw_route_hdr_edits headers;
	uint32_t timeout_ms;                   /* 0: none (Istio default) */
	const struct gw_route_retry_conf *retries; /* NULL: Istio default */
	const struct gw_route_fault_conf *fault;   /* NULL: none */
	struct gw_route_mirror mirror;
	double mirror_percent;                 /* PERCENT_UNSET: 100 */
};

/** A virtual host: the hosts of one VirtualService and its http routes. */
struct gw_route_vhost_conf {
	const char *name;            /* e.g. "ns/vs-name", for messages */
	const char *const *domains;  /* "a.b", "*.b", "*" */
	size_t n_domains;
	const struct gw_route_conf *routes;
	size_t n_routes;
};

/** A route table: one per listener. */
struct gw_route_table_conf {
	const struct gw_route_vhost_conf *vhosts;
	size_t n_vhosts;
};

/* ------------------------------------------------------------------ */
/* Compiled actions: read-only, owned by the table.                    */
/* ------------------------------------------------------------------ */

/** What the proxy does with a matched request. */
enum gw_route_action_kind {
	GW_ROUTE_ACTION_FORWARD,
	GW_ROUTE_ACTION_REDIRECT,
	GW_ROUTE_ACTION_DIRECT_RESPONSE,
};

/** A weighted destination. */
struct gw_route_dest {
	const char *host;
	const char *subset;          /* NULL: none */
	uint32_t port;               /* 0: not set */
	uint32_t weight;             /* relative; picked with weight / sum */
	struct gw_route_hdr_edits headers;
	uint32_t user;               /* gw_route_dest_conf.user */
};

/** retryOn tokens, as a bitmask (Envoy x-envoy-retry-on and
 * x-envoy-retry-grpc-on names). */
enum gw_route_retry_on {
	GW_ROUTE_RETRY_5XX = 1u << 0,
	GW_ROUTE_RETRY_GATEWAY_ERROR = 1u << 1,
	GW_ROUTE_RETRY_RESET = 1u << 2,
	GW_ROUTE_RETRY_RESET_BEFORE_REQUEST = 1u << 3,
	GW_ROUTE_RETRY_CONNECT_FAILURE = 1u << 4,
	GW_ROUTE_RETRY_ENVOY_RATELIMITED = 1u << 5,
	GW_ROUTE_RETRY_RETRIABLE_4XX = 1u << 6,
	GW_ROUTE_RETRY_REFUSED_STREAM = 1u << 7,
	GW_ROUTE_RETRY_RETRIABLE_STATUS_CODES = 1u << 8,
	GW_ROUTE_RETRY_RETRIABLE_HEADERS = 1u << 9,
	GW_ROUTE_RETRY_HTTP3_POST_CONNECT_FAILURE = 1u << 10,
	GW_ROUTE_RETRY_CANCELLED = 1u << 11,          /* gRPC status */
	GW_ROUTE_RETRY_DEADLINE_EXCEEDED = 1u << 12,  /* gRPC status */
	GW_ROUTE_RETRY_INTERNAL = 1u << 13,           /* gRPC status */
	GW_ROUTE_RETRY_RESOURCE_EXHAUSTED = 1u << 14, /* gRPC status */
	GW_ROUTE_RETRY_UNAVAILABLE = 1u << 15,        /* gRPC status */
};

/** Compiled retry policy. attempts == 0: no retries. */
struct gw_route_retry {
	uint32_t attempts;
	uint32_t per_try_timeout_ms;  /* 0: none */
	uint32_t on;                  /* enum gw_route_retry_on bits */
	uint32_t n_codes;
	uint16_t codes[GW_ROUTE_MAX_RETRY_CODES]; /* retriable status codes */
};

/** Compiled fault injection. Percentages in parts per million. */
struct gw_route_fault {
	bool delay;
	bool abort;
	uint32_t delay_ms;
	uint32_t delay_ppm;
	uint32_t abort_status;
	uint32_t abort_ppm;
};

/** Everything a matched route tells the proxy, compiled. */
struct gw_route_action {
	enum gw_route_action_kind kind;
	const char *name;          /* route name, "" if none */
	const char *vhost;         /* virtual host name, "" if none */
	/* FORWARD */
	const struct gw_route_dest *dests;
	uint32_t n_dests;
	uint64_t weight_sum;       /* > 0 when n_dests > 0 */
	const char *rewrite_uri;       /* NULL: none */
	const char *rewrite_authority; /* NULL: none */
	bool regex_rewrite;            /* uriRegexRewrite set */
	/* REDIRECT: code resolved, never 0 */
	struct gw_route_redirect redirect;
	/* DIRECT_RESPONSE */
	struct gw_route_direct_response direct;
	/* any kind */
	struct gw_route_hdr_edits headers;
	uint32_t timeout_ms;       /* 0: none; forced to 0 with a fault */
	struct gw_route_retry retry; /* attempts forced to 0 with a fault */
	struct gw_route_fault fault;
	struct gw_route_mirror mirror; /* host NULL: none */
	uint32_t mirror_ppm;
};

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

/** A request header as the HTTP parser sees it; not NUL-terminated. */
struct gw_route_req_hdr {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/** A request, borrowed for the duration of one call. */
struct gw_route_req {
	const char *method;
	size_t method_len;
	const char *scheme;        /* "http" or "https" */
	size_t scheme_len;
	const char *authority;     /* raw Host / :authority, port included */
	size_t authority_len;
	const char *path;          /* request target: path and query */
	size_t path_len;
	uint16_t port;             /* listener port the request came in on */
	const struct gw_route_req_hdr *headers;
	size_t n_headers;
};

struct gw_route_table;
struct gw_route;
struct gw_route_scratch;

/** Per-scratch counters, for the worker's stats export. */
struct gw_route_scratch_stats {
	uint64_t too_many_headers; /* requests refused: > MAX_REQ_HEADERS */
	uint64_t too_large;        /* requests refused: scan buffer full */
	uint64_t scan_errors;      /* hs_scan failures (incl. wrong scratch) */
};

/* ------------------------------------------------------------------ */
/* Control thread                                                      */
/* ------------------------------------------------------------------ */

/**
 * Compile a route table. Control thread only: allocates, compiles the
 * Hyperscan database and PCRE2 rewrites.
 *
 * Istio's rule that a route with a fault has neither timeout nor retries
 * is applied here: the compiled action carries timeout_ms 0 and
 * retry.attempts 0 whenever a fault is set.
 *
 * @param conf  Borrowed during the call only; nothing points into it
 *   afterwards.
 * @param out   Receives the table on success, owned by the caller, freed
 *   with gw_route_table_free(); untouched on failure.
 * @param err   Receives a message on failure, naming the virtual host,
 *   route, match block and field; may be NULL.
 * @return 0; -EINVAL for invalid conf (bad regex, unknown retryOn token,
 *   prefix on a query parameter, duplicate domain, bad weight, bad
 *   redirect code, ...); -E2BIG past a GW_ROUTE_MAX_* limit; -ENOMEM.
 */
int gw_route_table_create(const struct gw_route_table_conf *conf,
			  struct gw_route_table **out,
			  struct gw_route_err *err);

/**
 * Free a table. NULL is a no-op. Control thread, once no worker can still
 * read the table (after RCU quiescence).
 */
void gw_route_table_free(struct gw_route_table *t);

/**
 * Create a worker's scratch space, sized for a table: Hyperscan scratch
 * for its database, per-request arrays, and PCRE2 match data for its
 * rewrites. Control thread only (allocates).
 *
 * A scratch belongs to one worker at a time. It serves the table it was
 * created for, and any other table that gw_route_scratch_fits() accepts;
 * create one per worker alongside each table you publish (or check fits
 * first). gw_route_match() refuses (NULL, counted in scan_errors) a table
 * the scratch does not fit.
 *
 * @param t    The table; NULL sizes a scratch for regex-free tables.
 * @param out  Receives the scratch, freed with gw_route_scratch_free().
 * @param err  Receives a message on failure; may be NULL.
 * @return 0, or -ENOMEM.
 */
int gw_route_scratch_create(const struct gw_route_table *t,
			    struct gw_route_scratch **out,
			    struct gw_route_err *err);

/** Free a scratch; NULL is a no-op. Control thread, worker not using it. */
void gw_route_scratch_free(struct gw_route_scratch *s);

/** @return true if scratch s may be used to match against table t. */
bool gw_route_scratch_fits(const struct gw_route_scratch *s,
			   const struct gw_route_table *t);

/** @return The scratch's counters; any thread, values may be torn. */
const struct gw_route_scratch_stats *
gw_route_scratch_stats(const struct gw_route_scratch *s);

/** @return The number of routes, or regexes, in a table. */
uint32_t gw_route_table_route_count(const struct gw_route_table *t);
uint32_t gw_route_table_regex_count(const struct gw_route_table *t);

/* ------------------------------------------------------------------ */
/* Worker hot path: no allocation, no lock, no syscall.                */
/* ------------------------------------------------------------------ */

/**
 * Find the route for a request: virtual host by authority, then the
 * first route in order with a matching block.
 *
 * Cost: one host hash lookup, one pass over the headers (a hash lookup
 * for each whose name length some tested name has) and the query string
 * when the table tests them, one hs_scan() when the table has regexes,
 * then compares on the routes in order: every route of the virtual host
 * in a regex-free table, only the candidates the scan marked otherwise.
 *
 * @param t    The table, read-only; may be shared with other workers.
 * @param s    This worker's scratch; remembers which block matched, for
 *   gw_route_path_rewrite() on the same request.
 * @param req  Borrowed for the call.
 * @return The route, valid as long as the table; NULL when no virtual
 *   host or route matches (the proxy answers 404), when the request has
 *   more than GW_ROUTE_MAX_REQ_HEADERS headers or its tested fields do
 *   not fit GW_ROUTE_SCAN_BUF, or when the scratch does not fit the table
 *   (the last three are counted in the scratch stats).
 */
const struct gw_route *gw_route_match(const struct gw_route_table *t,
				      struct gw_route_scratch *s,
				      const struct gw_route_req *req);

/** @return The compiled action of a route (part of the table). */
const struct gw_route_action *gw_route_action(const struct gw_route *r);

/**
 * Pick a destination with probability weight / weight_sum.
 *
 * @param r    A FORWARD route.
 * @param rnd  A uniform 32-bit random number from the worker's PRNG; the
 *   pick is a pure function of it.
 * @return The destination, or NULL if the route has none.
 */
const struct gw_route_dest *
gw_route_pick_destination(const struct gw_route *r, uint32_t rnd);

/**
 * @return true with probability ppm / 1e6 given a uniform rnd; for
 *   fault delay/abort and mirror percentages.
 */
static inline bool
gw_route_percent_hit(uint32_t ppm, uint32_t rnd)
{
	return (((uint64_t)rnd * 1000000u) >> 32) < ppm;
}

/**
 * Write the path (with query) to send upstream after the route's uri
 * rewrite:
 *   - rewrite_uri, when the matching block had a uri prefix condition
 *     (or no uri condition at all: Istio then matches prefix "/"),
 *     replaces that prefix and keeps the rest of the target;
 *   - rewrite_uri after a uri exact or regex match replaces the whole
 *     path and keeps the query string;
 *   - uriRegexRewrite replaces every match of its regex in the path
 *     (query removed, as Envoy's regex_rewrite) and keeps the query;
 *   - no rewrite: the path is copied unchanged.
 * PCRE2 runs JIT-compiled where the platform allows (no allocation, 32
 * KiB JIT stack on the machine stack); the interpreter fallback keeps its
 * backtracking frames in the scratch's match data (PCRE2 >= 10.41) and
 * may grow them, once, with malloc for an unusually deep match.
 *
 * @param r    The route gw_route_match() returned for req with s.
 * @param s    The same scratch, with no other match in between.
 * @param req  The same request.
 * @param out  Output buffer; not NUL-terminated.
 * @param cap  Its size in bytes.
 * @return Bytes written; -ENOSPC if cap is too small; -EINVAL if r is not
 *   the last route matched with s.
 */
int gw_route_path_rewrite(const struct gw_route *r,
			  struct gw_route_scratch *s,
			  const struct gw_route_req *req, char *out,
			  size_t cap);

/**
 * Format the Location of a REDIRECT route: scheme "://" host [":" port]
 * path ["?" query].
 *   - scheme: redirect.scheme, else the request's;
 *   - host: redirect.authority, else the request authority's host;
 *   - port: redirect.port when set; FROM_REQUEST_PORT: req->port;
 *     FROM_PROTOCOL_DEFAULT: none (80/443 implied); otherwise the port of
 *     redirect.authority or, without it, of the request authority. A port
 *     equal to the scheme's default (http 80, https 443) is omitted
 *     unless it comes verbatim from an authority;
 *   - path: redirect.uri (the whole path, whatever the match kind), else
 *     the request path; the request's query string is kept unless
 *     redirect.uri carries its own (Envoy path_redirect).
 *
 * @return Bytes written (not NUL-terminated); -ENOSPC if cap is too
 *   small; -EINVAL if r is not a REDIRECT route.
 */
int gw_route_redirect_format(const struct gw_route *r,
			     const struct gw_route_req *req, char *out,
			     size_t cap);

#endif /* GW_ROUTE_H */
