/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to dataplane/tcp: the control block, the per-worker tables and
 * the hand-offs between input, output and timers.
 */
#ifndef TCP_PRIV_H
#define TCP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "gw_hash.h"
#include "gw_tcp.h"
#include "gw_timer.h"
#include "gw_worker.h"
#include "tcp_cc.h"
#include "tcp_options.h"
#include "tcp_syncookie.h"
#include "tcp_seq.h"

enum gw_tcp_state {
	GW_TCP_CLOSED,
	GW_TCP_LISTEN,
	GW_TCP_SYN_SENT,
	GW_TCP_SYN_RCVD,
	GW_TCP_ESTABLISHED,
	GW_TCP_FIN_WAIT_1,
	GW_TCP_FIN_WAIT_2,
	GW_TCP_CLOSING,
	GW_TCP_TIME_WAIT,
	GW_TCP_CLOSE_WAIT,
	GW_TCP_LAST_ACK,
	GW_TCP_STATE_MAX
};

/* conn->flags */
#define TCP_F_TS (1u << 0)	    /* timestamps in use (RFC 7323) */
#define TCP_F_SACK (1u << 1)	    /* SACK permitted both ways */
#define TCP_F_WS (1u << 2)	    /* window scaling in use */
#define TCP_F_ACK_NOW (1u << 3)	    /* send an ACK before input returns */
#define TCP_F_ACK_PENDING (1u << 4) /* data received, ACK delayed */
#define TCP_F_FIN_RCVD (1u << 5)    /* peer's FIN taken in sequence */
#define TCP_F_FIN_QUEUED (1u << 6)  /* application shut down its side */
#define TCP_F_FIN_SENT (1u << 7)    /* our FIN went out: it is at data_end */
#define TCP_F_WANT_WRITE (1u << 8)  /* send returned -EAGAIN */
#define TCP_F_RECOVERY (1u << 9)    /* in fast recovery (RFC 6582) */
#define TCP_F_PASSIVE (1u << 10)    /* opened by a listener */
#define TCP_F_APP (1u << 11)	    /* the application knows it */
#define TCP_F_FIN_ACKED (1u << 12)  /* our FIN is acknowledged */

/* Limits and RFC constants, in ms unless said otherwise. */
#define TCP_RTO_INIT 1000   /* RFC 6298 §2.1 */
#define TCP_RTO_MIN 200	    /* Linux's floor; RFC 6298 says 1 s, see docs */
#define TCP_RTO_MAX 60000   /* RFC 6298 §2.5 */
#define TCP_DELACK 40	    /* delayed ACK timer */
#define TCP_MSL 30000	    /* TIME_WAIT lasts 2 * MSL */
#define TCP_FIN_WAIT_2 60000 /* orphaned FIN_WAIT_2 (Linux tcp_fin_timeout) */
#define TCP_SYN_RETRIES 5   /* SYN / SYN-ACK retransmissions */
#define TCP_RETRIES 15	    /* data retransmissions before giving up */
#define TCP_DEFAULT_MSS 536 /* RFC 9293 §3.7.1 without an MSS option */
#define TCP_WSCALE 7	    /* our window scale */
#define TCP_DUPACK_THRESH 3 /* RFC 5681 */
#define TCP_TIMERS_PER_RUN 256 /* timer callbacks per loop, at most */
#define TCP_OOO_MAX 6	    /* out-of-order ranges held per connection */
#define TCP_SACK_SB 4	    /* SACKed ranges the sender remembers (scoreboard) */

/*
 * One connection. Layout: the first cache line is what every arriving
 * segment reads (lookup key, state, receive side); the second holds the
 * send side and congestion control; then timers and queues.
 */
