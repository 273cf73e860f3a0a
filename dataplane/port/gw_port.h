/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/port — EAL arguments from the Dataplane resource, the mbuf
 * pool, and ethdev setup: one RX and one TX queue per worker on every
 * port, with only the offloads, queue counts and MTU the device reports.
 * The same code serves net_tap, net_memif, net_af_packet, virtio_user and
 * PCI NICs. Control thread only.
 */
#ifndef GW_PORT_H
#define GW_PORT_H

#include <stdbool.h>
#include <stddef.h>

#include "gw_config.h"
#include "gw_worker.h"

#define GW_PORT_EAL_MAX_ARGS (16 + 2 * GW_CONFIG_MAX_PORTS)
#define GW_PORT_NB_RXD 1024 /* RX descriptors per queue (before adjust) */
#define GW_PORT_NB_TXD 1024 /* TX descriptors per queue (before adjust) */
#define GW_PORT_POOL_CACHE 256 /* per-lcore mempool cache */

/** EAL argument vector; argv points into buf. */
struct gw_port_eal_args {
	int argc;
	char *argv[GW_PORT_EAL_MAX_ARGS];
	char prefix[64];     /* --file-prefix value */
	bool oversubscribed; /* more lcores than CPUs: workers share CPUs */
	char buf[8192];
};

/**
 * Build EAL arguments: lcore-to-CPU map from the process affinity (main
 * lcore on the first CPU, workers on the next ones, wrapping around when
 * there are fewer CPUs), memory with or without hugepages, a unique file
 * prefix, --vdev / -a for the ports, and `extra` (e.g. --log-level
 * options, may be NULL/0) appended.
 * @return 0, or -errno with a message in err (e.g. hugepages asked for but
 *   not reserved).
 */
int gw_port_eal_args_build(const struct gw_config_dataplane *cfg,
			   const char *prog, char *const *extra, int n_extra,
			   struct gw_port_eal_args *out, char *err,
			   size_t errlen);

/**
 * Create the mbuf pool and configure and start every port of cfg into
 * dp->ports (after rte_eal_init, dp->n_workers set).
 * @return 0, or -errno with a message in err naming the port.
 */
int gw_port_setup(struct gw_dp *dp, const struct gw_config_dataplane *cfg,
		  char *err, size_t errlen);

/** Stop and close every started port and free the pool. */
void gw_port_teardown(struct gw_dp *dp);

/**
 * Remove EAL's runtime folder (rte_eal_get_runtime_dir(), copied before
 * rte_eal_cleanup()): it is left behind even with --no-shconf. Best
 * effort, for a process that is exiting; "" is a no-op.
 */
void gw_port_runtime_dir_remove(const char *dir);

#endif /* GW_PORT_H */
