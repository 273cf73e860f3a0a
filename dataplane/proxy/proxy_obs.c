/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/proxy telemetry: what one request (or passthrough connection)
 * leaves behind when it ends: its Istio metric series (this worker's
 * table, gw_proxy.h) and, when access logging or span export is on, its
 * access log record, queued on the worker's ring for ctrl. Workers never
 * wait: a full ring counts a drop. The destination registry that names a
 * series' cluster is ctrl's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "proxy_priv.h"

/* ---- the per-worker series table ----------------------------------------- */

static inline uint32_t
series_hash(uint64_t key)
{
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ull;
	key ^= key >> 32;
	return (uint32_t)key;
}

/* How far a lookup probes before it calls the table full. */
#define SERIES_PROBES 64

/* The slot of key, taken now if it is new; NULL when the table is full. */
static struct gw_proxy_series *
series_get(struct gw_proxy_wrk *pw, uint64_t key)
{
	uint32_t i = series_hash(key), k;

	for (k = 0; k < SERIES_PROBES; k++, i++) {
		struct gw_proxy_series *e =
			&pw->series[i & (GW_PROXY_SERIES_MAX - 1)];

		if (e->key == key)
			return e;
		if (e->key == 0) {
			/* its counters are zero: publish the key */
			__atomic_store_n(&e->key, key, __ATOMIC_RELEASE);
			return e;
		}
	}
	pw->series_overflow++;
	return NULL;
}

const struct gw_proxy_series *
gw_proxy_series(const struct gw_worker *w, uint64_t *overflow)
{
	const struct gw_proxy_wrk *pw = w->proxy;

	if (pw == NULL)
		return NULL;
	*overflow = __atomic_load_n(&pw->series_overflow, __ATOMIC_RELAXED);
	return pw->series;
}

static inline void
hist_add(uint64_t *h, uint64_t x2)
{
	h[gw_metrics_bucket(gw_metrics_envoy_bounds_x2,
			    GW_METRICS_ENVOY_BUCKETS, x2)]++;
}

/* ---- requests ------------------------------------------------------------ */

static inline struct gw_alog_rec *
sess_rec(struct proxy_sess *s)
{
	struct gw_proxy_wrk *pw = s->pw;

	return pw->recs != NULL ? &pw->recs[s - pw->sessions] : NULL;
}

void
proxy_obs_begin(struct proxy_sess *s)
{
	struct proxy_obs *o = &s->ob;
	struct gw_alog_rec *r = sess_rec(s);

	memset(o, 0, sizeof(*o));
	o->open = true;
	o->t0 = rte_rdtsc();
	o->grpc = GW_SERIES_GRPC_NONE;
	if (r != NULL)
		gw_alog_rec_clear_str(r);
}

void
proxy_obs_set(struct proxy_sess *s, enum gw_alog_str k, const char *v,
	      size_t len)
{
	struct gw_alog_rec *r = sess_rec(s);

	if (r != NULL && len > 0)
		gw_alog_rec_set(r, k, v, len);
}

void
proxy_obs_dest(struct proxy_sess *s, uint32_t cluster)
{
	const struct proxy_cluster *pc;

	if (cluster >= s->gen->n_clusters)
		return;
	pc = &s->gen->clusters[cluster];
	s->ob.dest = pc->obs_dest;
	proxy_obs_set(s, GW_ALOG_S_CLUSTER, pc->mc->name,
		      strlen(pc->mc->name));
}

/* The series of a request that ends with o. */
static void
series_http(struct gw_proxy_wrk *pw, const struct proxy_obs *o,
	    uint64_t dur_tsc)
{
	struct gw_proxy_series *e;
	uint64_t us = dur_tsc * 1000000ull / pw->tsc_hz;

	e = series_get(pw, gw_series_key(o->dest, o->is_grpc ? GW_SERIES_GRPC :
					 GW_SERIES_HTTP, o->status, o->grpc,
					 o->flags));
	if (e == NULL)
		return;
	e->requests++;
	e->dur_sum_us += us;
	/* half milliseconds: the first bound is 0.5 ms */
	hist_add(e->dur, us / 500 + (us % 500 != 0));
	e->rq_bytes_sum += o->rx;
	hist_add(e->rq_bytes, 2 * o->rx);
	e->rs_bytes_sum += o->tx;
	hist_add(e->rs_bytes, 2 * o->tx);
}