struct gw_tcp_conn {
	/* line 0: lookup and receive */
	uint32_t raddr; /* network order */
	uint32_t laddr;
	uint16_t rport; /* network order */
	uint16_t lport;
	uint8_t state; /* enum gw_tcp_state */
	uint8_t port;  /* dp port index */
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
	uint16_t flags; /* TCP_F_* */
	uint16_t mss;	/* payload bytes per segment we send */
	uint32_t rcv_nxt;
	uint32_t rcv_adv;  /* right edge of the window we advertised */
	uint32_t rcv_held; /* bytes delivered, not yet released by the app */
	uint32_t irs;
	uint32_t ts_recent;    /* RFC 7323 TS.Recent */
	uint32_t ts_recent_s;  /* when TS.Recent was taken (s) */
	uint32_t idx;	       /* position in the connection array */
	uint32_t ooo_bytes;    /* bytes held out of order */
	uint16_t ooo_n;	       /* ranges in ooo[] */
	uint8_t retries;	/* consecutive RTO expiries */
	uint8_t dupacks;

	/* line 1: send and congestion control */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max; /* highest sequence sent + 1 */
	uint32_t snd_wnd; /* peer's window, scaled */
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t sndq_bytes; /* queued from snd_una on (FIN excluded) */
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t recover; /* RFC 6582 */
	uint32_t srtt_us; /* 0 until the first sample */
	uint32_t rttvar_us;
	uint32_t rto_ms;
	uint32_t rtt_seq;  /* sequence being timed (no timestamps) */
	uint32_t rtt_t_us; /* when it was sent; 0 = none */
	union { /* congestion control state, by algorithm */
		struct tcp_cubic {
			uint32_t w_max;	  /* bytes, before the last loss */
			uint64_t epoch_us; /* start of this avoidance epoch */
			double k;	  /* s until W(t) reaches w_max */
			double w_est;	  /* Reno-friendly estimate, bytes */
		} cubic;
	} cc;

	/* timers: one wheel entry at the earliest deadline (ms, 0 = off) */
	struct gw_timer timer;
	uint64_t t_rexmit; /* retransmission or persist */
	uint64_t t_delack;
	uint64_t t_wait; /* keepalive, FIN_WAIT_2 or SYN_RCVD give-up */

	/* queues */
	struct rte_mbuf *sndq;	   /* chain of unacknowledged + unsent data */
	struct rte_mbuf *sndq_tail; /* last segment of sndq */
	uint32_t sndq_off;	   /* bytes of sndq's first segment acked */
	uint64_t snd_total;	   /* bytes ever queued by the application */
	/* out-of-order data: disjoint ranges sorted by sequence, each one
	 * mbuf chain (contiguous segments are chained together) */
	struct tcp_ooo_range {
		uint32_t seq;
		uint32_t len;
		struct rte_mbuf *head;
		struct rte_mbuf *tail; /* last segment of head's chain */
	} ooo[TCP_OOO_MAX];
	uint8_t ooo_last; /* range holding the latest arrival: first SACK block */

	/* SACK scoreboard (RFC 6675): what the peer holds above snd_una */
	uint8_t sb_n;
	struct gw_tcp_sack_block sb[TCP_SACK_SB]; /* sorted, disjoint */
	uint32_t sacked;     /* bytes in sb[] */
	uint32_t rexmit_nxt; /* recovery: where the next hole search starts */
	uint32_t rexmit_out; /* recovery: bytes resent, still counted in pipe */

	uint64_t last_rx_ms;  /* keepalive: when the peer last sent anything */
	uint8_t keep_probes;  /* keepalive probes sent since then */
	struct gw_tcp_wrk *t; /* the worker's TCP that owns it */
	const struct gw_tcp_app_ops *ops; /* a layer's up ops, if one is set */
	void *ctx;
	const struct gw_tcp_layer *layer; /* NULL: the application's own */
	const struct gw_tcp_app_ops *app_ops; /* under a layer */
	void *lctx;
} __rte_cache_aligned;

_Static_assert(sizeof(struct gw_tcp_conn) <= 512,
	       "a control block stays within 512 bytes (8 cache lines)");

struct gw_tcp_listener {
	uint16_t lport; /* network order; 0 = free slot */
	uint16_t half_open;
	const struct gw_tcp_app_ops *ops;
	void *ctx;
};

#define TCP_MAX_LISTENERS 32

/* A connection in TIME-WAIT, without its control block (tcp_tw.c). */
struct tcp_tw {
	uint32_t raddr; /* network order, like the connection's */
	uint32_t laddr;
	uint16_t rport;
	uint16_t lport;
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	uint32_t iss;	    /* our timestamps' offset */
	uint32_t ts_recent;
	uint64_t expire_ms;
	uint8_t port;
	bool ts;
	bool live; /* in the hash; false once expired, reused or killed */
};

