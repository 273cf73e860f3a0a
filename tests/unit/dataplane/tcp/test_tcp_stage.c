/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stage tests of dataplane/tcp: crafted segments through the state machine
 * of a real worker (net_ring loopback, see dp_fixture.h) with the echo
 * test listener on port 7. Each test plays the peer by hand: handshake,
 * data in and out of order, sequence wraparound, RST and SYN handling per
 * RFC 5961, the window, PAWS, FIN, RTO retransmission, malformed segments.
 */
#define FX_TEST_LISTENERS 1
#include "../dp_fixture.h"

#include "gw_flow.h"
#include "gw_tcp.h"
#include "tcp_options.h"
#include "tcp_priv.h" /* to shrink the backlog */

#define ECHO 7
#define PEER_WIN 65535

struct peer {
	uint16_t sport;
	uint16_t dport; /* meshgw's port; 0 = the echo listener */
	uint32_t isn; /* our (the peer's) initial sequence */
	uint32_t snd; /* next sequence the peer sends */
	uint32_t rcv; /* next sequence the peer expects from meshgw */
	uint32_t ts;  /* peer's timestamp clock */
	uint32_t ts_recent; /* meshgw's last TSval */
};

struct seg_out {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	struct gw_tcp_opts o;
	uint8_t data[2048];
	uint32_t len;
};

/* A source port whose flow worker 0 owns. */
static uint16_t
sport_for_worker0(uint16_t from, uint16_t dport)
{
	for (;; from++)
		if (gw_flow_owner(fx_dp, rte_cpu_to_be_32(FX_PEER_IP),
				  rte_cpu_to_be_32(FX_GW_IP),
				  rte_cpu_to_be_16(from),
				  rte_cpu_to_be_16(dport)) == 0)
			return from;
}

/* Send one segment from the peer to worker 0. */
static void
peer_send(struct peer *p, uint8_t flags, uint32_t seq, uint32_t ack,
	  const void *data, uint32_t len, bool ts, uint32_t ts_val,
	  bool bad_cksum)
{
	struct fx_frame f;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t opts[40];
	size_t olen = 0;

	if (flags & RTE_TCP_SYN_FLAG) {
		struct gw_tcp_opts o = {
			.has_mss = true, .mss = 1460, .has_wscale = true,
			.wscale = 7, .sack_ok = true, .has_ts = ts,
			.ts_val = ts_val,
		};
		olen = gw_tcp_options_format_syn(opts, &o);
	} else if (ts) {
		olen = gw_tcp_options_format(opts, true, ts_val, p->ts_recent,
					     NULL, 0);
	}
	fx_eth(&f, &fx_port()->mac, &fx_peer_mac, RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(f.b + f.len);
	memset(ip, 0, sizeof(*ip) + sizeof(*th));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length =
		rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*th) + olen + len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(FX_PEER_IP);
	ip->dst_addr = rte_cpu_to_be_32(FX_GW_IP);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(p->sport);
	th->dst_port = rte_cpu_to_be_16(p->dport != 0 ? p->dport : ECHO);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16((flags & RTE_TCP_SYN_FLAG) ? PEER_WIN :
								  PEER_WIN >> 7);
	memcpy(th + 1, opts, olen);
	memcpy((uint8_t *)(th + 1) + olen, data, len);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	if (bad_cksum)
		th->cksum ^= 0x0100;
	f.len += sizeof(*ip) + sizeof(*th) + olen + len;
	if (f.len < 60) {
		memset(f.b + f.len, 0, 60 - f.len);
		f.len = 60;
	}
	fx_inject(0, f.b, f.len, 0);
	gw_worker_poll_once(fx_w(0));
}

