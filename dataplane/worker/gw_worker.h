/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/worker — the dataplane's shared description (struct gw_dp), the
 * per-worker state (struct gw_worker) and the worker loop.
 *
 * struct gw_dp is built by the control thread before the workers start and
 * is read-only while they run (ports, pool, RCU variable). Each worker owns
 * its struct gw_worker: flow tables, TX buffers, counters. ctrl reads the
 * counters without locks (plain 64-bit loads; a sample may be one packet
 * old) and talks to a worker only through its command ring.
 *
 * Loop: packets redirected by other workers -> rx bursts -> l2 -> ip4 ->
 * icmp / flow owner -> redirect and TX drains -> neighbour inbox ->
 * bounded housekeeping -> ctrl commands (every 64 loops) -> quiescent.
 */
#ifndef GW_WORKER_H
#define GW_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "gw_config.h"
#include "gw_drop.h"
#include "gw_flow_types.h"
#include "gw_l2_types.h"

#define GW_MAX_PORTS GW_CONFIG_MAX_PORTS
#define GW_MAX_WORKERS GW_CONFIG_MAX_WORKERS
#define GW_BURST 32 /* packets per rx/tx burst */

enum gw_cnt {
#define GW_CNT(id, name, help) GW_CNT_##id,
#include "counters.def"
#undef GW_CNT
	GW_CNT_MAX
};

extern const char *const gw_cnt_names[GW_CNT_MAX];
extern const char *const gw_cnt_help[GW_CNT_MAX];

/* One port as the workers see it. Immutable while workers run. */
struct gw_dp_port {
	uint16_t port_id; /* ethdev port id */
	uint16_t mtu;
	uint32_t addr;	  /* network byte order */
	uint32_t mask;	  /* network byte order */
	uint32_t gateway; /* network byte order, 0 = none */
	struct rte_ether_addr mac;
	bool rx_ip_cksum; /* RX IPv4 checksum offload enabled */
	bool tx_ip_cksum; /* TX IPv4 checksum offload enabled */
	bool rx_l4_cksum; /* RX TCP/UDP checksum offload enabled */
	bool tx_tcp_cksum; /* TX TCP checksum offload enabled */
	bool started;
	bool rss_steered; /* device RSS delivers flows to their owners */
	uint8_t prefix_len;
	char name[GW_CONFIG_PORT_NAME_MAX];
	char device[GW_CONFIG_DEVICE_MAX];
};

struct gw_worker;
struct gw_tcp_wrk;
struct gw_proxy_wrk;
struct gw_health;
struct gw_health_wrk;
struct gw_tls_wrk;
struct gw_nat_wrk;
struct gw_tls_keys;
struct gw_proxy_dests;
struct gw_snap;

/* The dataplane: built by ctrl at start, read-only for workers. */
struct gw_dp {
	unsigned n_workers;
	unsigned n_ports;
	unsigned idle_sleep_us; /* 0 = busy poll */
	uint64_t tsc_hz;
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qsbr; /* one thread id per worker */
	struct gw_flow_steer steer; /* which worker owns which flow */
	const struct gw_config_dataplane *cfg; /* what it was built from */
	/* the configuration the workers run (gw_snap.h): published by ctrl
	 * with a store-release, loaded by each worker once per loop */
	struct gw_snap *snap;
	uint32_t drain;		      /* ctrl: stop accepting (set once) */
	struct gw_snap *snap_retired; /* ctrl: older ones not freed yet */
	uint64_t snap_version;	      /* ctrl: the last published */
	struct gw_tls_keys *tls_keys; /* session ticket keys (gw_tls.h) */
	/* ctrl: the destinations Istio metric series name (gw_proxy.h) */
	struct gw_proxy_dests *proxy_dests;
	struct gw_worker *workers[GW_MAX_WORKERS];
	struct gw_dp_port ports[GW_MAX_PORTS];
};

