/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCP ports (Gateway servers with protocol TCP, or TLS terminated into
 * tcp routes): at accept the session takes the first VirtualService tcp
 * route whose match holds for the connection (the address the client
 * connected to against destinationSubnets, its own against
 * sourceSubnet), a destination by weight, and connects; from then on it
 * is a tunnel (proxy.c's tunnel pump), as Envoy's TCP proxy: bytes both
 * ways with back-pressure, a FIN passed on once what came before it is
 * through, DestinationRule tcp.idleTimeout. Server-first protocols work:
 * nothing waits for the client's first byte. A connection no route takes
 * is closed with a FIN. Also the weighted choice TLS passthrough uses,
 * and the tunnel pump every tunnel runs (TCP ports, passthrough, 101).
 * Owning worker only.
 */
#include "proxy_priv.h"

const struct gw_mesh_l4_dest *
proxy_l4_dest(struct gw_proxy_wrk *pw, const struct gw_mesh_l4_dest *dests,
	      uint32_t n, uint64_t weight_sum)
{
	uint64_t x = proxy_rand(pw) % weight_sum;
	uint32_t i;

	for (i = 0; i + 1 < n; i++) {
		if (x < dests[i].weight)
			break;
		x -= dests[i].weight;
	}
	return &dests[i];
}

bool
proxy_l4_connect(struct proxy_sess *s, const struct gw_mesh_l4_dest *dests,
		 uint32_t n, uint64_t weight_sum)
{
	struct gw_proxy_wrk *pw = s->pw;
	const struct gw_mesh_l4_dest *d;

	d = proxy_l4_dest(pw, dests, n, weight_sum);
	if (d->cluster == GW_MESH_NO_CLUSTER) {
		pw->stats.no_cluster++;
		proxy_obs_flag(s, GW_ALOG_F(NC), GW_ALOG_D_CLUSTER_NOT_FOUND);
		proxy_sess_end(s);
		return false;
	}
	proxy_obs_dest(s, d->cluster);
	/* REQ_TUNNEL once attached; a failure closes (proxy_local_reply) */
	proxy_connect_upstream(s, d->cluster);
	return true;
}

void
proxy_tcp_route(struct proxy_sess *s)
{
	struct gw_proxy_wrk *pw = s->pw;
	const struct gw_mesh_listener *ml = s->lis->ml;
	const struct gw_mesh_tcp_route *r;

	r = gw_mesh_tcp_route_find(ml->tcp_routes, ml->n_tcp_routes,
				   s->peer_ip, s->local_ip);
	if (r == NULL) {
		/* Envoy finds no filter chain: the connection is closed */
		pw->stats.tcp_no_route++;
		proxy_obs_flag(s, GW_ALOG_F(NR), GW_ALOG_D_SNI_NOT_FOUND);
		proxy_sess_end(s);
		return;
	}
	proxy_obs_set(s, GW_ALOG_S_ROUTE, r->name, strlen(r->name));
	pw->stats.tcp_cx++;
	(void)proxy_l4_connect(s, r->dests, r->n_dests, r->weight_sum);
}

/* ---- the tunnel ----------------------------------------------------------- */

bool
proxy_tunnel_pump(struct proxy_sess *s, struct rte_mempool *pool)
{
	if (s->up == NULL && s->in.len > 0) {
		/* nobody to give it to */
		uint32_t n = s->in.len;

		chain_free(&s->in);
		gw_tcp_recv_done(s->down, n);
	}
	if (s->in.len > 0) {
		uint32_t n = q_take(&s->upq, &s->in, s->in.len, s->down, pool);

		s->ob.rx += n;
		if (s->ob.tcp != NULL)
			s->ob.tcp->tcp_rx += n;
	}
	if (s->up != NULL && s->up_connected &&
	    q_flush(&s->upq, s->up, NULL) < 0) {
		gw_tcp_abort(s->down);
		return false;
	}
	if (s->down_eof && s->up != NULL && !s->up_shut && s->in.len == 0 &&
	    s->upq.len == 0) {
		s->up_shut = true;
		gw_tcp_shutdown(s->up);
	}
	if (s->rin.len > 0) {
		uint32_t n = q_take(&s->downq, &s->rin, s->rin.len, s->up,
				    pool);

		s->ob.tx += n;
		if (s->ob.tcp != NULL)
			s->ob.tcp->tcp_tx += n;
	}
	if (q_flush(&s->downq, s->down, NULL) < 0) {
		gw_tcp_abort(s->down);
		return false;
	}
	if ((s->up_eof || s->up == NULL) && !s->shut_down &&
	    s->rin.len == 0 && s->downq.len == 0) {
		s->shut_down = true;
		gw_tcp_shutdown(s->down);
	}
	return true;
}
