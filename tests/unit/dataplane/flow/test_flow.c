/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stage tests of dataplane/flow: symmetric ownership, ephemeral port
 * slices, and packets redirected to their owner over the SPSC rings.
 */
#include "../dp_fixture.h"

#include "gw_flow.h"

static uint32_t
rnd32(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 32);
}

static void
test_owner_symmetric_and_spread(void **state)
{
	uint64_t seed = 42;
	unsigned count[2] = { 0, 0 }, i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		uint32_t a = rnd32(&seed), b = rnd32(&seed);
		uint16_t pa = (uint16_t)(1024 + rnd32(&seed) % 30000);
		uint16_t pb = (uint16_t)(1 + rnd32(&seed) % 30000);
		uint16_t o = gw_flow_owner(fx_dp, a, b, rte_cpu_to_be_16(pa),
					   rte_cpu_to_be_16(pb));

		assert_true(o < 2);
		/* the other direction of the same flow lands on the same worker */
		assert_int_equal(o, gw_flow_owner(fx_dp, b, a,
						  rte_cpu_to_be_16(pb),
						  rte_cpu_to_be_16(pa)));
		count[o]++;
	}
	assert_true(count[0] > 9000 && count[1] > 9000);
}

static void
test_ephemeral_slices(void **state)
{
	uint16_t lo0, hi0, lo1, hi1;
	uint32_t r = rte_cpu_to_be_32(FX_PEER_IP), l = rte_cpu_to_be_32(FX_GW_IP);
	unsigned p;

	(void)state;
	gw_flow_eph_range(fx_dp, 0, &lo0, &hi0);
	gw_flow_eph_range(fx_dp, 1, &lo1, &hi1);
	assert_int_equal(lo0, GW_FLOW_EPH_LO);
	assert_int_equal(lo1, hi0 + 1);
	assert_true(hi1 <= GW_FLOW_EPH_HI);
	for (p = lo0; p <= hi1; p += 97) {
		uint16_t o = gw_flow_owner(fx_dp, r, l, rte_cpu_to_be_16(80),
					   rte_cpu_to_be_16((uint16_t)p));

		assert_int_equal(o, p <= hi0 ? 0 : 1);
	}
}

/* A TCP packet received by the worker that does not own its flow. */
static uint16_t
misdelivered_syn(struct fx_frame *f, uint16_t *owner)
{
	uint16_t sport;

	for (sport = 1024;; sport++) {
		*owner = gw_flow_owner(fx_dp, rte_cpu_to_be_32(FX_PEER_IP),
				       rte_cpu_to_be_32(FX_GW_IP),
				       rte_cpu_to_be_16(sport),
				       rte_cpu_to_be_16(80));
		if (*owner == 1)
			break;
	}
	fx_tcp_syn(f, FX_PEER_IP, sport, FX_GW_IP, 80);
	return sport;
}

static void
test_redirect_to_owner(void **state)
{
	struct fx_frame f;
	uint16_t owner;

	(void)state;
	fx_learn_peer(1); /* so the owner's answer is not held for ARP */
	gw_l2_nbr_sync_rx(fx_w(0));
	misdelivered_syn(&f, &owner);
	fx_inject(0, f.b, f.len, 0); /* worker 0's queue */
	assert_int_equal(gw_worker_poll_once(fx_w(0)), 1);
	assert_int_equal(fx_cnt(0, GW_CNT_FLOW_REDIRECT_TX), 1);
	assert_int_equal(fx_drops_total(0), 0);
	/* the owner takes it over: no listener on port 80, so it answers
	 * with a RST from its own queue */
	assert_int_equal(gw_worker_poll_once(fx_w(1)), 1);
	assert_int_equal(fx_cnt(1, GW_CNT_FLOW_REDIRECT_RX), 1);
	assert_int_equal(fx_drops(1, GW_DROP_TCP_NO_CONN), 1);
	{
		struct rte_mbuf *out[4];
		const struct rte_tcp_hdr *th;
		unsigned n = fx_collect(1, out, 4);

		assert_int_equal(n, 1);
		th = rte_pktmbuf_mtod_offset(out[0], const struct rte_tcp_hdr *,
					     14 + 20);
		assert_true(th->tcp_flags & RTE_TCP_RST_FLAG);
		assert_int_equal(rte_be_to_cpu_32(th->recv_ack), 1001);
		fx_free(out, n);
		assert_int_equal(fx_collect(0, out, 4), 0);
	}

	/* received by its owner: no redirect */
	fx_inject(1, f.b, f.len, 0);
	gw_worker_poll_once(fx_w(1));
	assert_int_equal(fx_cnt(1, GW_CNT_FLOW_REDIRECT_TX), 0);
	assert_int_equal(fx_drops(1, GW_DROP_TCP_NO_CONN), 2);
}

/* The owner does not poll: its ring fills, the rest is dropped and counted. */
static void
test_redirect_ring_full(void **state)
{
	struct fx_frame f;
	uint16_t owner, port = fx_port()->port_id;
	unsigned i, k, n = 0;

	(void)state;
	misdelivered_syn(&f, &owner);
	for (k = 0; k < 40; k++) {
		struct rte_mbuf *m[GW_BURST];

		for (i = 0; i < GW_BURST; i++)
			m[i] = fx_mbuf(&f);
		assert_int_equal(rte_eth_tx_burst(port, 0, m, GW_BURST),
				 GW_BURST);
		n += gw_worker_poll_once(fx_w(0));
	}
	assert_int_equal(n, 40 * GW_BURST);
	assert_int_equal(fx_cnt(0, GW_CNT_FLOW_REDIRECT_TX),
			 GW_FLOW_REDIRECT_RING - 1);
	assert_int_equal(fx_drops(0, GW_DROP_FLOW_REDIRECT_FULL),
			 40 * GW_BURST - (GW_FLOW_REDIRECT_RING - 1));
	/* teardown frees what waits in the ring (the pool check would say) */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_owner_symmetric_and_spread,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ephemeral_slices, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_redirect_to_owner, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_redirect_ring_full,
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
