/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to dataplane/tcp: congestion control behind one ops struct, one
 * file per algorithm (tcp_cc_newreno.c, tcp_cc_cubic.c), chosen per worker
 * from spec.tcp.congestionControl. The algorithm decides how cwnd grows
 * and what ssthresh becomes on a loss; the recovery mechanics around it
 * (fast retransmit, NewReno partial ACKs, RTO) stay in tcp_input.c and
 * tcp_output.c. Worker thread.
 */
#ifndef TCP_CC_H
#define TCP_CC_H

#include <stdint.h>

struct gw_tcp_conn;

struct gw_tcp_cc_ops {
	const char *name;
	/** The connection is established: initial cwnd already set. */
	void (*init)(struct gw_tcp_conn *c);
	/** `acked` new bytes acknowledged outside recovery. */
	void (*ack)(struct gw_tcp_conn *c, uint32_t acked, uint64_t now_us);
	/** Loss detected (fast retransmit or RTO): set ssthresh. */
	void (*loss)(struct gw_tcp_conn *c, uint64_t now_us);
};

extern const struct gw_tcp_cc_ops gw_tcp_cc_newreno;
extern const struct gw_tcp_cc_ops gw_tcp_cc_cubic;

#endif /* TCP_CC_H */
