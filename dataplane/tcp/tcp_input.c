/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcp_input — segment arrival (RFC 9293 §3.10.7): header checks,
 * demultiplexing to a connection or a listener, the LISTEN, SYN-SENT and
 * synchronized-state rules in RFC order (sequence acceptability, RST with
 * RFC 5961, SYN in window, ACK processing with RTT and congestion control,
 * data in order or held out of order, FIN), then the ACK policy.
 * Worker thread.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "gw_tcp.h"
#include "tcp_isn.h"
#include "tcp_mbuf.h"
#include "tcp_priv.h"

#define PAWS_IDLE_S (24 * 24 * 3600) /* RFC 7323 §5.5: TS.Recent expires */

/* What one arriving segment says, decoded once. */
struct seg {
	uint32_t seq;
	uint32_t ack;
	uint32_t len; /* payload bytes */
	uint32_t wnd; /* unscaled */
	uint8_t flags;
	struct gw_tcp_opts opts;
};

static inline uint32_t
seg_end(const struct seg *s)
{
	return s->seq + s->len + !!(s->flags & RTE_TCP_SYN_FLAG) +
	       !!(s->flags & RTE_TCP_FIN_FLAG);
}

static inline void
drop(struct gw_tcp_wrk *t, uint16_t port, struct rte_mbuf *m,
     enum gw_drop_reason why)
{
	gw_worker_drop(t->w, port, m, why);
}

