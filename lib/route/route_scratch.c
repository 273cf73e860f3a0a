/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route_scratch — per-worker scratch space for gw_route_match() and the
 * action helpers. Control thread only: creation and release allocate.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "gw_route.h"
#include "route_priv.h"

static uint32_t
at_least_one(uint32_t n)
{
	return n > 0 ? n : 1;
}

int
gw_route_scratch_create(const struct gw_route_table *t,
			struct gw_route_scratch **out,
			struct gw_route_err *err)
{
	struct gw_route_scratch *s;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto fail;
	s->cap_regex = t != NULL ? t->n_regex : 0;
	s->cap_names = t != NULL ? t->n_names : 0;
	s->cap_routes = t != NULL ? t->n_routes : 0;
	s->bits = calloc((at_least_one(s->cap_regex) + 63) / 64,
			 sizeof(*s->bits));
	s->cand = calloc((at_least_one(s->cap_routes) + 63) / 64,
			 sizeof(*s->cand));
	s->name_gen = calloc(at_least_one(s->cap_names), sizeof(*s->name_gen));
	s->name_val = calloc(at_least_one(s->cap_names), sizeof(*s->name_val));
	s->name_len = calloc(at_least_one(s->cap_names), sizeof(*s->name_len));
	s->md = pcre2_match_data_create(GW_ROUTE_MAX_CAPTURES + 1, NULL);
	if (s->bits == NULL || s->cand == NULL || s->name_gen == NULL ||
	    s->name_val == NULL || s->name_len == NULL || s->md == NULL)
		goto fail;
	if (t != NULL && t->db != NULL) {
		if (hs_alloc_scratch(t->db, &s->hs) != HS_SUCCESS)
			goto fail;
		s->hs_serial = t->serial;
	}
	*out = s;
	return 0;
fail:
	gw_route_scratch_free(s);
	if (err != NULL)
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	return -ENOMEM;
}

void
gw_route_scratch_free(struct gw_route_scratch *s)
{
	if (s == NULL)
		return;
	hs_free_scratch(s->hs);
	pcre2_match_data_free(s->md);
	free(s->bits);
	free(s->cand);
	free(s->name_gen);
	free(s->name_val);
	free(s->name_len);
	free(s);
}

bool
gw_route_scratch_fits(const struct gw_route_scratch *s,
		      const struct gw_route_table *t)
{
	return t->n_regex <= s->cap_regex && t->n_names <= s->cap_names &&
	       (t->always == NULL || t->n_routes <= s->cap_routes) &&
	       (t->db == NULL || (s->hs != NULL && s->hs_serial == t->serial));
}

const struct gw_route_scratch_stats *
gw_route_scratch_stats(const struct gw_route_scratch *s)
{
	return &s->stats;
}
