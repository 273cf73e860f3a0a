/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the receive path (Ethernet, ARP, IPv4, ICMP, neighbour queue, the
 * full NAT of port 7000 with its flows, MSS clamp and ICMP translation)
 * with arbitrary frames. The first input byte picks the RX queue (bit 0, so two
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

#include "gw_config.h"
#include "gw_mesh.h"
#include "gw_proxy.h"
#include "gw_snap.h"

#include "gw_l2.h"
#include "gw_worker.h"

static struct gw_dp *dp;

/* Port 7000's tcp route: the full NAT's, to two endpoints by Maglev. */
static const char mesh_yaml[] =
	"apiVersion: networking.istio.io/v1\n"
	"kind: Gateway\n"
	"metadata: {name: gw}\n"
	"spec:\n"
	"  servers: [{port: {number: 7000, name: t, protocol: TCP}, "
	"hosts: ['*']}]\n"
	"---\n"
	"apiVersion: networking.istio.io/v1\n"
	"kind: VirtualService\n"
	"metadata: {name: vs}\n"
	"spec:\n"
	"  hosts: ['*']\n"
	"  gateways: [gw]\n"
	"  tcp: [{route: [{destination: {host: b.internal}}]}]\n"
	"---\n"
	"apiVersion: networking.istio.io/v1\n"
	"kind: ServiceEntry\n"
	"metadata: {name: b}\n"
	"spec:\n"
	"  hosts: [b.internal]\n"
	"  resolution: STATIC\n"
	"  ports: [{number: 9000, name: tcp, protocol: TCP}]\n"
	"  endpoints: [{address: 198.18.7.11}, {address: 198.18.7.12}]\n";

/* At exit, everything goes (LeakSanitizer checks after this). */
static void
dp_release(void)
{
	gw_dp_free(dp);
	dp = NULL;
}

/* The configuration the workers run: port 7000's route. */
static int
publish_mesh(void)
{
	struct gw_config_err cerr;
	struct gw_config *c = NULL;
	struct gw_mesh *m = NULL;
	struct gw_snap *s = NULL;
	char err[256];

	snprintf(err, sizeof(err), "the YAML or the mesh");
	if (gw_proxy_start(dp, err, sizeof(err)) != 0 ||
	    gw_config_load_buffer("fuzz.yaml", mesh_yaml,
				  sizeof(mesh_yaml) - 1, &c, &cerr) != 0 ||
	    gw_mesh_compile(c, &m) != 0 ||
	    gw_snap_build(dp, c, m, false, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_packet: no configuration: %s %s\n", err,
			cerr.msg);
		return -1;
	}
	gw_snap_publish(dp, s);
	return 0;
}

static const uint64_t cksum_flags[4] = {
	RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN,
	RTE_MBUF_F_RX_IP_CKSUM_GOOD,
	RTE_MBUF_F_RX_IP_CKSUM_BAD,
	RTE_MBUF_F_RX_IP_CKSUM_NONE,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* dp->cfg points at it for the whole run */
	static struct gw_config_dataplane cfg = {
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
		.l4 = {
			.flows_per_worker = 1024,
			.tcp_syn_timeout_s = 10,
			.tcp_established_timeout_s = 10,
			.tcp_closing_timeout_s = 10,
			.udp_timeout_s = 10,
			.mss_clamp = 1000,
			.n_listeners = 1,
			.listeners = { { 7000, true, true } },
		},
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
	atexit(dp_release);
	return publish_mesh();
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
