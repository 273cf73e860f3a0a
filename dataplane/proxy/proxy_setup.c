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

#include "gw_tls.h"
#include "proxy_priv.h"

const struct gw_proxy_stats *
gw_proxy_stats_get(const struct gw_worker *w)
{
	return w->proxy != NULL ? &w->proxy->stats : NULL;
}

int
gw_proxy_endpoint_stats(const struct proxy_gen *g, uint32_t ci, uint32_t ep,
			struct gw_proxy_ep_stats *out, uint64_t *rq_active)
{
	const struct proxy_cluster *pc;

	if (g == NULL || ci >= g->n_clusters ||
	    ep >= g->clusters[ci].mc->n_endpoints)
		return -ENOENT;
	pc = &g->clusters[ci];
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

void
gw_proxy_gen_free(struct proxy_gen *g)
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

bool
gw_proxy_gen_done(const struct proxy_gen *g)
{
	return g == NULL || !__atomic_load_n(&g->installed, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&g->released, __ATOMIC_ACQUIRE) != 0;
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

/* prev's cluster of the same name, NULL when none. */
static const struct proxy_cluster *
prev_cluster(const struct proxy_gen *prev, uint32_t hint, const char *name)
{
	size_t i;

	if (prev == NULL)
		return NULL;
	i = gw_mesh_cluster_find(prev->mesh, name, hint);
	return i < prev->n_clusters ? &prev->clusters[i] : NULL;
}

/*
 * Endpoint counters go on from where the previous generation's are, for
 * endpoints of the same cluster and address, so /clusters and the
 * metrics stay monotonic across a change (what the old generation counts
 * after this copy is not carried: its in-flight requests' ends).
 */
static void
ep_stats_carry(struct proxy_cluster *pc, const struct proxy_cluster *old)
{
	uint32_t i, k;

	for (i = 0; i < pc->mc->n_endpoints; i++) {
		const struct gw_mesh_endpoint *e = &pc->mc->endpoints[i];

		for (k = 0; k < old->mc->n_endpoints; k++) {
			const struct gw_mesh_endpoint *o = &old->mc->endpoints[k];

			if (o->addr != e->addr || o->port != e->port)
				continue;
			pc->ep[i].rq_total = __atomic_load_n(
				&old->ep[k].rq_total, __ATOMIC_RELAXED);
			pc->ep[i].rq_error = __atomic_load_n(
				&old->ep[k].rq_error, __ATOMIC_RELAXED);
			pc->ep[i].cx_total = __atomic_load_n(
				&old->ep[k].cx_total, __ATOMIC_RELAXED);
			break;
		}
	}
}

int
gw_proxy_gen_create(struct gw_worker *w, const struct gw_mesh *mesh,
		    struct gw_health *health, const struct gw_tls_set *tls,
		    const struct proxy_gen *prev,
		    struct proxy_gen **out, char *err, size_t errlen)
{
	struct gw_route_err rerr;
	struct proxy_gen *g;
	uint32_t i;

	*out = NULL;
	if (w->proxy == NULL) {
		snprintf(err, errlen, "worker %u has no proxy", w->id);
		return -EINVAL;
	}
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
		l->tls = gw_tls_set_listener(tls, l->ml->port);
		if (l->ml->n_tls > 0 && l->tls == NULL) {
			snprintf(err, errlen, "listener %s has no TLS context",
				 l->ml->name);
			gw_proxy_gen_free(g);
			return -EINVAL;
		}
		if (l->ml->routes != NULL &&
		    gw_route_scratch_create(l->ml->routes, &l->scratch,
					    &rerr) != 0) {
			snprintf(err, errlen, "listener %s: %s", l->ml->name,
				 rerr.msg);
			gw_proxy_gen_free(g);
			return -ENOMEM;
		}
	}
	for (i = 0; i < g->n_clusters; i++) {
		struct proxy_cluster *pc = &g->clusters[i];
		const struct proxy_cluster *old;

		pc->mc = gw_mesh_cluster_at(mesh, i);
		pc->hc = gw_health_cluster_get(health, i);
		pc->tls = gw_tls_set_client(tls, i);
		if (pc->hc == NULL || pc->hc->mc != pc->mc) {
			snprintf(err, errlen, "the health state is not the "
				 "mesh's");
			gw_proxy_gen_free(g);
			return -EINVAL;
		}
		pc->gen = gw_health_gen(pc->hc) - 1; /* computed at first pick */
		pc->lb = pc->mc->lb;
		pc->max_conns = share(pc->mc->max_connections, w->dp->n_workers);
		pc->max_pending = share(pc->mc->max_pending_requests,
					w->dp->n_workers);
		pc->max_retries = share(pc->mc->max_retries, w->dp->n_workers);
		pc->obs_dest = proxy_dest_id(w->dp, pc->mc);
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
		old = prev_cluster(prev, i, pc->mc->name);
		if (old != NULL)
			ep_stats_carry(pc, old);
	}
	*out = g;
	return 0;
nomem:
	gw_proxy_gen_free(g);
	snprintf(err, errlen, "out of memory for the proxy of worker %u",
		 w->id);
	return -ENOMEM;
}

int
gw_proxy_mesh_check(const struct gw_dp *dp, const struct gw_mesh *mesh,
		    char *err, size_t errlen)
{
	size_t l, n = gw_mesh_listener_count(mesh);
	size_t k;

	if (n > PROXY_PORTS_MAX) {
		snprintf(err, errlen, "%zu listener ports: at most %d",
			 n, PROXY_PORTS_MAX);
		return -ENOSPC;
	}
	for (l = 0; dp->cfg != NULL && l < n; l++) {
		const struct gw_mesh_listener *ml = gw_mesh_listener_at(mesh, l);

		for (k = 0; k < dp->cfg->n_test_listeners; k++) {
			if (dp->cfg->test_listeners[k].port != ml->port)
				continue;
			snprintf(err, errlen, "listener %s: port %u is the "
				 "Dataplane's test listener", ml->name,
				 ml->port);
			return -EADDRINUSE;
		}
	}
	return 0;
}

/* ---- switching (worker) --------------------------------------------------- */

/* Listen on g's ports, stop listening on the others. A port that stays
 * keeps its listener: no connection notices. */
static void
ports_sync(struct gw_proxy_wrk *pw, struct proxy_gen *g)
{
	struct gw_worker *w = pw->w;
	uint32_t i, k;
	int rc;

	for (k = 0; k < PROXY_PORTS_MAX; k++) {
		struct proxy_port *pp = &pw->ports[k];

		if (pp->port == 0 || (g != NULL && !pw->draining &&
				      proxy_listener_find(g, pp->port) != NULL))
			continue;
		gw_tcp_unlisten(w, pp->port);
		GW_PROXY_LOG(INFO, "worker %u: port %u no longer served\n",
			     w->id, pp->port);
		pp->port = 0;
		pw->n_ports--;
	}
	for (i = 0; g != NULL && !pw->draining && i < g->n_listeners; i++) {
		uint16_t port = g->listeners[i].ml->port;
		struct proxy_port *slot = NULL;

		for (k = 0; k < PROXY_PORTS_MAX; k++) {
			if (pw->ports[k].port == port)
				break;
			if (pw->ports[k].port == 0 && slot == NULL)
				slot = &pw->ports[k];
		}
		if (k < PROXY_PORTS_MAX)
			continue;	/* served already */
		if (slot == NULL) {
			/* ctrl checks the count before it publishes */
			pw->stats.listen_failures++;
			continue;
		}
		rc = gw_tcp_listen(w, port, &proxy_down_ops, slot);
		if (rc < 0) {
			pw->stats.listen_failures++;
			GW_PROXY_LOG(ERR, "worker %u: cannot listen on port %u "
				     "(%s): %s\n", w->id, port,
				     g->listeners[i].ml->name, strerror(-rc));
			continue;
		}
		slot->pw = pw;
		slot->port = port;
		pw->n_ports++;
	}
}

void
gw_proxy_switch(struct gw_worker *w, struct proxy_gen *g)
{
	struct gw_proxy_wrk *pw = w->proxy;
	struct proxy_gen *old;

	if (pw == NULL || g == NULL || g == pw->gen)
		return;
	old = pw->gen;
	__atomic_store_n(&g->installed, 1, __ATOMIC_RELEASE);
	ports_sync(pw, g);
	pw->gen = g;
	if (old == NULL)
		return;
	old->retired = true;
	old->older = pw->retired;
	pw->retired = old;
	/* what holds the old one without a request in flight moves on now:
	 * idle upstream connections close, idle sessions rebind */
	proxy_gen_leave(pw, old);
	if (old->refs == 0) {
		gen_unlist(old);
		__atomic_store_n(&old->released, 1, __ATOMIC_RELEASE);
	}
}

void
gw_proxy_drain(struct gw_worker *w)
{
	struct gw_proxy_wrk *pw = w->proxy;

	if (pw->draining)
		return;
	pw->draining = true;
	ports_sync(pw, NULL);
	proxy_idle_close_all(pw);
	GW_PROXY_LOG(NOTICE, "worker %u: draining: %u session(s) left\n",
		     w->id, (unsigned)pw->stats.active_sessions);
}

/* ---- set-up ------------------------------------------------------------- */

static void
wrk_free(struct gw_proxy_wrk *pw)
{
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
	/* the generations are their snapshots' (gw_proxy_gen_free()) */
	free(pw->recs);
	free(pw->series);
	free(pw->ring.slots);
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

void
gw_proxy_fini(struct gw_dp *dp)
{
	proxy_dests_free(dp);
}

/* spec.telemetry: the series table always (metrics may be off, the
 * table is then unused), records and their ring when something reads
 * them (the access log, span export). */
static int
wrk_telemetry(struct gw_proxy_wrk *pw, const struct gw_config_telemetry *t)
{
	pw->metrics = t->metrics;
	pw->access_log = t->access_log_path[0] != '\0';
	pw->sampling_ppm = t->sampling_ppm;
	pw->tsc_hz = rte_get_tsc_hz();
	pw->series = calloc(GW_PROXY_SERIES_MAX, sizeof(*pw->series));
	if (pw->series == NULL)
		return -ENOMEM;
	if (!pw->access_log && t->zipkin_addr == 0)
		return 0;
	pw->recs = calloc(pw->n_sessions, sizeof(*pw->recs));
	pw->ring.slots = calloc(PROXY_RING_SLOTS, sizeof(*pw->ring.slots));
	pw->ring.mask = PROXY_RING_SLOTS - 1;
	return pw->recs != NULL && pw->ring.slots != NULL ? 0 : -ENOMEM;
}

static int
wrk_create(struct gw_worker *w, char *err, size_t errlen)
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
	if (pw->sessions == NULL || pw->idle_entries == NULL ||
	    wrk_telemetry(pw, &w->dp->cfg->telemetry) < 0)
		goto nomem;
	for (i = pw->n_sessions; i-- > 0;) {
		pw->sessions[i].next_free = pw->free;
		pw->free = &pw->sessions[i];
	}
	/* TLS state for every connection a session may hold */
	if (gw_tls_wrk_init(w, w->dp->cfg->tcp.max_conns) < 0)
		goto nomem;
	for (i = pw->n_sessions; i-- > 0;) {
		pw->idle_entries[i].pw = pw;
		gw_timer_init(&pw->idle_entries[i].timer,
			      proxy_idle_expired);
		pw->idle_entries[i].next = pw->idle_free;
		pw->idle_free = &pw->idle_entries[i];
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory for the proxy of worker %u",
		 w->id);
	return -ENOMEM;
}

int
gw_proxy_start(struct gw_dp *dp, char *err, size_t errlen)
{
	unsigned id;
	int rc;

	if (dp->proxy_dests == NULL && proxy_dests_create(dp) < 0) {
		snprintf(err, errlen, "out of memory for the telemetry "
			 "destinations");
		return -ENOMEM;
	}
	for (id = 0; id < dp->n_workers; id++) {
		rc = wrk_create(dp->workers[id], err, errlen);
		if (rc < 0)
			return rc;
	}
	GW_PROXY_LOG(INFO, "%u session(s) per worker\n",
		     dp->workers[0]->proxy->n_sessions);
	return 0;
}
