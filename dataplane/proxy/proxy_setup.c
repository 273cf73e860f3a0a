/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/proxy set-up and generations: a worker's proxy (sessions, idle
 * pool, timer wheel) and what one configuration gives it (struct
 * proxy_gen), built on ctrl; the reference counting that tells when a
 * retired generation is no longer used (worker); the counters ctrl reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "proxy_priv.h"

const struct gw_proxy_stats *
gw_proxy_stats_get(const struct gw_worker *w)
{
	return w->proxy != NULL ? &w->proxy->stats : NULL;
}

int
gw_proxy_endpoint_stats(const struct gw_worker *w, uint32_t ci, uint32_t ep,
			struct gw_proxy_ep_stats *out, uint64_t *rq_active)
{
	const struct gw_proxy_wrk *pw = w->proxy;
	const struct proxy_cluster *pc;

	if (pw == NULL || ci >= pw->gen->n_clusters ||
	    ep >= pw->gen->clusters[ci].mc->n_endpoints)
		return -ENOENT;
	pc = &pw->gen->clusters[ci];
	/* plain fields the worker writes: relaxed loads, as for counters */
	out->rq_total = __atomic_load_n(&pc->ep[ep].rq_total,
					__ATOMIC_RELAXED);
	out->rq_error = __atomic_load_n(&pc->ep[ep].rq_error,
					__ATOMIC_RELAXED);
	out->cx_total = __atomic_load_n(&pc->ep[ep].cx_total,
					__ATOMIC_RELAXED);
	out->cx_active = __atomic_load_n(&pc->ep[ep].cx_active,
					 __ATOMIC_RELAXED);
	*rq_active = __atomic_load_n(&pc->active[ep], __ATOMIC_RELAXED);
	return 0;
}

/* ---- generations ------------------------------------------------------- */

struct proxy_listener *
proxy_listener_find(struct proxy_gen *g, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < g->n_listeners; i++)
		if (g->listeners[i].ml->port == port)
			return &g->listeners[i];
	return NULL;
}

/* Unlink g from its worker's list of retired generations. */
static void
gen_unlist(struct proxy_gen *g)
{
	struct proxy_gen **pp = &g->pw->retired;

	while (*pp != NULL && *pp != g)
		pp = &(*pp)->older;
	if (*pp == g)
		*pp = g->older;
	g->older = NULL;
}

void
proxy_gen_unref(struct proxy_gen *g)
{
	if (--g->refs > 0 || !g->retired)
		return;
	/* nothing of it is used any more: ctrl may free it */
	gen_unlist(g);
	__atomic_store_n(&g->released, 1, __ATOMIC_RELEASE);
}

static void
gen_free(struct proxy_gen *g)
{
	uint32_t i;

	if (g == NULL)
		return;
	for (i = 0; g->listeners != NULL && i < g->n_listeners; i++)
		gw_route_scratch_free(g->listeners[i].scratch);
	for (i = 0; g->clusters != NULL && i < g->n_clusters; i++) {
		free(g->clusters[i].lb_state);
		free(g->clusters[i].active);
		free(g->clusters[i].idle);
		free(g->clusters[i].avail_buf);
		free(g->clusters[i].ep);
	}
	free(g->listeners);
	free(g->clusters);
	free(g);
}

/* A worker's share of a per-cluster limit: rounded up, at least 1;
 * "unlimited" (2^32-1) stays so. */
static uint32_t
share(uint32_t limit, unsigned n_workers)
{
	if (limit == UINT32_MAX || n_workers <= 1)
		return limit;
	return (uint32_t)(((uint64_t)limit + n_workers - 1) / n_workers);
}

/*
 * A worker's proxy state for mesh, with health (a cluster of the mesh is
 * the cluster of the same index there). Ctrl thread; allocates.
 */
static int
gen_create(struct gw_worker *w, const struct gw_mesh *mesh,
	   struct gw_health *health, struct proxy_gen **out, char *err,
	   size_t errlen)
{
	struct gw_route_err rerr;
	struct proxy_gen *g;
	uint32_t i;

	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		goto nomem;
	g->pw = w->proxy;
	g->mesh = mesh;
	g->n_listeners = (uint32_t)gw_mesh_listener_count(mesh);
	g->listeners = calloc(g->n_listeners + 1, sizeof(*g->listeners));
	g->n_clusters = (uint32_t)gw_mesh_cluster_count(mesh);
	g->clusters = calloc(g->n_clusters + 1, sizeof(*g->clusters));
	if (g->listeners == NULL || g->clusters == NULL)
		goto nomem;
	for (i = 0; i < g->n_listeners; i++) {
		struct proxy_listener *l = &g->listeners[i];

		l->gen = g;
		l->ml = gw_mesh_listener_at(mesh, i);
		if (l->ml->routes != NULL &&
		    gw_route_scratch_create(l->ml->routes, &l->scratch,
					    &rerr) != 0) {
			snprintf(err, errlen, "listener %s: %s", l->ml->name,
				 rerr.msg);
			gen_free(g);
			return -ENOMEM;
		}
	}
	for (i = 0; i < g->n_clusters; i++) {
		struct proxy_cluster *pc = &g->clusters[i];

		pc->mc = gw_mesh_cluster_at(mesh, i);
		pc->hc = gw_health_cluster_get(health, i);
		if (pc->hc == NULL || pc->hc->mc != pc->mc) {
			snprintf(err, errlen, "the health state is not the "
				 "mesh's");
			gen_free(g);
			return -EINVAL;
		}
		pc->gen = gw_health_gen(pc->hc) - 1; /* computed at first pick */
		pc->lb = pc->mc->lb;
		pc->max_conns = share(pc->mc->max_connections, w->dp->n_workers);
		pc->max_pending = share(pc->mc->max_pending_requests,
					w->dp->n_workers);
		pc->max_retries = share(pc->mc->max_retries, w->dp->n_workers);
		pc->active = calloc(pc->mc->n_endpoints + 1,
				    sizeof(*pc->active));
		pc->idle = calloc(pc->mc->n_endpoints + 1, sizeof(*pc->idle));
		pc->ep = calloc(pc->mc->n_endpoints + 1, sizeof(*pc->ep));
		pc->avail_buf = calloc(pc->hc->words, sizeof(uint64_t));
		if (pc->active == NULL || pc->idle == NULL || pc->ep == NULL ||
		    pc->avail_buf == NULL)
			goto nomem;
		if (pc->mc->lb != NULL) {
			/* room for a balancer with other weights too */
			pc->lb_state = calloc(1, gw_lb_state_size_max(
						      pc->mc->n_endpoints));
			if (pc->lb_state == NULL)
				goto nomem;
			gw_lb_state_init(pc->mc->lb, pc->lb_state,
					 gw_worker_rand(&w->proxy->rng));
		}
	}
	*out = g;
	return 0;
nomem:
	gen_free(g);
	snprintf(err, errlen, "out of memory for the proxy of worker %u",
		 w->id);
	return -ENOMEM;
}

