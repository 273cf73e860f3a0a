/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/proxy attempts: what each upstream attempt's outcome tells
 * the endpoint's counters and outlier detection, and whether a failed
 * attempt is retried (VirtualService retries, with Envoy's meaning of the
 * retryOn tokens, DestinationRule http.maxRetries). Worker thread.
 */
#include <stdbool.h>
#include <stdint.h>

#include "proxy_priv.h"

void
proxy_outcome(struct proxy_sess *s, int status)
{
	struct proxy_cluster *pc;

	if (s->endpoint < 0 || s->cluster >= s->gen->n_clusters)
		return;
	pc = &s->gen->clusters[s->cluster];
	pc->ep[s->endpoint].rq_total++;
	if (status >= 500)
		pc->ep[s->endpoint].rq_error++;
	gw_health_outcome(pc->hc, (uint32_t)s->endpoint, status);
}

void
proxy_retry_release(struct proxy_sess *s)
{
	struct proxy_cluster *pc;

	if (!s->retry_counted)
		return;
	s->retry_counted = false;
	pc = &s->gen->clusters[s->cluster];
	if (pc->retries_active > 0)
		pc->retries_active--;
}

/* Whether retryOn covers a response status. */
static bool
status_retriable(const struct gw_route_retry *r, int status)
{
	uint32_t i;

	if ((r->on & GW_ROUTE_RETRY_5XX) && status >= 500)
		return true;
	if ((r->on & GW_ROUTE_RETRY_GATEWAY_ERROR) && status >= 502 &&
	    status <= 504)
		return true;
	if ((r->on & GW_ROUTE_RETRY_RETRIABLE_4XX) && status == 409)
		return true;
	if (r->on & GW_ROUTE_RETRY_RETRIABLE_STATUS_CODES)
		for (i = 0; i < r->n_codes; i++)
			if (r->codes[i] == status)
				return true;
	return false;
}

/* Whether retryOn covers a failure. */
static bool
fail_retriable(const struct gw_route_retry *r, enum proxy_fail cause,
	       int status)
{
	/* Envoy: 5xx and gateway-error include connect failures, resets
	 * and per-try timeouts; reset covers all three */
	uint32_t any = GW_ROUTE_RETRY_5XX | GW_ROUTE_RETRY_GATEWAY_ERROR |
		       GW_ROUTE_RETRY_RESET;

	switch (cause) {
	case FAIL_CONNECT:
		return (r->on & (any | GW_ROUTE_RETRY_CONNECT_FAILURE |
				 GW_ROUTE_RETRY_RESET_BEFORE_REQUEST)) != 0;
	case FAIL_RESET:
	case FAIL_TIMEOUT:
		return (r->on & any) != 0;
	case FAIL_STATUS:
		return status_retriable(r, status);
	}
	return false;
}

bool
proxy_retry(struct proxy_sess *s, enum proxy_fail cause, int status,
	    bool conn_gone)
{
	struct gw_proxy_wrk *pw = s->pw;
	const struct gw_route_retry *r;
	struct proxy_cluster *pc;
	struct chain keep;
	uint64_t cap, backoff;
	uint32_t n;

	if (s->route == NULL || s->resp_started || !s->replay_ok ||
	    s->down == NULL || s->req == REQ_DISCARD || s->upgrade ||
	    s->cluster >= s->gen->n_clusters)
		return false;
	r = &gw_route_action(s->route)->retry;
	if (s->retries >= r->attempts || !fail_retriable(r, cause, status)) {
		if (s->retries > 0 && s->retries >= r->attempts &&
		    fail_retriable(r, cause, status))
			proxy_obs_flag(s, GW_ALOG_F(URX), GW_ALOG_D_NONE);
		return false;
	}
	n = s->retries + 1u;
	cap = ((UINT64_C(1) << (n < 8 ? n : 8)) - 1) * PROXY_RETRY_BASE_MS;
	if (cap > PROXY_RETRY_MAX_MS)
		cap = PROXY_RETRY_MAX_MS;
	backoff = 1 + proxy_rand(pw) % cap;
	if (s->dl_route != 0 && pw->now_ms + backoff >= s->dl_route)
		return false;	/* the route timeout comes first */
	pc = &s->gen->clusters[s->cluster];
	if (!s->retry_counted) {
		/* DestinationRule http.maxRetries: retries under way */
		if (pc->retries_active >= pc->max_retries) {
			pw->stats.upstream_rq_retry_overflow++;
			return false;
		}
		pc->retries_active++;
		s->retry_counted = true;
	}
	s->retries = (uint16_t)n;
	pw->stats.upstream_rq_retry++;
	/* let go of the attempt; what it was sent goes out again first */
	keep = s->upq;
	s->upq = (struct chain){ NULL, NULL, 0 };
	if (conn_gone)
		proxy_up_forget(s);
	else
		proxy_up_detach(s, true);
	chain_join(&s->upq, &s->replay);
	chain_join(&s->upq, &keep);
	chain_free(&s->rin);
	s->rin_fed = 0;
	s->rin_body = 0;
	s->resp = RESP_HEAD;	/* still in flight: the timeouts run */
	s->dl_try = 0;
	s->dl_retry = pw->now_ms + backoff;
	return true;
}
