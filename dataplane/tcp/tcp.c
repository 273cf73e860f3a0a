/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcp — the per-worker TCP instance: connection table and array,
 * listeners, the application calls, and the timers of every connection
 * (one wheel entry each, at its earliest deadline). Worker thread, except
 * gw_tcp_wrk_init/fini and gw_tcp_listen before launch (ctrl).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "gw_flow.h"
#include "gw_nat.h"
#include "gw_tcp.h"
#include "tcp_isn.h"
#include "tcp_seq.h"
#include "tcp_mbuf.h"
#include "tcp_priv.h"

RTE_LOG_REGISTER_SUFFIX(gw_tcp_logtype, tcp, INFO);

struct conn_key {
	uint32_t raddr;
	uint32_t laddr;
	uint16_t rport;
	uint16_t lport;
};

static const char *const state_names[GW_TCP_STATE_MAX] = {
	[GW_TCP_CLOSED] = "CLOSED",
	[GW_TCP_LISTEN] = "LISTEN",
	[GW_TCP_SYN_SENT] = "SYN_SENT",
	[GW_TCP_SYN_RCVD] = "SYN_RCVD",
	[GW_TCP_ESTABLISHED] = "ESTABLISHED",
	[GW_TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[GW_TCP_FIN_WAIT_2] = "FIN_WAIT_2",
	[GW_TCP_CLOSING] = "CLOSING",
	[GW_TCP_TIME_WAIT] = "TIME_WAIT",
	[GW_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[GW_TCP_LAST_ACK] = "LAST_ACK",
};

const char *
gw_tcp_state_name(unsigned state)
{
	return state < GW_TCP_STATE_MAX ? state_names[state] : "?";
}

static void tcp_timer_fire(struct gw_timer *tm, void *arg);

int
gw_tcp_wrk_init(struct gw_worker *w, const struct gw_config_tcp *cfg)
{
	struct gw_hash_key start; /* where the ephemeral port search begins */
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = cfg->max_conns,
		.key_len = sizeof(struct conn_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};
	struct gw_tcp_wrk *t;
	int rc;

	t = rte_zmalloc("gw_tcp_wrk", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return -ENOMEM;
	w->tcp = t;
	t->w = w;
	t->max_conns = cfg->max_conns;
	t->rcv_buf = cfg->rcv_buf;
	t->snd_buf = cfg->snd_buf;
	t->syn_backlog = cfg->syn_backlog;
	t->keep_time_ms = cfg->keepalive_time_s * 1000;
	t->keep_intvl_ms = cfg->keepalive_interval_s * 1000;
	t->keep_probes = (uint8_t)cfg->keepalive_probes;
	t->cc = cfg->cc == GW_CONFIG_TCP_CC_NEWRENO ? &gw_tcp_cc_newreno :
						     &gw_tcp_cc_cubic;
	t->epoch_tsc = rte_rdtsc();
	t->tsc_per_us = RTE_MAX(w->dp->tsc_hz / 1000000, (uint64_t)1);
	snprintf(name, sizeof(name), "gw_tcp_%u", w->id);
	t->conn_hash = rte_hash_create(&hp);
	t->conns = rte_zmalloc("gw_tcp_conns", sizeof(*t->conns) * t->max_conns,
			       RTE_CACHE_LINE_SIZE);
	if (t->conn_hash == NULL || t->conns == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = tcp_tw_init(t, RTE_MAX(t->max_conns / 4, 64u), w->id);
	if (rc < 0)
		goto fail;
	rc = gw_hash_key_random(&t->isn_key);
	if (rc == 0)
		rc = gw_hash_key_random(&t->cookie_key);
	if (rc < 0)
		goto fail;
	gw_timer_wheel_init(&t->wheel, 0);
	gw_flow_eph_range(w->dp, w->id, &t->eph_lo, &t->eph_hi);
	/* start the search at a random port of the slice (RFC 6056): a
	 * restarted process does not reuse the 4-tuples its previous run
	 * left in its peers' tables (LAST-ACK, TIME-WAIT) */
	rc = gw_hash_key_random(&start);
	if (rc < 0)
		goto fail;
	t->eph_next = (uint16_t)(t->eph_lo +
				 start.k0 % ((uint32_t)(t->eph_hi - t->eph_lo) + 1));
	return 0;
fail:
	gw_tcp_wrk_fini(w);
	return rc;
}

static void
conn_release(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	struct conn_key k = { c->raddr, c->laddr, c->rport, c->lport };
	unsigned i;

	gw_timer_stop(&c->timer);
	if (c->sndq != NULL)
		rte_pktmbuf_free(c->sndq);
	for (i = 0; i < c->ooo_n; i++)
		rte_pktmbuf_free(c->ooo[i].head);
	(void)rte_hash_del_key(t->conn_hash, &k); /* present: c is live */
	memset(c, 0, sizeof(*c));
	t->stats.active_conns--;
}

void
gw_tcp_wrk_fini(struct gw_worker *w)
{
	struct gw_tcp_wrk *t = w->tcp;
	uint32_t i;

	if (t == NULL)
		return;
	if (t->conns != NULL) {
		for (i = 0; i < t->max_conns; i++)
			if (t->conns[i].state != GW_TCP_CLOSED)
				conn_release(t, &t->conns[i]);
		rte_free(t->conns);
	}
	rte_hash_free(t->conn_hash); /* NULL-safe */
	tcp_tw_fini(t);
	rte_free(t);
	w->tcp = NULL;
}

struct gw_tcp_conn *
tcp_conn_lookup(struct gw_tcp_wrk *t, uint32_t raddr, uint32_t laddr,
		uint16_t rport, uint16_t lport)
{
	struct conn_key k = { raddr, laddr, rport, lport };
	int32_t pos = rte_hash_lookup(t->conn_hash, &k);

	return pos < 0 ? NULL : &t->conns[pos];
}

struct gw_tcp_conn *
tcp_conn_alloc(struct gw_tcp_wrk *t, uint32_t raddr, uint32_t laddr,
	       uint16_t rport, uint16_t lport, uint8_t port)
{
	struct conn_key k = { raddr, laddr, rport, lport };
	struct gw_tcp_conn *c;
	int32_t pos;

	pos = rte_hash_add_key(t->conn_hash, &k);
	if (pos < 0 || (uint32_t)pos >= t->max_conns)
		return NULL;
	c = &t->conns[pos];
	memset(c, 0, sizeof(*c));
	c->raddr = raddr;
	c->laddr = laddr;
	c->rport = rport;
	c->lport = lport;
	c->port = port;
	c->idx = (uint32_t)pos;
	c->mss = TCP_DEFAULT_MSS;
	c->rto_ms = TCP_RTO_INIT;
	c->rcv_wscale = TCP_WSCALE;
	c->t = t;
	gw_timer_init(&c->timer, tcp_timer_fire);
	t->stats.active_conns++;
	return c;
}

void
tcp_conn_close(struct gw_tcp_wrk *t, struct gw_tcp_conn *c, int err)
{
	if ((c->flags & TCP_F_APP) && c->state == GW_TCP_SYN_SENT) {
		/* an active open that failed: connected() is the last word */
		c->flags &= (uint16_t)~TCP_F_APP;
		if (c->ops->connected != NULL)
			c->ops->connected(c, err);
	} else if ((c->flags & TCP_F_APP) && c->ops->closed != NULL) {
		c->flags &= (uint16_t)~TCP_F_APP;
		c->ops->closed(c, err);
	}
	conn_release(t, c);
}

bool
gw_tcp_tuple_busy(struct gw_worker *w, uint32_t raddr, uint32_t laddr,
		  uint16_t rport, uint16_t lport)
{
	struct gw_tcp_wrk *t = w->tcp;

	return tcp_conn_lookup(t, raddr, laddr, rport, lport) != NULL ||
	       tcp_tw_lookup(t, raddr, laddr, rport, lport) != NULL;
}

struct gw_tcp_conn *
gw_tcp_connect(struct gw_worker *w, uint16_t port, uint32_t raddr,
	       uint16_t rport, const struct gw_tcp_app_ops *ops, void *ctx,
	       int *err)
{
	struct gw_tcp_wrk *t = w->tcp;
	const struct gw_dp_port *p;
	uint32_t n = (uint32_t)(t->eph_hi - t->eph_lo) + 1, i;
	uint32_t be_raddr = rte_cpu_to_be_32(raddr);
	uint16_t be_rport = rte_cpu_to_be_16(rport);
	struct gw_tcp_conn *c = NULL;

	if (port >= w->dp->n_ports || rport == 0 || ops == NULL) {
		*err = -EINVAL;
		return NULL;
	}
	p = &w->dp->ports[port];
	/* the next free local port of this worker's slice */
	for (i = 0; i < n; i++) {
		uint16_t lp = t->eph_next;

		t->eph_next = lp == t->eph_hi ? t->eph_lo : (uint16_t)(lp + 1);
		if (gw_tcp_tuple_busy(w, be_raddr, p->addr, be_rport,
				      rte_cpu_to_be_16(lp)) ||
		    gw_nat_tuple_busy(w, be_raddr, p->addr, be_rport,
				      rte_cpu_to_be_16(lp)))
			continue; /* in use (here or by the full NAT), or its
				   * TIME-WAIT still runs */
		c = tcp_conn_alloc(t, be_raddr, p->addr, be_rport,
				   rte_cpu_to_be_16(lp), (uint8_t)port);
		if (c == NULL) {
			*err = -ENOBUFS;
			return NULL;
		}
		break;
	}
	if (c == NULL) {
		*err = -EADDRNOTAVAIL;
		return NULL;
	}
	c->ops = ops;
	c->ctx = ctx;
	c->flags |= TCP_F_APP;
	c->mss = (uint16_t)(p->mtu - 40);
	c->iss = gw_tcp_isn(&t->isn_key, rte_be_to_cpu_32(c->laddr),
			    rte_be_to_cpu_16(c->lport), raddr, rport, t->now_us);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->recover = c->iss;
	c->ssthresh = UINT32_MAX;
	t->cc->init(c);
	t->stats.active_opens++;
	tcp_set_state(t, c, GW_TCP_SYN_SENT);
	tcp_send_syn(t, c);
	return c;
}

void
tcp_set_state(struct gw_tcp_wrk *t, struct gw_tcp_conn *c,
	      enum gw_tcp_state s)
{
	(void)t;
	c->state = (uint8_t)s;
}

struct gw_tcp_listener *
tcp_listener_lookup(struct gw_tcp_wrk *t, uint16_t lport)
{
	unsigned i;

	for (i = 0; i < TCP_MAX_LISTENERS; i++)
		if (t->listeners[i].lport == lport)
			return &t->listeners[i];
	return NULL;
}

int
gw_tcp_listen(struct gw_worker *w, uint16_t lport,
	      const struct gw_tcp_app_ops *ops, void *ctx)
{
	struct gw_tcp_wrk *t = w->tcp;
	uint16_t be = rte_cpu_to_be_16(lport);
	unsigned i;

	if (lport == 0 || ops == NULL)
		return -EINVAL;
	if (tcp_listener_lookup(t, be) != NULL)
		return -EADDRINUSE;
	for (i = 0; i < TCP_MAX_LISTENERS; i++) {
		if (t->listeners[i].lport == 0) {
			t->listeners[i].lport = be;
			t->listeners[i].ops = ops;
			t->listeners[i].ctx = ctx;
			return 0;
		}
	}
	return -ENOSPC;
}

int
gw_tcp_unlisten(struct gw_worker *w, uint16_t lport)
{
	struct gw_tcp_listener *l =
		tcp_listener_lookup(w->tcp, rte_cpu_to_be_16(lport));

	if (lport == 0 || l == NULL)
		return -ENOENT;
	memset(l, 0, sizeof(*l));
	return 0;
}

/* Free space of the receive buffer, as the window to advertise. */
uint32_t
tcp_rcv_window(const struct gw_tcp_wrk *t, const struct gw_tcp_conn *c)
{
	uint32_t used = c->rcv_held + c->ooo_bytes;

	return used >= t->rcv_buf ? 0 : t->rcv_buf - used;
}

const struct gw_tcp_stats *
gw_tcp_stats_get(const struct gw_worker *w)
{
	return w->tcp != NULL ? &w->tcp->stats : NULL;
}

uint64_t
gw_tcp_bytes_queued(const struct gw_tcp_conn *c)
{
	return c->snd_total;
}

struct gw_worker *
gw_tcp_worker(const struct gw_tcp_conn *c)
{
	return c->t->w;
}

struct rte_mempool *
gw_tcp_pool(const struct gw_tcp_conn *c)
{
	return c->t->w->dp->pool;
}

void *
gw_tcp_ctx(const struct gw_tcp_conn *c)
{
	return c->ctx;
}

void
gw_tcp_ctx_set(struct gw_tcp_conn *c, void *ctx)
{
	c->ctx = ctx;
}

uint32_t
gw_tcp_raw_send_space(struct gw_tcp_conn *c)
{
	if (c->sndq_bytes >= c->t->snd_buf) {
		c->flags |= TCP_F_WANT_WRITE;
		return 0;
	}
	return c->t->snd_buf - c->sndq_bytes;
}

void
gw_tcp_peer(const struct gw_tcp_conn *c, uint32_t *addr, uint16_t *port)
{
	*addr = rte_be_to_cpu_32(c->raddr);
	*port = rte_be_to_cpu_16(c->rport);
}

void
gw_tcp_local(const struct gw_tcp_conn *c, uint32_t *addr, uint16_t *port)
{
	*addr = rte_be_to_cpu_32(c->laddr);
	*port = rte_be_to_cpu_16(c->lport);
}

int
gw_tcp_raw_send(struct gw_tcp_conn *c, struct rte_mbuf *m)
{
	struct gw_tcp_wrk *t = c->t;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	if ((c->flags & TCP_F_FIN_QUEUED) ||
	    (c->state != GW_TCP_ESTABLISHED && c->state != GW_TCP_CLOSE_WAIT &&
	     c->state != GW_TCP_SYN_RCVD && c->state != GW_TCP_SYN_SENT))
		return -EPIPE;
	if (len > gw_tcp_raw_send_space(c)) {
		c->flags |= TCP_F_WANT_WRITE;
		return -EAGAIN;
	}
	if (len == 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	if (c->sndq == NULL) {
		c->sndq = m;
		c->sndq_off = 0;
	} else {
		/* one chain: head's pkt_len and nb_segs are not kept up to
		 * date (sndq_bytes is the length); only next links matter */
		c->sndq_tail->next = m;
	}
	c->sndq_tail = tcp_mbuf_last(m);
	c->sndq_bytes += len;
	c->snd_total += len;
	if (c->state == GW_TCP_ESTABLISHED || c->state == GW_TCP_CLOSE_WAIT)
		tcp_output(t, c);
	return 0;
}

void
gw_tcp_raw_recv_done(struct gw_tcp_conn *c, uint32_t bytes)
{
	struct gw_tcp_wrk *t = c->t;
	uint32_t step = RTE_MIN((uint32_t)c->mss, t->rcv_buf / 2);
	uint32_t adv = gw_tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ?
			       c->rcv_adv - c->rcv_nxt : 0;

	c->rcv_held -= RTE_MIN(bytes, c->rcv_held);
	/*
	 * The peer sees the window we last advertised, not our free space:
	 * when that is (nearly) closed and the application has now freed
	 * enough to move the right edge by min(MSS, buffer / 2) (receiver
	 * SWS avoidance, RFC 9293 §3.8.6.2.2), say so at once rather than
	 * wait for the peer's window probe.
	 */
	if (adv < step && c->state >= GW_TCP_ESTABLISHED &&
	    tcp_rcv_window(t, c) >= adv + step)
		tcp_send_ack(t, c);
}

void
gw_tcp_ack_now(struct gw_tcp_conn *c)
{
	if ((c->flags & TCP_F_ACK_PENDING) && c->state >= GW_TCP_ESTABLISHED)
		tcp_send_ack(c->t, c);
}

void
gw_tcp_raw_shutdown(struct gw_tcp_conn *c)
{
	struct gw_tcp_wrk *t = c->t;

	if (c->flags & TCP_F_FIN_QUEUED)
		return;
	c->flags |= TCP_F_FIN_QUEUED;
	if (c->state == GW_TCP_ESTABLISHED)
		tcp_set_state(t, c, GW_TCP_FIN_WAIT_1);
	else if (c->state == GW_TCP_CLOSE_WAIT)
		tcp_set_state(t, c, GW_TCP_LAST_ACK);
	else if (c->state == GW_TCP_SYN_RCVD || c->state == GW_TCP_SYN_SENT)
		return; /* FIN goes out once established (RFC 9293 §3.10.4) */
	tcp_output(t, c);
}

void
gw_tcp_raw_want_write(struct gw_tcp_conn *c)
{
	c->flags |= TCP_F_WANT_WRITE;
}

/* ---- layers --------------------------------------------------------------- */

void
gw_tcp_layer_set(struct gw_tcp_conn *c, const struct gw_tcp_layer *l,
		 void *lctx)
{
	c->app_ops = c->ops;
	c->ops = &l->up;
	c->layer = l;
	c->lctx = lctx;
}

void *
gw_tcp_layer_ctx(const struct gw_tcp_conn *c)
{
	return c->lctx;
}

const struct gw_tcp_layer *
gw_tcp_layer(const struct gw_tcp_conn *c)
{
	return c->layer;
}

const struct gw_tcp_app_ops *
gw_tcp_app(const struct gw_tcp_conn *c)
{
	return c->layer != NULL ? c->app_ops : c->ops;
}

int
gw_tcp_send(struct gw_tcp_conn *c, struct rte_mbuf *m)
{
	if (unlikely(c->layer != NULL))
		return c->layer->send(c, m);
	return gw_tcp_raw_send(c, m);
}

uint32_t
gw_tcp_send_space(struct gw_tcp_conn *c)
{
	if (unlikely(c->layer != NULL))
		return c->layer->send_space(c);
	return gw_tcp_raw_send_space(c);
}

void
gw_tcp_recv_done(struct gw_tcp_conn *c, uint32_t bytes)
{
	if (unlikely(c->layer != NULL))
		c->layer->recv_done(c, bytes);
	else
		gw_tcp_raw_recv_done(c, bytes);
}

void
gw_tcp_shutdown(struct gw_tcp_conn *c)
{
	if (unlikely(c->layer != NULL))
		c->layer->shutdown(c);
	else
		gw_tcp_raw_shutdown(c);
}

void
gw_tcp_abort(struct gw_tcp_conn *c)
{
	struct gw_tcp_wrk *t = c->t;

	if (c->state != GW_TCP_SYN_SENT && c->state != GW_TCP_TIME_WAIT)
		tcp_send_rst(t, c);
	tcp_conn_close(t, c, -ECONNRESET);
}

/* ---- timers ------------------------------------------------------------- */

static inline uint64_t
earliest(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return RTE_MIN(a, b);
}

void
tcp_timer_update(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	uint64_t next = earliest(earliest(c->t_rexmit, c->t_delack), c->t_wait);

	if (next == 0)
		gw_timer_stop(&c->timer);
	else if (!gw_timer_is_armed(&c->timer) ||
		 gw_timer_expire(&c->timer) != next)
		gw_timer_start(&t->wheel, &c->timer, next);
}

static inline bool
due(uint64_t deadline, uint64_t now)
{
	return deadline != 0 && deadline <= now;
}

static void
tcp_timer_fire(struct gw_timer *tm, void *arg)
{
	struct gw_tcp_wrk *t = arg;
	struct gw_tcp_conn *c = container_of(tm, struct gw_tcp_conn, timer);
	uint64_t now = t->now_ms;

	if (due(c->t_wait, now)) {
		c->t_wait = 0;
		switch (c->state) {
		case GW_TCP_ESTABLISHED:
		case GW_TCP_CLOSE_WAIT:
			/* keepalive (RFC 9293 §3.8.4): idle since last_rx_ms? */
			if (now < c->last_rx_ms + t->keep_time_ms) {
				c->t_wait = c->last_rx_ms + t->keep_time_ms;
			} else if (c->keep_probes >= t->keep_probes) {
				tcp_send_rst(t, c);
				tcp_conn_close(t, c, -ETIMEDOUT);
				return;
			} else {
				/* an ACK one below snd_una: it must be answered */
				uint32_t nxt = c->snd_nxt;

				c->snd_nxt = c->snd_una - 1;
				tcp_send_ack(t, c);
				c->snd_nxt = nxt;
				c->keep_probes++;
				t->stats.keepalive_probes++;
				c->t_wait = now + t->keep_intvl_ms;
			}
			break;
		case GW_TCP_SYN_RCVD: {
			/* a handshake given up */
			struct gw_tcp_listener *l =
				tcp_listener_lookup(t, c->lport);

			if (l != NULL && l->half_open > 0)
				l->half_open--;
			tcp_conn_close(t, c, -ETIMEDOUT);
			return;
		}
		case GW_TCP_FIN_WAIT_2:
			tcp_conn_close(t, c, -ETIMEDOUT);
			return;
		default:
			break; /* a keepalive deadline left from before a close */
		}
	}
	if (due(c->t_delack, now)) {
		c->t_delack = 0;
		if (c->flags & TCP_F_ACK_PENDING)
			tcp_send_ack(t, c);
	}
	if (due(c->t_rexmit, now)) {
		c->t_rexmit = 0;
		t->stats.rto_timeouts++;
		if (++c->retries > (c->state <= GW_TCP_SYN_RCVD ?
					    TCP_SYN_RETRIES : TCP_RETRIES)) {
			if (c->state == GW_TCP_SYN_SENT)
				t->stats.attempt_fails++;
			else
				tcp_send_rst(t, c);
			tcp_conn_close(t, c, -ETIMEDOUT);
			return;
		}
		/* RFC 6298 §5.5-5.6: back off; RFC 5681 §3.1: cwnd to 1 MSS */
		c->rto_ms = RTE_MIN(c->rto_ms * 2, (uint32_t)TCP_RTO_MAX);
		tcp_retransmit(t, c);
	}
	tcp_timer_update(t, c);
}

void
gw_tcp_timers_run(struct gw_worker *w)
{
	struct gw_tcp_wrk *t = w->tcp;

	uint64_t us = (w->now - t->epoch_tsc) / t->tsc_per_us;

	if (us > t->now_us) /* TCP's clock never goes back */
		t->now_us = us;
	t->now_ms = t->now_us / 1000 + 1; /* never 0: 0 means "off" */
	(void)gw_timer_wheel_run(&t->wheel, t->now_ms, t, TCP_TIMERS_PER_RUN);
	if (t->tw_n > 0)
		tcp_tw_sweep(t, TCP_TIMERS_PER_RUN);
}