/* Take what meshgw sent on queue 0, decoded; @return segments. */
static unsigned
gw_segs(struct seg_out *out, unsigned max)
{
	struct rte_mbuf *m[32];
	unsigned n = fx_collect(0, m, 32), i, k = 0;

	for (i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
			m[i], const struct rte_ipv4_hdr *, 14);
		const struct rte_tcp_hdr *th;
		uint32_t doff, tot;

		if (rte_pktmbuf_mtod(m[i], const struct rte_ether_hdr *)
			    ->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
			continue; /* ARP */
		assert_true(k < max);
		/* checksums right on the wire (no offload on net_ring) */
		assert_int_equal(rte_raw_cksum(ip, 20), 0xffff);
		th = (const struct rte_tcp_hdr *)(ip + 1);
		doff = (th->data_off >> 4) * 4u;
		tot = rte_be_to_cpu_16(ip->total_length);
		{
			uint8_t flat[2100];
			const struct rte_ipv4_hdr *fip;

			assert_true(tot <= sizeof(flat));
			/* returns a pointer into the mbuf when contiguous */
			fip = rte_pktmbuf_read(m[i], 14, tot, flat);
			assert_non_null(fip);
			assert_int_equal(rte_ipv4_udptcp_cksum_verify(fip, fip + 1),
					 0);
		}
		out[k].flags = th->tcp_flags;
		out[k].seq = rte_be_to_cpu_32(th->sent_seq);
		out[k].ack = rte_be_to_cpu_32(th->recv_ack);
		out[k].win = rte_be_to_cpu_16(th->rx_win);
		assert_int_equal(gw_tcp_options_parse((const uint8_t *)(th + 1),
						      doff - 20,
						      th->tcp_flags &
							      RTE_TCP_SYN_FLAG,
						      &out[k].o),
				 0);
		out[k].len = tot - 20 - doff;
		{
			const void *d = rte_pktmbuf_read(m[i], 14 + 20 + doff,
							 out[k].len, out[k].data);

			assert_non_null(d);
			memmove(out[k].data, d, out[k].len);
		}
		k++;
	}
	fx_free(m, n);
	return k;
}

static const struct gw_tcp_stats *
tstats(void)
{
	return gw_tcp_stats_get(fx_w(0));
}

/* Three-way handshake; the peer uses timestamps. */
static void
handshake(struct peer *p, uint32_t isn)
{
	struct seg_out s[4];

	p->dport = 0;
	p->sport = sport_for_worker0((uint16_t)(20000 + (isn & 0xfff)), ECHO);
	p->isn = isn;
	p->ts = 1000;
	fx_learn_peer(0);
	peer_send(p, RTE_TCP_SYN_FLAG, isn, 0, NULL, 0, true, p->ts++, false);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(s[0].ack, isn + 1);
	assert_true(s[0].o.has_mss);
	assert_int_equal(s[0].o.mss, 1460);
	assert_true(s[0].o.has_wscale);
	assert_int_equal(s[0].o.wscale, 7);
	assert_true(s[0].o.has_ts);
	assert_int_equal(s[0].o.ts_ecr, 1000);
	p->snd = isn + 1;
	p->rcv = s[0].seq + 1;
	p->ts_recent = s[0].o.ts_val;
	peer_send(p, RTE_TCP_ACK_FLAG, p->snd, p->rcv, NULL, 0, true, p->ts++,
		  false);
	assert_int_equal(gw_segs(s, 4), 0);
	assert_int_equal(tstats()->passive_opens, 1);
	assert_int_equal(tstats()->active_conns, 1);
}

/* Peer sends data; returns how many echoed bytes came back (into buf). */
static uint32_t
send_data(struct peer *p, const void *d, uint32_t len, uint8_t *echo,
	  uint32_t *ack_seen)
{
	struct seg_out s[16];
	unsigned n, i;
	uint32_t got = 0;

	peer_send(p, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, p->snd, p->rcv, d,
		  len, true, p->ts++, false);
	p->snd += len;
	n = gw_segs(s, 16);
	for (i = 0; i < n; i++) {
		if (s[i].len > 0) {
			assert_int_equal(s[i].seq, p->rcv + got);
			memcpy(echo + got, s[i].data, s[i].len);
			got += s[i].len;
		}
		*ack_seen = s[i].ack;
		p->ts_recent = s[i].o.ts_val;
	}
	p->rcv += got;
	return got;
}

static void
test_handshake_and_echo(void **state)
{
	struct peer p;
	uint8_t msg[300], back[300];
	uint32_t ack = 0;
	unsigned i;

	(void)state;
	handshake(&p, 1000);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 13);
	assert_int_equal(send_data(&p, msg, sizeof(msg), back, &ack),
			 sizeof(msg));
	assert_memory_equal(msg, back, sizeof(msg));
	assert_int_equal(ack, p.snd); /* the echo carries the ACK */
}

/* Sequence numbers that wrap past 2^32 in the middle of the data. */
static void
test_sequence_wraparound(void **state)
{
	struct peer p;
	uint8_t msg[200], back[200];
	uint32_t ack = 0;
	unsigned i;

	(void)state;
	handshake(&p, 0xffffff9cu); /* data starts 99 bytes before 2^32 */
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	assert_int_equal(send_data(&p, msg, sizeof(msg), back, &ack),
			 sizeof(msg));
	assert_memory_equal(msg, back, sizeof(msg));
	assert_int_equal(ack, (uint32_t)(0xffffff9du + 200));
}

