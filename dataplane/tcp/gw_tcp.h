/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/tcp — meshgw's TCP (RFC 9293), one instance per worker.
 *
 * Applications (the test listeners, later the proxy, TLS and health
 * checks) see connections through callbacks and a handful of calls; they
 * never touch TCP internals. Ownership rules:
 *  - data(): the mbuf chain is the application's from then on; the window
 *    it occupied reopens only when the application calls
 *    gw_tcp_recv_done() with the bytes it let go of (back-pressure);
 *  - gw_tcp_send(): on success the chain is TCP's (it is freed once
 *    acknowledged); on -EAGAIN nothing was taken;
 *  - closed() is the last callback: the connection is freed when it
 *    returns, and the application must drop every pointer to it;
 *  - gw_tcp_abort() may be called from any callback of the connection
 *    itself (data(), writable(), eof()): TCP stops touching it.
 * Every function runs on the worker that owns the connection.
 */
#ifndef GW_TCP_H
#define GW_TCP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "gw_worker.h"

struct gw_tcp_conn;

/*
 * Per-worker TCP counters, summed by ctrl (X-macro: field, help). All are
 * counters except active_conns, a gauge.
 */
#define GW_TCP_STATS(X)                                                        \
	X(active_opens, "connections opened by the gateway")                   \
	X(passive_opens, "connections accepted by a listener")                 \
	X(attempt_fails, "active opens that failed")                           \
	X(estab_resets, "established connections reset by the peer")           \
	X(rst_rx, "RST segments accepted")                                     \
	X(rst_tx, "RST segments sent")                                         \
	X(segs_rx, "segments received")                                        \
	X(segs_tx, "segments sent")                                            \
	X(retrans_segs, "segments retransmitted")                              \
	X(rto_timeouts, "retransmission timeouts")                             \
	X(fast_retrans, "fast retransmits (entries into fast recovery)")       \
	X(ooo_segs, "segments received out of order")                          \
	X(dup_segs, "segments that carried nothing new")                       \
	X(challenge_acks, "challenge ACKs sent (RFC 5961)")                    \
	X(paws_drops, "segments dropped by PAWS")                              \
	X(syncookies_sent, "SYN-ACKs with a SYN cookie (backlog full)")        \
	X(syncookies_valid, "connections opened by a valid SYN cookie")        \
	X(syncookies_failed, "ACKs to a listener with an invalid cookie")      \
	X(keepalive_probes, "keepalive probes sent")                           \
	X(tw_recycled, "TIME-WAIT entries reused early (table full)")          \
	X(tw_reuse, "TIME-WAIT tuples reused by a newer SYN (RFC 6191)")        \
	X(active_conns, "connections open now (gauge)")                        \
	X(time_wait, "connections in TIME-WAIT now (gauge)")

struct gw_tcp_stats {
#define GW_TCP_STAT_FIELD(f, help) uint64_t f;
	GW_TCP_STATS(GW_TCP_STAT_FIELD)
#undef GW_TCP_STAT_FIELD
};

/** The worker's TCP counters (read by ctrl without locks), or NULL. */
const struct gw_tcp_stats *gw_tcp_stats_get(const struct gw_worker *w);

struct gw_tcp_app_ops {
	/**
	 * A passive open completed. @return 0 to keep the connection (set
	 * its context with gw_tcp_ctx_set()), < 0 to reset it.
	 */
	int (*accepted)(struct gw_tcp_conn *c, void *listen_ctx);
	/**
	 * An active open finished: 0, or -ECONNREFUSED / -ETIMEDOUT /
	 * -ECONNRESET, in which case this is the last call (no closed()).
	 */
	void (*connected)(struct gw_tcp_conn *c, int err);
	/** In-order data; the chain is consumed (see gw_tcp_recv_done()). */
	void (*data)(struct gw_tcp_conn *c, struct rte_mbuf *m);
	/** Send space freed after gw_tcp_send() returned -EAGAIN. */
	void (*writable)(struct gw_tcp_conn *c);
	/** The peer finished sending (FIN): no more data() calls. */
	void (*eof)(struct gw_tcp_conn *c);
	/** The connection is gone: 0, -ECONNRESET or -ETIMEDOUT. Last call. */
	void (*closed)(struct gw_tcp_conn *c, int err);
};

/**
 * A layer between TCP and the application, such as TLS (Envoy's
 * transport socket): installed on a connection, it receives TCP's
 * callbacks in place of the application (`up`; accepted is not used)
 * and implements the application's send side (the gw_tcp_send(),
 * gw_tcp_send_space(), gw_tcp_recv_done() and gw_tcp_shutdown() an
 * application calls reach it). It talks to TCP itself with the
 * gw_tcp_raw_*() calls and to the application through gw_tcp_app().
 * gw_tcp_abort(), gw_tcp_ctx() and the rest stay the application's.
 */
struct gw_tcp_layer {
	struct gw_tcp_app_ops up;
	int (*send)(struct gw_tcp_conn *c, struct rte_mbuf *m);
	uint32_t (*send_space)(struct gw_tcp_conn *c);
	void (*recv_done)(struct gw_tcp_conn *c, uint32_t bytes);
	void (*shutdown)(struct gw_tcp_conn *c);
};

/**
 * Install a layer on c (from accepted(), or right after
 * gw_tcp_connect()); lctx is the layer's own context. One layer per
 * connection, for its whole life.
 */
void gw_tcp_layer_set(struct gw_tcp_conn *c, const struct gw_tcp_layer *l,
		      void *lctx);
