/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/mesh's TLS passthrough: Gateway servers with protocol
 * TLS (or HTTPS) in tls.mode PASSTHROUGH make a "tls.<port>" listener
 * whose routes are the VirtualServices' spec.tls routes by SNI (sniHosts
 * within the service's hosts, narrowed to the servers' hosts; match port
 * and gateways; weighted destinations), a pattern two VirtualServices
 * route staying with the first; one port serves one of HTTP, HTTPS and
 * TLS passthrough; the TLS modes and match fields meshgw does not serve
 * are reported; DestinationRule connectionPool.tcp.idleTimeout sets the
 * clusters' tunnel idle timeout. Three tests keep bugs they found fixed:
 * test_skipped_block_leaks, test_route_index_after_dropped_route,
 * test_sni_host_wider_than_hosts.
 * The fixture (and its PKI, for an HTTPS server sharing a port) is
 * mesh_tls_fixture.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mesh_tls_fixture.h"

/* ---- YAML ---------------------------------------------------------------- */

/* A passthrough server (three lines) on port with hosts (a flow list). */
#define PASSTHROUGH(port, hosts)					\
	"  - port: {number: " port ", name: tls, protocol: TLS}\n"	\
	"    hosts: " hosts "\n"					\
	"    tls: {mode: PASSTHROUGH}\n"

/* A VirtualService: "---" then four lines; its spec fields follow. */
#define VS(name, ns)							\
	"---\n"								\
	"apiVersion: networking.istio.io/v1\n"				\
	"kind: VirtualService\n"					\
	"metadata: {name: " name ", namespace: " ns "}\n"		\
	"spec:\n"

/* A ServiceEntry edge/<name> for <name>.backend.internal:443 with one
 * endpoint (nine lines). */
#define SE(name, addr)							\
	"---\n"								\
	"apiVersion: networking.istio.io/v1\n"				\
	"kind: ServiceEntry\n"						\
	"metadata: {name: " name ", namespace: edge}\n"			\
	"spec:\n"							\
	"  hosts: [" name ".backend.internal]\n"			\
	"  resolution: STATIC\n"					\
	"  ports: [{number: 443, name: tls, protocol: TLS}]\n"		\
	"  endpoints: [{address: " addr "}]\n"

#define CL(name) "outbound|443||" name ".backend.internal"

/* ---- helpers ------------------------------------------------------------- */

/* The passthrough listener on port, with n SNI routes. */
static const struct gw_mesh_listener *
tls_listener(uint16_t port, uint32_t n)
{
	const struct gw_mesh_listener *l = gw_mesh_listener_lookup(F.mesh,
								   port);
	char name[16];

	if (l == NULL) {
		print_error("no listener on %u:\n%s", port, F.report);
		fail();
	}
	snprintf(name, sizeof(name), "tls.%u", port);
	assert_int_equal(l->port, port);
	assert_int_equal(l->protocol, GW_MESH_PROTO_TLS);
	assert_string_equal(l->name, name);
	assert_null(l->routes);
	assert_int_equal(l->n_vhosts, 0);
	assert_int_equal(l->n_tls, 0);
	assert_int_equal(l->n_redirect, 0);
	if (l->n_sni_routes != n) {
		print_error("%u SNI routes on %u, expected %u:\n%s",
			    l->n_sni_routes, port, n, F.report);
		fail();
	}
	if (n == 0)
		assert_null(l->sni_routes);
	else
		assert_non_null(l->sni_routes);
	return l;
}

/* Route i of listener l: its SNI pattern, name and destination count. */
static const struct gw_mesh_sni_route *
sni_route_is(const struct gw_mesh_listener *l, uint32_t i, const char *sni,
	     const char *name, uint32_t n_dests)
{
	const struct gw_mesh_sni_route *r;

	assert_true(i < l->n_sni_routes);
	r = &l->sni_routes[i];
	assert_string_equal(r->sni, sni);
	assert_string_equal(r->name, name);
	assert_int_equal(r->n_dests, n_dests);
	assert_non_null(r->dests);
	return r;
}

/* Destination i of r goes to the cluster named cluster (NULL: none) with
 * weight. */
static void
dest_is(const struct gw_mesh_sni_route *r, uint32_t i, const char *cluster,
	uint32_t weight)
{
	const struct gw_mesh_cluster *cl;

	assert_true(i < r->n_dests);
	assert_int_equal(r->dests[i].weight, weight);
	if (cluster == NULL) {
		assert_int_equal(r->dests[i].cluster, GW_MESH_NO_CLUSTER);
		return;
	}
	cl = gw_mesh_cluster_at(F.mesh, r->dests[i].cluster);
	assert_non_null(cl);
	assert_string_equal(cl->name, cluster);
}

