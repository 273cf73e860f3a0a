/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stage tests of dataplane/l2: Ethernet dispatch, ARP answers and
 * learning, neighbour resolution with its bounded queue, retries and
 * give-up, and the neighbour sync between two workers.
 */
#include "../dp_fixture.h"

static const struct rte_ether_addr bcast = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
};

static unsigned
nbr_count(unsigned w, uint32_t ip, uint8_t state)
{
	struct gw_nbr_dump *d = fx_w(w)->nbr_dump;
	unsigned i, n = 0;

	gw_l2_nbr_dump(fx_w(w), d);
	for (i = 0; i < d->n; i++)
		if (d->e[i].ip == rte_cpu_to_be_32(ip) && d->e[i].state == state)
			n++;
	return n;
}

static void
test_arp_request_answered(void **state)
{
	struct fx_frame f;
	struct rte_mbuf *out[4];
	const struct rte_ether_hdr *eth;
	const struct rte_arp_hdr *a;
	unsigned n;

	(void)state;
	fx_arp(&f, RTE_ARP_OP_REQUEST, &fx_peer_mac, FX_PEER_IP, FX_GW_IP,
	       &bcast);
	fx_inject(0, f.b, f.len, 0);
	assert_int_equal(gw_worker_poll_once(fx_w(0)), 1);
	n = fx_collect(0, out, 4);
	assert_int_equal(n, 1);
	eth = rte_pktmbuf_mtod(out[0], const struct rte_ether_hdr *);
	a = (const struct rte_arp_hdr *)(eth + 1);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &fx_peer_mac));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &fx_port()->mac));
	assert_int_equal(rte_be_to_cpu_16(a->arp_opcode), RTE_ARP_OP_REPLY);
	assert_true(rte_is_same_ether_addr(&a->arp_data.arp_sha,
					   &fx_port()->mac));
	assert_int_equal(a->arp_data.arp_sip, rte_cpu_to_be_32(FX_GW_IP));
	assert_true(rte_is_same_ether_addr(&a->arp_data.arp_tha, &fx_peer_mac));
	assert_int_equal(a->arp_data.arp_tip, rte_cpu_to_be_32(FX_PEER_IP));
	fx_free(out, n);

	assert_int_equal(fx_cnt(0, GW_CNT_ARP_RX_REQUEST), 1);
	assert_int_equal(fx_cnt(0, GW_CNT_ARP_TX_REPLY), 1);
	assert_int_equal(fx_cnt(0, GW_CNT_RX_PACKETS), 1);
	assert_int_equal(fx_cnt(0, GW_CNT_TX_PACKETS), 1);
	assert_int_equal(fx_cnt(0, GW_CNT_TX_BYTES), 60);
	assert_int_equal(nbr_count(0, FX_PEER_IP, GW_NBR_REACHABLE), 1);
	assert_int_equal(fx_drops_total(0), 0);
}

static void
test_arp_rejects(void **state)
{
	struct fx_frame f;
	struct rte_arp_hdr *a;
	struct rte_mbuf *out[4];

	(void)state;
	/* for another address: no answer, and not learnt (RFC 826 merge) */
	fx_arp(&f, RTE_ARP_OP_REQUEST, &fx_peer_mac, FX_PEER_IP,
	       RTE_IPV4(198, 18, 7, 9), &bcast);
	fx_inject(0, f.b, f.len, 0);
	/* hardware length 8 */
	a = fx_arp(&f, RTE_ARP_OP_REQUEST, &fx_peer_mac, FX_PEER_IP, FX_GW_IP,
		   &bcast);
	a->arp_hlen = 8;
	fx_inject(0, f.b, f.len, 0);
	/* opcode 3 (RARP request) */
	a = fx_arp(&f, 3, &fx_peer_mac, FX_PEER_IP, FX_GW_IP, &bcast);
	fx_inject(0, f.b, f.len, 0);
	/* someone claims our address */
	fx_arp(&f, RTE_ARP_OP_REQUEST, &fx_peer_mac, FX_GW_IP, FX_GW_IP, &bcast);
	fx_inject(0, f.b, f.len, 0);
	/* multicast sender MAC */
	fx_arp(&f, RTE_ARP_OP_REQUEST,
	       &(struct rte_ether_addr){ .addr_bytes = { 1, 0, 0x5e, 0, 0, 1 } },
	       FX_PEER_IP, FX_GW_IP, &bcast);
	fx_inject(0, f.b, f.len, 0);
	/* truncated: Ethernet header and 10 bytes of ARP */
	fx_arp(&f, RTE_ARP_OP_REQUEST, &fx_peer_mac, FX_PEER_IP, FX_GW_IP,
	       &bcast);
	fx_inject(0, f.b, sizeof(struct rte_ether_hdr) + 10, 0);

	assert_int_equal(gw_worker_poll_once(fx_w(0)), 6);
	assert_int_equal(fx_collect(0, out, 4), 0);
	assert_int_equal(fx_drops(0, GW_DROP_ARP_NOT_FOR_US), 1);
	assert_int_equal(fx_drops(0, GW_DROP_ARP_MALFORMED), 2);
	assert_int_equal(fx_drops(0, GW_DROP_ARP_BAD_OP), 1);
	assert_int_equal(fx_drops(0, GW_DROP_ARP_BAD_SENDER), 2);
	assert_int_equal(fx_drops_total(0), 6);
	assert_int_equal(nbr_count(0, FX_PEER_IP, GW_NBR_REACHABLE), 0);
}

