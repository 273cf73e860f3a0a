/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HealthCheck (meshgw.io/v1alpha1) → active probes of a host's clusters:
 * a TCP connect or an HTTP GET with accepted statuses, the probe timing
 * and thresholds, and the panic threshold of the clusters it covers.
 *
 * mesh_decode_health_check() runs with the other decoders and puts the
 * probe (struct gw_mesh_health_check) in the mesh arena at once;
 * mesh_bind_health_checks() runs in the build once every cluster exists,
 * since clusters are only made for the destinations routes use. A
 * subset-specific HealthCheck beats a host-wide one; at equal specificity
 * the first in load order wins. Control thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_priv.h"

/* Longest probe interval, jitter or timeout: a day is far beyond any
 * useful probe period, and keeps interval + jitter within 32 bits. */
#define HC_DURATION_MAX_MS 86400000u
/* Threshold cap: 1000 probes in a row is already hours at 5 s. */
#define HC_THRESHOLD_MAX 1000u
#define HC_STATUS_MIN 100u
#define HC_STATUS_MAX 599u
/* Kubernetes httpGet probes count 200..399 as success. */
#define HC_DEFAULT_STATUS_LO 200u
#define HC_DEFAULT_STATUS_HI 399u

/* A status code: 1..9 digits (so that "1000" reads as out of range rather
 * than malformed), nothing else. */
static bool
parse_code(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 9)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* One expectedStatuses item: an integer 100..599 or "lo-hi". */
static bool
decode_status(struct mesh_ctx *c, const struct gw_config_node *n,
	      const char *path, struct gw_mesh_status_range *out)
{
	const char *dash;
	unsigned lo, hi;
	bool ok;

	if (n->type != GW_CONFIG_NODE_SCALAR) {
		mesh_err(c, n, "%s: expected a status %u..%u or a range "
			 "\"lo-hi\", got %s", path, HC_STATUS_MIN,
			 HC_STATUS_MAX, n->type == GW_CONFIG_NODE_MAP ?
			 "a mapping" : "a sequence");
		return false;
	}
	dash = memchr(n->str, '-', n->len);
	if (dash == NULL) {
		ok = parse_code(n->str, n->len, &lo);
		hi = lo;
	} else {
		size_t ll = (size_t)(dash - n->str);

		ok = parse_code(n->str, ll, &lo) &&
		     parse_code(dash + 1, n->len - ll - 1, &hi);
	}
	if (!ok) {
		mesh_err(c, n, "%s: expected a status %u..%u or a range "
			 "\"lo-hi\", got \"%s\"", path, HC_STATUS_MIN,
			 HC_STATUS_MAX, n->str);
		return false;
	}
	if (lo < HC_STATUS_MIN || lo > HC_STATUS_MAX ||
	    hi < HC_STATUS_MIN || hi > HC_STATUS_MAX) {
		mesh_err(c, n, "%s: \"%s\" is out of range %u..%u", path,
			 n->str, HC_STATUS_MIN, HC_STATUS_MAX);
		return false;
	}
	if (lo > hi) {
		mesh_err(c, n, "%s: range \"%s\" is empty (%u > %u)", path,
			 n->str, lo, hi);
		return false;
	}
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return true;
}

/* A string that goes into a request line or header as is: printable
 * ASCII or UTF-8, no space, CR, LF, NUL or other control byte. */
static bool
token_ok(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ' || (unsigned char)*s == 0x7f)
			return false;
	}
	return true;
}

static void
decode_http(struct mesh_ctx *c, const struct gw_config_node *n,
	    struct gw_mesh_health_check *hc,
	    struct gw_mesh_status_range **statuses)
{
	static const char *const known[] = {
		"path", "host", "expectedStatuses", NULL,
	};
	const struct gw_config_node *v;
	struct gw_mesh_status_range *r;
	char p[64];
	size_t i;