struct gw_tcp_wrk {
	struct gw_worker *w;
	struct rte_hash *conn_hash; /* 4-tuple -> index in conns */
	struct gw_tcp_conn *conns;  /* max_conns, from rte_zmalloc */
	uint32_t max_conns;
	uint32_t rcv_buf;
	uint32_t snd_buf;
	uint32_t syn_backlog;
	uint32_t keep_time_ms;	   /* 0 = keepalive off */
	uint32_t keep_intvl_ms;
	uint8_t keep_probes;
	uint64_t now_us;	    /* this loop's time since epoch_tsc */
	uint64_t now_ms;	    /* the same + 1 ms: the wheel's clock */
	uint64_t epoch_tsc;
	uint64_t tsc_per_us;
	struct gw_hash_key isn_key;
	struct gw_hash_key cookie_key;
	uint64_t cookie_sent_s; /* last SYN cookie sent (s); 0 = never */
	const struct gw_tcp_cc_ops *cc; /* congestion control */
	struct gw_timer_wheel wheel;
	struct gw_tcp_listener listeners[TCP_MAX_LISTENERS];
	struct rte_hash *tw_hash; /* 4-tuple -> slot in tw[] */
	struct tcp_tw *tw;	  /* ring, arrival (= expiry) order */
	uint32_t tw_max, tw_head, tw_n;
	uint16_t eph_lo, eph_hi; /* this worker's ephemeral ports (host order) */
	uint16_t eph_next;	  /* where the next search for a free one starts */
	struct gw_tcp_stats stats;
};

static inline struct gw_tcp_wrk *
tcp_wrk(struct gw_worker *w)
{
	return w->tcp;
}

/*
 * Payload bytes per segment now: the MSS less the SACK blocks our ACKs
 * carry while we hold out-of-order data (NOP NOP kind len + 8 a block).
 */
static inline uint32_t
tcp_seg_payload(const struct gw_tcp_conn *c)
{
	unsigned blocks;

	if (!(c->flags & TCP_F_SACK) || c->ooo_n == 0)
		return c->mss;
	blocks = RTE_MIN((unsigned)c->ooo_n, (c->flags & TCP_F_TS) ? 3u : 4u);
	return c->mss - 4 - 8 * blocks;
}

/* Sequence number after the last byte of queued data: where our FIN goes. */
static inline uint32_t
tcp_data_end(const struct gw_tcp_conn *c)
{
	return c->snd_una + c->sndq_bytes;
}

/* tcp_tw.c */
int tcp_tw_init(struct gw_tcp_wrk *t, uint32_t max, uint16_t worker);
void tcp_tw_fini(struct gw_tcp_wrk *t);
/** Move a connection that reached TIME-WAIT into the table (frees c). */
void tcp_tw_enter(struct gw_tcp_wrk *t, struct gw_tcp_conn *c);
struct tcp_tw *tcp_tw_lookup(struct gw_tcp_wrk *t, uint32_t raddr,
			     uint32_t laddr, uint16_t rport, uint16_t lport);
void tcp_tw_del(struct gw_tcp_wrk *t, struct tcp_tw *e);
/** ACK as the TIME-WAIT side does (a retransmitted FIN, a stray segment). */
void tcp_tw_ack(struct gw_tcp_wrk *t, const struct tcp_tw *e);
/** Retire expired entries, at most max. */
void tcp_tw_sweep(struct gw_tcp_wrk *t, unsigned max);

/* tcp_sack.c */
/** Merge the peer's SACK blocks into the scoreboard. */
void tcp_sack_update(struct gw_tcp_conn *c, const struct gw_tcp_opts *o);
/** Forget what snd_una has passed. */
void tcp_sack_prune(struct gw_tcp_conn *c);
/** Forget everything (after an RTO: the peer may renege, RFC 2018 §8). */
void tcp_sack_clear(struct gw_tcp_conn *c);
/**
 * The next hole at or after `from` below the highest SACKed byte: its
 * start and length (at most max_len). @return false if there is none.
 */