static const struct gw_mesh_cluster *
cluster_named(const char *name)
{
	size_t i = gw_mesh_cluster_find(F.mesh, name, 0);

	if (i == SIZE_MAX) {
		print_error("no cluster %s:\n%s", name, F.report);
		fail();
	}
	return gw_mesh_cluster_at(F.mesh, i);
}

/* ---- what works ---------------------------------------------------------- */

/* A TLS server in PASSTHROUGH mode and a VirtualService of two tls routes:
 * an exact name to one service, a wildcard split 80/20 between subsets. */
static void
test_passthrough_routes(void **state)
{
	const struct gw_mesh_sni_route *r;
	const struct gw_mesh_listener *l;
	const struct gw_mesh_cluster *cl;

	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")			/* 6..8 */
		VS("shop", "edge")				/* 9..13 */
		"  hosts: [shop.example.com, '*.api.example.com']\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{port: 443, sniHosts: [shop.example.com]}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		"  - match: [{sniHosts: ['*.api.example.com']}]\n"
		"    route:\n"
		"    - destination: {host: api.backend.internal, subset: v1}\n"
		"      weight: 80\n"
		"    - destination: {host: api.backend.internal, subset: v2,"
		" port: {number: 443}}\n"
		"      weight: 20\n"
		SE("shop", "198.18.0.1")
		"---\n"
		"apiVersion: networking.istio.io/v1\n"
		"kind: ServiceEntry\n"
		"metadata: {name: api, namespace: edge}\n"
		"spec:\n"
		"  hosts: [api.backend.internal]\n"
		"  resolution: STATIC\n"
		"  ports: [{number: 443, name: tls, protocol: TLS}]\n"
		"  endpoints:\n"
		"  - {address: 198.18.1.1, labels: {version: v1}}\n"
		"  - {address: 198.18.1.2, labels: {version: v1}}\n"
		"  - {address: 198.18.2.1, labels: {version: v2}}\n"
		"---\n"
		"apiVersion: networking.istio.io/v1\n"
		"kind: DestinationRule\n"
		"metadata: {name: api, namespace: edge}\n"
		"spec:\n"
		"  host: api.backend.internal\n"
		"  subsets:\n"
		"  - {name: v1, labels: {version: v1}}\n"
		"  - {name: v2, labels: {version: v2}}\n");
	report_count(0);
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_APPLIED);
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_APPLIED);
	assert_int_equal(state_of("ServiceEntry", "shop"), GW_MESH_APPLIED);
	assert_int_equal(state_of("ServiceEntry", "api"), GW_MESH_APPLIED);
	assert_int_equal(state_of("DestinationRule", "api"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 1);
	assert_ptr_equal(gw_mesh_listener_at(F.mesh, 0),
			 gw_mesh_listener_lookup(F.mesh, 443));
	l = tls_listener(443, 2);

	r = sni_route_is(l, 0, "shop.example.com", "edge/shop tls[0]", 1);
	dest_is(r, 0, CL("shop"), 1);
	assert_int_equal(r->weight_sum, 1);

	r = sni_route_is(l, 1, "*.api.example.com", "edge/shop tls[1]", 2);
	dest_is(r, 0, "outbound|443|v1|api.backend.internal", 80);
	dest_is(r, 1, "outbound|443|v2|api.backend.internal", 20);
	assert_int_equal(r->weight_sum, 100);

	assert_int_equal(gw_mesh_cluster_count(F.mesh), 3);
	cl = cluster_named(CL("shop"));
	assert_string_equal(cl->host, "shop.backend.internal");
	assert_string_equal(cl->subset, "");
	assert_int_equal(cl->port, 443);
	assert_int_equal(cl->n_endpoints, 1);
	/* 198.18.0.1 */
	assert_int_equal(cl->endpoints[0].addr, 0xc6120001);
	assert_int_equal(cl->endpoints[0].port, 443);
	assert_non_null(cl->lb);
	cl = cluster_named("outbound|443|v1|api.backend.internal");
	assert_int_equal(cl->n_endpoints, 2);
	cl = cluster_named("outbound|443|v2|api.backend.internal");
	assert_int_equal(cl->n_endpoints, 1);
	/* 198.18.2.1 */
	assert_int_equal(cl->endpoints[0].addr, 0xc6120201);
}

/* An HTTPS server in PASSTHROUGH mode is a passthrough server too; a
 * passthrough port no route binds to has no route (every hello is
 * closed); the listener copies what it keeps. */