/* Payload of a segment as its own chain (headers cut off), or NULL. */
static struct rte_mbuf *
seg_payload(struct rte_mbuf *m, const struct seg *s)
{
	uint32_t hdrs = rte_pktmbuf_pkt_len(m) - s->len;

	if (s->len == 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return tcp_mbuf_adj(m, hdrs);
}

/* ---- RTT, RTO and congestion control ------------------------------------ */

/* RFC 6298 §2: smoothed RTT and RTO from one sample. */
static void
rtt_sample(struct gw_tcp_conn *c, uint32_t rtt_us)
{
	uint32_t rto;

	if (rtt_us == 0)
		rtt_us = 1;
	if (c->srtt_us == 0) {
		c->srtt_us = rtt_us;
		c->rttvar_us = rtt_us / 2;
	} else {
		uint32_t err = c->srtt_us > rtt_us ? c->srtt_us - rtt_us :
						     rtt_us - c->srtt_us;

		c->rttvar_us = (3 * c->rttvar_us + err) / 4;
		c->srtt_us = (7 * c->srtt_us + rtt_us) / 8;
	}
	rto = (c->srtt_us + RTE_MAX(4 * c->rttvar_us, 1000u)) / 1000;
	c->rto_ms = RTE_MIN(RTE_MAX(rto, (uint32_t)TCP_RTO_MIN),
			    (uint32_t)TCP_RTO_MAX);
}

/* A new ACK of `acked` bytes: RFC 6582 recovery, else the algorithm. */
static void
cc_on_ack(struct gw_tcp_wrk *t, struct gw_tcp_conn *c, uint32_t acked)
{
	if ((c->flags & TCP_F_RECOVERY) && (c->flags & TCP_F_SACK)) {
		/* RFC 6675: cwnd stays at ssthresh until recovery ends */
		c->rexmit_out = c->rexmit_out > acked ? c->rexmit_out - acked : 0;
		if (gw_tcp_seq_lt(c->rexmit_nxt, c->snd_una))
			c->rexmit_nxt = c->snd_una;
		if (gw_tcp_seq_geq(c->snd_una, c->recover)) {
			c->flags &= (uint16_t)~TCP_F_RECOVERY;
			c->rexmit_out = 0;
			c->cwnd = c->ssthresh;
		}
		return;
	}
	if (c->flags & TCP_F_RECOVERY) {
		if (gw_tcp_seq_geq(c->snd_una, c->recover)) {
			/* full ACK: leave recovery (RFC 6582 §3.2 step 3) */
			c->flags &= (uint16_t)~TCP_F_RECOVERY;
			c->cwnd = RTE_MIN(c->ssthresh,
					  RTE_MAX(c->snd_max - c->snd_una, 0u) +
						  c->mss);
		} else {
			/* partial ACK: deflate by what was acked, add one */
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : c->mss;
			c->cwnd += c->mss;
		}
		return;
	}
	t->cc->ack(c, acked, t->now_us);
}

/* Third duplicate ACK: fast retransmit and recovery (RFC 6582 §3.2). */
static void
cc_fast_retransmit(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	uint32_t saved_nxt = c->snd_nxt;

	if ((c->flags & TCP_F_RECOVERY) || !gw_tcp_seq_gt(c->snd_una, c->recover))
		return; /* RFC 6582 §3.2 step 2: not a new loss */
	t->stats.fast_retrans++;
	t->cc->loss(c, t->now_us);
	if (c->flags & TCP_F_SACK) { /* RFC 6675 §5: resend the holes */
		c->recover = c->snd_max;
		c->flags |= TCP_F_RECOVERY;
		c->rtt_t_us = 0;
		c->cwnd = c->ssthresh;
		c->rexmit_nxt = c->snd_una;
		c->rexmit_out = 0;
		/* RFC 6675 §5 (4.3): the first segment goes now, pipe or not */
		tcp_retransmit_first(t, c);
		tcp_output(t, c);
		return;
	}
	c->recover = c->snd_max;
	c->flags |= TCP_F_RECOVERY;
	c->rtt_t_us = 0;
	/* resend the first unacknowledged segment */
	c->snd_nxt = c->snd_una;
	c->cwnd = c->mss;
	tcp_output(t, c);
	c->snd_nxt = gw_tcp_seq_max(saved_nxt, c->snd_nxt);
	c->cwnd = c->ssthresh + TCP_DUPACK_THRESH * c->mss;
}

/* Drop acknowledged bytes from the send queue. */
static void
sndq_ack(struct gw_tcp_conn *c, uint32_t bytes)
{
	bytes = RTE_MIN(bytes, c->sndq_bytes);
	c->sndq_bytes -= bytes;
	if (c->sndq_bytes == 0) {
		if (c->sndq != NULL)
			rte_pktmbuf_free(c->sndq);
		c->sndq = c->sndq_tail = NULL;
		c->sndq_off = 0;
		return;
	}
	bytes += c->sndq_off;
	while (bytes >= c->sndq->data_len) {
		struct rte_mbuf *next = c->sndq->next;

		bytes -= c->sndq->data_len;
		c->sndq->next = NULL;
		rte_pktmbuf_free_seg(c->sndq);
		c->sndq = next;
	}
	c->sndq_off = bytes;
}

/*
 * The ACK field of an acceptable segment in a synchronized state
 * (RFC 9293 §3.10.7.4, fifth check). @return false if the segment must
 * be dropped (after an ACK was sent for an ACK of unsent data).
 */
static bool
ack_process(struct gw_tcp_wrk *t, struct gw_tcp_conn *c, const struct seg *s)
{
	uint32_t wnd = s->wnd << c->snd_wscale;

	if (gw_tcp_seq_gt(s->ack, c->snd_max)) {
		c->flags |= TCP_F_ACK_NOW; /* acks something not yet sent */
		return false;
	}
	if ((c->flags & TCP_F_SACK) && s->opts.n_sack > 0)
		tcp_sack_update(c, &s->opts);
	if (gw_tcp_seq_gt(s->ack, c->snd_una)) {
		uint32_t acked = s->ack - c->snd_una;
		bool fin_acked = (c->flags & TCP_F_FIN_SENT) &&
				 gw_tcp_seq_gt(s->ack, tcp_data_end(c));

		/* RTT: timestamps echo, else the one timed segment (Karn) */
		if ((c->flags & TCP_F_TS) && s->opts.has_ts && s->opts.ts_ecr != 0)
			rtt_sample(c, ((uint32_t)t->now_ms + c->iss -
				       s->opts.ts_ecr) * 1000);
		else if (c->rtt_t_us != 0 && gw_tcp_seq_gt(s->ack, c->rtt_seq)) {
			rtt_sample(c, (uint32_t)t->now_us - c->rtt_t_us);
			c->rtt_t_us = 0;
		}
		sndq_ack(c, acked - fin_acked);
		if (fin_acked)
			c->flags |= TCP_F_FIN_ACKED;
		c->snd_una = s->ack;
		if (gw_tcp_seq_lt(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		if (c->sb_n > 0)
			tcp_sack_prune(c);
		c->retries = 0;
		c->dupacks = 0;
		cc_on_ack(t, c, acked);
		/* RFC 6298 §5.2-5.3 */
		if (c->snd_una == c->snd_max)
			c->t_rexmit = 0;
		else
			tcp_rto_start(t, c);
		if ((c->flags & TCP_F_WANT_WRITE) && gw_tcp_raw_send_space(c) > 0 &&
		    (c->flags & TCP_F_APP) && c->ops->writable != NULL) {
			c->flags &= (uint16_t)~TCP_F_WANT_WRITE;
			c->ops->writable(c);
		}
	} else if (s->ack == c->snd_una && s->len == 0 &&
		   !(s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG)) &&
		   c->snd_una != c->snd_max &&
		   (wnd == c->snd_wnd || s->opts.n_sack > 0)) {
		/* duplicate ACK (RFC 5681 §2; with SACK, RFC 6675 §2 counts
		 * any ACK that brings SACK blocks, window change or not) */
		c->dupacks++;
		if ((c->flags & (TCP_F_RECOVERY | TCP_F_SACK)) ==
		    (TCP_F_RECOVERY | TCP_F_SACK))
			tcp_output(t, c); /* SACK news may open the pipe */
		else if (c->dupacks > TCP_DUPACK_THRESH &&
			 (c->flags & TCP_F_RECOVERY))
			c->cwnd += c->mss; /* NewReno: inflate */
	}
	/* loss: three duplicate ACKs, or (RFC 6675 IsLost) three segments'
	 * worth SACKed above snd_una */
	if (!(c->flags & TCP_F_RECOVERY) && c->snd_una != c->snd_max &&
	    (c->dupacks >= TCP_DUPACK_THRESH ||
	     ((c->flags & TCP_F_SACK) &&
	      c->sacked >= TCP_DUPACK_THRESH * (uint32_t)c->mss)))
		cc_fast_retransmit(t, c);
	/* window update (RFC 9293 §3.10.7.4) */
	if (gw_tcp_seq_lt(c->snd_wl1, s->seq) ||
	    (c->snd_wl1 == s->seq && gw_tcp_seq_leq(c->snd_wl2, s->ack))) {
		if (c->snd_wnd == 0)
			c->retries = 0; /* a probe was answered: the peer is
					 * alive, the persist timer goes on */
		c->snd_wnd = wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
	}
	return true;
}

/* ---- receive queue ------------------------------------------------------ */

static void
deliver(struct gw_tcp_conn *c, struct rte_mbuf *d, uint32_t len)
{
	c->rcv_nxt += len;
	c->rcv_held += len;
	if ((c->flags & TCP_F_APP) && c->ops->data != NULL)
		c->ops->data(c, d);
	else
		rte_pktmbuf_free(d);
}

/* Hand over out-of-order ranges that rcv_nxt has reached. */
static void
ooo_drain(struct gw_tcp_conn *c)
{
	while (c->ooo_n > 0 && gw_tcp_seq_leq(c->ooo[0].seq, c->rcv_nxt)) {
		struct tcp_ooo_range r = c->ooo[0];
		uint32_t skip = c->rcv_nxt - r.seq;

		memmove(&c->ooo[0], &c->ooo[1], sizeof(r) * (c->ooo_n - 1));
		c->ooo_n--;
		c->ooo_last = c->ooo_last > 0 ? (uint8_t)(c->ooo_last - 1) : 0;
		c->ooo_bytes -= r.len;
		if (skip >= r.len) {
			rte_pktmbuf_free(r.head);
			continue;
		}
		r.head = tcp_mbuf_adj(r.head, skip);
		r.head->pkt_len = r.len - skip;
		deliver(c, r.head, r.len - skip);
	}
}

/*
 * Keep a segment that starts beyond rcv_nxt (consumed). Overlaps with
 * held data are cut off the new segment; adjacent data joins a range.
 * @return false when it could not be kept (no room: dropped).
 */
static bool
ooo_insert(struct gw_tcp_wrk *t, struct gw_tcp_conn *c, struct rte_mbuf *d,
	   uint32_t seq, uint32_t len)
{
	unsigned i, k;

	for (i = 0; i < c->ooo_n; i++) {
		struct tcp_ooo_range *r = &c->ooo[i];
		uint32_t r_end = r->seq + r->len;

		if (gw_tcp_seq_geq(seq, r->seq) && gw_tcp_seq_leq(seq + len, r_end)) {
			rte_pktmbuf_free(d); /* all of it already held */
			t->stats.dup_segs++;
			c->ooo_last = (uint8_t)i;
			return true;
		}
		if (gw_tcp_seq_lt(seq, r->seq))
			break;
		if (gw_tcp_seq_lt(seq, r_end)) { /* overlaps r's tail */
			d = tcp_mbuf_adj(d, r_end - seq);
			len -= r_end - seq;
			seq = r_end;
		}
	}
	/* i: first range starting after seq; cut what overlaps it */
	if (i < c->ooo_n && gw_tcp_seq_gt(seq + len, c->ooo[i].seq)) {
		uint32_t cut = seq + len - c->ooo[i].seq;

		d = tcp_mbuf_trim(d, cut);
		len -= cut;
	}
	if (d == NULL || len == 0) {
		rte_pktmbuf_free(d);
		return true;
	}
	d->pkt_len = len;
	if (i > 0 && c->ooo[i - 1].seq + c->ooo[i - 1].len == seq) {
		struct tcp_ooo_range *r = &c->ooo[i - 1];

		r->tail->next = d; /* append to the range before */
		r->tail = tcp_mbuf_last(d);
		r->len += len;
		r->head->pkt_len = r->len;
		c->ooo_bytes += len;
		c->ooo_last = (uint8_t)(i - 1);
		if (i < c->ooo_n && r->seq + r->len == c->ooo[i].seq) {
			/* the gap to the next range is filled: merge */
			r->tail->next = c->ooo[i].head;
			r->tail = c->ooo[i].tail;
			r->len += c->ooo[i].len;
			r->head->pkt_len = r->len;
			memmove(&c->ooo[i], &c->ooo[i + 1],
				sizeof(*r) * (c->ooo_n - i - 1));
			c->ooo_n--;
		}
		return true;
	}
	if (i < c->ooo_n && seq + len == c->ooo[i].seq) {
		struct tcp_ooo_range *r = &c->ooo[i];

		tcp_mbuf_last(d)->next = r->head; /* prepend */
		r->head = d;
		r->seq = seq;
		r->len += len;
		d->pkt_len = r->len;
		c->ooo_bytes += len;
		c->ooo_last = (uint8_t)i;
		return true;
	}
	if (c->ooo_n == TCP_OOO_MAX) {
		rte_pktmbuf_free(d);
		return false;
	}
	for (k = c->ooo_n; k > i; k--)
		c->ooo[k] = c->ooo[k - 1];
	c->ooo[i].seq = seq;
	c->ooo[i].len = len;
	c->ooo[i].head = d;
	c->ooo[i].tail = tcp_mbuf_last(d);
	c->ooo_n++;
	c->ooo_bytes += len;
	c->ooo_last = (uint8_t)i;
	return true;
}

/* ---- synchronized states ------------------------------------------------ */

/* RFC 9293 §3.10.7.4, first check: is the segment acceptable? */
static bool
seq_acceptable(const struct gw_tcp_conn *c, const struct seg *s, uint32_t wnd)
{
	uint32_t len = seg_end(s) - s->seq;

	if (len == 0)
		return wnd == 0 ? s->seq == c->rcv_nxt :
				  gw_tcp_seq_in_window(s->seq, c->rcv_nxt, wnd);
	if (wnd == 0)
		return false;
	return gw_tcp_seq_in_window(s->seq, c->rcv_nxt, wnd) ||
	       gw_tcp_seq_in_window(s->seq + len - 1, c->rcv_nxt, wnd);
}

static void
fin_received(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	c->flags |= TCP_F_FIN_RCVD | TCP_F_ACK_NOW;
	c->rcv_nxt++;
	switch (c->state) {
	case GW_TCP_SYN_RCVD:
	case GW_TCP_ESTABLISHED:
		tcp_set_state(t, c, GW_TCP_CLOSE_WAIT);
		break;
	case GW_TCP_FIN_WAIT_1:
		/* our FIN not yet acked (else we'd be in FIN_WAIT_2) */
		tcp_set_state(t, c, GW_TCP_CLOSING);
		break;
	case GW_TCP_FIN_WAIT_2:
		tcp_set_state(t, c, GW_TCP_TIME_WAIT); /* tcp_tw_enter at ack: */
		c->t_rexmit = 0;
		break;
	default:
		break;
	}
	if ((c->flags & TCP_F_APP) && c->ops->eof != NULL)
		c->ops->eof(c);
}

/*
 * A segment for an existing connection in SYN_RCVD or later (consumed).
 * @return false if c was freed.
 */
static bool
rcv_synchronized(struct gw_tcp_wrk *t, struct gw_tcp_conn *c,
		 struct rte_mbuf *m, struct seg *s)
{
	uint32_t wnd = c->rcv_adv - c->rcv_nxt;
	struct rte_mbuf *d;

	if (gw_tcp_seq_lt(c->rcv_adv, c->rcv_nxt))
		wnd = 0;
	/*
	 * Simultaneous open (RFC 9293 figure 8): in SYN-RCVD after our own
	 * SYN-SENT, the peer's SYN-ACK repeats the SYN we already took; its
	 * ACK is what completes the handshake, so take the segment without
	 * the SYN rather than refusing it as old.
	 */
	if (c->state == GW_TCP_SYN_RCVD && !(c->flags & TCP_F_PASSIVE) &&
	    (s->flags & RTE_TCP_SYN_FLAG) && (s->flags & RTE_TCP_ACK_FLAG) &&
	    s->seq == c->irs) {
		s->flags &= (uint8_t)~RTE_TCP_SYN_FLAG;
		s->seq++;
	}
	/* PAWS (RFC 7323 §5.3) */
	if ((c->flags & TCP_F_TS) && s->opts.has_ts &&
	    !(s->flags & RTE_TCP_RST_FLAG) &&
	    gw_tcp_ts_lt(s->opts.ts_val, c->ts_recent) &&
	    (uint32_t)(t->now_us / 1000000) - c->ts_recent_s < PAWS_IDLE_S) {
		t->stats.paws_drops++;
		c->flags |= TCP_F_ACK_NOW;
		drop(t, c->port, m, GW_DROP_TCP_PAWS);
		goto ack;
	}
	if (!seq_acceptable(c, s, wnd)) {
		/*
		 * RFC 9293 §3.10.7.4: with a zero window no segment is
		 * acceptable, "but special allowance should be made to accept
		 * valid ACKs": a segment that is not old (at or beyond
		 * rcv_nxt) but that the window refuses still carries the
		 * peer's ACK and window, which the send side needs, else both
		 * sides wait for timeouts. The ACK must be within what we
		 * sent (RFC 5961 §5); the data is not taken.
		 */
		if (gw_tcp_seq_geq(s->seq, c->rcv_nxt) &&
		    !(s->flags & (RTE_TCP_RST_FLAG | RTE_TCP_SYN_FLAG)) &&
		    (s->flags & RTE_TCP_ACK_FLAG) &&
		    gw_tcp_seq_geq(s->ack, c->snd_una) &&
		    gw_tcp_seq_leq(s->ack, c->snd_max)) {
			c->flags |= TCP_F_ACK_NOW; /* restate the closed window */
			t->stats.dup_segs++;
			s->len = 0; /* the data is not taken */
			s->flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
			if (!ack_process(t, c, s)) {
				drop(t, c->port, m, GW_DROP_TCP_ACK_UNSENT);
				goto ack;
			}
			drop(t, c->port, m, GW_DROP_TCP_OUT_OF_WINDOW);
			m = NULL; /* the data is refused; the ACK was taken */
			goto established;
		}
		if (!(s->flags & RTE_TCP_RST_FLAG))
			c->flags |= TCP_F_ACK_NOW;
		t->stats.dup_segs++;
		drop(t, c->port, m, GW_DROP_TCP_OUT_OF_WINDOW);
		goto ack;
	}
	tcp_keepalive_heard(t, c);
	/* RST (RFC 5961 §3.2): exactly rcv_nxt resets, else challenge */
	if (s->flags & RTE_TCP_RST_FLAG) {
		rte_pktmbuf_free(m);
		if (s->seq != c->rcv_nxt) {
			t->stats.challenge_acks++;
			tcp_send_ack(t, c);
			return true;
		}
		t->stats.rst_rx++;
		if (c->state == GW_TCP_ESTABLISHED ||
		    c->state == GW_TCP_CLOSE_WAIT)
			t->stats.estab_resets++;
		tcp_conn_close(t, c, c->state == GW_TCP_SYN_RCVD ?
					     -ECONNREFUSED : -ECONNRESET);
		return false;
	}
	/* SYN in a synchronized state: challenge ACK (RFC 5961 §4.2) */
	if (s->flags & RTE_TCP_SYN_FLAG) {
		t->stats.challenge_acks++;
		rte_pktmbuf_free(m);
		tcp_send_ack(t, c);
		return true;
	}
	if (!(s->flags & RTE_TCP_ACK_FLAG)) {
		drop(t, c->port, m, GW_DROP_TCP_NO_ACK);
		return true;
	}
	/* RFC 5961 §5.2: ACK outside [snd_una - max window, snd_max] */
	if (gw_tcp_seq_lt(s->ack, c->snd_una - RTE_MAX(c->snd_wnd, 65535u))) {
		t->stats.challenge_acks++;
		drop(t, c->port, m, GW_DROP_TCP_OUT_OF_WINDOW);
		tcp_send_ack(t, c);
		return true;
	}
	if (c->state == GW_TCP_SYN_RCVD) {
		struct gw_tcp_listener *l = (c->flags & TCP_F_PASSIVE) ?
			tcp_listener_lookup(t, c->lport) : NULL;

		if (!gw_tcp_seq_gt(s->ack, c->snd_una) ||
		    gw_tcp_seq_gt(s->ack, c->snd_max)) {
			tcp_send_rst_reply(t, c->port, m); /* §3.10.7.4 */
			drop(t, c->port, m, GW_DROP_TCP_ACK_UNSENT);
			return true;
		}
		if (l != NULL && l->half_open > 0)
			l->half_open--;
		tcp_set_state(t, c, GW_TCP_ESTABLISHED);
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		c->t_wait = 0;
		/* the SYN is acknowledged before the application may send */
		(void)ack_process(t, c, s); /* s->ack checked above */
		if (!(c->flags & TCP_F_PASSIVE)) {
			/* simultaneous open (RFC 9293 §3.5, figure 8) */
			if (c->ops->connected != NULL)
				c->ops->connected(c, 0);
			goto established;
		}
		t->stats.passive_opens++;
		c->flags |= TCP_F_APP;
		if (l == NULL || l->ops->accepted(c, l->ctx) < 0) {
			c->flags &= (uint16_t)~TCP_F_APP;
			rte_pktmbuf_free(m);
			tcp_send_rst(t, c);
			tcp_conn_close(t, c, -ECONNRESET);
			return false;
		}
	} else if (!ack_process(t, c, s)) {
		drop(t, c->port, m, GW_DROP_TCP_ACK_UNSENT);
		goto ack;
	}
established:
	if (c->state == GW_TCP_CLOSED) {
		/* the application closed it from writable() */
		rte_pktmbuf_free(m);
		return false;
	}
	/* our FIN acknowledged */
	if ((c->flags & TCP_F_FIN_ACKED) &&
	    (c->state == GW_TCP_FIN_WAIT_1 || c->state == GW_TCP_CLOSING ||
	     c->state == GW_TCP_LAST_ACK)) {
		switch (c->state) {
		case GW_TCP_FIN_WAIT_1:
			tcp_set_state(t, c, GW_TCP_FIN_WAIT_2);
			c->t_wait = t->now_ms + TCP_FIN_WAIT_2;
			break;
		case GW_TCP_CLOSING:
			tcp_set_state(t, c, GW_TCP_TIME_WAIT);
			break;
		case GW_TCP_LAST_ACK:
			rte_pktmbuf_free(m);
			tcp_conn_close(t, c, 0);
			return false;
		default:
			break;
		}
	}
	if (c->state == GW_TCP_TIME_WAIT) {
		/* a retransmitted FIN: ACK it; the TIME-WAIT entry made at
		 * ack: holds the 2 MSL wait */
		if (s->flags & RTE_TCP_FIN_FLAG)
			c->flags |= TCP_F_ACK_NOW;
		rte_pktmbuf_free(m);
		goto ack;
	}
	/* TS.Recent (RFC 7323 §4.3) */
	if ((c->flags & TCP_F_TS) && s->opts.has_ts &&
	    gw_tcp_seq_leq(s->seq, c->rcv_nxt)) {
		c->ts_recent = s->opts.ts_val;
		c->ts_recent_s = (uint32_t)(t->now_us / 1000000);
	}
	/* data, in the states that still receive it */
	if (s->len > 0 && c->state == GW_TCP_FIN_WAIT_2)
		c->t_wait = t->now_ms + TCP_FIN_WAIT_2; /* idle, not orphaned */
	if (s->len > 0 && !(c->flags & TCP_F_FIN_RCVD)) {
		uint32_t seq = s->seq, len = s->len;

		d = seg_payload(m, s);
		m = NULL;
		if (gw_tcp_seq_lt(seq, c->rcv_nxt)) { /* partly old */
			d = tcp_mbuf_adj(d, c->rcv_nxt - seq);
			len -= c->rcv_nxt - seq;
			seq = c->rcv_nxt;
		}
		if (len > wnd - (seq - c->rcv_nxt)) { /* beyond the window */
			d = tcp_mbuf_trim(d, len - (wnd - (seq - c->rcv_nxt)));
			len = wnd - (seq - c->rcv_nxt);
			s->flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
		}
		if (d != NULL)
			d->pkt_len = len;
		if (d != NULL && seq == c->rcv_nxt) {
			/* ACK every second full segment, else after 40 ms; set
			 * before the application runs, as what it sends now
			 * carries the ACK */
			if (c->flags & TCP_F_ACK_PENDING)
				c->flags |= TCP_F_ACK_NOW;
			else
				c->flags |= TCP_F_ACK_PENDING;
			if (c->ooo_n > 0)
				c->flags |= TCP_F_ACK_NOW; /* may fill a hole */
			deliver(c, d, len);
			if (c->state == GW_TCP_CLOSED) {
				/* the application closed it from data() */
				rte_pktmbuf_free(m);
				return false;
			}
			ooo_drain(c);
			if (c->state == GW_TCP_CLOSED) {
				rte_pktmbuf_free(m);
				return false;
			}
		} else if (d != NULL) {
			t->stats.ooo_segs++;
			if (!ooo_insert(t, c, d, seq, len)) /* d freed */
				t->w->stats.drop[c->port][GW_DROP_TCP_OOO_FULL]++;
			c->flags |= TCP_F_ACK_NOW; /* dup ACK: fast retransmit */
			s->flags &= (uint8_t)~RTE_TCP_FIN_FLAG; /* not yet */
		}
	}
	if (m != NULL)
		rte_pktmbuf_free(m);
	if ((s->flags & RTE_TCP_FIN_FLAG) && !(c->flags & TCP_F_FIN_RCVD) &&
	    seg_end(s) - 1 == c->rcv_nxt) {
		fin_received(t, c);
		if (c->state == GW_TCP_CLOSED)
			return false; /* the application closed it from eof() */
	}
ack:
	if (c->state == GW_TCP_TIME_WAIT) {
		if (c->flags & TCP_F_ACK_NOW)
			tcp_send_ack(t, c);
		tcp_tw_enter(t, c); /* the control block goes back to the pool */
		return false;
	}
	tcp_keepalive_heard(t, c); /* arms it once the state allows */
	tcp_output(t, c); /* data the window now allows, and an ACK if due */
	if ((c->flags & TCP_F_ACK_PENDING) && c->t_delack == 0)
		c->t_delack = t->now_ms + TCP_DELACK;
	tcp_timer_update(t, c);
	return true;
}

/* ---- LISTEN and SYN-SENT ------------------------------------------------ */

/* Options of the peer's SYN or SYN-ACK into the connection. */
static void
syn_options(struct gw_tcp_wrk *t, struct gw_tcp_conn *c, const struct seg *s,
	    uint16_t mtu)
{
	c->mss = (uint16_t)RTE_MIN(s->opts.has_mss ? (unsigned)s->opts.mss :
						     (unsigned)TCP_DEFAULT_MSS,
				   (unsigned)mtu - 40);
	if (s->opts.has_wscale) {
		c->flags |= TCP_F_WS;
		c->snd_wscale = s->opts.wscale;
	} else {
		c->rcv_wscale = 0; /* RFC 7323 §2.2: both or neither */
		c->snd_wscale = 0;
	}
	if (s->opts.has_ts) {
		c->flags |= TCP_F_TS;
		c->ts_recent = s->opts.ts_val;
		c->ts_recent_s = (uint32_t)(t->now_us / 1000000);
		c->mss -= 12;
	}
	if (s->opts.sack_ok)
		c->flags |= TCP_F_SACK;
	c->cwnd = RTE_MIN(10u * c->mss, RTE_MAX(2u * c->mss, 14600u)); /* RFC 6928 */
}

/* RFC 9293 §3.10.7.3: a segment for a connection in SYN-SENT (consumed). */
static void
rcv_syn_sent(struct gw_tcp_wrk *t, struct gw_tcp_conn *c, struct rte_mbuf *m,
	     const struct seg *s)
{
	const struct gw_dp_port *p = &t->w->dp->ports[c->port];
	bool ack_ok = false;

	if (s->flags & RTE_TCP_ACK_FLAG) {
		if (!gw_tcp_seq_gt(s->ack, c->iss) ||
		    gw_tcp_seq_gt(s->ack, c->snd_max)) {
			if (!(s->flags & RTE_TCP_RST_FLAG))
				tcp_send_rst_reply(t, c->port, m);
			drop(t, c->port, m, GW_DROP_TCP_ACK_UNSENT);
			return;
		}
		ack_ok = true;
	}
	if (s->flags & RTE_TCP_RST_FLAG) {
		rte_pktmbuf_free(m);
		if (ack_ok) { /* refused */
			t->stats.rst_rx++;
			t->stats.attempt_fails++;
			tcp_conn_close(t, c, -ECONNREFUSED);
		}
		return;
	}
	if (!(s->flags & RTE_TCP_SYN_FLAG)) {
		drop(t, c->port, m, GW_DROP_TCP_NO_ACK);
		return;
	}
	rte_pktmbuf_free(m); /* a SYN carries no data we keep (RFC 9293 §3.10.7.3) */
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	syn_options(t, c, s, p->mtu);
	c->snd_wnd = s->wnd; /* a SYN's window is never scaled */
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (!ack_ok) {
		/* simultaneous open: answer with SYN-ACK, wait for its ACK */
		tcp_set_state(t, c, GW_TCP_SYN_RCVD);
		c->t_rexmit = 0;
		tcp_send_syn(t, c);
		return;
	}
	c->snd_una = s->ack;
	c->retries = 0;
	c->t_rexmit = 0;
	c->rto_ms = TCP_RTO_INIT;
	if (c->flags & TCP_F_TS && s->opts.ts_ecr != 0)
		rtt_sample(c, ((uint32_t)t->now_ms + c->iss - s->opts.ts_ecr) * 1000);
	tcp_set_state(t, c, GW_TCP_ESTABLISHED);
	tcp_keepalive_heard(t, c);
	c->flags |= TCP_F_ACK_NOW;
	if (c->ops->connected != NULL)
		c->ops->connected(c, 0); /* may queue data: it carries the ACK */
	if (c->state == GW_TCP_CLOSED)
		return;
	tcp_output(t, c);
	tcp_timer_update(t, c);
}

#define COOKIE_WINDOW_S 128 /* cookies are checked this long after one went out */

static void
cookie_in(struct gw_tcp_wrk *t, const struct rte_mbuf *m, const struct seg *s,
	  struct gw_tcp_cookie_in *in)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, m->l2_len);
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(
		m, const struct rte_tcp_hdr *, m->l2_len + m->l3_len);

	memset(in, 0, sizeof(*in));
	in->t.laddr = rte_be_to_cpu_32(ip->dst_addr);
	in->t.raddr = rte_be_to_cpu_32(ip->src_addr);
	in->t.lport = rte_be_to_cpu_16(th->dst_port);
	in->t.rport = rte_be_to_cpu_16(th->src_port);
	in->now_s = t->now_us / 1000000 + 1; /* never 0 (cookie_sent_s) */
	in->has_ts = s->opts.has_ts;
}

