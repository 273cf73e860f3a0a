/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route_build_action — validate and compile the action half of a route:
 * destinations and weights, rewrite, redirect, direct response, header
 * edits, retries (retryOn tokens), fault, mirror, with Istio's defaults.
 * Control thread only, called by route_build.c for each route.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_route.h"
#include "route_build.h"
#include "route_priv.h"

static int
copy_hdrs(struct route_bctx *c, const struct gw_route_hdr *in, size_t n,
	  const struct gw_route_hdr **out, const char *what)
{
	struct gw_route_hdr *h;
	size_t i;
	int rc;

	*out = NULL;
	if (n == 0)
		return 0;
	h = route_arena_alloc(c->t, n * sizeof(*h));
	if (h == NULL)
		return route_fail(c, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if (in[i].name == NULL || in[i].name[0] == '\0' ||
		    in[i].value == NULL)
			return route_fail(c, -EINVAL, "%s[%zu]: name and "
					  "value required", what, i);
		rc = route_copy_str(c, in[i].name, &h[i].name);
		if (rc == 0)
			rc = route_copy_str(c, in[i].value, &h[i].value);
		if (rc < 0)
			return rc;
		h[i].name_len = (uint32_t)strlen(h[i].name);
		h[i].value_len = (uint32_t)strlen(h[i].value);
	}
	*out = h;
	return 0;
}

static int
copy_ops(struct route_bctx *c, const struct gw_route_hdr_ops *in,
	 struct gw_route_hdr_ops *out, const char *dir)
{
	char what[48];
	const char **rm;
	size_t i;
	int rc;

	snprintf(what, sizeof(what), "headers.%s.set", dir);
	rc = copy_hdrs(c, in->set, in->n_set, &out->set, what);
	out->n_set = in->n_set;
	if (rc < 0)
		return rc;
	snprintf(what, sizeof(what), "headers.%s.add", dir);
	rc = copy_hdrs(c, in->add, in->n_add, &out->add, what);
	out->n_add = in->n_add;
	if (rc < 0)
		return rc;
	out->remove = NULL;
	out->n_remove = in->n_remove;
	if (in->n_remove == 0)
		return 0;
	rm = route_arena_alloc(c->t, in->n_remove * sizeof(*rm));
	if (rm == NULL)
		return route_fail(c, -ENOMEM, "out of memory");
	for (i = 0; i < in->n_remove; i++) {
		if (in->remove[i] == NULL || in->remove[i][0] == '\0')
			return route_fail(c, -EINVAL, "headers.%s.remove[%zu]"
					  ": empty name", dir, i);
		rc = route_copy_str(c, in->remove[i], &rm[i]);
		if (rc < 0)
			return rc;
	}
	out->remove = rm;
	return 0;
}

static int
copy_edits(struct route_bctx *c, const struct gw_route_hdr_edits *in,
	   struct gw_route_hdr_edits *out)
{
	int rc = copy_ops(c, &in->request, &out->request, "request");

	return rc < 0 ? rc : copy_ops(c, &in->response, &out->response,
				      "response");
}

/* Percent 0..100, or UNSET for unset_pct, to parts per million. */
static int
percent_ppm(struct route_bctx *c, double pct, double unset_pct,
	    const char *what, uint32_t *ppm)
{
	if (pct == GW_ROUTE_PERCENT_UNSET)
		pct = unset_pct;
	if (!(pct >= 0.0 && pct <= 100.0))
		return route_fail(c, -EINVAL, "%s: percentage %g not in 0..100",
				  what, pct);
	*ppm = (uint32_t)(pct * 10000.0 + 0.5);
	return 0;
}

static const struct {
	const char *name;
	uint32_t bit;
} retry_tokens[] = {
	{ "5xx", GW_ROUTE_RETRY_5XX },
	{ "gateway-error", GW_ROUTE_RETRY_GATEWAY_ERROR },
	{ "reset", GW_ROUTE_RETRY_RESET },
	{ "reset-before-request", GW_ROUTE_RETRY_RESET_BEFORE_REQUEST },
	{ "connect-failure", GW_ROUTE_RETRY_CONNECT_FAILURE },
	{ "envoy-ratelimited", GW_ROUTE_RETRY_ENVOY_RATELIMITED },
	{ "retriable-4xx", GW_ROUTE_RETRY_RETRIABLE_4XX },
	{ "refused-stream", GW_ROUTE_RETRY_REFUSED_STREAM },
	{ "retriable-status-codes", GW_ROUTE_RETRY_RETRIABLE_STATUS_CODES },
	{ "retriable-headers", GW_ROUTE_RETRY_RETRIABLE_HEADERS },
	{ "http3-post-connect-failure",
	  GW_ROUTE_RETRY_HTTP3_POST_CONNECT_FAILURE },
	{ "cancelled", GW_ROUTE_RETRY_CANCELLED },
	{ "deadline-exceeded", GW_ROUTE_RETRY_DEADLINE_EXCEEDED },
	{ "internal", GW_ROUTE_RETRY_INTERNAL },
	{ "resource-exhausted", GW_ROUTE_RETRY_RESOURCE_EXHAUSTED },
	{ "unavailable", GW_ROUTE_RETRY_UNAVAILABLE },
};

