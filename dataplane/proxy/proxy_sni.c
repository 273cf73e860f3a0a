/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS passthrough (Gateway servers in tls.mode PASSTHROUGH): a session of
 * such a port reads the client's first bytes until they hold a whole
 * ClientHello (lib/tls, without OpenSSL), takes the route whose SNI
 * pattern fits the server name best, a destination by weight, and
 * connects; from then on it is a tunnel (proxy.c's tunnel pump): the
 * ClientHello and everything after it go to the endpoint untouched, and
 * the endpoint's bytes come back, so the client sees the backend's
 * certificate. No SNI, an SNI no route has, or bytes that are not a
 * ClientHello get a FIN. Owning worker only.
 */
#include <string.h>

#include "gw_tls_hello.h"
#include "proxy_priv.h"

_Static_assert(PROXY_SCRATCH >= GW_TLS_HELLO_MAX &&
	       PROXY_HEAD_MAX >= GW_TLS_HELLO_IN_MAX,
	       "the worker's buffers hold a ClientHello and its records");

/* The route whose pattern matches sni best (a name, then the longest
 * "*.suffix", then "*"); the first of equals. NULL: none. */
static const struct gw_mesh_sni_route *
sni_route(const struct gw_mesh_listener *ml, const char *sni)
{
	const struct gw_mesh_sni_route *best = NULL;
	int32_t best_rank = -1;
	uint32_t i;

	for (i = 0; i < ml->n_sni_routes; i++) {
		int32_t r = gw_tls_sni_rank(ml->sni_routes[i].sni, sni);

		if (r > best_rank) {
			best_rank = r;
			best = &ml->sni_routes[i];
		}
	}
	return best;
}

void
proxy_sni_pump(struct proxy_sess *s)
{
	struct gw_proxy_wrk *pw = s->pw;
	const struct gw_mesh_sni_route *r;
	struct gw_tls_hello h;
	uint32_t n = s->in.len;
	int rc;

	if (s->pending || n == 0)
		return;	/* waiting for a connection slot, or for bytes */
	if (n > GW_TLS_HELLO_IN_MAX)
		n = GW_TLS_HELLO_IN_MAX;
	/* the hello is usually one segment: copying it whole each time
	 * more arrives costs less than keeping parser state */
	chain_copy(&s->in, 0, n, pw->head);
	rc = gw_tls_hello_parse(pw->head, n, pw->scratch, &h);
	if (rc == GW_TLS_HELLO_MORE && n < GW_TLS_HELLO_IN_MAX &&
	    !s->down_eof)
		return;
	if (rc != GW_TLS_HELLO_OK) {
		pw->stats.passthrough_bad_hello++;
		proxy_obs_flag(s, GW_ALOG_F(DPE), GW_ALOG_D_BAD_REQUEST);
		proxy_sess_end(s);
		return;
	}
	proxy_obs_set(s, GW_ALOG_S_SNI, h.sni, strlen(h.sni));
	/* no SNI matches only a "*" route */
	r = sni_route(s->lis->ml, h.sni);
	if (r == NULL) {
		/* Envoy finds no filter chain: the connection is closed */
		pw->stats.passthrough_no_route++;
		proxy_obs_flag(s, GW_ALOG_F(NR), GW_ALOG_D_SNI_NOT_FOUND);
		proxy_sess_end(s);
		return;
	}
	proxy_obs_set(s, GW_ALOG_S_ROUTE, r->name, strlen(r->name));
	s->head_seen = false;
	if (proxy_l4_connect(s, r->dests, r->n_dests, r->weight_sum))
		pw->stats.passthrough_cx++;
}
