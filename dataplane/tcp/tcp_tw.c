/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcp_tw — TIME-WAIT without a control block. A connection that enters
 * TIME-WAIT leaves the connection table for a compact, bounded per-worker
 * table: a ring of entries in arrival order (all live 2 MSL, so the ring
 * is also their expiry order) and an rte_hash from the 4-tuple to the
 * slot. When the ring is full the oldest entry is reused early (counted).
 * What TIME-WAIT does (RFC 9293 §3.10.7.4): ACK a retransmitted FIN,
 * ignore RST (RFC 1337), and let a new SYN reuse the tuple when its
 * sequence (or timestamp) is beyond the old connection's (RFC 6191).
 * Worker thread; init/fini on ctrl.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "tcp_priv.h"

struct tw_key {
	uint32_t raddr;
	uint32_t laddr;
	uint16_t rport;
	uint16_t lport;
};

int
tcp_tw_init(struct gw_tcp_wrk *t, uint32_t max, uint16_t worker)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = max,
		.key_len = sizeof(struct tw_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};

	snprintf(name, sizeof(name), "gw_tcp_tw_%u", worker);
	t->tw_max = max;
	t->tw_hash = rte_hash_create(&hp);
	t->tw = rte_zmalloc("gw_tcp_tw", sizeof(*t->tw) * max,
			    RTE_CACHE_LINE_SIZE);
	return t->tw_hash == NULL || t->tw == NULL ? -ENOMEM : 0;
}

void
tcp_tw_fini(struct gw_tcp_wrk *t)
{
	rte_hash_free(t->tw_hash); /* NULL-safe */
	rte_free(t->tw);
	t->tw_hash = NULL;
	t->tw = NULL;
}

static void
tw_kill(struct gw_tcp_wrk *t, struct tcp_tw *e)
{
	struct tw_key k = { e->raddr, e->laddr, e->rport, e->lport };

	if (!e->live)
		return;
	(void)rte_hash_del_key(t->tw_hash, &k); /* present while live */
	e->live = false;
	t->stats.time_wait--;
}

struct tcp_tw *
tcp_tw_lookup(struct gw_tcp_wrk *t, uint32_t raddr, uint32_t laddr,
	      uint16_t rport, uint16_t lport)
{
	struct tw_key k = { raddr, laddr, rport, lport };
	void *slot;

	if (t->stats.time_wait == 0 ||
	    rte_hash_lookup_data(t->tw_hash, &k, &slot) < 0)
		return NULL;
	return &t->tw[(uintptr_t)slot];
}

void
tcp_tw_del(struct gw_tcp_wrk *t, struct tcp_tw *e)
{
	tw_kill(t, e);
}

void
tcp_tw_enter(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	struct tw_key k = { c->raddr, c->laddr, c->rport, c->lport };
	uint32_t slot = (t->tw_head + t->tw_n) % t->tw_max;
	struct tcp_tw *e;

	if (t->tw_n == t->tw_max) { /* full: the oldest goes early */
		slot = t->tw_head;
		if (t->tw[slot].live)
			t->stats.tw_recycled++;
		tw_kill(t, &t->tw[slot]);
		t->tw_head = (t->tw_head + 1) % t->tw_max;
		t->tw_n--;
	}
	e = &t->tw[slot];
	e->raddr = c->raddr;
	e->laddr = c->laddr;
	e->rport = c->rport;
	e->lport = c->lport;
	e->snd_nxt = c->snd_nxt;
	e->rcv_nxt = c->rcv_nxt;
	e->iss = c->iss;
	e->ts_recent = c->ts_recent;
	e->ts = (c->flags & TCP_F_TS) != 0;
	e->port = c->port;
	e->expire_ms = t->now_ms + 2 * TCP_MSL;
	e->live = rte_hash_add_key_data(t->tw_hash, &k,
					(void *)(uintptr_t)slot) == 0;
	t->tw_n++;
	if (e->live)
		t->stats.time_wait++;
	tcp_conn_close(t, c, 0); /* closed() for the application: done */
}

void
tcp_tw_sweep(struct gw_tcp_wrk *t, unsigned max)
{
	while (t->tw_n > 0 && max-- > 0) {
		struct tcp_tw *e = &t->tw[t->tw_head];

		if (e->live && e->expire_ms > t->now_ms)
			break; /* the ring is in expiry order */
		tw_kill(t, e);
		t->tw_head = (t->tw_head + 1) % t->tw_max;
		t->tw_n--;
	}
}

void
tcp_tw_ack(struct gw_tcp_wrk *t, const struct tcp_tw *e)
{
	struct gw_tcp_conn tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.raddr = e->raddr;
	tmp.laddr = e->laddr;
	tmp.rport = e->rport;
	tmp.lport = e->lport;
	tmp.port = e->port;
	tmp.state = GW_TCP_TIME_WAIT;
	tmp.snd_nxt = e->snd_nxt;
	tmp.rcv_nxt = e->rcv_nxt;
	tmp.rcv_adv = e->rcv_nxt;
	tmp.iss = e->iss;
	tmp.ts_recent = e->ts_recent;
	tmp.mss = TCP_DEFAULT_MSS;
	tmp.t = t;
	if (e->ts)
		tmp.flags |= TCP_F_TS;
	tcp_send_ack(t, &tmp);
}
