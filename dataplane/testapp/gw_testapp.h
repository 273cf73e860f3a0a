/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/testapp — TCP test applications on the gateway's own TCP, for
 * tests and benchmarks (spec.testListeners): `echo` sends back what
 * arrives, `discard` reads and drops (RFC 863), `source` sends N bytes of
 * a fixed pattern (byte i is i mod 251) and closes. Each honours
 * back-pressure: echo holds what TCP cannot take and stops reading until
 * it can. Worker thread; gw_testapp_start on ctrl before launch.
 */
#ifndef GW_TESTAPP_H
#define GW_TESTAPP_H

#include <stddef.h>

#include "gw_config.h"
#include "gw_worker.h"

/** Listen on every configured test listener on worker w. @return 0/-errno. */
int gw_testapp_start(struct gw_worker *w, const struct gw_config_dataplane *cfg);

/**
 * Open this worker's share of the configured test clients (the worker
 * itself, as its loop starts).
 */
void gw_testapp_worker_start(struct gw_worker *w,
			     const struct gw_config_dataplane *cfg);

/**
 * Check that every test client's address is reachable from some port
 * (ctrl, at start). @return 0, or -EHOSTUNREACH with a message.
 */
int gw_testapp_check(const struct gw_dp *dp,
		     const struct gw_config_dataplane *cfg, char *err,
		     size_t errlen);

/** Byte at offset `off` of the source pattern. */
static inline uint8_t
gw_testapp_pattern(uint64_t off)
{
	return (uint8_t)(off % 251);
}

#endif /* GW_TESTAPP_H */
