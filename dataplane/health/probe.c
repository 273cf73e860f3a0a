/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/health probes: each worker probes its share of the targets
 * over meshgw's TCP, from its own port slice (so the answers come back to
 * it), one connection per probe:
 *
 *   IDLE ─interval─▶ CONNECTING ─connected─▶ (tcp) success
 *                                └─────────▶ (http) WAITING ─status─▶ verdict
 *   any failure, or the timeout, is a failed probe.
 *
 * Verdicts move the target through Envoy's thresholds (unknown → healthy
 * after healthyThreshold successes in a row, → unhealthy after
 * unhealthyThreshold failures) and a transition sets or clears the check
 * flags of every cluster endpoint the target serves. Worker thread; the
 * set-up and free at the end are ctrl's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "gw_tcp.h"
#include "gw_worker.h"
#include "health_priv.h"

static void probe_connected(struct gw_tcp_conn *c, int err);
static void probe_data(struct gw_tcp_conn *c, struct rte_mbuf *m);
static void probe_writable(struct gw_tcp_conn *c);
static void probe_eof(struct gw_tcp_conn *c);
static void probe_closed(struct gw_tcp_conn *c, int err);

static const struct gw_tcp_app_ops probe_ops = {
	.connected = probe_connected,
	.data = probe_data,
	.writable = probe_writable,
	.eof = probe_eof,
	.closed = probe_closed,
};

static uint64_t
wrk_rand(struct gw_health_wrk *hw)
{
	return gw_worker_rand(&hw->rng);
}

/* Every cluster endpoint of t is in maintenance: no probe. */
static bool
target_in_maint(const struct gw_health *h, const struct health_target *t)
{
	uint32_t i;

	for (i = 0; i < t->n_refs; i++) {
		const struct gw_health_cluster *c =
			&h->clusters[t->refs[i].cluster];

		if (!(__atomic_load_n(&c->eps[t->refs[i].ep].flags,
				      __ATOMIC_RELAXED) & GW_HEALTH_F_MAINT))
			return false;
	}
	return true;
}

/* Publish a new check state to every endpoint the target serves. */
static void
target_state_set(struct gw_health *h, struct health_target *t,
		 enum gw_health_hc_state st)
{
	uint32_t i, set, clear;

	if (st == GW_HEALTH_HC_HEALTHY) {
		set = 0;
		clear = GW_HEALTH_F_HC_PENDING | GW_HEALTH_F_HC_FAILED;
	} else {
		set = GW_HEALTH_F_HC_FAILED;
		clear = GW_HEALTH_F_HC_PENDING;
	}
	__atomic_store_n(&t->state, (uint8_t)st, __ATOMIC_RELAXED);
	__atomic_fetch_add(&t->transitions, 1, __ATOMIC_RELAXED);
	for (i = 0; i < t->n_refs; i++) {
		struct gw_health_cluster *c = &h->clusters[t->refs[i].cluster];
		struct gw_health_ep *e = &c->eps[t->refs[i].ep];

		__atomic_store_n(&e->hc_state, (uint32_t)st, __ATOMIC_RELAXED);
		__atomic_fetch_add(&e->transitions, 1, __ATOMIC_RELAXED);
		health_ep_flags(c, t->refs[i].ep, set, clear);
	}
	GW_HEALTH_LOG(NOTICE, "%s: %u.%u.%u.%u:%u is %s\n", t->hc->name,
		      t->addr >> 24, (t->addr >> 16) & 0xff,
		      (t->addr >> 8) & 0xff, t->addr & 0xff, t->port,
		      gw_health_hc_state_name(st));
}

