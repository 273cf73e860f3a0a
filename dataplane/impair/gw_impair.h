/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/impair — a seeded network impairment stage on a port's RX and
 * TX paths (drop, reorder, duplicate, delay), in the spirit of VPP's nsim:
 * this machine's kernel has no netem, and real networks do all of it.
 * Configured per port (spec.ports[].impairment), off by default; only
 * impaired ports pay for it. Per worker, no locks. Worker thread, except
 * create/free (ctrl).
 */
#ifndef GW_IMPAIR_H
#define GW_IMPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "gw_config.h"

#define GW_IMPAIR_QLEN 8192   /* packets in one direction's delay line */
#define GW_IMPAIR_HOLD_MS 20 /* a reordered packet waits at most this long */

struct gw_worker;

struct gw_impair_dir {
	uint32_t drop;	/* probabilities as fractions of 2^32 */
	uint32_t reorder;
	uint32_t dup;
	uint64_t delay_tsc;
	uint64_t hold_tsc;
	struct rte_mbuf *held; /* reordered: waits for the next packet */
	uint64_t held_until;
	uint32_t head; /* delay line: FIFO, due times non-decreasing */
	uint32_t n;
	struct {
		struct rte_mbuf *m;
		uint64_t due;
	} q[GW_IMPAIR_QLEN];
};

struct gw_impair {
	uint64_t rng; /* xorshift64* state */
	struct gw_impair_dir rx;
	struct gw_impair_dir tx;
};

/** Build a port's impairment for one worker (ctrl). NULL if not impaired. */
struct gw_impair *gw_impair_create(const struct gw_config_port *cfg,
				   uint16_t worker, uint64_t tsc_hz);
/** Free it and every packet it holds; NULL is a no-op. */
void gw_impair_free(struct gw_impair *im);

/**
 * Impair a burst (consumed) and return, in pkts[0..return), the packets
 * that are due now (at most cap): some of this
 * burst, delayed ones from before, duplicates. Drops are counted as
 * impair_drop on `port`.
 */
uint16_t gw_impair_process(struct gw_worker *w, uint16_t port,
			   struct gw_impair *im, bool tx, struct rte_mbuf **pkts,
			   uint16_t n, uint16_t cap);

#endif /* GW_IMPAIR_H */