/* TX buffer of one port, drained at the end of every loop. */
struct gw_txq {
	uint16_t n;
	uint16_t retry;	 /* pkts[0..retry) were refused by the device once */
	uint16_t stalls; /* consecutive flushes that sent nothing */
	struct rte_mbuf *pkts[GW_BURST];
};

/* Written by the worker only; ctrl sums them on read. */
struct gw_worker_stats {
	uint64_t loops;	      /* loop iterations */
	uint64_t busy_loops;  /* iterations that did work */
	uint64_t busy_cycles; /* TSC cycles of iterations that did work */
	uint64_t idle_cycles; /* TSC cycles of empty polls and idle sleeps */
	/* of busy_cycles, those inside the devices' rx/tx burst calls (for
	 * TAP and af_packet, the kernel's system calls): busy minus these is
	 * meshgw's own work */
	uint64_t device_cycles;
	uint64_t cnt[GW_MAX_PORTS][GW_CNT_MAX];
	uint64_t drop[GW_MAX_PORTS][GW_DROP_MAX];
};

/*
 * A request from ctrl, answered by the worker between two bursts. The
 * mailbox holds one request at a time: ctrl fills type, then bumps seq
 * (store-release); the worker acts, sets result and copies seq into ack
 * (store-release). Buffers a command fills live in the worker struct, so a
 * caller that gives up waiting leaves nothing dangling.
 */
enum gw_worker_cmd_type {
	GW_WORKER_CMD_NBR_DUMP, /* copy the neighbour table into nbr_dump */
};

struct gw_nbr_dump_entry {
	uint32_t ip; /* network byte order */
	uint16_t port;
	uint8_t state; /* enum gw_nbr_state */
	uint8_t probes;
	struct rte_ether_addr mac;
	uint16_t qlen;	       /* packets waiting */
	uint64_t confirmed_ms; /* ms since the last ARP heard; UINT64_MAX = never */
};

struct gw_nbr_dump {
	uint32_t n;
	struct gw_nbr_dump_entry e[GW_NBR_MAX];
};

struct gw_worker_mbox {
	uint32_t seq; /* written by ctrl */
	uint32_t ack; /* written by the worker */
	enum gw_worker_cmd_type type;
	int result;
};

struct gw_worker {
	/* first line: read every loop */
	struct gw_dp *dp;
	uint16_t id;	    /* 0..n_workers-1, also RX/TX queue and RCU id */
	uint16_t lcore_id;
	uint32_t run;	    /* cleared by ctrl to stop the loop */
	uint64_t now;	    /* TSC at the top of this loop iteration */
	uint64_t loop_tsc;  /* TSC at the top of the previous iteration */
	uint32_t idle_loops; /* consecutive iterations without work */
	bool last_busy;	    /* previous iteration did work */
	uint64_t next_sweep; /* TSC of the next housekeeping pass */
	struct gw_worker_mbox mbox;	  /* ctrl -> worker requests */
	struct gw_nbr_dump *nbr_dump; /* filled by GW_WORKER_CMD_NBR_DUMP */
	struct gw_tcp_wrk *tcp;	      /* the worker's TCP (dataplane/tcp) */
	struct gw_proxy_wrk *proxy;   /* the HTTP proxy (dataplane/proxy) */
	struct gw_health_wrk *health; /* its probes (dataplane/health) */
	struct gw_tls_wrk *tls;	      /* TLS connections (dataplane/tls) */
	struct gw_nat_wrk *nat;	      /* full NAT (dataplane/nat_lb), NULL
				       * without full-NAT listeners */
	struct gw_snap *snap;	      /* the configuration it runs */
	uint64_t snap_ack;	      /* its version (store-release, for ctrl) */
	uint32_t drain_seen;	      /* dp->drain acted on */
	struct gw_impair *impair[GW_MAX_PORTS]; /* NULL: port not impaired */

	struct gw_txq tx[GW_MAX_PORTS] __rte_cache_aligned;
	struct gw_l2_wrk l2 __rte_cache_aligned;
	struct gw_flow_wrk flow __rte_cache_aligned;
	struct gw_worker_stats stats __rte_cache_aligned;
} __rte_cache_aligned;

