/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MAGLEV: consistent hashing through a lookup table (Eisenbud et al.,
 * "Maglev: A Fast and Reliable Software Network Load Balancer", NSDI 2016,
 * section 3.4), as Envoy's Maglev balancer (Istio consistentHash.maglev).
 *
 * The table has M entries, M prime. Endpoint i has a preference list, the
 * permutation offset_i, offset_i + skip_i, offset_i + 2 skip_i, ... (mod
 * M), where offset and skip are hashes of the endpoint's id alone (skip in
 * 1..M-1, so with M prime the list visits every entry). Endpoints take
 * turns claiming the next free entry of their list until the table is
 * full. A request goes to table[hash mod M], one load.
 *
 * Weights, as Envoy does it: endpoint i claims its k-th entry (k = 1, 2,
 * ...) in round ceil(k * wmax / w_i), so after any round the claims are in
 * proportion to the weights; within a round, lower indices go first. A
 * heap ordered by (round, index) replays that order without visiting
 * endpoints that sit a round out, so build time does not grow with the
 * weight spread.
 *
 * Because lists depend on ids only, removing one of n endpoints frees its
 * ~M/n entries for the others and otherwise changes few entries; the
 * shifted turn order moves some more (unit tests, M = 65537: 1.0/n of the
 * keys for n = 10, 1.6/n for n = 100).
 *
 * Unavailable endpoints: the lookup walks forward in the table to the next
 * entry of an available endpoint (entries are well mixed, so this is
 * usually one or two steps), up to LB_WALK_MAX, then falls back to a
 * weighted choice among the available endpoints driven by the hash.
 *
 * Cost: build O(M log M) expected, control thread, reusing the table
 * memory on update; pick O(1). Memory: 2 bytes per entry (128 KB at the
 * default size).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "gw_lb.h"
#include "lb_priv.h"

#define MAGLEV_EMPTY UINT16_MAX /* never an index: n <= 65535 */

struct maglev {
	uint16_t *table; /* size entries, endpoint indices */
	uint32_t size;   /* M, prime */
};

/* Build-time state of one endpoint. */
struct mg_ep {
	uint64_t round;  /* round of its next claim */
	uint64_t target; /* k * wmax for its next (k-th) claim */
	uint32_t pos;    /* current place in its preference list */
	uint32_t skip;   /* 1..M-1 */
};

static inline bool
mg_before(const struct mg_ep *e, uint32_t a, uint32_t b)
{
	return e[a].round < e[b].round || (e[a].round == e[b].round && a < b);
}

static void
heap_down(uint32_t *heap, uint32_t len, const struct mg_ep *e, uint32_t at)
{
	uint32_t v = heap[at], c;

	for (;;) {
		c = 2 * at + 1;
		if (c >= len)
			break;
		if (c + 1 < len && mg_before(e, heap[c + 1], heap[c]))
			c++;
		if (!mg_before(e, heap[c], v))
			break;
		heap[at] = heap[c];
		at = c;
	}
	heap[at] = v;
}

static inline uint64_t
div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* Fill m->table (m->size entries) for lb's endpoints, using scratch memory
 * e (n entries) and heap (n entries). Cannot fail. */
static void
mg_fill(const struct gw_lb *lb, struct maglev *m, struct mg_ep *e,
	uint32_t *heap)
{
	uint32_t M = m->size, n = lb->n, wmax = 0, i, top, c, filled;

	for (i = 0; i < n; i++)
		if (lb->weight[i] > wmax)
			wmax = lb->weight[i];
	for (i = 0; i < n; i++) {
		e[i].pos = (uint32_t)(lb_mix64(lb->id[i] ^
					       UINT64_C(0x9b05688c2b3e6c1f)) % M);
		/* M is a prime, so M >= 2 */
		e[i].skip = (uint32_t)(lb_mix64(lb->id[i] ^
					       UINT64_C(0x1f83d9abfb41bd6b)) %
				       (M - 1)) + 1;
		e[i].target = wmax;
		e[i].round = div_ceil(wmax, lb->weight[i]);
		heap[i] = i;
	}
	for (i = n / 2; i-- > 0;)
		heap_down(heap, n, e, i);
	for (i = 0; i < M; i++)
		m->table[i] = MAGLEV_EMPTY;
	for (filled = 0; filled < M; filled++) {
		top = heap[0];
		/* the list is a permutation and an entry is still free, so
		 * this ends within M steps */
		c = e[top].pos;
		while (m->table[c] != MAGLEV_EMPTY) {
			c += e[top].skip;
			if (c >= M)
				c -= M;
		}
		m->table[c] = (uint16_t)top;
		c += e[top].skip;
		e[top].pos = c >= M ? c - M : c;
		e[top].target += wmax;
		e[top].round = div_ceil(e[top].target, lb->weight[top]);
		heap_down(heap, n, e, 0);
	}
}

static void
mg_free(void *priv)
{
	struct maglev *m = priv;

	if (m == NULL)
		return;
	free(m->table);
	free(m);
}

/* Fill m for lb, allocating only scratch memory. */
static int
mg_build(const struct gw_lb *lb, struct maglev *m)
{
	struct mg_ep *e;
	uint32_t *heap;

	e = malloc((size_t)lb->n * sizeof(*e));
	heap = malloc((size_t)lb->n * sizeof(*heap));
	if (e == NULL || heap == NULL) {
		free(e);
		free(heap);
		return -ENOMEM;
	}
	mg_fill(lb, m, e, heap);
	free(e);
	free(heap);
	return 0;
}

static int
mg_create(const struct gw_lb *lb, void **priv)
{
	struct maglev *m;
	int rc;

	/* fewer entries than endpoints would leave some with none */
	if (lb->n > lb->maglev_size)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->size = lb->maglev_size;
	m->table = malloc((size_t)m->size * sizeof(*m->table));
	if (m->table == NULL) {
		mg_free(m);
		return -ENOMEM;
	}
	rc = mg_build(lb, m);
	if (rc != 0) {
		mg_free(m);
		return rc;
	}
	*priv = m;
	return 0;
}

/* The size is fixed by the conf, so the old table is refilled in place;
 * the scratch memory is allocated before it is touched. */
static int
mg_update(const struct gw_lb *lb, void *old, void **priv)
{
	int rc;

	if (lb->n > lb->maglev_size)
		return -EINVAL;
	rc = mg_build(lb, old);
	if (rc == 0)
		*priv = old;
	return rc;
}

static int
mg_pick(const struct gw_lb *lb, struct lb_state *st,
	const struct gw_lb_pick_ctx *ctx)
{
	const struct maglev *m = lb->priv;
	uint32_t i, k, walk;

	if (!ctx->has_hash)
		return lb_random_avail(lb, st, ctx->avail);
	i = (uint32_t)(ctx->hash % m->size);
	walk = m->size < LB_WALK_MAX ? m->size : LB_WALK_MAX;
	for (k = 0; k < walk; k++) {
		if (lb_is_avail(ctx->avail, m->table[i]))
			return m->table[i];
		i = i + 1 == m->size ? 0 : i + 1;
	}
	return lb_draw_avail_scan(lb, ctx->avail, ctx->hash);
}

const struct gw_lb_ops lb_maglev_ops = {
	.name = "MAGLEV",
	.create = mg_create,
	.pick = mg_pick,
	.update = mg_update,
	.free = mg_free,
};
