/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for lib/mesh: YAML bytes → gw_config_load_buffer() →
 * gw_mesh_compile() → checks → free. Catches crashes, leaks (ASan) and
 * broken promises of the compiled model: every route destination's cluster
 * index is valid or GW_MESH_NO_CLUSTER, every cluster with endpoints has
 * a balancer that picks among them, every finding formats and names a
 * resource of the configuration, and a resource with an error finding is
 * rejected. Corpus: corpus/mesh/, dictionary: mesh.dict; ordinary builds
 * replay the corpus through replay_main.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_config.h"
#include "gw_mesh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_listener(const struct gw_mesh *m, const struct gw_mesh_listener *l)
{
	struct gw_route_scratch *s = NULL;
	struct gw_route_err err;
	struct gw_route_req req;
	const struct gw_route *r;
	size_t n = gw_mesh_cluster_count(m);
	uint32_t d;

	if (l->routes == NULL)
		return;
	if (gw_route_scratch_create(l->routes, &s, &err) != 0)
		abort();
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.method_len = 3;
	req.authority = "a.example";
	req.authority_len = 9;
	req.path = "/";
	req.path_len = 1;
	req.port = l->port;
	r = gw_route_match(l->routes, s, &req);
	if (r != NULL) {
		const struct gw_route_action *a = gw_route_action(r);

		for (d = 0; d < a->n_dests; d++) {
			if (a->dests[d].user != GW_MESH_NO_CLUSTER &&
			    a->dests[d].user >= n)
				abort();
		}
	}
	gw_route_scratch_free(s);
}

static void
check_cluster(const struct gw_mesh_cluster *c)
{
	void *state;
	int k;

	if (c->n_endpoints > 0 && c->lb == NULL)
		return; /* repeated endpoints: reported, no balancer */
	if (c->lb == NULL)
		return;
	if (gw_lb_count(c->lb) != c->n_endpoints)
		abort();
	state = calloc(1, gw_lb_state_size(c->lb) + 1);
	if (state == NULL)
		return;
	gw_lb_state_init(c->lb, state, 1);
	for (k = 0; k < 4; k++) {
		struct gw_lb_pick_ctx ctx = { .hash = (uint64_t)k * 77,
					      .has_hash = k & 1 };
		int i = gw_lb_pick(c->lb, state, &ctx);

		if (i < 0 || (uint32_t)i >= c->n_endpoints)
			abort();
	}
	free(state);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_config_err err;
	struct gw_config *cfg;
	struct gw_mesh *m;
	char buf[1024];
	size_t i, j;

	if (gw_config_load_buffer("fuzz.yaml", (const char *)data, size, &cfg,
				  &err) < 0)
		return 0;
	if (gw_mesh_compile(cfg, &m) < 0) {
		gw_config_free(cfg);
		return 0;
	}
	for (i = 0; i < gw_mesh_listener_count(m); i++)
		check_listener(m, gw_mesh_listener_at(m, i));
	for (i = 0; i < gw_mesh_cluster_count(m); i++)
		check_cluster(gw_mesh_cluster_at(m, i));
	for (i = 0; i < gw_mesh_diag_count(m); i++) {
		const struct gw_mesh_diag *d = gw_mesh_diag_at(m, i);
		bool found = false;

		(void)gw_mesh_diag_format(d, buf, sizeof(buf));
		for (j = 0; j < gw_config_resource_count(cfg); j++)
			found |= gw_config_resource_at(cfg, j) == d->res;
		if (!found)
			abort();
		if (d->severity == GW_MESH_ERROR &&
		    gw_mesh_resource_state(m, d->res) != GW_MESH_REJECTED)
			abort();
	}
	gw_mesh_free(m);
	gw_config_free(cfg);
	return 0;
}