/* Istio's default when retries or retryOn are not given: what istiod
 * writes into Envoy's retry_policy, with retriable status code 503. */
#define RETRY_ON_DEFAULT \
	"connect-failure,refused-stream,unavailable,cancelled," \
	"retriable-status-codes"

/* Parse a retryOn list: Envoy tokens, and numeric status codes, which
 * (as Istio does) become retriable status codes. */
static int
parse_retry_on(struct route_bctx *c, const char *s, struct gw_route_retry *r)
{
	bool have_codes = false;

	r->on = 0;
	r->n_codes = 0;
	while (*s != '\0') {
		const char *b, *e;
		size_t len, i;

		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		b = s;
		while (*s != '\0' && *s != ',')
			s++;
		e = s;
		while (e > b && e[-1] == ' ')
			e--;
		len = (size_t)(e - b);
		for (i = 0; i < len && b[i] >= '0' && b[i] <= '9'; i++)
			;
		if (i == len) {
			unsigned long code = 0;

			for (i = 0; i < len && code < 1000; i++)
				code = code * 10 + (unsigned long)(b[i] - '0');
			if (i != len || code < 100 || code > 599)
				return route_fail(c, -EINVAL,
						  "retries.retryOn: bad "
						  "status code \"%.*s\"",
						  (int)len, b);
			if (r->n_codes == GW_ROUTE_MAX_RETRY_CODES)
				return route_fail(c, -E2BIG,
						  "retries.retryOn: more than "
						  "%d status codes",
						  GW_ROUTE_MAX_RETRY_CODES);
			r->codes[r->n_codes++] = (uint16_t)code;
			r->on |= GW_ROUTE_RETRY_RETRIABLE_STATUS_CODES;
			have_codes = true;
			continue;
		}
		for (i = 0; i < sizeof(retry_tokens) / sizeof(retry_tokens[0]);
		     i++)
			if (strlen(retry_tokens[i].name) == len &&
			    memcmp(retry_tokens[i].name, b, len) == 0)
				break;
		if (i == sizeof(retry_tokens) / sizeof(retry_tokens[0]))
			return route_fail(c, -EINVAL, "retries.retryOn: "
					  "unknown token \"%.*s\"", (int)len,
					  b);
		r->on |= retry_tokens[i].bit;
	}
	if ((r->on & GW_ROUTE_RETRY_RETRIABLE_STATUS_CODES) && !have_codes) {
		r->codes[0] = 503;
		r->n_codes = 1;
	}
	return 0;
}

static int
build_retry(struct route_bctx *c, const struct gw_route_retry_conf *in,
	    struct gw_route_retry *r)
{
	if (in == NULL) {
		r->attempts = 2;
		r->per_try_timeout_ms = 0;
		return parse_retry_on(c, RETRY_ON_DEFAULT, r);
	}
	if (in->attempts < 0)
		return route_fail(c, -EINVAL, "retries.attempts %" PRId32
				  " is negative", in->attempts);
	r->attempts = (uint32_t)in->attempts;
	r->per_try_timeout_ms = in->per_try_timeout_ms;
	return parse_retry_on(c, in->retry_on != NULL && in->retry_on[0] ?
			      in->retry_on : RETRY_ON_DEFAULT, r);
}

static int
build_dests(struct route_bctx *c, const struct gw_route_conf *rc,
	    struct gw_route_action *a)
{
	struct gw_route_dest *d;
	uint64_t sum = 0;
	size_t i;
	int rc2;

