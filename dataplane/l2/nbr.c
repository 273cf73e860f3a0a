/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nbr — the per-worker neighbour (ARP) table and Ethernet output.
 *
 * States follow a reduced RFC 1122 / Linux model: INCOMPLETE (requests
 * sent every second, up to NBR_RETRIES, packets held in a bounded queue),
 * REACHABLE (confirmed within the reachable time, 30 s), STALE (still used
 * for sending, refreshed by at most NBR_RETRIES requests; an unanswered
 * refresh removes the entry, so the next packet resolves from scratch).
 * Entries neither used nor confirmed for 120 s are collected. Timeouts are
 * checked lazily on use and by a bounded sweep; no timer per entry.
 *
 * The table is an rte_hash without concurrency flags (private to one
 * worker); the position the hash gives a key indexes the entry array.
 * Worker thread, except init/fini (ctrl, while the worker is stopped).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "gw_l2.h"
#include "gw_worker.h"
#include "l2_priv.h"

#define NBR_REACHABLE_MS 30000 /* RFC 4861's REACHABLE_TIME, Linux's default */
#define NBR_RETRANS_MS 1000    /* RFC 1122: at most one request a second */
#define NBR_GC_MS 120000       /* unused entries are collected after this */
#define NBR_SWEEP_BATCH 128    /* entries visited by one sweep pass */
#define NBR_SYNC_BURST 32      /* updates taken from one inbox per loop */

struct nbr_key {
	uint32_t ip;
	uint16_t port;
	uint16_t zero; /* keeps the key free of padding garbage */
};

static const char *const nbr_state_names[GW_NBR_STATE_MAX] = {
	[GW_NBR_FREE] = "free",
	[GW_NBR_INCOMPLETE] = "incomplete",
	[GW_NBR_REACHABLE] = "reachable",
	[GW_NBR_STALE] = "stale",
};

const char *
gw_l2_nbr_state_name(unsigned state)
{
	return state < GW_NBR_STATE_MAX ? nbr_state_names[state] : "?";
}

int
gw_l2_wrk_init(struct gw_worker *w)
{
	struct gw_l2_wrk *l2 = &w->l2;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = GW_NBR_MAX,
		.key_len = sizeof(struct nbr_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};
	uint64_t ms = w->dp->tsc_hz / 1000;

	snprintf(name, sizeof(name), "gw_nbr_%u", w->id);
	l2->nbr_hash = rte_hash_create(&hp);
	if (l2->nbr_hash == NULL)
		return -rte_errno;
	l2->entries = rte_zmalloc("gw_nbr", sizeof(*l2->entries) * GW_NBR_MAX,
				  RTE_CACHE_LINE_SIZE);
	if (l2->entries == NULL) {
		rte_hash_free(l2->nbr_hash);
		l2->nbr_hash = NULL;
		return -ENOMEM;
	}
	l2->reachable_tsc = NBR_REACHABLE_MS * ms;
	l2->retrans_tsc = NBR_RETRANS_MS * ms;
	l2->gc_tsc = NBR_GC_MS * ms;
	return 0;
}

int
gw_l2_inbox_create(struct gw_worker *w, uint16_t src)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "gw_nbr_%u_%u", src, w->id);
	w->l2.nbr_in[src] = rte_ring_create_elem(name, sizeof(struct gw_nbr_msg),
						 GW_NBR_SYNC_RING,
						 (int)rte_socket_id(),
						 RING_F_SP_ENQ | RING_F_SC_DEQ);
	return w->l2.nbr_in[src] == NULL ? -rte_errno : 0;
}

static void
nbr_queue_purge(struct gw_worker *w, struct gw_nbr_entry *e,
		enum gw_drop_reason why)
{
	while (e->qlen > 0) {
		gw_worker_drop(w, e->port, e->q[e->qhead], why);
		e->qhead = (e->qhead + 1) % GW_NBR_QLEN;
		e->qlen--;
	}
}

void
gw_l2_wrk_fini(struct gw_worker *w)
{
	struct gw_l2_wrk *l2 = &w->l2;
	unsigned i;

	if (l2->entries != NULL) {
		for (i = 0; i < GW_NBR_MAX; i++) {
			struct gw_nbr_entry *e = &l2->entries[i];

			while (e->qlen > 0) {
				rte_pktmbuf_free(e->q[e->qhead]);
				e->qhead = (e->qhead + 1) % GW_NBR_QLEN;
				e->qlen--;
			}
		}
		rte_free(l2->entries);
		l2->entries = NULL;
	}
	rte_hash_free(l2->nbr_hash); /* NULL-safe */
	l2->nbr_hash = NULL;
	for (i = 0; i < GW_MAX_WORKERS; i++) {
		rte_ring_free(l2->nbr_in[i]); /* NULL-safe */
		l2->nbr_in[i] = NULL;
	}
}