/* Backlog full: answer the SYN with a cookie and keep nothing (RFC 4987). */
static void
syn_cookie_send(struct gw_tcp_wrk *t, uint16_t port, struct rte_mbuf *m,
		const struct seg *s)
{
	struct gw_tcp_cookie_in in;
	uint32_t cookie, ts = 0;

	cookie_in(t, m, s, &in);
	in.isn = s->seq;
	in.mss = s->opts.has_mss ? s->opts.mss : 0;
	in.has_wscale = s->opts.has_wscale;
	in.wscale = s->opts.wscale;
	in.sack_ok = s->opts.sack_ok;
	in.has_ts = false;
	cookie = gw_tcp_syncookie_make(&t->cookie_key, &in, NULL);
	if (s->opts.has_ts) { /* options ride in our TSval; its clock is
			       * now_ms + ISS, as for every connection */
		in.has_ts = true;
		in.ts_now = (uint32_t)t->now_ms + cookie;
		(void)gw_tcp_syncookie_make(&t->cookie_key, &in, &ts);
	}
	t->cookie_sent_s = in.now_s;
	t->stats.syncookies_sent++;
	tcp_send_synack_cookie(t, port, m, &s->opts, s->seq, cookie, ts);
	rte_pktmbuf_free(m);
}

/*
 * An ACK to a listener with no connection: the third step of a cookie
 * handshake? @return the new connection, or NULL (m untouched).
 */
