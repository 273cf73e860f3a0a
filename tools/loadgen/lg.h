/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/loadgen — a DPDK load generator on meshgw's own dataplane and TCP:
 * HTTP/1.1 clients (closed loop at a fixed concurrency, or open loop at a
 * target rate with latency counted from each request's intended start,
 * so a stalled server cannot hide its queue), a built-in HTTP backend,
 * and a raw mode that streams UDP or TCP packets for packet-rate tests.
 *
 * Threads: the main lcore parses the options, builds the dataplane from a
 * Dataplane resource (ports, workers, TCP), starts one loop per worker
 * lcore and reads their counters; each worker owns its slots (client
 * connections), its backend connections, its counters and its latency
 * histogram, and shares nothing with the others.
 */
#ifndef LG_H
#define LG_H

#include <stdbool.h>
#include <stdint.h>

#include "gw_hdr.h"
#include "gw_http.h"
#include "gw_worker.h"

#define LG_PIPE_MAX 64	    /* requests in flight on one connection */
#define LG_REQ_MAX 1024	    /* bytes of one request */
#define LG_HDRS 64	    /* header fields a response may carry */
#define LG_RETRY_MS 10	    /* a slot whose connection failed waits this */
#define LG_SCAN_MS 100	    /* timeout scan period */

/* What a run does, from the command line; read-only once workers run. */
struct lg_opts {
	/* client */
	bool client;
	uint32_t addr;		/* target, host order */
	uint16_t port;		/* target port */
	uint32_t connections;	/* slots, over all workers */
	uint32_t pipeline;	/* requests in flight per connection */
	bool close;		/* one request per connection */
	bool head;		/* HEAD requests: responses have no body */
	double rate;		/* requests/s over all workers; 0 = closed loop */
	uint64_t timeout_ms;	/* a response slower than this: abort */
	char request[LG_REQ_MAX]; /* the request, built once */
	uint32_t request_len;
	/* backend */
	uint16_t serve_port;	/* 0 = no backend */
	uint64_t body;		/* response body bytes */
	/* raw packets */
	bool raw;
	bool raw_tcp;		/* TCP SYN-less segments instead of UDP */
	uint32_t raw_size;	/* frame bytes, without the FCS */
	uint32_t raw_flows;	/* source ports used */
	uint16_t raw_tx_port;	/* dataplane port index to send on */
	uint32_t raw_dst;	/* destination address, host order */
	uint16_t raw_dport;
	uint8_t raw_dmac[6];	/* next hop's MAC (no ARP in raw mode) */
	/* run */
	double warmup_s;
	double duration_s;
};

/* Counters of one worker; written by it only, read by main. */
#define LG_STATS(X)                                                           \
	X(conn_attempts, "connections opened")                                \
	X(conn_ok, "connections established")                                 \
	X(conn_failed, "connections refused or reset while opening") \
	X(conn_closed, "connections closed")                                  \
	X(conn_reset, "established connections reset")                        \
	X(requests, "requests sent")                                          \
	X(responses, "responses received")                                    \
	X(status_1xx, "interim responses")                                    \
	X(status_2xx, "2xx responses")                                        \
	X(status_3xx, "3xx responses")                                        \
	X(status_4xx, "4xx responses")                                        \
	X(status_5xx, "5xx responses")                                        \
	X(err_parse, "malformed responses (connection aborted)")              \
	X(err_timeout, "requests without a response in time (aborted)")       \
	X(err_lost, "requests in flight on a connection that went")           \
	X(err_send, "requests TCP could not take")                            \
	X(bytes_rx, "response bytes received")                                \
	X(bytes_tx, "request bytes sent")                                     \
	X(srv_conns, "backend connections accepted")                          \
	X(srv_requests, "backend requests answered")                          \
	X(srv_bytes_tx, "backend response bytes sent")                        \
	X(srv_err_parse, "backend requests malformed (connection reset)")     \
	X(srv_no_state, "backend connections refused (no free state)")        \
	X(raw_tx, "raw packets sent")                                         \
	X(raw_tx_bytes, "raw bytes sent")                                     \
	X(raw_rx, "raw packets received")                                     \
	X(raw_rx_bytes, "raw bytes received")                                 \
	X(raw_no_mbuf, "raw packets not built (pool empty)")

