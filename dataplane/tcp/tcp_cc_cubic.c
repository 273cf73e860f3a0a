/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcp_cc_cubic — CUBIC (RFC 9438): after a loss the window follows
 * W(t) = C (t - K)^3 + W_max, with C = 0.4, beta = 0.7, fast convergence,
 * and the Reno-friendly estimate as a floor. Windows are in bytes here;
 * the cubic function works in segments and seconds. Worker thread.
 */
#include <math.h>

#include <rte_common.h>

#include "tcp_cc.h"
#include "tcp_priv.h"

#define CUBIC_C 0.4
#define CUBIC_BETA 0.7
/* RFC 9438 §4.3: alpha_cubic = 3 (1 - beta) / (1 + beta) */
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))

static void
cubic_init(struct gw_tcp_conn *c)
{
	c->cc.cubic.w_max = 0;
	c->cc.cubic.epoch_us = 0;
}

static void
cubic_ack(struct gw_tcp_conn *c, uint32_t acked, uint64_t now_us)
{
	struct tcp_cubic *s = &c->cc.cubic;
	double mss = c->mss, cwnd = c->cwnd, t, target, w_est;

	if (c->cwnd < c->ssthresh) { /* slow start (RFC 9438 §4.10) */
		c->cwnd += RTE_MIN(acked, 2u * c->mss);
		return;
	}
	if (s->epoch_us == 0) { /* first ACK of this congestion avoidance */
		s->epoch_us = now_us;
		if (s->w_max < c->cwnd) {
			s->k = 0.0;
			s->w_max = c->cwnd;
		} else {
			s->k = cbrt((s->w_max - cwnd) / mss / CUBIC_C);
		}
		s->w_est = c->cwnd;
	}
	/* §4.2: target for one RTT ahead */
	t = (double)(now_us - s->epoch_us + c->srtt_us) / 1e6;
	target = (CUBIC_C * (t - s->k) * (t - s->k) * (t - s->k)) * mss +
		 s->w_max;
	target = RTE_MIN(RTE_MAX(target, cwnd), 1.5 * cwnd); /* §4.2 bounds */
	/* §4.3: Reno-friendly region */
	s->w_est += CUBIC_ALPHA * mss * acked / cwnd;
	w_est = s->w_est;
	if (w_est > target)
		target = w_est;
	if (target > cwnd)
		c->cwnd += (uint32_t)RTE_MAX((target - cwnd) * acked / cwnd, 1.0);
}

static void
cubic_loss(struct gw_tcp_conn *c, uint64_t now_us)
{
	struct tcp_cubic *s = &c->cc.cubic;
	uint32_t cwnd = RTE_MAX(c->cwnd, 2u * c->mss);

	(void)now_us;
	/* §4.7 fast convergence */
	if (cwnd < s->w_max)
		s->w_max = (uint32_t)(cwnd * (1.0 + CUBIC_BETA) / 2.0);
	else
		s->w_max = cwnd;
	c->ssthresh = RTE_MAX((uint32_t)(cwnd * CUBIC_BETA), 2u * c->mss);
	s->epoch_us = 0;
}

const struct gw_tcp_cc_ops gw_tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.ack = cubic_ack,
	.loss = cubic_loss,
};
