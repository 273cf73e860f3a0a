/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcp_output — build and send segments: data within the send and
 * congestion windows (zero-copy slices of the send queue), ACKs, SYNs,
 * FINs, RSTs, and the retransmission after an RTO. Worker thread.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "gw_ip4.h"
#include "tcp_mbuf.h"
#include "tcp_priv.h"

#define HDRS_ROOM (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + \
		   sizeof(struct rte_tcp_hdr) + 40)

static inline uint32_t
ts_val(const struct gw_tcp_wrk *t, const struct gw_tcp_conn *c)
{
	/* ms clock with a per-connection offset (RFC 7323 §5.4) */
	return (uint32_t)t->now_ms + c->iss;
}

/* Window field to put in a segment; moves rcv_adv, never backwards. */
static uint16_t
tcp_window_field(struct gw_tcp_wrk *t, struct gw_tcp_conn *c, bool syn)
{
	uint32_t win = tcp_rcv_window(t, c);
	uint32_t edge = c->rcv_nxt + win;

	if (syn) { /* never scaled */
		win = RTE_MIN(win, 65535u);
		c->rcv_adv = c->rcv_nxt + win;
		return (uint16_t)win;
	}
	/* receiver SWS avoidance (RFC 9293 §3.8.6.2.2): move the right edge
	 * by at least min(buffer / 2, MSS) */
	if (gw_tcp_seq_gt(edge, c->rcv_adv) &&
	    (edge - c->rcv_adv >= RTE_MIN(t->rcv_buf / 2, (uint32_t)c->mss) ||
	     gw_tcp_seq_lt(c->rcv_adv, c->rcv_nxt)))
		c->rcv_adv = edge;
	if (gw_tcp_seq_lt(c->rcv_adv, c->rcv_nxt))
		c->rcv_adv = c->rcv_nxt;
	return (uint16_t)RTE_MIN((c->rcv_adv - c->rcv_nxt) >> c->rcv_wscale,
				 65535u);
}

/*
 * Put Ethernet room, IPv4 and TCP headers in front of `data` (consumed,
 * may be NULL) and send. The caller filled nothing but the arguments.
 */
static void
tcp_xmit(struct gw_tcp_wrk *t, struct gw_tcp_conn *c, struct rte_mbuf *data,
	 uint32_t seq, uint8_t flags, uint32_t syn_ts)
{
	struct gw_worker *w = t->w;
	const struct gw_dp_port *p = &w->dp->ports[c->port];
	uint8_t opts[40];
	size_t olen = 0;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint32_t dlen = data != NULL ? rte_pktmbuf_pkt_len(data) : 0;
	bool syn = flags & RTE_TCP_SYN_FLAG;
	char *h;

	m = rte_pktmbuf_alloc(w->dp->pool);
	if (unlikely(m == NULL)) {
		gw_worker_cnt_add(w, c->port, GW_CNT_NO_MBUF, 1);
		rte_pktmbuf_free(data); /* NULL-safe; retransmission recovers */
		return;
	}
	if (syn) {
		struct gw_tcp_opts o = {
			.has_mss = true,
			.mss = (uint16_t)(p->mtu - 40),
			.has_wscale = true,
			.wscale = c->rcv_wscale,
			.sack_ok = c->state == GW_TCP_SYN_SENT ||
				   (c->flags & TCP_F_SACK),
			.has_ts = c->state == GW_TCP_SYN_SENT ||
				  (c->flags & TCP_F_TS),
			.ts_val = syn_ts != 0 ? syn_ts : ts_val(t, c),
			.ts_ecr = c->ts_recent,
		};

		if (c->state == GW_TCP_SYN_RCVD && !(c->flags & TCP_F_WS))
			o.has_wscale = false;
		olen = gw_tcp_options_format_syn(opts, &o);
	} else if (c->flags & (TCP_F_TS | TCP_F_SACK)) {
		struct gw_tcp_sack_block blocks[GW_TCP_SACK_MAX_BLOCKS];
		unsigned n = (c->flags & TCP_F_SACK) ?
			tcp_sack_blocks(c, blocks, (c->flags & TCP_F_TS) ? 3 : 4) :
			0;

		olen = gw_tcp_options_format(opts, c->flags & TCP_F_TS,
					     ts_val(t, c), c->ts_recent, blocks,
					     n);
	}
	h = rte_pktmbuf_append(m, (uint16_t)(RTE_ETHER_HDR_LEN + sizeof(*ip) +
					     sizeof(*th) + olen));
	if (unlikely(h == NULL)) { /* data room below 120 bytes: cannot be */
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(data);
		return;
	}
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = sizeof(*ip);
	m->l4_len = (uint16_t)(sizeof(*th) + olen);
	ip = (struct rte_ipv4_hdr *)(h + RTE_ETHER_HDR_LEN);
	th = (struct rte_tcp_hdr *)(ip + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length =
		rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + m->l4_len + dlen));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = GW_IP4_DEFAULT_TTL;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = c->laddr;
	ip->dst_addr = c->raddr;
	th->src_port = c->lport;
	th->dst_port = c->rport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = (flags & RTE_TCP_ACK_FLAG) ? rte_cpu_to_be_32(c->rcv_nxt) :
						    0;
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(tcp_window_field(t, c, syn));
	th->tcp_urp = 0;
	memcpy(th + 1, opts, olen);
	if (data != NULL)
		rte_pktmbuf_chain(m, data); /* at most a window of segments */
	/* DPDK 22.11's multi-segment checksum (which net_tap's software
	 * offload uses) loses carries at odd segment boundaries: offload
	 * single-segment packets only; see tcp_cksum_mbuf() */
	if (p->tx_tcp_cksum && m->nb_segs == 1) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		th->cksum = 0;
		th->cksum = (uint16_t)~tcp_cksum_mbuf(m, ip,
						       m->l2_len + m->l3_len);
	}
	if (flags & RTE_TCP_ACK_FLAG) {
		c->flags &= (uint16_t)~(TCP_F_ACK_NOW | TCP_F_ACK_PENDING);
		c->t_delack = 0;
	}
	t->stats.segs_tx++;
	gw_ip4_output(w, c->port, m);
}

