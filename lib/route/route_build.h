/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route_build.h — compile-time helpers shared by route_build.c (table,
 * match blocks, hosts) and route_build_action.c (route actions). Control
 * thread only.
 */
#ifndef ROUTE_BUILD_H
#define ROUTE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "gw_route.h"
#include "route_priv.h"

/* Where compile is, for messages. */
struct route_bctx {
	struct gw_route_table *t;
	const struct gw_route_table_conf *conf;
	struct gw_route_err *err;
	size_t vi;            /* virtual host index */
	size_t ri;            /* route index, SIZE_MAX: none */
	size_t mi;            /* match index, SIZE_MAX: none */
	/* regex sources, for Hyperscan's per-expression errors */
	char **exprs;
	uint32_t *rx_vhost;
	uint32_t *rx_route;
	uint32_t *rx_match;
	const char **rx_field;
	uint32_t n_rx;
	uint32_t cap_rx;
	/* identical expressions share one regex id: open addressing over
	 * exprs[], slot = id + 1, 0 = empty */
	uint32_t *rx_index;
	uint32_t rx_mask;
};

/* Table arena: zeroed memory freed with the table; NULL on -ENOMEM. */
void *route_arena_alloc(struct gw_route_table *t, size_t n);
void *route_arena_alloc_cb(void *t, size_t n);
char *route_arena_memdup(struct gw_route_table *t, const char *s,
			 size_t len);

/* Copy s (NULL stays NULL) into the arena; -ENOMEM with a message. */
int route_copy_str(struct route_bctx *c, const char *s, const char **out);

/* Write "<where>: <message>" into c->err, where = virtual host, route
 * and match block compile is in. @return rc. */
__attribute__((format(printf, 3, 4))) int
route_fail(const struct route_bctx *c, int rc, const char *fmt, ...);

/* Validate and compile the action of route rc into r (route_build_action.c). */
int route_build_action(struct route_bctx *c, const struct gw_route_conf *rc,
		       struct gw_route *r);

#endif /* ROUTE_BUILD_H */