static struct gw_tcp_conn *
syn_cookie_check(struct gw_tcp_wrk *t, struct gw_tcp_listener *l,
		 uint16_t port, const struct rte_mbuf *m, const struct seg *s)
{
	const struct gw_dp_port *p = &t->w->dp->ports[port];
	struct gw_tcp_cookie_out out;
	struct gw_tcp_cookie_in in;
	struct gw_tcp_conn *c;

	cookie_in(t, m, s, &in);
	if (t->cookie_sent_s == 0 ||
	    in.now_s - t->cookie_sent_s > COOKIE_WINDOW_S)
		return NULL; /* no cookie out lately: not worth a SipHash */
	in.isn = s->seq - 1;
	if (gw_tcp_syncookie_check(&t->cookie_key, &in, s->ack - 1,
				   s->opts.ts_ecr, &out) != 0) {
		t->stats.syncookies_failed++;
		return NULL;
	}
	c = tcp_conn_alloc(t, rte_cpu_to_be_32(in.t.raddr),
			   rte_cpu_to_be_32(in.t.laddr),
			   rte_cpu_to_be_16(in.t.rport),
			   rte_cpu_to_be_16(in.t.lport), (uint8_t)port);
	if (c == NULL)
		return NULL;
	c->flags |= TCP_F_PASSIVE;
	c->ops = l->ops;
	c->irs = s->seq - 1;
	c->rcv_nxt = s->seq;
	c->rcv_adv = c->rcv_nxt + RTE_MIN(t->rcv_buf, 65535u); /* as the SYN-ACK said */
	c->iss = s->ack - 1;
	c->snd_una = c->snd_nxt = c->snd_max = s->ack;
	c->recover = c->iss;
	c->mss = (uint16_t)RTE_MIN((unsigned)out.mss, (unsigned)p->mtu - 40);
	if (out.has_wscale) {
		c->flags |= TCP_F_WS;
		c->snd_wscale = out.wscale;
	} else {
		c->rcv_wscale = 0;
	}
	if (out.has_ts) {
		c->flags |= TCP_F_TS;
		c->ts_recent = s->opts.ts_val;
		c->ts_recent_s = (uint32_t)(t->now_us / 1000000);
		c->mss -= 12;
	}
	if (out.sack_ok)
		c->flags |= TCP_F_SACK;
	c->snd_wnd = s->wnd << c->snd_wscale;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->cwnd = RTE_MIN(10u * c->mss, RTE_MAX(2u * c->mss, 14600u));
	c->ssthresh = UINT32_MAX;
	t->cc->init(c);
	tcp_set_state(t, c, GW_TCP_ESTABLISHED);
	t->stats.syncookies_valid++;
	t->stats.passive_opens++;
	c->flags |= TCP_F_APP;
	if (l->ops->accepted(c, l->ctx) < 0) {
		c->flags &= (uint16_t)~TCP_F_APP;
		tcp_send_rst(t, c);
		tcp_conn_close(t, c, -ECONNRESET);
		return NULL;
	}
	return c;
}

