/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/mesh's TCP ports: Gateway servers with protocol TCP
 * (MONGO as opaque TCP, and TLS terminated in mode SIMPLE) make a
 * "tcp.<port>" listener whose routes are the bound VirtualServices'
 * spec.tcp routes in order (match blocks by port, gateways,
 * destinationSubnets and sourceSubnet; weighted destinations); the first
 * route a connection matches takes it (gw_mesh_tcp_route_find()); a
 * VirtualService binds a TCP server when a host of each overlaps; bad
 * subnets and weights are errors; one port serves one kind; a full-NAT
 * port of the Dataplane without a plain TCP server is warned about. The
 * fixture
 * (and its PKI, for the TLS server) is mesh_tls_fixture.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mesh_tls_fixture.h"

/* A TCP server (two lines) on port with hosts (a flow list). */
#define TCP(port, hosts)						\
	"  - port: {number: " port ", name: tcp, protocol: TCP}\n"	\
	"    hosts: " hosts "\n"

/* A VirtualService: "---" then four lines; its spec fields follow. */
#define VS(name, ns)							\
	"---\n"								\
	"apiVersion: networking.istio.io/v1\n"				\
	"kind: VirtualService\n"					\
	"metadata: {name: " name ", namespace: " ns "}\n"		\
	"spec:\n"

/* A ServiceEntry edge/<name> for <name>.db.internal:5432 with one
 * endpoint (nine lines). */
#define SE(name, addr)							\
	"---\n"								\
	"apiVersion: networking.istio.io/v1\n"				\
	"kind: ServiceEntry\n"						\
	"metadata: {name: " name ", namespace: edge}\n"			\
	"spec:\n"							\
	"  hosts: [" name ".db.internal]\n"				\
	"  resolution: STATIC\n"					\
	"  ports: [{number: 5432, name: tcp, protocol: TCP}]\n"	\
	"  endpoints: [{address: " addr "}]\n"

#define CL(name) "outbound|5432||" name ".db.internal"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* The TCP listener on port, with n routes. */
static const struct gw_mesh_listener *
tcp_listener(uint16_t port, uint32_t n)
{
	const struct gw_mesh_listener *l = gw_mesh_listener_lookup(F.mesh,
								   port);
	char name[16];

	if (l == NULL) {
		print_error("no listener on %u:\n%s", port, F.report);
		fail();
	}
	snprintf(name, sizeof(name), "tcp.%u", port);
	assert_int_equal(l->protocol, GW_MESH_PROTO_TCP);
	assert_string_equal(l->name, name);
	assert_null(l->routes);
	assert_int_equal(l->n_sni_routes, 0);
	if (l->n_tcp_routes != n) {
		print_error("%u tcp routes on %u, expected %u:\n%s",
			    l->n_tcp_routes, port, n, F.report);
		fail();
	}
	return l;
}

/* The cluster name of destination i of route r. */
static const char *
dest_cluster(const struct gw_mesh_tcp_route *r, uint32_t i)
{
	assert_true(i < r->n_dests);
	if (r->dests[i].cluster == GW_MESH_NO_CLUSTER)
		return "none";
	return gw_mesh_cluster_at(F.mesh, r->dests[i].cluster)->name;
}

/* The name of the route a connection from src to dst takes, or "none". */
static const char *
taken(const struct gw_mesh_listener *l, uint32_t src, uint32_t dst)
{
	const struct gw_mesh_tcp_route *r =
		gw_mesh_tcp_route_find(l->tcp_routes, l->n_tcp_routes, src,
				       dst);

	return r != NULL ? r->name : "none";
}

/* Two VirtualServices on a TCP port: subnet matches first, a catch-all
 * last; a block for another port or another gateway is left out. */