/* A later segment first: held, then delivered in order with the first. */
static void
test_out_of_order(void **state)
{
	struct peer p;
	struct seg_out s[16];
	uint8_t msg[400];
	unsigned i, n, got = 0;
	uint8_t back[400];

	(void)state;
	handshake(&p, 5000);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 1);
	/* bytes 200..399, then 100..199 (overlapping nothing), then 0..99 */
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd + 200, p.rcv, msg + 200, 200, true,
		  p.ts++, false);
	n = gw_segs(s, 16);
	assert_int_equal(n, 1); /* an immediate duplicate ACK, with SACK */
	assert_int_equal(s[0].ack, p.snd);
	assert_int_equal(s[0].len, 0);
	assert_int_equal(s[0].o.n_sack, 1);
	assert_int_equal(s[0].o.sack[0].left, p.snd + 200);
	assert_int_equal(s[0].o.sack[0].right, p.snd + 400);
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd + 100, p.rcv, msg + 100, 100, true,
		  p.ts++, false);
	n = gw_segs(s, 16);
	assert_int_equal(s[n - 1].ack, p.snd);
	/* RFC 2018 §4: the block just filled first, then the other */
	assert_int_equal(s[n - 1].o.n_sack, 1); /* 100..400 is one range now */
	assert_int_equal(s[n - 1].o.sack[0].left, p.snd + 100);
	assert_int_equal(s[n - 1].o.sack[0].right, p.snd + 400);
	/* a duplicate of held data changes nothing */
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd + 250, p.rcv, msg + 250, 50, true,
		  p.ts++, false);
	(void)gw_segs(s, 16);
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd, p.rcv, msg, 100, true, p.ts++,
		  false);
	n = gw_segs(s, 16);
	for (i = 0; i < n; i++) {
		memcpy(back + got, s[i].data, s[i].len);
		got += s[i].len;
		if (i == n - 1)
			assert_int_equal(s[i].ack, p.snd + 400);
	}
	assert_int_equal(got, 400);
	assert_memory_equal(msg, back, 400);
	assert_true(tstats()->ooo_segs >= 2);
}

/* RFC 5961: only a RST at exactly rcv_nxt resets; others are challenged. */
static void
test_rst_handling(void **state)
{
	struct peer p;
	struct seg_out s[4];

	(void)state;
	handshake(&p, 9000);
	/* in the window but not rcv_nxt: challenge ACK, connection stays */
	peer_send(&p, RTE_TCP_RST_FLAG, p.snd + 10, 0, NULL, 0, false, 0, false);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].flags, RTE_TCP_ACK_FLAG);
	assert_int_equal(s[0].ack, p.snd);
	assert_int_equal(tstats()->challenge_acks, 1);
	assert_int_equal(tstats()->active_conns, 1);
	/* outside the window: dropped silently */
	peer_send(&p, RTE_TCP_RST_FLAG, p.snd + 0x40000000u, 0, NULL, 0, false,
		  0, false);
	assert_int_equal(gw_segs(s, 4), 0);
	assert_int_equal(tstats()->active_conns, 1);
	assert_int_equal(fx_drops(0, GW_DROP_TCP_OUT_OF_WINDOW), 1);
	/* exactly rcv_nxt: the connection is gone */
	peer_send(&p, RTE_TCP_RST_FLAG, p.snd, 0, NULL, 0, false, 0, false);
	assert_int_equal(gw_segs(s, 4), 0);
	assert_int_equal(tstats()->active_conns, 0);
	assert_int_equal(tstats()->rst_rx, 1);
}

/* A SYN on an established connection gets a challenge ACK (RFC 5961 §4). */
static void
test_syn_on_established(void **state)
{
	struct peer p;
	struct seg_out s[4];

	(void)state;
	handshake(&p, 12345);
	peer_send(&p, RTE_TCP_SYN_FLAG, 777, 0, NULL, 0, true, p.ts++, false);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].flags, RTE_TCP_ACK_FLAG);
	assert_int_equal(s[0].ack, p.snd);
	assert_int_equal(tstats()->active_conns, 1);
}

/* Data beyond the window is not taken; an ACK restates where we are. */
static void
test_out_of_window_and_paws(void **state)
{
	struct peer p;
	struct seg_out s[4];
	uint8_t x[10] = { 0 };

	(void)state;
	handshake(&p, 42);
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd + 0x10000000u, p.rcv, x, 10, true,
		  p.ts++, false);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].ack, p.snd);
	assert_int_equal(fx_drops(0, GW_DROP_TCP_OUT_OF_WINDOW), 1);
	/* an old timestamp (PAWS, RFC 7323 §5) */
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd, p.rcv, x, 10, true, 5, false);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].ack, p.snd); /* not taken */
	assert_int_equal(fx_drops(0, GW_DROP_TCP_PAWS), 1);
	assert_int_equal(tstats()->paws_drops, 1);
}

