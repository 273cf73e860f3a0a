/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/mesh — compile Istio resources into the gateway's model.
 *
 * Input: a loaded configuration (lib/config): Gateway, VirtualService,
 * DestinationRule, ServiceEntry and WorkloadEntry resources among others.
 * Output: an immutable struct gw_mesh that workers read through a config
 * snapshot:
 *   listeners  one per port that an HTTP, HTTPS or TLS passthrough
 *              Gateway server declares, each with the route table
 *              (lib/route) of the VirtualServices bound to it, their hosts
 *              narrowed to the servers' hosts (passthrough: their tls
 *              routes by SNI);
 *   clusters   one per destination (service host, subset, port) some
 *              route uses, with its endpoints (ServiceEntry endpoints and
 *              the WorkloadEntries it selects, filtered by the subset's
 *              labels), its balancer (lib/lb) and its connection policy
 *              from the DestinationRule.
 * Route destinations carry their cluster index in gw_route_dest.user
 * (GW_MESH_NO_CLUSTER when nothing serves them: the proxy answers 503).
 *
 * Every resource gets a status: applied, partly applied (fields meshgw
 * does not implement yet, each named in a warning), or rejected (an error
 * in it; it is left out and the rest compiles without it). References to
 * things that do not exist (a Gateway, a host, a subset) are warnings on
 * the referring resource: what depends on them answers 404 or 503.
 *
 * Entry points: gw_mesh_compile(), gw_mesh_free(), the accessors and the
 * report. Control thread only (compiling allocates and runs Hyperscan's
 * compiler); a compiled mesh is read-only and may be read by any thread.
 * Pure C11 with lib/config, lib/route and lib/lb; never logs.
 */
#ifndef GW_MESH_H
#define GW_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_config.h"
#include "gw_lb.h"
#include "gw_route.h"

/** gw_route_dest.user of a destination no cluster serves. */
#define GW_MESH_NO_CLUSTER UINT32_MAX

/** Istio's defaults, applied where a DestinationRule says nothing. */
#define GW_MESH_DEFAULT_CONNECT_TIMEOUT_MS 10000u  /* connectionPool.tcp */
#define GW_MESH_DEFAULT_IDLE_TIMEOUT_MS 3600000u   /* http.idleTimeout 1 h */
#define GW_MESH_DEFAULT_MAX_CONNECTIONS 4294967295u /* unlimited (2^32-1) */
#define GW_MESH_DEFAULT_MAX_PENDING 4294967295u
#define GW_MESH_DEFAULT_MAX_REQUESTS 4294967295u
#define GW_MESH_DEFAULT_MAX_RETRIES 4294967295u     /* http.maxRetries */
/* outlierDetection, when present: Istio's (Envoy's) defaults */
#define GW_MESH_DEFAULT_OUTLIER_5XX 5u              /* consecutive5xxErrors */
#define GW_MESH_DEFAULT_OUTLIER_INTERVAL_MS 10000u
#define GW_MESH_DEFAULT_OUTLIER_EJECTION_MS 30000u  /* baseEjectionTime */
#define GW_MESH_DEFAULT_OUTLIER_MAX_EJECTION 10u    /* maxEjectionPercent */
#define GW_MESH_OUTLIER_MAX_EJECTION_TIME_MS 300000u /* Envoy's cap */
/* Envoy's healthy panic threshold: below this share of healthy
 * endpoints, a cluster balances over all of them */
#define GW_MESH_DEFAULT_PANIC_PERCENT 50u
/* HealthCheck defaults */
#define GW_MESH_DEFAULT_HC_INTERVAL_MS 5000u
#define GW_MESH_DEFAULT_HC_TIMEOUT_MS 1000u
#define GW_MESH_DEFAULT_HC_HEALTHY 2u
#define GW_MESH_DEFAULT_HC_UNHEALTHY 3u

enum gw_mesh_protocol {
	GW_MESH_PROTO_HTTP = 0,
	GW_MESH_PROTO_HTTPS,	/* TLS terminated, then HTTP routing */
	GW_MESH_PROTO_TLS,	/* TLS passthrough: routed by SNI, the bytes
				 * spliced to the endpoint untouched */
	GW_MESH_PROTO_TCP,	/* TCP (or TLS terminated into TCP): routed
				 * by VirtualService tcp routes at accept,
				 * the bytes spliced to the endpoint */
};

/* ---- TLS (Gateway servers' tls) ------------------------------------------ */

/** A file as the compile read and checked it: the bytes used are the
 * bytes checked, whatever happens to the file afterwards. */
struct gw_mesh_blob {
	const char *path;
	const uint8_t *data;	/* NUL-terminated; NULL when not given */
	size_t len;
};