/* xorshift64*: a worker's cheap random numbers (jitter, sampling, request
 * ids); *state is the caller's, never 0. */
static inline uint64_t
gw_worker_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static inline void
gw_worker_cnt_add(struct gw_worker *w, uint16_t port, enum gw_cnt c,
		  uint64_t v)
{
	w->stats.cnt[port][c] += v;
}

/** Free a packet and count why. The caller never touches m again. */
static inline void
gw_worker_drop(struct gw_worker *w, uint16_t port, struct rte_mbuf *m,
	       enum gw_drop_reason why)
{
	w->stats.drop[port][why]++;
	rte_pktmbuf_free(m);
}

/**
 * Transmit the TX buffer of one port now. Packets the device refuses stay
 * in the buffer for the next call (counted as tx_retry).
 */
void gw_worker_tx_flush(struct gw_worker *w, uint16_t port);

/**
 * Queue a finished frame for transmission on a port (consumed). The buffer
 * is sent when it holds a burst or at the end of the loop iteration.
 */
static inline void
gw_worker_tx(struct gw_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct gw_txq *q = &w->tx[port];

	if (unlikely(q->n == GW_BURST)) { /* full of refused packets */
		gw_worker_tx_flush(w, port);
		if (q->n == GW_BURST) {
			gw_worker_drop(w, port, m, GW_DROP_PORT_TX_FULL);
			return;
		}
	}
	q->pkts[q->n++] = m;
	if (q->n == GW_BURST)
		gw_worker_tx_flush(w, port);
}

/**
 * Allocate and initialise worker `id` (ctrl thread only, before launch):
 * its l2 tables and command buffers. Neighbour inboxes are wired by
 * gw_worker_mesh_init() once every worker exists.
 * @return the worker, or NULL with rte_errno set.
 */
struct gw_worker *gw_worker_create(struct gw_dp *dp, uint16_t id,
				   uint16_t lcore_id);

/** Create the worker-to-worker neighbour inboxes (ctrl, before launch). */
int gw_worker_mesh_init(struct gw_dp *dp);

/** Free a stopped worker and what it holds; NULL is a no-op. */
void gw_worker_free(struct gw_worker *w);

/** lcore entry point (rte_eal_remote_launch); returns when run is cleared. */
int gw_worker_main(void *arg);

/** Ask a running worker to stop (ctrl). */
void gw_worker_stop(struct gw_worker *w);

/**
 * Ask a running worker to act on a command and wait for it (ctrl only).
 * @return the worker's result, -ETIMEDOUT after timeout_ms, -EBUSY while an
 *   earlier command that timed out is still unanswered.
 */
int gw_worker_cmd_call(struct gw_worker *w, enum gw_worker_cmd_type type,
		       unsigned timeout_ms);

/** Run one loop iteration (tests drive a worker without an lcore). */
unsigned gw_worker_poll_once(struct gw_worker *w);

/* ---- the dataplane as a whole (ctrl thread) ---------------------------- */

/**
 * Build the dataplane after rte_eal_init(): RCU variable, mbuf pool, ports
 * (started), one worker per EAL worker lcore, neighbour inboxes.
 * @return 0 and *out, or -errno with a message in err; nothing is left
 *   allocated on failure.
 */
int gw_dp_create(const struct gw_config_dataplane *cfg, struct gw_dp **out,
		 char *err, size_t errlen);

/**
 * The port that reaches addr (host order): the first whose subnet holds it,
 * else the first with a gateway. @return the port index, or -1.
 */
int gw_dp_port_toward(const struct gw_dp *dp, uint32_t addr);

/** Start every worker loop on its lcore. @return 0 or -errno. */
int gw_dp_launch(struct gw_dp *dp);

/** Stop every worker and wait for its lcore to return. */
void gw_dp_stop(struct gw_dp *dp);

/** Free a stopped dataplane: workers, ports, pool. NULL is a no-op. */
void gw_dp_free(struct gw_dp *dp);

#endif /* GW_WORKER_H */
