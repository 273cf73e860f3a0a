/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/proxy private: per-worker state, sessions, and the mbuf chain
 * helpers the two directions of a session share.
 */
#ifndef PROXY_PRIV_H
#define PROXY_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "gw_health.h"
#include "gw_http.h"
#include "gw_lb.h"
#include "gw_mesh.h"
#include "gw_proxy.h"
#include "gw_route.h"
#include "gw_tcp.h"
#include "gw_tls.h"
#include "gw_timer.h"
#include "gw_trace.h"
#include "gw_worker.h"

extern int gw_proxy_logtype;
#define GW_PROXY_LOG(level, ...) \
	rte_log(RTE_LOG_##level, gw_proxy_logtype, "proxy: " __VA_ARGS__)

/* Header fields kept per message (the parser's default limit). */
#define PROXY_MAX_HDRS 100
/* Bytes a session queues toward a peer before it stops taking more from
 * the other side: with the TCP windows, what bounds a session's memory. */
#define PROXY_QUEUE_MAX (64 * 1024)
/* Largest head: start line plus header section limits of lib/http. */
#define PROXY_HEAD_MAX (8192 + 60 * 1024)
/* Room for the rewritten head's new lines. */
#define PROXY_SCRATCH 16384
/* Timer callbacks per worker loop, at most. */
#define PROXY_TIMERS_PER_RUN 256
/* Edits applied to one head. */
#define PROXY_MAX_EDITS 56
/* A request is replayed on a retry only when all of it that went to the
 * failed attempt fits here (Envoy buffers up to its per-request limit). */
#define PROXY_REPLAY_MAX (64 * 1024)
/* Retry back-off: fully jittered exponential from 25 ms, capped at 250 ms
 * (Envoy's defaults, which Istio keeps). */
#define PROXY_RETRY_BASE_MS 25
#define PROXY_RETRY_MAX_MS 250
/* Picks a retry makes to avoid endpoints already tried (Istio's
 * previous_hosts predicate with host_selection_retry_max_attempts 5). */
#define PROXY_RETRY_PICKS 5

/* Why an attempt failed, for retryOn. */
enum proxy_fail {
	FAIL_CONNECT,	/* connect refused, unreachable or timed out */
	FAIL_RESET,	/* the connection ended before a response head */
	FAIL_TIMEOUT,	/* perTryTimeout */
	FAIL_STATUS,	/* a response status */
};

/* A byte queue as an mbuf chain; the head's pkt_len is not kept. */
struct chain {
	struct rte_mbuf *head;
	struct rte_mbuf *tail;
	uint32_t len;		/* bytes */
};

void chain_append(struct chain *c, struct rte_mbuf *m);
/* Move all of b to the end of c. */
void chain_join(struct chain *c, struct chain *b);
/* Put m back in front of c (undoing a chain_split()). */
void chain_prepend(struct chain *c, struct rte_mbuf *m);
/* Remove the first n bytes into a new chain (pkt_len and nb_segs set).
 * @return it, or NULL when an mbuf could not be had (c unchanged). */
struct rte_mbuf *chain_split(struct chain *c, uint32_t n,
			     struct rte_mempool *pool);
/* Free the first n bytes. */
void chain_drop(struct chain *c, uint32_t n);
void chain_free(struct chain *c);
/* Copy bytes [off, off + len) out. */
void chain_copy(const struct chain *c, uint32_t off, uint32_t len, void *dst);
/* The contiguous bytes from off to the end of their segment. */
const uint8_t *chain_piece(const struct chain *c, uint32_t off,
			   uint32_t *len);
/* Make an mbuf chain of the bytes of iov[0..n). NULL when out of mbufs. */
struct rte_mbuf *chain_from_iov(struct rte_mempool *pool,
				const struct iovec *iov, int n);
/* Hand q to TCP connection c as far as its send buffer allows; keep
 * (NULL: none) gets a clone of what went (for a retry). -1: c cannot send
 * any more (q was dropped). */
int q_flush(struct chain *q, struct gw_tcp_conn *c, struct chain *keep);
/* Move up to n bytes from the front of `from` into q (bounded by
 * PROXY_QUEUE_MAX), giving src's window back for them. @return bytes. */
uint32_t q_take(struct chain *q, struct chain *from, uint32_t n,
		struct gw_tcp_conn *src, struct rte_mempool *pool);

/* Request side, response side. */
enum proxy_req_state {
	REQ_HEAD = 0,	/* reading a request head */
	REQ_BODY,	/* forwarding its body */
	REQ_DONE,	/* all of it queued upstream (or answered locally) */
	REQ_DISCARD,	/* closing: what arrives is dropped */
	REQ_TUNNEL,	/* after a 101, or a passthrough's route: bytes go
			 * up as they are */
	REQ_SNI,	/* TLS passthrough: reading the ClientHello */
};

enum proxy_resp_state {
	RESP_IDLE = 0,	/* no upstream exchange */
	RESP_HEAD,	/* reading the upstream response head */
	RESP_BODY,	/* forwarding its body */
	RESP_DONE,	/* all of it queued downstream */
	RESP_TUNNEL,	/* after a 101 (or a passthrough's route): bytes
			 * go down as they are */
};

struct gw_proxy_wrk;
struct proxy_gen;

/*
 * What one request (or passthrough connection) leaves to telemetry
 * (proxy_obs.c): its Istio series' labels, sizes and times, and what its
 * access log record needs beyond the strings (kept in the worker's
 * per-session record, when there is one).
 */
struct proxy_obs {
	uint64_t t0;		/* TSC: the request's first byte */
	uint64_t up_tsc;	/* TSC from routed to the response head */
	uint64_t rx;		/* bytes from the client */
	uint64_t tx;		/* bytes to the client */
	uint64_t trace_hi;	/* trace id (hi 0: a 64-bit id) */
	uint64_t trace_lo;
	uint64_t span;		/* this hop's span id */
	uint64_t parent;	/* the client's span id, 0 none */
	struct gw_proxy_series *tcp;	/* passthrough: its series */
	uint32_t flags;		/* GW_ALOG_F() */
	uint32_t up_ip;		/* host order; set with records only */
	uint32_t up_local_ip;
	uint16_t up_port;
	uint16_t up_local_port;
	uint16_t status;	/* final status sent; 0 none */
	uint16_t dest;		/* destination id (gw_proxy_dest()) */
	uint8_t details;	/* enum gw_alog_details */
	uint8_t grpc;		/* grpc-status, GW_SERIES_GRPC_NONE */
	uint8_t trace;		/* enum gw_alog_trace */
	bool is_grpc;
	bool http10;
	bool open;		/* a request is being accounted */
};

/* One downstream connection and, while a request is out, its upstream. */
struct proxy_sess {
	struct gw_proxy_wrk *pw;
	struct proxy_gen *gen;		/* the configuration it holds (a ref) */
	struct gw_tcp_conn *down;
	struct gw_tcp_conn *up;
	struct proxy_sess *next_free;
	uint8_t req;			/* enum proxy_req_state */
	uint8_t resp;			/* enum proxy_resp_state */
	bool down_eof;			/* client finished sending */
	bool up_connected;
	bool close_after;		/* no keep-alive after this exchange */
	bool resp_started;		/* response bytes went downstream */
	bool shut_down;			/* FIN queued downstream */
	bool up_eof;			/* the upstream finished sending */
	bool up_shut;			/* FIN queued upstream (tunnel) */
	bool upgrade;			/* the request asked for an Upgrade */
	bool head_seen;			/* a byte of the next head arrived */
	bool pending;			/* queued for a connection slot */
	bool replay_ok;			/* what went upstream is in `replay` */
	bool retry_counted;		/* holds one of the cluster's retries */
	bool l4;			/* TLS passthrough or TCP: bytes, not
					 * HTTP */
	struct proxy_sess *pend_next;	/* the cluster's pending queue */
	struct proxy_sess *pend_prev;
	uint32_t up_requests;		/* requests on this upstream conn */
	uint8_t req_method;		/* enum gw_http_method */
	struct proxy_listener *lis;	/* its listener, in gen */
	uint32_t cluster;		/* index in gen's mesh */
	int endpoint;			/* index in the cluster, -1 none */
	uint64_t t_sent;		/* TSC when the request head was routed */
	/* timeouts, in the worker's milliseconds (pw->now_ms); one wheel
	 * timer at the earliest (see sess_deadline()) */
	uint64_t t_active;		/* a byte last moved either way */
	uint64_t t_head;		/* the first byte of a request head */
	uint64_t dl_route;		/* route timeout; 0 none */
	uint64_t dl_connect;		/* connect timeout; 0 none */
	uint64_t dl_try;		/* perTryTimeout; 0 none */
	uint64_t dl_retry;		/* the next attempt starts; 0 none */
	uint64_t dl_fault;		/* fault delay ends; 0 none */
	uint16_t fault_abort;		/* status after the delay; 0 none */
	uint16_t retries;		/* retries made for this request */
	uint64_t tried;			/* endpoints tried, bit (index % 64) */
	uint32_t peer_ip;		/* the client connection's addresses, */
	uint32_t local_ip;		/* host order (x-forwarded-for, logs) */
	uint16_t peer_port;
	uint16_t local_port;
	uint64_t req_payload;		/* request body bytes (413 limit) */
	struct gw_timer timer;
	struct proxy_obs ob;		/* the request's telemetry */
	uint32_t in_fed;		/* bytes of `in` given to the parser */
	uint32_t in_body;		/* parsed body bytes at in's front */
	uint32_t rin_fed;
	uint32_t rin_body;
	const struct gw_route *route;	/* of the request in flight */
	const struct gw_route_dest *dest;
	struct chain in;		/* from downstream, not forwarded yet */
	struct chain rin;		/* from upstream, not forwarded yet */
	struct chain upq;		/* toward upstream, not taken by TCP */
	struct chain downq;		/* toward downstream */
	struct chain replay;		/* sent upstream, kept for a retry */
	struct gw_http_parser p;	/* request */
	struct gw_http_parser rp;	/* response */
	struct gw_http_hdr hdrs[PROXY_MAX_HDRS];
	struct gw_http_hdr rhdrs[PROXY_MAX_HDRS];
};

/* Per worker and listener: the route table and this worker's scratch. */
struct proxy_listener {
	struct proxy_gen *gen;
	const struct gw_mesh_listener *ml;
	const struct gw_tls_listener *tls;	/* HTTPS: its servers */
	struct gw_route_scratch *scratch;
};

/*
 * An idle upstream connection kept for reuse (HTTP/1.1 keep-alive). Its
 * TCP context is the entry with bit 0 set, which tells its callbacks
 * apart from a session's.
 */
struct proxy_idle {
	struct gw_proxy_wrk *pw;
	struct proxy_gen *gen;		/* its cluster's configuration (a ref) */
	struct gw_tcp_conn *c;
	struct proxy_idle *next;	/* endpoint list, or the free list */
	struct proxy_idle *prev;
	uint32_t cluster;
	uint32_t endpoint;
	uint32_t requests;		/* served on this connection so far */
	struct gw_timer timer;		/* closes it at the idle timeout */
};

#define PROXY_IDLE_TAG ((uintptr_t)1)

/*
 * Per worker and cluster: balancer state, active requests, idle pool, and
 * the connection limit (DestinationRule tcp.maxConnections and
 * http.http1MaxPendingRequests, each worker holding its share): a request
 * that finds the cluster at its limit waits in the pending queue for a
 * connection to come free, or gets 503 when the queue is full.
 */
struct proxy_cluster {
	const struct gw_mesh_cluster *mc;
	struct gw_health_cluster *hc;	/* shared health, weights */
	const struct gw_tls_client *tls; /* DestinationRule tls; NULL plain */
	uint32_t gen;			/* hc->gen the fields below are for */
	bool panic;			/* too few healthy: all picked */
	const struct gw_lb *lb;		/* the balancer lb_state is for */
	const uint64_t *avail;		/* NULL: every endpoint */
	uint64_t *avail_buf;		/* hc->words */
	void *lb_state;
	uint32_t *active;		/* per endpoint */
	struct proxy_idle **idle;	/* per endpoint: most recent first */
	uint32_t conns;			/* open: busy, idle and connecting */
	uint32_t n_idle;		/* of them, idle */
	uint32_t max_conns;		/* this worker's share */
	uint32_t max_pending;		/* this worker's share */
	uint32_t n_pending;
	uint32_t retries_active;	/* retries under way (maxRetries) */
	uint32_t max_retries;		/* this worker's share */
	struct gw_proxy_ep_stats *ep;	/* per endpoint */
	uint16_t obs_dest;		/* its telemetry destination id */
	struct proxy_sess *pend_head;	/* FIFO */
	struct proxy_sess *pend_tail;
};

/*
 * What one configuration snapshot gives a worker's proxy: the listeners'
 * route scratch and the clusters' state (balancer state, active
 * requests, idle pools, connection limits, pending queue). Built by ctrl
 * with the snapshot; the worker's current one takes new connections, and
 * an older one lives while sessions or idle connections hold it (refs),
 * then is marked released for ctrl to free.
 */
struct proxy_gen {
	struct gw_proxy_wrk *pw;
	const struct gw_mesh *mesh;
	uint32_t n_listeners;
	uint32_t n_clusters;
	struct proxy_listener *listeners;
	struct proxy_cluster *clusters;
	uint32_t refs;			/* sessions and idle connections */
	uint32_t n_pending;		/* sessions queued in its clusters */
	bool retired;			/* a newer one took over */
	uint32_t installed;		/* the worker took it (release) */
	uint32_t released;		/* retired and unreferenced (release) */
	struct proxy_gen *older;	/* the worker's list of retired ones */
};

/* Most listener ports (the TCP stack's listener table holds 32). */
#define PROXY_PORTS_MAX 32

/* A port the worker listens on: the listen context, stable across
 * generations (each accept looks up the current one's listener). */
struct proxy_port {
	struct gw_proxy_wrk *pw;
	uint16_t port;
};

/* Access log records on their way to ctrl: single producer (the worker),
 * single consumer (ctrl). */
struct proxy_ring {
	uint32_t head;			/* worker: next to fill (release) */
	uint8_t pad_[RTE_CACHE_LINE_SIZE - sizeof(uint32_t)];
	uint32_t tail;			/* ctrl: next to take (release) */
	uint32_t mask;			/* slots - 1 */
	struct gw_alog_rec *slots;
};

/* Records a worker's ring holds (each up to sizeof(struct gw_alog_rec)). */
#define PROXY_RING_SLOTS 4096

struct gw_proxy_wrk {
	struct gw_worker *w;
	struct proxy_gen *gen;		/* the current configuration */
	struct proxy_gen *retired;	/* older ones still referenced */
	struct proxy_sess *sessions;	/* n_sessions, one allocation */
	struct proxy_sess *free;
	uint32_t n_sessions;
	struct proxy_idle *idle_entries; /* n_sessions of them */
	struct proxy_idle *idle_free;
	uint64_t rng;			/* xorshift64* state */
	struct gw_config_http http;	/* spec.http */
	uint64_t tsc_per_ms;
	uint64_t now_ms;		/* the wheel's clock, set per loop */
	uint64_t tick_tsc;		/* TSC at which now_ms moves on */
	struct gw_timer_wheel wheel;	/* session and idle-pool timers */
	uint32_t n_pending;		/* sessions queued, all clusters */
	uint32_t n_ports;
	bool draining;			/* /drain_listeners: no new work */
	struct proxy_port ports[PROXY_PORTS_MAX];
	/* telemetry (spec.telemetry) */
	bool metrics;			/* Istio's standard metrics */
	bool access_log;		/* records for the access log */
	uint32_t sampling_ppm;		/* traces started here */
	uint64_t tsc_hz;
	struct gw_alog_rec *recs;	/* per session; NULL: no records */
	struct gw_proxy_series *series;	/* GW_PROXY_SERIES_MAX */
	uint64_t series_overflow;
	struct proxy_ring ring;
	struct gw_proxy_stats stats;
	uint8_t head[PROXY_HEAD_MAX];	/* a head made contiguous */
	uint8_t scratch[PROXY_SCRATCH];	/* rewritten head lines */
};

static inline uint64_t
proxy_rand(struct gw_proxy_wrk *pw)
{
	return gw_worker_rand(&pw->rng);
}

/* proxy_http.c: heads in both directions and local replies */
void proxy_request_head(struct proxy_sess *s);
int proxy_response_head(struct proxy_sess *s);
void proxy_local_reply(struct proxy_sess *s, int status, const char *body,
		       bool close);
void proxy_count_status(struct gw_proxy_wrk *pw, int status);
/* Give up the exchange and the connection: the upstream is cut, what
 * waits either way but downstream is dropped, no timer of the exchange
 * is left, and the client gets a FIN once downq is out (a passthrough
 * session that cannot be routed ends so). */
void proxy_sess_end(struct proxy_sess *s);

/* Take and drop a reference to a generation (worker). */
static inline void
proxy_gen_ref(struct proxy_gen *g)
{
	g->refs++;
}

void proxy_gen_unref(struct proxy_gen *g);
/* g's listener on port, NULL when it has none. */
struct proxy_listener *proxy_listener_find(struct proxy_gen *g,
					   uint16_t port);

/* proxy.c: what the other files call back */
/* g was retired: close its idle upstream connections, move idle sessions
 * to the current generation (or close them when their port is gone). */
void proxy_gen_leave(struct gw_proxy_wrk *pw, struct proxy_gen *g);
/* Close every idle upstream connection and idle client session (drain). */
void proxy_idle_close_all(struct gw_proxy_wrk *pw);
extern const struct gw_tcp_app_ops proxy_down_ops;
void proxy_connect_upstream(struct proxy_sess *s, uint32_t cluster);
void proxy_up_detach(struct proxy_sess *s, bool abort);
/* The upstream connection is gone (closed, or its connect failed). */
void proxy_up_forget(struct proxy_sess *s);
/* DestinationRule http.idleTimeout: an idle connection is closed. */
void proxy_idle_expired(struct gw_timer *t, void *arg);

/* proxy_sni.c: TLS passthrough */
/* A session of a passthrough listener: read the ClientHello, route by
 * SNI, connect (then the session is a tunnel). */
void proxy_sni_pump(struct proxy_sess *s);

/* proxy_tcp.c: TCP ports */
/* One of n weighted destinations, with probability weight / weight_sum. */
const struct gw_mesh_l4_dest *
proxy_l4_dest(struct gw_proxy_wrk *pw, const struct gw_mesh_l4_dest *dests,
	      uint32_t n, uint64_t weight_sum);
/* A destination of a tls or tcp route by weight, and the connect to it
 * (then the session is a tunnel); a destination no cluster serves closes
 * the client's connection. @return false then. */
bool proxy_l4_connect(struct proxy_sess *s, const struct gw_mesh_l4_dest *dests,
		      uint32_t n, uint64_t weight_sum);
/* A new connection of a TCP port: route it and connect (then the session
 * is a tunnel), or close it. */
void proxy_tcp_route(struct proxy_sess *s);
/* A tunnel (after a 101, or an L4 session's route): bytes both ways as
 * they come, with back-pressure; a FIN from one side goes to the other
 * once what it sent is through. @return false when the client
 * connection was aborted. */
bool proxy_tunnel_pump(struct proxy_sess *s, struct rte_mempool *pool);

/* proxy_obs.c: telemetry */
/* A request starts (its first byte is here): its accounting opens. */
void proxy_obs_begin(struct proxy_sess *s);
/* String k of the request's access log record (when there is one). */
void proxy_obs_set(struct proxy_sess *s, enum gw_alog_str k, const char *v,
		   size_t len);
/* The request goes to cluster (an index of s->gen): its destination. */
void proxy_obs_dest(struct proxy_sess *s, uint32_t cluster);
/* The request (or passthrough connection) is over: its series and its
 * record. Nothing when none is open. */
void proxy_obs_end(struct proxy_sess *s);
/* The session is freed: a request still open ends (DC when nothing
 * else explains its end). */
void proxy_obs_gone(struct proxy_sess *s);
/* A passthrough connection was routed: its TCP series opens. */
void proxy_obs_tcp_open(struct proxy_sess *s);
/* Ctrl: the destination id of mc (gen set-up), the registry's life. */
uint16_t proxy_dest_id(struct gw_dp *dp, const struct gw_mesh_cluster *mc);
int proxy_dests_create(struct gw_dp *dp);
void proxy_dests_free(struct gw_dp *dp);

static inline void
proxy_obs_flag(struct proxy_sess *s, uint32_t flag, uint8_t details)
{
	s->ob.flags |= flag;
	if (details != GW_ALOG_D_NONE)
		s->ob.details = details;
}

/* proxy_trace.c: trace context, read and carried on */
#define PROXY_TRACE_EDITS 6
/* Where the trace fields' values live while the head is rewritten. */
struct proxy_trace_buf {
	char traceparent[GW_TRACE_W3C_LEN];
	char trace_id[32];
	char span_id[16];
	char parent_id[16];
};
/* The request's trace context (into s->ob): the one it brings, or a new
 * trace; its sampling decision; this hop's span id. */
void proxy_trace_begin(struct proxy_sess *s, const struct gw_http_msg *m,
		       const uint8_t *h);
/* The edits that carry the context upstream, appended to e[n..max),
 * their values in tb. @return the new n (unchanged when
 * PROXY_TRACE_EDITS do not fit). */
unsigned int proxy_trace_edits(const struct proxy_sess *s,
			       struct gw_http_edit *e, unsigned int n,
			       unsigned int max, struct proxy_trace_buf *tb);

/* proxy_retry.c */
/* The attempt in flight failed (cause, status: the upstream's, or the
 * one Envoy would answer); feeds outlier detection and the endpoint's
 * counters. */
void proxy_outcome(struct proxy_sess *s, int status);
/* Retry the request on another attempt if its route allows; the failed
 * attempt's connection is let go (conn_gone: it is gone already).
 * @return true when a retry is scheduled. */
bool proxy_retry(struct proxy_sess *s, enum proxy_fail cause, int status,
		 bool conn_gone);
/* The request no longer holds one of its cluster's retries. */
void proxy_retry_release(struct proxy_sess *s);

#endif /* PROXY_PRIV_H */