void
tcp_send_ack(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	tcp_xmit(t, c, NULL, c->snd_nxt, RTE_TCP_ACK_FLAG, 0);
	tcp_timer_update(t, c);
}

void
tcp_send_syn(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	uint8_t flags = RTE_TCP_SYN_FLAG;

	if (c->state == GW_TCP_SYN_RCVD)
		flags |= RTE_TCP_ACK_FLAG;
	tcp_xmit(t, c, NULL, c->iss, flags, 0);
	c->snd_nxt = c->iss + 1;
	if (gw_tcp_seq_lt(c->snd_max, c->snd_nxt))
		c->snd_max = c->snd_nxt;
	tcp_rto_start(t, c);
}

void
tcp_send_rst(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	t->stats.rst_tx++;
	tcp_xmit(t, c, NULL, c->snd_nxt, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0);
}

void
tcp_rto_start(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	c->t_rexmit = t->now_ms + c->rto_ms;
	tcp_timer_update(t, c);
}

/* Bytes of queued data from snd_nxt on (snd_nxt may sit past the FIN). */
static inline uint32_t
unsent_bytes(const struct gw_tcp_conn *c)
{
	uint32_t end = tcp_data_end(c);

	return gw_tcp_seq_lt(c->snd_nxt, end) ? end - c->snd_nxt : 0;
}

/*
 * SACK recovery (RFC 6675 §5): resend the holes below the highest SACKed
 * byte while the pipe leaves room in cwnd. @return segments sent.
 */
static unsigned
sack_recover(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	unsigned sent = 0;
	uint32_t start, len;

	while (tcp_sack_pipe(c) < c->cwnd) {
		struct rte_mbuf *d;

		if (!tcp_sack_next_hole(c, c->rexmit_nxt, tcp_seg_payload(c),
					&start, &len)) {
			/* no block known (lost ACKs): the first segment is
			 * the hole, as in NewReno */
			if (c->rexmit_nxt != c->snd_una)
				break;
			start = c->snd_una;
			len = tcp_seg_payload(c);
		}
		if (gw_tcp_seq_geq(start, tcp_data_end(c)))
			break; /* only the FIN is missing: the normal path */
		len = RTE_MIN(len, tcp_data_end(c) - start);
		d = tcp_mbuf_slice(t->w->dp->pool, c->sndq,
				   c->sndq_off + (start - c->snd_una), len);
		if (unlikely(d == NULL)) {
			gw_worker_cnt_add(t->w, c->port, GW_CNT_NO_MBUF, 1);
			break;
		}
		t->stats.retrans_segs++;
		tcp_xmit(t, c, d, start, RTE_TCP_ACK_FLAG, 0);
		c->rexmit_nxt = start + len;
		c->rexmit_out += len;
		sent++;
	}
	return sent;
}