	if (!mesh_fields(c, n, "spec.http", known, NULL))
		return;
	hc->kind = GW_MESH_HC_HTTP;
	if ((v = gw_config_node_get(n, "path")) != NULL &&
	    mesh_str(c, v, "spec.http.path", &hc->path) &&
	    (hc->path[0] != '/' || !token_ok(hc->path)))
		/* the value is not echoed: it may hold a line break */
		mesh_err(c, v, "spec.http.path: must start with \"/\" and "
			 "hold no space or control character");
	if ((v = gw_config_node_get(n, "host")) != NULL &&
	    mesh_str(c, v, "spec.http.host", &hc->authority) &&
	    (hc->authority[0] == '\0' || !token_ok(hc->authority)))
		mesh_err(c, v, "spec.http.host: must be a Host header value, "
			 "not empty, with no space or control character");
	v = gw_config_node_get(n, "expectedStatuses");
	if (v == NULL)
		return;
	if (!mesh_is_seq(c, v, "spec.http.expectedStatuses"))
		return;
	if (v->n == 0) {
		mesh_err(c, v, "spec.http.expectedStatuses: at least one "
			 "status is required");
		return;
	}
	r = mesh_alloc(&c->tmp, v->n * sizeof(*r));
	if (r == NULL) {
		c->nomem = true;
		return;
	}
	for (i = 0; i < v->n; i++) {
		snprintf(p, sizeof(p), "spec.http.expectedStatuses[%zu]", i);
		(void)decode_status(c, v->items[i], p, &r[i]);
	}
	*statuses = r;
	hc->n_statuses = (uint32_t)v->n;
}

/* A duration field of spec, when present, into *out; 1 ms..a day, or
 * from 0 when zero_ok. */
static const struct gw_config_node *
spec_duration(struct mesh_ctx *c, const struct gw_config_node *spec,
	      const char *key, bool zero_ok, uint32_t *out)
{
	const struct gw_config_node *v = gw_config_node_get(spec, key);
	char p[64];

	if (v == NULL)
		return NULL;
	snprintf(p, sizeof(p), "spec.%s", key);
	return mesh_duration(c, v, p, zero_ok ? 0 : 1, HC_DURATION_MAX_MS,
			     out) ? v : NULL;
}

static void
spec_uint(struct mesh_ctx *c, const struct gw_config_node *spec,
	  const char *key, uint64_t min, uint64_t max, uint32_t *out)
{
	const struct gw_config_node *v = gw_config_node_get(spec, key);
	char p[64];
	uint64_t num;

	if (v == NULL)
		return;
	snprintf(p, sizeof(p), "spec.%s", key);
	if (mesh_uint(c, v, p, min, max, &num))
		*out = (uint32_t)num;
}

/* Copy the decoded probe into the mesh; its strings and statuses still
 * point into the configuration or c->tmp. NULL on ENOMEM. */
static struct gw_mesh_health_check *
hc_keep(struct mesh_ctx *c, const struct gw_mesh_health_check *d,
	const struct gw_mesh_status_range *statuses)
{
	struct mesh_arena *a = &c->m->arena;
	struct gw_mesh_health_check *hc = mesh_alloc(a, sizeof(*hc));
	struct gw_mesh_status_range *r;

	if (hc == NULL)
		return NULL;
	*hc = *d;
	hc->name = mesh_printf(a, "%s/%s", c->res->namespace, c->res->name);
	if (hc->name == NULL)
		return NULL;
	if (hc->kind == GW_MESH_HC_TCP) {
		hc->path = NULL;
		hc->authority = NULL;
		hc->n_statuses = 0;
		hc->statuses = NULL;
		return hc;
	}
	hc->path = mesh_strdup(a, d->path != NULL ? d->path : "/");
	if (hc->path == NULL)
		return NULL;
	if (d->authority != NULL) {
		hc->authority = mesh_strdup(a, d->authority);
		if (hc->authority == NULL)
			return NULL;
	}
	if (hc->n_statuses == 0)
		hc->n_statuses = 1;
	r = mesh_alloc(a, hc->n_statuses * sizeof(*r));
	if (r == NULL)
		return NULL;
	if (statuses != NULL) {
		memcpy(r, statuses, hc->n_statuses * sizeof(*r));
	} else {
		r[0].lo = HC_DEFAULT_STATUS_LO;
		r[0].hi = HC_DEFAULT_STATUS_HI;
	}
	hc->statuses = r;
	return hc;
}

