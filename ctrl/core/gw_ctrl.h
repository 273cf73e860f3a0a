/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl/core — the control thread: owns the loaded configuration and the
 * dataplane handle, serves the admin API, watches worker liveness through
 * RCU grace periods, and waits for SIGINT/SIGTERM. Runs on the EAL main
 * lcore; nothing here is on a worker's path.
 */
#ifndef GW_CTRL_H
#define GW_CTRL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "gw_config.h"
#include "gw_mesh.h"
#include "gw_worker.h"

struct gw_api;

#define GW_CTRL_TOKEN_MAX 4096
#define GW_CTRL_LIVENESS_MS 3000 /* /ready fails when workers stall longer */

struct gw_ctrl {
	struct gw_dp *dp;		  /* borrowed */
	const struct gw_config *cfg;	  /* borrowed */
	const struct gw_mesh *mesh;	  /* borrowed: cfg compiled */
	const char *config_path;	  /* as given on the command line */
	char token[GW_CTRL_TOKEN_MAX];	  /* admin bearer token; "" = none */
	uint64_t start_ns;		  /* CLOCK_MONOTONIC at start */
	time_t start_wall;		  /* wall clock at start */
	int sig_fd;			  /* signalfd for SIGINT/TERM/HUP */
	struct gw_api *api;
	/* worker liveness: a grace period of dp->qsbr started and checked */
	uint64_t grace_token;
	bool grace_pending;
	uint64_t grace_done_ns; /* when the last grace period completed */
	uint64_t grace_periods; /* completed since start */
};

/** CLOCK_MONOTONIC in ns. */
uint64_t gw_ctrl_now_ns(void);

/**
 * Read a bearer token file into c->token (trailing whitespace removed).
 * @return 0, or -errno with a message in err (unreadable, empty, too long).
 */
int gw_ctrl_token_load(struct gw_ctrl *c, const char *path, char *err,
		       size_t errlen);

/**
 * Block SIGINT, SIGTERM and SIGHUP in the calling thread (call before
 * rte_eal_init so every lcore inherits the mask) and ignore SIGPIPE.
 */
int gw_ctrl_signals_block(void);

/**
 * Start the admin API and the signal fd (after the dataplane exists).
 * @return 0, or -errno with a message in err.
 */
int gw_ctrl_init(struct gw_ctrl *c, char *err, size_t errlen);

/** Serve until SIGINT or SIGTERM. @return the signal number. */
int gw_ctrl_run(struct gw_ctrl *c);

/** Stop the admin API and close the signal fd. Safe on a half-init ctrl. */
void gw_ctrl_fini(struct gw_ctrl *c);

/**
 * Whether the gateway is ready: every port started and a grace period
 * completed within GW_CTRL_LIVENESS_MS (every worker is looping).
 * @param why  set to a short reason when not ready.
 */
bool gw_ctrl_ready(const struct gw_ctrl *c, const char **why);

#endif /* GW_CTRL_H */