/* The probe in flight ends: count it, move the state, plan the next. */
static void
probe_verdict(struct gw_health_wrk *hw, struct health_target *t, bool ok)
{
	const struct gw_mesh_health_check *hc = t->hc;
	uint64_t next;
	uint32_t i;

	if (t->c != NULL) {
		struct gw_tcp_conn *c = t->c;

		/* its remaining callbacks find no target */
		t->c = NULL;
		gw_tcp_ctx_set(c, NULL);
		if (ok && hc->kind == GW_MESH_HC_TCP)
			gw_tcp_shutdown(c);
		else
			gw_tcp_abort(c);
	}
	t->phase = PROBE_IDLE;
	__atomic_store_n(&t->checks, t->checks + 1, __ATOMIC_RELAXED);
	if (!ok)
		__atomic_store_n(&t->failures, t->failures + 1,
				 __ATOMIC_RELAXED);
	for (i = 0; i < t->n_refs; i++) {
		struct gw_health_ep *e =
			&hw->h->clusters[t->refs[i].cluster].eps[t->refs[i].ep];

		__atomic_fetch_add(&e->hc_checks, 1, __ATOMIC_RELAXED);
		if (!ok)
			__atomic_fetch_add(&e->hc_failures, 1,
					   __ATOMIC_RELAXED);
	}
	if (ok) {
		t->ok_run++;
		t->fail_run = 0;
		if (t->state != GW_HEALTH_HC_HEALTHY &&
		    t->ok_run >= hc->healthy_threshold)
			target_state_set(hw->h, t, GW_HEALTH_HC_HEALTHY);
	} else {
		t->fail_run++;
		t->ok_run = 0;
		if (t->state != GW_HEALTH_HC_UNHEALTHY &&
		    t->fail_run >= hc->unhealthy_threshold)
			target_state_set(hw->h, t, GW_HEALTH_HC_UNHEALTHY);
	}
	next = t->state == GW_HEALTH_HC_UNHEALTHY ? hc->unhealthy_interval_ms :
						     hc->interval_ms;
	if (hc->jitter_ms != 0)
		next += wrk_rand(hw) % ((uint64_t)hc->jitter_ms + 1);
	gw_timer_start(&hw->wheel, &t->timer, hw->now_ms + next);
}

static struct gw_health_wrk *
conn_wrk(struct gw_tcp_conn *c, struct health_target **t)
{
	*t = gw_tcp_ctx(c);
	if (*t == NULL)
		return NULL;
	return (*t)->c == c ? (*t)->worker_hw : NULL;
}

static void
probe_start(struct gw_health_wrk *hw, struct health_target *t)
{
	struct gw_worker *w = hw->w;
	int port, err = 0;

	if (target_in_maint(hw->h, t)) {
		/* the operator took it out: come back later */
		gw_timer_start(&hw->wheel, &t->timer,
			       hw->now_ms + t->hc->interval_ms);
		return;
	}
	port = gw_dp_port_toward(w->dp, t->addr);
	t->c = port >= 0 ? gw_tcp_connect(w, (uint16_t)port, t->addr, t->port,
					  &probe_ops, t, &err) : NULL;
	if (t->c == NULL) {
		probe_verdict(hw, t, false);
		return;
	}
	t->phase = PROBE_CONNECTING;
	gw_timer_start(&hw->wheel, &t->timer, hw->now_ms + t->hc->timeout_ms);
}

static void
probe_timer(struct gw_timer *tm, void *arg)
{
	struct health_target *t = container_of(tm, struct health_target,
					       timer);
	struct gw_health_wrk *hw = arg;

	if (t->phase == PROBE_IDLE)
		probe_start(hw, t);
	else
		probe_verdict(hw, t, false);	/* timed out */
}

static void
probe_connected(struct gw_tcp_conn *c, int err)
{
	struct health_target *t;
	struct gw_health_wrk *hw = conn_wrk(c, &t);
	struct rte_mbuf *m;

	if (hw == NULL)
		return;
	if (err != 0) {
		t->c = NULL;	/* the last callback: nothing to close */
		probe_verdict(hw, t, false);
		return;
	}
	if (t->hc->kind == GW_MESH_HC_TCP) {
		probe_verdict(hw, t, true);
		return;
	}
	m = rte_pktmbuf_alloc(gw_tcp_pool(c));
	if (m == NULL || rte_pktmbuf_tailroom(m) < t->req_len) {
		rte_pktmbuf_free(m);
		probe_verdict(hw, t, false);
		return;
	}
	memcpy(rte_pktmbuf_append(m, (uint16_t)t->req_len), t->req,
	       t->req_len);
	if (gw_tcp_send(c, m) < 0) {
		rte_pktmbuf_free(m);
		probe_verdict(hw, t, false);
		return;
	}
	gw_http_parser_init(&t->p, NULL, GW_HTTP_RESPONSE, GW_HTTP_M_GET,
			    t->hdrs, HEALTH_PROBE_HDRS);
	t->phase = PROBE_WAITING;
}

/* Whether status is one the check accepts. */
static bool
status_ok(const struct gw_mesh_health_check *hc, int status)
{
	uint32_t i;

	for (i = 0; i < hc->n_statuses; i++)
		if (status >= hc->statuses[i].lo && status <= hc->statuses[i].hi)
			return true;
	return false;
}

