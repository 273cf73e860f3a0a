/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/mesh private: the compile context, the decoded forms of each kind,
 * and the node-reading helpers that turn YAML trees into them with
 * positioned findings.
 */
#ifndef MESH_PRIV_H
#define MESH_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_config.h"
#include "gw_lb.h"
#include "gw_mesh.h"
#include "gw_route.h"

/* ---- memory: everything a mesh or a compile keeps, freed at once ---- */

struct mesh_arena {
	struct mesh_chunk *head;
};

void *mesh_alloc(struct mesh_arena *a, size_t size);	/* zeroed */
char *mesh_strdup(struct mesh_arena *a, const char *s);
char *mesh_printf(struct mesh_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mesh_arena_free(struct mesh_arena *a);

/* A growable array in an arena-independent heap block. */
struct mesh_vec {
	void *items;
	size_t n;
	size_t cap;
	size_t size;	/* bytes per item */
};

void mesh_vec_init(struct mesh_vec *v, size_t item_size);
void *mesh_vec_push(struct mesh_vec *v);	/* zeroed slot, NULL on ENOMEM */
void mesh_vec_free(struct mesh_vec *v);
#define MESH_VEC_AT(v, type, i) (&((type *)(v)->items)[i])

/* ---- decoded resources ------------------------------------------------ */

struct mesh_label {
	const char *key;
	const char *value;
};

struct mesh_labels {
	const struct mesh_label *items;
	size_t n;
};

/* A Gateway server host: "ns/host", "*" namespace = any. */
struct mesh_server_host {
	const char *ns;		/* "*" or a namespace */
	const char *host;
};

struct mesh_server {
	uint16_t port;
	bool http;		/* HTTP routing (protocol HTTP or HTTPS) */
	bool https;		/* TLS terminated: tls is set */
	bool redirect;		/* HTTP with tls.httpsRedirect */
	bool passthrough;	/* TLS PASSTHROUGH: routed by SNI */
	bool tcp;		/* TCP (tls set: TLS terminated first):
				 * routed by tcp routes */
	struct gw_mesh_tls_server *tls;	/* in the mesh arena */
	const struct mesh_server_host *hosts;
	size_t n_hosts;
	unsigned line, col;
};

struct mesh_gateway {
	const struct gw_config_resource *res;
	const struct mesh_server *servers;
	size_t n_servers;
};

struct mesh_se_port {
	uint16_t number;
	uint16_t target_port;	/* 0: not set */
	const char *name;
};

/* One workload: a ServiceEntry endpoint or a WorkloadEntry. */
struct mesh_workload {
	const struct gw_config_resource *res;
	uint32_t addr;
	const struct mesh_label *ports;	/* port name -> number (value) */
	const uint16_t *port_numbers;
	size_t n_ports;
	struct mesh_labels labels;
	uint32_t weight;
};

struct mesh_service {
	const struct gw_config_resource *res;
	const char *const *hosts;
	size_t n_hosts;
	const struct mesh_se_port *ports;
	size_t n_ports;
	bool static_resolution;
	const struct mesh_workload *endpoints;
	size_t n_endpoints;
	bool has_selector;
	struct mesh_labels selector;
};

struct mesh_policy {
	bool has_lb;
	struct gw_lb_conf lb;
	bool has_pool;
	uint32_t connect_timeout_ms;
	uint32_t max_connections;
	uint32_t max_pending;
	uint32_t max_requests_per_conn;
	uint32_t idle_timeout_ms;
	uint32_t tcp_idle_timeout_ms;
	/* 0 is a valid maxRetries (no retries), so presence has a flag */
	bool has_max_retries;
	uint32_t max_retries;
	bool has_outlier;
	struct gw_mesh_outlier outlier;	/* defaults filled when present */
	bool has_tls;
	const struct gw_mesh_tls_client *tls;	/* NULL: plain */
};

struct mesh_subset {
	const char *name;
	struct mesh_labels labels;
	struct mesh_policy policy;
};

struct mesh_dest_rule {
	const struct gw_config_resource *res;
	const char *host;
	struct mesh_policy policy;
	const struct mesh_subset *subsets;
	size_t n_subsets;
};

/* The gateways a match block is limited to ("ns/name"); n 0: none. */
struct mesh_block_gws {
	const char *const *names;
	size_t n;
};

/* A tls route's match block: SNI patterns, an optional port, and the
 * gateways it is limited to. */
struct mesh_tls_match {
	const char *const *sni_hosts;
	size_t n_sni;
	uint32_t port;			/* 0: any */
	struct mesh_block_gws gws;
};

/* A VirtualService tls route; its destinations' `user` is the cluster. */
struct mesh_tls_route {
	size_t index;			/* in spec.tls */
	const struct mesh_tls_match *matches;
	size_t n_matches;
	struct gw_route_dest_conf *dests;
	size_t n_dests;
};

/* A tcp route's match block (L4MatchAttributes). */
struct mesh_tcp_match {
	uint32_t port;			/* 0: any */
	struct mesh_block_gws gws;
	const struct gw_mesh_subnet *dst;	/* destinationSubnets */
	size_t n_dst;
	const struct gw_mesh_subnet *src;	/* sourceSubnet */
	size_t n_src;
};

/* A VirtualService tcp route; its destinations' `user` is the cluster. */
struct mesh_tcp_route {
	size_t index;			/* in spec.tcp */
	bool any;			/* no match: every connection */
	const struct mesh_tcp_match *matches;
	size_t n_matches;
	struct gw_route_dest_conf *dests;
	size_t n_dests;
};

/* A VirtualService, its http routes already in lib/route's form. */
struct mesh_vs {
	const struct gw_config_resource *res;
	const char *const *hosts;
	size_t n_hosts;
	const char *const *gateways;	/* "ns/name" */
	size_t n_gateways;
	struct gw_route_conf *routes;
	size_t n_routes;
	/* block_gws[r][b]: match block b of route r */
	struct mesh_block_gws **block_gws;
	struct mesh_tls_route *tls_routes;
	size_t n_tls_routes;
	struct mesh_tcp_route *tcp_routes;
	size_t n_tcp_routes;
};

/*
 * A HealthCheck (meshgw.io/v1alpha1). hc is already in the mesh arena;
 * what is kept here only serves binding it to clusters.
 */
struct mesh_health_check {
	const struct gw_config_resource *res;
	const struct gw_config_node *host_node;	/* for positioned warnings */
	const char *host;	/* as written; completed when bound */
	const char *subset;	/* NULL: every subset of the host */
	uint32_t panic_percent;	/* UINT32_MAX: not given */
	const struct gw_mesh_health_check *hc;
};

/* ---- the compile ------------------------------------------------------ */

struct mesh_ctx {
	struct gw_mesh *m;
	const struct gw_config *cfg;
	struct mesh_arena tmp;		/* freed when the compile ends */
	struct mesh_vec gateways;	/* struct mesh_gateway */
	struct mesh_vec services;	/* struct mesh_service */
	struct mesh_vec workloads;	/* struct mesh_workload (WorkloadEntry) */
	struct mesh_vec dest_rules;	/* struct mesh_dest_rule */
	struct mesh_vec health_checks;	/* struct mesh_health_check */
	struct mesh_vs *vs;		/* being decoded */
	struct mesh_vec vss;		/* struct mesh_vs */
	const struct gw_config_resource *res; /* being decoded */
	bool res_error;			/* an error was found in it */
	bool nomem;
};

/* Findings on ctx->res. node may be NULL (the resource as a whole). */
void mesh_err(struct mesh_ctx *c, const struct gw_config_node *node,
	      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void mesh_warn(struct mesh_ctx *c, const struct gw_config_node *node,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void mesh_diag_res(struct mesh_ctx *c, const struct gw_config_resource *res,
		   enum gw_mesh_severity sev, const struct gw_config_node *node,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Node readers: on a wrong type or value they report an error at the
 * node and return false. path names the field in messages. */
bool mesh_is_map(struct mesh_ctx *c, const struct gw_config_node *n,
		 const char *path);
bool mesh_is_seq(struct mesh_ctx *c, const struct gw_config_node *n,
		 const char *path);
bool mesh_str(struct mesh_ctx *c, const struct gw_config_node *n,
	      const char *path, const char **out);
bool mesh_uint(struct mesh_ctx *c, const struct gw_config_node *n,
	       const char *path, uint64_t min, uint64_t max, uint64_t *out);
bool mesh_bool(struct mesh_ctx *c, const struct gw_config_node *n,
	       const char *path, bool *out);
bool mesh_double(struct mesh_ctx *c, const struct gw_config_node *n,
		 const char *path, double *out);
/* A protobuf/Go duration ("10s", "1.5s", "250ms", "1m30s") in ms,
 * rounded up to whole ms; min_ms..max_ms. */
bool mesh_duration(struct mesh_ctx *c, const struct gw_config_node *n,
		   const char *path, uint64_t min_ms, uint64_t max_ms,
		   uint32_t *out);
/* Istio Percent {value: double} in 0..100. */
bool mesh_percent(struct mesh_ctx *c, const struct gw_config_node *n,
		  const char *path, double *out);
bool mesh_ipv4(struct mesh_ctx *c, const struct gw_config_node *n,
	       const char *path, uint32_t *out);
/* A map of string -> string (labels). */
bool mesh_labels(struct mesh_ctx *c, const struct gw_config_node *n,
		 const char *path, struct mesh_labels *out);
/* map's `key`: a sequence with at least one item, else an error saying
 * "<path>: at least one <what> is required". NULL then. */
const struct gw_config_node *mesh_seq_required(struct mesh_ctx *c,
					       const struct gw_config_node *map,
					       const char *key, const char *path,
					       const char *what);
/* A host as Istio writes them: a name, "*.suffix" or "*". */
bool mesh_host_pattern_ok(const char *h);
/* A sequence of strings into an array in c->tmp. */
bool mesh_str_list(struct mesh_ctx *c, const struct gw_config_node *n,
		   const char *path, const char *const **out, size_t *n_out);

/*
 * Check a map's keys: each must be in `known` (decoded here) or in
 * `unsupported` (warned about: "not supported yet, ignored"); others are
 * errors. Lists end with NULL. Returns false when the map is not a map.
 */
bool mesh_fields(struct mesh_ctx *c, const struct gw_config_node *map,
		 const char *path, const char *const *known,
		 const char *const *unsupported);

/* labels ⊆ of */
bool mesh_labels_match(const struct mesh_labels *want,
		       const struct mesh_labels *have);

/* A Gateway server's tls for protocol HTTPS (server hosts already
 * decoded into sv): settings, files read and checked. false on error. */
bool mesh_server_tls(struct mesh_ctx *c, const struct gw_config_node *tls,
		     const char *path, struct mesh_server *sv, const char *name);

/* A DestinationRule's trafficPolicy.tls (ClientTLSSettings): *out NULL
 * for DISABLE (and ISTIO_MUTUAL, warned about), else the settings with
 * their files read and checked, in the mesh arena. false on error. */
bool mesh_client_tls(struct mesh_ctx *c, const struct gw_config_node *tls,
		     const char *path, const struct gw_mesh_tls_client **out);

/* Decoders, one per kind: fill ctx vectors; findings on ctx->res. */
void mesh_decode_gateway(struct mesh_ctx *c);
void mesh_decode_service_entry(struct mesh_ctx *c);
void mesh_decode_workload_entry(struct mesh_ctx *c);
void mesh_decode_dest_rule(struct mesh_ctx *c);
void mesh_decode_virtual_service(struct mesh_ctx *c);
void mesh_decode_health_check(struct mesh_ctx *c);

/* Host names: case-insensitive compare, and Istio's wildcard rules. */
bool mesh_host_eq(const char *a, const char *b);
/* "*.b.c" covers "a.b.c" and "x.a.b.c"; "*" covers everything. */
bool mesh_host_covers(const char *wild, const char *host);

/* The build after decoding: listeners, clusters. */
int mesh_build(struct mesh_ctx *c);
/* The ServiceEntry serving host as a referrer in namespace ns means it
 * (a short name completes as Kubernetes does), with the full name in
 * *fqdn; NULL when none does. */
const struct mesh_service *mesh_find_service(struct mesh_ctx *c,
					     const char *host, const char *ns,
					     const char **fqdn);
/* Give every cluster the HealthCheck that targets it, once all clusters
 * exist; findings on the HealthChecks. 0 or -ENOMEM. */
int mesh_bind_health_checks(struct mesh_ctx *c);

/* What gw_mesh holds. */
struct mesh_state {
	const struct gw_config_resource *res;
	enum gw_mesh_state state;
};

struct gw_mesh {
	struct mesh_arena arena;
	struct mesh_vec listeners;	/* struct gw_mesh_listener */
	struct mesh_vec clusters;	/* struct gw_mesh_cluster */
	struct mesh_vec diags;		/* struct gw_mesh_diag */
	struct mesh_vec states;		/* struct mesh_state */
};

#endif /* MESH_PRIV_H */
