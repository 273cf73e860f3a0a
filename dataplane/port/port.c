/* SPDX-License-Identifier: Apache-2.0 */
/*
 * port — mbuf pool and ethdev setup from what each device reports.
 * Control thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "gw_flow.h"
#include "gw_port.h"

RTE_LOG_REGISTER_SUFFIX(gw_port_logtype, port, INFO);
#define GW_PORT_LOG(level, ...) \
	rte_log(RTE_LOG_##level, gw_port_logtype, "port: " __VA_ARGS__)

#define POOL_MAX_MBUFS ((1u << 20) - 1)
/* Share of -m a pool may take: without hugepages EAL gives one pool only
 * about 56 % of it (DPDK-NOTES); leave room for rings, hashes, workers. */
#define POOL_SHARE_NOHUGE_PCT 45
#define POOL_SHARE_HUGE_PCT 70
#define POOL_SLACK_MBUFS 1024 /* packets in flight beyond the descriptors */
#define MBUF_OVERHEAD 256     /* struct rte_mbuf + mempool header, rounded */

/* Data room that holds a frame of the largest MTU (with a VLAN tag). */
static uint16_t
pool_data_room(const struct gw_config_dataplane *cfg)
{
	unsigned max_mtu = RTE_ETHER_MTU, k, room;

	for (k = 0; k < cfg->n_ports; k++)
		if (cfg->ports[k].mtu > max_mtu)
			max_mtu = cfg->ports[k].mtu;
	room = RTE_ALIGN_CEIL(max_mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN +
				      RTE_VLAN_HLEN,
			      1024);
	if (room < 2048)
		room = 2048;
	return (uint16_t)(room + RTE_PKTMBUF_HEADROOM);
}

static int
pool_create(struct gw_dp *dp, const struct gw_config_dataplane *cfg,
	    char *err, size_t errlen)
{
	uint16_t room = pool_data_room(cfg);
	uint64_t budget = (uint64_t)cfg->memory_mb << 20;
	uint64_t fit, need;
	unsigned n = 1;

	budget = budget *
		 (cfg->hugepages ? POOL_SHARE_HUGE_PCT : POOL_SHARE_NOHUGE_PCT) /
		 100;
	fit = budget / (room + MBUF_OVERHEAD);
	while (((uint64_t)n << 1) - 1 <= fit && ((n << 1) - 1) <= POOL_MAX_MBUFS)
		n <<= 1;
	n -= 1; /* 2^q - 1: the mempool's best size */
	need = (uint64_t)cfg->n_ports * dp->n_workers *
		       (GW_PORT_NB_RXD + GW_PORT_NB_TXD) +
	       (uint64_t)(dp->n_workers + 1) * GW_PORT_POOL_CACHE +
	       POOL_SLACK_MBUFS;
	if (n < need) {
		snprintf(err, errlen,
			 "spec.memoryMB %u is too small for %u port(s) x %u worker(s): "
			 "the mbuf pool needs %" PRIu64 " mbufs (about %" PRIu64
			 " MB); raise memoryMB",
			 cfg->memory_mb, cfg->n_ports, dp->n_workers, need,
			 need * (room + MBUF_OVERHEAD) * 100 /
					 (cfg->hugepages ? POOL_SHARE_HUGE_PCT :
							   POOL_SHARE_NOHUGE_PCT) >>
				 20);
		return -ENOMEM;
	}
	dp->pool = rte_pktmbuf_pool_create("gw_mbuf", n, GW_PORT_POOL_CACHE, 0,
					   room, (int)rte_socket_id());
	if (dp->pool == NULL) {
		snprintf(err, errlen,
			 "cannot create the mbuf pool (%u mbufs of %u bytes): %s; "
			 "raise spec.memoryMB",
			 n, room, rte_strerror(rte_errno));
		return -rte_errno;
	}
	GW_PORT_LOG(INFO, "mbuf pool: %u mbufs, data room %u bytes\n", n, room);
	return 0;
}