/** A certificate chain (PEM, leaf first) with its private key (PEM). */
struct gw_mesh_tls_cert {
	struct gw_mesh_blob cert;
	struct gw_mesh_blob key;
	struct gw_mesh_blob ocsp;	/* a DER OCSP response to staple */
	const char *key_type;		/* "RSA", "EC", "ED25519", ... */
};

enum gw_mesh_tls_mode {
	GW_MESH_TLS_SIMPLE = 0,
	GW_MESH_TLS_MUTUAL,		/* a valid client certificate required */
	GW_MESH_TLS_OPTIONAL_MUTUAL,	/* verified when the client sends one */
};

/* Protocol versions as on the wire. */
#define GW_MESH_TLS_V1_2 0x0303
#define GW_MESH_TLS_V1_3 0x0304

/** One HTTPS server of a Gateway: what a handshake with one of its
 * hosts as SNI uses. */
struct gw_mesh_tls_server {
	const char *name;		/* "ns/gateway servers[i]" */
	const char *const *hosts;	/* SNI: names, "*.suffix", "*" */
	uint32_t n_hosts;
	enum gw_mesh_tls_mode mode;
	uint32_t n_certs;		/* 1.., at most one per key type */
	const struct gw_mesh_tls_cert *certs;
	struct gw_mesh_blob ca;		/* client CAs (MUTUAL, OPTIONAL_MUTUAL) */
	struct gw_mesh_blob crl;	/* caCrl; len 0 none */
	const char *const *sans;	/* subjectAltNames: the client
					 * certificate must carry one */
	uint32_t n_sans;
	uint16_t min_version;		/* GW_MESH_TLS_V1_2 default */
	uint16_t max_version;		/* GW_MESH_TLS_V1_3 default */
	const char *ciphers;		/* TLS 1.2 suites, OpenSSL list; NULL:
					 * Envoy's default list */
};

/** DestinationRule trafficPolicy.tls: TLS originated to the endpoints. */
struct gw_mesh_tls_client {
	const char *name;		/* "ns/name trafficPolicy.tls" */
	enum gw_mesh_tls_mode mode;	/* SIMPLE or MUTUAL */
	struct gw_mesh_tls_cert cert;	/* MUTUAL: the client certificate */
	struct gw_mesh_blob ca;		/* verifies the endpoints; data NULL:
					 * the system's CA certificates */
	struct gw_mesh_blob crl;	/* caCrl; data NULL none */
	const char *sni;		/* NULL: the cluster's host */
	const char *const *sans;	/* the endpoint's certificate carries
					 * one; none: it is valid for the SNI */
	uint32_t n_sans;
	bool insecure_skip_verify;	/* no verification at all */
};

/** One endpoint of a cluster. */
struct gw_mesh_endpoint {
	uint32_t addr;    /* IPv4, host byte order */
	uint16_t port;
	uint32_t weight;  /* 1..2^31 (Istio: unset = 1) */
	uint64_t lb_id;   /* its gw_lb_endpoint.id in the cluster's balancer */
	const char *source; /* "ServiceEntry ns/name" or "WorkloadEntry ns/name" */
};

/** DestinationRule trafficPolicy.outlierDetection. */
struct gw_mesh_outlier {
	bool enabled;                  /* the field is present */
	uint32_t consecutive_5xx;      /* consecutive5xxErrors; 0 = off */
	uint32_t consecutive_gateway;  /* consecutiveGatewayErrors; 0 = off */
	uint32_t interval_ms;          /* un-ejection and decay sweep */
	uint32_t base_ejection_ms;     /* x the times ejected, capped */
	uint32_t max_ejection_percent; /* 0..100; at least one is allowed */
	uint32_t min_health_percent;   /* 0..100: the panic threshold */
};

/** An inclusive status range a health probe accepts. */
struct gw_mesh_status_range {
	uint16_t lo;
	uint16_t hi;
};

enum gw_mesh_hc_kind {
	GW_MESH_HC_TCP = 0,  /* a connect that completes is a success */
	GW_MESH_HC_HTTP,     /* GET path; status in one of the ranges */
};

