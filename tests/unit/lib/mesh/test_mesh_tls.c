/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/mesh's Gateway TLS, what works: servers with protocol
 * HTTPS (Istio ServerTLSSettings: mode, certificates from files,
 * tlsCertificates or credentialName folders, client CAs, CRL, versions,
 * cipher suites) and tls.httpsRedirect on HTTP servers. What is refused
 * is in test_mesh_tls_errors.c; the PKI is made at run time
 * (mesh_tls_fixture.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mesh_tls_fixture.h"

/* ---- what works ---------------------------------------------------------- */

/* serverCertificate + privateKey: an HTTPS listener with one server. */
static void
test_https_simple(void **state)
{
	const struct gw_config_node *hosts;
	const struct gw_mesh_tls_server *ts;
	const struct gw_mesh_listener *l;

	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "---\n"
		 "apiVersion: networking.istio.io/v1\n"
		 "kind: VirtualService\n"
		 "metadata: {name: shop, namespace: edge}\n"
		 "spec:\n"
		 "  hosts: [shop.example.com]\n"
		 "  gateways: [gw]\n"
		 "  http: [{directResponse: {status: 200}}]\n");
	report_count(0);
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_APPLIED);
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 1);
	l = gw_mesh_listener_lookup(F.mesh, 443);
	assert_non_null(l);
	assert_int_equal(l->port, 443);
	assert_int_equal(l->protocol, GW_MESH_PROTO_HTTPS);
	assert_string_equal(l->name, "https.443");
	assert_non_null(l->routes);
	assert_int_equal(l->n_vhosts, 1);
	assert_int_equal(l->n_redirect, 0);
	assert_int_equal(l->n_tls, 1);
	ts = &l->tls[0];
	assert_string_equal(ts->name, "edge/gw servers[0]");
	assert_int_equal(ts->n_hosts, 2);
	assert_string_equal(ts->hosts[0], "shop.example.com");
	assert_string_equal(ts->hosts[1], "*.api.example.com");
	/* copied into the mesh, not borrowed from the config */
	hosts = gw_config_node_get(gw_config_resource_at(F.cfg, 0)->spec,
				   "servers");
	hosts = gw_config_node_get(hosts->items[0], "hosts");
	assert_ptr_not_equal(ts->hosts[0], hosts->items[0]->str);
	assert_ptr_not_equal(ts->hosts[1], hosts->items[1]->str);
	assert_int_equal(ts->mode, GW_MESH_TLS_SIMPLE);
	assert_int_equal(ts->min_version, 0x0303);
	assert_int_equal(ts->max_version, 0x0304);
	assert_int_equal(ts->min_version, GW_MESH_TLS_V1_2);
	assert_int_equal(ts->max_version, GW_MESH_TLS_V1_3);
	assert_null(ts->ciphers);
	assert_int_equal(ts->n_certs, 1);
	assert_string_equal(ts->certs[0].key_type, "EC");
	blob_is(&ts->certs[0].cert, "ec.crt");
	blob_is(&ts->certs[0].key, "ec.key");
	assert_null(ts->certs[0].ocsp.data);
	assert_int_equal(ts->certs[0].ocsp.len, 0);
	assert_null(ts->ca.data);
	assert_int_equal(ts->ca.len, 0);
	assert_null(ts->crl.data);
	assert_int_equal(ts->crl.len, 0);
	assert_int_equal(ts->n_sans, 0);

	/* the mesh keeps what it needs after the config is gone */
	gw_config_free(F.cfg);
	F.cfg = NULL;
	assert_string_equal(ts->hosts[1], "*.api.example.com");
	assert_string_equal(ts->certs[0].key_type, "EC");
	assert_string_equal(ts->name, "edge/gw servers[0]");
}

/* tlsCertificates: EC and RSA side by side; OCSP next to a file; a chain;
 * MUTUAL with the CA in the list; subjectAltNames; caCrl. */