static void
test_https_passthrough(void **state)
{
	const struct gw_mesh_listener *l;
	const struct gw_mesh_sni_route *r;

	(void)state;
	compile(GW("gw")
		"  - port: {number: 8443, name: https, protocol: HTTPS}\n"
		"    hosts: [shop.example.com]\n"
		"    tls: {mode: PASSTHROUGH}\n"
		PASSTHROUGH("9443", "[shop.example.com]")
		VS("shop", "edge")
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{port: 8443, sniHosts: [shop.example.com]}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(0);
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_APPLIED);
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 2);
	l = tls_listener(8443, 1);
	r = sni_route_is(l, 0, "shop.example.com", "edge/shop tls[0]", 1);
	dest_is(r, 0, CL("shop"), 1);
	tls_listener(9443, 0);

	/* the mesh keeps what it needs after the config is gone */
	gw_config_free(F.cfg);
	F.cfg = NULL;
	assert_string_equal(r->sni, "shop.example.com");
	assert_string_equal(r->name, "edge/shop tls[0]");
	assert_string_equal(l->name, "tls.8443");
	assert_string_equal(gw_mesh_cluster_at(F.mesh,
					       r->dests[0].cluster)->name,
			    CL("shop"));

	/* no VirtualService at all */
	compile(GW("gw") PASSTHROUGH("443", "['*']"));
	report_count(0);
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 1);
	tls_listener(443, 0);
	assert_int_equal(gw_mesh_cluster_count(F.mesh), 0);
}

/* A destination no ServiceEntry declares is a warning; its route stays,
 * without a cluster. */
static void
test_unknown_destination(void **state)
{
	const struct gw_mesh_sni_route *r;

	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")				/* 9.. */
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [shop.example.com]}]\n"
		"    route:\n"
		"    - destination: {host: shop.backend.internal}\n"
		"      weight: 3\n"
		"    - {destination: {host: nowhere.internal}, weight: 1}\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	report_has("test.yaml:10:1: warning: VirtualService edge/shop: tls "
		   "route destination host \"nowhere.internal\": no "
		   "ServiceEntry declares it; requests sent there get 503\n");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_PARTIAL);
	r = sni_route_is(tls_listener(443, 1), 0, "shop.example.com",
			 "edge/shop tls[0]", 2);
	dest_is(r, 0, CL("shop"), 3);
	dest_is(r, 1, NULL, 1);
	assert_int_equal(r->weight_sum, 4);
}

/* SNI patterns are narrowed to the passthrough servers' hosts. */
static void
test_server_hosts_narrow(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*.example.com']")
		VS("any", "edge")
		"  hosts: ['*']\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: ['*']}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(0);
	l = tls_listener(443, 1);
	dest_is(sni_route_is(l, 0, "*.example.com", "edge/any tls[0]", 1), 0,
		CL("shop"), 1);

	/* one pattern against several server hosts: one route each; a
	 * pattern the servers do not serve gets nothing */
	compile(GW("gw")
		PASSTHROUGH("443", "[a.example.com, '*.api.example.com',"
			    " other.test]")
		VS("any", "edge")
		"  hosts: ['*.example.com', '*.org']\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: ['*.example.com', '*.org']}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(0);
	l = tls_listener(443, 2);
	sni_route_is(l, 0, "a.example.com", "edge/any tls[0]", 1);
	sni_route_is(l, 1, "*.api.example.com", "edge/any tls[0]", 1);
}

/* A server host "ns/host" admits only the VirtualServices of ns ("./host"
 * those of the Gateway's namespace). */
static void
test_server_host_namespace(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['shop/*.shop.example.com',"
			    " './*.edge.example.com']")
		VS("mine", "shop")
		"  hosts: ['*.example.com']\n"
		"  gateways: [edge/gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: ['*.example.com']}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		VS("theirs", "other")
		"  hosts: ['*.example.com']\n"
		"  gateways: [edge/gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: ['*.example.com']}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		VS("local", "edge")
		"  hosts: ['*.example.com']\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: ['*.example.com']}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(0);
	assert_int_equal(state_of("VirtualService", "mine"), GW_MESH_APPLIED);
	assert_int_equal(state_of("VirtualService", "theirs"),
			 GW_MESH_APPLIED);
	l = tls_listener(443, 2);
	sni_route_is(l, 0, "*.shop.example.com", "shop/mine tls[0]", 1);
	sni_route_is(l, 1, "*.edge.example.com", "edge/local tls[0]", 1);
}

/* A single destination takes everything, whatever its weight. */
static void
test_single_destination_weight(void **state)
{
	const struct gw_mesh_sni_route *r;

	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [shop.example.com]}]\n"
		"    route: [{destination: {host: shop.backend.internal},"
		" weight: 0}]\n"
		SE("shop", "198.18.0.1"));
	report_count(0);
	r = sni_route_is(tls_listener(443, 1), 0, "shop.example.com",
			 "edge/shop tls[0]", 1);
	dest_is(r, 0, CL("shop"), 1);
	assert_int_equal(r->weight_sum, 1);

	/* several: one at 0 keeps its place and gets nothing */
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [shop.example.com]}]\n"
		"    route:\n"
		"    - destination: {host: shop.backend.internal}\n"
		"      weight: 0\n"
		"    - destination: {host: api.backend.internal}\n"
		"      weight: 5\n"
		SE("shop", "198.18.0.1")
		SE("api", "198.18.1.1"));
	report_count(0);
	r = sni_route_is(tls_listener(443, 1), 0, "shop.example.com",
			 "edge/shop tls[0]", 2);
	dest_is(r, 0, CL("shop"), 0);
	dest_is(r, 1, CL("api"), 5);
	assert_int_equal(r->weight_sum, 5);
}

