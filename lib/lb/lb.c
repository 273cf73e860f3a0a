/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/lb generic part (see gw_lb.h): the algorithm registry, validation,
 * create / update / free of the balancer (control thread), per-worker state
 * and the pick dispatch (workers), and the weighted draws the algorithms
 * share.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_hash.h"
#include "gw_lb.h"
#include "lb_priv.h"

_Static_assert(GW_LB_ENDPOINTS_MAX <= UINT16_MAX,
	       "Maglev tables store endpoint indices in 16 bits");
_Static_assert((uint64_t)GW_LB_ENDPOINTS_MAX * GW_LB_WEIGHT_MAX < INT64_MAX / 4,
	       "round-robin current weights must not overflow int64_t");

/* Indexed by enum gw_lb_algo; immutable. */
static const struct gw_lb_ops *const lb_algos[GW_LB_ALGO_COUNT] = {
	[GW_LB_ROUND_ROBIN] = &lb_wrr_ops,
	[GW_LB_LEAST_REQUEST] = &lb_least_request_ops,
	[GW_LB_RANDOM] = &lb_random_ops,
	[GW_LB_RING_HASH] = &lb_ring_hash_ops,
	[GW_LB_MAGLEV] = &lb_maglev_ops,
};

/* gw_lb_hash()'s key: the first 16 hex digits of pi's fraction, public on
 * purpose; only stability across processes matters. */
static const struct gw_hash_key lb_hash_key = {
	UINT64_C(0x243f6a8885a308d3), UINT64_C(0x13198a2e03707344)
};

uint64_t
gw_lb_hash(const void *key, size_t len)
{
	return gw_hash_siphash24(&lb_hash_key, key, len);
}

const char *
gw_lb_algo_name(enum gw_lb_algo algo)
{
	if ((unsigned)algo >= GW_LB_ALGO_COUNT)
		return NULL;
	return lb_algos[algo]->name;
}

