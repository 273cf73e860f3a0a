/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/mesh's TLS origination: DestinationRule
 * trafficPolicy.tls (Istio ClientTLSSettings, mesh_client_tls()) as the
 * compiled cluster's gw_mesh_tls_client. SIMPLE with caCertificates, caCrl,
 * sni and subjectAltNames; MUTUAL with clientCertificate and privateKey or
 * a credentialName folder (the pair and its CA); SIMPLE with
 * credentialName reads only the CA, SIMPLE with a pair warns and drops it;
 * DISABLE, no mode and ISTIO_MUTUAL leave the cluster in plain text; every
 * bad field rejects the DestinationRule with a positioned finding; a
 * subset's tls replaces the host's as a whole; insecureSkipVerify.
 * test_simple_missing_credential keeps a bug it found fixed.
 * The fixture (and its PKI) is mesh_tls_fixture.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mesh_tls_fixture.h"

/* ---- YAML ---------------------------------------------------------------- */

/*
 * A Gateway edge/gw with an HTTP server on 80, a ServiceEntry
 * shop.backend.internal:443 with three endpoints (version v1, v2, v3),
 * then the head of a DestinationRule edge/shop for it (25 lines).
 */
#define FRONT								\
	GW("gw")						/* 1 */	\
	"  - port: {number: 80, name: http, protocol: HTTP}\n"		\
	"    hosts: ['*']\n"						\
	"---\n"								\
	"apiVersion: networking.istio.io/v1\n"				\
	"kind: ServiceEntry\n"					/* 10 */\
	"metadata: {name: shop, namespace: edge}\n"			\
	"spec:\n"							\
	"  hosts: [shop.backend.internal]\n"				\
	"  resolution: STATIC\n"					\
	"  ports: [{number: 443, name: https, protocol: HTTPS}]\n"	\
	"  endpoints:\n"						\
	"  - {address: 198.18.0.1, labels: {version: v1}}\n"		\
	"  - {address: 198.18.0.2, labels: {version: v2}}\n"		\
	"  - {address: 198.18.0.3, labels: {version: v3}}\n"		\
	"---\n"							/* 20 */\
	"apiVersion: networking.istio.io/v1\n"				\
	"kind: DestinationRule\n"					\
	"metadata: {name: shop, namespace: edge}\n"			\
	"spec:\n"							\
	"  host: shop.backend.internal\n"			/* 25 */

/* FRONT and the host-level tls: its fields follow at line 28, column 7
 * (a value after "mode: " at column 13). */
#define TLS								\
	FRONT								\
	"  trafficPolicy:\n"					/* 26 */\
	"    tls:\n"						/* 27 */

/* A VirtualService edge/shop bound to gw, routing everything to the
 * host (after the DestinationRule). */
#define ROUTE								\
	"---\n"								\
	"apiVersion: networking.istio.io/v1\n"				\
	"kind: VirtualService\n"					\
	"metadata: {name: shop, namespace: edge}\n"			\
	"spec:\n"							\
	"  hosts: ['*']\n"						\
	"  gateways: [gw]\n"						\
	"  http: [{route: [{destination: {host: shop.backend.internal}}]}]\n"

/* The same, split between the host and its subsets v1, v2 and v3. */
#define ROUTE_SUBSETS							\
	"---\n"								\
	"apiVersion: networking.istio.io/v1\n"				\
	"kind: VirtualService\n"					\
	"metadata: {name: shop, namespace: edge}\n"			\
	"spec:\n"							\
	"  hosts: ['*']\n"						\
	"  gateways: [gw]\n"						\
	"  http:\n"							\
	"  - route:\n"							\
	"    - destination: {host: shop.backend.internal}\n"		\
	"      weight: 25\n"						\
	"    - destination: {host: shop.backend.internal, subset: v1}\n" \
	"      weight: 25\n"						\
	"    - destination: {host: shop.backend.internal, subset: v2}\n" \
	"      weight: 25\n"						\
	"    - destination: {host: shop.backend.internal, subset: v3}\n" \
	"      weight: 25\n"

#define CL(subset) "outbound|443|" subset "|shop.backend.internal"

/* The start of every finding on the DestinationRule at line:col. */
#define AT(line, col, sev)						\
	"test.yaml:" #line ":" #col ": " sev ": DestinationRule edge/shop: "

/* ---- helpers ------------------------------------------------------------- */

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

/* The tls of cluster name, which must have one. */
static const struct gw_mesh_tls_client *
tls_of(const char *name)
{
	const struct gw_mesh_cluster *cl = cluster_named(name);

	if (cl->tls == NULL) {
		print_error("cluster %s has no tls:\n%s", name, F.report);
		fail();
	}
	return cl->tls;
}

