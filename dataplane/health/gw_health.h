/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/health — what the gateway knows about each endpoint's health,
 * shared by every worker at once: active health checks (the HealthCheck
 * kind), outlier detection (DestinationRule outlierDetection), the
 * operator's drain / maint states and weights, and Envoy's panic
 * threshold.
 *
 * Shape. One struct gw_health_cluster per mesh cluster, one cache line
 * per endpoint (struct gw_health_ep). An endpoint's flags say why it is
 * not used (check pending or failed, ejected, drained, in maintenance);
 * two bitmaps per cluster mirror them (`up`: no health flag, `admin`: no
 * operator flag) and a generation number moves after every change. A
 * worker keeps its own copy of the availability a pick needs and
 * recomputes it only when the generation moved (gw_health_avail()): one
 * shared load per pick, no lock.
 *
 * Writers, all off the fast path:
 *   - active checks: each probe target (HealthCheck, address, port) is
 *     probed by one worker over meshgw's TCP (probe.c); a transition
 *     sets or clears the check flags of every cluster endpoint it serves;
 *   - outlier detection: workers count consecutive 5xx / gateway errors in
 *     the endpoint's shared counters (gw_health_outcome(): atomics only on
 *     error responses, a load on the others) and raise an ejection request;
 *     the control thread ejects and returns endpoints (gw_health_tick());
 *   - the admin API (control thread): drain, maint, ready, weight. A new
 *     weight builds a new balancer, published with one pointer store and
 *     freed after an RCU grace period of dp->qsbr.
 *
 * A configuration change builds a new state from the old one (what is
 * known of an endpoint carries over) as part of a snapshot.
 *
 * Threads: create / free / tick / endpoint_set / reads for the admin API on
 * the control thread; gw_health_gen(), gw_health_avail(),
 * gw_health_outcome() and the probe loop (gw_health_wrk_run()) on workers.
 */
#ifndef GW_HEALTH_H
#define GW_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "gw_lb.h"
#include "gw_mesh.h"

struct gw_dp;
struct gw_worker;
struct gw_health_wrk;

/** Why an endpoint is not used; none set = in service. */
enum gw_health_flag {
	GW_HEALTH_F_HC_PENDING = 1u << 0, /* checks have not passed yet */
	GW_HEALTH_F_HC_FAILED = 1u << 1,  /* failed its active checks */
	GW_HEALTH_F_EJECTED = 1u << 2,    /* outlier detection */
	GW_HEALTH_F_DRAIN = 1u << 3,      /* operator: no new requests */
	GW_HEALTH_F_MAINT = 1u << 4,      /* operator: out of service, not
					   * probed */
};
#define GW_HEALTH_F_UNHEALTHY \
	(GW_HEALTH_F_HC_PENDING | GW_HEALTH_F_HC_FAILED | GW_HEALTH_F_EJECTED)
#define GW_HEALTH_F_ADMIN (GW_HEALTH_F_DRAIN | GW_HEALTH_F_MAINT)

/** What the active checks last concluded about an endpoint. */
enum gw_health_hc_state {
	GW_HEALTH_HC_NONE = 0,   /* no HealthCheck targets it */
	GW_HEALTH_HC_UNKNOWN,    /* not yet healthyThreshold successes */
	GW_HEALTH_HC_HEALTHY,
	GW_HEALTH_HC_UNHEALTHY,
};

/** One endpoint of a cluster: one cache line, shared. */
struct gw_health_ep {
	/* outlier detection, written by any worker (atomics, on errors) */
	uint32_t consec_5xx;	/* 5xx (and local failures) in a row */
	uint32_t consec_gw;	/* 502/503/504 (and local failures) in a row */
	uint32_t eject_req;	/* a worker saw a threshold reached */
	uint32_t flags;		/* enum gw_health_flag; atomic RMW */
	uint32_t weight;	/* in the current balancer (ctrl) */
	uint32_t hc_state;	/* enum gw_health_hc_state (its prober) */
	/* control thread only */
	uint32_t ejections;	/* ejection multiplier: grows, decays */
	uint64_t ejected_until_ms; /* TSC ms */
	/* event counters (atomic adds, rare) */
	uint64_t ejections_total;
	uint64_t hc_checks;	/* probes that ended */
	uint64_t hc_failures;	/* of them, failed */
	uint64_t transitions;	/* healthy <-> unhealthy, by checks or
				 * ejection */
} __rte_cache_aligned;