void
tcp_retransmit_first(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	uint32_t len = RTE_MIN(tcp_seg_payload(c), tcp_data_end(c) - c->snd_una);
	uint32_t start;
	struct rte_mbuf *d;

	/* up to the first SACKed byte: what the peer holds is not resent */
	if (tcp_sack_next_hole(c, c->snd_una, len, &start, &len) &&
	    start != c->snd_una)
		len = RTE_MIN(tcp_seg_payload(c), tcp_data_end(c) - c->snd_una);

	if (len == 0 || gw_tcp_seq_geq(c->snd_una, tcp_data_end(c)))
		return; /* only a FIN is outstanding: the RTO resends it */
	d = tcp_mbuf_slice(t->w->dp->pool, c->sndq, c->sndq_off, len);
	if (unlikely(d == NULL)) {
		gw_worker_cnt_add(t->w, c->port, GW_CNT_NO_MBUF, 1);
		return;
	}
	t->stats.retrans_segs++;
	tcp_xmit(t, c, d, c->snd_una, RTE_TCP_ACK_FLAG, 0);
	c->rexmit_nxt = c->snd_una + len;
	c->rexmit_out += len;
}

void
tcp_output(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	bool sent = false;
	bool sack_rec = (c->flags & (TCP_F_RECOVERY | TCP_F_SACK)) ==
			(TCP_F_RECOVERY | TCP_F_SACK);

	if (c->state < GW_TCP_ESTABLISHED)
		return; /* data waits for the handshake */
	if (sack_rec && sack_recover(t, c) > 0)
		sent = true;
	for (;;) {
		uint32_t flight = sack_rec ? tcp_sack_pipe(c) :
					     c->snd_nxt - c->snd_una;
		uint32_t wnd = RTE_MIN(c->snd_wnd, c->cwnd);
		uint32_t unsent = unsent_bytes(c);
		uint32_t room = wnd > flight ? wnd - flight : 0;
		uint32_t len = RTE_MIN(RTE_MIN(tcp_seg_payload(c), unsent), room);
		uint32_t seq = c->snd_nxt;
		bool fin = false;
		uint8_t flags = RTE_TCP_ACK_FLAG;
		struct rte_mbuf *d = NULL;

		/* the FIN follows the last data byte, sent or resent with it */
		if ((c->flags & TCP_F_FIN_QUEUED) &&
		    !(c->flags & TCP_F_FIN_ACKED) && len == unsent &&
		    seq + len == tcp_data_end(c))
			fin = true;
		if (len == 0 && !fin)
			break;
		if (len > 0) {
			d = tcp_mbuf_slice(t->w->dp->pool, c->sndq,
					   c->sndq_off + (seq - c->snd_una), len);
			if (unlikely(d == NULL)) {
				gw_worker_cnt_add(t->w, c->port, GW_CNT_NO_MBUF,
						  1);
				break; /* the RTO will try again */
			}
			if (len == unsent)
				flags |= RTE_TCP_PSH_FLAG;
		}
		if (fin) {
			flags |= RTE_TCP_FIN_FLAG;
			c->flags |= TCP_F_FIN_SENT;
		}
		/* time one new segment per RTT when there are no timestamps
		 * (Karn: never a retransmitted one) */
		if (!(c->flags & TCP_F_TS) && c->rtt_t_us == 0 &&
		    seq == c->snd_max && len > 0) {
			c->rtt_seq = seq;
			c->rtt_t_us = (uint32_t)t->now_us | 1;
		}
		if (seq != c->snd_max)
			t->stats.retrans_segs++;
		tcp_xmit(t, c, d, seq, flags, 0);
		c->snd_nxt = seq + len + fin;
		if (gw_tcp_seq_lt(c->snd_max, c->snd_nxt))
			c->snd_max = c->snd_nxt;
		sent = true;
		if (fin)
			break;
	}
	if (sent) {
		if (c->t_rexmit == 0)
			tcp_rto_start(t, c);
		return;
	}
	/* zero window with data waiting: the RTO timer probes it (persist) */
	if (c->snd_wnd == 0 && unsent_bytes(c) > 0 && c->t_rexmit == 0)
		tcp_rto_start(t, c);
	if (c->flags & TCP_F_ACK_NOW)
		tcp_send_ack(t, c);
}

