/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RANDOM: each pick draws an endpoint with probability proportional to its
 * weight among the available ones. O(1) with equal weights, O(log n)
 * otherwise (binary search of the cumulative weights); unavailable draws
 * are retried, then scanned for (lb_random_avail()).
 */
#include <stdint.h>

#include "gw_lb.h"
#include "lb_priv.h"

static int
random_pick(const struct gw_lb *lb, struct lb_state *st,
	    const struct gw_lb_pick_ctx *ctx)
{
	return lb_random_avail(lb, st, ctx->avail);
}

const struct gw_lb_ops lb_random_ops = {
	.name = "RANDOM",
	.pick = random_pick,
};