/* A blob that was not given. */
static void
blob_none(const struct gw_mesh_blob *b)
{
	assert_null(b->path);
	assert_null(b->data);
	assert_int_equal(b->len, 0);
}

/* No client certificate. */
static void
cert_none(const struct gw_mesh_tls_cert *c)
{
	blob_none(&c->cert);
	blob_none(&c->key);
	blob_none(&c->ocsp);
	assert_null(c->key_type);
}

/* The DestinationRule was rejected, with the one finding msg; the
 * cluster is left in plain text. */
static void
dr_rejected_at(const char *file, int line, const char *msg)
{
	report_count_at(file, line, 1);
	report_has_at(file, line, "%s", msg);
	if (state_of("DestinationRule", "shop") != GW_MESH_REJECTED) {
		print_error("DestinationRule edge/shop is not rejected:\n%s",
			    F.report);
		_fail(file, line);
	}
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_APPLIED);
	assert_null(cluster_named(CL(""))->tls);
}

#define dr_rejected(...)						\
	do {								\
		char msg_[1024];					\
									\
		snprintf(msg_, sizeof(msg_), __VA_ARGS__);		\
		dr_rejected_at(__FILE__, __LINE__, msg_);		\
	} while (0)

/* ---- what works ---------------------------------------------------------- */

/* SIMPLE: the endpoints' CA, a CRL, the SNI and the names their
 * certificate must carry; no client certificate. */
static void
test_simple(void **state)
{
	const struct gw_mesh_tls_client *t;
	const struct gw_mesh_cluster *cl;

	(void)state;
	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      caCertificates: '%1$s/ca.crt'\n"
		 "      caCrl: '%1$s/ca.crl'\n"
		 "      sni: api.backend.example\n"
		 "      subjectAltNames: [api.backend.example,"
		 " spiffe://edge/api]\n"
		 ROUTE);
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_APPLIED);
	assert_int_equal(state_of("ServiceEntry", "shop"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_cluster_count(F.mesh), 1);
	cl = gw_mesh_cluster_at(F.mesh, 0);
	assert_string_equal(cl->name, CL(""));
	t = tls_of(CL(""));
	assert_ptr_equal(t, cl->tls);
	assert_string_equal(t->name, "edge/shop trafficPolicy.tls");
	assert_int_equal(t->mode, GW_MESH_TLS_SIMPLE);
	cert_none(&t->cert);
	blob_is(&t->ca, "ca.crt");
	blob_is(&t->crl, "ca.crl");
	assert_non_null(t->sni);
	assert_string_equal(t->sni, "api.backend.example");
	assert_int_equal(t->n_sans, 2);
	assert_non_null(t->sans);
	assert_string_equal(t->sans[0], "api.backend.example");
	assert_string_equal(t->sans[1], "spiffe://edge/api");
	assert_false(t->insecure_skip_verify);

	/* the mesh keeps what it needs after the config is gone */
	gw_config_free(F.cfg);
	F.cfg = NULL;
	assert_string_equal(t->name, "edge/shop trafficPolicy.tls");
	assert_string_equal(t->sni, "api.backend.example");
	assert_string_equal(t->sans[1], "spiffe://edge/api");
	assert_non_null(strstr((const char *)t->ca.data,
			       "-----BEGIN CERTIFICATE-----"));

	/* SIMPLE alone: the system's CAs, the cluster's host as SNI, the
	 * SNI checked */
	compile(TLS
		"      mode: SIMPLE\n"
		ROUTE);
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	t = tls_of(CL(""));
	assert_int_equal(t->mode, GW_MESH_TLS_SIMPLE);
	cert_none(&t->cert);
	blob_none(&t->ca);
	blob_none(&t->crl);
	assert_null(t->sni);
	assert_int_equal(t->n_sans, 0);
	assert_false(t->insecure_skip_verify);

	/* an empty subjectAltNames is none */
	compile(TLS
		"      mode: SIMPLE\n"
		"      subjectAltNames: []\n"
		ROUTE);
	report_count(0);
	assert_int_equal(tls_of(CL(""))->n_sans, 0);

	/* no DestinationRule: plain text */
	compile(GW("gw")
		"  - port: {number: 80, name: http, protocol: HTTP}\n"
		"    hosts: ['*']\n"
		"---\n"
		"apiVersion: networking.istio.io/v1\n"
		"kind: ServiceEntry\n"
		"metadata: {name: shop, namespace: edge}\n"
		"spec:\n"
		"  hosts: [shop.backend.internal]\n"
		"  resolution: STATIC\n"
		"  ports: [{number: 443, name: https, protocol: HTTPS}]\n"
		"  endpoints: [{address: 198.18.0.1}]\n"
		ROUTE);
	report_count(0);
	assert_null(cluster_named(CL(""))->tls);
}