/* Queue r on the worker's ring for ctrl, or count it dropped. */
static void
ring_push(struct gw_proxy_wrk *pw, const struct gw_alog_rec *r)
{
	struct proxy_ring *q = &pw->ring;
	uint32_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

	if (q->head - tail > q->mask) {
		pw->stats.access_log_dropped++;
		return;
	}
	memcpy(&q->slots[q->head & q->mask], r, gw_alog_rec_size(r));
	__atomic_store_n(&q->head, q->head + 1, __ATOMIC_RELEASE);
}

static void
rec_finish(struct proxy_sess *s, struct gw_alog_rec *r, uint64_t now)
{
	const struct proxy_obs *o = &s->ob;

	r->start_tsc = o->t0;
	r->duration_tsc = now - o->t0;
	r->upstream_tsc = o->up_tsc;
	r->bytes_rx = o->rx;
	r->bytes_tx = o->tx;
	r->flags = o->flags;
	r->status = o->status;
	r->details = o->details;
	r->proto = s->l4 ? GW_ALOG_TCP :
		   o->http10 ? GW_ALOG_HTTP10 : GW_ALOG_HTTP11;
	r->trace = o->trace;
	r->trace_hi = o->trace_hi;
	r->trace_lo = o->trace_lo;
	r->span_id = o->span;
	r->parent_id = o->parent;
	r->down_remote_ip = s->peer_ip;
	r->down_remote_port = s->peer_port;
	r->down_local_ip = s->local_ip;
	r->down_local_port = s->local_port;
	r->up_ip = o->up_ip;
	r->up_port = o->up_port;
	r->up_local_ip = o->up_local_ip;
	r->up_local_port = o->up_local_port;
	r->worker = (uint8_t)s->pw->w->id;
}

void
proxy_obs_end(struct proxy_sess *s)
{
	struct gw_proxy_wrk *pw = s->pw;
	struct proxy_obs *o = &s->ob;
	struct gw_alog_rec *r;
	uint64_t now;

	if (!o->open)
		return;
	o->open = false;
	now = rte_rdtsc();
	if (s->l4) {
		if (o->tcp != NULL)
			o->tcp->tcp_closed++;
		o->tcp = NULL;
	} else if (pw->metrics) {
		series_http(pw, o, now - o->t0);
	}
	r = sess_rec(s);
	if (r == NULL || (!pw->access_log && o->trace != GW_ALOG_TRACE_SAMPLED))
		return;
	rec_finish(s, r, now);
	ring_push(pw, r);
}

void
proxy_obs_gone(struct proxy_sess *s)
{
	if (!s->ob.open)
		return;
	/* the connections went before the exchange ended: a tunnel's end,
	 * or a cut (the client's, unless the upstream's, a timeout's or a
	 * protocol error was noted) */
	if (!s->l4 && s->req != REQ_TUNNEL &&
	    !(s->ob.flags & (GW_ALOG_F(UC) | GW_ALOG_F(UR) | GW_ALOG_F(UT) |
			     GW_ALOG_F(SI) | GW_ALOG_F(UPE) | GW_ALOG_F(DPE))))
		proxy_obs_flag(s, GW_ALOG_F(DC), GW_ALOG_D_DOWNSTREAM_RESET);
	proxy_obs_end(s);
}

/* ---- passthrough connections ----------------------------------------------- */

void
proxy_obs_tcp_open(struct proxy_sess *s)
{
	struct proxy_obs *o = &s->ob;

	if (!s->pw->metrics)
		return;
	o->tcp = series_get(s->pw, gw_series_key(o->dest, GW_SERIES_TCP, 0,
						 GW_SERIES_GRPC_NONE, 0));
	if (o->tcp != NULL)
		o->tcp->tcp_opened++;
}

/* ---- the access log ring (ctrl) --------------------------------------------- */

unsigned
gw_proxy_log_drain(struct gw_worker *w,
		   void (*fn)(void *arg, const struct gw_alog_rec *r),
		   void *arg, unsigned max)
{
	struct gw_proxy_wrk *pw = w->proxy;
	struct proxy_ring *q;
	uint32_t head, tail;
	unsigned n = 0;

	if (pw == NULL || pw->ring.slots == NULL)
		return 0;
	q = &pw->ring;
	head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	tail = q->tail;
	while (tail != head && n < max) {
		fn(arg, &q->slots[tail & q->mask]);
		tail++;
		n++;
		/* give the slot back now: the worker may fill it again */
		__atomic_store_n(&q->tail, tail, __ATOMIC_RELEASE);
	}
	return n;
}