/** One cluster: bitmaps, generation, balancer, endpoints. */
struct gw_health_cluster {
	/* read on every pick */
	uint32_t gen;		/* moves (release) after each change below */
	uint32_t words;		/* GW_LB_AVAIL_WORDS(n) */
	uint32_t n;		/* endpoints */
	uint32_t panic_percent;
	uint64_t *up;		/* bit i: endpoint i has no health flag */
	uint64_t *admin;	/* bit i: endpoint i has no operator flag */
	const struct gw_lb *lb;	/* the balancer in use (atomic pointer) */
	const struct gw_mesh_cluster *mc;
	struct gw_health_ep *eps; /* n, cache-aligned */
	uint32_t outlier_req;	/* an endpoint has eject_req set */
	/* control thread only */
	bool lb_owned;		/* lb was built here, not by the mesh */
	uint64_t next_decay_ms;	/* outlier interval sweep */
	uint64_t ejections_total;
	uint64_t ejections_overflow; /* refused by maxEjectionPercent */
} __rte_cache_aligned;

struct gw_health;

/**
 * Build the health state of mesh's clusters and the probe targets of its
 * HealthChecks, assigned to dp's workers (part of a configuration
 * snapshot). With prev (the state in use), what is known of an endpoint
 * of the same cluster name and address carries over: drain / maint,
 * ejections, check verdicts and runs, counters, and weights set through
 * the API where the configuration kept the endpoint's weight. Control
 * thread; nothing runs until a worker switches to it
 * (gw_health_wrk_switch()). mesh must outlive it.
 * @return 0, or -errno with a message in err (-ENOMEM, -EINVAL for a
 *   probe request that does not fit a packet buffer).
 */
int gw_health_create(struct gw_dp *dp, const struct gw_mesh *mesh,
		     const struct gw_health *prev, struct gw_health **out,
		     char *err, size_t errlen);

/** Free h (control thread: no running worker uses it, and an RCU grace
 * period passed since the last did; or the workers stopped, before their
 * TCP state is freed, since probes hold connections). NULL-safe. */
void gw_health_free(struct gw_dp *dp, struct gw_health *h);

/** Worker w probes h's targets from now on, and no longer those of the
 * state it had (their connections are aborted). The worker itself. */
void gw_health_wrk_switch(struct gw_worker *w, struct gw_health *h);

/** Cluster i's state; NULL when i is out of range or there is none. */
struct gw_health_cluster *gw_health_cluster_get(struct gw_health *h,
						uint32_t i);

uint32_t gw_health_cluster_count(const struct gw_health *h);

/**
 * The control thread's periodic work (every 100 ms or so): eject
 * endpoints whose workers asked for it (maxEjectionPercent allowing),
 * return those whose ejection time is over, decay the ejection
 * multipliers every outlier interval, and free balancers retired by
 * weight changes once their grace period is over.
 */
void gw_health_tick(struct gw_health *h);

/** The operator's state of an endpoint. */
enum gw_health_admin {
	GW_HEALTH_ADMIN_KEEP = 0, /* leave as it is */
	GW_HEALTH_ADMIN_READY,	  /* in service */
	GW_HEALTH_ADMIN_DRAIN,	  /* no new requests; in-flight ones finish */
	GW_HEALTH_ADMIN_MAINT,	  /* no requests, no probes */
};

/**
 * Set endpoint ep of cluster ci: its operator state and/or its weight
 * (0 = keep). A new weight rebuilds the cluster's balancer (allocates)
 * and publishes it. Control thread only.
 * @return 0; -ENOENT no such cluster/endpoint (or the cluster has no
 *   balancer); -EINVAL weight out of 1..GW_LB_WEIGHT_MAX; -ENOMEM.
 */