static void
test_tls_certificates(void **state)
{
	const struct gw_mesh_tls_server *ts;
	size_t len;

	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: MUTUAL\n"
		 "      tlsCertificates:\n"
		 "      - serverCertificate: '%1$s/ocsp.crt'\n"
		 "        privateKey: '%1$s/ec.key'\n"
		 "        caCertificates: '%1$s/ca.crt'\n"
		 "      - {serverCertificate: '%1$s/rsa.crt',"
		 " privateKey: '%1$s/rsa.key'}\n"
		 "      subjectAltNames: [spiffe://edge/client, client.example]\n"
		 "      caCrl: '%1$s/ca.crl'\n");
	report_count(0);
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_APPLIED);
	ts = tls_on(443);
	assert_int_equal(ts->mode, GW_MESH_TLS_MUTUAL);
	assert_int_equal(ts->n_certs, 2);
	assert_string_equal(ts->certs[0].key_type, "EC");
	assert_string_equal(ts->certs[1].key_type, "RSA");
	blob_is(&ts->certs[0].cert, "ocsp.crt");
	blob_is(&ts->certs[0].key, "ec.key");
	blob_is(&ts->certs[0].ocsp, "ocsp.crt.ocsp");
	blob_is(&ts->certs[1].cert, "rsa.crt");
	blob_is(&ts->certs[1].key, "rsa.key");
	assert_null(ts->certs[1].ocsp.data);
	blob_is(&ts->ca, "ca.crt");
	blob_is(&ts->crl, "ca.crl");
	assert_int_equal(ts->n_sans, 2);
	assert_string_equal(ts->sans[0], "spiffe://edge/client");
	assert_string_equal(ts->sans[1], "client.example");

	/* a chain file (leaf first) and a top-level caCertificates */
	compilef(GW("gw") HTTPS443
		 "      mode: OPTIONAL_MUTUAL\n"
		 "      serverCertificate: '%1$s/chain.crt'\n"
		 "      privateKey: '%1$s/ec.key'\n"
		 "      caCertificates: '%1$s/ca.crt'\n");
	report_count(0);
	ts = tls_on(443);
	assert_int_equal(ts->mode, GW_MESH_TLS_OPTIONAL_MUTUAL);
	assert_int_equal(ts->n_certs, 1);
	blob_is(&ts->certs[0].cert, "chain.crt");
	blob_is(&ts->ca, "ca.crt");
	len = ts->certs[0].cert.len;
	assert_true(len > 0);
	assert_non_null(strstr((const char *)ts->certs[0].cert.data +
			       len / 2, "BEGIN CERTIFICATE"));

	/* subjectAltNames in SIMPLE mode: a warning */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      subjectAltNames: [client.example]\n");
	report_count(1);
	report_has("test.yaml:12:24: warning: Gateway edge/gw: "
		   "spec.servers[0].tls.subjectAltNames: only checked in "
		   "MUTUAL and OPTIONAL_MUTUAL modes; ignored\n");
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_PARTIAL);
	assert_int_equal(tls_on(443)->n_sans, 1);
}

