/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the receive path (Ethernet, ARP, IPv4, ICMP, neighbour queue) with
 * arbitrary frames. The first input byte picks the RX queue (bit 0, so two
 * workers and their neighbour sync are exercised) and the checksum flags
 * the driver would have set (bits 1-2); the rest is the frame, received on
 * a looped-back net_ring port. After each input, every mbuf must be back
 * in the pool except those parked in neighbour queues: a stage that leaks
 * or double-frees a packet aborts the run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "gw_l2.h"
#include "gw_worker.h"

static struct gw_dp *dp;

static const uint64_t cksum_flags[4] = {
	RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN,
	RTE_MBUF_F_RX_IP_CKSUM_GOOD,
	RTE_MBUF_F_RX_IP_CKSUM_BAD,
	RTE_MBUF_F_RX_IP_CKSUM_NONE,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct gw_config_dataplane cfg = {
		.workers = 2,
		.memory_mb = 64,
		.tcp = {
			.max_conns = 1024,
			.rcv_buf = 65536,
			.snd_buf = 65536,
			.syn_backlog = 64,
		},
		.n_ports = 1,
		.ports = { {
			.name = "eth0",
			.device = "net_ring0",
			.addr = RTE_IPV4(198, 18, 7, 2),
			.prefix_len = 24,
			.has_gateway = true,
			.gateway = RTE_IPV4(198, 18, 7, 254),
			.mtu = 1500,
		} },
	};
	char prefix[64], err[256];
	char *eal[] = {
		"fuzz_packet", "--lcores=0@0,1@0,2@0", "--no-huge", "--no-shconf",
		"-m", "64", "--no-pci", "--vdev=net_ring0", prefix,
		"--log-level=*:error", NULL,
	};

	(void)argc;
	(void)argv;
	snprintf(prefix, sizeof(prefix), "--file-prefix=fuzzpkt-%d",
		 (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0)
		return -1;
	/* EAL's runtime folder would outlive us: remove it now, unused */
	{
		char sock[320];

		snprintf(sock, sizeof(sock), "%s/dpdk_telemetry.v2",
			 rte_eal_get_runtime_dir());
		unlink(sock);
		rmdir(rte_eal_get_runtime_dir());
	}
	if (gw_dp_create(&cfg, &dp, err, sizeof(err)) != 0) {
		fprintf(stderr, "gw_dp_create: %s\n", err);
		return -1;
	}
	return 0;
}

/* Packets held by the neighbour tables of both workers. */
static unsigned
parked(void)
{
	unsigned w, i, n = 0;

	for (w = 0; w < dp->n_workers; w++) {
		struct gw_nbr_dump *d = dp->workers[w]->nbr_dump;

		gw_l2_nbr_dump(dp->workers[w], d);
		for (i = 0; i < d->n; i++)
			n += d->e[i].qlen;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t port = dp->ports[0].port_id, q;
	struct rte_mbuf *m, *out[GW_BURST];
	unsigned w, n;
	char *d;

	if (size < 1 || size - 1 > 2048)
		return 0;
	q = data[0] & 1;
	m = rte_pktmbuf_alloc(dp->pool);
	if (m == NULL)
		abort();
	d = rte_pktmbuf_append(m, (uint16_t)(size - 1));
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return 0;
	}
	memcpy(d, data + 1, size - 1);
	m->ol_flags = cksum_flags[(data[0] >> 1) & 3];
	if (rte_eth_tx_burst(port, q, &m, 1) != 1)
		abort();
	gw_worker_poll_once(dp->workers[q]);
	gw_worker_poll_once(dp->workers[q ^ 1]); /* takes neighbour updates */
	for (w = 0; w < dp->n_workers; w++) {
		while ((n = rte_eth_rx_burst(port, (uint16_t)w, out, GW_BURST)) > 0)
			while (n-- > 0)
				rte_pktmbuf_free(out[n]);
	}
	if (rte_mempool_in_use_count(dp->pool) != parked()) {
		fprintf(stderr, "mbufs in use %u, parked %u\n",
			rte_mempool_in_use_count(dp->pool), parked());
		abort();
	}
	return 0;
}