/* MUTUAL with clientCertificate and privateKey: the pair as read, its key
 * type; a chain file and an RSA pair too. */
static void
test_mutual_files(void **state)
{
	const struct gw_mesh_tls_client *t;

	(void)state;
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/ec.key'\n"
		 "      caCertificates: '%1$s/ca.crt'\n"
		 ROUTE);
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	t = tls_of(CL(""));
	assert_string_equal(t->name, "edge/shop trafficPolicy.tls");
	assert_int_equal(t->mode, GW_MESH_TLS_MUTUAL);
	blob_is(&t->cert.cert, "ec.crt");
	blob_is(&t->cert.key, "ec.key");
	assert_non_null(t->cert.key_type);
	assert_string_equal(t->cert.key_type, "EC");
	blob_is(&t->ca, "ca.crt");
	blob_none(&t->crl);
	assert_null(t->sni);
	assert_int_equal(t->n_sans, 0);
	assert_false(t->insecure_skip_verify);
	gw_config_free(F.cfg);
	F.cfg = NULL;
	assert_string_equal(t->cert.key_type, "EC");

	/* a chain (leaf first) and RSA; no caCertificates: the system's */
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/rsa.crt'\n"
		 "      privateKey: '%1$s/rsa.key'\n"
		 ROUTE);
	report_count(0);
	t = tls_of(CL(""));
	assert_int_equal(t->mode, GW_MESH_TLS_MUTUAL);
	blob_is(&t->cert.cert, "rsa.crt");
	blob_is(&t->cert.key, "rsa.key");
	assert_string_equal(t->cert.key_type, "RSA");
	blob_none(&t->ca);

	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/chain.crt'\n"
		 "      privateKey: '%1$s/ec.key'\n"
		 ROUTE);
	report_count(0);
	t = tls_of(CL(""));
	blob_is(&t->cert.cert, "chain.crt");
	assert_string_equal(t->cert.key_type, "EC");
}

/* MUTUAL with credentialName: tls.crt and tls.key of the folder in
 * credentialsDir, its ca.crt (or <name>-cacert/ca.crt). */
static void
test_mutual_credential(void **state)
{
	const struct gw_mesh_tls_client *t;

	(void)state;
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      credentialName: web\n"
		 ROUTE DATAPLANE);
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	t = tls_of(CL(""));
	assert_int_equal(t->mode, GW_MESH_TLS_MUTUAL);
	blob_is(&t->cert.cert, "creds/web/tls.crt");
	blob_is(&t->cert.key, "creds/web/tls.key");
	assert_string_equal(t->cert.key_type, "EC");
	blob_is(&t->ca, "creds/web/ca.crt");

	/* Istio's <name>-cacert/ca.crt */
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      credentialName: mtls\n"
		 ROUTE DATAPLANE);
	report_count(0);
	t = tls_of(CL(""));
	blob_is(&t->cert.cert, "creds/mtls/tls.crt");
	blob_is(&t->cert.key, "creds/mtls/tls.key");
	blob_is(&t->ca, "creds/mtls-cacert/ca.crt");

	/* no CA with the credential: the system's */
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      credentialName: web-rsa\n"
		 ROUTE DATAPLANE);
	report_count(0);
	t = tls_of(CL(""));
	blob_is(&t->cert.cert, "creds/web-rsa/tls.crt");
	assert_string_equal(t->cert.key_type, "RSA");
	blob_none(&t->ca);

	/* caCertificates wins over the credential's ca.crt */
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      credentialName: web\n"
		 "      caCertificates: '%1$s/ca.crt'\n"
		 ROUTE DATAPLANE);
	report_count(0);
	t = tls_of(CL(""));
	blob_is(&t->cert.cert, "creds/web/tls.crt");
	blob_is(&t->ca, "ca.crt");
}

/* SIMPLE with credentialName: only the CA is read. SIMPLE with a pair:
 * the pair is checked, then dropped with a warning. */