/* ---- set-up ------------------------------------------------------------- */

static void
wrk_free(struct gw_proxy_wrk *pw)
{
	struct proxy_gen *g, *next;
	uint32_t i;

	if (pw == NULL)
		return;
	for (i = 0; pw->sessions != NULL && i < pw->n_sessions; i++) {
		struct proxy_sess *s = &pw->sessions[i];

		chain_free(&s->in);
		chain_free(&s->rin);
		chain_free(&s->upq);
		chain_free(&s->downq);
		chain_free(&s->replay);
	}
	for (g = pw->retired; g != NULL; g = next) {
		next = g->older;
		gen_free(g);
	}
	gen_free(pw->gen);
	free(pw->idle_entries);
	free(pw->sessions);
	free(pw);
}

void
gw_proxy_wrk_fini(struct gw_worker *w)
{
	wrk_free(w->proxy);
	w->proxy = NULL;
}

static int
wrk_create(struct gw_worker *w, const struct gw_mesh *mesh, char *err,
	   size_t errlen)
{
	struct gw_proxy_wrk *pw;
	uint32_t i;

	pw = calloc(1, sizeof(*pw));
	if (pw == NULL)
		goto nomem;
	w->proxy = pw;
	pw->w = w;
	pw->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)w->id << 32) ^
		  rte_rdtsc();
	pw->http = w->dp->cfg->http;
	pw->tsc_per_ms = rte_get_tsc_hz() / 1000;
	pw->now_ms = rte_rdtsc() / pw->tsc_per_ms;
	pw->tick_tsc = (pw->now_ms + 1) * pw->tsc_per_ms;
	gw_timer_wheel_init(&pw->wheel, pw->now_ms);
	/* a session holds up to two connections */
	pw->n_sessions = w->dp->cfg->tcp.max_conns / 2;
	if (pw->n_sessions == 0)
		pw->n_sessions = 1;
	pw->sessions = calloc(pw->n_sessions, sizeof(*pw->sessions));
	pw->idle_entries = calloc(pw->n_sessions, sizeof(*pw->idle_entries));
	if (pw->sessions == NULL || pw->idle_entries == NULL)
		goto nomem;
	for (i = pw->n_sessions; i-- > 0;) {
		pw->sessions[i].next_free = pw->free;
		pw->free = &pw->sessions[i];
	}
	for (i = pw->n_sessions; i-- > 0;) {
		pw->idle_entries[i].pw = pw;
		gw_timer_init(&pw->idle_entries[i].timer,
			      proxy_idle_expired);
		pw->idle_entries[i].next = pw->idle_free;
		pw->idle_free = &pw->idle_entries[i];
	}
	return gen_create(w, mesh, w->dp->health, &pw->gen, err, errlen);
nomem:
	snprintf(err, errlen, "out of memory for the proxy of worker %u",
		 w->id);
	return -ENOMEM;
}

int
gw_proxy_start(struct gw_dp *dp, const struct gw_mesh *mesh, char *err,
	       size_t errlen)
{
	unsigned id;
	size_t l;
	int rc;

	if (gw_mesh_listener_count(mesh) == 0)
		return 0;
	for (id = 0; id < dp->n_workers; id++) {
		struct gw_worker *w = dp->workers[id];

		rc = wrk_create(w, mesh, err, errlen);
		if (rc < 0)
			return rc;
		for (l = 0; l < gw_mesh_listener_count(mesh); l++) {
			uint16_t port = gw_mesh_listener_at(mesh, l)->port;
			struct proxy_port *pp = &w->proxy->ports[l];

			if (l >= PROXY_PORTS_MAX) {
				snprintf(err, errlen, "more than %d listener "
					 "ports", PROXY_PORTS_MAX);
				return -ENOSPC;
			}
			pp->pw = w->proxy;
			pp->port = port;
			w->proxy->n_ports++;
			rc = gw_tcp_listen(w, port, &proxy_down_ops, pp);
			if (rc < 0) {
				snprintf(err, errlen, "cannot listen on port "
					 "%u for %s: %s", port,
					 gw_mesh_listener_at(mesh, l)->name,
					 strerror(-rc));
				return rc;
			}
		}
	}
	GW_PROXY_LOG(INFO, "%zu listener(s), %zu cluster(s), %u session(s) "
		     "per worker\n", gw_mesh_listener_count(mesh),
		     gw_mesh_cluster_count(mesh), dp->workers[0]->proxy != NULL ?
		     dp->workers[0]->proxy->n_sessions : 0);
	return 0;
}