int
gw_lb_algo_parse(const char *name, enum gw_lb_algo *algo)
{
	unsigned i;

	if (name == NULL || algo == NULL)
		return -EINVAL;
	for (i = 0; i < GW_LB_ALGO_COUNT; i++) {
		if (strcmp(name, lb_algos[i]->name) == 0) {
			*algo = (enum gw_lb_algo)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Trial division: at most sqrt(5000011) ~ 2236 steps, control thread. */
static bool
is_prime(uint32_t v)
{
	uint32_t d;

	if (v < 2)
		return false;
	for (d = 2; d * d <= v; d++)
		if (v % d == 0)
			return false;
	return true;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Checks an endpoint set against conf-independent rules. */
static int
eps_check(const struct gw_lb_endpoint *eps, uint32_t n)
{
	uint64_t *ids;
	uint32_t i;
	int rc = 0;

	if (eps == NULL || n == 0 || n > GW_LB_ENDPOINTS_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (eps[i].weight == 0 || eps[i].weight > GW_LB_WEIGHT_MAX)
			return -EINVAL;
	/* ids place ring points and Maglev permutations: two equal ids would
	 * be one endpoint twice */
	ids = malloc((size_t)n * sizeof(*ids));
	if (ids == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ids[i] = eps[i].id;
	qsort(ids, n, sizeof(*ids), cmp_u64);
	for (i = 1; i < n; i++) {
		if (ids[i] == ids[i - 1]) {
			rc = -EINVAL;
			break;
		}
	}
	free(ids);
	return rc;
}

static int
conf_check(const struct gw_lb_conf *conf)
{
	const struct gw_lb_hash_policy *h = &conf->hash;

	if ((unsigned)conf->algo >= GW_LB_ALGO_COUNT)
		return -EINVAL;
	if (conf->ring_size_min > GW_LB_RING_SIZE_MAX)
		return -EINVAL;
	if (conf->maglev_size != 0 &&
	    (conf->maglev_size > GW_LB_MAGLEV_SIZE_MAX ||
	     !is_prime(conf->maglev_size)))
		return -EINVAL;
	switch (h->on) {
	case GW_LB_HASH_ON_NONE:
	case GW_LB_HASH_ON_SOURCE_IP:
		break;
	case GW_LB_HASH_ON_HEADER:
	case GW_LB_HASH_ON_COOKIE:
	case GW_LB_HASH_ON_QUERY_PARAM:
		if (h->name == NULL || h->name[0] == '\0')
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* The endpoint arrays of a balancer, built together, freed together. */
struct lb_arrays {
	uint32_t *weight;
	uint64_t *cum;
	uint64_t *id;
	uint64_t total;
	bool equal;
};

static void
arrays_free(struct lb_arrays *a)
{
	free(a->weight);
	free(a->cum);
	free(a->id);
}

static int
arrays_build(struct lb_arrays *a, const struct gw_lb_endpoint *eps,
	     uint32_t n)
{
	uint64_t sum = 0;
	uint32_t i;

	memset(a, 0, sizeof(*a));
	a->weight = malloc((size_t)n * sizeof(*a->weight));
	a->cum = malloc((size_t)n * sizeof(*a->cum));
	a->id = malloc((size_t)n * sizeof(*a->id));
	if (a->weight == NULL || a->cum == NULL || a->id == NULL) {
		arrays_free(a);
		return -ENOMEM;
	}
	a->equal = true;
	for (i = 0; i < n; i++) {
		a->weight[i] = eps[i].weight;
		a->id[i] = eps[i].id;
		sum += eps[i].weight;
		a->cum[i] = sum;
		if (eps[i].weight != eps[0].weight)
			a->equal = false;
	}
	a->total = sum;
	return 0;
}

static void
arrays_install(struct gw_lb *lb, const struct lb_arrays *a, uint32_t n)
{
	lb->weight = a->weight;
	lb->cum = a->cum;
	lb->id = a->id;
	lb->total = a->total;
	lb->equal = a->equal;
	lb->n = n;
}

static char *
str_dup(const char *s)
{
	size_t len;
	char *d;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	d = malloc(len);
	if (d != NULL)
		memcpy(d, s, len);
	return d;
}

void
gw_lb_free(struct gw_lb *lb)
{
	if (lb == NULL)
		return;
	if (lb->ops != NULL && lb->ops->free != NULL)
		lb->ops->free(lb->priv);
	free((void *)lb->weight);
	free((void *)lb->cum);
	free((void *)lb->id);
	free((void *)lb->hash.name);
	free((void *)lb->hash.cookie_path);
	free(lb);
}

int
gw_lb_create(const struct gw_lb_conf *conf, const struct gw_lb_endpoint *eps,
	     uint32_t n, struct gw_lb **out)
{
	struct lb_arrays a;
	struct gw_lb *lb;
	int rc;

	if (conf == NULL || out == NULL)
		return -EINVAL;
	rc = conf_check(conf);
	if (rc == 0)
		rc = eps_check(eps, n);
	if (rc != 0)
		return rc;

	/* sizeof is a multiple of the 64-byte alignment, as C11 requires */
	lb = aligned_alloc(_Alignof(struct gw_lb), sizeof(*lb));
	if (lb == NULL)
		return -ENOMEM;
	memset(lb, 0, sizeof(*lb));
	/* lb->ops stays NULL until the tables exist, so that gw_lb_free()
	 * does not hand a NULL priv to an algorithm's free */
	lb->algo = conf->algo;
	lb->ring_size_min = conf->ring_size_min != 0 ?
		conf->ring_size_min : GW_LB_RING_SIZE_MIN_DEFAULT;
	lb->maglev_size = conf->maglev_size != 0 ?
		conf->maglev_size : GW_LB_MAGLEV_SIZE_DEFAULT;
	lb->hash = conf->hash;
	lb->hash.name = NULL;
	lb->hash.cookie_path = NULL;
	rc = -ENOMEM;
	if (conf->hash.name != NULL) {
		lb->hash.name = str_dup(conf->hash.name);
		if (lb->hash.name == NULL)
			goto fail;
	}
	if (conf->hash.cookie_path != NULL) {
		lb->hash.cookie_path = str_dup(conf->hash.cookie_path);
		if (lb->hash.cookie_path == NULL)
			goto fail;
	}
	rc = arrays_build(&a, eps, n);
	if (rc != 0)
		goto fail;
	arrays_install(lb, &a, n);
	if (lb_algos[conf->algo]->create != NULL) {
		rc = lb_algos[conf->algo]->create(lb, &lb->priv);
		if (rc != 0)
			goto fail;
	}
	lb->ops = lb_algos[conf->algo];
	*out = lb;
	return 0;
fail:
	gw_lb_free(lb);
	return rc;
}

int
gw_lb_update(struct gw_lb *lb, const struct gw_lb_endpoint *eps, uint32_t n)
{
	struct gw_lb next;
	struct lb_arrays a;
	void *priv = NULL;
	int rc;

	if (lb == NULL)
		return -EINVAL;
	rc = eps_check(eps, n);
	if (rc != 0)
		return rc;
	rc = arrays_build(&a, eps, n);
	if (rc != 0)
		return rc;
	/* Build against a copy, so that lb is untouched until it succeeds. */
	next = *lb;
	arrays_install(&next, &a, n);
	if (lb->ops->update != NULL) {
		rc = lb->ops->update(&next, lb->priv, &priv);
		if (rc != 0) {
			arrays_free(&a);
			return rc;
		}
	}
	free((void *)lb->weight);
	free((void *)lb->cum);
	free((void *)lb->id);
	arrays_install(lb, &a, n);
	lb->priv = priv;
	lb->gen++;
	return 0;
}

size_t
gw_lb_state_size(const struct gw_lb *lb)
{
	size_t sz = sizeof(struct lb_state);

	if (lb->ops->per_ep_state && !lb->equal)
		sz += (size_t)lb->n * sizeof(int64_t);
	return sz;
}

size_t
gw_lb_state_size_max(uint32_t n)
{
	return sizeof(struct lb_state) + (size_t)n * sizeof(int64_t);
}

void
gw_lb_state_init(const struct gw_lb *lb, void *state, uint64_t seed)
{
	struct lb_state *st = state;

	memset(st, 0, gw_lb_state_size(lb));
	st->lb = lb;
	st->gen = lb->gen;
	/* the raw seed would make seeds 0, 1, 2 overlapping Weyl sequences
	 * one step apart; mixing spreads them */
	st->rng = lb_mix64(seed ^ UINT64_C(0x6a09e667f3bcc908));
	st->next = (uint32_t)(seed % lb->n);
}

int
gw_lb_pick(const struct gw_lb *lb, void *state,
	   const struct gw_lb_pick_ctx *ctx)
{
	static const struct gw_lb_pick_ctx none;
	struct lb_state *st = state;

	assert(st->lb == lb && st->gen == lb->gen);
	return lb->ops->pick(lb, st, ctx != NULL ? ctx : &none);
}

uint32_t
gw_lb_count(const struct gw_lb *lb)
{
	return lb->n;
}

enum gw_lb_algo
gw_lb_algo(const struct gw_lb *lb)
{
	return lb->algo;
}

const struct gw_lb_hash_policy *
gw_lb_hash_policy(const struct gw_lb *lb)
{
	return &lb->hash;
}

uint32_t
lb_draw(const struct gw_lb *lb, uint64_t r)
{
	uint64_t x;
	uint32_t lo, hi;

	if (lb->equal)
		return (uint32_t)lb_mulhi(r, lb->n);
	/* first i with cum[i] > x */
	x = lb_mulhi(r, lb->total);
	lo = 0;
	hi = lb->n - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (lb->cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Bitmap word w of avail, without the bits at or above n. */
static inline uint64_t
avail_word(const uint64_t *avail, uint32_t n, uint32_t w)
{
	uint32_t rest = n - w * 64;

	return rest >= 64 ? avail[w] : avail[w] & ((UINT64_C(1) << rest) - 1);
}

int
lb_draw_avail_scan(const struct gw_lb *lb, const uint64_t *avail, uint64_t r)
{
	uint32_t words = (uint32_t)GW_LB_AVAIL_WORDS(lb->n);
	uint64_t sum = 0, x, m;
	uint32_t w, i, cnt = 0, k;

	if (avail == NULL)
		return (int)lb_draw(lb, r);
	if (lb->equal) {
		/* the k-th set bit, k uniform over the set bits */
		for (w = 0; w < words; w++)
			cnt += (uint32_t)__builtin_popcountll(
				avail_word(avail, lb->n, w));
		if (cnt == 0)
			return -EHOSTUNREACH;
		k = (uint32_t)lb_mulhi(r, cnt);
		for (w = 0;; w++) {
			m = avail_word(avail, lb->n, w);
			cnt = (uint32_t)__builtin_popcountll(m);
			if (k < cnt)
				break;
			k -= cnt;
		}
		while (k-- > 0)
			m &= m - 1;
		return (int)(w * 64 + (uint32_t)__builtin_ctzll(m));
	}
	for (i = 0; i < lb->n; i++)
		if (lb_is_avail(avail, i))
			sum += lb->weight[i];
	if (sum == 0)
		return -EHOSTUNREACH;
	x = lb_mulhi(r, sum);
	for (i = 0;; i++) {
		if (!lb_is_avail(avail, i))
			continue;
		if (x < lb->weight[i])
			return (int)i;
		x -= lb->weight[i];
	}
}

int
lb_random_avail(const struct gw_lb *lb, struct lb_state *st,
		const uint64_t *avail)
{
	uint32_t t, i;

	for (t = 0; t < LB_DRAW_TRIES; t++) {
		i = lb_draw(lb, lb_rand(st));
		if (lb_is_avail(avail, i))
			return (int)i;
	}
	return lb_draw_avail_scan(lb, avail, lb_rand(st));
}
