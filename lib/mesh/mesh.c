/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/mesh entry points: decode every resource by kind, build listeners
 * and clusters, derive each resource's state from its findings; the
 * accessors and the report. Control thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_priv.h"

static const struct {
	const char *group;
	const char *kind;
	void (*decode)(struct mesh_ctx *c);
} kinds[] = {
	{ "networking.istio.io", "Gateway", mesh_decode_gateway },
	{ "networking.istio.io", "ServiceEntry", mesh_decode_service_entry },
	{ "networking.istio.io", "WorkloadEntry", mesh_decode_workload_entry },
	{ "networking.istio.io", "DestinationRule", mesh_decode_dest_rule },
	{ "networking.istio.io", "VirtualService",
	  mesh_decode_virtual_service },
	/* bound to clusters by the build, once they all exist */
	{ "meshgw.io", "HealthCheck", mesh_decode_health_check },
};

static void
mesh_release(struct gw_mesh *m)
{
	size_t i;

	for (i = 0; i < m->listeners.n; i++)
		gw_route_table_free((struct gw_route_table *)MESH_VEC_AT(
			&m->listeners, struct gw_mesh_listener, i)->routes);
	for (i = 0; i < m->clusters.n; i++)
		gw_lb_free((struct gw_lb *)MESH_VEC_AT(
			&m->clusters, struct gw_mesh_cluster, i)->lb);
	mesh_vec_free(&m->listeners);
	mesh_vec_free(&m->clusters);
	mesh_vec_free(&m->diags);
	mesh_vec_free(&m->states);
	mesh_arena_free(&m->arena);
}

void
gw_mesh_free(struct gw_mesh *m)
{
	if (m == NULL)
		return;
	mesh_release(m);
	free(m);
}

static enum gw_mesh_state
state_from_diags(const struct gw_mesh *m, const struct gw_config_resource *r)
{
	enum gw_mesh_state st = GW_MESH_APPLIED;
	size_t i;

	for (i = 0; i < m->diags.n; i++) {
		const struct gw_mesh_diag *d =
			MESH_VEC_AT(&m->diags, struct gw_mesh_diag, i);

		if (d->res != r)
			continue;
		if (d->severity == GW_MESH_ERROR)
			return GW_MESH_REJECTED;
		st = GW_MESH_PARTIAL;
	}
	return st;
}

int
gw_mesh_compile(const struct gw_config *cfg, struct gw_mesh **out)
{
	struct mesh_ctx c;
	struct gw_mesh *m;
	size_t i, k, n = gw_config_resource_count(cfg);
	int rc;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	mesh_vec_init(&m->listeners, sizeof(struct gw_mesh_listener));
	mesh_vec_init(&m->clusters, sizeof(struct gw_mesh_cluster));
	mesh_vec_init(&m->diags, sizeof(struct gw_mesh_diag));
	mesh_vec_init(&m->states, sizeof(struct mesh_state));
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.cfg = cfg;
	mesh_vec_init(&c.gateways, sizeof(struct mesh_gateway));
	mesh_vec_init(&c.services, sizeof(struct mesh_service));
	mesh_vec_init(&c.workloads, sizeof(struct mesh_workload));
	mesh_vec_init(&c.dest_rules, sizeof(struct mesh_dest_rule));
	mesh_vec_init(&c.health_checks, sizeof(struct mesh_health_check));
	mesh_vec_init(&c.vss, sizeof(struct mesh_vs));

	/* decode in dependency order, so references resolve in one pass */
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (i = 0; i < n; i++) {
			const struct gw_config_resource *r =
				gw_config_resource_at(cfg, i);

			if (strcmp(r->group, kinds[k].group) != 0 ||
			    strcmp(r->kind, kinds[k].kind) != 0)
				continue;
			c.res = r;
			c.res_error = false;
			kinds[k].decode(&c);
			if (c.nomem) {
				rc = -ENOMEM;
				goto fail;
			}
		}
	}
	rc = mesh_build(&c);
	if (rc < 0 || c.nomem) {
		rc = -ENOMEM;
		goto fail;
	}
	/* every resource's state */
	for (i = 0; i < n; i++) {
		const struct gw_config_resource *r = gw_config_resource_at(cfg, i);
		struct mesh_state *s = mesh_vec_push(&m->states);

		if (s == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		s->res = r;
		s->state = GW_MESH_IGNORED;
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			if (strcmp(r->group, kinds[k].group) == 0 &&
			    strcmp(r->kind, kinds[k].kind) == 0)
				s->state = state_from_diags(m, r);
		}
		if (s->state == GW_MESH_IGNORED &&
		    r->state == GW_CONFIG_NOT_YET_APPLIED)
			s->state = GW_MESH_NOT_YET_APPLIED;
	}
	rc = 0;
	*out = m;
	m = NULL;
