/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixture for dataplane stage tests: EAL without hugepages, a dataplane
 * of two workers (not launched: tests drive them with
 * gw_worker_poll_once()) on one net_ring port, whose TX queue i loops back
 * to its RX queue i. A test puts a frame on the wire with fx_inject(),
 * polls a worker, and takes what the worker sent with fx_collect().
 * Header-only, included by each stage test.
 */
#ifndef DP_FIXTURE_H
#define DP_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "gw_l2.h"
#include "gw_worker.h"

#define FX_GW_IP RTE_IPV4(198, 18, 7, 2)
#define FX_PEER_IP RTE_IPV4(198, 18, 7, 1)
#define FX_ROUTER_IP RTE_IPV4(198, 18, 7, 254)

static const struct rte_ether_addr fx_peer_mac = {
	.addr_bytes = { 0x02, 0, 0, 0, 0, 0x01 }
};

static struct gw_dp *fx_dp;
static char fx_dev[32]; /* a new net_ring per test: no state carried over */
static unsigned fx_dev_seq;
static struct rte_mempool *fx_pool; /* the tests' own frames */

static __rte_unused int
fx_eal_init(void)
{
	char prefix[64];
	char *argv[] = {
		"test", "--lcores=0@0,1@0,2@0", "--no-huge", "--no-shconf",
		"-m", "64", "--no-pci", prefix, "--log-level=lib.eal:error",
		"--log-level=gw.*:warning", NULL,
	};

	snprintf(prefix, sizeof(prefix), "--file-prefix=gwtest-%d",
		 (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	fx_pool = rte_pktmbuf_pool_create("fx_pool", 511, 0, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	return fx_pool == NULL ? -1 : 0;
}

static __rte_unused void
fx_eal_fini(void)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_mempool_free(fx_pool);
	rte_eal_cleanup();
	/* EAL leaves its runtime folder (telemetry socket) behind */
	if (dir[0] != '\0') {
		char sock[320];

		snprintf(sock, sizeof(sock), "%s/dpdk_telemetry.v2", dir);
		unlink(sock);
		rmdir(dir);
	}
}

/* cmocka setup: a fresh dataplane for each test. */
static __rte_unused int
fx_setup(void **state)
{
	static struct gw_config_dataplane cfg; /* listeners keep pointers */
	const struct gw_config_dataplane init = {
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
			.addr = FX_GW_IP,
			.prefix_len = 24,
			.has_gateway = true,
			.gateway = FX_ROUTER_IP,
			.mtu = 1500,
		} },
	};
	char err[256];

	(void)state;
	cfg = init;
#ifdef FX_TEST_LISTENERS
	cfg.n_test_listeners = 1;
	cfg.test_listeners[0].port = 7;
	cfg.test_listeners[0].mode = GW_CONFIG_TEST_ECHO;
#endif
	snprintf(fx_dev, sizeof(fx_dev), "net_ring%u", fx_dev_seq++);
	snprintf(cfg.ports[0].device, sizeof(cfg.ports[0].device), "%s",
		 fx_dev);
	if (rte_vdev_init(fx_dev, NULL) != 0)
		return -1;
	if (gw_dp_create(&cfg, &fx_dp, err, sizeof(err)) != 0) {
		fprintf(stderr, "gw_dp_create: %s\n", err);
		return -1;
	}
	return 0;
}

static __rte_unused int
fx_teardown(void **state)
{
	(void)state;
	gw_dp_free(fx_dp);
	fx_dp = NULL;
	return rte_vdev_uninit(fx_dev);
}

static __rte_unused inline struct gw_worker *
fx_w(unsigned i)
{
	return fx_dp->workers[i];
}

static __rte_unused inline const struct gw_dp_port *
fx_port(void)
{
	return &fx_dp->ports[0];
}

/* Put a frame on RX queue q of the port. */
static __rte_unused void
fx_inject(uint16_t q, const void *frame, size_t len, uint64_t ol_flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fx_pool);
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	memcpy(d, frame, len);
	m->ol_flags = ol_flags;
	assert_int_equal(rte_eth_tx_burst(fx_port()->port_id, q, &m, 1), 1);
}

/* Take up to max frames the worker sent on queue q; caller frees them. */
static __rte_unused unsigned
fx_collect(uint16_t q, struct rte_mbuf **out, unsigned max)
{
	return rte_eth_rx_burst(fx_port()->port_id, q, out, (uint16_t)max);
}

static __rte_unused void
fx_free(struct rte_mbuf **m, unsigned n)
{
	while (n-- > 0)
		rte_pktmbuf_free(m[n]);
}