static void
rcv_listen(struct gw_tcp_wrk *t, struct gw_tcp_listener *l, uint16_t port,
	   struct rte_mbuf *m, struct seg *s)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, m->l2_len);
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(
		m, const struct rte_tcp_hdr *, m->l2_len + m->l3_len);
	const struct gw_dp_port *p = &t->w->dp->ports[port];
	struct gw_tcp_conn *c;

	if (s->flags & RTE_TCP_RST_FLAG) {
		drop(t, port, m, GW_DROP_TCP_NO_CONN);
		return;
	}
	if (s->flags & RTE_TCP_ACK_FLAG) {
		if (!(s->flags & RTE_TCP_SYN_FLAG)) {
			c = syn_cookie_check(t, l, port, m, s);
			if (c != NULL) { /* data on the ACK, if any, goes on */
				(void)rcv_synchronized(t, c, m, s);
				return;
			}
		}
		tcp_send_rst_reply(t, port, m);
		drop(t, port, m, GW_DROP_TCP_NO_CONN);
		return;
	}
	if (!(s->flags & RTE_TCP_SYN_FLAG)) {
		drop(t, port, m, GW_DROP_TCP_NO_CONN);
		return;
	}
	if (l->half_open >= t->syn_backlog) {
		syn_cookie_send(t, port, m, s);
		return;
	}
	c = tcp_conn_alloc(t, ip->src_addr, ip->dst_addr, th->src_port,
			   th->dst_port, (uint8_t)port);
	if (c == NULL) {
		drop(t, port, m, GW_DROP_TCP_TABLE_FULL);
		return;
	}
	c->flags |= TCP_F_PASSIVE;
	c->ops = l->ops;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->iss = gw_tcp_isn(&t->isn_key, rte_be_to_cpu_32(c->laddr),
			    rte_be_to_cpu_16(c->lport), rte_be_to_cpu_32(c->raddr),
			    rte_be_to_cpu_16(c->rport), t->now_us);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->recover = c->iss;
	c->snd_wnd = s->wnd; /* never scaled in a SYN */
	c->snd_wl1 = s->seq;
	c->snd_wl2 = c->iss;
	syn_options(t, c, s, p->mtu);
	c->ssthresh = UINT32_MAX;
	t->cc->init(c);
	tcp_set_state(t, c, GW_TCP_SYN_RCVD);
	l->half_open++;
	/* give up on a handshake that does not complete */
	c->t_wait = t->now_ms + 75000;
	rte_pktmbuf_free(m);
	tcp_send_syn(t, c);
}

