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

#include <jansson.h>
#include <rte_log.h>

#include "gw_accesslog.h"
#include "gw_config.h"
#include "gw_mesh.h"
#include "gw_worker.h"

struct gw_api;
struct gw_store;
struct gw_ctrl_watch;

extern int gw_ctrl_logtype;
#define GW_CTRL_LOG(level, ...) \
	rte_log(RTE_LOG_##level, gw_ctrl_logtype, "ctrl: " __VA_ARGS__)

#define GW_CTRL_TOKEN_MAX 4096
#define GW_CTRL_LIVENESS_MS 3000 /* /ready fails when workers stall longer */

struct gw_ctrl {
	struct gw_dp *dp;		  /* borrowed */
	const struct gw_config *cfg;	  /* the current snapshot's */
	const struct gw_mesh *mesh;	  /* ... cfg compiled */
	struct gw_store *store;		  /* the resources, as given */
	struct gw_ctrl_watch *watch;	  /* the config path, or NULL */
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
	bool hc_failed;		/* POST /healthcheck/fail: /ready says 503 */
	bool draining;		/* POST /drain_listeners */
	bool quit;		/* POST /quitquitquit: leave the loop */
	/* applies through the API (or the folder watch) */
	uint64_t applies_tried;
	uint64_t applies;	/* accepted */
	uint64_t last_compile_ns;
	uint64_t last_publish_ns;
	/* certificate rotation (certs.c) */
	uint64_t certs_next_ns;		/* the next look at the files */
	uint64_t certs_refused_sig;	/* files whose rebuild was refused */
	uint64_t certs_reloads;
	uint64_t certs_refused;
	/* access log and span export (telemetry.c, zipkin.c) */
	struct gw_telemetry *telemetry;	/* NULL: neither is on */
	uint64_t alog_records;		/* lines written */
	uint64_t alog_write_errors;	/* writes that failed (lines lost) */
	uint64_t alog_reopens;		/* SIGHUP reopens */
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

/** Serve until SIGINT or SIGTERM (or /quitquitquit). @return the signal
 * number (SIGTERM for /quitquitquit). */
int gw_ctrl_run(struct gw_ctrl *c);

/** Stop the admin API and close the signal fd. Safe on a half-init ctrl. */
void gw_ctrl_fini(struct gw_ctrl *c);

/* ---- telemetry.c: the access log sink and span export ---------------- */

/** Open the access log sink and start the span exporter that
 * spec.telemetry asks for (nothing when neither is on).
 * @return 0, or -errno with a message in err. */
int gw_telemetry_start(struct gw_ctrl *c, char *err, size_t errlen);
/** Every loop: take the workers' records when the period is due. */
void gw_telemetry_run(struct gw_ctrl *c);
/** The poll timeout, no later than the next round. */
int gw_telemetry_timeout_ms(const struct gw_ctrl *c, int timeout);
/** SIGHUP: write what is queued, then open the file's path again. */
void gw_telemetry_reopen(struct gw_ctrl *c);
/** Write the last records (workers stopped) and close everything. */
void gw_telemetry_stop(struct gw_ctrl *c);
/** The exporter's counts; false when span export is off. */
bool gw_telemetry_spans(const struct gw_ctrl *c, uint64_t *sent,
			uint64_t *failed, uint64_t *dropped);

/* ---- zipkin.c: Zipkin v2 spans over HTTP from a thread of its own ----- */

struct gw_zipkin;
int gw_zipkin_create(uint32_t addr, uint16_t port, struct gw_zipkin **out,
		     char *err, size_t errlen);
/** Add a sampled request's span to the batch being filled. */
void gw_zipkin_add(struct gw_zipkin *z, const struct gw_alog_rec *r,
		   const struct gw_alog_clock *ck, const char *workload,
		   const char *ns);
/** Queue the batch for the exporter (dropped, counted, when 16 wait). */
void gw_zipkin_flush(struct gw_zipkin *z);
void gw_zipkin_counts(const struct gw_zipkin *z, uint64_t *sent,
		      uint64_t *failed, uint64_t *dropped);
/** Send what is queued, stop the thread, free. NULL-safe. */
void gw_zipkin_free(struct gw_zipkin *z);

/**
 * Stop accepting connections on every listener port; requests in flight
 * finish (each answered with "Connection: close"), idle connections
 * close. Irreversible: the process exits when told (SIGTERM or
 * /quitquitquit).
 */
void gw_ctrl_drain(struct gw_ctrl *c);

/**
 * Whether the gateway is ready: every port started and a grace period
 * completed within GW_CTRL_LIVENESS_MS (every worker is looping), not
 * told to fail its health check, not draining.
 * @param why  set to a short reason when not ready.
 */
bool gw_ctrl_ready(const struct gw_ctrl *c, const char **why);

/**
 * Apply cand, a changed copy of c->store (gw_store_clone() + puts and
 * deletes): all of it, or none. Compiles it, refuses it when a resource
 * it touched is rejected or the Dataplane changed, builds and saves and
 * publishes the snapshot, waits for the workers to take it, commits the
 * store. cand is consumed.
 * @param body  the answer: a report (configVersion, resourceVersion,
 *   compileMs, publishMs, changed, deleted, warnings) or a Kubernetes
 *   Status with causes {resource, field (a JSON pointer), message}.
 * @return the HTTP status: 200, 422, 500.
 */
unsigned gw_ctrl_apply(struct gw_ctrl *c, struct gw_store *cand,
		       json_t **body);

/** A Kubernetes-style Status of a failure; causes (consumed) may be NULL. */
json_t *gw_ctrl_status_failure(unsigned code, const char *reason,
			       const char *msg, json_t *causes);

/**
 * Watch the configuration path (c->config_path: a folder, or a file's
 * folder) and apply its changes like an API apply (watch.c).
 * @return 0, or -errno with a message in err.
 */
/**
 * Rebuild the configuration when a file of an HTTPS server changed on
 * disk (checked every 2 s; certs.c). Ctrl tick.
 */
void gw_ctrl_certs_tick(struct gw_ctrl *c);

int gw_ctrl_watch_start(struct gw_ctrl *c, char *err, size_t errlen);
void gw_ctrl_watch_stop(struct gw_ctrl *c);
/** The inotify fd to poll, -1 without a watch. */
int gw_ctrl_watch_fd(const struct gw_ctrl *c);
/** max_ms, or less when a settled change is due sooner. */
int gw_ctrl_watch_timeout_ms(const struct gw_ctrl *c, int max_ms);
/** Read the events; reload when a change has settled. */
void gw_ctrl_watch_run(struct gw_ctrl *c);

#endif /* GW_CTRL_H */