/** A HealthCheck (meshgw.io/v1alpha1), as it applies to clusters. */
struct gw_mesh_health_check {
	const char *name;              /* "ns/name" */
	enum gw_mesh_hc_kind kind;
	uint16_t port;                 /* 0: each endpoint's own port */
	const char *path;              /* HTTP: request target, "/" default */
	const char *authority;         /* HTTP: Host; NULL = cluster host */
	uint32_t n_statuses;           /* HTTP: 1.. ranges (200-399 default) */
	const struct gw_mesh_status_range *statuses;
	uint32_t interval_ms;
	uint32_t unhealthy_interval_ms; /* while unhealthy; = interval default */
	uint32_t jitter_ms;            /* each interval + random [0, jitter] */
	uint32_t timeout_ms;           /* connect + answer */
	uint32_t healthy_threshold;    /* successes in a row to be healthy */
	uint32_t unhealthy_threshold;  /* failures in a row to be unhealthy */
};

/** A destination: service host, subset, port, with what serves it. */
struct gw_mesh_cluster {
	const char *name;      /* Envoy style: outbound|port|subset|host */
	const char *host;      /* the ServiceEntry host */
	const char *subset;    /* "" when none */
	const char *ns;        /* the ServiceEntry's namespace */
	/* the subset's "app" and "version" labels (Istio's destination_app
	 * and destination_version), "" when it has none */
	const char *app;
	const char *version;
	uint16_t port;         /* service port */
	uint32_t n_endpoints;
	const struct gw_mesh_endpoint *endpoints;
	const struct gw_lb *lb; /* endpoint i of the balancer = endpoints[i];
				 * NULL when there are no endpoints */
	struct gw_lb_conf lb_conf; /* what lb was built with (its strings in
				    * the mesh), to rebuild it with new
				    * weights */
	/* DestinationRule trafficPolicy.connectionPool */
	uint32_t connect_timeout_ms;
	uint32_t max_connections;      /* per cluster (Istio: per host) */
	uint32_t max_pending_requests; /* http1MaxPendingRequests */
	uint32_t max_requests_per_conn; /* 0 in Istio = unlimited: stored as
					  * GW_MESH_DEFAULT_MAX_REQUESTS */
	uint32_t idle_timeout_ms;      /* upstream connection idle timeout */
	const struct gw_mesh_tls_client *tls; /* trafficPolicy.tls; NULL:
					       * plain TCP */
	uint32_t tcp_idle_timeout_ms;  /* tcp.idleTimeout: a tunnel (TLS
					* passthrough) idle this long is
					* closed; 1 h by default */
	uint32_t max_retries;          /* http.maxRetries: retries at once */
	struct gw_mesh_outlier outlier;
	/* the HealthCheck that targets the cluster (host, subset), NULL none */
	const struct gw_mesh_health_check *health_check;
	/* HealthCheck panicThreshold, else outlierDetection's
	 * minHealthPercent, else 50 (Envoy) */
	uint32_t panic_percent;
};

/** A weighted destination of a TLS (passthrough) route. */
struct gw_mesh_l4_dest {
	uint32_t cluster;	/* index, GW_MESH_NO_CLUSTER: none serves it */
	uint32_t weight;	/* relative; > 0 */
};

/** A VirtualService tls route as one SNI pattern of a passthrough port
 * sees it. */
struct gw_mesh_sni_route {
	const char *sni;	/* a name, "*.suffix" or "*" */
	const char *name;	/* "ns/name tls[i]" */
	uint32_t n_dests;	/* 1.. */
	const struct gw_mesh_l4_dest *dests;
	uint64_t weight_sum;	/* > 0 */
};

/** An IPv4 subnet (host byte order): addr & mask == addr. */
struct gw_mesh_subnet {
	uint32_t addr;
	uint32_t mask;
};

/** One match block of a tcp route (L4MatchAttributes); every condition
 * given must hold, none given matches every connection. */
struct gw_mesh_tcp_match {
	uint32_t n_dst;		/* destinationSubnets: the address the
				 * client connected to is in one */
	const struct gw_mesh_subnet *dst;
	uint32_t n_src;		/* sourceSubnet: the client's address */
	const struct gw_mesh_subnet *src;
};

/** A VirtualService tcp route as one TCP port sees it: the first route
 * with a matching block (or no blocks) takes the connection. */
struct gw_mesh_tcp_route {
	const char *name;	/* "ns/name tcp[i]" */
	uint32_t n_matches;	/* 0: every connection */
	const struct gw_mesh_tcp_match *matches;
	uint32_t n_dests;	/* 1.. */
	const struct gw_mesh_l4_dest *dests;
	uint64_t weight_sum;	/* > 0 */
};

/** The first of routes that takes a connection from src to dst (host
 * byte order), or NULL. Any thread; pure. */
const struct gw_mesh_tcp_route *
gw_mesh_tcp_route_find(const struct gw_mesh_tcp_route *routes, uint32_t n,
		       uint32_t src, uint32_t dst);

/** A port that serves HTTP, HTTPS, TLS passthrough or TCP, with its
 * routes. */