static void
test_tcp_routes(void **state)
{
	const struct gw_mesh_listener *l;
	const struct gw_mesh_tcp_route *r;

	(void)state;
	compile(GW("gw")
		TCP("5432", "['*']")
		TCP("6000", "['*']")
		VS("db", "edge")
		"  hosts: [db.example.com]\n"
		"  gateways: [gw]\n"
		"  tcp:\n"
		"  - match:\n"
		"    - {port: 5432, destinationSubnets: [198.18.9.2/32, "
		"198.18.10.0/24]}\n"
		"    - {sourceSubnet: 10.1.0.0/16}\n"
		"    route: [{destination: {host: primary.db.internal}}]\n"
		"  - match: [{port: 6000}]\n"
		"    route: [{destination: {host: primary.db.internal}}]\n"
		"  - match: [{gateways: [other]}]\n"
		"    route: [{destination: {host: primary.db.internal}}]\n"
		"  - route:\n"
		"    - {destination: {host: primary.db.internal}, weight: 90}\n"
		"    - {destination: {host: replica.db.internal}, weight: 10}\n"
		VS("late", "edge")
		"  hosts: ['*']\n"
		"  gateways: [edge/gw]\n"
		"  tcp: [{route: [{destination: {host: replica.db.internal}}]}]\n"
		SE("primary", "198.18.1.1")
		SE("replica", "198.18.1.2"));
	report_count(0);
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_APPLIED);
	assert_int_equal(state_of("VirtualService", "db"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 2);

	l = tcp_listener(5432, 3);
	assert_int_equal(l->n_tls, 0);
	r = &l->tcp_routes[0];
	assert_string_equal(r->name, "edge/db tcp[0]");
	assert_int_equal(r->n_matches, 2);
	assert_int_equal(r->matches[0].n_dst, 2);
	assert_int_equal(r->matches[0].dst[1].addr, IP(198, 18, 10, 0));
	assert_int_equal(r->matches[0].dst[1].mask, 0xffffff00u);
	assert_int_equal(r->matches[0].n_src, 0);
	assert_int_equal(r->matches[1].n_dst, 0);
	assert_int_equal(r->matches[1].n_src, 1);
	assert_int_equal(r->matches[1].src[0].mask, 0xffff0000u);
	assert_string_equal(dest_cluster(r, 0), CL("primary"));
	r = &l->tcp_routes[1];
	assert_string_equal(r->name, "edge/db tcp[3]");
	assert_int_equal(r->n_matches, 0);
	assert_int_equal(r->n_dests, 2);
	assert_int_equal(r->weight_sum, 100);
	assert_string_equal(dest_cluster(r, 0), CL("primary"));
	assert_int_equal(r->dests[0].weight, 90);
	assert_string_equal(dest_cluster(r, 1), CL("replica"));
	assert_string_equal(l->tcp_routes[2].name, "edge/late tcp[0]");

	/* the first route that matches takes the connection */
	assert_string_equal(taken(l, IP(198, 18, 0, 1), IP(198, 18, 9, 2)),
			    "edge/db tcp[0]");
	assert_string_equal(taken(l, IP(198, 18, 0, 1), IP(198, 18, 10, 77)),
			    "edge/db tcp[0]");
	assert_string_equal(taken(l, IP(10, 1, 200, 3), IP(198, 18, 0, 2)),
			    "edge/db tcp[0]");
	assert_string_equal(taken(l, IP(10, 2, 0, 3), IP(198, 18, 9, 3)),
			    "edge/db tcp[3]");

	l = tcp_listener(6000, 4);
	assert_string_equal(l->tcp_routes[0].name, "edge/db tcp[0]");
	/* the port-5432 block is gone here: only the source block is left */
	assert_int_equal(l->tcp_routes[0].n_matches, 1);
	assert_int_equal(l->tcp_routes[0].matches[0].n_src, 1);
	assert_string_equal(l->tcp_routes[1].name, "edge/db tcp[1]");
	assert_string_equal(taken(l, IP(198, 18, 0, 1), IP(198, 18, 9, 2)),
			    "edge/db tcp[1]");
}

/* A VirtualService binds a TCP server when their hosts overlap, in the
 * server host's namespace; no route: every connection is closed. */
static void
test_tcp_binding(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compile(GW("gw")
		TCP("5432", "[team-a/db.example.com]")
		VS("other-host", "team-a")
		"  hosts: [web.example.com]\n"
		"  gateways: [edge/gw]\n"
		"  tcp: [{route: [{destination: {host: primary.db.internal}}]}]\n"
		VS("other-ns", "team-b")
		"  hosts: [db.example.com]\n"
		"  gateways: [edge/gw]\n"
		"  tcp: [{route: [{destination: {host: primary.db.internal}}]}]\n"
		VS("wild", "team-a")
		"  hosts: ['*.example.com']\n"
		"  gateways: [edge/gw]\n"
		"  tcp: [{route: [{destination: {host: nowhere.internal}}]}]\n"
		SE("primary", "198.18.1.1"));
	l = tcp_listener(5432, 1);
	assert_string_equal(l->tcp_routes[0].name, "team-a/wild tcp[0]");
	assert_string_equal(dest_cluster(&l->tcp_routes[0], 0), "none");
	report_has("VirtualService team-a/wild: tcp route destination host "
		   "\"nowhere.internal\"");

	compile(GW("gw") TCP("5432", "['*']"));
	report_count(0);
	l = tcp_listener(5432, 0);
	assert_null(gw_mesh_tcp_route_find(l->tcp_routes, l->n_tcp_routes,
					   IP(198, 18, 0, 1),
					   IP(198, 18, 0, 2)));
}