static void
test_simple_credential_and_pair(void **state)
{
	const struct gw_mesh_tls_client *t;

	(void)state;
	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      credentialName: web\n"
		 ROUTE DATAPLANE);
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	t = tls_of(CL(""));
	assert_int_equal(t->mode, GW_MESH_TLS_SIMPLE);
	cert_none(&t->cert);
	blob_is(&t->ca, "creds/web/ca.crt");

	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      credentialName: mtls\n"
		 ROUTE DATAPLANE);
	report_count(0);
	t = tls_of(CL(""));
	cert_none(&t->cert);
	blob_is(&t->ca, "creds/mtls-cacert/ca.crt");

	/* a folder without a CA: the system's */
	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      credentialName: noca\n"
		 ROUTE DATAPLANE);
	report_count(0);
	t = tls_of(CL(""));
	cert_none(&t->cert);
	blob_none(&t->ca);

	/* a pair in SIMPLE mode */
	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      clientCertificate: '%1$s/ec.crt'\n" /* 29 */
		 "      privateKey: '%1$s/ec.key'\n"
		 "      caCertificates: '%1$s/ca.crt'\n"
		 ROUTE);
	report_count(1);
	report_has(AT(29, 26, "warning") "spec.trafficPolicy.tls: SIMPLE "
		   "sends no client certificate; the pair is not used\n");
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_PARTIAL);
	t = tls_of(CL(""));
	assert_int_equal(t->mode, GW_MESH_TLS_SIMPLE);
	cert_none(&t->cert);
	blob_is(&t->ca, "ca.crt");

	/* the pair is still checked */
	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      clientCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/other.key'\n"
		 ROUTE);
	dr_rejected(AT(29, 26, "error") "spec.trafficPolicy.tls."
		    "clientCertificate: the private key in \"%s/other.key\" "
		    "does not match the certificate in \"%s/ec.crt\"\n", D, D);
}

/* DISABLE, no mode, ISTIO_MUTUAL: no TLS to the endpoints. */
static void
test_no_tls(void **state)
{
	(void)state;
	compile(TLS
		"      mode: DISABLE\n"
		ROUTE);
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	assert_null(cluster_named(CL(""))->tls);

	/* DISABLE reads no file */
	compilef(TLS
		 "      mode: DISABLE\n"
		 "      caCertificates: '%1$s/missing.crt'\n"
		 ROUTE);
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	assert_null(cluster_named(CL(""))->tls);

	/* no mode is DISABLE */
	compile(FRONT
		"  trafficPolicy:\n"
		"    tls: {sni: api.backend.example}\n"
		ROUTE);
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	assert_null(cluster_named(CL(""))->tls);

	compile(FRONT
		"  trafficPolicy:\n"
		"    tls: {}\n"
		ROUTE);
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	assert_null(cluster_named(CL(""))->tls);

	compile(TLS
		"      mode: ISTIO_MUTUAL\n"			/* 28 */
		ROUTE);
	report_count(1);
	report_has(AT(28, 13, "warning") "spec.trafficPolicy.tls.mode: "
		   "ISTIO_MUTUAL needs Istio's workload certificates, which "
		   "meshgw does not have; the upstream is spoken to in plain "
		   "text\n");
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_PARTIAL);
	assert_null(cluster_named(CL(""))->tls);
}

/* insecureSkipVerify: no verification at all. */
static void
test_insecure_skip_verify(void **state)
{
	const struct gw_mesh_tls_client *t;

	(void)state;
	compile(TLS
		"      mode: SIMPLE\n"
		"      insecureSkipVerify: true\n"
		ROUTE);
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	t = tls_of(CL(""));
	assert_int_equal(t->mode, GW_MESH_TLS_SIMPLE);
	assert_true(t->insecure_skip_verify);

	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/ec.key'\n"
		 "      insecureSkipVerify: true\n"
		 ROUTE);
	report_count(0);
	t = tls_of(CL(""));
	assert_int_equal(t->mode, GW_MESH_TLS_MUTUAL);
	assert_true(t->insecure_skip_verify);
	assert_string_equal(t->cert.key_type, "EC");

	compile(TLS
		"      mode: SIMPLE\n"
		"      insecureSkipVerify: false\n"
		ROUTE);
	report_count(0);
	assert_false(tls_of(CL(""))->insecure_skip_verify);
}

/* A subset's tls replaces the host's as a whole; a subset without one
 * keeps the host's. */