bool tcp_sack_next_hole(const struct gw_tcp_conn *c, uint32_t from,
			uint32_t max_len, uint32_t *start, uint32_t *len);
/** Our SACK blocks from the out-of-order ranges (RFC 2018 §4). */
unsigned tcp_sack_blocks(const struct gw_tcp_conn *c,
			 struct gw_tcp_sack_block *out, unsigned max);
/** RFC 6675 pipe: bytes believed to be in the network. */
static inline uint32_t
tcp_sack_pipe(const struct gw_tcp_conn *c)
{
	uint32_t out = c->snd_max - c->snd_una;

	out = out > c->sacked ? out - c->sacked : 0;
	return out + c->rexmit_out;
}

/* Keepalive: the peer was heard now; arm the idle timer if it is off. */
static inline void
tcp_keepalive_heard(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	c->last_rx_ms = t->now_ms;
	c->keep_probes = 0;
	if (t->keep_time_ms != 0 && c->t_wait == 0 &&
	    (c->state == GW_TCP_ESTABLISHED || c->state == GW_TCP_CLOSE_WAIT))
		c->t_wait = t->now_ms + t->keep_time_ms;
}

/* tcp.c */
struct gw_tcp_conn *tcp_conn_lookup(struct gw_tcp_wrk *t, uint32_t raddr,
				    uint32_t laddr, uint16_t rport,
				    uint16_t lport);
struct gw_tcp_conn *tcp_conn_alloc(struct gw_tcp_wrk *t, uint32_t raddr,
				   uint32_t laddr, uint16_t rport,
				   uint16_t lport, uint8_t port);
/** Tell the application (if it knows the connection) and free it. */
void tcp_conn_close(struct gw_tcp_wrk *t, struct gw_tcp_conn *c, int err);
void tcp_set_state(struct gw_tcp_wrk *t, struct gw_tcp_conn *c,
		   enum gw_tcp_state s);
/** Re-arm the connection's wheel entry at its earliest deadline. */
void tcp_timer_update(struct gw_tcp_wrk *t, struct gw_tcp_conn *c);
struct gw_tcp_listener *tcp_listener_lookup(struct gw_tcp_wrk *t,
					    uint16_t lport);
uint32_t tcp_rcv_window(const struct gw_tcp_wrk *t,
			const struct gw_tcp_conn *c);

/* tcp_output.c */
/** Send what the windows allow, plus an ACK if one is due. */
void tcp_output(struct gw_tcp_wrk *t, struct gw_tcp_conn *c);
/** Send a bare ACK now. */
void tcp_send_ack(struct gw_tcp_wrk *t, struct gw_tcp_conn *c);
/** SYN or SYN-ACK (by state). */
void tcp_send_syn(struct gw_tcp_wrk *t, struct gw_tcp_conn *c);
/** RST for a connection (abort). */
void tcp_send_rst(struct gw_tcp_wrk *t, struct gw_tcp_conn *c);
/** RST in answer to a segment without a connection (RFC 9293 §3.10.7.1). */
void tcp_send_rst_reply(struct gw_tcp_wrk *t, uint16_t port,
			const struct rte_mbuf *m);
/**
 * A SYN-ACK for a SYN that gets no state (SYN cookie): our sequence is the
 * cookie, our TSval `ts` carries the client's options (when it sent TS).
 */
void tcp_send_synack_cookie(struct gw_tcp_wrk *t, uint16_t port,
			    const struct rte_mbuf *in,
			    const struct gw_tcp_opts *o, uint32_t seq,
			    uint32_t cookie, uint32_t ts);
/** Resend the segment at snd_una now (entering SACK recovery). */
void tcp_retransmit_first(struct gw_tcp_wrk *t, struct gw_tcp_conn *c);
/** Retransmit from snd_una after an RTO (go-back-N from there). */
void tcp_retransmit(struct gw_tcp_wrk *t, struct gw_tcp_conn *c);
void tcp_rto_start(struct gw_tcp_wrk *t, struct gw_tcp_conn *c);

#endif /* TCP_PRIV_H */
