/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp — build, launch, stop and free the dataplane. Control thread only.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "gw_tls.h"
#include "gw_flow.h"
#include "gw_proxy.h"
#include "gw_snap.h"
#include "gw_impair.h"
#include "gw_port.h"
#include "gw_nat.h"
#include "gw_tcp.h"
#include "gw_testapp.h"
#include "gw_worker.h"

int
gw_dp_create(const struct gw_config_dataplane *cfg, struct gw_dp **out,
	     char *err, size_t errlen)
{
	struct gw_dp *dp;
	unsigned lcore, id = 0, k;
	size_t sz;
	int rc;

	*out = NULL;
	if (rte_lcore_count() != cfg->workers + 1) {
		snprintf(err, errlen, "EAL has %u lcores, expected %u",
			 rte_lcore_count(), cfg->workers + 1);
		return -EINVAL;
	}
	dp = rte_zmalloc("gw_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	if (dp == NULL) {
		snprintf(err, errlen, "out of memory for the dataplane");
		return -ENOMEM;
	}
	dp->n_workers = cfg->workers;
	dp->idle_sleep_us = cfg->idle_sleep_us;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->cfg = cfg;

	sz = rte_rcu_qsbr_get_memsize(dp->n_workers);
	dp->qsbr = rte_zmalloc("gw_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (dp->qsbr == NULL ||
	    rte_rcu_qsbr_init(dp->qsbr, dp->n_workers) != 0) {
		snprintf(err, errlen, "cannot set up the RCU variable");
		rc = -ENOMEM;
		goto fail;
	}
	rc = gw_tls_keys_create(cfg->tls.ticket_rotation_s, &dp->tls_keys);
	if (rc < 0) {
		snprintf(err, errlen, "cannot make a session ticket key");
		goto fail;
	}
	gw_flow_steer_init(&dp->steer, dp->n_workers);
	rc = gw_port_setup(dp, cfg, err, errlen);
	if (rc < 0)
		goto fail;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		dp->workers[id] = gw_worker_create(dp, (uint16_t)id,
						   (uint16_t)lcore);
		if (dp->workers[id] == NULL) {
			rc = -rte_errno;
			snprintf(err, errlen, "cannot create worker %u: %s", id,
				 rte_strerror(rte_errno));
			goto fail;
		}
		for (k = 0; k < cfg->n_ports; k++) {
			dp->workers[id]->impair[k] = gw_impair_create(
				&cfg->ports[k], (uint16_t)id, dp->tsc_hz);
			if (cfg->ports[k].impaired &&
			    dp->workers[id]->impair[k] == NULL) {
				snprintf(err, errlen,
					 "out of memory for the impairment of port %s",
					 cfg->ports[k].name);
				rc = -ENOMEM;
				goto fail;
			}
		}
		rc = gw_tcp_wrk_init(dp->workers[id], &cfg->tcp);
		if (rc == 0)
			rc = gw_nat_wrk_init(dp->workers[id]);
		if (rc == 0)
			rc = gw_testapp_start(dp->workers[id], cfg);
		if (rc < 0) {
			snprintf(err, errlen, "cannot set up TCP on worker %u: %s",
				 id, rte_strerror(-rc));
			goto fail;
		}
		id++;
	}
	rc = gw_testapp_check(dp, cfg, err, errlen);
	if (rc < 0)
		goto fail;
	rc = gw_worker_mesh_init(dp);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the worker inboxes: %s",
			 rte_strerror(-rc));
		goto fail;
	}
	*out = dp;
	return 0;
fail:
	gw_dp_free(dp);
	return rc;
}

int
gw_dp_port_toward(const struct gw_dp *dp, uint32_t addr)
{
	unsigned p;

	for (p = 0; p < dp->n_ports; p++)
		if (((rte_cpu_to_be_32(addr) ^ dp->ports[p].addr) &
		     dp->ports[p].mask) == 0)
			return (int)p;
	for (p = 0; p < dp->n_ports; p++)
		if (dp->ports[p].gateway != 0)
			return (int)p;
	return -1;
}

int
gw_dp_launch(struct gw_dp *dp)
{
	unsigned i;
	int rc;

	for (i = 0; i < dp->n_workers; i++) {
		rc = rte_eal_remote_launch(gw_worker_main, dp->workers[i],
					   dp->workers[i]->lcore_id);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
gw_dp_stop(struct gw_dp *dp)
{
	unsigned i;

	for (i = 0; i < dp->n_workers; i++)
		if (dp->workers[i] != NULL)
			gw_worker_stop(dp->workers[i]);
	rte_eal_mp_wait_lcore();
}

void
gw_dp_free(struct gw_dp *dp)
{
	unsigned i;

	if (dp == NULL)
		return;
	/* the configurations: probes let go of their connections */
	gw_snap_free_all(dp);
	for (i = 0; i < GW_MAX_WORKERS; i++) {
		gw_worker_free(dp->workers[i]);
		dp->workers[i] = NULL;
	}
	gw_proxy_fini(dp);
	gw_port_teardown(dp);
	gw_tls_keys_free(dp->tls_keys);
	rte_free(dp->qsbr);
	rte_free(dp);
}