static void
test_subset_replaces_host(void **state)
{
	const struct gw_mesh_tls_client *host, *t;

	(void)state;
	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      caCertificates: '%1$s/ca.crt'\n"
		 "      sni: shop.backend.example\n"
		 "  subsets:\n"
		 "  - name: v1\n"
		 "    labels: {version: v1}\n"
		 "    trafficPolicy:\n"
		 "      connectionPool: {http: {idleTimeout: 5s}}\n"
		 "  - name: v2\n"
		 "    labels: {version: v2}\n"
		 "    trafficPolicy:\n"
		 "      tls:\n"
		 "        mode: MUTUAL\n"
		 "        clientCertificate: '%1$s/ec.crt'\n"
		 "        privateKey: '%1$s/ec.key'\n"
		 "  - name: v3\n"
		 "    labels: {version: v3}\n"
		 "    trafficPolicy: {tls: {mode: DISABLE}}\n"
		 ROUTE_SUBSETS);
	report_count(0);
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_APPLIED);
	assert_int_equal(state_of("VirtualService", "shop"), GW_MESH_APPLIED);
	assert_int_equal(gw_mesh_cluster_count(F.mesh), 4);

	host = tls_of(CL(""));
	assert_string_equal(host->name, "edge/shop trafficPolicy.tls");
	assert_int_equal(host->mode, GW_MESH_TLS_SIMPLE);
	blob_is(&host->ca, "ca.crt");
	assert_string_equal(host->sni, "shop.backend.example");

	/* v1: the host's */
	t = tls_of(CL("v1"));
	assert_ptr_equal(t, host);
	assert_int_equal(cluster_named(CL("v1"))->idle_timeout_ms, 5000);

	/* v2: its own, nothing of the host's (no CA, no SNI) */
	t = tls_of(CL("v2"));
	assert_ptr_not_equal(t, host);
	assert_string_equal(t->name,
			    "edge/shop subsets[1].trafficPolicy.tls");
	assert_int_equal(t->mode, GW_MESH_TLS_MUTUAL);
	blob_is(&t->cert.cert, "ec.crt");
	blob_is(&t->cert.key, "ec.key");
	assert_string_equal(t->cert.key_type, "EC");
	blob_none(&t->ca);
	assert_null(t->sni);

	/* v3: DISABLE, plain text */
	assert_null(cluster_named(CL("v3"))->tls);

	/* no host tls: only v2 has one */
	compile(FRONT
		"  subsets:\n"
		"  - {name: v1, labels: {version: v1}}\n"
		"  - name: v2\n"
		"    labels: {version: v2}\n"
		"    trafficPolicy: {tls: {mode: SIMPLE, sni: v2.example}}\n"
		"  - {name: v3, labels: {version: v3}}\n"
		ROUTE_SUBSETS);
	report_count(0);
	assert_null(cluster_named(CL(""))->tls);
	assert_null(cluster_named(CL("v1"))->tls);
	assert_null(cluster_named(CL("v3"))->tls);
	t = tls_of(CL("v2"));
	assert_int_equal(t->mode, GW_MESH_TLS_SIMPLE);
	assert_string_equal(t->sni, "v2.example");

	/* ISTIO_MUTUAL in a subset: plain text there, with a warning */
	compile(TLS
		"      mode: SIMPLE\n"
		"  subsets:\n"
		"  - {name: v1, labels: {version: v1}}\n"
		"  - name: v2\n"
		"    labels: {version: v2}\n"
		"    trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}\n" /* 33 */
		"  - {name: v3, labels: {version: v3}}\n"
		ROUTE_SUBSETS);
	report_count(1);
	report_has(AT(33, 33, "warning") "spec.subsets[1].trafficPolicy.tls."
		   "mode: ISTIO_MUTUAL needs Istio's workload certificates, "
		   "which meshgw does not have; the upstream is spoken to in "
		   "plain text\n");
	assert_int_equal(state_of("DestinationRule", "shop"), GW_MESH_PARTIAL);
	assert_int_equal(tls_of(CL(""))->mode, GW_MESH_TLS_SIMPLE);
	assert_int_equal(tls_of(CL("v1"))->mode, GW_MESH_TLS_SIMPLE);
	assert_null(cluster_named(CL("v2"))->tls);
	assert_ptr_equal(tls_of(CL("v3")), tls_of(CL("")));

	/* an error in a subset's tls rejects the DestinationRule */
	compile(TLS
		"      mode: SIMPLE\n"
		"  subsets:\n"
		"  - {name: v1, labels: {version: v1}}\n"
		"  - name: v2\n"
		"    labels: {version: v2}\n"
		"    trafficPolicy: {tls: {mode: MUTUAL}}\n"	/* 33 */
		"  - {name: v3, labels: {version: v3}}\n"
		ROUTE_SUBSETS);
	report_has(AT(33, 26, "error") "spec.subsets[1].trafficPolicy.tls: "
		   "MUTUAL needs a client certificate: clientCertificate and "
		   "privateKey, or credentialName\n");
	assert_int_equal(state_of("DestinationRule", "shop"),
			 GW_MESH_REJECTED);
	/* with it its subsets: the routes to them get 503 */
	report_count(4);
	report_has("test.yaml:36:1: warning: VirtualService edge/shop: route "
		   "destination host \"shop.backend.internal\": no "
		   "DestinationRule defines subset \"v2\"; requests sent there "
		   "get 503\n");
	assert_int_equal(gw_mesh_cluster_count(F.mesh), 1);
	assert_null(cluster_named(CL(""))->tls);
	assert_int_equal(gw_mesh_cluster_find(F.mesh, CL("v2"), 0), SIZE_MAX);
}

/* ---- errors: the DestinationRule is rejected ----------------------------- */

