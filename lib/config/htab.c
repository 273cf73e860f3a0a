/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal hash index for lib/config: maps a key to the index of an entry
 * that the caller stores elsewhere (mapping keys → pairs[], resource
 * identities → resources[]), so duplicate detection stays linear even for
 * hostile inputs with many keys. Control thread only.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "config_priv.h"

#define HTAB_MIN_CAP 16

uint64_t
cfg_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull; /* FNV-1a 64-bit prime */
	}
	return h;
}

static void
htab_put(struct cfg_htab_slot *slots, size_t cap, uint64_t hash, size_t idx1)
{
	size_t i = (size_t)hash & (cap - 1);

	while (slots[i].idx1 != 0)
		i = (i + 1) & (cap - 1);
	slots[i].hash = hash;
	slots[i].idx1 = idx1;
}

static int
htab_grow(struct cfg_htab *t)
{
	struct cfg_htab_slot *slots;
	size_t cap = t->cap ? t->cap * 2 : HTAB_MIN_CAP;
	size_t i;

	slots = calloc(cap, sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++)
		if (t->slots[i].idx1 != 0)
			htab_put(slots, cap, t->slots[i].hash,
				 t->slots[i].idx1);
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

int
cfg_htab_add(struct cfg_htab *t, uint64_t hash, size_t idx,
	     cfg_htab_eq_fn eq, const void *ctx, const void *key,
	     size_t *found)
{
	size_t i;
	int rc;

	*found = SIZE_MAX;
	if (t->cap != 0) {
		for (i = (size_t)hash & (t->cap - 1); t->slots[i].idx1 != 0;
		     i = (i + 1) & (t->cap - 1)) {
			if (t->slots[i].hash == hash &&
			    eq(ctx, t->slots[i].idx1 - 1, key)) {
				*found = t->slots[i].idx1 - 1;
				return 0;
			}
		}
	}
	/* Keep the load factor at most 1/2 so probes stay short. */
	if ((t->n + 1) * 2 > t->cap) {
		rc = htab_grow(t);
		if (rc < 0)
			return rc;
	}
	htab_put(t->slots, t->cap, hash, idx + 1);
	t->n++;
	return 0;
}

void
cfg_htab_fini(struct cfg_htab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = 0;
	t->n = 0;
}
