/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impair — the impairment stage. Each packet draws from a per-worker
 * xorshift64* generator seeded from the configuration, so a run can be
 * repeated: dropped (counted as impair_drop), or else duplicated (a deep
 * copy follows it), then either held back behind the next packet
 * (reorder; released after GW_IMPAIR_HOLD_MS if none comes) or put on the
 * delay line, which releases packets in order once due.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "gw_impair.h"
#include "gw_worker.h"

static inline bool
draw(struct gw_impair *im, uint32_t p)
{
	return p != 0 && (uint32_t)(gw_worker_rand(&im->rng) >> 32) < p;
}

static uint32_t
fraction(double pct)
{
	double f = pct / 100.0 * 4294967296.0;

	return f >= 4294967295.0 ? UINT32_MAX : (uint32_t)f;
}

static void
dir_init(struct gw_impair_dir *d, const struct gw_config_impair *c,
	 uint64_t tsc_hz)
{
	d->drop = fraction(c->drop_pct);
	d->reorder = fraction(c->reorder_pct);
	d->dup = fraction(c->duplicate_pct);
	d->delay_tsc = tsc_hz / 1000 * c->delay_ms;
	d->hold_tsc = tsc_hz / 1000 * GW_IMPAIR_HOLD_MS;
}

struct gw_impair *
gw_impair_create(const struct gw_config_port *cfg, uint16_t worker,
		 uint64_t tsc_hz)
{
	struct gw_impair *im;

	if (!cfg->impaired)
		return NULL;
	im = rte_zmalloc("gw_impair", sizeof(*im), RTE_CACHE_LINE_SIZE);
	if (im == NULL)
		return NULL;
	/* distinct, repeatable streams per worker; never the all-zero state */
	im->rng = (cfg->impair_seed + 1) * 0x9e3779b97f4a7c15ull + worker + 1;
	dir_init(&im->rx, &cfg->impair_rx, tsc_hz);
	dir_init(&im->tx, &cfg->impair_tx, tsc_hz);
	return im;
}

static void
dir_purge(struct gw_impair_dir *d)
{
	while (d->n > 0) {
		rte_pktmbuf_free(d->q[d->head].m);
		d->head = (d->head + 1) % GW_IMPAIR_QLEN;
		d->n--;
	}
	rte_pktmbuf_free(d->held); /* NULL-safe */
	d->held = NULL;
}

void
gw_impair_free(struct gw_impair *im)
{
	if (im == NULL)
		return;
	dir_purge(&im->rx);
	dir_purge(&im->tx);
	rte_free(im);
}

/* Append to the delay line; a full line drops (counted). */
static void
line_push(struct gw_worker *w, uint16_t port, struct gw_impair_dir *d,
	  struct rte_mbuf *m, uint64_t now)
{
	if (d->n == GW_IMPAIR_QLEN) {
		gw_worker_drop(w, port, m, GW_DROP_IMPAIR_DROP);
		return;
	}
	d->q[(d->head + d->n) % GW_IMPAIR_QLEN].m = m;
	d->q[(d->head + d->n) % GW_IMPAIR_QLEN].due = now + d->delay_tsc;
	d->n++;
}

uint16_t
gw_impair_process(struct gw_worker *w, uint16_t port, struct gw_impair *im,
		  bool tx, struct rte_mbuf **pkts, uint16_t n, uint16_t cap)
{
	struct gw_impair_dir *d = tx ? &im->tx : &im->rx;
	uint64_t now = w->now;
	uint16_t i, out = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *copy;

		if (draw(im, d->drop)) {
			gw_worker_drop(w, port, m, GW_DROP_IMPAIR_DROP);
			continue;
		}
		if (draw(im, d->dup)) {
			copy = rte_pktmbuf_copy(m, w->dp->pool, 0, UINT32_MAX);
			if (copy != NULL) {
				gw_worker_cnt_add(w, port, GW_CNT_IMPAIR_DUP, 1);
				line_push(w, port, d, copy, now);
			}
		}
		if (d->held == NULL && draw(im, d->reorder)) {
			gw_worker_cnt_add(w, port, GW_CNT_IMPAIR_REORDER, 1);
			d->held = m;
			d->held_until = now + d->hold_tsc;
			continue;
		}
		line_push(w, port, d, m, now);
		if (d->held != NULL) { /* it now goes after this one */
			line_push(w, port, d, d->held, now);
			d->held = NULL;
		}
	}
	if (d->held != NULL && now >= d->held_until) {
		line_push(w, port, d, d->held, now);
		d->held = NULL;
	}
	while (d->n > 0 && out < cap && d->q[d->head].due <= now) {
		pkts[out++] = d->q[d->head].m;
		d->head = (d->head + 1) % GW_IMPAIR_QLEN;
		d->n--;
	}
	return out;
}