static void
test_arp_probe_answered_not_learnt(void **state)
{
	struct fx_frame f;
	struct rte_mbuf *out[4];
	const struct rte_arp_hdr *a;
	unsigned n;

	(void)state;
	/* RFC 5227 probe: sender IP 0 */
	fx_arp(&f, RTE_ARP_OP_REQUEST, &fx_peer_mac, 0, FX_GW_IP, &bcast);
	fx_inject(0, f.b, f.len, 0);
	gw_worker_poll_once(fx_w(0));
	n = fx_collect(0, out, 4);
	assert_int_equal(n, 1);
	a = rte_pktmbuf_mtod_offset(out[0], const struct rte_arp_hdr *,
				    sizeof(struct rte_ether_hdr));
	assert_int_equal(rte_be_to_cpu_16(a->arp_opcode), RTE_ARP_OP_REPLY);
	assert_int_equal(a->arp_data.arp_tip, 0);
	fx_free(out, n);
	gw_l2_nbr_dump(fx_w(0), fx_w(0)->nbr_dump);
	assert_int_equal(fx_w(0)->nbr_dump->n, 0);
}

static void
test_l2_filters(void **state)
{
	struct fx_frame f;
	struct rte_mbuf *out[4];
	static const struct rte_ether_addr other = {
		.addr_bytes = { 0x02, 0, 0, 0, 0, 0x77 }
	};

	(void)state;
	fx_eth(&f, &other, &fx_peer_mac, RTE_ETHER_TYPE_IPV4);
	fx_inject(0, f.b, 60, 0);
	fx_eth(&f, &fx_port()->mac, &fx_peer_mac, RTE_ETHER_TYPE_IPV6);
	fx_inject(0, f.b, 60, 0);
	fx_eth(&f, &fx_port()->mac, &fx_peer_mac, RTE_ETHER_TYPE_VLAN);
	fx_inject(0, f.b, 60, 0);
	fx_inject(0, f.b, 10, 0); /* runt */
	assert_int_equal(gw_worker_poll_once(fx_w(0)), 4);
	assert_int_equal(fx_collect(0, out, 4), 0);
	assert_int_equal(fx_drops(0, GW_DROP_L2_NOT_FOR_US), 1);
	assert_int_equal(fx_drops(0, GW_DROP_L2_UNKNOWN_ETHERTYPE), 2);
	assert_int_equal(fx_drops(0, GW_DROP_L2_RUNT), 1);
	assert_int_equal(fx_cnt(0, GW_CNT_RX_BYTES), 60 * 3 + 10);
}

