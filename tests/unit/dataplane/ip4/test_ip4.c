/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stage tests of dataplane/ip4: header validation with one drop reason per
 * defect, Ethernet padding, ICMP echo replies built in place with correct
 * checksums, next-hop choice (on-link, gateway).
 */
#include "../dp_fixture.h"

/* Inject one frame on queue 0, poll worker 0, return what it sent. */
static unsigned
run_one(const struct fx_frame *f, uint64_t ol_flags, struct rte_mbuf **out)
{
	fx_inject(0, f->b, f->len, ol_flags);
	gw_worker_poll_once(fx_w(0));
	return fx_collect(0, out, 8);
}

static void
expect_drop(struct fx_frame *f, uint64_t ol_flags, enum gw_drop_reason why)
{
	struct rte_mbuf *out[8];
	uint64_t before = fx_drops(0, why), total = fx_drops_total(0);

	assert_int_equal(run_one(f, ol_flags, out), 0);
	assert_int_equal(fx_drops(0, why), before + 1);
	assert_int_equal(fx_drops_total(0), total + 1);
}

static void
test_echo_reply(void **state)
{
	struct fx_frame f;
	struct rte_mbuf *out[8];
	const struct rte_ipv4_hdr *ip;
	const struct rte_icmp_hdr *icmp;
	const struct rte_ether_hdr *eth;
	unsigned n;

	(void)state;
	fx_learn_peer(0);
	fx_echo(&f, FX_PEER_IP, FX_GW_IP, 56);
	n = run_one(&f, 0, out);
	assert_int_equal(n, 1);
	eth = rte_pktmbuf_mtod(out[0], const struct rte_ether_hdr *);
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	icmp = (const struct rte_icmp_hdr *)(ip + 1);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &fx_peer_mac));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &fx_port()->mac));
	assert_int_equal(ip->src_addr, rte_cpu_to_be_32(FX_GW_IP));
	assert_int_equal(ip->dst_addr, rte_cpu_to_be_32(FX_PEER_IP));
	assert_int_equal(ip->time_to_live, 64);
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), 20 + 8 + 56);
	/* net_ring has no checksum offload: computed in software */
	assert_int_equal(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	assert_int_equal(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(rte_raw_cksum(icmp, 8 + 56), 0xffff);
	assert_int_equal(rte_be_to_cpu_16(icmp->icmp_seq_nb), 7);
	/* payload untouched */
	assert_memory_equal(icmp + 1,
			    f.b + sizeof(*eth) + sizeof(*ip) + sizeof(*icmp), 56);
	fx_free(out, n);
	assert_int_equal(fx_cnt(0, GW_CNT_ICMP_ECHO_RX), 1);
	assert_int_equal(fx_cnt(0, GW_CNT_ICMP_ECHO_TX), 1);
	assert_int_equal(fx_drops_total(0), 0);
}

/* Minimum-size frames carry padding: the reply is trimmed to the IP length. */
static void
test_padding_trimmed(void **state)
{
	struct fx_frame f;
	struct rte_mbuf *out[8];
	unsigned n;

	(void)state;
	fx_learn_peer(0);
	fx_echo(&f, FX_PEER_IP, FX_GW_IP, 0); /* 42 bytes, padded to 60 */
	assert_int_equal(f.len, 60);
	n = run_one(&f, 0, out);
	assert_int_equal(n, 1);
	assert_int_equal(rte_pktmbuf_pkt_len(out[0]), 14 + 20 + 8);
	fx_free(out, n);
}

/* Every checksum-carrying echo whose identifier makes the incremental
 * update wrap still gets a valid reply checksum. */
static void
test_echo_checksum_edges(void **state)
{
	static const uint16_t seqs[] = { 0x0000, 0xf7ff, 0xffff, 0x0800, 0xf800 };
	struct fx_frame f;
	struct rte_mbuf *out[8];
	unsigned i, n;

	(void)state;
	fx_learn_peer(0);
	for (i = 0; i < RTE_DIM(seqs); i++) {
		struct rte_ipv4_hdr *ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 0);
		struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

		icmp->icmp_seq_nb = rte_cpu_to_be_16(seqs[i]);
		icmp->icmp_ident = 0;
		icmp->icmp_cksum = 0;
		icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 8);
		n = run_one(&f, 0, out);
		assert_int_equal(n, 1);
		icmp = rte_pktmbuf_mtod_offset(out[0], struct rte_icmp_hdr *,
					       14 + 20);
		assert_int_equal(rte_raw_cksum(icmp, 8), 0xffff);
		fx_free(out, n);
	}
}