int gw_health_endpoint_set(struct gw_health *h, uint32_t ci, uint32_t ep,
			   enum gw_health_admin admin, uint32_t weight);

/** Whether cluster c is in panic now (too few healthy endpoints: all of
 * those in service get traffic). Any thread; a snapshot. */
bool gw_health_panic(const struct gw_health_cluster *c);

/** Envoy-style health flags of an endpoint ("healthy" or
 * "/failed_active_hc|/failed_outlier_check|..."), into buf. */
void gw_health_flags_format(uint32_t flags, char *buf, size_t len);

/** "unknown", "healthy", "unhealthy" or "none". */
const char *gw_health_hc_state_name(enum gw_health_hc_state s);

/* ---- workers ------------------------------------------------------------ */

/** The cluster's generation (acquire): availability or the balancer
 * changed when it differs from the last one seen. */
static inline uint32_t
gw_health_gen(const struct gw_health_cluster *c)
{
	return __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
}

/** The balancer in use; load it after gw_health_gen(). */
static inline const struct gw_lb *
gw_health_lb(const struct gw_health_cluster *c)
{
	return __atomic_load_n(&c->lb, __ATOMIC_ACQUIRE);
}

/**
 * Compute what a pick may use: endpoints with no flag, or, when fewer
 * than the panic threshold of those in service are healthy, every
 * endpoint in service (Envoy's panic routing). Worker, when the
 * generation moved.
 * @param buf
 *   c->words words, the caller's.
 * @param out
 *   Set to buf, or to NULL when every endpoint is available (the pick's
 *   fast case).
 * @param panic
 *   Set when panic routing applies.
 * @return endpoints available.
 */
uint32_t gw_health_avail(const struct gw_health_cluster *c, uint64_t *buf,
			 const uint64_t **out, bool *panic);

/* Out of line: the error side of gw_health_outcome(). */
void gw_health_outcome_error(struct gw_health_cluster *c, uint32_t ep,
			     bool gateway);

/**
 * Feed outlier detection with the outcome of a request on endpoint ep:
 * an upstream status, or 503 for a local-origin failure (connect failure,
 * reset, timeout) as Envoy counts them without split local-origin errors.
 * Worker; a relaxed load unless the status is an error or a run of
 * errors ends.
 */
static inline void
gw_health_outcome(struct gw_health_cluster *c, uint32_t ep, int status)
{
	struct gw_health_ep *e;

	if (!c->mc->outlier.enabled || ep >= c->n)
		return;
	e = &c->eps[ep];
	if (status >= 500) {
		gw_health_outcome_error(c, ep, status >= 502 && status <= 504);
		return;
	}
	if (__atomic_load_n(&e->consec_5xx, __ATOMIC_RELAXED) != 0)
		__atomic_store_n(&e->consec_5xx, 0, __ATOMIC_RELAXED);
	if (__atomic_load_n(&e->consec_gw, __ATOMIC_RELAXED) != 0)
		__atomic_store_n(&e->consec_gw, 0, __ATOMIC_RELAXED);
}

/** Run the worker's due probes (the worker loop, each iteration). */
void gw_health_wrk_run(struct gw_worker *w);

/** Probe targets and their counters, for the admin API. */
struct gw_health_target_info {
	const char *check;	/* HealthCheck "ns/name" */
	uint32_t addr;		/* host order */
	uint16_t port;
	uint16_t worker;	/* the one that probes it */
	enum gw_health_hc_state state;
	uint64_t checks;
	uint64_t failures;
	uint64_t transitions;
};

size_t gw_health_target_count(const struct gw_health *h);
/** @return 0, or -ENOENT past the end. Any thread (a snapshot). */
int gw_health_target_info(const struct gw_health *h, size_t i,
			  struct gw_health_target_info *out);

#endif /* GW_HEALTH_H */