/* credentialName: a folder under spec.tls.credentialsDir. */
static void
test_credential_name(void **state)
{
	const struct gw_mesh_tls_server *ts;

	(void)state;
	compilef(GW("gw")
		 "  - port: {number: 443, name: https, protocol: HTTPS}\n"
		 "    hosts: [shop.example.com]\n"
		 "    tls: {mode: SIMPLE, credentialName: web}\n"
		 "  - port: {number: 8443, name: https-m, protocol: HTTPS}\n"
		 "    hosts: [shop.example.com]\n"
		 "    tls: {mode: MUTUAL, credentialName: web}\n"
		 "  - port: {number: 9443, name: https-c, protocol: HTTPS}\n"
		 "    hosts: [shop.example.com]\n"
		 "    tls: {mode: OPTIONAL_MUTUAL, credentialName: mtls}\n"
		 DATAPLANE);
	report_count(0);
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 3);
	/* SIMPLE: tls.crt, tls.key, tls.ocsp; the CA is not read */
	ts = tls_on(443);
	assert_string_equal(ts->name, "edge/gw servers[0]");
	assert_int_equal(ts->mode, GW_MESH_TLS_SIMPLE);
	assert_int_equal(ts->n_certs, 1);
	assert_string_equal(ts->certs[0].key_type, "EC");
	blob_is(&ts->certs[0].cert, "creds/web/tls.crt");
	blob_is(&ts->certs[0].key, "creds/web/tls.key");
	blob_is(&ts->certs[0].ocsp, "creds/web/tls.ocsp");
	assert_null(ts->ca.data);
	/* MUTUAL: ca.crt in the folder */
	ts = tls_on(8443);
	assert_string_equal(ts->name, "edge/gw servers[1]");
	assert_int_equal(ts->mode, GW_MESH_TLS_MUTUAL);
	assert_int_equal(ts->n_certs, 1);
	blob_is(&ts->certs[0].cert, "creds/web/tls.crt");
	blob_is(&ts->ca, "creds/web/ca.crt");
	/* Istio's <name>-cacert/ca.crt */
	ts = tls_on(9443);
	assert_int_equal(ts->mode, GW_MESH_TLS_OPTIONAL_MUTUAL);
	blob_is(&ts->certs[0].cert, "creds/mtls/tls.crt");
	blob_is(&ts->certs[0].key, "creds/mtls/tls.key");
	assert_null(ts->certs[0].ocsp.data);
	blob_is(&ts->ca, "creds/mtls-cacert/ca.crt");
}

/* credentialNames: one certificate per name (one per key type). */
static void
test_credential_names(void **state)
{
	const struct gw_mesh_tls_server *ts;

	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      credentialNames: [web, web-rsa]\n"
		 DATAPLANE);
	report_count(0);
	ts = tls_on(443);
	assert_int_equal(ts->n_certs, 2);
	assert_string_equal(ts->certs[0].key_type, "EC");
	assert_string_equal(ts->certs[1].key_type, "RSA");
	blob_is(&ts->certs[0].cert, "creds/web/tls.crt");
	blob_is(&ts->certs[1].cert, "creds/web-rsa/tls.crt");
	blob_is(&ts->certs[1].key, "creds/web-rsa/tls.key");
	assert_null(ts->ca.data);

	/* the CA from the first name that has one */
	compilef(GW("gw") HTTPS443
		 "      mode: MUTUAL\n"
		 "      credentialNames: [web-rsa, web]\n"
		 DATAPLANE);
	report_count(0);
	ts = tls_on(443);
	assert_int_equal(ts->n_certs, 2);
	assert_string_equal(ts->certs[0].key_type, "RSA");
	assert_string_equal(ts->certs[1].key_type, "EC");
	blob_is(&ts->ca, "creds/web/ca.crt");
}

/* Two Gateways with an HTTPS server on one port: one listener, servers
 * in Gateway order (the first is the default). */
