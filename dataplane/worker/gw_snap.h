/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/worker — configuration snapshots: everything the workers run
 * for one accepted configuration, immutable once published.
 *
 * A snapshot holds the loaded resources (lib/config), their compiled form
 * (lib/mesh: route tables with their Hyperscan databases, balancers,
 * cluster settings), the endpoint health state built for it (carried over
 * from the previous snapshot), and one proxy generation per worker. Ctrl
 * builds it off to the side, then publishes it with one pointer store
 * (dp->snap). Each worker looks at that pointer once per loop iteration
 * and, when it moved, switches at the top of the loop: it listens on the
 * new ports, probes the new targets, and takes new connections and new
 * requests with the new generation; requests in flight finish with the
 * generation they started on (sessions and idle connections hold it by
 * reference count). A retired snapshot is freed by ctrl once every worker
 * has moved past it, nothing holds any of its generations, and an RCU
 * grace period of dp->qsbr has passed after that.
 *
 * Threads: build / publish / reap / free on the control thread;
 * gw_snap_worker_check() on each worker.
 */
#ifndef GW_SNAP_H
#define GW_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_config.h"
#include "gw_mesh.h"
#include "gw_worker.h"

struct proxy_gen;
struct gw_health;
struct gw_tls_set;
struct gw_nat_gen;

struct gw_snap {
	uint64_t version;		/* 1, 2, ... in publish order */
	struct gw_config *cfg;		/* the resources */
	struct gw_mesh *mesh;		/* cfg compiled */
	bool borrowed;			/* cfg and mesh are the caller's (the
					 * boot configuration, which dp->cfg
					 * points into) */
	struct gw_health *health;	/* owned */
	struct gw_tls_set *tls;		/* owned: the HTTPS servers' contexts */
	struct gw_nat_gen *nat;		/* owned: full NAT's routes and Maglev
					 * tables; NULL without full NAT */
	struct proxy_gen *proxy[GW_MAX_WORKERS]; /* owned, per worker */
	/* control thread: retirement */
	struct gw_snap *older;		/* dp's list of retired snapshots */
	bool grace;			/* a grace period was started */
	uint64_t token;			/* ... with this token */
};

/**
 * Build a snapshot of cfg and mesh (mesh = cfg compiled) for dp, with
 * health state carried over from the current snapshot. On success the
 * snapshot owns cfg and mesh unless borrow (then they must outlive dp);
 * on failure the caller still does. Ctrl.
 * @return 0, or -errno with a message in err (-ENOSPC / -EADDRINUSE for
 *   listener ports the workers cannot open, -ENOMEM).
 */
int gw_snap_build(struct gw_dp *dp, struct gw_config *cfg,
		  struct gw_mesh *mesh, bool borrow, struct gw_snap **out,
		  char *err, size_t errlen);

/** Free a snapshot that was never published (ctrl). NULL-safe. */
void gw_snap_discard(struct gw_dp *dp, struct gw_snap *s);

/**
 * Make s the configuration: one store-release of dp->snap; the previous
 * one is retired. Ctrl. Before launch, the workers take it at their first
 * loop iteration.
 */
void gw_snap_publish(struct gw_dp *dp, struct gw_snap *s);

/** How many running workers have not switched to s yet (ctrl). */
unsigned gw_snap_pending(const struct gw_dp *dp, const struct gw_snap *s);

/**
 * Free retired snapshots nothing uses any more (ctrl, periodically). A
 * snapshot waits for its workers to move past it and let go of its
 * generations, then for a grace period.
 * @return retired snapshots still waiting.
 */
unsigned gw_snap_reap(struct gw_dp *dp);

/** Retired snapshots not freed yet (ctrl). */
unsigned gw_snap_retired_count(const struct gw_dp *dp);

/** Free every snapshot, current and retired (ctrl, the workers stopped;
 * before the workers' TCP state is freed). */
void gw_snap_free_all(struct gw_dp *dp);

/** The current snapshot's health state, NULL before the first (ctrl). */
static inline struct gw_health *
gw_snap_health(const struct gw_dp *dp)
{
	return dp != NULL && dp->snap != NULL ? dp->snap->health : NULL;
}

/** The worker's side: switch when dp->snap moved (top of the loop). */
void gw_snap_worker_switch(struct gw_worker *w, struct gw_snap *s);

static inline void
gw_snap_worker_check(struct gw_worker *w)
{
	struct gw_snap *s = __atomic_load_n(&w->dp->snap, __ATOMIC_ACQUIRE);

	if (unlikely(s != w->snap))
		gw_snap_worker_switch(w, s);
}

#endif /* GW_SNAP_H */
