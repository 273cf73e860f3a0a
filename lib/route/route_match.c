/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route_match — the per-request hot path: gw_route_match().
 * Worker threads; reads the immutable table, writes only the worker's
 * scratch. No allocation, no lock, no syscall.
 *
 * Steps: pick the virtual host from the authority; if the table tests
 * headers or query parameters, index the request's values by name id
 * (joining repeated headers with ','); if it has regexes, run one
 * Hyperscan scan that sets a bit per matched regex; then walk the
 * virtual host's routes in order and return the first whose block holds.
 */
#include <errno.h>
#include <string.h>

#include "gw_route.h"
#include "route_priv.h"

/* Split "host[:port]" or "[v6]:port"; a suffix that is not ":digits" is
 * part of the host. @return the host length. */
static size_t
host_len(const char *a, size_t len)
{
	size_t i;

	if (len > 0 && a[0] == '[') {
		const char *e = memchr(a, ']', len);

		return e != NULL ? (size_t)(e - a) + 1 : len;
	}
	for (i = len; i > 0; i--) {
		char c = a[i - 1];

		if (c == ':')
			return i - 1;
		if (c < '0' || c > '9')
			return len;
	}
	return len;
}

static int64_t
find_vhost(const struct gw_route_table *t, struct gw_route_scratch *s,
	   const struct gw_route_req *req)
{
	size_t hl = host_len(req->authority, req->authority_len), i;
	int64_t v;

	if (hl >= sizeof(s->host))
		return t->star_vhost;
	for (i = 0; i < hl; i++)
		s->host[i] = route_lower(req->authority[i]);
	v = route_strtab_lookup(&t->exact_hosts, s->host, hl);
	if (v >= 0)
		return v;
	/* longest suffix first: the leftmost dot after the first label */
	if (t->wild_hosts.n > 0)
		for (i = 1; i + 1 < hl; i++) {
			if (s->host[i] != '.')
				continue;
			v = route_strtab_lookup(&t->wild_hosts, s->host + i,
						hl - i);
			if (v >= 0)
				return v;
		}
	return t->star_vhost;
}

/* Record value v for name id, joining with ',' if already set. */
static int
set_name(struct gw_route_scratch *s, uint32_t id, const char *v, size_t len,
	 bool join)
{
	size_t old, need;

	if (s->name_gen[id] != s->gen) {
		s->name_gen[id] = s->gen;
		s->name_val[id] = v;
		s->name_len[id] = (uint32_t)len;
		return 0;
	}
	if (!join)
		return 0; /* query: first occurrence wins */
	old = s->name_len[id];
	need = old + 1 + len;
	if (need > sizeof(s->join) - s->join_len)
		return -ENOSPC;
	/* copy the old value to the end even if it is already in join[]:
	 * another name may have been joined after it */
	memmove(&s->join[s->join_len], s->name_val[id], old);
	s->join[s->join_len + old] = ',';
	memcpy(&s->join[s->join_len + old + 1], v, len);
	s->name_val[id] = &s->join[s->join_len];
	s->name_len[id] = (uint32_t)need;
	s->join_len += (uint32_t)need;
	return 0;
}

static int
index_names(const struct gw_route_table *t, struct gw_route_scratch *s,
	    const struct gw_route_req *req, const char *query, size_t qlen)
{
	size_t i, n = 0;
	int64_t id;
	int rc;

	if (++s->gen == 0) {
		memset(s->name_gen, 0, s->cap_names * sizeof(*s->name_gen));
		s->gen = 1;
	}
	s->join_len = 0;
	if (t->hdr_names.n > 0)
		for (i = 0; i < req->n_headers; i++) {
			const struct gw_route_req_hdr *h = &req->headers[i];

			if (!(t->hdr_len_mask & route_len_bit(h->name_len)))
				continue;
			id = route_strtab_lookup(&t->hdr_names, h->name,
						 h->name_len);
			if (id < 0)
				continue;
			rc = set_name(s, (uint32_t)id, h->value, h->value_len,
				      true);
			if (rc < 0)
				return rc;
		}
	if (t->query_names.n == 0)
		return 0;
	while (qlen > 0 && n < GW_ROUTE_MAX_QUERY_PARAMS) {
		const char *amp = memchr(query, '&', qlen);
		size_t plen = amp != NULL ? (size_t)(amp - query) : qlen;
		const char *eq = memchr(query, '=', plen);
		size_t nlen = eq != NULL ? (size_t)(eq - query) : plen;

		if (plen > 0) {
			n++;
			id = route_strtab_lookup(&t->query_names, query, nlen);
			/* (void): without join, set_name cannot fail */
			if (id >= 0 && eq != NULL)
				(void)set_name(s, (uint32_t)id, eq + 1,
					       plen - nlen - 1, false);
			else if (id >= 0)
				(void)set_name(s, (uint32_t)id, query + plen, 0,
					       false);
		}
		if (amp == NULL)
			break;
		query += plen + 1;
		qlen -= plen + 1;
	}
	return 0;
}

/* Compare the first cd->len bytes of v (which has at least that many)
 * with the condition's operand: its last bytes first. */
static inline bool
head_eq(const char *v, const struct route_cond *cd)
{
	size_t i, n;

	if (cd->icase) {
		for (i = 0; i < cd->len; i++)
			if (route_lower(v[i]) != cd->val[i])
				return false;
		return true;
	}
	n = cd->len < 8 ? cd->len : 8;
	if (route_load_tail(v + cd->len - n, n) != cd->tail)
		return false;
	return cd->len <= 8 || memcmp(v, cd->val, cd->len - 8) == 0;
}