struct gw_mesh_listener {
	uint16_t port;
	enum gw_mesh_protocol protocol;
	const char *name;             /* "http.<port>" */
	const struct gw_route_table *routes; /* NULL: no route binds to it,
					      * every request gets 404 */
	uint32_t n_vhosts;            /* virtual hosts in the table */
	/* HTTPS: the servers, chosen by SNI (the first is the default for
	 * a handshake whose SNI none matches) */
	uint32_t n_tls;
	const struct gw_mesh_tls_server *tls;
	/* HTTP: hosts of servers with tls.httpsRedirect (their requests get
	 * 301 to https) */
	uint32_t n_redirect;
	const char *const *redirect_hosts;
	/* TLS passthrough: the routes by SNI; the most specific pattern
	 * wins (a name, then the longest "*.suffix", then "*"), the first
	 * of equals; a ClientHello none matches is closed */
	uint32_t n_sni_routes;
	const struct gw_mesh_sni_route *sni_routes;
	/* TCP: the tcp routes in order (VirtualServices in configuration
	 * order, their routes in order); a connection none takes is closed.
	 * With n_tls > 0 the servers terminate TLS first (Gateway protocol
	 * TLS, mode SIMPLE or MUTUAL). */
	uint32_t n_tcp_routes;
	const struct gw_mesh_tcp_route *tcp_routes;
};

/* ---- report ----------------------------------------------------------- */

enum gw_mesh_state {
	GW_MESH_APPLIED,      /* every field used */
	GW_MESH_PARTIAL,      /* used, with warnings */
	GW_MESH_REJECTED,     /* an error: left out */
	GW_MESH_NOT_YET_APPLIED, /* a kind meshgw does not compile yet */
	GW_MESH_IGNORED,      /* not a resource this module reads */
};

enum gw_mesh_severity {
	GW_MESH_WARNING,
	GW_MESH_ERROR,
};

#define GW_MESH_MSG_MAX 320

/** One finding, tied to a resource and a position in its source. */
struct gw_mesh_diag {
	const struct gw_config_resource *res; /* borrowed from the config */
	enum gw_mesh_severity severity;
	unsigned line;          /* 0 = the resource as a whole */
	unsigned col;
	char msg[GW_MESH_MSG_MAX]; /* "<field path>: <what and why>" */
};

struct gw_mesh;

/**
 * Compile the resources of cfg. Resources with errors are rejected and
 * reported; the rest still compile.
 *
 * @param cfg
 *   The loaded configuration, borrowed: the mesh copies what it keeps, but
 *   its report points at cfg's resources, so keep cfg while reading it.
 * @param out
 *   The new mesh (free with gw_mesh_free()), also when some resources
 *   were rejected.
 * @return
 *   0; -ENOMEM (nothing is returned).
 */
int gw_mesh_compile(const struct gw_config *cfg, struct gw_mesh **out);

/** Free a mesh; NULL is a no-op. */
void gw_mesh_free(struct gw_mesh *m);

size_t gw_mesh_listener_count(const struct gw_mesh *m);
const struct gw_mesh_listener *gw_mesh_listener_at(const struct gw_mesh *m,
						   size_t i);
/** The listener on a port, or NULL. */
const struct gw_mesh_listener *gw_mesh_listener_lookup(const struct gw_mesh *m,
						       uint16_t port);

size_t gw_mesh_cluster_count(const struct gw_mesh *m);
/** Cluster i (the value in gw_route_dest.user), or NULL. */
const struct gw_mesh_cluster *gw_mesh_cluster_at(const struct gw_mesh *m,
						 size_t i);

/** The index of the cluster named name (Envoy style), trying hint first
 * (the same index in a previous mesh); SIZE_MAX when there is none. */
size_t gw_mesh_cluster_find(const struct gw_mesh *m, const char *name,
			    size_t hint);

size_t gw_mesh_diag_count(const struct gw_mesh *m);
const struct gw_mesh_diag *gw_mesh_diag_at(const struct gw_mesh *m, size_t i);

/** The status of a resource of the compiled configuration. */
enum gw_mesh_state gw_mesh_resource_state(const struct gw_mesh *m,
					  const struct gw_config_resource *res);

/** "applied", "partially applied", "rejected", "not yet applied", "ignored". */
const char *gw_mesh_state_name(enum gw_mesh_state s);

/**
 * Format a finding as "file:line:col: Kind ns/name: msg" (severity
 * "error: " or "warning: " first).
 * @return the length snprintf would have written.
 */
int gw_mesh_diag_format(const struct gw_mesh_diag *d, char *buf, size_t len);

#endif /* GW_MESH_H */