/*
 * A segment for a tuple in TIME-WAIT. @return true when a SYN may reuse
 * the tuple (the entry is gone; go on as a new connection), false when
 * the segment was handled (consumed).
 */
static bool
tw_segment(struct gw_tcp_wrk *t, struct tcp_tw *tw, struct rte_mbuf *m,
	   const struct seg *s)
{
	if (s->flags & RTE_TCP_RST_FLAG) { /* RFC 1337: no assassination */
		drop(t, tw->port, m, GW_DROP_TCP_TIME_WAIT);
		return false;
	}
	if ((s->flags & RTE_TCP_SYN_FLAG) && !(s->flags & RTE_TCP_ACK_FLAG) &&
	    (gw_tcp_seq_gt(s->seq, tw->rcv_nxt) ||
	     (tw->ts && s->opts.has_ts &&
	      gw_tcp_ts_gt(s->opts.ts_val, tw->ts_recent)))) {
		t->stats.tw_reuse++; /* RFC 6191 */
		tcp_tw_del(t, tw);
		return true;
	}
	tcp_tw_ack(t, tw); /* a retransmitted FIN, or anything stray */
	drop(t, tw->port, m, GW_DROP_TCP_TIME_WAIT);
	return false;
}

/* ---- entry -------------------------------------------------------------- */