static void
test_mode_and_field_errors(void **state)
{
	(void)state;
	compile(TLS
		"      mode: TLS\n"
		ROUTE);
	dr_rejected(AT(28, 13, "error") "spec.trafficPolicy.tls.mode: "
		    "\"TLS\" is not one of DISABLE, SIMPLE, MUTUAL, "
		    "ISTIO_MUTUAL\n");

	/* Istio's enum names are upper case */
	compile(TLS
		"      mode: simple\n"
		ROUTE);
	dr_rejected(AT(28, 13, "error") "spec.trafficPolicy.tls.mode: "
		    "\"simple\" is not one of DISABLE, SIMPLE, MUTUAL, "
		    "ISTIO_MUTUAL\n");

	compile(TLS
		"      mode: [SIMPLE]\n"
		ROUTE);
	dr_rejected(AT(28, 13, "error") "spec.trafficPolicy.tls.mode: "
		    "expected a string, got a sequence\n");

	/* tls must be a mapping */
	compile(FRONT
		"  trafficPolicy:\n"
		"    tls: SIMPLE\n"
		ROUTE);
	dr_rejected(AT(27, 10, "error") "spec.trafficPolicy.tls: expected a "
		    "mapping, got a scalar\n");

	/* an unknown field, whatever the mode */
	compile(TLS
		"      mode: SIMPLE\n"
		"      sniHost: api.backend.example\n"		/* 29 */
		ROUTE);
	dr_rejected(AT(29, 7, "error") "spec.trafficPolicy.tls.sniHost: "
		    "unknown field\n");

	compile(TLS
		"      mode: DISABLE\n"
		"      verifyCertificateSpki: [abc]\n"
		ROUTE);
	dr_rejected(AT(29, 7, "error") "spec.trafficPolicy.tls."
		    "verifyCertificateSpki: unknown field\n");

	/* insecureSkipVerify is a bool */
	compile(TLS
		"      mode: SIMPLE\n"
		"      insecureSkipVerify: yes\n"
		ROUTE);
	dr_rejected(AT(29, 27, "error") "spec.trafficPolicy.tls."
		    "insecureSkipVerify: expected true or false\n");

	compile(TLS
		"      mode: SIMPLE\n"
		"      insecureSkipVerify: 'true'\n"
		ROUTE);
	dr_rejected(AT(29, 27, "error") "spec.trafficPolicy.tls."
		    "insecureSkipVerify: expected true or false\n");

	/* subjectAltNames is a list of strings */
	compile(TLS
		"      mode: SIMPLE\n"
		"      subjectAltNames: api.backend.example\n"
		ROUTE);
	report_has(AT(29, 24, "error") "spec.trafficPolicy.tls."
		   "subjectAltNames: expected a sequence");
	assert_int_equal(state_of("DestinationRule", "shop"),
			 GW_MESH_REJECTED);
}

static void
test_sni_errors(void **state)
{
	(void)state;
	compile(TLS
		"      mode: SIMPLE\n"
		"      sni: '*.backend.example'\n"		/* 29 */
		ROUTE);
	dr_rejected(AT(29, 12, "error") "spec.trafficPolicy.tls.sni: "
		    "\"*.backend.example\" is not a host name\n");

	compile(TLS
		"      mode: SIMPLE\n"
		"      sni: '*'\n"
		ROUTE);
	dr_rejected(AT(29, 12, "error") "spec.trafficPolicy.tls.sni: "
		    "\"*\" is not a host name\n");

	compile(TLS
		"      mode: SIMPLE\n"
		"      sni: edge/api.backend.example\n"
		ROUTE);
	dr_rejected(AT(29, 12, "error") "spec.trafficPolicy.tls.sni: "
		    "\"edge/api.backend.example\" is not a host name\n");

	compile(TLS
		"      mode: SIMPLE\n"
		"      sni: ''\n"
		ROUTE);
	dr_rejected(AT(29, 12, "error") "spec.trafficPolicy.tls.sni: "
		    "\"\" is not a host name\n");

	compile(TLS
		"      mode: SIMPLE\n"
		"      sni: {name: x}\n"
		ROUTE);
	dr_rejected(AT(29, 12, "error") "spec.trafficPolicy.tls.sni: "
		    "expected a string, got a mapping\n");
}