/* ethdev name of a configured device: the vdev name, or the PCI address in
 * its full domain:bus:dev.fn form. */
static void
port_dev_name(const struct gw_config_port *cp, char *name, size_t len)
{
	size_t n = strcspn(cp->device, ",");

	if (cp->is_pci && strchr(cp->device, ':') ==
				  strrchr(cp->device, ':'))
		snprintf(name, len, "0000:%.*s", (int)n, cp->device);
	else
		snprintf(name, len, "%.*s", (int)n, cp->device);
}

/*
 * Make the device's RSS deliver each flow to the worker gw_flow_owner()
 * names: same symmetric key, and a redirection table whose entry i is the
 * software table's entry i % GW_FLOW_RETA_SIZE (equal buckets when the
 * device's table is a multiple of ours). @return whether it matches.
 */
static bool
port_reta_program(const struct gw_dp_port *p,
		  const struct rte_eth_dev_info *info,
		  const struct gw_flow_steer *s)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 /
					      RTE_ETH_RETA_GROUP_SIZE];
	unsigned i;

	if (info->hash_key_size != GW_FLOW_RSS_KEY_LEN ||
	    info->reta_size == 0 || info->reta_size % GW_FLOW_RETA_SIZE != 0 ||
	    info->reta_size > RTE_ETH_RSS_RETA_SIZE_512)
		return false;
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < info->reta_size; i++) {
		struct rte_eth_rss_reta_entry64 *g =
			&reta[i / RTE_ETH_RETA_GROUP_SIZE];

		g->mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		g->reta[i % RTE_ETH_RETA_GROUP_SIZE] =
			s->reta[i % GW_FLOW_RETA_SIZE];
	}
	return rte_eth_dev_rss_reta_update(p->port_id, reta,
					   info->reta_size) == 0;
}