void
mesh_decode_health_check(struct mesh_ctx *c)
{
	static const char *const known[] = {
		"host", "subset", "port", "tcp", "http", "tls", "interval",
		"unhealthyInterval", "intervalJitter", "timeout",
		"healthyThreshold", "unhealthyThreshold", "panicThreshold",
		NULL,
	};
	static const char *const none[] = { NULL };
	const struct gw_config_node *spec = c->res->spec, *v, *jit;
	struct gw_mesh_status_range *statuses = NULL;
	struct gw_mesh_health_check d;
	struct mesh_health_check mh, *slot;
	uint32_t port = 0;

	memset(&d, 0, sizeof(d));
	memset(&mh, 0, sizeof(mh));
	mh.res = c->res;
	mh.panic_percent = UINT32_MAX;	/* not given: the cluster's */
	d.interval_ms = GW_MESH_DEFAULT_HC_INTERVAL_MS;
	d.timeout_ms = GW_MESH_DEFAULT_HC_TIMEOUT_MS;
	d.healthy_threshold = GW_MESH_DEFAULT_HC_HEALTHY;
	d.unhealthy_threshold = GW_MESH_DEFAULT_HC_UNHEALTHY;
	if (spec == NULL) {
		mesh_err(c, NULL, "spec: required");
		return;
	}
	if (!mesh_fields(c, spec, "spec", known, NULL))
		return;

	v = gw_config_node_get(spec, "host");
	if (v == NULL) {
		mesh_err(c, spec, "spec.host: required");
	} else if (mesh_str(c, v, "spec.host", &mh.host)) {
		/* clusters are per service host: a pattern names none */
		if (!mesh_host_pattern_ok(mh.host) ||
		    strchr(mh.host, '*') != NULL)
			mesh_err(c, v, "spec.host: \"%s\" is not a service "
				 "host name", mh.host);
		mh.host_node = v;
	}
	if ((v = gw_config_node_get(spec, "subset")) != NULL &&
	    mesh_str(c, v, "spec.subset", &mh.subset) && mh.subset[0] == '\0')
		mesh_err(c, v, "spec.subset: must not be empty");
	spec_uint(c, spec, "port", 1, UINT16_MAX, &port);
	d.port = (uint16_t)port;

	v = gw_config_node_get(spec, "tcp");
	if (v != NULL && mesh_fields(c, v, "spec.tcp", none, NULL))
		d.kind = GW_MESH_HC_TCP;
	if ((v = gw_config_node_get(spec, "http")) != NULL)
		decode_http(c, v, &d, &statuses);
	if ((gw_config_node_get(spec, "tcp") != NULL) ==
	    (gw_config_node_get(spec, "http") != NULL))
		mesh_err(c, spec, "spec: exactly one of tcp and http is "
			 "required");
	if ((v = gw_config_node_get(spec, "tls")) != NULL &&
	    mesh_is_map(c, v, "spec.tls"))
		mesh_warn(c, v, "spec.tls: not applied yet (probes are plain "
			  "TCP until TLS exists)");

	(void)spec_duration(c, spec, "interval", false, &d.interval_ms);
	d.unhealthy_interval_ms = d.interval_ms;
	(void)spec_duration(c, spec, "unhealthyInterval", false,
			    &d.unhealthy_interval_ms);
	jit = spec_duration(c, spec, "intervalJitter", true, &d.jitter_ms);
	if (jit != NULL && d.jitter_ms >= d.interval_ms)
		mesh_err(c, jit, "spec.intervalJitter: %ums must be less than "
			 "spec.interval (%ums)", d.jitter_ms, d.interval_ms);
	(void)spec_duration(c, spec, "timeout", false, &d.timeout_ms);
	spec_uint(c, spec, "healthyThreshold", 1, HC_THRESHOLD_MAX,
		  &d.healthy_threshold);
	spec_uint(c, spec, "unhealthyThreshold", 1, HC_THRESHOLD_MAX,
		  &d.unhealthy_threshold);
	/* 0 disables panic routing: unhealthy endpoints never get traffic */
	spec_uint(c, spec, "panicThreshold", 0, 100, &mh.panic_percent);
	if (c->res_error)
		return;

	mh.hc = hc_keep(c, &d, statuses);
	slot = mh.hc != NULL ? mesh_vec_push(&c->health_checks) : NULL;
	if (slot == NULL) {
		c->nomem = true;
		return;
	}
	*slot = mh;
}