static inline struct gw_nbr_entry *
nbr_lookup(struct gw_l2_wrk *l2, uint16_t port, uint32_t ip)
{
	struct gw_nbr_entry *e = l2->last;
	struct nbr_key k = { .ip = ip, .port = port };
	int32_t pos;

	if (likely(e != NULL && e->ip == ip && e->port == port &&
		   e->state != GW_NBR_FREE))
		return e;
	pos = rte_hash_lookup(l2->nbr_hash, &k);
	if (pos < 0)
		return NULL;
	l2->last = &l2->entries[pos];
	return l2->last;
}

static struct gw_nbr_entry *
nbr_add(struct gw_l2_wrk *l2, uint16_t port, uint32_t ip)
{
	struct nbr_key k = { .ip = ip, .port = port };
	struct gw_nbr_entry *e;
	int32_t pos;

	pos = rte_hash_add_key(l2->nbr_hash, &k);
	if (pos < 0)
		return NULL;
	e = &l2->entries[pos];
	memset(e, 0, offsetof(struct gw_nbr_entry, q));
	e->ip = ip;
	e->port = port;
	l2->n_used++;
	return e;
}

static void
nbr_del(struct gw_worker *w, struct gw_nbr_entry *e, enum gw_drop_reason why)
{
	struct nbr_key k = { .ip = e->ip, .port = e->port };

	nbr_queue_purge(w, e, why);
	(void)rte_hash_del_key(w->l2.nbr_hash, &k); /* present: e came from it */
	e->state = GW_NBR_FREE;
	w->l2.n_used--;
}

static inline void
l2_header_fill(struct rte_mbuf *m, const struct gw_dp_port *p,
	       const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	eth->dst_addr = *dst;
	eth->src_addr = p->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
}

void
gw_l2_output(struct gw_worker *w, uint16_t port, struct rte_mbuf *m,
	     uint32_t nexthop)
{
	struct gw_l2_wrk *l2 = &w->l2;
	struct gw_nbr_entry *e = nbr_lookup(l2, port, nexthop);

	if (likely(e != NULL && e->state >= GW_NBR_REACHABLE)) {
		if (unlikely(e->state == GW_NBR_REACHABLE &&
			     w->now - e->confirmed > l2->reachable_tsc)) {
			e->state = GW_NBR_STALE;
			e->probes = 0;
		}
		if (unlikely(e->state == GW_NBR_STALE &&
			     e->probes < NBR_RETRIES &&
			     w->now - e->probed >= l2->retrans_tsc)) {
			arp_request_send(w, port, nexthop);
			e->probes++;
			e->probed = w->now;
		}
		e->used = w->now;
		l2_header_fill(m, &w->dp->ports[port], &e->mac);
		gw_worker_tx(w, port, m);
		return;
	}
	if (e == NULL) {
		e = nbr_add(l2, port, nexthop);
		if (unlikely(e == NULL)) {
			gw_worker_drop(w, port, m, GW_DROP_NBR_TABLE_FULL);
			return;
		}
		e->state = GW_NBR_INCOMPLETE;
		e->used = w->now;
		e->probed = w->now;
		e->probes = 1;
		arp_request_send(w, port, nexthop);
	}
	if (unlikely(e->qlen == GW_NBR_QLEN)) {
		gw_worker_drop(w, port, m, GW_DROP_NBR_QUEUE_FULL);
		return;
	}
	e->q[(e->qhead + e->qlen) % GW_NBR_QLEN] = m;
	e->qlen++;
}

static void
nbr_sync_tx(struct gw_worker *w, uint16_t port, uint32_t ip,
	    const struct rte_ether_addr *mac, bool create)
{
	struct gw_nbr_msg msg = {
		.ip = ip, .port = port, .create = create, .mac = *mac,
	};
	struct gw_dp *dp = w->dp;
	unsigned i;

	for (i = 0; i < dp->n_workers; i++) {
		if (i == w->id)
			continue;
		if (rte_ring_enqueue_elem(dp->workers[i]->l2.nbr_in[w->id], &msg,
					  sizeof(msg)) != 0)
			gw_worker_cnt_add(w, port, GW_CNT_NBR_SYNC_LOST, 1);
	}
}