/* MONGO is opaque TCP; a TLS server in mode SIMPLE terminates TLS, then
 * its bytes take tcp routes (ALPN is not HTTP's: dataplane/tls). */
static void
test_mongo_and_tls(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compile(GW("gw")
		"  - port: {number: 27017, name: mongo, protocol: MONGO}\n"
		"    hosts: ['*']\n"
		VS("m", "edge")
		"  hosts: ['*']\n"
		"  gateways: [gw]\n"
		"  tcp: [{route: [{destination: {host: primary.db.internal}}]}]\n"
		SE("primary", "198.18.1.1"));
	report_count(1);
	report_has("test.yaml:6:50: warning: Gateway edge/gw: "
		   "spec.servers[0].port.protocol: MONGO is proxied as opaque "
		   "TCP (tcp routes; no Mongo statistics)\n");
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_PARTIAL);
	tcp_listener(27017, 1);

	compilef(GW("gw")
		 "  - port: {number: 5433, name: tls, protocol: TLS}\n"
		 "    hosts: [db.example.com]\n"
		 "    tls: {mode: SIMPLE, serverCertificate: '%1$s/ec.crt',"
		 " privateKey: '%1$s/ec.key'}\n"
		 VS("db", "edge")
		 "  hosts: [db.example.com]\n"
		 "  gateways: [gw]\n"
		 "  tcp: [{route: [{destination: {host: primary.db.internal}}]}]\n"
		 SE("primary", "198.18.1.1"));
	report_count(0);
	l = tcp_listener(5433, 1);
	assert_int_equal(l->n_tls, 1);
	assert_int_equal(l->tls[0].mode, GW_MESH_TLS_SIMPLE);
	assert_int_equal(l->tls[0].n_hosts, 1);
	assert_string_equal(l->tls[0].hosts[0], "db.example.com");

	/* TLS terminated into TCP and plain TCP do not share a port */
	compilef(GW("gw")
		 "  - port: {number: 5433, name: tls, protocol: TLS}\n"
		 "    hosts: [db.example.com]\n"
		 "    tls: {mode: SIMPLE, serverCertificate: '%1$s/ec.crt',"
		 " privateKey: '%1$s/ec.key'}\n"
		 TCP("5433", "[other.example.com]"));
	report_count(1);
	report_has("error: Gateway edge/gw: spec.servers[1]: port 5433 "
		   "already serves TLS terminated into TCP; one port serves "
		   "one of HTTP, HTTPS, TLS passthrough, TCP and TLS "
		   "terminated into TCP (this server is left out)\n");
	tcp_listener(5433, 0);

	/* a TCP server has no use for tls */
	compile(GW("gw")
		TCP("5432", "['*']")
		"    tls: {httpsRedirect: true}\n");
	report_count(1);
	report_has("test.yaml:8:10: warning: Gateway edge/gw: "
		   "spec.servers[0].tls: not used by a TCP server; ignored\n");
}

/* Source labels and namespaces select sidecars: never met here. */
static void
test_tcp_unsupported_match(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compile(GW("gw")
		TCP("5432", "['*']")
		VS("db", "edge")				/* 8.. */
		"  hosts: ['*']\n"
		"  gateways: [gw]\n"
		"  tcp:\n"
		"  - match: [{sourceLabels: {app: x}}]\n"	/* 16 */
		"    route: [{destination: {host: primary.db.internal}}]\n"
		"  - match: [{sourceNamespace: ns}, {port: 5432}]\n"
		"    route: [{destination: {host: replica.db.internal}}]\n"
		SE("primary", "198.18.1.1")
		SE("replica", "198.18.1.2"));
	report_count(2);
	report_has("test.yaml:16:28: warning: VirtualService edge/db: "
		   "spec.tcp[0].match[0]: sourceLabels and sourceNamespace "
		   "select sidecar clients, which a gateway does not have; "
		   "this match block never matches\n");
	l = tcp_listener(5432, 1);
	assert_string_equal(l->tcp_routes[0].name, "edge/db tcp[1]");
	assert_int_equal(l->tcp_routes[0].n_matches, 1);
}