static int
port_start(struct gw_dp *dp, uint16_t idx, const struct gw_config_port *cp,
	   char *err, size_t errlen)
{
	struct gw_dp_port *p = &dp->ports[idx];
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxconf;
	struct rte_eth_txconf txconf;
	uint16_t nb_rxd = GW_PORT_NB_RXD, nb_txd = GW_PORT_NB_TXD;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t q, nq = (uint16_t)dp->n_workers;
	int rc;

	snprintf(p->name, sizeof(p->name), "%s", cp->name);
	snprintf(p->device, sizeof(p->device), "%s", cp->device);
	p->addr = rte_cpu_to_be_32(cp->addr);
	p->prefix_len = cp->prefix_len;
	p->mask = rte_cpu_to_be_32(cp->prefix_len == 0 ? 0 :
				   UINT32_MAX << (32 - cp->prefix_len));
	p->gateway = cp->has_gateway ? rte_cpu_to_be_32(cp->gateway) : 0;
	p->mtu = cp->mtu;

	p->port_id = UINT16_MAX; /* not a port until the lookup succeeds */
	port_dev_name(cp, name, sizeof(name));
	rc = rte_eth_dev_get_port_by_name(name, &p->port_id);
	if (rc != 0) {
		snprintf(err, errlen,
			 "port %s: no device \"%s\" (is the driver available and the device string right?)",
			 cp->name, name);
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0)
		goto ethdev_fail;
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		snprintf(err, errlen,
			 "port %s: the device offers %u RX / %u TX queues, %u workers need %u of each",
			 cp->name, info.max_rx_queues, info.max_tx_queues, nq,
			 nq);
		return -EINVAL;
	}
	if (cp->mtu < info.min_mtu || cp->mtu > info.max_mtu) {
		snprintf(err, errlen,
			 "port %s: mtu %u is outside what the device supports (%u..%u)",
			 cp->name, cp->mtu, info.min_mtu, info.max_mtu);
		return -EINVAL;
	}
	conf.rxmode.mtu = cp->mtu;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
		p->rx_ip_cksum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		p->tx_ip_cksum = true;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
		p->rx_l4_cksum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
		p->tx_tcp_cksum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (nq > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_IP)) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
		/* the symmetric key: both directions of a flow on one queue */
		if (info.hash_key_size == GW_FLOW_RSS_KEY_LEN) {
			conf.rx_adv_conf.rss_conf.rss_key = dp->steer.rss_key;
			conf.rx_adv_conf.rss_conf.rss_key_len =
				GW_FLOW_RSS_KEY_LEN;
		}
	}
	rc = rte_eth_dev_configure(p->port_id, nq, nq, &conf);
	if (rc != 0)
		goto ethdev_fail;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		goto ethdev_fail;
	rxconf = info.default_rxconf;
	rxconf.offloads = conf.rxmode.offloads;
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd,
					    rte_eth_dev_socket_id(p->port_id),
					    &rxconf, dp->pool);
		if (rc != 0)
			goto ethdev_fail;
		rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd,
					    rte_eth_dev_socket_id(p->port_id),
					    &txconf);
		if (rc != 0)
			goto ethdev_fail;
	}
	rc = rte_eth_macaddr_get(p->port_id, &p->mac);
	if (rc != 0)
		goto ethdev_fail;
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0)
		goto ethdev_fail;
	p->started = true;
	p->rss_steered = nq > 1 && port_reta_program(p, &info, &dp->steer);
	GW_PORT_LOG(INFO,
		    "%s: ethdev %u (%s, driver %s) " RTE_ETHER_ADDR_PRT_FMT
		    " %u queue(s), mtu %u, rx-ipcsum %s, tx-ipcsum %s, rss %s\n",
		    p->name, p->port_id, name, info.driver_name,
		    RTE_ETHER_ADDR_BYTES(&p->mac), nq, p->mtu,
		    p->rx_ip_cksum ? "on" : "off", p->tx_ip_cksum ? "on" : "off",
		    p->rss_steered ? "matches flow owners" :
				     "none: misdelivered packets are redirected");
	return 0;
ethdev_fail:
	snprintf(err, errlen, "port %s (%s): ethdev setup failed: %s", cp->name,
		 name, rte_strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : -rc;
}

int
gw_port_setup(struct gw_dp *dp, const struct gw_config_dataplane *cfg,
	      char *err, size_t errlen)
{
	unsigned k;
	int rc;

	rc = pool_create(dp, cfg, err, errlen);
	if (rc < 0)
		return rc;
	for (k = 0; k < cfg->n_ports; k++) {
		dp->n_ports = k + 1; /* teardown covers a half-set-up port */
		rc = port_start(dp, (uint16_t)k, &cfg->ports[k], err, errlen);
		if (rc < 0)
			return rc;
	}
	dp->n_ports = cfg->n_ports;
	return 0;
}

void
gw_port_teardown(struct gw_dp *dp)
{
	unsigned k;

	for (k = 0; k < dp->n_ports; k++) {
		struct gw_dp_port *p = &dp->ports[k];

		if (p->started) {
			(void)rte_eth_dev_stop(p->port_id); /* closing anyway */
			p->started = false;
		}
		if (rte_eth_dev_is_valid_port(p->port_id))
			(void)rte_eth_dev_close(p->port_id);
	}
	dp->n_ports = 0;
	if (dp->pool != NULL) {
		/* Every mbuf is home once workers and ports are gone. */
		unsigned used = rte_mempool_in_use_count(dp->pool);

		if (used != 0)
			GW_PORT_LOG(WARNING,
				    "mbuf pool: %u of %u mbufs not returned (leak)\n",
				    used, dp->pool->size);
		else
			GW_PORT_LOG(INFO, "mbuf pool: all %u mbufs returned\n",
				    dp->pool->size);
	}
	rte_mempool_free(dp->pool); /* NULL-safe */
	dp->pool = NULL;
}
