/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ROUND_ROBIN: smooth weighted round robin, the scheme nginx uses for
 * upstreams. Each available endpoint's current weight grows by its weight,
 * the largest current weight wins and loses the sum of the weights that
 * took part. Over any window the picks follow the weights, and heavy
 * endpoints are interleaved with light ones instead of picked in bursts:
 * weights 5, 1, 1 give a a b a c a a.
 *
 * nginx also lowers an endpoint's effective weight after failures; here
 * failures reach the balancer only as availability bits (outlier ejection
 * happens upstream), so the configured weight is used as is.
 *
 * With equal weights the scheme is plain round robin, done in O(1):
 * st->next is the next endpoint, moved past unavailable ones. Otherwise
 * a pick visits every endpoint, O(n), with current weights in the worker's
 * state. Ties go to the first endpoint in visiting order, which starts at
 * seed % n (gw_lb_state_init()).
 */
#include <errno.h>
#include <stdint.h>

#include "gw_lb.h"
#include "lb_priv.h"

/* Plain round robin: the first available endpoint at or after st->next,
 * found a bitmap word at a time. */
static int
rr_pick(const struct gw_lb *lb, struct lb_state *st, const uint64_t *avail)
{
	uint32_t n = lb->n, i = st->next, w, words, k;
	uint64_t m;

	if (avail != NULL) {
		words = (uint32_t)GW_LB_AVAIL_WORDS(n);
		w = i >> 6;
		/* word of i without the bits below i, then the following
		 * words, wrapping once: words + 1 reads in all */
		m = avail[w] & (~UINT64_C(0) << (i & 63));
		for (k = 0;; k++) {
			if (w == words - 1 && (n & 63) != 0)
				m &= (UINT64_C(1) << (n & 63)) - 1;
			if (m != 0)
				break;
			if (k == words)
				return -EHOSTUNREACH;
			w = w + 1 == words ? 0 : w + 1;
			m = avail[w];
		}
		i = w * 64 + (uint32_t)__builtin_ctzll(m);
	}
	st->next = i + 1 == n ? 0 : i + 1;
	return (int)i;
}

/* Visit endpoint i: grow its current weight and keep the largest. */
static inline void
wrr_visit(const struct gw_lb *lb, struct lb_state *st, const uint64_t *avail,
	  uint32_t i, int64_t *sum, int *best)
{
	if (!lb_is_avail(avail, i))
		return;
	st->cur[i] += lb->weight[i];
	*sum += lb->weight[i];
	if (*best < 0 || st->cur[i] > st->cur[*best])
		*best = (int)i;
}

static int
wrr_pick(const struct gw_lb *lb, struct lb_state *st,
	 const struct gw_lb_pick_ctx *ctx)
{
	uint32_t i, start = st->next;
	int64_t sum = 0;
	int best = -1;

	if (lb->equal)
		return rr_pick(lb, st, ctx->avail);
	for (i = start; i < lb->n; i++)
		wrr_visit(lb, st, ctx->avail, i, &sum, &best);
	for (i = 0; i < start; i++)
		wrr_visit(lb, st, ctx->avail, i, &sum, &best);
	if (best < 0)
		return -EHOSTUNREACH;
	st->cur[best] -= sum;
	return best;
}

const struct gw_lb_ops lb_wrr_ops = {
	.name = "ROUND_ROBIN",
	.pick = wrr_pick,
	.per_ep_state = true,
};