static void
test_two_gateways_one_port(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compilef(GW("one")
		 "  - port: {number: 443, name: https, protocol: HTTPS}\n"
		 "    hosts: [a.example.com]\n"
		 "    tls: {mode: SIMPLE, serverCertificate: '%1$s/ec.crt',"
		 " privateKey: '%1$s/ec.key'}\n"
		 "---\n"
		 GW("two")
		 "  - port: {number: 443, name: https, protocol: HTTPS}\n"
		 "    hosts: [b.example.com, c.example.com]\n"
		 "    tls: {mode: SIMPLE, serverCertificate: '%1$s/rsa.crt',"
		 " privateKey: '%1$s/rsa.key'}\n");
	report_count(0);
	assert_int_equal(state_of("Gateway", "one"), GW_MESH_APPLIED);
	assert_int_equal(state_of("Gateway", "two"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 1);
	l = gw_mesh_listener_lookup(F.mesh, 443);
	assert_non_null(l);
	assert_int_equal(l->protocol, GW_MESH_PROTO_HTTPS);
	assert_string_equal(l->name, "https.443");
	assert_int_equal(l->n_tls, 2);
	assert_string_equal(l->tls[0].name, "edge/one servers[0]");
	assert_int_equal(l->tls[0].n_hosts, 1);
	assert_string_equal(l->tls[0].hosts[0], "a.example.com");
	assert_string_equal(l->tls[0].certs[0].key_type, "EC");
	assert_string_equal(l->tls[1].name, "edge/two servers[0]");
	assert_int_equal(l->tls[1].n_hosts, 2);
	assert_string_equal(l->tls[1].hosts[0], "b.example.com");
	assert_string_equal(l->tls[1].hosts[1], "c.example.com");
	assert_string_equal(l->tls[1].certs[0].key_type, "RSA");
}

/* minProtocolVersion, maxProtocolVersion, cipherSuites. */
static void
test_versions_and_ciphers(void **state)
{
	const struct gw_mesh_tls_server *ts;

	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      minProtocolVersion: TLSV1_3\n");
	report_count(0);
	ts = tls_on(443);
	assert_int_equal(ts->min_version, 0x0304);
	assert_int_equal(ts->max_version, 0x0304);

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      minProtocolVersion: TLSV1_2\n"
		 "      maxProtocolVersion: TLSV1_2\n");
	report_count(0);
	ts = tls_on(443);
	assert_int_equal(ts->min_version, 0x0303);
	assert_int_equal(ts->max_version, 0x0303);

	/* TLS_AUTO: the defaults */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      minProtocolVersion: TLS_AUTO\n"
		 "      maxProtocolVersion: TLS_AUTO\n");
	report_count(0);
	ts = tls_on(443);
	assert_int_equal(ts->min_version, 0x0303);
	assert_int_equal(ts->max_version, 0x0304);

	/* below 1.2 as a minimum: a warning, 1.2 is used */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      minProtocolVersion: TLSV1_0\n");
	report_count(1);
	report_has("test.yaml:12:27: warning: Gateway edge/gw: "
		   "spec.servers[0].tls.minProtocolVersion: meshgw does not "
		   "speak TLS below 1.2; TLSV1_2 is used\n");
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_PARTIAL);
	ts = tls_on(443);
	assert_int_equal(ts->min_version, 0x0303);
	assert_int_equal(ts->max_version, 0x0304);

	/* TLS 1.2 suites joined with ':' */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      cipherSuites:\n"
		 "      - ECDHE-ECDSA-AES128-GCM-SHA256\n"
		 "      - ECDHE-RSA-AES256-GCM-SHA384\n"
		 "      - ECDHE-ECDSA-CHACHA20-POLY1305\n");
	report_count(0);
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_APPLIED);
	ts = tls_on(443);
	assert_non_null(ts->ciphers);
	assert_string_equal(ts->ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256:"
			    "ECDHE-RSA-AES256-GCM-SHA384:"
			    "ECDHE-ECDSA-CHACHA20-POLY1305");

	/* TLS 1.3 suites: a warning each, left out of the list */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      cipherSuites: [TLS_AES_128_GCM_SHA256,"
		 " ECDHE-ECDSA-AES128-GCM-SHA256, TLS_CHACHA20_POLY1305_SHA256,"
		 " ECDHE-RSA-AES128-GCM-SHA256]\n");
	report_count(2);
	report_has("test.yaml:12:22: warning: Gateway edge/gw: "
		   "spec.servers[0].tls.cipherSuites[0]: "
		   "\"TLS_AES_128_GCM_SHA256\" is a TLS 1.3 suite; TLS 1.3 "
		   "suites are not configurable, ignored\n");
	report_has("test.yaml:12:77: warning: Gateway edge/gw: "
		   "spec.servers[0].tls.cipherSuites[2]: "
		   "\"TLS_CHACHA20_POLY1305_SHA256\" is a TLS 1.3 suite; TLS "
		   "1.3 suites are not configurable, ignored\n");
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_PARTIAL);
	ts = tls_on(443);
	assert_string_equal(ts->ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256:"
			    "ECDHE-RSA-AES128-GCM-SHA256");
}

