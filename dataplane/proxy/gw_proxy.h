/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/proxy — the HTTP/1.1 reverse proxy over meshgw's TCP.
 *
 * Each worker listens on every listener port of the compiled mesh
 * (lib/mesh) and runs one session per downstream connection through named
 * phases: READ_REQUEST (lib/http parses the head as it arrives) → ROUTE
 * (lib/route) → PICK_UPSTREAM (lib/lb over the cluster's endpoints) →
 * CONNECT (gw_tcp_connect from this worker's port slice) → FORWARD (the
 * rewritten head, then the body bytes as they come, framing untouched)
 * → READ_RESPONSE / FORWARD back → KEEPALIVE (the next pipelined request)
 * or CLOSE. Bodies stream with back-pressure: bytes are taken from a
 * connection (its window reopens) only as the other side's send queue
 * accepts them. Errors are answered locally: 400/431/501/505 for a bad
 * request, 404 no route, 503 no endpoint or connect failure, 502 a bad or
 * cut upstream response.
 *
 * Threads: gw_proxy_start() on ctrl before launch (allocates sessions);
 * generations (per-worker routing and cluster state of one configuration
 * snapshot) built and freed on ctrl; everything else on the owning
 * worker, from TCP callbacks and the loop, with no allocation except
 * mbufs.
 */
#ifndef GW_PROXY_H
#define GW_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_accesslog.h"
#include "gw_mesh.h"
#include "gw_metrics.h"
#include "gw_worker.h"

/* Per-worker proxy counters (X-macro: field, help), summed by ctrl. */
#define GW_PROXY_STATS(X)                                                     \
	X(downstream_cx, "downstream connections accepted")                   \
	X(downstream_cx_overflow, "connections refused: no free session")     \
	X(requests, "requests read")                                          \
	X(responses_2xx, "responses 2xx sent downstream")                     \
	X(responses_3xx, "responses 3xx sent downstream")                     \
	X(responses_4xx, "responses 4xx sent downstream")                     \
	X(responses_5xx, "responses 5xx sent downstream")                     \
	X(responses_other, "responses 1xx sent downstream")                   \
	X(bad_requests, "requests rejected by the parser (4xx/5xx)")          \
	X(no_route, "requests no route matched (404)")                        \
	X(https_redirects, "requests redirected to https (httpsRedirect)")    \
	X(no_cluster, "routes whose destination has no cluster (503)")        \
	X(no_healthy_upstream, "clusters without an endpoint (503)")          \
	X(upstream_cx, "upstream connections opened")                         \
	X(upstream_cx_reuse, "requests sent on a kept-alive connection")      \
	X(upstream_cx_idle_closed, "idle upstream connections closed")        \
	X(upstream_cx_fail, "upstream connects that failed (503)")            \
	X(upstream_cx_overflow, "requests queued at maxConnections")          \
	X(upstream_rq_pending_overflow, "requests refused: queue full (503)") \
	X(upstream_rq_pending_active, "requests queued now (gauge)")          \
	X(upstream_bad_response, "malformed upstream responses (502)")        \
	X(upstream_reset, "upstream closes before a whole response")          \
	X(upstream_cx_connect_timeout, "upstream connects timed out (503)")    \
	X(upstream_rq_timeout, "requests past their route timeout (504)")     \
	X(rq_header_timeout, "request heads not whole in time (408)")         \
	X(stream_idle_timeout, "requests idle too long (408/504/reset)")      \
	X(downstream_cx_idle_timeout, "idle client connections closed")       \
	X(rq_too_large, "request bodies over the limit (413)")                \
	X(upgrades, "connections switched to a tunnel (101)")                 \
	X(passthrough_cx, "TLS passthrough connections routed by SNI")        \
	X(passthrough_no_route, "passthrough hellos no route matched (closed)") \
	X(passthrough_bad_hello, "passthrough first bytes not a ClientHello")  \
	X(passthrough_hello_timeout, "passthrough ClientHellos not whole in time") \
	X(tcp_cx, "TCP port connections routed by tcp routes")                \
	X(tcp_no_route, "TCP port connections no tcp route took (closed)")    \
	X(tcp_idle_timeout, "tunnels closed by tcp.idleTimeout")              \
	X(upstream_rq_retry, "retries made")                                  \
	X(upstream_rq_retry_overflow, "retries refused by maxRetries")        \
	X(upstream_rq_per_try_timeout, "attempts past their perTryTimeout")   \
	X(upstream_rq_panic, "picks made in panic (too few healthy)")         \
	X(fault_delays, "requests delayed by fault injection")                \
	X(fault_aborts, "requests aborted by fault injection")                \
	X(local_replies, "responses meshgw generated itself")                 \
	X(listen_failures, "listener ports a configuration could not open")   \
	X(access_log_dropped, "access log records dropped: the ring was full") \
	X(active_sessions, "sessions open now (gauge)")

struct gw_proxy_stats {
#define GW_PROXY_STAT_FIELD(f, help) uint64_t f;
	GW_PROXY_STATS(GW_PROXY_STAT_FIELD)
#undef GW_PROXY_STAT_FIELD
};

/* Per worker and cluster endpoint; ctrl sums them for /clusters. */
struct gw_proxy_ep_stats {
	uint64_t rq_total;	/* attempts that ended: a status or a failure */
	uint64_t rq_error;	/* of them, 5xx or local failures */
	uint64_t cx_total;	/* connections opened */
	uint64_t cx_active;	/* open now: busy, idle, connecting */
};

/* What one configuration snapshot gives one worker's proxy (opaque). */
struct proxy_gen;
struct gw_health;
struct gw_tls_set;

/**
 * Endpoint ep of cluster ci as generation g (a worker's part of a
 * snapshot) counts it (relaxed reads, for ctrl). rq_active: requests on
 * it now.
 * @return 0, or -ENOENT.
 */
int gw_proxy_endpoint_stats(const struct proxy_gen *g, uint32_t ci,
			    uint32_t ep, struct gw_proxy_ep_stats *out,
			    uint64_t *rq_active);

/**
 * Set up the proxy of every worker of dp: sessions, idle pool, timers.
 * It serves nothing until a snapshot gives it a generation. Ctrl thread,
 * after gw_dp_create() and before launch.
 * @return 0, or -ENOMEM with a message in err.
 */
int gw_proxy_start(struct gw_dp *dp, char *err, size_t errlen);

/**
 * Whether the workers can serve mesh: at most 32 listener ports, none
 * taken by the Dataplane's test listeners. Ctrl, before building.
 * @return 0, or -ENOSPC / -EADDRINUSE with a message in err.
 */
int gw_proxy_mesh_check(const struct gw_dp *dp, const struct gw_mesh *mesh,
			char *err, size_t errlen);

/**
 * Worker w's generation for mesh and its health state (a cluster of the
 * mesh is the cluster of the same index there); endpoint counters carry
 * on from prev's for the same cluster name and address (prev may be
 * NULL). Ctrl thread; allocates. mesh and health must outlive it.
 * @return 0, or -errno with a message in err.
 */
int gw_proxy_gen_create(struct gw_worker *w, const struct gw_mesh *mesh,
			struct gw_health *health,
			const struct gw_tls_set *tls,
			const struct proxy_gen *prev,
			struct proxy_gen **out, char *err, size_t errlen);

/**
 * Whether ctrl may free g (after an RCU grace period): its worker never
 * took it, or took it, moved on, and nothing holds it any more. Ctrl.
 */
bool gw_proxy_gen_done(const struct proxy_gen *g);

/** Free a generation (ctrl; gw_proxy_gen_done(), then a grace period, or
 * the workers stopped). NULL-safe. */
void gw_proxy_gen_free(struct proxy_gen *g);

/**
 * Make g the worker's current generation (the worker, at the top of its
 * loop): listen on its ports and stop listening on ports it lacks; the
 * old one is retired: its idle upstream connections close, idle client
 * connections move to g, requests in flight finish on it.
 */
void gw_proxy_switch(struct gw_worker *w, struct proxy_gen *g);

/**
 * Drain (the worker, once dp->drain is set; idempotent): stop listening,
 * close idle client and upstream connections; requests in flight finish,
 * each answered with "Connection: close", then their connections close.
 */
void gw_proxy_drain(struct gw_worker *w);

/** Fire the worker's due proxy timers (the worker loop, once per
 * iteration, after the TCP timers). */
void gw_proxy_timers_run(struct gw_worker *w);

/** Free a worker's proxy state and what its sessions hold (ctrl, after
 * the worker stopped, before its TCP is freed). NULL-safe. */
void gw_proxy_wrk_fini(struct gw_worker *w);

/** Free what the workers' proxies shared (ctrl, after
 * gw_proxy_wrk_fini() of every worker). */
void gw_proxy_fini(struct gw_dp *dp);

/** The worker's counters, or NULL when the proxy is not running. */
const struct gw_proxy_stats *gw_proxy_stats_get(const struct gw_worker *w);

/* ---- telemetry: Istio's standard metrics and the access log ------------ */

/*
 * Each worker keeps its own table of Istio metric series, one per
 * destination (cluster), protocol, response code, gRPC status and
 * response flags: a slot is taken the first time a combination ends a
 * request and is never given back (GW_PROXY_SERIES_MAX of them; past
 * that, requests are counted in the overflow counter only). The worker
 * fills a new slot, then publishes its key with a store-release; ctrl
 * loads the key with acquire and the counters relaxed, and merges the
 * workers' slots of the same key.
 */
#define GW_PROXY_SERIES_MAX 2048
#define GW_PROXY_HIST (GW_METRICS_ENVOY_BUCKETS + 1)

enum gw_series_proto {
	GW_SERIES_HTTP = 1,
	GW_SERIES_GRPC,
	GW_SERIES_TCP,
};

/* key: bit 63 set | dest:16 | proto:2 | code:10 | grpc:5 | flags:16 */
#define GW_SERIES_GRPC_NONE 31
static inline uint64_t
gw_series_key(uint16_t dest, unsigned proto, unsigned code, unsigned grpc,
	      uint32_t flags)
{
	return (UINT64_C(1) << 63) | ((uint64_t)dest << 33) |
	       ((uint64_t)(proto & 3) << 31) |
	       ((uint64_t)(code < 1000 ? code : 0) << 21) |
	       ((uint64_t)(grpc & 31) << 16) | (flags & 0xffff);
}
#define GW_SERIES_DEST(k) ((uint16_t)((k) >> 33))
#define GW_SERIES_PROTO(k) ((unsigned)((k) >> 31) & 3)
#define GW_SERIES_CODE(k) ((unsigned)((k) >> 21) & 1023)
#define GW_SERIES_GRPC(k) ((unsigned)((k) >> 16) & 31)
#define GW_SERIES_FLAGS(k) ((uint32_t)(k) & 0xffff)

struct gw_proxy_series {
	uint64_t key;		/* 0: free; published last */
	/* HTTP */
	uint64_t requests;
	uint64_t dur_sum_us;	/* request durations, microseconds */
	uint64_t dur[GW_PROXY_HIST];	/* ms, Envoy's buckets */
	uint64_t rq_bytes_sum;
	uint64_t rq_bytes[GW_PROXY_HIST];
	uint64_t rs_bytes_sum;
	uint64_t rs_bytes[GW_PROXY_HIST];
	/* TCP (passthrough tunnels) */
	uint64_t tcp_opened;
	uint64_t tcp_closed;
	uint64_t tcp_rx;	/* from the client */
	uint64_t tcp_tx;	/* to the client */
};

/**
 * Worker w's series table (GW_PROXY_SERIES_MAX slots) and the count of
 * requests and connections that found it full; NULL before
 * gw_proxy_start(). Ctrl reads it as described above.
 */
const struct gw_proxy_series *gw_proxy_series(const struct gw_worker *w,
					      uint64_t *overflow);

/*
 * What a series' destination is, for its labels: one entry per cluster
 * name ever configured (the registry only grows, to GW_PROXY_DESTS_MAX;
 * later clusters share entry 0, "unknown"). Ctrl only.
 */
#define GW_PROXY_DESTS_MAX 4096
struct gw_proxy_dest {
	char cluster[160];	/* outbound|port|subset|host */
	char service[128];	/* destination_service: the host */
	char name[64];		/* destination_service_name */
	char ns[64];		/* destination_service_namespace */
	char version[64];	/* the subset's "version" label, or unknown */
	char app[64];		/* the subset's "app" label, or unknown */
};

/** Destination id of a series (GW_SERIES_DEST()); NULL when unknown.
 * Ctrl. */
const struct gw_proxy_dest *gw_proxy_dest(const struct gw_dp *dp,
					  uint16_t id);

/**
 * Take up to max access log records from worker w's ring, oldest first,
 * calling fn for each (ctrl; the record is valid during the call). What
 * a full ring dropped is the counter access_log_dropped.
 * @return how many were taken.
 */
unsigned gw_proxy_log_drain(struct gw_worker *w,
			    void (*fn)(void *arg, const struct gw_alog_rec *r),
			    void *arg, unsigned max);

#endif /* GW_PROXY_H */