	d = route_arena_alloc(c->t, rc->n_dests * sizeof(*d));
	if (d == NULL)
		return route_fail(c, -ENOMEM, "out of memory");
	for (i = 0; i < rc->n_dests; i++) {
		const struct gw_route_dest_conf *dc = &rc->dests[i];

		if (dc->host == NULL || dc->host[0] == '\0')
			return route_fail(c, -EINVAL,
					  "route[%zu].destination.host missing",
					  i);
		if (dc->port > 65535)
			return route_fail(c, -EINVAL, "route[%zu].destination."
					  "port %" PRIu32 " out of range", i,
					  dc->port);
		if (dc->weight < 0)
			return route_fail(c, -EINVAL, "route[%zu].weight "
					  "%" PRId64 " is negative", i,
					  dc->weight);
		if (dc->weight > INT32_MAX)
			return route_fail(c, -EINVAL, "route[%zu].weight "
					  "%" PRId64 " overflows int32", i,
					  dc->weight);
		rc2 = route_copy_str(c, dc->host, &d[i].host);
		if (rc2 == 0)
			rc2 = route_copy_str(c, dc->subset, &d[i].subset);
		if (rc2 == 0)
			rc2 = copy_edits(c, &dc->headers, &d[i].headers);
		if (rc2 < 0)
			return rc2;
		d[i].port = dc->port;
		d[i].user = dc->user;
		d[i].weight = (uint32_t)dc->weight;
		sum += d[i].weight;
	}
	/* Istio: a lone destination takes all traffic whatever its weight. */
	if (rc->n_dests == 1 && sum == 0) {
		d[0].weight = 100;
		sum = 100;
	}
	if (sum == 0)
		return route_fail(c, -EINVAL, "route: weights sum to 0");
	if (sum > UINT32_MAX)
		return route_fail(c, -EINVAL, "route: weights sum to %" PRIu64
				  ", past 4294967295", sum);
	a->dests = d;
	a->n_dests = (uint32_t)rc->n_dests;
	a->weight_sum = sum;
	return 0;
}

static int
build_redirect(struct route_bctx *c, const struct gw_route_redirect *in,
	       struct gw_route_redirect *out)
{
	uint32_t code = in->code == 0 ? 301 : in->code;
	int rc;

	if (code != 301 && code != 302 && code != 303 && code != 307 &&
	    code != 308)
		return route_fail(c, -EINVAL, "redirect.redirectCode %" PRIu32
				  " is not one of 301, 302, 303, 307, 308",
				  code);
	if (in->port > 65535)
		return route_fail(c, -EINVAL, "redirect.port %" PRIu32
				  " out of range", in->port);
	if (in->port != 0 && in->derive_port != GW_ROUTE_PORT_KEEP)
		return route_fail(c, -EINVAL, "redirect: port and derivePort "
				  "are exclusive");
	if (in->derive_port > GW_ROUTE_PORT_FROM_REQUEST_PORT)
		return route_fail(c, -EINVAL, "redirect.derivePort %d unknown",
				  (int)in->derive_port);
	if (in->scheme != NULL && in->scheme[0] == '\0')
		return route_fail(c, -EINVAL, "redirect.scheme is empty");
	if (in->uri != NULL && in->uri[0] != '/')
		return route_fail(c, -EINVAL, "redirect.uri \"%s\" must start "
				  "with '/'", in->uri);
	rc = route_copy_str(c, in->uri, &out->uri);
	if (rc == 0)
		rc = route_copy_str(c, in->authority, &out->authority);
	if (rc == 0)
		rc = route_copy_str(c, in->scheme, &out->scheme);
	out->port = in->port;
	out->derive_port = in->derive_port;
	out->code = code;
	return rc;
}

int
route_build_action(struct route_bctx *c, const struct gw_route_conf *rc,
	     struct gw_route *r)
{
	struct gw_route_action *a = &r->act;
	const struct gw_route_vhost_conf *vh = &c->conf->vhosts[c->vi];
	int kinds = (rc->n_dests > 0) + (rc->redirect != NULL) +
		    (rc->direct_response != NULL);
	bool rewrite = rc->rewrite_uri != NULL ||
		       rc->rewrite_authority != NULL ||
		       rc->regex_rewrite_match != NULL;
	int ret;

