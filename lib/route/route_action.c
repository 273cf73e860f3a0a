/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route_action — what happens after a match: weighted destination pick,
 * upstream path rewrite, redirect Location. Worker threads; read the
 * table, write only caller buffers and the worker's scratch. No
 * allocation (see gw_route_path_rewrite() for PCRE2's one exception).
 */
#include <errno.h>
#include <string.h>

#include "gw_route.h"
#include "route_priv.h"

const struct gw_route_action *
gw_route_action(const struct gw_route *r)
{
	return &r->act;
}

const struct gw_route_dest *
gw_route_pick_destination(const struct gw_route *r, uint32_t rnd)
{
	const struct gw_route_action *a = &r->act;
	uint64_t x, acc = 0;
	uint32_t i;

	if (a->n_dests == 0)
		return NULL;
	/* uniform in [0, sum): sum < 2^32, so the product fits 64 bits */
	x = ((uint64_t)rnd * a->weight_sum) >> 32;
	for (i = 0; i + 1 < a->n_dests; i++) {
		acc += a->dests[i].weight;
		if (x < acc)
			return &a->dests[i];
	}
	return &a->dests[a->n_dests - 1];
}

/* Bounded appender: remembers overflow instead of failing each call. */
struct out {
	char *p;
	size_t n;
	size_t cap;
	bool full;
};

static void
put(struct out *o, const char *s, size_t len)
{
	if (o->full || len > o->cap - o->n) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
}

static int
done(const struct out *o)
{
	return o->full ? -ENOSPC : (int)o->n;
}

int
gw_route_path_rewrite(const struct gw_route *r, struct gw_route_scratch *s,
		      const struct gw_route_req *req, char *buf, size_t cap)
{
	const struct gw_route_action *a = &r->act;
	const char *path = req->path != NULL ? req->path : "";
	size_t plen = req->path != NULL ? req->path_len : 0;
	const char *q = memchr(path, '?', plen);
	size_t nq = q != NULL ? (size_t)(q - path) : plen;
	struct out o = { .p = buf, .cap = cap > INT32_MAX ? INT32_MAX : cap };

	if (s->last_route != r)
		return -EINVAL;
	if (r->re != NULL) {
		PCRE2_SIZE olen = o.cap;
		int rc;

		rc = pcre2_substitute(r->re, (PCRE2_SPTR)path, nq, 0,
				      PCRE2_SUBSTITUTE_GLOBAL, s->md, NULL,
				      r->re_sub, r->re_sub_len,
				      (PCRE2_UCHAR *)buf, &olen);
		if (rc == PCRE2_ERROR_NOMEMORY)
			return -ENOSPC;
		if (rc < 0)
			return -EINVAL;
		o.n = olen;
		put(&o, path + nq, plen - nq);
		return done(&o);
	}
	if (a->rewrite_uri == NULL) {
		put(&o, path, plen);
		return done(&o);
	}
	put(&o, a->rewrite_uri, strlen(a->rewrite_uri));
	if (s->last_block == NULL || s->last_block->prefix_rw) {
		/* no block: the route matches all, i.e. prefix "/" */
		size_t pl = s->last_block != NULL ? s->last_block->prefix_len :
						    1;

		if (pl > plen || (s->last_block == NULL && path[0] != '/'))
			pl = 0;
		put(&o, path + pl, plen - pl);
	} else {
		put(&o, path + nq, plen - nq);
	}
	return done(&o);
}

static bool
default_port(const char *scheme, size_t len, uint32_t port)
{
	return (len == 4 && memcmp(scheme, "http", 4) == 0 && port == 80) ||
	       (len == 5 && memcmp(scheme, "https", 5) == 0 && port == 443);
}

/* Host part of an authority, and its ":port" suffix if any. */
static void
split_authority(const char *a, size_t len, size_t *hl, const char **port,
		size_t *port_len)
{
	size_t i;

	*hl = len;
	*port = NULL;
	*port_len = 0;
	if (len > 0 && a[0] == '[') {
		const char *e = memchr(a, ']', len);

		if (e == NULL)
			return;
		*hl = (size_t)(e - a) + 1;
		if (*hl < len && a[*hl] == ':') {
			*port = a + *hl + 1;
			*port_len = len - *hl - 1;
		}
		return;
	}
	for (i = len; i > 0; i--) {
		if (a[i - 1] == ':') {
			*hl = i - 1;
			*port = a + i;
			*port_len = len - i;
			return;
		}
		if (a[i - 1] < '0' || a[i - 1] > '9')
			return;
	}
}

int
gw_route_redirect_format(const struct gw_route *r,
			 const struct gw_route_req *req, char *buf, size_t cap)
{
	const struct gw_route_redirect *rd = &r->act.redirect;
	struct out o = { .p = buf, .cap = cap > INT32_MAX ? INT32_MAX : cap };
	const char *scheme, *auth, *port_s, *path, *q;
	size_t scheme_len, auth_len, hl, port_len, plen, nq;
	char num[12];

	if (r->act.kind != GW_ROUTE_ACTION_REDIRECT)
		return -EINVAL;
	scheme = rd->scheme != NULL ? rd->scheme :
		 req->scheme != NULL ? req->scheme : "http";
	scheme_len = rd->scheme != NULL ? strlen(rd->scheme) :
		     req->scheme != NULL ? req->scheme_len : 4;
	auth = rd->authority != NULL ? rd->authority :
	       req->authority != NULL ? req->authority : "";
	auth_len = rd->authority != NULL ? strlen(rd->authority) :
		   req->authority != NULL ? req->authority_len : 0;
	split_authority(auth, auth_len, &hl, &port_s, &port_len);

	put(&o, scheme, scheme_len);
	put(&o, "://", 3);
	put(&o, auth, hl);
	if (rd->port != 0 ||
	    rd->derive_port == GW_ROUTE_PORT_FROM_REQUEST_PORT) {
		uint32_t p = rd->port != 0 ? rd->port : req->port;

		if (!default_port(scheme, scheme_len, p)) {
			/* ":" and up to 10 digits, formatted backwards: no
			 * stdio on the worker path */
			size_t k = sizeof(num);

			do {
				num[--k] = (char)('0' + p % 10);
				p /= 10;
			} while (p != 0);
			num[--k] = ':';
			put(&o, num + k, sizeof(num) - k);
		}
	} else if (rd->derive_port == GW_ROUTE_PORT_KEEP && port_s != NULL) {
		put(&o, ":", 1);
		put(&o, port_s, port_len);
	}

	path = req->path != NULL ? req->path : "";
	plen = req->path != NULL ? req->path_len : 0;
	q = memchr(path, '?', plen);
	nq = q != NULL ? (size_t)(q - path) : plen;
	if (rd->uri != NULL) {
		put(&o, rd->uri, strlen(rd->uri));
		if (strchr(rd->uri, '?') == NULL)
			put(&o, path + nq, plen - nq);
	} else {
		put(&o, path, plen);
	}
	return done(&o);
}