fail:
	gw_mesh_free(m);
	mesh_vec_free(&c.gateways);
	mesh_vec_free(&c.services);
	mesh_vec_free(&c.workloads);
	mesh_vec_free(&c.dest_rules);
	mesh_vec_free(&c.health_checks);
	mesh_vec_free(&c.vss);
	mesh_arena_free(&c.tmp);
	return rc;
}

size_t
gw_mesh_listener_count(const struct gw_mesh *m)
{
	return m->listeners.n;
}

const struct gw_mesh_listener *
gw_mesh_listener_at(const struct gw_mesh *m, size_t i)
{
	return i < m->listeners.n ?
		MESH_VEC_AT(&m->listeners, struct gw_mesh_listener, i) : NULL;
}

const struct gw_mesh_listener *
gw_mesh_listener_lookup(const struct gw_mesh *m, uint16_t port)
{
	size_t i;

	for (i = 0; i < m->listeners.n; i++) {
		const struct gw_mesh_listener *l =
			MESH_VEC_AT(&m->listeners, struct gw_mesh_listener, i);

		if (l->port == port)
			return l;
	}
	return NULL;
}

static bool
in_subnets(const struct gw_mesh_subnet *sn, uint32_t n, uint32_t a)
{
	uint32_t i;

	if (n == 0)
		return true;	/* no condition */
	for (i = 0; i < n; i++) {
		if ((a & sn[i].mask) == sn[i].addr)
			return true;
	}
	return false;
}

const struct gw_mesh_tcp_route *
gw_mesh_tcp_route_find(const struct gw_mesh_tcp_route *routes, uint32_t n,
		       uint32_t src, uint32_t dst)
{
	uint32_t r, b;

	for (r = 0; r < n; r++) {
		const struct gw_mesh_tcp_route *rt = &routes[r];

		if (rt->n_matches == 0)
			return rt;
		for (b = 0; b < rt->n_matches; b++) {
			const struct gw_mesh_tcp_match *m = &rt->matches[b];

			if (in_subnets(m->dst, m->n_dst, dst) &&
			    in_subnets(m->src, m->n_src, src))
				return rt;
		}
	}
	return NULL;
}

size_t
gw_mesh_cluster_count(const struct gw_mesh *m)
{
	return m->clusters.n;
}

const struct gw_mesh_cluster *
gw_mesh_cluster_at(const struct gw_mesh *m, size_t i)
{
	return i < m->clusters.n ?
		MESH_VEC_AT(&m->clusters, struct gw_mesh_cluster, i) : NULL;
}

size_t
gw_mesh_cluster_find(const struct gw_mesh *m, const char *name, size_t hint)
{
	const struct gw_mesh_cluster *c = gw_mesh_cluster_at(m, hint);
	size_t i;

	if (c != NULL && strcmp(c->name, name) == 0)
		return hint;
	for (i = 0; i < m->clusters.n; i++)
		if (strcmp(gw_mesh_cluster_at(m, i)->name, name) == 0)
			return i;
	return SIZE_MAX;
}

size_t
gw_mesh_diag_count(const struct gw_mesh *m)
{
	return m->diags.n;
}

const struct gw_mesh_diag *
gw_mesh_diag_at(const struct gw_mesh *m, size_t i)
{
	return i < m->diags.n ?
		MESH_VEC_AT(&m->diags, struct gw_mesh_diag, i) : NULL;
}

enum gw_mesh_state
gw_mesh_resource_state(const struct gw_mesh *m,
		       const struct gw_config_resource *res)
{
	size_t i;

	for (i = 0; i < m->states.n; i++) {
		const struct mesh_state *s =
			MESH_VEC_AT(&m->states, struct mesh_state, i);

		if (s->res == res)
			return s->state;
	}
	return GW_MESH_IGNORED;
}

const char *
gw_mesh_state_name(enum gw_mesh_state s)
{
	switch (s) {
	case GW_MESH_APPLIED: return "applied";
	case GW_MESH_PARTIAL: return "partially applied";
	case GW_MESH_REJECTED: return "rejected";
	case GW_MESH_NOT_YET_APPLIED: return "not yet applied";
	default: return "ignored";
	}
}

int
gw_mesh_diag_format(const struct gw_mesh_diag *d, char *buf, size_t len)
{
	const struct gw_config_resource *r = d->res;
	unsigned line = d->line ? d->line : r->line;
	unsigned col = d->line ? d->col : r->col;

	return snprintf(buf, len, "%s:%u:%u: %s: %s %s/%s: %s", r->file, line,
			col, d->severity == GW_MESH_ERROR ? "error" : "warning",
			r->kind, r->namespace, r->name, d->msg);
}