/* A match port other than the listener's keeps the route off it; a match
 * limited to another Gateway does not bind through this one. */
static void
test_match_port_and_gateways(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		PASSTHROUGH("8443", "['*']")
		"---\n"
		"apiVersion: networking.istio.io/v1\n"
		"kind: Gateway\n"
		"metadata: {name: other, namespace: edge}\n"
		"spec:\n"
		"  servers:\n"
		PASSTHROUGH("9443", "['*']")
		VS("shop", "edge")
		"  hosts: ['*.example.com']\n"
		"  gateways: [gw, other]\n"
		"  tls:\n"
		"  - match: [{port: 8443, sniHosts: [a.example.com]}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		"  - match: [{gateways: [other], sniHosts: [b.example.com]}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		"  - match:\n"
		"    - {gateways: [edge/gw], port: 443,"
		" sniHosts: [c.example.com]}\n"
		"    - {gateways: [mesh], sniHosts: [d.example.com]}\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(0);
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 3);
	l = tls_listener(443, 1);
	sni_route_is(l, 0, "c.example.com", "edge/shop tls[2]", 1);
	l = tls_listener(8443, 1);
	sni_route_is(l, 0, "a.example.com", "edge/shop tls[0]", 1);
	l = tls_listener(9443, 1);
	sni_route_is(l, 0, "b.example.com", "edge/shop tls[1]", 1);

	/* a VirtualService that does not name the Gateway is not bound */
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: ['*.example.com']\n"
		"  gateways: [edge/elsewhere]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [a.example.com]}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	report_has("test.yaml:10:1: warning: VirtualService edge/shop: "
		   "spec.gateways[0]: Gateway \"edge/elsewhere\" does not "
		   "exist (or was rejected)\n");
	tls_listener(443, 0);
}

/* Two VirtualServices with one pattern: the first keeps it. */
static void
test_duplicate_sni(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("first", "edge")				/* 9..13 */
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [shop.example.com]}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		VS("second", "edge")				/* 19..23 */
		"  hosts: [shop.example.com, api.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [SHOP.example.com, api.example.com]}]\n"
		"    route: [{destination: {host: api.backend.internal}}]\n"
		SE("shop", "198.18.0.1")
		SE("api", "198.18.1.1"));
	report_count(1);
	report_has("test.yaml:20:1: warning: VirtualService edge/second: "
		   "spec.tls[0]: SNI \"SHOP.example.com\" on port 443 is "
		   "routed by edge/first tls[0] already; this route does not "
		   "get it\n");
	assert_int_equal(state_of("VirtualService", "first"), GW_MESH_APPLIED);
	assert_int_equal(state_of("VirtualService", "second"),
			 GW_MESH_PARTIAL);
	l = tls_listener(443, 2);
	dest_is(sni_route_is(l, 0, "shop.example.com", "edge/first tls[0]",
			     1), 0, CL("shop"), 1);
	dest_is(sni_route_is(l, 1, "api.example.com", "edge/second tls[0]",
			     1), 0, CL("api"), 1);

	/* within one VirtualService, the first route keeps it; one route
	 * naming a pattern twice is no finding */
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match:\n"
		"    - {sniHosts: [shop.example.com, shop.example.com]}\n"
		"    - {sniHosts: [shop.example.com]}\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		"  - match: [{sniHosts: [shop.example.com]}]\n"
		"    route: [{destination: {host: api.backend.internal}}]\n"
		SE("shop", "198.18.0.1")
		SE("api", "198.18.1.1"));
	report_count(1);
	report_has("test.yaml:10:1: warning: VirtualService edge/shop: "
		   "spec.tls[1]: SNI \"shop.example.com\" on port 443 is "
		   "routed by edge/shop tls[0] already; this route does not "
		   "get it\n");
	l = tls_listener(443, 1);
	dest_is(sni_route_is(l, 0, "shop.example.com", "edge/shop tls[0]",
			     1), 0, CL("shop"), 1);
}

/* ---- what is refused ----------------------------------------------------- */

