/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collect — sum per-worker counters. Each counter is a 64-bit word that
 * only its worker writes; a relaxed atomic load reads it whole. Control
 * thread only.
 */
#include <string.h>

#include "gw_stats.h"

static inline uint64_t
rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
gw_stats_collect(const struct gw_dp *dp, struct gw_stats *s)
{
	unsigned w, p, k;

	memset(s, 0, sizeof(*s));
	s->n_ports = dp->n_ports;
	s->n_workers = dp->n_workers;
	for (w = 0; w < dp->n_workers; w++) {
		const struct gw_worker_stats *ws = &dp->workers[w]->stats;
		const struct gw_tcp_stats *ts = gw_tcp_stats_get(dp->workers[w]);
		const struct gw_proxy_stats *ps =
			gw_proxy_stats_get(dp->workers[w]);
		const struct gw_tls_stats *ls = gw_tls_stats_get(dp->workers[w]);
		struct gw_stats_worker *o = &s->worker[w];

		if (ts != NULL) {
#define SUM(f, help) s->tcp.f += rd(&ts->f);
			GW_TCP_STATS(SUM)
#undef SUM
		}
		if (ps != NULL) {
#define SUM(f, help) s->proxy.f += rd(&ps->f);
			GW_PROXY_STATS(SUM)
#undef SUM
		}
		if (ls != NULL) {
#define SUM(f, help) s->tls.f += rd(&ls->f);
			GW_TLS_STATS(SUM)
#undef SUM
		}

		o->loops = rd(&ws->loops);
		o->busy_loops = rd(&ws->busy_loops);
		o->busy_cycles = rd(&ws->busy_cycles);
		o->idle_cycles = rd(&ws->idle_cycles);
		o->device_cycles = rd(&ws->device_cycles);
		for (p = 0; p < dp->n_ports; p++) {
			for (k = 0; k < GW_CNT_MAX; k++)
				s->port[p].cnt[k] += rd(&ws->cnt[p][k]);
			for (k = 0; k < GW_DROP_MAX; k++) {
				uint64_t v = rd(&ws->drop[p][k]);

				s->port[p].drop[k] += v;
				o->drops += v;
			}
		}
	}
}
