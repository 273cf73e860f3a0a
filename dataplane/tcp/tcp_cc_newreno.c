/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcp_cc_newreno — RFC 5681 slow start and congestion avoidance; loss
 * halves the flight (RFC 5681 eq. 4). With RFC 6582's recovery in
 * tcp_input.c this is NewReno. Worker thread.
 */
#include <rte_common.h>

#include "tcp_cc.h"
#include "tcp_priv.h"

static void
newreno_init(struct gw_tcp_conn *c)
{
	(void)c;
}

static void
newreno_ack(struct gw_tcp_conn *c, uint32_t acked, uint64_t now_us)
{
	(void)now_us;
	if (c->cwnd < c->ssthresh) /* slow start, eq. 2 with L = 2 */
		c->cwnd += RTE_MIN(acked, 2u * c->mss);
	else /* congestion avoidance, eq. 3 */
		c->cwnd += RTE_MAX((uint32_t)c->mss * c->mss / c->cwnd, 1u);
}

static void
newreno_loss(struct gw_tcp_conn *c, uint64_t now_us)
{
	(void)now_us;
	c->ssthresh = RTE_MAX((c->snd_max - c->snd_una) / 2, 2u * c->mss);
}

const struct gw_tcp_cc_ops gw_tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.ack = newreno_ack,
	.loss = newreno_loss,
};