/* ---- binding ------------------------------------------------------------ */

static bool
hc_matches(const struct mesh_health_check *h, const char *fqdn,
	   const struct gw_mesh_cluster *cl)
{
	return mesh_host_eq(cl->host, fqdn) &&
	       (h->subset == NULL || strcmp(cl->subset, h->subset) == 0);
}

int
mesh_bind_health_checks(struct mesh_ctx *c)
{
	size_t n = c->health_checks.n, i, k;
	const char **fqdn;
	bool *used;
	int rc = 0;

	if (n == 0)
		return 0;
	fqdn = calloc(n, sizeof(*fqdn));
	used = calloc(n, sizeof(*used));
	if (fqdn == NULL || used == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* the host as clusters name it: the ServiceEntry's, a short name
	 * completed as route destinations are */
	for (i = 0; i < n; i++) {
		const struct mesh_health_check *h = MESH_VEC_AT(
			&c->health_checks, struct mesh_health_check, i);

		if (mesh_find_service(c, h->host, h->res->namespace,
				      &fqdn[i]) != NULL)
			continue;
		fqdn[i] = strchr(h->host, '.') != NULL ? h->host :
			mesh_printf(&c->tmp, "%s.%s.svc.cluster.local",
				    h->host, h->res->namespace);
		if (fqdn[i] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (k = 0; k < c->m->clusters.n; k++) {
		struct gw_mesh_cluster *cl =
			MESH_VEC_AT(&c->m->clusters, struct gw_mesh_cluster, k);
		const struct mesh_health_check *win = NULL;
		bool want_subset = false;

		/* the most specific level that matches, then the first of
		 * that level wins and the others at it are told */
		for (i = 0; i < n; i++) {
			const struct mesh_health_check *h = MESH_VEC_AT(
				&c->health_checks, struct mesh_health_check, i);

			if (!hc_matches(h, fqdn[i], cl))
				continue;
			used[i] = true;
			if (h->subset != NULL)
				want_subset = true;
		}
		for (i = 0; i < n; i++) {
			const struct mesh_health_check *h = MESH_VEC_AT(
				&c->health_checks, struct mesh_health_check, i);

			if (!hc_matches(h, fqdn[i], cl) ||
			    (h->subset != NULL) != want_subset)
				continue;
			if (win == NULL) {
				win = h;
				continue;
			}
			mesh_diag_res(c, h->res, GW_MESH_WARNING, h->host_node,
				      "cluster %s: HealthCheck %s already "
				      "applies to it; this one does not",
				      cl->name, win->hc->name);
		}
		if (win != NULL) {
			cl->health_check = win->hc;
			if (win->panic_percent != UINT32_MAX)
				cl->panic_percent = win->panic_percent;
		}
	}
	for (i = 0; i < n; i++) {
		const struct mesh_health_check *h = MESH_VEC_AT(
			&c->health_checks, struct mesh_health_check, i);

		if (!used[i])
			mesh_diag_res(c, h->res, GW_MESH_WARNING, h->host_node,
				      "no cluster uses host %s%s%s; nothing "
				      "is probed", fqdn[i],
				      h->subset != NULL ? "/" : "",
				      h->subset != NULL ? h->subset : "");
	}
	if (c->nomem)
		rc = -ENOMEM;
out:
	free(fqdn);
	free(used);
	return rc;
}