/* The peer closes: echo closes too; the last ACK frees the connection. */
static void
test_fin_passive_close(void **state)
{
	struct peer p;
	struct seg_out s[4];
	unsigned n;

	(void)state;
	handshake(&p, 777777);
	peer_send(&p, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, p.snd, p.rcv, NULL, 0,
		  true, p.ts++, false);
	n = gw_segs(s, 4);
	assert_int_equal(n, 1); /* FIN+ACK together: echo had nothing held */
	assert_int_equal(s[0].flags, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG);
	assert_int_equal(s[0].ack, p.snd + 1);
	assert_int_equal(s[0].seq, p.rcv);
	p.ts_recent = s[0].o.ts_val;
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd + 1, p.rcv + 1, NULL, 0, true,
		  p.ts++, false);
	assert_int_equal(tstats()->active_conns, 0);
	/* a late segment for it now gets a RST (RFC 9293 §3.10.7.1) */
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd + 1, p.rcv + 1, NULL, 0, true,
		  p.ts++, false);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].flags, RTE_TCP_RST_FLAG);
	assert_int_equal(s[0].seq, p.rcv + 1);
}

/* Unacknowledged data is sent again when the RTO expires, with backoff. */
static void
test_rto_retransmission(void **state)
{
	struct gw_worker *w = fx_w(0);
	struct peer p;
	struct seg_out s[8];
	uint8_t msg[100], back[100];
	uint32_t ack = 0, first;
	unsigned n;

	(void)state;
	handshake(&p, 31337);
	memset(msg, 'r', sizeof(msg));
	assert_int_equal(send_data(&p, msg, sizeof(msg), back, &ack), 100);
	first = p.rcv - 100; /* the echo we do not acknowledge */
	/* step the clock 5 ms at a time and note when it is sent again */
	{
		uint64_t step = w->dp->tsc_hz / 200, t0 = w->now;
		uint64_t at[3];
		unsigned k = 0, i;

		for (i = 0; i < 1000 && k < 3; i++) {
			w->now += step;
			gw_tcp_timers_run(w);
			gw_worker_tx_flush(w, 0);
			n = gw_segs(s, 8);
			assert_true(n <= 1);
			if (n == 0)
				continue;
			assert_int_equal(s[0].seq, first);
			assert_int_equal(s[0].len, 100);
			assert_memory_equal(s[0].data, msg, 100);
			at[k++] = (w->now - t0) / step; /* in 5 ms units */
		}
		assert_int_equal(k, 3);
		/* RFC 6298: at least 200 ms (our floor), then doubling */
		assert_true(at[0] >= 40);
		assert_true(at[1] - at[0] >= 2 * at[0] - 2 &&
			    at[1] - at[0] <= 2 * at[0] + 2);
		assert_true(at[2] - at[1] >= 2 * (at[1] - at[0]) - 2 &&
			    at[2] - at[1] <= 2 * (at[1] - at[0]) + 2);
		assert_int_equal(tstats()->rto_timeouts, 3);
	}
	/* the ACK arrives: no more retransmissions */
	p.ts_recent = s[0].o.ts_val;
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd, p.rcv, NULL, 0, true, p.ts++,
		  false);
	w->now += w->dp->tsc_hz * 10;
	gw_tcp_timers_run(w);
	gw_worker_tx_flush(w, 0);
	assert_int_equal(gw_segs(s, 8), 0);
	assert_int_equal(tstats()->rto_timeouts, 3);
}

