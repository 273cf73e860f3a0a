/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/health private: the whole of the health state, probe targets
 * and the per-worker prober.
 */
#ifndef HEALTH_PRIV_H
#define HEALTH_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

#include "gw_health.h"
#include "gw_http.h"
#include "gw_timer.h"

extern int gw_health_logtype;
#define GW_HEALTH_LOG(level, ...) \
	rte_log(RTE_LOG_##level, gw_health_logtype, "health: " __VA_ARGS__)

/* Response header fields a probe's parser keeps. */
#define HEALTH_PROBE_HDRS 64
/* Largest probe request: it goes out in one mbuf. */
#define HEALTH_PROBE_REQ_MAX 1400
/* Probe timer callbacks per worker loop, at most. */
#define HEALTH_TIMERS_PER_RUN 64

/* A cluster endpoint a probe target speaks for. */
struct health_ref {
	uint32_t cluster;
	uint32_t ep;
};

enum health_phase {
	PROBE_IDLE = 0,		/* waiting for the next interval */
	PROBE_CONNECTING,
	PROBE_WAITING,		/* HTTP: request sent, reading the answer */
};

/*
 * One (HealthCheck, address, port): probed by one worker, its verdicts
 * shared by every cluster endpoint in refs. After create, the fields
 * below `worker` are the prober's alone (counters are read by ctrl).
 */
struct health_target {
	const struct gw_mesh_health_check *hc;
	uint32_t addr;
	uint16_t port;
	uint16_t worker;
	struct health_ref *refs;
	uint32_t n_refs;
	char *req;		/* HTTP probe request, NUL-terminated */
	uint32_t req_len;
	/* the prober's */
	struct gw_health_wrk *worker_hw; /* set when its worker is made */
	uint8_t phase;		/* enum health_phase */
	uint8_t state;		/* enum gw_health_hc_state */
	uint32_t ok_run;	/* successes in a row */
	uint32_t fail_run;	/* failures in a row */
	struct gw_tcp_conn *c;
	struct gw_timer timer;	/* next probe, or this probe's timeout */
	struct health_target *next; /* the worker's list */
	uint64_t checks;
	uint64_t failures;
	uint64_t transitions;
	struct gw_http_parser p;
	struct gw_http_hdr hdrs[HEALTH_PROBE_HDRS];
};

/* A balancer replaced by a weight change, freed after a grace period. */
struct health_retired {
	struct gw_lb *lb;
	uint64_t token;
};

struct gw_health {
	struct gw_dp *dp;
	const struct gw_mesh *mesh;
	struct gw_health_wrk *wrk;	/* one per worker: its probes */
	uint64_t tsc_per_ms;
	struct gw_health_cluster *clusters;
	uint32_t n_clusters;
	struct health_target *targets;
	size_t n_targets;
	struct health_retired *retired;
	size_t n_retired;
	size_t cap_retired;
};

/* Per worker: the targets it probes and their timers. */
struct gw_health_wrk {
	struct gw_health *h;
	struct gw_worker *w;
	struct health_target *targets;	/* list */
	struct gw_timer_wheel wheel;	/* ms */
	uint64_t now_ms;
	uint64_t tick_tsc;		/* TSC at which now_ms moves on */
	uint64_t tsc_per_ms;
	uint64_t rng;
};

/* health.c: change an endpoint's flags (any thread; atomics) */
void health_ep_flags(struct gw_health_cluster *c, uint32_t ep, uint32_t set,
		     uint32_t clear);

/* probe.c */
/* Give hw the targets of h that worker w probes (ctrl; no timer runs
 * until the worker switches to h). */
void health_wrk_init(struct gw_health *h, struct gw_health_wrk *hw,
		     struct gw_worker *w);
/* Stop hw's probes: timers stopped, connections let go (aborted when
 * abort, else left to a stopped worker's TCP to free). */
void health_wrk_detach(struct gw_health_wrk *hw, bool abort);

#endif /* HEALTH_PRIV_H */