/* sniHosts: required, each a host pattern within the service's hosts. */
static void
test_sni_hosts_errors(void **state)
{
	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")				/* 9..13 */
		"  hosts: [shop.example.com]\n"			/* 14 */
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [api.example.com]}]\n"	/* 17 */
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		VS("good", "edge")
		"  hosts: [good.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [good.example.com]}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	report_has("test.yaml:17:25: error: VirtualService edge/shop: "
		   "spec.tls[0].match[0].sniHosts[0]: \"api.example.com\" is "
		   "not within the VirtualService's hosts\n");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_REJECTED);
	assert_int_equal(state_of("VirtualService", "good"), GW_MESH_APPLIED);
	sni_route_is(tls_listener(443, 1), 0, "good.example.com",
		     "edge/good tls[0]", 1);

	/* the second pattern, of the second block */
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: ['*.example.com']\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match:\n"					/* 17 */
		"    - {sniHosts: [a.example.com]}\n"
		"    - {sniHosts: [b.example.com, example.com]}\n" /* 19 */
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	report_has("test.yaml:19:34: error: VirtualService edge/shop: "
		   "spec.tls[0].match[1].sniHosts[1]: \"example.com\" is not "
		   "within the VirtualService's hosts\n");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_REJECTED);
	tls_listener(443, 0);

	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{port: 443}]\n"			/* 17 */
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	report_has("test.yaml:17:13: error: VirtualService edge/shop: "
		   "spec.tls[0].match[0].sniHosts: at least one SNI host is "
		   "required\n");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_REJECTED);
	tls_listener(443, 0);

	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: []}]\n"			/* 17 */
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	report_has("test.yaml:17:24: error: VirtualService edge/shop: "
		   "spec.tls[0].match[0].sniHosts: at least one SNI host is "
		   "required\n");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_REJECTED);

	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: ['shop.*']}]\n"		/* 17 */
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	report_has("test.yaml:17:25: error: VirtualService edge/shop: "
		   "spec.tls[0].match[0].sniHosts[0]: \"shop.*\" is not a "
		   "host, \"*.suffix\" or \"*\"\n");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_REJECTED);
}

/* match and route are required; several destinations need a weight. */
static void
test_route_errors(void **state)
{
	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [shop.example.com]}]\n"	/* 17 */
		"    route:\n"					/* 18 */
		"    - destination: {host: shop.backend.internal}\n"
		"      weight: 0\n"
		"    - {destination: {host: api.backend.internal}}\n"
		SE("shop", "198.18.0.1")
		SE("api", "198.18.1.1"));
	report_count(1);
	report_has("test.yaml:19:5: error: VirtualService edge/shop: "
		   "spec.tls[0].route: the weights of several destinations "
		   "must not all be 0\n");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_REJECTED);
	tls_listener(443, 0);

	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [shop.example.com]}]\n"	/* 17 */
		"  - route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_has("test.yaml:17:5: error: VirtualService edge/shop: "
		   "spec.tls[0].route: at least one destination is "
		   "required\n");
	report_has("test.yaml:18:5: error: VirtualService edge/shop: "
		   "spec.tls[1].match: at least one match block is "
		   "required\n");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_REJECTED);

	/* tls routes take no headers (http only) */
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [shop.example.com]}]\n"
		"    route:\n"
		"    - destination: {host: shop.backend.internal}\n" /* 19 */
		"      headers: {request: {set: {x-a: b}}}\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	report_has("test.yaml:20:7: error: VirtualService edge/shop: "
		   "spec.tls[0].route[0].headers:");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_REJECTED);
}

/* One port serves one kind (HTTP, HTTPS, TLS passthrough, TCP): the later
 * server of another kind is an error on its Gateway and left out. */