/* Bad subnets, weights and shapes reject the VirtualService alone. */
static void
test_tcp_route_errors(void **state)
{
	static const struct {
		const char *route;
		const char *msg;
	} cases[] = {
		{ "  - match: [{destinationSubnets: [10.0.0.1/8]}]\n"
		  "    route: [{destination: {host: primary.db.internal}}]\n",
		  "spec.tcp[0].match[0].destinationSubnets[0]: \"10.0.0.1/8\" "
		  "has host bits set (the subnet is 10.0.0.0/8)" },
		{ "  - match: [{destinationSubnets: [10.0.0.0/33]}]\n"
		  "    route: [{destination: {host: primary.db.internal}}]\n",
		  "spec.tcp[0].match[0].destinationSubnets[0]: expected an "
		  "IPv4 address or subnet (a.b.c.d/len), got \"10.0.0.0/33\"" },
		{ "  - match: [{sourceSubnet: fe80::/10}]\n"
		  "    route: [{destination: {host: primary.db.internal}}]\n",
		  "spec.tcp[0].match[0].sourceSubnet: expected an IPv4 "
		  "address or subnet" },
		{ "  - match: [{destinationSubnets: 10.0.0.0/8}]\n"
		  "    route: [{destination: {host: primary.db.internal}}]\n",
		  "spec.tcp[0].match[0].destinationSubnets: expected a "
		  "sequence" },
		{ "  - match: [{port: 70000}]\n"
		  "    route: [{destination: {host: primary.db.internal}}]\n",
		  "spec.tcp[0].match[0].port:" },
		{ "  - match: [{sniHosts: [a]}]\n"
		  "    route: [{destination: {host: primary.db.internal}}]\n",
		  "spec.tcp[0].match[0].sniHosts: unknown field" },
		{ "  - match: [{port: 5432}]\n",
		  "spec.tcp[0].route: at least one destination is required" },
		{ "  - route:\n"
		  "    - {destination: {host: primary.db.internal}, weight: 0}\n"
		  "    - {destination: {host: replica.db.internal}, weight: 0}\n",
		  "spec.tcp[0].route: the weights of several destinations "
		  "must not all be 0" },
		{ "  - route: [{destination: {host: primary.db.internal},"
		  " headers: {}}]\n",
		  "spec.tcp[0].route[0].headers: unknown field" },
	};
	char yaml[2048];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(yaml, sizeof(yaml), "%s%s%s",
			 GW("gw") TCP("5432", "['*']")
			 VS("db", "edge")
			 "  hosts: ['*']\n"
			 "  gateways: [gw]\n"
			 "  tcp:\n", cases[i].route,
			 SE("primary", "198.18.1.1")
			 SE("replica", "198.18.1.2"));
		compile(yaml);
		report_has("error: VirtualService edge/db: %s", cases[i].msg);
		assert_int_equal(state_of("VirtualService", "db"),
				 GW_MESH_REJECTED);
		tcp_listener(5432, 0);
	}
	/* a single destination takes everything, whatever its weight */
	compile(GW("gw") TCP("5432", "['*']")
		VS("db", "edge")
		"  hosts: ['*']\n"
		"  gateways: [gw]\n"
		"  tcp: [{route: [{destination: {host: primary.db.internal},"
		" weight: 0}]}]\n"
		SE("primary", "198.18.1.1"));
	report_count(0);
	assert_int_equal(tcp_listener(5432, 1)->tcp_routes[0].weight_sum, 1);
}

/* A full-NAT port of the Dataplane without a plain TCP server is a
 * warning on the Dataplane, at its listener. */
static void
test_fullnat_ports(void **state)
{
	(void)state;
	compile(GW("gw")
		TCP("5432", "['*']")
		"  - port: {number: 80, name: http, protocol: HTTP}\n"
		"    hosts: ['*']\n"
		"---\n"					/* 10 */
		"apiVersion: meshgw.io/v1alpha1\n"
		"kind: Dataplane\n"
		"metadata: {name: dp}\n"
		"spec:\n"
		"  l4:\n"
		"    listeners:\n"
		"    - {port: 5432, mode: fullnat}\n"
		"    - {port: 80, mode: fullnat}\n"		/* 18 */
		"    - {port: 9999, mode: fullnat, protocols: [UDP]}\n"
		"    - {port: 8080, mode: proxy}\n");
	report_count(2);
	report_has("test.yaml:18:7: warning: Dataplane default/dp: "
		   "spec.l4.listeners: full-NAT port 80: its Gateway server "
		   "is not protocol TCP; its flows are dropped (nat_no_route)\n");
	report_has("test.yaml:19:7: warning: Dataplane default/dp: "
		   "spec.l4.listeners: full-NAT port 9999: no Gateway server "
		   "declares it; its flows are dropped (nat_no_route)\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_tcp_routes, teardown),
		cmocka_unit_test_teardown(test_tcp_binding, teardown),
		cmocka_unit_test_teardown(test_mongo_and_tls, teardown),
		cmocka_unit_test_teardown(test_tcp_unsupported_match,
					  teardown),
		cmocka_unit_test_teardown(test_tcp_route_errors, teardown),
		cmocka_unit_test_teardown(test_fullnat_ports, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