/* ---- the destination registry (ctrl) ------------------------------------------ */

#define DESTS_INDEX (2 * GW_PROXY_DESTS_MAX)

struct gw_proxy_dests {
	uint32_t n;			/* entry 0 is "unknown" */
	uint16_t index[DESTS_INDEX];	/* open addressing by name; 0 free */
	struct gw_proxy_dest d[GW_PROXY_DESTS_MAX];
};

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void
dest_fill(struct gw_proxy_dest *d, const struct gw_mesh_cluster *mc)
{
	const char *dot = strchr(mc->host, '.');
	const char *svc = strstr(mc->host, ".svc.");

	snprintf(d->cluster, sizeof(d->cluster), "%s", mc->name);
	snprintf(d->service, sizeof(d->service), "%s", mc->host);
	/* name.namespace.svc.<domain>: Kubernetes' own names; any other
	 * host is its ServiceEntry's, in its namespace */
	if (dot != NULL && svc != NULL && svc > dot) {
		snprintf(d->name, sizeof(d->name), "%.*s",
			 (int)(dot - mc->host), mc->host);
		snprintf(d->ns, sizeof(d->ns), "%.*s", (int)(svc - dot - 1),
			 dot + 1);
	} else {
		snprintf(d->name, sizeof(d->name), "%s", mc->host);
		snprintf(d->ns, sizeof(d->ns), "%s",
			 mc->ns != NULL ? mc->ns : "unknown");
	}
	snprintf(d->app, sizeof(d->app), "%s",
		 mc->app != NULL && mc->app[0] != '\0' ? mc->app : "unknown");
	snprintf(d->version, sizeof(d->version), "%s",
		 mc->version != NULL && mc->version[0] != '\0' ? mc->version :
								 "unknown");
}

/* The id of mc's destination, added when new; 0 when the registry is
 * full. */
static uint16_t
dest_intern(struct gw_proxy_dests *ds, const struct gw_mesh_cluster *mc)
{
	uint32_t i = name_hash(mc->name), k;

	for (k = 0; k < DESTS_INDEX; k++, i++) {
		uint16_t *slot = &ds->index[i % DESTS_INDEX];

		if (*slot == 0)
			break;
		if (strcmp(ds->d[*slot].cluster, mc->name) == 0)
			return *slot;
	}
	if (ds->n >= GW_PROXY_DESTS_MAX || k == DESTS_INDEX)
		return 0;
	dest_fill(&ds->d[ds->n], mc);
	ds->index[i % DESTS_INDEX] = (uint16_t)ds->n;
	return (uint16_t)ds->n++;
}

uint16_t
proxy_dest_id(struct gw_dp *dp, const struct gw_mesh_cluster *mc)
{
	return dp->proxy_dests != NULL ? dest_intern(dp->proxy_dests, mc) : 0;
}

const struct gw_proxy_dest *
gw_proxy_dest(const struct gw_dp *dp, uint16_t id)
{
	const struct gw_proxy_dests *ds = dp->proxy_dests;

	if (ds == NULL || id >= ds->n)
		return NULL;
	return &ds->d[id];
}

int
proxy_dests_create(struct gw_dp *dp)
{
	struct gw_proxy_dests *ds = calloc(1, sizeof(*ds));
	struct gw_proxy_dest *u;

	if (ds == NULL)
		return -ENOMEM;
	u = &ds->d[0];
	snprintf(u->cluster, sizeof(u->cluster), "unknown");
	snprintf(u->service, sizeof(u->service), "unknown");
	snprintf(u->name, sizeof(u->name), "unknown");
	snprintf(u->ns, sizeof(u->ns), "unknown");
	snprintf(u->version, sizeof(u->version), "unknown");
	snprintf(u->app, sizeof(u->app), "unknown");
	ds->n = 1;
	dp->proxy_dests = ds;
	return 0;
}

void
proxy_dests_free(struct gw_dp *dp)
{
	free(dp->proxy_dests);
	dp->proxy_dests = NULL;
}