static void
test_malformed_and_closed(void **state)
{
	struct peer p = { .sport = 0 };
	struct seg_out s[4];
	struct fx_frame f;
	struct rte_tcp_hdr *th;

	(void)state;
	p.sport = sport_for_worker0(30000, ECHO);
	fx_learn_peer(0);
	/* bad checksum */
	peer_send(&p, RTE_TCP_SYN_FLAG, 1, 0, NULL, 0, true, 1, true);
	assert_int_equal(gw_segs(s, 4), 0);
	assert_int_equal(fx_drops(0, GW_DROP_TCP_BAD_CHECKSUM), 1);
	/* data offset below 5 words */
	fx_tcp_syn(&f, FX_PEER_IP, p.sport, FX_GW_IP, ECHO);
	th = (struct rte_tcp_hdr *)(f.b + 14 + 20);
	th->data_off = 4 << 4;
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(
		(const struct rte_ipv4_hdr *)(f.b + 14), th);
	fx_inject(0, f.b, f.len, 0);
	gw_worker_poll_once(fx_w(0));
	assert_int_equal(fx_drops(0, GW_DROP_TCP_MALFORMED), 1);
	/* a SYN to a port nobody listens on: RST, ACK = SYN + 1 */
	fx_tcp_syn(&f, FX_PEER_IP, sport_for_worker0(30000, 81), FX_GW_IP, 81);
	fx_inject(0, f.b, f.len, 0);
	gw_worker_poll_once(fx_w(0));
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].flags, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(s[0].ack, 1001);
	assert_int_equal(s[0].seq, 0);
	assert_int_equal(fx_drops(0, GW_DROP_TCP_NO_CONN), 1);
}

/* The peer SACKs the second and third segments three times: only the
 * first is sent again (RFC 6675), not everything after it. */
static void
test_sack_recovery(void **state)
{
	struct peer p;
	struct seg_out s[16];
	uint8_t msg[3900], back[3900];
	uint32_t ack = 0, base, mss, got = 0;
	unsigned n, i, k;

	(void)state;
	handshake(&p, 99);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 3);
	/* three 1300-byte segments in, echoed as three segments that the
	 * peer does not acknowledge */
	base = p.rcv;
	for (k = 0; k < 3; k++) {
		peer_send(&p, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, p.snd, base,
			  msg + 1300 * k, 1300, true, p.ts++, false);
		p.snd += 1300;
		n = gw_segs(s, 16);
		for (i = 0; i < n; i++) {
			memcpy(back + got, s[i].data, s[i].len);
			got += s[i].len;
			p.ts_recent = s[i].o.ts_val;
		}
	}
	(void)ack;
	assert_int_equal(got, 3900);
	assert_memory_equal(msg, back, 3900);
	mss = 1300;
	for (k = 0; k < 3; k++) {
		struct fx_frame f;
		struct gw_tcp_sack_block b = { base + 1300, base + 3900 };
		uint8_t opts[40];
		size_t olen = gw_tcp_options_format(opts, true, p.ts++,
						    p.ts_recent, &b, 1);
		struct rte_ipv4_hdr *ip;
		struct rte_tcp_hdr *th;

		/* a pure ACK carrying the SACK option, built by hand */
		fx_eth(&f, &fx_port()->mac, &fx_peer_mac, RTE_ETHER_TYPE_IPV4);
		ip = (struct rte_ipv4_hdr *)(f.b + f.len);
		memset(ip, 0, sizeof(*ip) + sizeof(*th));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(
			(uint16_t)(sizeof(*ip) + sizeof(*th) + olen));
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = rte_cpu_to_be_32(FX_PEER_IP);
		ip->dst_addr = rte_cpu_to_be_32(FX_GW_IP);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th = (struct rte_tcp_hdr *)(ip + 1);
		th->src_port = rte_cpu_to_be_16(p.sport);
		th->dst_port = rte_cpu_to_be_16(ECHO);
		th->sent_seq = rte_cpu_to_be_32(p.snd);
		th->recv_ack = rte_cpu_to_be_32(base);
		th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
		th->tcp_flags = RTE_TCP_ACK_FLAG;
		th->rx_win = rte_cpu_to_be_16(PEER_WIN >> 7);
		memcpy(th + 1, opts, olen);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
		f.len += sizeof(*ip) + sizeof(*th) + olen;
		fx_inject(0, f.b, f.len, 0);
		gw_worker_poll_once(fx_w(0));
	}
	n = gw_segs(s, 16);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].seq, base);
	assert_int_equal(s[0].len, mss);
	assert_memory_equal(s[0].data, msg, mss);
	assert_int_equal(tstats()->fast_retrans, 1);
}

/* Keepalive: an idle connection is probed; an answer resets it; a peer
 * that stays silent through every probe is reset. */