void
gw_tcp_input(struct gw_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct gw_tcp_wrk *t = w->tcp;
	const struct gw_dp_port *p = &w->dp->ports[port];
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, m->l2_len);
	const struct rte_tcp_hdr *th;
	uint32_t l4 = rte_be_to_cpu_16(ip->total_length) - m->l3_len;
	uint32_t doff;
	struct gw_tcp_conn *c;
	struct gw_tcp_listener *l;
	struct seg s;

	t->stats.segs_rx++;
	if (unlikely(l4 < sizeof(*th) ||
		     rte_pktmbuf_data_len(m) < m->l2_len + m->l3_len + sizeof(*th))) {
		drop(t, port, m, GW_DROP_TCP_MALFORMED);
		return;
	}
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
				     m->l2_len + m->l3_len);
	doff = (uint32_t)(th->data_off >> 4) * 4;
	if (unlikely(doff < sizeof(*th) || doff > l4 ||
		     rte_pktmbuf_data_len(m) < m->l2_len + m->l3_len + doff)) {
		drop(t, port, m, GW_DROP_TCP_MALFORMED);
		return;
	}
	/* checksum: trust the device's verdict, else compute */
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
	    RTE_MBUF_F_RX_L4_CKSUM_BAD) {
		drop(t, port, m, GW_DROP_TCP_BAD_CHECKSUM);
		return;
	}
	if (!p->rx_l4_cksum || (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
				       RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN) {
		if (tcp_cksum_mbuf(m, ip, m->l2_len + m->l3_len) != 0xffff) {
			drop(t, port, m, GW_DROP_TCP_BAD_CHECKSUM);
			return;
		}
	}
	s.seq = rte_be_to_cpu_32(th->sent_seq);
	s.ack = rte_be_to_cpu_32(th->recv_ack);
	s.len = l4 - doff;
	s.wnd = rte_be_to_cpu_16(th->rx_win);
	s.flags = th->tcp_flags;
	if (gw_tcp_options_parse((const uint8_t *)(th + 1), doff - sizeof(*th),
				 s.flags & RTE_TCP_SYN_FLAG, &s.opts) != 0) {
		drop(t, port, m, GW_DROP_TCP_MALFORMED);
		return;
	}
	c = tcp_conn_lookup(t, ip->src_addr, ip->dst_addr, th->src_port,
			    th->dst_port);
	if (c != NULL && c->state == GW_TCP_SYN_SENT) {
		rcv_syn_sent(t, c, m, &s);
		return;
	}
	if (c != NULL) {
		(void)rcv_synchronized(t, c, m, &s);
		return;
	}
	{
		struct tcp_tw *tw = tcp_tw_lookup(t, ip->src_addr, ip->dst_addr,
						  th->src_port, th->dst_port);

		if (tw != NULL && !tw_segment(t, tw, m, &s))
			return; /* handled by TIME-WAIT */
	}
	l = tcp_listener_lookup(t, th->dst_port);
	if (l != NULL) {
		rcv_listen(t, l, port, m, &s);
		return;
	}
	/* CLOSED (RFC 9293 §3.10.7.1) */
	tcp_send_rst_reply(t, port, m);
	drop(t, port, m, GW_DROP_TCP_NO_CONN);
}