static void
test_one_protocol_per_port(void **state)
{
	(void)state;
	compile(GW("plain")
		"  - port: {number: 8443, name: http, protocol: HTTP}\n"
		"    hosts: [a.example.com]\n"
		"---\n"					/* 8 */
		GW("pass")				/* 9.. */
		PASSTHROUGH("8443", "[b.example.com]"));
	report_count(1);
	report_has("test.yaml:9:1: error: Gateway edge/pass: "
		   "spec.servers[0]: port 8443 already serves HTTP; one port "
		   "serves one of HTTP, HTTPS, TLS passthrough, TCP and TLS "
		   "terminated into TCP (this server is left out)\n");
	assert_int_equal(state_of("Gateway", "plain"), GW_MESH_APPLIED);
	assert_int_equal(state_of("Gateway", "pass"), GW_MESH_REJECTED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 1);
	assert_int_equal(gw_mesh_listener_lookup(F.mesh, 8443)->protocol,
			 GW_MESH_PROTO_HTTP);
	assert_string_equal(gw_mesh_listener_lookup(F.mesh, 8443)->name,
			    "http.8443");

	/* passthrough first, in one Gateway: the HTTP server goes */
	compile(GW("gw")
		PASSTHROUGH("8443", "[b.example.com]")
		"  - port: {number: 8443, name: http, protocol: HTTP}\n"
		"    hosts: [a.example.com]\n");
	report_count(1);
	report_has("test.yaml:1:1: error: Gateway edge/gw: "
		   "spec.servers[1]: port 8443 already serves TLS "
		   "passthrough; one port serves one of HTTP, HTTPS, TLS "
		   "passthrough, TCP and TLS terminated into TCP (this server "
		   "is left out)\n");
	assert_int_equal(gw_mesh_listener_count(F.mesh), 1);
	tls_listener(8443, 0);

	/* an HTTPS server that terminates TLS, then passthrough */
	compilef(GW("secure")
		 "  - port: {number: 443, name: https, protocol: HTTPS}\n"
		 "    hosts: [shop.example.com]\n"
		 "    tls: {mode: SIMPLE, serverCertificate: '%1$s/ec.crt',"
		 " privateKey: '%1$s/ec.key'}\n"
		 "---\n"				/* 9 */
		 GW("pass")				/* 10.. */
		 PASSTHROUGH("443", "[b.example.com]"));
	report_count(1);
	report_has("test.yaml:10:1: error: Gateway edge/pass: "
		   "spec.servers[0]: port 443 already serves HTTPS; one port "
		   "serves one of HTTP, HTTPS, TLS passthrough, TCP and TLS "
		   "terminated into TCP (this server is left out)\n");
	assert_int_equal(state_of("Gateway", "secure"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 1);
	assert_int_equal(gw_mesh_listener_lookup(F.mesh, 443)->protocol,
			 GW_MESH_PROTO_HTTPS);

	/* TLS and HTTPS servers both in PASSTHROUGH mode share the port;
	 * one Gateway must not name one host twice on it */
	compile(GW("gw")
		PASSTHROUGH("443", "[a.example.com]")
		"  - port: {number: 443, name: https, protocol: HTTPS}\n"
		"    hosts: [b.example.com]\n"
		"    tls: {mode: PASSTHROUGH}\n"
		"---\n"
		GW("again")				/* 13.. */
		PASSTHROUGH("443", "[a.example.com]"));
	report_count(0);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 1);
	tls_listener(443, 0);

	compile(GW("gw")
		PASSTHROUGH("443", "[a.example.com]")
		PASSTHROUGH("443", "['*.example.com', A.example.com]"));
	report_count(1);
	report_has("test.yaml:9:5: error: Gateway edge/gw: spec.servers[1]: "
		   "host \"A.example.com\" on port 443 is already served by "
		   "servers[0]\n");
	rejected("gw");
}

/* The TLS modes and protocol uses meshgw does not serve yet. */
static void
test_tls_modes(void **state)
{
	(void)state;
	compile(GW("gw")
		"  - port: {number: 15443, name: tls, protocol: TLS}\n"
		"    hosts: ['*.local']\n"
		"    tls: {mode: AUTO_PASSTHROUGH}\n");
	report_count(1);
	report_has("test.yaml:8:17: warning: Gateway edge/gw: "
		   "spec.servers[0].tls.mode: AUTO_PASSTHROUGH is not "
		   "supported yet; this server is ignored\n");
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_PARTIAL);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 0);

	compile(GW("gw")
		"  - port: {number: 443, name: tls, protocol: TLS}\n"
		"    hosts: ['*.local']\n"
		"    tls: {mode: ISTIO_MUTUAL}\n");
	report_count(1);
	report_has("test.yaml:8:17: warning: Gateway edge/gw: "
		   "spec.servers[0].tls.mode: ISTIO_MUTUAL is not "
		   "supported yet; this server is ignored\n");
	assert_int_equal(gw_mesh_listener_count(F.mesh), 0);

	/* a TLS server needs tls; tls: {} is PASSTHROUGH (the default) */
	compile(GW("gw")
		"  - port: {number: 443, name: tls, protocol: TLS}\n"
		"    hosts: [shop.example.com]\n");
	report_count(1);
	report_has("test.yaml:6:5: error: Gateway edge/gw: "
		   "spec.servers[0].tls: required for a TLS server\n");
	rejected("gw");

	compile(GW("gw")
		"  - port: {number: 443, name: tls, protocol: TLS}\n"
		"    hosts: [shop.example.com]\n"
		"    tls: {}\n");
	report_count(0);
	tls_listener(443, 0);

	compile(GW("gw")
		"  - port: {number: 443, name: tls, protocol: TLS}\n"
		"    hosts: [shop.example.com]\n"
		"    tls: PASSTHROUGH\n");
	report_count(1);
	report_has("test.yaml:8:10: error: Gateway edge/gw: "
		   "spec.servers[0].tls: expected a mapping");
	rejected("gw");

	/* no mode, but certificates: a mistake */
	compile(GW("gw")
		"  - port: {number: 443, name: tls, protocol: TLS}\n"
		"    hosts: [shop.example.com]\n"
		"    tls: {credentialName: web}\n");
	report_count(1);
	report_has("test.yaml:8:10: error: Gateway edge/gw: "
		   "spec.servers[0].tls.mode: absent, so PASSTHROUGH (Istio's "
		   "default), which does not use "
		   "spec.servers[0].tls.credentialName; say SIMPLE (or MUTUAL) "
		   "to terminate TLS here\n");
	rejected("gw");

	/* a TCP server is a TCP port (test_mesh_tcp.c has its routes) */
	compile(GW("gw")
		"  - port: {number: 3306, name: db, protocol: TCP}\n"
		"    hosts: ['*']\n");
	report_count(0);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 1);
	assert_int_equal(gw_mesh_listener_at(F.mesh, 0)->protocol,
			 GW_MESH_PROTO_TCP);
}

