/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl/api — the admin HTTP API (libmicrohttpd, driven from the control
 * thread's own poll loop through its epoll fd; no MHD threads):
 *   GET /ready              200 "LIVE" or 503 with the reason (no token)
 *   GET /api/v1/status      JSON: version, uptime, workers, ports, drops,
 *                           neighbours
 *   GET /stats/prometheus   the same counters in Prometheus text format
 *   GET /config_dump        the loaded resources as JSON
 * Every endpoint but /ready needs "Authorization: Bearer <token>" when a
 * token file is configured. Errors are JSON {"error":…, "status":…}.
 * Control thread only.
 */
#ifndef GW_API_H
#define GW_API_H

#include <stddef.h>

struct gw_ctrl;
struct gw_api;

/**
 * Listen on the Dataplane's admin address.
 * @return 0 and *out, or -errno with a message in err (e.g. port in use).
 */
int gw_api_create(struct gw_ctrl *c, struct gw_api **out, char *err,
		  size_t errlen);

/** Stop listening, close connections; NULL is a no-op. */
void gw_api_free(struct gw_api *api);

/** The fd to poll for POLLIN. */
int gw_api_fd(const struct gw_api *api);

/** The poll timeout to use: `max_ms` or less if MHD needs to run sooner. */
int gw_api_timeout_ms(const struct gw_api *api, int max_ms);

/** Serve whatever is ready, without blocking. */
void gw_api_run(struct gw_api *api);

#endif /* GW_API_H */