/* How the certificates are given. */
static void
test_certificate_errors(void **state)
{
	(void)state;
	/* MUTUAL needs a certificate, a CA is not one */
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      caCertificates: '%1$s/ca.crt'\n"
		 ROUTE);
	dr_rejected(AT(28, 7, "error") "spec.trafficPolicy.tls: MUTUAL needs "
		    "a client certificate: clientCertificate and privateKey, "
		    "or credentialName\n");

	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/ec.crt'\n"
		 ROUTE);
	dr_rejected(AT(28, 7, "error") "spec.trafficPolicy.tls.privateKey: "
		    "required with clientCertificate\n");

	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      privateKey: '%1$s/ec.key'\n"
		 ROUTE);
	dr_rejected(AT(28, 7, "error") "spec.trafficPolicy.tls."
		    "clientCertificate: required with privateKey\n");

	/* in SIMPLE mode too */
	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      clientCertificate: '%1$s/ec.crt'\n"
		 ROUTE);
	dr_rejected(AT(28, 7, "error") "spec.trafficPolicy.tls.privateKey: "
		    "required with clientCertificate\n");

	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      credentialName: web\n"
		 "      clientCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/ec.key'\n"
		 ROUTE DATAPLANE);
	dr_rejected(AT(28, 7, "error") "spec.trafficPolicy.tls: give "
		    "credentialName or clientCertificate and privateKey, not "
		    "both\n");

	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      credentialName: web\n"
		 "      privateKey: '%1$s/ec.key'\n"
		 ROUTE DATAPLANE);
	dr_rejected(AT(28, 7, "error") "spec.trafficPolicy.tls: give "
		    "credentialName or clientCertificate and privateKey, not "
		    "both\n");

	/* credential names are folder names */
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      credentialName: ../creds/web\n"		/* 29 */
		 ROUTE DATAPLANE);
	dr_rejected(AT(29, 23, "error") "spec.trafficPolicy.tls."
		    "credentialName: \"../creds/web\" is not a credential "
		    "name\n");

	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      credentialName: ../creds/web\n"
		 ROUTE DATAPLANE);
	dr_rejected(AT(29, 23, "error") "spec.trafficPolicy.tls."
		    "credentialName: \"../creds/web\" is not a credential "
		    "name\n");

	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      credentialName: ''\n"
		 ROUTE DATAPLANE);
	dr_rejected(AT(29, 23, "error") "spec.trafficPolicy.tls."
		    "credentialName: \"\" is not a credential name\n");
}

/* Files that cannot be used. */
static void
test_file_errors(void **state)
{
	(void)state;
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/missing.crt'\n"	/* 29 */
		 "      privateKey: '%1$s/ec.key'\n"		/* 30 */
		 "      caCertificates: '%1$s/ca.crt'\n"		/* 31 */
		 ROUTE);
	dr_rejected(AT(29, 26, "error") "spec.trafficPolicy.tls."
		    "clientCertificate: cannot read \"%s/missing.crt\": No "
		    "such file or directory\n", D);

	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/missing.key'\n"
		 ROUTE);
	dr_rejected(AT(30, 19, "error") "spec.trafficPolicy.tls.privateKey: "
		    "cannot read \"%s/missing.key\": No such file or "
		    "directory\n", D);

	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/ec.key'\n"
		 "      caCertificates: '%1$s/missing.crt'\n"
		 ROUTE);
	dr_rejected(AT(31, 23, "error") "spec.trafficPolicy.tls."
		    "caCertificates: cannot read \"%s/missing.crt\": No such "
		    "file or directory\n", D);

	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      caCertificates: '%1$s/adir'\n"
		 ROUTE);
	dr_rejected(AT(29, 23, "error") "spec.trafficPolicy.tls."
		    "caCertificates: \"%s/adir\" is not a regular file\n", D);

	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      caCrl: '%1$s/missing.crl'\n"
		 ROUTE);
	dr_rejected(AT(29, 14, "error") "spec.trafficPolicy.tls.caCrl: "
		    "cannot read \"%s/missing.crl\": No such file or "
		    "directory\n", D);

	/* not PEM */
	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      caCertificates: '%1$s/garbage.pem'\n"
		 ROUTE);
	report_count(1);
	report_has(AT(29, 23, "error") "spec.trafficPolicy.tls."
		   "caCertificates: \"%s/garbage.pem\" holds no PEM "
		   "certificate (", D);
	assert_int_equal(state_of("DestinationRule", "shop"),
			 GW_MESH_REJECTED);

	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      caCrl: '%1$s/ca.crt'\n"
		 ROUTE);
	report_count(1);
	report_has(AT(29, 14, "error") "spec.trafficPolicy.tls.caCrl: "
		   "\"%s/ca.crt\" holds no PEM CRL (", D);
	assert_int_equal(state_of("DestinationRule", "shop"),
			 GW_MESH_REJECTED);

	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/garbage.pem'\n"
		 "      privateKey: '%1$s/ec.key'\n"
		 ROUTE);
	report_count(1);
	report_has(AT(29, 26, "error") "spec.trafficPolicy.tls."
		   "clientCertificate: \"%s/garbage.pem\" holds no PEM "
		   "certificate (", D);
	assert_int_equal(state_of("DestinationRule", "shop"),
			 GW_MESH_REJECTED);

	/* an encrypted key, at the key's field */
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/enc.key'\n"
		 ROUTE);
	report_count(1);
	report_has(AT(30, 19, "error") "spec.trafficPolicy.tls.privateKey: "
		   "\"%s/enc.key\" holds no PEM private key, or an encrypted "
		   "one (", D);
	assert_int_equal(state_of("DestinationRule", "shop"),
			 GW_MESH_REJECTED);

	/* a key that is not the certificate's */
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/other.key'\n"
		 ROUTE);
	dr_rejected(AT(29, 26, "error") "spec.trafficPolicy.tls."
		    "clientCertificate: the private key in \"%s/other.key\" "
		    "does not match the certificate in \"%s/ec.crt\"\n", D, D);

	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/rsa.key'\n"
		 ROUTE);
	dr_rejected(AT(29, 26, "error") "spec.trafficPolicy.tls."
		    "clientCertificate: the private key in \"%s/rsa.key\" "
		    "does not match the certificate in \"%s/ec.crt\"\n", D, D);

	/* expired, not yet valid */
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/expired.crt'\n"
		 "      privateKey: '%1$s/expired.key'\n"
		 ROUTE);
	dr_rejected(AT(29, 26, "error") "spec.trafficPolicy.tls."
		    "clientCertificate: the certificate in \"%s/expired.crt\" "
		    "expired on Jan  2 03:04:05 2020 GMT\n", D);

	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      clientCertificate: '%1$s/future.crt'\n"
		 "      privateKey: '%1$s/future.key'\n"
		 ROUTE);
	dr_rejected(AT(29, 26, "error") "spec.trafficPolicy.tls."
		    "clientCertificate: the certificate in \"%s/future.crt\" "
		    "is not valid before Jan  1 00:00:00 2099 GMT\n", D);
}