static __rte_unused uint64_t
fx_drops(unsigned w, enum gw_drop_reason why)
{
	return fx_w(w)->stats.drop[0][why];
}

static __rte_unused uint64_t
fx_cnt(unsigned w, enum gw_cnt c)
{
	return fx_w(w)->stats.cnt[0][c];
}

static __rte_unused uint64_t
fx_drops_total(unsigned w)
{
	uint64_t t = 0;
	unsigned k;

	for (k = 0; k < GW_DROP_MAX; k++)
		t += fx_drops(w, k);
	return t;
}

/* ---- frame builders ----------------------------------------------------- */

struct fx_frame {
	uint8_t b[1600];
	size_t len;
};

static __rte_unused struct rte_ether_hdr *
fx_eth(struct fx_frame *f, const struct rte_ether_addr *dst,
       const struct rte_ether_addr *src, uint16_t type)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)f->b;

	e->dst_addr = *dst;
	e->src_addr = *src;
	e->ether_type = rte_cpu_to_be_16(type);
	f->len = sizeof(*e);
	return e;
}

static __rte_unused struct rte_arp_hdr *
fx_arp(struct fx_frame *f, uint16_t op, const struct rte_ether_addr *sha,
       uint32_t sip, uint32_t tip, const struct rte_ether_addr *eth_dst)
{
	struct rte_arp_hdr *a;

	fx_eth(f, eth_dst, sha, RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(f->b + f->len);
	memset(a, 0, sizeof(*a));
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = *sha;
	a->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	a->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	f->len += sizeof(*a);
	memset(f->b + f->len, 0, 60 - f->len); /* Ethernet padding */
	f->len = 60;
	return a;
}

/* IPv4 + ICMP echo request of `payload` bytes, checksums right. */
static __rte_unused struct rte_ipv4_hdr *
fx_echo(struct fx_frame *f, uint32_t src, uint32_t dst, size_t payload)
{
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	size_t i;

	fx_eth(f, &fx_port()->mac, &fx_peer_mac, RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(f->b + f->len);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length =
		rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*icmp) + payload));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_code = 0;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = rte_cpu_to_be_16(0x4d47);
	icmp->icmp_seq_nb = rte_cpu_to_be_16(7);
	for (i = 0; i < payload; i++)
		((uint8_t *)(icmp + 1))[i] = (uint8_t)(i * 7);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + payload);
	f->len += sizeof(*ip) + sizeof(*icmp) + payload;
	if (f->len < 60) {
		memset(f->b + f->len, 0, 60 - f->len);
		f->len = 60;
	}
	return ip;
}

/* A frame as a dataplane mbuf (from the gateway's pool), l2_len set. */
static __rte_unused struct rte_mbuf *
fx_mbuf(const struct fx_frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fx_dp->pool);
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)f->len);
	assert_non_null(d);
	memcpy(d, f->b, f->len);
	m->l2_len = sizeof(struct rte_ether_hdr);
	return m;
}

/* IPv4 + a bare TCP SYN (no options), checksums right. */
static __rte_unused struct rte_ipv4_hdr *
fx_tcp_syn(struct fx_frame *f, uint32_t src, uint16_t sport, uint32_t dst,
	   uint16_t dport)
{
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	fx_eth(f, &fx_port()->mac, &fx_peer_mac, RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(f->b + f->len);
	memset(ip, 0, sizeof(*ip) + sizeof(*th));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*th));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(1000);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_SYN_FLAG;
	th->rx_win = rte_cpu_to_be_16(65535);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	f->len += sizeof(*ip) + sizeof(*th);
	memset(f->b + f->len, 0, 60 - f->len);
	f->len = 60;
	return ip;
}

/* Recompute the IPv4 header checksum after a test edited the header. */
static __rte_unused void
fx_ip_fix(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Teach worker w the peer's MAC with an ARP request for our address. */
static __rte_unused void
fx_learn_peer(unsigned w)
{
	struct fx_frame f;
	struct rte_mbuf *out[4];
	unsigned n;

	fx_arp(&f, RTE_ARP_OP_REQUEST, &fx_peer_mac, FX_PEER_IP, FX_GW_IP,
	       &(struct rte_ether_addr){ .addr_bytes = { 0xff, 0xff, 0xff, 0xff,
							 0xff, 0xff } });
	fx_inject((uint16_t)w, f.b, f.len, 0);
	gw_worker_poll_once(fx_w(w));
	n = fx_collect((uint16_t)w, out, 4);
	assert_int_equal(n, 1); /* the ARP reply */
	fx_free(out, n);
}

#endif /* DP_FIXTURE_H */