void
nbr_learn(struct gw_worker *w, uint16_t port, uint32_t ip,
	  const struct rte_ether_addr *mac, bool create, bool local)
{
	struct gw_l2_wrk *l2 = &w->l2;
	const struct gw_dp_port *p = &w->dp->ports[port];
	struct gw_nbr_entry *e;

	if (local && w->dp->n_workers > 1)
		nbr_sync_tx(w, port, ip, mac, create);

	e = nbr_lookup(l2, port, ip);
	if (e == NULL) {
		if (!create)
			return; /* RFC 826: only merge what we already know */
		e = nbr_add(l2, port, ip);
		if (e == NULL)
			return; /* full: resolution will retry and count it */
		e->used = w->now;
	}
	e->mac = *mac;
	e->state = GW_NBR_REACHABLE;
	e->confirmed = w->now;
	e->probes = 0;
	while (e->qlen > 0) {
		struct rte_mbuf *m = e->q[e->qhead];

		e->qhead = (e->qhead + 1) % GW_NBR_QLEN;
		e->qlen--;
		l2_header_fill(m, p, mac);
		gw_worker_tx(w, port, m);
	}
}

unsigned
gw_l2_nbr_sync_rx(struct gw_worker *w)
{
	struct gw_nbr_msg msgs[NBR_SYNC_BURST];
	unsigned total = 0, i, k, n;

	for (i = 0; i < w->dp->n_workers; i++) {
		struct rte_ring *r = w->l2.nbr_in[i];

		if (r == NULL || rte_ring_empty(r))
			continue;
		n = rte_ring_dequeue_burst_elem(r, msgs, sizeof(msgs[0]),
						NBR_SYNC_BURST, NULL);
		for (k = 0; k < n; k++)
			nbr_learn(w, msgs[k].port, msgs[k].ip, &msgs[k].mac,
				  msgs[k].create, false);
		total += n;
	}
	return total;
}

void
gw_l2_nbr_sweep(struct gw_worker *w)
{
	struct gw_l2_wrk *l2 = &w->l2;
	unsigned k;

	if (l2->n_used == 0)
		return;
	for (k = 0; k < NBR_SWEEP_BATCH; k++) {
		struct gw_nbr_entry *e = &l2->entries[l2->sweep_pos];
		uint64_t since_probe = w->now - e->probed;

		l2->sweep_pos = (l2->sweep_pos + 1) % GW_NBR_MAX;
		switch (e->state) {
		case GW_NBR_INCOMPLETE:
			if (since_probe < l2->retrans_tsc)
				break;
			if (e->probes < NBR_RETRIES) {
				arp_request_send(w, e->port, e->ip);
				e->probes++;
				e->probed = w->now;
			} else {
				nbr_del(w, e, GW_DROP_NBR_UNRESOLVED);
			}
			break;
		case GW_NBR_STALE:
			if (e->probes >= NBR_RETRIES &&
			    since_probe >= l2->retrans_tsc) {
				nbr_del(w, e, GW_DROP_NBR_UNRESOLVED);
				break;
			}
			/* fall through */
		case GW_NBR_REACHABLE:
			if (w->now - e->used > l2->gc_tsc &&
			    w->now - e->confirmed > l2->gc_tsc)
				nbr_del(w, e, GW_DROP_NBR_UNRESOLVED);
			break;
		default:
			break;
		}
	}
}

void
gw_l2_nbr_dump(struct gw_worker *w, struct gw_nbr_dump *d)
{
	struct gw_l2_wrk *l2 = &w->l2;
	uint64_t ms = w->dp->tsc_hz / 1000;
	unsigned i;

	d->n = 0;
	for (i = 0; i < GW_NBR_MAX; i++) {
		const struct gw_nbr_entry *e = &l2->entries[i];
		struct gw_nbr_dump_entry *o;

		if (e->state == GW_NBR_FREE)
			continue;
		o = &d->e[d->n++];
		o->ip = e->ip;
		o->port = e->port;
		o->state = e->state;
		o->probes = e->probes;
		o->mac = e->mac;
		o->qlen = e->qlen;
		o->confirmed_ms = e->state == GW_NBR_INCOMPLETE ?
			UINT64_MAX : (w->now - e->confirmed) / ms;
	}
}