/* Replies to an unknown host wait for ARP; the ARP reply releases them. */
static void
test_resolution_queues_then_sends(void **state)
{
	struct fx_frame f;
	struct rte_mbuf *out[8];
	const struct rte_ether_hdr *eth;
	const struct rte_arp_hdr *a;
	unsigned n, i;

	(void)state;
	fx_echo(&f, FX_PEER_IP, FX_GW_IP, 32);
	fx_inject(0, f.b, f.len, 0);
	fx_inject(0, f.b, f.len, 0);
	gw_worker_poll_once(fx_w(0));
	n = fx_collect(0, out, 8);
	assert_int_equal(n, 1); /* one ARP request, both replies held */
	eth = rte_pktmbuf_mtod(out[0], const struct rte_ether_hdr *);
	a = (const struct rte_arp_hdr *)(eth + 1);
	assert_true(rte_is_broadcast_ether_addr(&eth->dst_addr));
	assert_int_equal(rte_be_to_cpu_16(a->arp_opcode), RTE_ARP_OP_REQUEST);
	assert_int_equal(a->arp_data.arp_tip, rte_cpu_to_be_32(FX_PEER_IP));
	assert_int_equal(a->arp_data.arp_sip, rte_cpu_to_be_32(FX_GW_IP));
	assert_int_equal(rte_pktmbuf_pkt_len(out[0]), 60);
	fx_free(out, n);
	assert_int_equal(nbr_count(0, FX_PEER_IP, GW_NBR_INCOMPLETE), 1);
	assert_int_equal(fx_w(0)->nbr_dump->e[0].qlen, 2);

	fx_arp(&f, RTE_ARP_OP_REPLY, &fx_peer_mac, FX_PEER_IP, FX_GW_IP,
	       &fx_port()->mac);
	fx_inject(0, f.b, f.len, 0);
	gw_worker_poll_once(fx_w(0));
	n = fx_collect(0, out, 8);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		eth = rte_pktmbuf_mtod(out[i], const struct rte_ether_hdr *);
		assert_true(rte_is_same_ether_addr(&eth->dst_addr, &fx_peer_mac));
		assert_int_equal(eth->ether_type,
				 rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	}
	fx_free(out, n);
	assert_int_equal(nbr_count(0, FX_PEER_IP, GW_NBR_REACHABLE), 1);
	assert_int_equal(fx_cnt(0, GW_CNT_ARP_RX_REPLY), 1);
	assert_int_equal(fx_drops_total(0), 0);
}

/* At most GW_NBR_QLEN packets wait; the rest are dropped and counted. */
static void
test_resolution_queue_bounded(void **state)
{
	struct fx_frame f;
	struct rte_mbuf *out[GW_BURST];
	unsigned i, n;

	(void)state;
	fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	for (i = 0; i < GW_NBR_QLEN + 3; i++)
		fx_inject(0, f.b, f.len, 0);
	gw_worker_poll_once(fx_w(0));
	n = fx_collect(0, out, GW_BURST);
	assert_int_equal(n, 1); /* the ARP request */
	fx_free(out, n);
	assert_int_equal(fx_drops(0, GW_DROP_NBR_QUEUE_FULL), 3);
}

/* Three requests a second apart, then the held packets are dropped. */
static void
test_resolution_gives_up(void **state)
{
	struct gw_worker *w = fx_w(0);
	struct fx_frame f;
	struct rte_mbuf *out[8];
	unsigned n, k;

	(void)state;
	fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	fx_inject(0, f.b, f.len, 0);
	gw_worker_poll_once(w);
	n = fx_collect(0, out, 8);
	fx_free(out, n);
	assert_int_equal(fx_cnt(0, GW_CNT_ARP_TX_REQUEST), 1);

	/* not yet a second later: the sweep does nothing */
	gw_l2_nbr_sweep(w);
	gw_worker_tx_flush(w, 0);
	assert_int_equal(fx_collect(0, out, 8), 0);

	for (k = 0; k < 3; k++) {
		w->now += w->dp->tsc_hz + 1; /* a second and a bit later */
		for (n = 0; n < GW_NBR_MAX; n += 128)
			gw_l2_nbr_sweep(w);
		gw_worker_tx_flush(w, 0);
		n = fx_collect(0, out, 8);
		fx_free(out, n);
		assert_int_equal(n, k < 2 ? 1 : 0);
	}
	assert_int_equal(fx_cnt(0, GW_CNT_ARP_TX_REQUEST), 3);
	assert_int_equal(fx_drops(0, GW_DROP_NBR_UNRESOLVED), 1);
	assert_int_equal(nbr_count(0, FX_PEER_IP, GW_NBR_INCOMPLETE), 0);
	assert_int_equal(w->l2.n_used, 0);
}

/* A reachable entry turns stale; each use sends a refresh request (at
 * most one a second, three in all); unanswered, the entry is removed. */