struct lg_stats {
#define LG_STAT_FIELD(f, help) uint64_t f;
	LG_STATS(LG_STAT_FIELD)
#undef LG_STAT_FIELD
};

struct lg_conn;
struct lg_srv;

/* A worker's counters at one end of the measured window. */
struct lg_snap {
	struct lg_stats st;
	uint64_t busy, idle; /* its loop's busy and idle cycles */
	uint64_t tsc;
};

/* One worker's load generator. */
struct lg_wrk {
	struct gw_worker *w;
	const struct lg_opts *o;
	uint16_t out_port;	/* dataplane port toward the target */
	/* client slots */
	struct lg_conn *slots;
	uint32_t n_slots;
	uint32_t *ready;	/* FIFO of slot indexes able to take a request */
	uint32_t ready_head, ready_n;
	uint32_t *retry;	/* slots waiting LG_RETRY_MS */
	uint32_t retry_n;
	uint64_t retry_at;	/* TSC when the retry list is due */
	uint64_t next_scan;	/* TSC of the next timeout scan */
	uint64_t sched;		/* open loop: intended start of the next request */
	uint64_t interval;	/* open loop: TSC between requests */
	uint64_t timeout_tsc;
	uint32_t open_conns;	/* connections not yet closed */
	bool stopping;		/* seen lg_phase == LG_STOP */
	/* backend connections */
	struct lg_srv *srv;
	uint32_t *srv_free;
	uint32_t srv_free_n;
	uint32_t srv_max;
	uint32_t srv_open;	/* backend connections not yet closed */
	uint64_t srv_stop_at;	/* TSC of the next stop pass */
	/* raw mode */
	uint64_t raw_seq;
	uint64_t raw_announce;	/* TSC of the next gratuitous ARP (warm-up) */
	bool raw_arp;		/* ARP frames wait in the TX buffers */
	struct lg_stats st;
	struct gw_hdr *hist;	/* latency in ns, while measuring */
	bool measuring;		/* inside the measured window */
	int phase_seen;		/* the last lg_phase acted on (release) */
	struct lg_snap snap[2];	/* window start and end */
} __rte_cache_aligned;

/* LG_STOP: clients send no more and close; LG_STOP_BACKEND (once they
 * are closed): the backend closes its idle connections too */
enum lg_phase { LG_WARMUP, LG_MEASURE, LG_STOP, LG_STOP_BACKEND };
extern volatile int lg_phase;	/* main writes; workers read */
extern uint64_t lg_ns_per_tsc_q32; /* ns per TSC cycle, fixed point 32.32 */

static inline uint64_t
lg_tsc_to_ns(uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)tsc * lg_ns_per_tsc_q32) >> 32);
}

/* lg_client.c */
int lg_client_init(struct lg_wrk *lw);
void lg_client_start(struct lg_wrk *lw);
void lg_client_tick(struct lg_wrk *lw);
void lg_client_fini(struct lg_wrk *lw);
int lg_request_build(struct lg_opts *o, const char *method, const char *host,
		     const char *path, char *const *headers, unsigned n_headers);

/* lg_server.c */
int lg_server_init(struct lg_wrk *lw, uint32_t max_conns);
void lg_server_stop(struct lg_wrk *lw);
void lg_server_fini(struct lg_wrk *lw);
int lg_server_response_build(uint64_t body);
void lg_server_response_free(void);

/* lg_raw.c */
int lg_raw_init(struct lg_wrk *lw);
void lg_raw_tick(struct lg_wrk *lw);

#endif /* LG_H */