static void
probe_data(struct gw_tcp_conn *c, struct rte_mbuf *m)
{
	struct health_target *t;
	struct gw_health_wrk *hw = conn_wrk(c, &t);
	uint32_t n = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *seg;
	int verdict = -1;	/* -1 undecided, 0 failed, 1 passed */

	if (hw == NULL || t->phase != PROBE_WAITING) {
		rte_pktmbuf_free(m);
		gw_tcp_recv_done(c, n);
		if (hw != NULL)
			probe_verdict(hw, t, false); /* spoke before asked */
		return;
	}
	for (seg = m; seg != NULL && verdict < 0; seg = seg->next) {
		const uint8_t *b = rte_pktmbuf_mtod(seg, const uint8_t *);
		uint32_t len = seg->data_len;

		while (len > 0 && verdict < 0) {
			int rc = gw_http_parse_head(&t->p, b, len);

			if (rc == -EAGAIN)
				break;
			if (rc < 0) {
				verdict = 0;
				break;
			}
			if (t->p.msg.flags & GW_HTTP_F_INTERIM) {
				/* 100 Continue and friends: read on */
				gw_http_parser_reset(&t->p, GW_HTTP_M_GET);
				b += rc;
				len -= (uint32_t)rc;
				continue;
			}
			verdict = status_ok(t->hc, t->p.msg.status) ? 1 : 0;
		}
	}
	rte_pktmbuf_free(m);
	gw_tcp_recv_done(c, n);
	if (verdict >= 0)
		probe_verdict(hw, t, verdict == 1);
}

static void
probe_writable(struct gw_tcp_conn *c)
{
	(void)c;	/* the request went out in one piece */
}

static void
probe_eof(struct gw_tcp_conn *c)
{
	struct health_target *t;
	struct gw_health_wrk *hw = conn_wrk(c, &t);

	if (hw == NULL) {
		/* a finished probe: the peer closes too */
		gw_tcp_shutdown(c);
		return;
	}
	probe_verdict(hw, t, false);	/* closed before a whole answer */
}

static void
probe_closed(struct gw_tcp_conn *c, int err)
{
	struct health_target *t;
	struct gw_health_wrk *hw = conn_wrk(c, &t);

	(void)err;
	if (hw == NULL)
		return;
	t->c = NULL;	/* gone: nothing to close */
	probe_verdict(hw, t, false);
}

void
gw_health_wrk_run(struct gw_worker *w)
{
	struct gw_health_wrk *hw = w->health;

	if (hw == NULL || hw->targets == NULL || w->now < hw->tick_tsc)
		return;
	hw->now_ms = w->now / hw->tsc_per_ms;
	hw->tick_tsc = (hw->now_ms + 1) * hw->tsc_per_ms;
	(void)gw_timer_wheel_run(&hw->wheel, hw->now_ms, hw,
				 HEALTH_TIMERS_PER_RUN);
}

void
health_wrk_init(struct gw_health *h, struct gw_health_wrk *hw,
		struct gw_worker *w)
{
	size_t i;

	hw->h = h;
	hw->w = w;
	hw->tsc_per_ms = h->tsc_per_ms;
	hw->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)w->id << 40) ^
		  rte_rdtsc();
	for (i = h->n_targets; i-- > 0;) {
		struct health_target *t = &h->targets[i];

		if (t->worker != w->id)
			continue;
		t->worker_hw = hw;
		gw_timer_init(&t->timer, probe_timer);
		t->next = hw->targets;
		hw->targets = t;
	}
}

/* The worker takes hw: its clock starts now, the first probes soon,
 * spread over 100 ms. */
static void
wrk_attach(struct gw_health_wrk *hw)
{
	struct health_target *t;

	hw->now_ms = rte_rdtsc() / hw->tsc_per_ms;
	hw->tick_tsc = (hw->now_ms + 1) * hw->tsc_per_ms;
	gw_timer_wheel_init(&hw->wheel, hw->now_ms);
	for (t = hw->targets; t != NULL; t = t->next) {
		t->phase = PROBE_IDLE;
		gw_timer_start(&hw->wheel, &t->timer,
			       hw->now_ms + 1 + wrk_rand(hw) % 100);
	}
}

void
health_wrk_detach(struct gw_health_wrk *hw, bool abort)
{
	struct health_target *t;

	for (t = hw->targets; t != NULL; t = t->next) {
		struct gw_tcp_conn *c = t->c;

		gw_timer_stop(&t->timer);
		t->phase = PROBE_IDLE;
		if (c == NULL)
			continue;
		/* its callbacks find no owner from now on */
		gw_tcp_ctx_set(c, NULL);
		t->c = NULL;
		if (abort)
			gw_tcp_abort(c);
	}
}

void
gw_health_wrk_switch(struct gw_worker *w, struct gw_health *h)
{
	struct gw_health_wrk *hw = h != NULL ? &h->wrk[w->id] : NULL;

	if (w->health == hw)
		return;
	if (w->health != NULL)
		health_wrk_detach(w->health, true);
	w->health = hw;
	if (hw != NULL)
		wrk_attach(hw);
}