static void
test_header_defects(void **state)
{
	struct fx_frame f;
	struct rte_ipv4_hdr *ip;

	(void)state;
	fx_learn_peer(0);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	ip->version_ihl = 0x65; /* version 6 */
	fx_ip_fix(ip);
	expect_drop(&f, 0, GW_DROP_IP4_BAD_VERSION);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	ip->version_ihl = 0x44; /* 16-byte header */
	fx_ip_fix(ip);
	expect_drop(&f, 0, GW_DROP_IP4_BAD_HDR_LEN);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	ip->version_ihl = 0x4f; /* 60-byte header in a 50-byte packet */
	expect_drop(&f, 0, GW_DROP_IP4_RUNT);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	ip->total_length = rte_cpu_to_be_16(200); /* longer than the frame */
	fx_ip_fix(ip);
	expect_drop(&f, 0, GW_DROP_IP4_BAD_TOTAL_LEN);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	ip->total_length = rte_cpu_to_be_16(12); /* shorter than the header */
	fx_ip_fix(ip);
	expect_drop(&f, 0, GW_DROP_IP4_BAD_TOTAL_LEN);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	ip->hdr_checksum ^= 0x0101;
	expect_drop(&f, 0, GW_DROP_IP4_BAD_CHECKSUM);

	/* the driver already said "bad": trusted without recomputing */
	fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	expect_drop(&f, RTE_MBUF_F_RX_IP_CKSUM_BAD, GW_DROP_IP4_BAD_CHECKSUM);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	ip->time_to_live = 0;
	fx_ip_fix(ip);
	expect_drop(&f, 0, GW_DROP_IP4_TTL_ZERO);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	fx_ip_fix(ip);
	expect_drop(&f, 0, GW_DROP_IP4_FRAGMENT);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	ip->fragment_offset = rte_cpu_to_be_16(185); /* last fragment */
	fx_ip_fix(ip);
	expect_drop(&f, 0, GW_DROP_IP4_FRAGMENT);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	ip->next_proto_id = IPPROTO_UDP;
	fx_ip_fix(ip);
	expect_drop(&f, 0, GW_DROP_IP4_UNKNOWN_PROTO);

	fx_echo(&f, FX_PEER_IP, RTE_IPV4(198, 18, 7, 3), 8);
	expect_drop(&f, 0, GW_DROP_IP4_NOT_FOR_US);
	fx_echo(&f, FX_PEER_IP, RTE_IPV4(198, 18, 7, 255), 8);
	expect_drop(&f, 0, GW_DROP_IP4_NOT_FOR_US);

	/* Ethernet header and 10 bytes of IP */
	fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	f.len = 24;
	expect_drop(&f, 0, GW_DROP_IP4_RUNT);

	/* the DF flag alone is fine */
	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	fx_ip_fix(ip);
	{
		struct rte_mbuf *out[8];
		unsigned n = run_one(&f, RTE_MBUF_F_RX_IP_CKSUM_GOOD, out);

		assert_int_equal(n, 1);
		fx_free(out, n);
	}
}

static void
test_martian_sources(void **state)
{
	static const uint32_t bad[] = {
		0,
		RTE_IPV4(127, 0, 0, 1),
		RTE_IPV4(224, 0, 0, 5),
		RTE_IPV4(240, 0, 0, 1),
		RTE_IPV4(255, 255, 255, 255),
		FX_GW_IP,		  /* our own address */
		RTE_IPV4(198, 18, 7, 255), /* the subnet's broadcast */
	};
	struct fx_frame f;
	unsigned i;

	(void)state;
	for (i = 0; i < RTE_DIM(bad); i++) {
		fx_echo(&f, bad[i], FX_GW_IP, 8);
		expect_drop(&f, 0, GW_DROP_IP4_BAD_SRC);
	}
}

static void
test_icmp_defects(void **state)
{
	struct fx_frame f;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;

	(void)state;
	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	icmp->icmp_cksum ^= 0x1;
	expect_drop(&f, 0, GW_DROP_ICMP_BAD_CHECKSUM);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 8);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	icmp->icmp_type = 13; /* timestamp */
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 16);
	expect_drop(&f, 0, GW_DROP_ICMP_UNHANDLED_TYPE);

	ip = fx_echo(&f, FX_PEER_IP, FX_GW_IP, 0);
	ip->total_length = rte_cpu_to_be_16(20 + 4); /* 4 bytes of ICMP */
	fx_ip_fix(ip);
	expect_drop(&f, 0, GW_DROP_ICMP_MALFORMED);
}

/* Replies to off-link sources go to the gateway's MAC; without a gateway
 * they are dropped as ip4_no_route. */
static void
test_next_hop(void **state)
{
	struct fx_frame f;
	struct rte_mbuf *out[8];
	const struct rte_arp_hdr *a;
	unsigned n;

	(void)state;
	fx_echo(&f, RTE_IPV4(203, 0, 113, 9), FX_GW_IP, 8);
	n = run_one(&f, 0, out);
	assert_int_equal(n, 1); /* ARP request for the router */
	a = rte_pktmbuf_mtod_offset(out[0], const struct rte_arp_hdr *, 14);
	assert_int_equal(a->arp_data.arp_tip, rte_cpu_to_be_32(FX_ROUTER_IP));
	fx_free(out, n);

	fx_dp->ports[0].gateway = 0; /* a port without a gateway */
	n = run_one(&f, 0, out);
	assert_int_equal(n, 0);
	assert_int_equal(fx_drops(0, GW_DROP_IP4_NO_ROUTE), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_reply, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_padding_trimmed, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_echo_checksum_edges,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_header_defects, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_martian_sources, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_icmp_defects, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_next_hop, fx_setup,
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