static void
test_keepalive(void **state)
{
	struct gw_worker *w = fx_w(0);
	struct peer p;
	struct seg_out s[4];
	unsigned k;

	(void)state;
	w->tcp->keep_time_ms = 1000;
	w->tcp->keep_intvl_ms = 500;
	w->tcp->keep_probes = 2;
	handshake(&p, 4242);
	w->now += w->dp->tsc_hz * 9 / 10; /* 0.9 s idle: nothing yet */
	gw_tcp_timers_run(w);
	gw_worker_tx_flush(w, 0);
	assert_int_equal(gw_segs(s, 4), 0);
	w->now += w->dp->tsc_hz / 5;
	gw_tcp_timers_run(w);
	gw_worker_tx_flush(w, 0);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].flags, RTE_TCP_ACK_FLAG);
	assert_int_equal(s[0].seq, p.rcv - 1); /* one below: must be answered */
	assert_int_equal(s[0].len, 0);
	assert_int_equal(tstats()->keepalive_probes, 1);
	/* the peer answers: idle again from now */
	p.ts_recent = s[0].o.ts_val;
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd, p.rcv, NULL, 0, true, p.ts++,
		  false);
	(void)gw_segs(s, 4);
	w->now += w->dp->tsc_hz / 2;
	gw_tcp_timers_run(w);
	gw_worker_tx_flush(w, 0);
	assert_int_equal(gw_segs(s, 4), 0);
	/* now silence: probes at 1 s idle, then every 0.5 s, then a reset */
	for (k = 0; k < 40 && tstats()->active_conns == 1; k++) {
		w->now += w->dp->tsc_hz / 10;
		gw_tcp_timers_run(w);
		gw_worker_tx_flush(w, 0);
		(void)gw_segs(s, 4);
	}
	assert_int_equal(tstats()->keepalive_probes, 3);
	assert_int_equal(tstats()->active_conns, 0);
	assert_int_equal(tstats()->rst_tx, 1);
}

/* meshgw closes first: FIN_WAIT_1, FIN_WAIT_2, then TIME-WAIT in the
 * compact table, which ACKs a retransmitted FIN, ignores a RST, lets a
 * newer SYN reuse the tuple, and forgets the tuple after 2 MSL. */
static void
test_time_wait(void **state)
{
	struct gw_worker *w = fx_w(0);
	struct gw_tcp_conn *c;
	struct peer p;
	struct seg_out s[4];

	(void)state;
	handshake(&p, 6000);
	c = tcp_conn_lookup(w->tcp, rte_cpu_to_be_32(FX_PEER_IP),
			    rte_cpu_to_be_32(FX_GW_IP), rte_cpu_to_be_16(p.sport),
			    rte_cpu_to_be_16(ECHO));
	assert_non_null(c);
	gw_tcp_shutdown(c);
	gw_worker_tx_flush(w, 0);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].flags, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(s[0].seq, p.rcv);
	p.ts_recent = s[0].o.ts_val;
	/* the peer ACKs our FIN, then sends its own */
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd, p.rcv + 1, NULL, 0, true, p.ts++,
		  false);
	assert_int_equal(gw_segs(s, 4), 0);
	peer_send(&p, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, p.snd, p.rcv + 1, NULL,
		  0, true, p.ts++, false);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].ack, p.snd + 1);
	assert_int_equal(tstats()->active_conns, 0);
	assert_int_equal(tstats()->time_wait, 1);
	/* its FIN again (our ACK was lost): ACKed from the table */
	peer_send(&p, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, p.snd, p.rcv + 1, NULL,
		  0, true, p.ts++, false);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].flags, RTE_TCP_ACK_FLAG);
	assert_int_equal(s[0].seq, p.rcv + 1);
	assert_int_equal(s[0].ack, p.snd + 1);
	/* RFC 1337: a RST does not end TIME-WAIT */
	peer_send(&p, RTE_TCP_RST_FLAG, p.snd + 1, 0, NULL, 0, false, 0, false);
	assert_int_equal(tstats()->time_wait, 1);
	assert_int_equal(fx_drops(0, GW_DROP_TCP_TIME_WAIT), 2);
	/* a new SYN beyond the old sequence space reuses the tuple */
	peer_send(&p, RTE_TCP_SYN_FLAG, p.snd + 100000, 0, NULL, 0, true, p.ts++,
		  false);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(tstats()->tw_reuse, 1);
	assert_int_equal(tstats()->time_wait, 0);
	assert_int_equal(tstats()->active_conns, 1); /* the new one, half-open */
}