static void
test_stale_refresh(void **state)
{
	struct gw_worker *w = fx_w(0);
	struct fx_frame f;
	struct rte_mbuf *out[8];
	unsigned n, k;

	(void)state;
	fx_learn_peer(0);
	fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	w->now = rte_rdtsc() + 31 * w->dp->tsc_hz; /* past reachable time */
	for (k = 0; k < 3; k++) {
		gw_l2_output(w, 0, fx_mbuf(&f), rte_cpu_to_be_32(FX_PEER_IP));
		gw_worker_tx_flush(w, 0);
		n = fx_collect(0, out, 8);
		/* the packet goes out with the stale MAC, plus a refresh */
		assert_int_equal(n, 2);
		fx_free(out, n);
		assert_int_equal(nbr_count(0, FX_PEER_IP, GW_NBR_STALE), 1);
		w->now += w->dp->tsc_hz + 1;
	}
	/* a fourth use within the same second sends no request */
	w->now -= w->dp->tsc_hz;
	gw_l2_output(w, 0, fx_mbuf(&f), rte_cpu_to_be_32(FX_PEER_IP));
	gw_worker_tx_flush(w, 0);
	n = fx_collect(0, out, 8);
	assert_int_equal(n, 1);
	fx_free(out, n);
	w->now += w->dp->tsc_hz + 1;
	for (n = 0; n < GW_NBR_MAX; n += 128)
		gw_l2_nbr_sweep(w);
	assert_int_equal(nbr_count(0, FX_PEER_IP, GW_NBR_STALE), 0);
	assert_int_equal(w->l2.n_used, 0);
	assert_int_equal(fx_cnt(0, GW_CNT_ARP_TX_REQUEST), 3);
}

/* What worker 0 hears reaches worker 1 through its inbox. */
static void
test_sync_between_workers(void **state)
{
	(void)state;
	fx_learn_peer(0);
	assert_int_equal(nbr_count(1, FX_PEER_IP, GW_NBR_REACHABLE), 0);
	assert_int_equal(gw_l2_nbr_sync_rx(fx_w(1)), 1);
	assert_int_equal(nbr_count(1, FX_PEER_IP, GW_NBR_REACHABLE), 1);
	/* an update is not echoed back */
	assert_int_equal(gw_l2_nbr_sync_rx(fx_w(0)), 0);
	assert_int_equal(fx_cnt(0, GW_CNT_NBR_SYNC_LOST), 0);
}

/* Worker 1 waits on an ARP reply that worker 0 receives. */
static void
test_reply_on_other_queue(void **state)
{
	struct fx_frame f;
	struct rte_mbuf *out[8];
	unsigned n;

	(void)state;
	fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	fx_inject(1, f.b, f.len, 0);
	gw_worker_poll_once(fx_w(1));
	n = fx_collect(1, out, 8);
	assert_int_equal(n, 1); /* worker 1's ARP request */
	fx_free(out, n);

	fx_arp(&f, RTE_ARP_OP_REPLY, &fx_peer_mac, FX_PEER_IP, FX_GW_IP,
	       &fx_port()->mac);
	fx_inject(0, f.b, f.len, 0);
	gw_worker_poll_once(fx_w(0));
	assert_int_equal(fx_collect(0, out, 8), 0);
	gw_worker_poll_once(fx_w(1)); /* takes the update, sends the reply */
	n = fx_collect(1, out, 8);
	assert_int_equal(n, 1);
	fx_free(out, n);
	assert_int_equal(fx_cnt(1, GW_CNT_ICMP_ECHO_TX), 1);
}

/* The mailbox answers a dump between bursts. */
static void
test_mailbox(void **state)
{
	struct gw_worker *w = fx_w(0);
	unsigned k;

	(void)state;
	fx_learn_peer(0);
	w->mbox.type = GW_WORKER_CMD_NBR_DUMP;
	__atomic_store_n(&w->mbox.seq, w->mbox.seq + 1, __ATOMIC_RELEASE);
	for (k = 0; k < 128; k++) /* polled every 64 loops */
		gw_worker_poll_once(w);
	assert_int_equal(w->mbox.ack, w->mbox.seq);
	assert_int_equal(w->mbox.result, 0);
	assert_int_equal(w->nbr_dump->n, 1);
	/* no worker is running this one: a call times out, then is busy */
	assert_int_equal(gw_worker_cmd_call(w, GW_WORKER_CMD_NBR_DUMP, 5),
			 -ETIMEDOUT);
	assert_int_equal(gw_worker_cmd_call(w, GW_WORKER_CMD_NBR_DUMP, 5),
			 -EBUSY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arp_request_answered,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_arp_rejects, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_arp_probe_answered_not_learnt,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_l2_filters, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_resolution_queues_then_sends,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resolution_queue_bounded,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resolution_gives_up,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stale_refresh, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_sync_between_workers,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reply_on_other_queue,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mailbox, fx_setup,
						fx_teardown),
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
