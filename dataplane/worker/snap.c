/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/worker snapshots: build, publish, switch, reap (see
 * gw_snap.h). Control thread, except gw_snap_worker_switch() (a worker).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include "gw_health.h"
#include "gw_nat.h"
#include "gw_proxy.h"
#include "gw_snap.h"
#include "gw_tls.h"

RTE_LOG_REGISTER_SUFFIX(gw_snap_logtype, snap, INFO);
#define GW_SNAP_LOG(level, ...) \
	rte_log(RTE_LOG_##level, gw_snap_logtype, "snap: " __VA_ARGS__)

static void
snap_free(struct gw_dp *dp, struct gw_snap *s, bool with_cfg)
{
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < GW_MAX_WORKERS; i++)
		gw_proxy_gen_free(s->proxy[i]);
	gw_nat_gen_free(s->nat);
	gw_health_free(dp, s->health);
	gw_tls_set_free(s->tls);
	if (with_cfg && !s->borrowed) {
		gw_mesh_free(s->mesh);
		gw_config_free(s->cfg);
	}
	free(s);
}

int
gw_snap_build(struct gw_dp *dp, struct gw_config *cfg, struct gw_mesh *mesh,
	      bool borrow, struct gw_snap **out, char *err, size_t errlen)
{
	struct gw_snap *cur = dp->snap, *s;
	unsigned i;
	int rc;

	*out = NULL;
	rc = gw_proxy_mesh_check(dp, mesh, err, errlen);
	if (rc < 0)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory for a snapshot");
		return -ENOMEM;
	}
	s->cfg = cfg;
	s->mesh = mesh;
	s->borrowed = borrow;
	rc = gw_tls_set_create(mesh, dp->tls_keys, &s->tls, err, errlen);
	if (rc == 0)
		rc = gw_health_create(dp, mesh,
				      cur != NULL ? cur->health : NULL,
				      &s->health, err, errlen);
	if (rc == 0)
		rc = gw_nat_gen_create(dp, mesh, s->health, &s->nat, err,
				       errlen);
	for (i = 0; rc == 0 && i < dp->n_workers; i++)
		rc = gw_proxy_gen_create(dp->workers[i], mesh, s->health, s->tls,
					 cur != NULL ? cur->proxy[i] : NULL,
					 &s->proxy[i], err, errlen);
	if (rc < 0) {
		snap_free(dp, s, false);
		return rc;
	}
	*out = s;
	return 0;
}

void
gw_snap_discard(struct gw_dp *dp, struct gw_snap *s)
{
	snap_free(dp, s, true);
}

void
gw_snap_publish(struct gw_dp *dp, struct gw_snap *s)
{
	struct gw_snap *old = dp->snap;

	s->version = ++dp->snap_version;
	if (old != NULL) {
		old->older = dp->snap_retired;
		dp->snap_retired = old;
	}
	__atomic_store_n(&dp->snap, s, __ATOMIC_RELEASE);
}

/* Whether worker i runs and has taken no version newer than v. */
static bool
worker_at_most(const struct gw_dp *dp, unsigned i, uint64_t v)
{
	const struct gw_worker *w = dp->workers[i];

	if (w == NULL || !__atomic_load_n(&w->run, __ATOMIC_RELAXED))
		return false;
	return __atomic_load_n(&w->snap_ack, __ATOMIC_ACQUIRE) <= v;
}

unsigned
gw_snap_pending(const struct gw_dp *dp, const struct gw_snap *s)
{
	unsigned i, n = 0;

	for (i = 0; i < dp->n_workers; i++)
		n += worker_at_most(dp, i, s->version - 1);
	return n;
}

/* Nothing of s is used: every worker moved past it, every generation is
 * let go. */
static bool
snap_unused(const struct gw_dp *dp, const struct gw_snap *s)
{
	unsigned i;

	for (i = 0; i < dp->n_workers; i++)
		if (worker_at_most(dp, i, s->version) ||
		    !gw_proxy_gen_done(s->proxy[i]))
			return false;
	return true;
}

unsigned
gw_snap_reap(struct gw_dp *dp)
{
	struct gw_snap **pp = &dp->snap_retired, *s;
	unsigned waiting = 0;

	while ((s = *pp) != NULL) {
		if (!s->grace) {
			if (snap_unused(dp, s)) {
				s->token = rte_rcu_qsbr_start(dp->qsbr);
				s->grace = true;
			}
		} else if (rte_rcu_qsbr_check(dp->qsbr, s->token, false) == 1) {
			*pp = s->older;
			GW_SNAP_LOG(DEBUG, "snapshot %" PRIu64 " freed\n",
				    s->version);
			snap_free(dp, s, true);
			continue;
		}
		waiting++;
		pp = &s->older;
	}
	return waiting;
}

unsigned
gw_snap_retired_count(const struct gw_dp *dp)
{
	const struct gw_snap *s;
	unsigned n = 0;

	for (s = dp->snap_retired; s != NULL; s = s->older)
		n++;
	return n;
}

void
gw_snap_free_all(struct gw_dp *dp)
{
	struct gw_snap *s, *next;

	for (s = dp->snap_retired; s != NULL; s = next) {
		next = s->older;
		snap_free(dp, s, true);
	}
	dp->snap_retired = NULL;
	snap_free(dp, dp->snap, true);
	dp->snap = NULL;
}

void
gw_snap_worker_switch(struct gw_worker *w, struct gw_snap *s)
{
	if (s == NULL)
		return;
	gw_health_wrk_switch(w, s->health);
	gw_nat_switch(w, s->nat);
	if (w->proxy != NULL)
		gw_proxy_switch(w, s->proxy[w->id]);
	w->snap = s;
	__atomic_store_n(&w->snap_ack, s->version, __ATOMIC_RELEASE);
}