/* Entries expire after 2 MSL, swept in order. */
static void
test_time_wait_expiry(void **state)
{
	struct gw_worker *w = fx_w(0);
	struct gw_tcp_conn *c;
	struct peer p;
	struct seg_out s[4];

	(void)state;
	handshake(&p, 7000);
	c = tcp_conn_lookup(w->tcp, rte_cpu_to_be_32(FX_PEER_IP),
			    rte_cpu_to_be_32(FX_GW_IP), rte_cpu_to_be_16(p.sport),
			    rte_cpu_to_be_16(ECHO));
	gw_tcp_shutdown(c);
	gw_worker_tx_flush(w, 0);
	assert_int_equal(gw_segs(s, 4), 1);
	p.ts_recent = s[0].o.ts_val;
	peer_send(&p, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, p.snd, p.rcv + 1, NULL,
		  0, true, p.ts++, false);
	(void)gw_segs(s, 4);
	assert_int_equal(tstats()->time_wait, 1);
	w->now += w->dp->tsc_hz * 59;
	gw_tcp_timers_run(w);
	assert_int_equal(tstats()->time_wait, 1);
	w->now += w->dp->tsc_hz * 2; /* past 2 * 30 s */
	gw_tcp_timers_run(w);
	assert_int_equal(tstats()->time_wait, 0);
	/* now a segment for the tuple finds nothing: RST */
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd + 1, p.rcv + 1, NULL, 0, true,
		  p.ts++, false);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_true(s[0].flags & RTE_TCP_RST_FLAG);
}

/* The application holds data (echo's send buffer full): the window closes;
 * when it lets go, a window update goes out at once (no waiting for the
 * peer's probe). */
static void
test_window_closes_and_reopens(void **state)
{
	struct gw_worker *w = fx_w(0);
	struct peer p;
	struct seg_out s[16];
	uint8_t msg[1000];
	struct gw_tcp_conn *c;
	uint32_t base;
	unsigned n, i, k;

	(void)state;
	w->tcp->rcv_buf = 2000;
	w->tcp->snd_buf = 2000;
	handshake(&p, 1111);
	memset(msg, 'w', sizeof(msg));
	base = p.rcv;
	/* 1000 bytes at a time while the window allows: what is echoed
	 * stays unacknowledged, the send buffer fills, echo holds the rest
	 * and the advertised window closes */
	c = tcp_conn_lookup(w->tcp, rte_cpu_to_be_32(FX_PEER_IP),
			    rte_cpu_to_be_32(FX_GW_IP), rte_cpu_to_be_16(p.sport),
			    rte_cpu_to_be_16(ECHO));
	assert_non_null(c);
	for (k = 0; k < 10 && gw_tcp_seq_gt(c->rcv_adv, c->rcv_nxt); k++) {
		peer_send(&p, RTE_TCP_ACK_FLAG, c->rcv_nxt, base, msg,
			  RTE_MIN(1000u, c->rcv_adv - c->rcv_nxt), true, p.ts++,
			  false);
		n = gw_segs(s, 16);
		for (i = 0; i < n; i++)
			p.ts_recent = s[i].o.ts_val;
	}
	assert_int_equal(c->rcv_adv, c->rcv_nxt); /* closed */
	assert_true(c->rcv_held > 0);		  /* echo holds data */
	p.snd = c->rcv_nxt;
	/* the peer acknowledges all that was echoed */
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd, c->snd_max, NULL, 0, true,
		  p.ts++, false);
	n = gw_segs(s, 16);
	assert_true(n >= 1);
	/* echo sent what it held, and the window is open again */
	assert_true(s[n - 1].win > 0);
}

/* Both ends close at once (RFC 9293 figure 13): FIN_WAIT_1, CLOSING on
 * the peer's FIN, TIME-WAIT when the peer ACKs ours. */
static void
test_simultaneous_close(void **state)
{
	struct gw_worker *w = fx_w(0);
	struct gw_tcp_conn *c;
	struct peer p;
	struct seg_out s[4];

	(void)state;
	handshake(&p, 8000);
	c = tcp_conn_lookup(w->tcp, rte_cpu_to_be_32(FX_PEER_IP),
			    rte_cpu_to_be_32(FX_GW_IP), rte_cpu_to_be_16(p.sport),
			    rte_cpu_to_be_16(ECHO));
	gw_tcp_shutdown(c);
	gw_worker_tx_flush(w, 0);
	assert_int_equal(gw_segs(s, 4), 1); /* our FIN */
	assert_int_equal(c->state, GW_TCP_FIN_WAIT_1);
	p.ts_recent = s[0].o.ts_val;
	/* the peer's FIN crosses ours: it does not ACK our FIN */
	peer_send(&p, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, p.snd, p.rcv, NULL, 0,
		  true, p.ts++, false);
	assert_int_equal(c->state, GW_TCP_CLOSING);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].ack, p.snd + 1); /* its FIN acknowledged */
	/* then its ACK of our FIN */
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd + 1, p.rcv + 1, NULL, 0, true,
		  p.ts++, false);
	assert_int_equal(tstats()->active_conns, 0);
	assert_int_equal(tstats()->time_wait, 1);
}