/* Match conditions meshgw does not check: the block never matches. */
static void
test_unsupported_match_fields(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: ['*.example.com']\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match:\n"					/* 17 */
		"    - sniHosts: [a.example.com]\n"		/* 18 */
		"      sourceLabels: {app: web}\n"		/* 19 */
		"    - {sniHosts: [b.example.com]}\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		"  - match:\n"					/* 22 */
		"    - sniHosts: [c.example.com]\n"
		"      destinationSubnets: [10.0.0.0/8]\n"	/* 24 */
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		"  - match:\n"					/* 26 */
		"    - {sniHosts: [d.example.com], sourceNamespace: web}\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(3);
	report_has("test.yaml:19:21: warning: VirtualService edge/shop: "
		   "spec.tls[0].match[0]: destinationSubnets, sourceLabels and "
		   "sourceNamespace are not supported for tls routes yet; this "
		   "match block never matches\n");
	report_has("test.yaml:24:27: warning: VirtualService edge/shop: "
		   "spec.tls[1].match[0]: destinationSubnets, sourceLabels and "
		   "sourceNamespace are not supported for tls routes yet; this "
		   "match block never matches\n");
	report_has("test.yaml:27:52: warning: VirtualService edge/shop: "
		   "spec.tls[2].match[0]: destinationSubnets, sourceLabels and "
		   "sourceNamespace are not supported for tls routes yet; this "
		   "match block never matches\n");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_PARTIAL);
	l = tls_listener(443, 1);
	sni_route_is(l, 0, "b.example.com", "edge/shop tls[0]", 1);

	/* unknown fields are errors */
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: ['*.example.com']\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [a.example.com], sni: x}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	report_has("error: VirtualService edge/shop: "
		   "spec.tls[0].match[0].sni: ");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_REJECTED);
}

/* DestinationRule connectionPool.tcp.idleTimeout: the tunnels' idle
 * timeout (1 h by default), a subset's own overriding the host's. */
static void
test_tcp_idle_timeout(void **state)
{
	const struct gw_mesh_cluster *cl;

	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: [shop.example.com, api.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [shop.example.com]}]\n"
		"    route:\n"
		"    - destination: {host: shop.backend.internal}\n"
		"      weight: 1\n"
		"    - destination: {host: shop.backend.internal, subset: v2}\n"
		"      weight: 1\n"
		"  - match: [{sniHosts: [api.example.com]}]\n"
		"    route: [{destination: {host: api.backend.internal}}]\n"
		SE("shop", "198.18.0.1")
		SE("api", "198.18.1.1")
		"---\n"
		"apiVersion: networking.istio.io/v1\n"
		"kind: DestinationRule\n"
		"metadata: {name: shop, namespace: edge}\n"
		"spec:\n"
		"  host: shop.backend.internal\n"
		"  trafficPolicy:\n"
		"    connectionPool:\n"
		"      tcp: {idleTimeout: 30s}\n"
		"      http: {idleTimeout: 5s}\n"
		"  subsets:\n"
		"  - name: v2\n"
		"    labels: {}\n"
		"    trafficPolicy:\n"
		"      connectionPool: {tcp: {idleTimeout: 1m30s}}\n");
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	cl = cluster_named(CL("shop"));
	assert_int_equal(cl->tcp_idle_timeout_ms, 30000);
	assert_int_equal(cl->idle_timeout_ms, 5000);
	cl = cluster_named("outbound|443|v2|shop.backend.internal");
	assert_int_equal(cl->tcp_idle_timeout_ms, 90000);
	assert_int_equal(cl->idle_timeout_ms, 5000);
	cl = cluster_named(CL("api"));
	assert_int_equal(cl->tcp_idle_timeout_ms, 3600000);
	assert_int_equal(cl->tcp_idle_timeout_ms,
			 GW_MESH_DEFAULT_IDLE_TIMEOUT_MS);
	assert_int_equal(cl->idle_timeout_ms, GW_MESH_DEFAULT_IDLE_TIMEOUT_MS);

	compile(SE("api", "198.18.1.1")			/* 1..9 */
		"---\n"
		"apiVersion: networking.istio.io/v1\n"		/* 11 */
		"kind: DestinationRule\n"
		"metadata: {name: api, namespace: edge}\n"
		"spec:\n"
		"  host: api.backend.internal\n"
		"  trafficPolicy:\n"
		"    connectionPool:\n"
		"      tcp: {idleTimeout: 0s}\n");		/* 18 */
	report_count(1);
	report_has("test.yaml:18:26: error: DestinationRule edge/api: "
		   "spec.trafficPolicy.connectionPool.tcp.idleTimeout: "
		   "\"0s\" is out of range 1ms..4294967295ms\n");
	assert_int_equal(state_of("DestinationRule", "api"), GW_MESH_REJECTED);
}