/* credentialName folders that cannot be used. */
static void
test_credential_errors(void **state)
{
	(void)state;
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      credentialName: nope\n"			/* 29 */
		 ROUTE DATAPLANE);
	dr_rejected(AT(29, 23, "error") "spec.trafficPolicy.tls."
		    "credentialName: cannot read \"%s/creds/nope/tls.crt\": "
		    "No such file or directory\n", D);

	/* a CA that is not PEM, in either mode */
	compilef(TLS
		 "      mode: MUTUAL\n"
		 "      credentialName: badca\n"
		 ROUTE DATAPLANE);
	report_count(1);
	report_has(AT(29, 23, "error") "spec.trafficPolicy.tls."
		   "credentialName: \"%s/creds/badca/ca.crt\" holds no PEM "
		   "certificate (", D);
	assert_int_equal(state_of("DestinationRule", "shop"),
			 GW_MESH_REJECTED);

	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      credentialName: badca\n"
		 ROUTE DATAPLANE);
	report_count(1);
	report_has(AT(29, 23, "error") "spec.trafficPolicy.tls."
		   "credentialName: \"%s/creds/badca/ca.crt\" holds no PEM "
		   "certificate (", D);
	assert_int_equal(state_of("DestinationRule", "shop"),
			 GW_MESH_REJECTED);
}

/*
 * SIMPLE with a credentialName whose folder does not exist is an error at
 * credentialName, as for MUTUAL: a typo in the name must not silently
 * mean the system's CAs (a folder without ca.crt, noca, rightly does).
 */
static void
test_simple_missing_credential(void **state)
{
	(void)state;
	compilef(TLS
		 "      mode: SIMPLE\n"
		 "      credentialName: nope\n"			/* 29 */
		 ROUTE DATAPLANE);
	report_count(1);
	report_has(AT(29, 23, "error") "spec.trafficPolicy.tls."
		   "credentialName: ");
	report_has("nope");
	assert_int_equal(state_of("DestinationRule", "shop"),
			 GW_MESH_REJECTED);
	assert_null(cluster_named(CL(""))->tls);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_simple, teardown),
		cmocka_unit_test_teardown(test_mutual_files, teardown),
		cmocka_unit_test_teardown(test_mutual_credential, teardown),
		cmocka_unit_test_teardown(test_simple_credential_and_pair,
					  teardown),
		cmocka_unit_test_teardown(test_no_tls, teardown),
		cmocka_unit_test_teardown(test_insecure_skip_verify,
					  teardown),
		cmocka_unit_test_teardown(test_subset_replaces_host,
					  teardown),
		cmocka_unit_test_teardown(test_mode_and_field_errors,
					  teardown),
		cmocka_unit_test_teardown(test_sni_errors, teardown),
		cmocka_unit_test_teardown(test_certificate_errors, teardown),
		cmocka_unit_test_teardown(test_file_errors, teardown),
		cmocka_unit_test_teardown(test_credential_errors, teardown),
		cmocka_unit_test_teardown(test_simple_missing_credential,
					  teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