/* tls.httpsRedirect on an HTTP server: its hosts get 301 to https. */
static void
test_https_redirect(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compilef(GW("gw")
		 "  - port: {number: 80, name: http, protocol: HTTP}\n"
		 "    hosts: [edge/shop.example.com, '*.api.example.com']\n"
		 "    tls: {httpsRedirect: true}\n"
		 "  - port: {number: 80, name: http2, protocol: HTTP}\n"
		 "    hosts: [plain.example.com]\n"
		 "    tls: {httpsRedirect: false}\n"
		 "  - port: {number: 8080, name: http3, protocol: HTTP}\n"
		 "    hosts: [other.example.com]\n"
		 HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR);
	report_count(0);
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 3);
	l = gw_mesh_listener_lookup(F.mesh, 80);
	assert_non_null(l);
	assert_int_equal(l->protocol, GW_MESH_PROTO_HTTP);
	assert_string_equal(l->name, "http.80");
	assert_int_equal(l->n_tls, 0);
	assert_null(l->tls);
	assert_int_equal(l->n_redirect, 2);
	assert_string_equal(l->redirect_hosts[0], "shop.example.com");
	assert_string_equal(l->redirect_hosts[1], "*.api.example.com");
	l = gw_mesh_listener_lookup(F.mesh, 8080);
	assert_non_null(l);
	assert_string_equal(l->name, "http.8080");
	assert_int_equal(l->n_redirect, 0);
	assert_int_equal(l->n_tls, 0);
	assert_int_equal(tls_on(443)->n_certs, 1);
	assert_int_equal(gw_mesh_listener_lookup(F.mesh, 443)->n_redirect, 0);
}

/* Other tls fields on an HTTP server: warnings, the server still works. */
static void
test_http_server_tls_fields(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compile(GW("gw")
		"  - port: {number: 80, name: http, protocol: HTTP}\n"
		"    hosts: [shop.example.com]\n"
		"    tls:\n"
		"      httpsRedirect: true\n"
		"      mode: SIMPLE\n"
		"      credentialName: web\n");
	report_count(2);
	report_has("test.yaml:10:13: warning: Gateway edge/gw: "
		   "spec.servers[0].tls.mode: not used by an HTTP server; "
		   "ignored\n");
	report_has("test.yaml:11:23: warning: Gateway edge/gw: "
		   "spec.servers[0].tls.credentialName: not used by an HTTP "
		   "server; ignored\n");
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_PARTIAL);
	l = gw_mesh_listener_lookup(F.mesh, 80);
	assert_non_null(l);
	assert_int_equal(l->protocol, GW_MESH_PROTO_HTTP);
	assert_int_equal(l->n_tls, 0);
	assert_int_equal(l->n_redirect, 1);
	assert_string_equal(l->redirect_hosts[0], "shop.example.com");
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_https_simple, teardown),
		cmocka_unit_test_teardown(test_tls_certificates, teardown),
		cmocka_unit_test_teardown(test_credential_name, teardown),
		cmocka_unit_test_teardown(test_credential_names, teardown),
		cmocka_unit_test_teardown(test_two_gateways_one_port, teardown),
		cmocka_unit_test_teardown(test_versions_and_ciphers, teardown),
		cmocka_unit_test_teardown(test_https_redirect, teardown),
		cmocka_unit_test_teardown(test_http_server_tls_fields,
					  teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
