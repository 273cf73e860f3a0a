/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/proxy sessions: the TCP callbacks of the downstream and
 * upstream connections (set up in proxy_setup.c), which all end in
 * sess_drive(): it moves bytes through the session's phases until nothing
 * more can move.
 *
 *   down data → in ─parse─▶ REQ_HEAD ─route─▶ upq ─▶ up
 *                           REQ_BODY ─bytes─▶ upq
 *   up data   → rin ─parse─▶ RESP_HEAD ─rewrite─▶ downq ─▶ down
 *                            RESP_BODY ─bytes─▶ downq
 *
 * A direction takes bytes out of its input (and reopens that
 * connection's window with gw_tcp_recv_done()) only while the queue
 * toward the other side holds less than PROXY_QUEUE_MAX: back-pressure
 * runs end to end through the two TCP windows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "proxy_priv.h"

RTE_LOG_REGISTER_SUFFIX(gw_proxy_logtype, proxy, INFO);

static void sess_drive(struct proxy_sess *s);
static void sess_timer_fire(struct gw_timer *t, void *arg);
static void sess_timer_arm(struct proxy_sess *s);
static void pending_unlink(struct proxy_sess *s);

/* ---- sessions ----------------------------------------------------------- */

static struct proxy_sess *
sess_get(struct gw_proxy_wrk *pw)
{
	struct proxy_sess *s = pw->free;

	if (s == NULL)
		return NULL;
	pw->free = s->next_free;
	memset(s, 0, offsetof(struct proxy_sess, p));
	s->pw = pw;
	gw_timer_init(&s->timer, sess_timer_fire);
	s->t_active = pw->now_ms;
	s->endpoint = -1;
	s->cluster = GW_MESH_NO_CLUSTER;
	pw->stats.active_sessions++;
	return s;
}

static void
sess_put(struct proxy_sess *s)
{
	struct gw_proxy_wrk *pw = s->pw;

	proxy_obs_gone(s);
	gw_timer_stop(&s->timer);
	pending_unlink(s);
	proxy_retry_release(s);
	chain_free(&s->replay);
	chain_free(&s->in);
	chain_free(&s->rin);
	chain_free(&s->upq);
	chain_free(&s->downq);
	s->next_free = pw->free;
	pw->free = s;
	pw->stats.active_sessions--;
	if (s->gen != NULL)
		proxy_gen_unref(s->gen);
	s->gen = NULL;
}

/* Both connections are gone: the session goes back to the pool. */
static void
sess_maybe_free(struct proxy_sess *s)
{
	if (s->down == NULL && s->up == NULL)
		sess_put(s);
}

/* ---- upstream ------------------------------------------------------------ */

static void up_connected(struct gw_tcp_conn *c, int err);
static void up_data(struct gw_tcp_conn *c, struct rte_mbuf *m);
static void up_writable(struct gw_tcp_conn *c);
static void up_eof(struct gw_tcp_conn *c);
static void up_closed(struct gw_tcp_conn *c, int err);

static const struct gw_tcp_app_ops up_ops = {
	.connected = up_connected,
	.data = up_data,
	.writable = up_writable,
	.eof = up_eof,
	.closed = up_closed,
};

/* ---- idle upstream connections (keep-alive reuse) ----------------------- */

static void
idle_unlink(struct gw_proxy_wrk *pw, struct proxy_idle *e)
{
	struct proxy_cluster *pc = &e->gen->clusters[e->cluster];

	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		pc->idle[e->endpoint] = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	gw_timer_stop(&e->timer);
	pc->n_idle--;
	e->c = NULL;
	e->prev = NULL;
	e->next = pw->idle_free;
	pw->idle_free = e;
	proxy_gen_unref(e->gen);	/* last: the generation may go */
	e->gen = NULL;
}

/*
 * Keep s->up for the next request to its endpoint, when the exchange
 * ended cleanly: the whole request went out, the whole response came back
 * delimited (not by the close), the upstream keeps the connection, and
 * maxRequestsPerConnection allows another. Never after an error or a
 * half-read response (callers only come here from a finished exchange).
 */
static bool
idle_put(struct proxy_sess *s)
{
	struct gw_proxy_wrk *pw = s->pw;
	struct proxy_cluster *pc;
	struct proxy_idle *e = pw->idle_free;

	/* a retired generation's pool is never drawn from again: the
	 * connection would only hold the old configuration alive */
	if (e == NULL || s->up == NULL || !s->up_connected || s->up_eof ||
	    s->gen->retired ||
	    s->endpoint < 0 || s->cluster >= s->gen->n_clusters ||
	    s->upq.len != 0 || s->rin.len != 0 ||
	    !gw_http_parser_done(&s->p) || s->in_body != 0 ||
	    !(s->rp.msg.flags & GW_HTTP_F_KEEP_ALIVE) ||
	    s->rp.msg.body == GW_HTTP_BODY_EOF)
		return false;
	pc = &s->gen->clusters[s->cluster];
	if (s->up_requests >= pc->mc->max_requests_per_conn)
		return false;
	pw->idle_free = e->next;
	e->gen = s->gen;
	proxy_gen_ref(e->gen);
	e->c = s->up;
	e->cluster = s->cluster;
	e->endpoint = (uint32_t)s->endpoint;
	e->requests = s->up_requests;
	gw_timer_start(&pw->wheel, &e->timer,
		       pw->now_ms + pc->mc->idle_timeout_ms);
	e->prev = NULL;
	e->next = pc->idle[e->endpoint];
	if (e->next != NULL)
		e->next->prev = e;
	pc->idle[e->endpoint] = e;
	pc->n_idle++;
	gw_tcp_ctx_set(s->up, (void *)((uintptr_t)e | PROXY_IDLE_TAG));
	if (pc->active[s->endpoint] > 0)
		pc->active[s->endpoint]--;
	s->up = NULL;
	s->endpoint = -1;
	return true;
}

/* The most recently idle connection to endpoint idx; NULL when none.
 * Those past the idle timeout are gone already (idle_expired()). */
static struct gw_tcp_conn *
idle_get(struct gw_proxy_wrk *pw, struct proxy_gen *g, uint32_t cluster,
	 int idx, uint32_t *requests)
{
	struct proxy_idle *e = g->clusters[cluster].idle[idx];
	struct gw_tcp_conn *c;

	if (e == NULL)
		return NULL;
	c = e->c;
	*requests = e->requests;
	idle_unlink(pw, e);
	return c;
}

/* An upstream connection to endpoint ep goes away: its cluster has room
 * for another. */
static void
slot_release(struct proxy_gen *g, uint32_t cluster, int ep)
{
	struct proxy_cluster *pc;

	if (g == NULL || cluster >= g->n_clusters)
		return;
	pc = &g->clusters[cluster];
	if (pc->conns > 0)
		pc->conns--;
	if (ep >= 0 && pc->ep[ep].cx_active > 0)
		pc->ep[ep].cx_active--;
}

/* Take an idle connection out of the pool for good; its callbacks find
 * no owner from now on. @return the connection. */
static struct gw_tcp_conn *
idle_forget(struct gw_proxy_wrk *pw, struct proxy_idle *e)
{
	struct gw_tcp_conn *c = e->c;
	/* the slot first: unlinking drops the generation's reference */
	slot_release(e->gen, e->cluster, (int)e->endpoint);
	idle_unlink(pw, e);
	pw->stats.upstream_cx_idle_closed++;
	gw_tcp_ctx_set(c, NULL);
	return c;
}

/* Close an idle connection (FIN, or RST when abort). */
static void
idle_close(struct gw_proxy_wrk *pw, struct proxy_idle *e, bool abort)
{
	struct gw_tcp_conn *c = idle_forget(pw, e);

	if (abort)
		gw_tcp_abort(c);
	else
		gw_tcp_shutdown(c);
}

/* DestinationRule http.idleTimeout: an idle connection is closed. */
void
proxy_idle_expired(struct gw_timer *t, void *arg)
{
	idle_close(arg, container_of(t, struct proxy_idle, timer), false);
}

/* The cluster is at its limit: an idle connection to another endpoint
 * makes room for the one a request needs. */
static void
idle_close_any(struct gw_proxy_wrk *pw, struct proxy_cluster *pc)
{
	uint32_t i;

	for (i = 0; i < pc->mc->n_endpoints; i++) {
		if (pc->idle[i] != NULL) {
			idle_close(pw, pc->idle[i], false);
			return;
		}
	}
}

/* The session of an upstream connection; NULL for a detached one. An
 * idle one is unlinked and closed when close_idle (it spoke out of turn,
 * or it is going away). */
static struct proxy_sess *
up_sess(struct gw_tcp_conn *c, bool close_idle, bool abort)
{
	uintptr_t ctx = (uintptr_t)gw_tcp_ctx(c);
	struct proxy_idle *e;

	if (!(ctx & PROXY_IDLE_TAG))
		return (struct proxy_sess *)ctx;
	if (!close_idle)
		return NULL;
	e = (struct proxy_idle *)(ctx & ~PROXY_IDLE_TAG);
	if (abort)
		idle_close(e->pw, e, true);
	else
		(void)idle_forget(e->pw, e);	/* it is closing already */
	return NULL;
}

/*
 * Let go of the upstream connection: its callbacks find no session from
 * now on and it closes by itself (FIN, or RST when abort).
 */
void
proxy_up_detach(struct proxy_sess *s, bool abort)
{
	struct gw_tcp_conn *up = s->up;

	s->dl_connect = 0;
	pending_unlink(s);
	if (up == NULL)
		return;
	slot_release(s->gen, s->cluster, s->endpoint);
	s->up = NULL;
	gw_tcp_ctx_set(up, NULL);
	if (s->endpoint >= 0 && s->cluster < s->gen->n_clusters &&
	    s->gen->clusters[s->cluster].active[s->endpoint] > 0)
		s->gen->clusters[s->cluster].active[s->endpoint]--;
	s->endpoint = -1;
	chain_free(&s->upq);
	if (abort || !s->up_connected)
		gw_tcp_abort(up);	/* closed() finds no session */
	else
		gw_tcp_shutdown(up);
}

/* ---- the pending queue (maxConnections reached) ------------------------ */

/* Queue s until a connection of the cluster comes free; its request head
 * waits in upq, its body up to the queue's limit. */
static void
pending_add(struct proxy_sess *s, uint32_t cluster)
{
	struct gw_proxy_wrk *pw = s->pw;
	struct proxy_cluster *pc = &s->gen->clusters[cluster];

	pw->stats.upstream_cx_overflow++;
	s->cluster = cluster;
	s->endpoint = -1;
	s->resp = RESP_HEAD;	/* in flight: the request timeouts run */
	s->pending = true;
	s->pend_next = NULL;
	s->pend_prev = pc->pend_tail;
	if (pc->pend_tail != NULL)
		pc->pend_tail->pend_next = s;
	else
		pc->pend_head = s;
	pc->pend_tail = s;
	pc->n_pending++;
	s->gen->n_pending++;
	pw->n_pending++;
	pw->stats.upstream_rq_pending_active++;
}

static void
pending_unlink(struct proxy_sess *s)
{
	struct gw_proxy_wrk *pw = s->pw;
	struct proxy_cluster *pc;

	if (!s->pending)
		return;
	pc = &s->gen->clusters[s->cluster];
	if (s->pend_prev != NULL)
		s->pend_prev->pend_next = s->pend_next;
	else
		pc->pend_head = s->pend_next;
	if (s->pend_next != NULL)
		s->pend_next->pend_prev = s->pend_prev;
	else
		pc->pend_tail = s->pend_prev;
	s->pend_next = NULL;
	s->pend_prev = NULL;
	s->pending = false;
	pc->n_pending--;
	s->gen->n_pending--;
	pw->n_pending--;
	pw->stats.upstream_rq_pending_active--;
}

/*
 * Give queued requests the connections that came free, first come first
 * served. From the worker loop, not from the callback that freed the
 * connection: no session is driven from inside another's.
 */
static void
pending_gen_run(struct proxy_gen *g)
{
	uint32_t i;

	for (i = 0; i < g->n_clusters && g->n_pending > 0; i++) {
		struct proxy_cluster *pc = &g->clusters[i];

		while (pc->pend_head != NULL &&
		       (pc->conns < pc->max_conns || pc->n_idle > 0)) {
			struct proxy_sess *s = pc->pend_head;

			pending_unlink(s);
			proxy_connect_upstream(s, i);
			sess_drive(s);
		}
	}
}

/* The current generation's queues, then those of older ones (sessions
 * queued before a change wait in their own clusters). */
static void
pending_run(struct gw_proxy_wrk *pw)
{
	struct proxy_gen *g;

	pending_gen_run(pw->gen);
	for (g = pw->retired; g != NULL && pw->n_pending > 0; g = g->older)
		if (g->n_pending > 0)
			pending_gen_run(g);
}

/*
 * The cluster's health or balancer changed: take the new balancer and
 * recompute what picks may use. Idle connections to endpoints the
 * operator took out (drain, maint) are closed; the rest stay.
 */
static void
cluster_refresh(struct gw_proxy_wrk *pw, struct proxy_cluster *pc,
		uint32_t gen)
{
	const struct gw_lb *lb = gw_health_lb(pc->hc);
	uint32_t i;

	pc->gen = gen;
	if (lb != pc->lb) {
		/* a weight changed: same endpoints, same state size */
		pc->lb = lb;
		if (lb != NULL)
			gw_lb_state_init(lb, pc->lb_state, proxy_rand(pw));
	}
	(void)gw_health_avail(pc->hc, pc->avail_buf, &pc->avail, &pc->panic);
	for (i = 0; i < pc->mc->n_endpoints; i++)
		while (pc->idle[i] != NULL &&
		       (__atomic_load_n(&pc->hc->eps[i].flags,
					__ATOMIC_RELAXED) & GW_HEALTH_F_ADMIN))
			idle_close(pw, pc->idle[i], false);
}

/* Pick an endpoint, avoiding those this request already tried. */
static int
endpoint_pick(struct proxy_sess *s, struct proxy_cluster *pc)
{
	struct gw_lb_pick_ctx ctx = { 0 };
	uint32_t gen = gw_health_gen(pc->hc);
	int idx = -EHOSTUNREACH, k;

	if (gen != pc->gen)
		cluster_refresh(s->pw, pc, gen);
	if (pc->lb == NULL)
		return -EHOSTUNREACH;
	ctx.active = pc->active;
	ctx.avail = pc->avail;
	for (k = 0; k < PROXY_RETRY_PICKS; k++) {
		idx = gw_lb_pick(pc->lb, pc->lb_state, &ctx);
		if (idx < 0 || !(s->tried & (UINT64_C(1) << (idx % 64))))
			break;
	}
	if (idx >= 0 && pc->panic)
		s->pw->stats.upstream_rq_panic++;
	return idx;
}

void
proxy_connect_upstream(struct proxy_sess *s, uint32_t cluster)
{
	struct gw_proxy_wrk *pw = s->pw;
	struct proxy_cluster *pc = &s->gen->clusters[cluster];
	const struct gw_mesh_cluster *mc = pc->mc;
	const struct gw_mesh_endpoint *ep;
	struct gw_tcp_conn *up;
	uint32_t reqs = 0;
	int idx, port, err = 0;

	s->cluster = cluster;
	idx = endpoint_pick(s, pc);
	if (idx < 0) {
		pw->stats.no_healthy_upstream++;
		proxy_obs_flag(s, GW_ALOG_F(UH), GW_ALOG_D_NO_HEALTHY_UPSTREAM);
		proxy_local_reply(s, 503, "no healthy upstream", true);
		return;
	}
	ep = &mc->endpoints[idx];
	/* a tunnel takes a connection of its own (and never gives it back) */
	up = s->l4 ? NULL : idle_get(pw, s->gen, cluster, idx, &reqs);
	if (up != NULL) {
		/* a kept-alive connection to the same endpoint */
		pw->stats.upstream_cx_reuse++;
		gw_tcp_ctx_set(up, s);
		s->up = up;
		s->up_connected = true;
		s->up_eof = false;
		s->up_requests = reqs + 1;
		goto attached;
	}
	if (pc->conns >= pc->max_conns) {
		if (pc->n_idle > 0) {
			idle_close_any(pw, pc);
		} else if (pc->n_pending >= pc->max_pending) {
			pw->stats.upstream_rq_pending_overflow++;
			proxy_obs_flag(s, GW_ALOG_F(UO), GW_ALOG_D_OVERFLOW);
			proxy_local_reply(s, 503, "upstream connect error or "
					  "disconnect/reset before headers. "
					  "reset reason: overflow", true);
			return;
		} else {
			pending_add(s, cluster);
			return;
		}
	}
	port = gw_dp_port_toward(pw->w->dp, ep->addr);
	if (port >= 0)
		up = gw_tcp_connect(pw->w, (uint16_t)port, ep->addr, ep->port,
				    &up_ops, s, &err);
	else
		up = NULL;
	/* DestinationRule tls: connected() comes after the handshake (a
	 * tunnel's bytes are TLS already: passed as they are) */
	if (up != NULL && pc->tls != NULL && !s->l4 &&
	    gw_tls_client_attach(up, pc->tls) < 0) {
		gw_tcp_ctx_set(up, NULL);
		gw_tcp_abort(up);	/* its connected() finds no session */
		up = NULL;
	}
	if (up == NULL) {
		pw->stats.upstream_cx_fail++;
		s->endpoint = idx;
		proxy_outcome(s, 503);
		s->endpoint = -1;
		s->tried |= UINT64_C(1) << (idx % 64);
		if (proxy_retry(s, FAIL_CONNECT, 503, true))
			return;
		proxy_obs_flag(s, GW_ALOG_F(UF), GW_ALOG_D_CONNECT_FAILURE);
		proxy_local_reply(s, 503, "upstream connect error or "
				  "disconnect/reset before headers. reset "
				  "reason: connection failure", true);
		return;
	}
	pw->stats.upstream_cx++;
	pc->conns++;
	pc->ep[idx].cx_total++;
	pc->ep[idx].cx_active++;
	s->up = up;
	s->up_connected = false;
	s->up_eof = false;
	s->up_requests = 1;
	s->dl_connect = pw->now_ms + mc->connect_timeout_ms;
attached:
	s->cluster = cluster;
	s->endpoint = idx;
	if (pw->recs != NULL) {
		s->ob.up_ip = ep->addr;
		s->ob.up_port = ep->port;
		gw_tcp_local(up, &s->ob.up_local_ip, &s->ob.up_local_port);
	}
	s->tried |= UINT64_C(1) << (idx % 64);
	s->dl_try = 0;
	pc->active[idx]++;
	if (s->l4) {
		/* TLS passthrough: the ClientHello in `in` goes up first */
		s->req = REQ_TUNNEL;
		s->resp = RESP_TUNNEL;
		proxy_obs_tcp_open(s);
		return;
	}
	s->resp = RESP_HEAD;
	s->rin_fed = 0;
	s->rin_body = 0;
	gw_http_parser_init(&s->rp, NULL, GW_HTTP_RESPONSE, s->req_method,
			    s->rhdrs, PROXY_MAX_HDRS);
}

/* The upstream connection is gone (closed, or its connect failed). */
void
proxy_up_forget(struct proxy_sess *s)
{
	if (s->up != NULL)
		slot_release(s->gen, s->cluster, s->endpoint);
	s->up = NULL;
	s->dl_connect = 0;
	if (s->endpoint >= 0 && s->gen->clusters[s->cluster].active[s->endpoint])
		s->gen->clusters[s->cluster].active[s->endpoint]--;
	s->endpoint = -1;
	chain_free(&s->upq);
}

/*
 * The upstream went away in the middle of an exchange: before any
 * response byte the client gets a 503 (in Envoy's words), after some it
 * is reset, since a half response cannot be completed.
 * @return false when the client connection was aborted (the session may
 *   be gone), true otherwise.
 */
static bool
up_lost(struct proxy_sess *s, const char *why)
{
	char msg[128];

	if (!s->resp_started) {
		s->resp = RESP_IDLE;
		snprintf(msg, sizeof(msg), "upstream connect error or "
			 "disconnect/reset before headers. reset reason: %s",
			 why);
		proxy_local_reply(s, 503, msg, true);
		sess_drive(s);
		return true;
	}
	if (s->down != NULL) {
		gw_tcp_abort(s->down); /* closed() frees the session */
		return false;
	}
	return true;
}

static void
up_connected(struct gw_tcp_conn *c, int err)
{
	struct proxy_sess *s = up_sess(c, false, false);

	if (s == NULL)
		return;
	s->dl_connect = 0;
	s->t_active = s->pw->now_ms;
	if (err != 0) {
		/* the last callback of this connection */
		s->pw->stats.upstream_cx_fail++;
		proxy_outcome(s, 503);
		if (proxy_retry(s, FAIL_CONNECT, 503, true)) {
			sess_timer_arm(s);
			return;
		}
		proxy_obs_flag(s, GW_ALOG_F(UF), GW_ALOG_D_CONNECT_FAILURE);
		proxy_up_forget(s);
		if (up_lost(s, "connection failure"))
			sess_maybe_free(s);
		return;
	}
	s->up_connected = true;
	sess_drive(s);
}

static void
up_data(struct gw_tcp_conn *c, struct rte_mbuf *m)
{
	/* an idle connection has nothing to say: drop it */
	struct proxy_sess *s = up_sess(c, true, true);

	if (s == NULL) {
		/* a detached (or just aborted idle) connection: forget it */
		rte_pktmbuf_free(m);
		return;
	}
	s->t_active = s->pw->now_ms;
	chain_append(&s->rin, m);
	sess_drive(s);
}

static void
up_writable(struct gw_tcp_conn *c)
{
	struct proxy_sess *s = up_sess(c, false, false);

	if (s != NULL) {
		s->t_active = s->pw->now_ms;
		sess_drive(s);
	}
}

static void
up_eof(struct gw_tcp_conn *c)
{
	struct proxy_sess *s = up_sess(c, true, false);

	if (s == NULL) {
		gw_tcp_shutdown(c);
		return;
	}
	s->up_eof = true;
	if (s->resp == RESP_TUNNEL) {
		/* half-close: the client gets its FIN after what is queued */
		sess_drive(s);
		return;
	}
	if (s->resp == RESP_BODY &&
	    s->rp.msg.body == GW_HTTP_BODY_EOF) {
		/* the response ends with the connection */
		sess_drive(s);
		if (s->rin.len == s->rin_body)
			(void)gw_http_parse_eof(&s->rp);
		sess_drive(s);
		return;
	}
	if (s->resp == RESP_HEAD || s->resp == RESP_BODY) {
		s->pw->stats.upstream_reset++;
		proxy_obs_flag(s, GW_ALOG_F(UC), s->resp == RESP_HEAD ?
			       GW_ALOG_D_UPSTREAM_RESET :
			       GW_ALOG_D_UPSTREAM_RESET_AFTER);
		if (s->resp == RESP_HEAD) {
			/* no answer at all: Envoy counts it a 503 */
			proxy_outcome(s, 503);
			if (proxy_retry(s, FAIL_RESET, 503, false)) {
				sess_timer_arm(s);
				return;
			}
		}
		proxy_up_detach(s, false);
		if (up_lost(s, "connection termination"))
			sess_maybe_free(s);
	}
}

static void
up_closed(struct gw_tcp_conn *c, int err)
{
	struct proxy_sess *s = up_sess(c, true, false);

	if (s == NULL)
		return;
	if (s->resp == RESP_HEAD) {
		proxy_outcome(s, 503);
		if (proxy_retry(s, FAIL_RESET, 503, true)) {
			s->pw->stats.upstream_reset++;
			sess_timer_arm(s);
			return;
		}
	}
	proxy_up_forget(s);
	if (s->resp == RESP_TUNNEL) {
		if (err != 0 && s->down != NULL) {
			proxy_obs_flag(s, GW_ALOG_F(UR), GW_ALOG_D_NONE);
			gw_tcp_abort(s->down);	/* frees the session */
			return;
		}
		sess_drive(s);	/* the rest goes down, then a FIN */
		sess_maybe_free(s);
		return;
	}
	if (s->resp == RESP_HEAD || s->resp == RESP_BODY) {
		s->pw->stats.upstream_reset++;
		proxy_obs_flag(s, err != 0 ? GW_ALOG_F(UR) : GW_ALOG_F(UC),
			       s->resp == RESP_HEAD ?
			       GW_ALOG_D_UPSTREAM_RESET :
			       GW_ALOG_D_UPSTREAM_RESET_AFTER);
		if (!up_lost(s, "connection termination"))
			return;
	}
	sess_maybe_free(s);
}

/* ---- downstream ---------------------------------------------------------- */

static int down_accepted(struct gw_tcp_conn *c, void *listen_ctx);
static void down_data(struct gw_tcp_conn *c, struct rte_mbuf *m);
static void down_writable(struct gw_tcp_conn *c);
static void down_eof(struct gw_tcp_conn *c);
static void down_closed(struct gw_tcp_conn *c, int err);

const struct gw_tcp_app_ops proxy_down_ops = {
	.accepted = down_accepted,
	.data = down_data,
	.writable = down_writable,
	.eof = down_eof,
	.closed = down_closed,
};

static int
down_accepted(struct gw_tcp_conn *c, void *listen_ctx)
{
	struct proxy_port *pp = listen_ctx;
	struct gw_proxy_wrk *pw = pp->pw;
	struct proxy_listener *lis = proxy_listener_find(pw->gen, pp->port);
	struct proxy_sess *s;

	if (lis == NULL)
		return -ECONNREFUSED;	/* the port left the configuration */
	s = sess_get(pw);
	if (s == NULL) {
		pw->stats.downstream_cx_overflow++;
		return -ENOBUFS;
	}
	/* HTTPS: the session sees plaintext once the handshake is done */
	if (lis->tls != NULL && gw_tls_server_attach(c, lis->tls) < 0) {
		sess_put(s);
		pw->stats.downstream_cx_overflow++;
		return -ENOBUFS;
	}
	pw->stats.downstream_cx++;
	s->down = c;
	gw_tcp_peer(c, &s->peer_ip, &s->peer_port);
	gw_tcp_local(c, &s->local_ip, &s->local_port);
	s->gen = pw->gen;
	proxy_gen_ref(s->gen);
	s->lis = lis;
	if (lis->ml->protocol == GW_MESH_PROTO_TLS) {
		/* the ClientHello must be whole within the request head
		 * timeout, from the accept */
		s->l4 = true;
		s->req = REQ_SNI;
		s->head_seen = true;
		s->t_head = pw->now_ms;
		proxy_obs_begin(s);
	}
	gw_http_parser_init(&s->p, NULL, GW_HTTP_REQUEST, GW_HTTP_M_OTHER,
			    s->hdrs, PROXY_MAX_HDRS);
	gw_tcp_ctx_set(c, s);
	if (lis->ml->protocol == GW_MESH_PROTO_TCP) {
		/* routed and connected now (server-first protocols speak
		 * before the client does) */
		s->l4 = true;
		proxy_obs_begin(s);
		proxy_tcp_route(s);
		sess_drive(s);	/* a session that failed to route closes */
		if (s->down == NULL)
			return 0;
	}
	sess_timer_arm(s);	/* the idle timeout runs from the accept */
	return 0;
}

static void
down_data(struct gw_tcp_conn *c, struct rte_mbuf *m)
{
	struct proxy_sess *s = gw_tcp_ctx(c);

	if (s->req == REQ_DISCARD) {
		uint32_t n = rte_pktmbuf_pkt_len(m);

		rte_pktmbuf_free(m);
		gw_tcp_recv_done(c, n);
		return;
	}
	s->t_active = s->pw->now_ms;
	if (!s->ob.open && s->req == REQ_HEAD)
		proxy_obs_begin(s);	/* the first byte of a request */
	chain_append(&s->in, m);
	sess_drive(s);
}

static void
down_writable(struct gw_tcp_conn *c)
{
	struct proxy_sess *s = gw_tcp_ctx(c);

	s->t_active = s->pw->now_ms;
	sess_drive(s);
}

static void
down_eof(struct gw_tcp_conn *c)
{
	struct proxy_sess *s = gw_tcp_ctx(c);

	s->down_eof = true;
	s->close_after = true;
	if (s->req == REQ_TUNNEL) {
		/* half-close: the upstream gets its FIN after what is queued */
		sess_drive(s);
		return;
	}
	if (s->req == REQ_HEAD && s->resp == RESP_IDLE && s->in.len == 0) {
		/* between requests: nothing more will come */
		s->req = REQ_DISCARD;
	} else if (s->req == REQ_HEAD || s->req == REQ_BODY) {
		/* cut in the middle of a request */
		proxy_obs_flag(s, GW_ALOG_F(DC), GW_ALOG_D_DOWNSTREAM_RESET);
		proxy_up_detach(s, true);
		s->req = REQ_DISCARD;
		s->resp = RESP_IDLE;
		chain_free(&s->in);
	}
	sess_drive(s);
}

static void
down_closed(struct gw_tcp_conn *c, int err)
{
	struct proxy_sess *s = gw_tcp_ctx(c);

	s->down = NULL;
	/* a tunnel both sides closed cleanly lets its upstream go with a
	 * FIN; anything else is cut */
	proxy_up_detach(s, !(s->req == REQ_TUNNEL && err == 0 &&
			     s->upq.len == 0));
	sess_maybe_free(s);
}

/* ---- the pump ---------------------------------------------------------- */

/* What one walk of a parser over a queue stopped on. */
enum feed_stop {
	FEED_MORE = 0,	/* every byte seen (or the message is done) */
	FEED_HEAD,	/* a head completed: handle it, then walk on */
	FEED_BAD_HEAD,	/* a malformed head */
	FEED_BAD_BODY,	/* malformed body framing */
};

/*
 * Give parser p the bytes of queue q after *fed: in the head phase until
 * the head completes, then body bytes until the message is done. Body
 * bytes seen are added to *body (they may move on), their payload (the
 * framing left out) to *payload. Both directions of a session use it.
 */
static enum feed_stop
feed(struct gw_http_parser *p, const struct chain *q, uint32_t *fed,
     uint32_t *body, uint64_t *payload, bool head)
{
	while (*fed < q->len) {
		uint32_t len;
		const uint8_t *b = chain_piece(q, *fed, &len);
		struct gw_http_span d;
		int rc;

		if (head) {
			rc = gw_http_parse_head(p, b, len);
			if (rc == -EAGAIN) {
				*fed += len;
				continue;
			}
			if (rc < 0)
				return FEED_BAD_HEAD;
			*fed += (uint32_t)rc;
			return FEED_HEAD;
		}
		if (gw_http_parser_done(p))
			return FEED_MORE;
		rc = gw_http_parse_body(p, b, len, &d);
		if (rc < 0)
			return FEED_BAD_BODY;
		*fed += (uint32_t)rc;
		*body += (uint32_t)rc;
		*payload += d.len;
	}
	return FEED_MORE;
}

/*
 * Give up on the exchange in flight (a timeout, a body over the limit):
 * the upstream is cut; before any response byte went down the client
 * gets status and a close, after some its connection is reset (the
 * session may then be gone: s->down is NULL).
 */
static void
sess_fail(struct proxy_sess *s, int status, const char *why)
{
	proxy_up_detach(s, true);
	if (s->resp_started || s->req == REQ_TUNNEL) {
		gw_tcp_abort(s->down);
		return;
	}
	s->resp = RESP_IDLE;
	proxy_local_reply(s, status, why, true);
}

/* Parse what arrived from the client; route each head that completes. */
static void
feed_request(struct proxy_sess *s)
{
	uint64_t limit = s->pw->http.max_request_body_bytes;

	while (s->req == REQ_HEAD || s->req == REQ_BODY) {
		switch (feed(&s->p, &s->in, &s->in_fed, &s->in_body,
			     &s->req_payload, s->req == REQ_HEAD)) {
		case FEED_MORE:
			/* chunked bodies are counted as they come */
			if (limit != 0 && s->req == REQ_BODY &&
			    s->req_payload > limit) {
				s->pw->stats.rq_too_large++;
				sess_fail(s, 413, "Payload Too Large");
			}
			return;
		case FEED_HEAD:
			s->pw->stats.requests++;
			proxy_request_head(s); /* REQ_BODY, REQ_DONE or reply */
			break;
		case FEED_BAD_HEAD:
			s->pw->stats.bad_requests++;
			proxy_obs_flag(s, GW_ALOG_F(DPE), GW_ALOG_D_BAD_REQUEST);
			proxy_local_reply(s, gw_http_err_status(s->p.err),
					  gw_http_err_text(s->p.err), true);
			return;
		case FEED_BAD_BODY:
			/* a bad chunk: no sane way to go on */
			s->pw->stats.bad_requests++;
			proxy_obs_flag(s, GW_ALOG_F(DPE), GW_ALOG_D_BAD_REQUEST);
			proxy_up_detach(s, true);
			if (s->resp_started) {
				gw_tcp_abort(s->down);
				return;
			}
			s->resp = RESP_IDLE;
			proxy_local_reply(s, 400, gw_http_err_text(s->p.err),
					  true);
			return;
		}
	}
}

/* Parse what arrived from the upstream; rewrite each head. */
static void
feed_response(struct proxy_sess *s)
{
	uint64_t payload = 0;

	while (s->resp == RESP_HEAD || s->resp == RESP_BODY) {
		switch (feed(&s->rp, &s->rin, &s->rin_fed, &s->rin_body,
			     &payload, s->resp == RESP_HEAD)) {
		case FEED_MORE:
			return;
		case FEED_HEAD:
			if (proxy_response_head(s) < 0)
				return;
			break;
		case FEED_BAD_HEAD:
			s->pw->stats.upstream_bad_response++;
			proxy_obs_flag(s, GW_ALOG_F(UPE), GW_ALOG_D_BAD_RESPONSE);
			proxy_outcome(s, 502);
			proxy_up_detach(s, true);
			s->resp = RESP_IDLE;
			proxy_local_reply(s, 502, "upstream sent a malformed "
					  "response", true);
			return;
		case FEED_BAD_BODY:
			s->pw->stats.upstream_bad_response++;
			proxy_obs_flag(s, GW_ALOG_F(UPE), GW_ALOG_D_BAD_RESPONSE);
			proxy_up_detach(s, true);
			if (s->down != NULL)
				gw_tcp_abort(s->down);
			return;
		}
	}
}

/*
 * Between requests, a session moves to the worker's current generation
 * (the listener of the same port), so a configuration change applies to
 * the next request on a kept-alive connection. @return false when the
 * port is no longer served.
 */
static bool
sess_rebind(struct proxy_sess *s)
{
	struct proxy_gen *old = s->gen, *cur = s->pw->gen;
	struct proxy_listener *l = proxy_listener_find(cur, s->lis->ml->port);

	if (l == NULL)
		return false;
	proxy_gen_ref(cur);
	s->gen = cur;
	s->lis = l;
	s->cluster = GW_MESH_NO_CLUSTER;
	proxy_gen_unref(old);
	return true;
}

/*
 * g was retired: nothing in flight holds it longer than it must. Idle
 * upstream connections close (FIN; the next request opens one in the
 * current generation), and sessions waiting for a request head move to
 * the current generation now rather than at their next request, so an
 * idle client does not keep an old configuration alive.
 */
/* A session waiting for the first byte of its next request head. */
static bool
sess_idle(const struct proxy_sess *s)
{
	/* (a TLS handshake uses its generation's contexts: not idle yet) */
	return s->down != NULL && s->req == REQ_HEAD && !s->head_seen &&
	       s->resp == RESP_IDLE && !s->pending && s->up == NULL &&
	       s->in.len == 0 && !gw_tls_handshaking(s->down);
}

static void
gen_idle_close(struct gw_proxy_wrk *pw, struct proxy_gen *g)
{
	uint32_t i, k;

	for (i = 0; i < g->n_clusters; i++) {
		struct proxy_cluster *pc = &g->clusters[i];

		for (k = 0; k < pc->mc->n_endpoints && pc->n_idle > 0; k++)
			while (pc->idle[k] != NULL)
				idle_close(pw, pc->idle[k], false);
	}
}

/* Sessions waiting for a request head (on g, or all when g is NULL):
 * moved to the current generation when rebind and their port is still
 * served, else closed as at the end of an exchange. */
static void
idle_sessions_end(struct gw_proxy_wrk *pw, struct proxy_gen *g, bool rebind)
{
	uint32_t i;

	for (i = 0; i < pw->n_sessions && (g == NULL || g->refs > 0); i++) {
		struct proxy_sess *s = &pw->sessions[i];

		if (!sess_idle(s) || (g != NULL && s->gen != g))
			continue;
		if (rebind && sess_rebind(s))
			continue;
		s->req = REQ_DISCARD;
		sess_drive(s);
	}
}

void
proxy_gen_leave(struct gw_proxy_wrk *pw, struct proxy_gen *g)
{
	gen_idle_close(pw, g);
	idle_sessions_end(pw, g, true);
}

void
proxy_idle_close_all(struct gw_proxy_wrk *pw)
{
	/* retired generations have no idle pool: emptied when they were
	 * retired, never filled since (idle_put()) */
	if (pw->gen != NULL)
		gen_idle_close(pw, pw->gen);
	idle_sessions_end(pw, NULL, false);
}

/* One exchange is over: next request, or close. */
static void
exchange_done(struct proxy_sess *s)
{
	proxy_obs_end(s);
	if (!idle_put(s))
		proxy_up_detach(s, false);
	s->resp = RESP_IDLE;
	s->route = NULL;
	s->dest = NULL;
	s->dl_route = 0;
	s->dl_try = 0;
	s->retries = 0;
	s->tried = 0;
	s->replay_ok = false;
	chain_free(&s->replay);
	proxy_retry_release(s);
	s->head_seen = false;
	if (s->close_after || s->down_eof) {
		s->req = REQ_DISCARD;
		chain_free(&s->in);
		return;
	}
	if (s->pw->draining) {
		/* /drain_listeners: this was the connection's last request */
		s->req = REQ_DISCARD;
		chain_free(&s->in);
		return;
	}
	if (s->gen != s->pw->gen && !sess_rebind(s)) {
		/* its port is gone from the configuration: no next request */
		s->req = REQ_DISCARD;
		chain_free(&s->in);
		return;
	}
	/* keep-alive: what is left in `in` starts the next request */
	s->req = REQ_HEAD;
	s->in_fed = 0;
	s->in_body = 0;
	s->resp_started = false;
	gw_http_parser_reset(&s->p, GW_HTTP_M_OTHER);
	if (s->in.len > 0)
		proxy_obs_begin(s);	/* pipelined: it is here already */
}

/* One round of an HTTP exchange. @return false when the client
 * connection went away. */
static bool
exchange_pump(struct proxy_sess *s, struct rte_mempool *pool)
{
	struct gw_proxy_wrk *pw = s->pw;

	feed_request(s);
	if (s->down == NULL)
		return false;
	if (s->req == REQ_BODY && s->in_body > 0) {
		uint32_t n = q_take(&s->upq, &s->in, s->in_body, s->down, pool);

		s->ob.rx += n;
		s->in_fed -= n;
		s->in_body -= n;
	}
	if (s->req == REQ_BODY && s->in_body == 0 && gw_http_parser_done(&s->p))
		s->req = REQ_DONE;
	if (s->up != NULL && s->up_connected &&
	    q_flush(&s->upq, s->up, s->replay_ok ? &s->replay : NULL) < 0)
		proxy_up_detach(s, true);
	if (s->replay_ok && s->replay.len > PROXY_REPLAY_MAX) {
		/* too big to send again: this request is not retried */
		s->replay_ok = false;
		chain_free(&s->replay);
	}
	/* the route timeout runs from the end of the request (Envoy), and
	 * each attempt's perTryTimeout from the end of what it was sent */
	if (s->req == REQ_DONE && s->route != NULL &&
	    (s->resp == RESP_HEAD || s->resp == RESP_BODY)) {
		const struct gw_route_action *a = gw_route_action(s->route);

		if (s->dl_route == 0 && a->timeout_ms != 0)
			s->dl_route = pw->now_ms + a->timeout_ms;
		if (s->dl_try == 0 && a->retry.per_try_timeout_ms != 0 &&
		    s->up != NULL && s->upq.len == 0)
			s->dl_try = pw->now_ms + a->retry.per_try_timeout_ms;
	}

	feed_response(s);
	if (s->down == NULL)
		return false;
	if (s->resp == RESP_BODY && s->rin_body > 0) {
		uint32_t n = q_take(&s->downq, &s->rin, s->rin_body, s->up,
				    pool);

		s->ob.tx += n;
		s->rin_fed -= n;
		s->rin_body -= n;
	}
	if (s->resp == RESP_BODY && s->rin_body == 0 &&
	    gw_http_parser_done(&s->rp))
		s->resp = RESP_DONE;
	if (q_flush(&s->downq, s->down, NULL) < 0) {
		proxy_up_detach(s, true);
		gw_tcp_abort(s->down);
		return false;
	}
	if (s->resp == RESP_DONE && s->req == REQ_BODY) {
		/* answered before the request ended (an early 413, say):
		 * the rest of the request cannot be framed */
		s->close_after = true;
		s->req = REQ_DONE;
	}
	if (s->resp == RESP_DONE && s->req == REQ_DONE)
		exchange_done(s);
	if (s->req == REQ_DISCARD && s->resp == RESP_IDLE &&
	    s->downq.len == 0 && !s->shut_down) {
		s->shut_down = true;
		gw_tcp_shutdown(s->down);
	}
	if (s->req == REQ_HEAD && !s->head_seen && s->in.len > 0) {
		/* the request head timeout runs from its first byte */
		s->head_seen = true;
		s->t_head = pw->now_ms;
	}
	return true;
}

/* A request is in flight (or a tunnel open): the stream idle timeout
 * applies rather than the connection's. */
static bool
sess_in_flight(const struct proxy_sess *s)
{
	return s->resp != RESP_IDLE || s->req == REQ_BODY;
}

/* When the session's next timeout is due (ms), UINT64_MAX for never. */
static uint64_t
sess_deadline(const struct proxy_sess *s)
{
	const struct gw_config_http *h = &s->pw->http;
	uint64_t dl = UINT64_MAX;

	if (s->l4 && s->req == REQ_TUNNEL) {
		/* DestinationRule tcp.idleTimeout, as Envoy's TCP proxy */
		dl = s->t_active +
		     s->gen->clusters[s->cluster].mc->tcp_idle_timeout_ms;
	} else if (sess_in_flight(s)) {
		if (h->stream_idle_timeout_ms != 0)
			dl = s->t_active + h->stream_idle_timeout_ms;
	} else if ((s->req == REQ_HEAD || s->req == REQ_SNI) && s->head_seen) {
		if (h->request_headers_timeout_ms != 0)
			dl = s->t_head + h->request_headers_timeout_ms;
	} else if (h->idle_timeout_ms != 0) {
		dl = s->t_active + h->idle_timeout_ms;
	}
	if (s->dl_route != 0 && s->dl_route < dl)
		dl = s->dl_route;
	if (s->dl_connect != 0 && s->dl_connect < dl)
		dl = s->dl_connect;
	if (s->dl_try != 0 && s->dl_try < dl)
		dl = s->dl_try;
	if (s->dl_retry != 0 && s->dl_retry < dl)
		dl = s->dl_retry;
	if (s->dl_fault != 0 && s->dl_fault < dl)
		dl = s->dl_fault;
	return dl;
}

/*
 * Keep the session's timer at or before its deadline. Activity only moves
 * deadlines later, so an armed timer that is early stays: it fires, finds
 * nothing due, and is set again (as TCP's timers do).
 */
static void
sess_timer_arm(struct proxy_sess *s)
{
	uint64_t dl = sess_deadline(s);

	if (dl == UINT64_MAX)
		gw_timer_stop(&s->timer);
	else if (!gw_timer_is_armed(&s->timer) ||
		 gw_timer_expire(&s->timer) > dl)
		gw_timer_start(&s->pw->wheel, &s->timer, dl);
}

static void
sess_drive(struct proxy_sess *s)
{
	struct rte_mempool *pool;
	int guard;

	if (s->down == NULL)
		return;
	pool = gw_tcp_pool(s->down);
	for (guard = 0; guard < 64; guard++) {
		uint32_t before[8] = {
			s->in.len, s->rin.len, s->upq.len, s->downq.len,
			s->in_fed, s->rin_fed, s->req, s->resp,
		};
		uint32_t after[8];
		bool alive = true;

		if (s->req == REQ_SNI)
			proxy_sni_pump(s);
		if (s->req == REQ_TUNNEL)
			alive = proxy_tunnel_pump(s, pool);
		else if (s->req != REQ_SNI)
			alive = exchange_pump(s, pool);

		if (!alive || s->down == NULL)
			return;
		after[0] = s->in.len;
		after[1] = s->rin.len;
		after[2] = s->upq.len;
		after[3] = s->downq.len;
		after[4] = s->in_fed;
		after[5] = s->rin_fed;
		after[6] = s->req;
		after[7] = s->resp;
		if (memcmp(before, after, sizeof(before)) == 0)
			break;
	}
	sess_timer_arm(s);
}

/* ---- timeouts ------------------------------------------------------------ */

static void
sess_timer_fire(struct gw_timer *t, void *arg)
{
	struct proxy_sess *s = container_of(t, struct proxy_sess, timer);
	struct gw_proxy_wrk *pw = arg;
	uint64_t now = pw->now_ms;

	if (s->down == NULL)
		return;
	if (s->dl_fault != 0 && now >= s->dl_fault) {
		/* fault injection: the delay is over; abort, or go on */
		s->dl_fault = 0;
		if (s->fault_abort != 0) {
			pw->stats.fault_aborts++;
			chain_free(&s->upq);
			proxy_local_reply(s, s->fault_abort,
					  "fault filter abort",
					  s->p.msg.body != GW_HTTP_BODY_NONE ||
					  s->close_after);
		} else {
			proxy_connect_upstream(s, s->cluster);
		}
		sess_drive(s);
		return;
	}
	if (s->dl_retry != 0 && now >= s->dl_retry) {
		/* the back-off is over: the next attempt */
		s->dl_retry = 0;
		proxy_connect_upstream(s, s->cluster);
		sess_drive(s);
		return;
	}
	if (s->dl_connect != 0 && now >= s->dl_connect) {
		/* DestinationRule connectTimeout: the connect is given up */
		pw->stats.upstream_cx_connect_timeout++;
		proxy_outcome(s, 503);
		if (proxy_retry(s, FAIL_CONNECT, 503, false)) {
			sess_timer_arm(s);
			return;
		}
		proxy_obs_flag(s, GW_ALOG_F(UF), GW_ALOG_D_CONNECT_TIMEOUT);
		proxy_up_detach(s, true);
		if (up_lost(s, "connection timeout"))
			sess_timer_arm(s);
		return;
	}
	if (s->dl_route != 0 && now >= s->dl_route) {
		/* VirtualService timeout */
		s->dl_route = 0;
		pw->stats.upstream_rq_timeout++;
		proxy_obs_flag(s, GW_ALOG_F(UT), GW_ALOG_D_UPSTREAM_TIMEOUT);
		if (s->resp == RESP_HEAD)
			proxy_outcome(s, 504);
		sess_fail(s, 504, "upstream request timeout");
		sess_drive(s);
		return;
	}
	if (s->dl_try != 0 && now >= s->dl_try) {
		/* retries.perTryTimeout: this attempt is given up */
		s->dl_try = 0;
		pw->stats.upstream_rq_per_try_timeout++;
		if (s->resp == RESP_HEAD)
			proxy_outcome(s, 504);
		if (proxy_retry(s, FAIL_TIMEOUT, 504, false)) {
			sess_timer_arm(s);
			return;
		}
		proxy_obs_flag(s, GW_ALOG_F(UT),
			       GW_ALOG_D_UPSTREAM_PER_TRY_TIMEOUT);
		sess_fail(s, 504, "upstream request timeout");
		sess_drive(s);
		return;
	}
	if (sess_deadline(s) > now) {
		sess_timer_arm(s);	/* there was activity since */
		return;
	}
	if (s->l4 && s->req == REQ_TUNNEL) {
		/* DestinationRule tcp.idleTimeout: both sides get a FIN, as
		 * Envoy's TCP proxy closes them; what waits is dropped. A
		 * client still open one more timeout later is reset. */
		if (s->shut_down) {
			gw_tcp_abort(s->down);
			return;
		}
		pw->stats.tcp_idle_timeout++;
		proxy_obs_flag(s, GW_ALOG_F(SI), GW_ALOG_D_STREAM_IDLE_TIMEOUT);
		proxy_up_detach(s, false);
		chain_free(&s->rin);
		chain_free(&s->downq);
		s->up_eof = true;
		s->t_active = now;
		sess_drive(s);
		return;
	}
	if (sess_in_flight(s)) {
		/* nothing moved either way for streamIdleTimeoutMs */
		pw->stats.stream_idle_timeout++;
		proxy_obs_flag(s, GW_ALOG_F(SI), GW_ALOG_D_STREAM_IDLE_TIMEOUT);
		sess_fail(s, s->req == REQ_BODY ? 408 : 504, "stream timeout");
		sess_drive(s);
		return;
	}
	if (s->req == REQ_SNI) {
		/* a ClientHello still not whole */
		pw->stats.passthrough_hello_timeout++;
		proxy_sess_end(s);
		sess_drive(s);
		return;
	}
	if (s->req == REQ_HEAD && s->head_seen) {
		/* a head still not whole: slowloris, or a lost client */
		pw->stats.rq_header_timeout++;
		s->ob.details = GW_ALOG_D_HEADERS_TIMEOUT;
		proxy_local_reply(s, 408, "request header timeout", true);
		sess_drive(s);
		return;
	}
	/* idle between requests, or a closing client that does not read */
	pw->stats.downstream_cx_idle_timeout++;
	if (s->shut_down || s->downq.len > 0) {
		gw_tcp_abort(s->down);
		return;
	}
	s->close_after = true;
	s->req = REQ_DISCARD;
	chain_free(&s->in);
	sess_drive(s);
}

void
gw_proxy_timers_run(struct gw_worker *w)
{
	struct gw_proxy_wrk *pw = w->proxy;

	if (pw->n_pending > 0)
		pending_run(pw);
	/* the wheel ticks in milliseconds: nothing to do within one */
	if (w->now < pw->tick_tsc)
		return;
	pw->now_ms = w->now / pw->tsc_per_ms;
	pw->tick_tsc = (pw->now_ms + 1) * pw->tsc_per_ms;
	(void)gw_timer_wheel_run(&pw->wheel, pw->now_ms, pw,
				 PROXY_TIMERS_PER_RUN);
}