static int sim_connected = -1000;

static void
sim_on_connected(struct gw_tcp_conn *c, int err)
{
	(void)c;
	sim_connected = err;
}

static const struct gw_tcp_app_ops sim_ops = { .connected = sim_on_connected };

/* Both ends open at once (RFC 9293 figure 8): SYN-SENT, SYN-RCVD on the
 * peer's SYN, ESTABLISHED on its SYN-ACK. */
static void
test_simultaneous_open(void **state)
{
	struct gw_worker *w = fx_w(0);
	struct gw_tcp_conn *c;
	struct peer p = { .isn = 555000, .ts = 100 };
	struct seg_out s[4];
	uint32_t iss;
	int err = 0;

	(void)state;
	fx_learn_peer(0);
	sim_connected = -1000;
	c = gw_tcp_connect(w, 0, FX_PEER_IP, 9000, &sim_ops, NULL, &err);
	assert_non_null(c);
	gw_worker_tx_flush(w, 0);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].flags, RTE_TCP_SYN_FLAG);
	iss = s[0].seq;
	p.sport = 9000;
	p.dport = rte_be_to_cpu_16(c->lport);
	p.ts_recent = s[0].o.ts_val;
	/* the peer's own SYN crosses ours */
	peer_send(&p, RTE_TCP_SYN_FLAG, p.isn, 0, NULL, 0, true, p.ts++, false);
	assert_int_equal(c->state, GW_TCP_SYN_RCVD);
	assert_int_equal(gw_segs(s, 4), 1);
	assert_int_equal(s[0].flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(s[0].seq, iss);
	assert_int_equal(s[0].ack, p.isn + 1);
	/* and its SYN-ACK for ours */
	peer_send(&p, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, p.isn, iss + 1, NULL,
		  0, true, p.ts++, false);
	assert_int_equal(c->state, GW_TCP_ESTABLISHED);
	assert_int_equal(sim_connected, 0);
	assert_int_equal(tstats()->active_opens, 1);
}

/* Backlog full: a stateless SYN-ACK with a cookie; the ACK that returns it
 * opens the connection with the options the cookie carried. */
static void
test_syn_cookies(void **state)
{
	struct peer p;
	struct seg_out s[8];
	uint8_t msg[50], back[50];
	uint32_t ack = 0;

	(void)state;
	fx_w(0)->tcp->syn_backlog = 0;
	p.dport = 0;
	p.sport = sport_for_worker0(40000 - 7000, ECHO);
	p.isn = 123456;
	p.ts = 500;
	fx_learn_peer(0);
	peer_send(&p, RTE_TCP_SYN_FLAG, p.isn, 0, NULL, 0, true, p.ts++, false);
	assert_int_equal(gw_segs(s, 8), 1);
	assert_int_equal(s[0].flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(s[0].ack, p.isn + 1);
	assert_true(s[0].o.has_ts && s[0].o.has_wscale);
	assert_int_equal(tstats()->syncookies_sent, 1);
	assert_int_equal(tstats()->active_conns, 0); /* nothing kept */
	p.snd = p.isn + 1;
	p.rcv = s[0].seq + 1;
	p.ts_recent = s[0].o.ts_val;
	/* a forged ACK (wrong cookie) is refused with a RST */
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd, p.rcv + 99, NULL, 0, true, p.ts++,
		  false);
	assert_int_equal(gw_segs(s, 8), 1);
	assert_true(s[0].flags & RTE_TCP_RST_FLAG);
	assert_int_equal(tstats()->syncookies_failed, 1);
	assert_int_equal(tstats()->active_conns, 0);
	/* the real one opens the connection */
	peer_send(&p, RTE_TCP_ACK_FLAG, p.snd, p.rcv, NULL, 0, true, p.ts++,
		  false);
	assert_int_equal(tstats()->syncookies_valid, 1);
	assert_int_equal(tstats()->active_conns, 1);
	memset(msg, 'c', sizeof(msg));
	assert_int_equal(send_data(&p, msg, sizeof(msg), back, &ack), 50);
	assert_memory_equal(msg, back, 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_and_echo,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sequence_wraparound,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_rst_handling, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_on_established,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_out_of_window_and_paws,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fin_passive_close, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_rto_retransmission,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_and_closed,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_cookies, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_sack_recovery, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_keepalive, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_time_wait, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_expiry,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_window_closes_and_reopens,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_simultaneous_close,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_simultaneous_open,
						fx_setup, fx_teardown),
	};
	int rc;

	if (fx_eal_init() != 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	fx_eal_fini();
	return rc;
}