/* ---- regressions: bugs these tests found ------------------------------ */

/*
 * A match block that never matches (here sourceLabels) is not counted,
 * and the next block is decoded into its slot: nothing of the skipped
 * block (its port 8443, its gateways) may stay on the next one, so
 * b.example.com is routed on 443.
 */
static void
test_skipped_block_leaks(void **state)
{
	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: ['*.example.com']\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match:\n"
		"    - sniHosts: [a.example.com]\n"
		"      port: 8443\n"
		"      sourceLabels: {app: web}\n"
		"    - {sniHosts: [b.example.com]}\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	sni_route_is(tls_listener(443, 1), 0, "b.example.com",
		     "edge/shop tls[0]", 1);

	/* the same with gateways */
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: ['*.example.com']\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match:\n"
		"    - sniHosts: [a.example.com]\n"
		"      gateways: [edge/other]\n"
		"      sourceNamespace: web\n"
		"    - {sniHosts: [b.example.com]}\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	sni_route_is(tls_listener(443, 1), 0, "b.example.com",
		     "edge/shop tls[0]", 1);
}

/*
 * A route's name and the duplicate warning give its index in spec.tls,
 * not among the routes kept: with tls[0] dropped (every block never
 * matches), "edge/shop tls[1]" and a warning on spec.tls[2].
 */
static void
test_route_index_after_dropped_route(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: ['*.example.com']\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: [a.example.com], sourceNamespace: x}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		"  - match: [{sniHosts: [b.example.com]}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		"  - match: [{sniHosts: [b.example.com]}]\n"
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(2);
	report_has("test.yaml:10:1: warning: VirtualService edge/shop: "
		   "spec.tls[2]: SNI \"b.example.com\" on port 443 is routed "
		   "by edge/shop tls[1] already; this route does not get it\n");
	l = tls_listener(443, 1);
	sni_route_is(l, 0, "b.example.com", "edge/shop tls[1]", 1);
}

/*
 * An SNI host must be within (a subset of) one of the VirtualService's
 * hosts, as Istio validates (validateSniHost): a pattern that covers a
 * host is not, so sniHosts ['*.example.com'] with hosts
 * [shop.example.com] is an error and the VirtualService is rejected.
 */
static void
test_sni_host_wider_than_hosts(void **state)
{
	(void)state;
	compile(GW("gw")
		PASSTHROUGH("443", "['*']")
		VS("shop", "edge")
		"  hosts: [shop.example.com]\n"
		"  gateways: [gw]\n"
		"  tls:\n"
		"  - match: [{sniHosts: ['*.example.com']}]\n"	/* 17 */
		"    route: [{destination: {host: shop.backend.internal}}]\n"
		SE("shop", "198.18.0.1"));
	report_count(1);
	report_has("test.yaml:17:25: error: VirtualService edge/shop: "
		   "spec.tls[0].match[0].sniHosts[0]: \"*.example.com\" is "
		   "not within the VirtualService's hosts\n");
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_REJECTED);
	tls_listener(443, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_passthrough_routes, teardown),
		cmocka_unit_test_teardown(test_https_passthrough, teardown),
		cmocka_unit_test_teardown(test_unknown_destination, teardown),
		cmocka_unit_test_teardown(test_server_hosts_narrow, teardown),
		cmocka_unit_test_teardown(test_server_host_namespace,
					  teardown),
		cmocka_unit_test_teardown(test_single_destination_weight,
					  teardown),
		cmocka_unit_test_teardown(test_match_port_and_gateways,
					  teardown),
		cmocka_unit_test_teardown(test_duplicate_sni, teardown),
		cmocka_unit_test_teardown(test_sni_hosts_errors, teardown),
		cmocka_unit_test_teardown(test_route_errors, teardown),
		cmocka_unit_test_teardown(test_one_protocol_per_port,
					  teardown),
		cmocka_unit_test_teardown(test_tls_modes, teardown),
		cmocka_unit_test_teardown(test_unsupported_match_fields,
					  teardown),
		cmocka_unit_test_teardown(test_tcp_idle_timeout, teardown),
		cmocka_unit_test_teardown(test_skipped_block_leaks, teardown),
		cmocka_unit_test_teardown(test_route_index_after_dropped_route,
					  teardown),
		cmocka_unit_test_teardown(test_sni_host_wider_than_hosts,
					  teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