void *gw_tcp_layer_ctx(const struct gw_tcp_conn *c);
/** c's layer, NULL when it has none. */
const struct gw_tcp_layer *gw_tcp_layer(const struct gw_tcp_conn *c);
/** The application's callbacks, for its layer to call. */
const struct gw_tcp_app_ops *gw_tcp_app(const struct gw_tcp_conn *c);
/* TCP itself, under the layer (same contracts as the calls without raw) */
int gw_tcp_raw_send(struct gw_tcp_conn *c, struct rte_mbuf *m);
uint32_t gw_tcp_raw_send_space(struct gw_tcp_conn *c);
void gw_tcp_raw_recv_done(struct gw_tcp_conn *c, uint32_t bytes);
void gw_tcp_raw_shutdown(struct gw_tcp_conn *c);
/** Ask for writable() at the next acknowledgement that frees space (a
 * layer that needs more room than there is). */
void gw_tcp_raw_want_write(struct gw_tcp_conn *c);

/**
 * Listen on `lport` (host order) on every address of every port, on this
 * worker (each worker listens; flows are owned per worker). Ctrl thread,
 * before launch, or the worker itself.
 * @return 0, -EADDRINUSE, -ENOSPC (listener table full), -EINVAL.
 */
int gw_tcp_listen(struct gw_worker *w, uint16_t lport,
		  const struct gw_tcp_app_ops *ops, void *ctx);

/**
 * Stop listening on `lport` (host order) on this worker: new SYNs get a
 * RST, handshakes under way are reset when they complete; established
 * connections are not touched. The worker itself (or ctrl before launch).
 * @return 0, or -ENOENT when nothing listens there.
 */
int gw_tcp_unlisten(struct gw_worker *w, uint16_t lport);

/**
 * Open a connection from `port`'s address and a local port of this
 * worker's ephemeral slice (so replies come back to this worker) to
 * raddr:rport (host order). connected() tells how it went.
 * @return the connection (in SYN_SENT), or NULL with *err = -EADDRNOTAVAIL
 *   (no free local port), -ENOBUFS (table full), -EINVAL.
 */
struct gw_tcp_conn *gw_tcp_connect(struct gw_worker *w, uint16_t port,
				   uint32_t raddr, uint16_t rport,
				   const struct gw_tcp_app_ops *ops, void *ctx,
				   int *err);

/**
 * Queue data to send (consumed on success).
 * @return 0, -EAGAIN when the send buffer cannot take all of it (nothing
 *   taken; writable() follows), -EPIPE after shutdown or in a state that
 *   cannot send (nothing taken either: the caller still owns the chain).
 */
int gw_tcp_send(struct gw_tcp_conn *c, struct rte_mbuf *m);

/**
 * Bytes gw_tcp_send() would accept now. When it is 0, writable() follows
 * once acknowledgements free space.
 */
uint32_t gw_tcp_send_space(struct gw_tcp_conn *c);

/** The application released `bytes` of received data: the window grows. */
void gw_tcp_recv_done(struct gw_tcp_conn *c, uint32_t bytes);

/**
 * Acknowledge what arrived now instead of after the delayed-ACK time,
 * when an ACK is pending. For an application that has taken a message's
 * head and waits for the rest: a peer whose Nagle algorithm holds the
 * rest until that ACK would otherwise stall 40 ms.
 */
void gw_tcp_ack_now(struct gw_tcp_conn *c);

/** Send FIN after what is queued (half-close); receiving goes on. */
void gw_tcp_shutdown(struct gw_tcp_conn *c);

/** Reset the connection now; closed(-ECONNRESET) follows at once. */
void gw_tcp_abort(struct gw_tcp_conn *c);

/** Bytes the application queued with gw_tcp_send() since the start. */
uint64_t gw_tcp_bytes_queued(const struct gw_tcp_conn *c);

/** The worker that owns c. */
struct gw_worker *gw_tcp_worker(const struct gw_tcp_conn *c);

/** The mbuf pool to build data to send from. */
struct rte_mempool *gw_tcp_pool(const struct gw_tcp_conn *c);

/** Whether the TCP stack has this 4-tuple (network order) in use, in a
 * connection or its TIME-WAIT (the full NAT does not take it). */
bool gw_tcp_tuple_busy(struct gw_worker *w, uint32_t raddr, uint32_t laddr,
		       uint16_t rport, uint16_t lport);

/** The remote address and port (host order), as the proxy reports them
 * in x-forwarded-for. */
void gw_tcp_peer(const struct gw_tcp_conn *c, uint32_t *addr, uint16_t *port);
/** The local address and port (host order). */
void gw_tcp_local(const struct gw_tcp_conn *c, uint32_t *addr, uint16_t *port);

void *gw_tcp_ctx(const struct gw_tcp_conn *c);
void gw_tcp_ctx_set(struct gw_tcp_conn *c, void *ctx);

/**
 * Receive one TCP segment addressed to us on the owning worker
 * (consumed): data at the Ethernet header, l2_len and l3_len set.
 */
void gw_tcp_input(struct gw_worker *w, uint16_t port, struct rte_mbuf *m);

/** Fire due TCP timers (the worker loop, once per iteration). */
void gw_tcp_timers_run(struct gw_worker *w);

/** Set up the worker's TCP state from the Dataplane (ctrl, before launch). */
int gw_tcp_wrk_init(struct gw_worker *w, const struct gw_config_tcp *cfg);

/** Free every connection (no callbacks) and the tables (ctrl, after stop). */
void gw_tcp_wrk_fini(struct gw_worker *w);

/** "ESTABLISHED", ... */
const char *gw_tcp_state_name(unsigned state);

#endif /* GW_TCP_H */
