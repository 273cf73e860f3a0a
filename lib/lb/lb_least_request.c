/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LEAST_REQUEST: power of two choices (Mitzenmacher). Draw two candidates
 * among the available endpoints, keep the less loaded one. Two random
 * candidates avoid the herd that a global "fewest active" would send to
 * one newly idle endpoint from every worker at once.
 *
 * Weights: candidates are drawn in proportion to weight, and load is
 * compared per unit of weight, active / weight: the inverse of Envoy's
 * weight / (active + 1)^bias with bias 1.0, minus the +1. Without the +1,
 * two idle candidates tie and the first draw wins, so an idle cluster is
 * balanced exactly by weight, and load then steers away from busy
 * endpoints. With equal weights the rule is "fewer active requests wins".
 * A tie keeps the first candidate. The two draws may be the same endpoint.
 *
 * Active counts come from the caller, per request (ctx->active); without
 * them every endpoint counts as idle and the pick is weighted random.
 */
#include <stdint.h>

#include "gw_lb.h"
#include "lb_priv.h"

static int
lr_pick(const struct gw_lb *lb, struct lb_state *st,
	const struct gw_lb_pick_ctx *ctx)
{
	const uint32_t *act = ctx->active;
	int a, b;

	a = lb_random_avail(lb, st, ctx->avail);
	if (a < 0 || act == NULL)
		return a;
	b = lb_random_avail(lb, st, ctx->avail);
	/* act[b] / w[b] < act[a] / w[a], cross-multiplied: both products are
	 * below 2^32 * 2^31, no overflow */
	if ((uint64_t)act[b] * lb->weight[a] < (uint64_t)act[a] * lb->weight[b])
		return b;
	return a;
}

const struct gw_lb_ops lb_least_request_ops = {
	.name = "LEAST_REQUEST",
	.pick = lr_pick,
};