/* Request fields as a condition sees them. */
struct view {
	const struct gw_route_req *req;
	size_t nq_len;        /* path bytes before '?' */
};

static bool
cond_holds(const struct gw_route_scratch *s, const struct route_cond *cd,
	   const struct view *w)
{
	const struct gw_route_req *req = w->req;
	const char *v;
	size_t len;
	bool ok;

	switch (cd->field) {
	case ROUTE_FLD_PATH:
		v = req->path;
		len = cd->kind == ROUTE_CK_PREFIX ? req->path_len : w->nq_len;
		break;
	case ROUTE_FLD_AUTHORITY:
		v = req->authority;
		len = req->authority_len;
		break;
	case ROUTE_FLD_METHOD:
		v = req->method;
		len = req->method_len;
		break;
	case ROUTE_FLD_SCHEME:
		v = req->scheme;
		len = req->scheme_len;
		break;
	default:
		if (s->name_gen[cd->id] != s->gen)
			return cd->negate; /* absent */
		v = s->name_val[cd->id];
		len = s->name_len[cd->id];
		break;
	}
	switch (cd->kind) {
	case ROUTE_CK_EXACT:
		ok = len == cd->len && head_eq(v, cd);
		break;
	case ROUTE_CK_PREFIX:
		ok = len >= cd->len && head_eq(v, cd);
		break;
	case ROUTE_CK_REGEX:
		ok = route_bit(s->bits, cd->regex);
		break;
	default:
		ok = true;
		break;
	}
	return ok != (bool)cd->negate;
}

static bool
block_holds(const struct gw_route_table *t, const struct gw_route_scratch *s,
	    const struct route_block *b, const struct view *w)
{
	uint32_t i;

	if (b->port != 0 && b->port != w->req->port)
		return false;
	for (i = 0; i < b->n; i++)
		if (!cond_holds(s, &t->conds[b->first + i], w))
			return false;
	return true;
}

/* Does route r match? On success remember it (and its block) in s. */
static bool
route_holds(const struct gw_route_table *t, struct gw_route_scratch *s,
	    uint32_t r, const struct view *w)
{
	const struct route_span *sp = &t->spans[r];
	uint32_t b;

	if (sp->n == 0) {
		s->last_route = &t->routes[r];
		return true;
	}
	for (b = sp->first; b < sp->first + sp->n; b++) {
		if (block_holds(t, s, &t->blocks[b], w)) {
			s->last_route = &t->routes[r];
			s->last_block = &t->blocks[b];
			return true;
		}
	}
	return false;
}

/* Visit, in order, only the routes of vh whose candidate bit the scan
 * set (or that are always candidates). */
static const struct gw_route *
match_candidates(const struct gw_route_table *t, struct gw_route_scratch *s,
		 const struct route_vhost *vh, const struct view *w)
{
	uint32_t lo = vh->first_route, hi = vh->first_route + vh->n_routes;
	uint32_t wi;

	for (wi = lo >> 6; wi <= (hi - 1) >> 6; wi++) {
		uint64_t bits = s->cand[wi];

		if (wi == lo >> 6)
			bits &= UINT64_MAX << (lo & 63);
		if (wi == (hi - 1) >> 6 && (hi & 63) != 0)
			bits &= (UINT64_C(1) << (hi & 63)) - 1;
		while (bits != 0) {
			uint32_t r = wi * 64 + (uint32_t)__builtin_ctzll(bits);

			if (route_holds(t, s, r, w))
				return s->last_route;
			bits &= bits - 1;
		}
	}
	return NULL;
}

const struct gw_route *
gw_route_match(const struct gw_route_table *t, struct gw_route_scratch *s,
	       const struct gw_route_req *in)
{
	struct gw_route_req req = *in;
	const struct route_vhost *vh;
	const char *q;
	struct view w;
	int64_t v;
	uint32_t r;
	int rc;

	s->last_route = NULL;
	s->last_block = NULL;
	if (!gw_route_scratch_fits(s, t)) {
		s->stats.scan_errors++;
		return NULL;
	}
	if (req.n_headers > GW_ROUTE_MAX_REQ_HEADERS) {
		s->stats.too_many_headers++;
		return NULL;
	}
	/* absent fields compare as empty strings */
	if (req.method == NULL)
		req.method = "", req.method_len = 0;
	if (req.scheme == NULL)
		req.scheme = "", req.scheme_len = 0;
	if (req.authority == NULL)
		req.authority = "", req.authority_len = 0;
	if (req.path == NULL)
		req.path = "", req.path_len = 0;
	v = find_vhost(t, s, &req);
	if (v < 0)
		return NULL;
	vh = &t->vhosts[v];
	if (vh->n_routes == 0)
		return NULL;
	q = memchr(req.path, '?', req.path_len);
	w.req = &req;
	w.nq_len = q != NULL ? (size_t)(q - req.path) : req.path_len;
	if (t->n_names > 0) {
		rc = index_names(t, s, &req, q != NULL ? q + 1 : NULL,
				 q != NULL ? req.path_len - w.nq_len - 1 : 0);
		if (rc < 0) {
			s->stats.too_large++;
			return NULL;
		}
	}
	if (t->db != NULL) {
		rc = route_regex_scan(t, s, req.path, w.nq_len, &req);
		if (rc < 0) {
			if (rc == -ENOSPC)
				s->stats.too_large++;
			else
				s->stats.scan_errors++;
			return NULL;
		}
	}
	if (t->always != NULL && !s->scan_partial)
		return match_candidates(t, s, vh, &w);
	for (r = vh->first_route; r < vh->first_route + vh->n_routes; r++)
		if (route_holds(t, s, r, &w))
			return s->last_route;
	return NULL;
}