void
tcp_retransmit(struct gw_tcp_wrk *t, struct gw_tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;

	t->stats.retrans_segs++;
	if (c->state == GW_TCP_SYN_SENT || c->state == GW_TCP_SYN_RCVD) {
		tcp_send_syn(t, c);
		return;
	}
	/* RFC 5681 §3.1: ssthresh by the algorithm, loss window 1 segment */
	(void)flight;
	if (c->retries == 1) /* the first timeout of this episode only */
		t->cc->loss(c, t->now_us);
	c->cwnd = c->mss;
	c->flags &= (uint16_t)~TCP_F_RECOVERY;
	c->dupacks = 0;
	c->rexmit_out = 0;
	tcp_sack_clear(c);
	c->rtt_t_us = 0; /* Karn */
	c->snd_nxt = c->snd_una;
	if (c->snd_wnd == 0 && unsent_bytes(c) > 0) {
		/* persist: probe the closed window with one byte */
		uint32_t saved = c->snd_wnd;

		c->snd_wnd = 1;
		tcp_output(t, c);
		c->snd_wnd = saved;
	} else {
		tcp_output(t, c);
	}
	if (c->t_rexmit == 0)
		tcp_rto_start(t, c);
}

/* A control block on the stack for answering a segment we keep no state
 * for: its addresses reversed. @return the segment's TCP header. */
static const struct rte_tcp_hdr *
tmp_conn_for(struct gw_tcp_conn *tmp, const struct rte_mbuf *in, uint16_t port,
	     enum gw_tcp_state state)
{
	const struct rte_ipv4_hdr *iip = rte_pktmbuf_mtod_offset(
		in, const struct rte_ipv4_hdr *, in->l2_len);
	const struct rte_tcp_hdr *ith = rte_pktmbuf_mtod_offset(
		in, const struct rte_tcp_hdr *, in->l2_len + in->l3_len);

	memset(tmp, 0, sizeof(*tmp));
	tmp->laddr = iip->dst_addr;
	tmp->raddr = iip->src_addr;
	tmp->lport = ith->dst_port;
	tmp->rport = ith->src_port;
	tmp->port = (uint8_t)port;
	tmp->state = (uint8_t)state;
	return ith;
}

void
tcp_send_rst_reply(struct gw_tcp_wrk *t, uint16_t port,
		   const struct rte_mbuf *in)
{
	const struct rte_ipv4_hdr *iip = rte_pktmbuf_mtod_offset(
		in, const struct rte_ipv4_hdr *, in->l2_len);
	struct gw_tcp_conn tmp;
	const struct rte_tcp_hdr *ith = tmp_conn_for(&tmp, in, port,
						     GW_TCP_CLOSED);
	uint32_t seg_len = rte_be_to_cpu_16(iip->total_length) - in->l3_len -
			   (uint32_t)((ith->data_off >> 4) * 4);

	if (ith->tcp_flags & RTE_TCP_RST_FLAG)
		return; /* never answer a RST */
	t->stats.rst_tx++;
	if (ith->tcp_flags & RTE_TCP_ACK_FLAG) {
		tcp_xmit(t, &tmp, NULL, rte_be_to_cpu_32(ith->recv_ack),
			 RTE_TCP_RST_FLAG, 0);
	} else {
		tmp.rcv_nxt = rte_be_to_cpu_32(ith->sent_seq) + seg_len +
			      !!(ith->tcp_flags & RTE_TCP_SYN_FLAG) +
			      !!(ith->tcp_flags & RTE_TCP_FIN_FLAG);
		tcp_xmit(t, &tmp, NULL, 0, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0);
	}
}

void
tcp_send_synack_cookie(struct gw_tcp_wrk *t, uint16_t port,
		       const struct rte_mbuf *in, const struct gw_tcp_opts *o,
		       uint32_t seq, uint32_t cookie, uint32_t ts)
{
	struct gw_tcp_conn tmp;

	(void)tmp_conn_for(&tmp, in, port, GW_TCP_SYN_RCVD);
	tmp.iss = cookie;
	tmp.rcv_nxt = seq + 1;
	tmp.rcv_wscale = o->has_wscale ? TCP_WSCALE : 0;
	if (o->has_wscale)
		tmp.flags |= TCP_F_WS;
	if (o->sack_ok && o->has_ts) /* the cookie keeps it only in TSval */
		tmp.flags |= TCP_F_SACK;
	if (o->has_ts) {
		tmp.flags |= TCP_F_TS;
		tmp.ts_recent = o->ts_val;
	}
	tcp_xmit(t, &tmp, NULL, cookie, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
		 o->has_ts ? ts : 0);
}