	ret = route_copy_str(c, rc->name != NULL ? rc->name : "", &a->name);
	if (ret == 0)
		ret = route_copy_str(c, vh->name != NULL ? vh->name : "",
				     &a->vhost);
	if (ret < 0)
		return ret;
	if (kinds != 1)
		return route_fail(c, -EINVAL, "needs exactly one of route, "
				  "redirect and directResponse");
	if (rewrite && rc->n_dests == 0)
		return route_fail(c, -EINVAL, "rewrite needs a route (not "
				  "redirect or directResponse)");
	if (rc->rewrite_uri != NULL && rc->regex_rewrite_match != NULL)
		return route_fail(c, -EINVAL, "rewrite: uri and "
				  "uriRegexRewrite are exclusive");
	if ((rc->regex_rewrite_match == NULL) != (rc->regex_rewrite == NULL))
		return route_fail(c, -EINVAL, "rewrite.uriRegexRewrite needs "
				  "both match and rewrite");
	if (rc->n_dests > 0) {
		a->kind = GW_ROUTE_ACTION_FORWARD;
		ret = build_dests(c, rc, a);
	} else if (rc->redirect != NULL) {
		a->kind = GW_ROUTE_ACTION_REDIRECT;
		ret = build_redirect(c, rc->redirect, &a->redirect);
	} else {
		const struct gw_route_direct_response *dr = rc->direct_response;

		a->kind = GW_ROUTE_ACTION_DIRECT_RESPONSE;
		if (dr->status < 200 || dr->status > 599)
			return route_fail(c, -EINVAL, "directResponse.status "
					  "%" PRIu32 " not in 200..599",
					  dr->status);
		a->direct.status = dr->status;
		ret = route_copy_str(c, dr->body, &a->direct.body);
		a->direct.body_len = dr->body != NULL ? strlen(dr->body) : 0;
	}
	if (ret < 0)
		return ret;
	ret = route_copy_str(c, rc->rewrite_uri, &a->rewrite_uri);
	if (ret == 0)
		ret = route_copy_str(c, rc->rewrite_authority,
				     &a->rewrite_authority);
	if (ret == 0 && rc->regex_rewrite_match != NULL) {
		char why[160];

		ret = route_rewrite_compile(r, rc->regex_rewrite_match,
					    rc->regex_rewrite, why, sizeof(why),
					    route_arena_alloc_cb, c->t);
		if (ret < 0)
			return route_fail(c, ret, "rewrite.uriRegexRewrite: %s",
					  why);
		a->regex_rewrite = true;
	}
	if (ret == 0)
		ret = copy_edits(c, &rc->headers, &a->headers);
	if (ret == 0)
		ret = build_retry(c, rc->retries, &a->retry);
	if (ret < 0)
		return ret;
	a->timeout_ms = rc->timeout_ms;
	if (rc->fault != NULL) {
		const struct gw_route_fault_conf *f = rc->fault;

		if (!f->delay && !f->abort)
			return route_fail(c, -EINVAL, "fault: needs delay or "
					  "abort");
		if (f->delay) {
			if (f->delay_ms == 0)
				return route_fail(c, -EINVAL, "fault.delay."
						  "fixedDelay must be > 0");
			ret = percent_ppm(c, f->delay_percent, 0.0,
					  "fault.delay", &a->fault.delay_ppm);
			if (ret < 0)
				return ret;
			a->fault.delay = true;
			a->fault.delay_ms = f->delay_ms;
		}
		if (f->abort) {
			if (f->abort_status < 200 || f->abort_status > 599)
				return route_fail(c, -EINVAL, "fault.abort."
						  "httpStatus %" PRIu32
						  " not in 200..599",
						  f->abort_status);
			ret = percent_ppm(c, f->abort_percent, 0.0,
					  "fault.abort", &a->fault.abort_ppm);
			if (ret < 0)
				return ret;
			a->fault.abort = true;
			a->fault.abort_status = f->abort_status;
		}
		/* Istio: no timeout and no retries on a route with a fault. */
		a->timeout_ms = 0;
		a->retry.attempts = 0;
	}
	if (rc->mirror.host != NULL) {
		if (rc->mirror.host[0] == '\0')
			return route_fail(c, -EINVAL, "mirror.host is empty");
		if (rc->mirror.port > 65535)
			return route_fail(c, -EINVAL, "mirror.port %" PRIu32
					  " out of range", rc->mirror.port);
		ret = route_copy_str(c, rc->mirror.host, &a->mirror.host);
		if (ret == 0)
			ret = route_copy_str(c, rc->mirror.subset,
					     &a->mirror.subset);
		if (ret == 0)
			ret = percent_ppm(c, rc->mirror_percent, 100.0,
					  "mirrorPercentage", &a->mirror_ppm);
		a->mirror.port = rc->mirror.port;
		a->mirror.user = rc->mirror.user;
	}
	return ret;
}

