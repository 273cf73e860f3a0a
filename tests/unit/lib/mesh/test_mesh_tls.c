/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/mesh's Gateway TLS: servers with protocol HTTPS
 * (Istio ServerTLSSettings: mode, certificates from files, tlsCertificates
 * or credentialName folders, client CAs, CRL, versions, cipher suites),
 * tls.httpsRedirect on HTTP servers, and one protocol per port.
 *
 * The PKI is made at run time with the OpenSSL 3 API in a mkdtemp()
 * folder (removed at the end): a CA, EC and RSA server certificates for
 * the same names, an expired certificate, a key that matches nothing, an
 * encrypted key, garbage, a CRL and credentialName folders laid out as
 * Kubernetes mounts a kubernetes.io/tls Secret.
 *
 * Three tests came with bugs they found (and that were fixed):
 * test_key_file_field, test_cipher_aliases, test_empty_cipher_list.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gw_config.h"
#include "gw_mesh.h"

/* ---- fixture (as in test_mesh.c) ----------------------------------------- */

struct fixture {
	struct gw_config *cfg;
	struct gw_mesh *mesh;
	char report[32768];
};

static struct fixture F;
static char D[64];	/* the PKI folder: /tmp/test_mesh_tls.XXXXXX */

static void
compile(const char *yaml)
{
	struct gw_config_err err;
	size_t i, used = 0;
	int rc;

	gw_mesh_free(F.mesh);
	gw_config_free(F.cfg);
	F.mesh = NULL;
	F.cfg = NULL;
	memset(&err, 0, sizeof(err));
	rc = gw_config_load_buffer("test.yaml", yaml, strlen(yaml), &F.cfg,
				   &err);
	if (rc != 0) {
		print_error("load: %d %s:%u:%u %s\n%s\n", rc, err.file,
			    err.line, err.col, err.msg, yaml);
		fail();
	}
	assert_int_equal(gw_mesh_compile(F.cfg, &F.mesh), 0);
	F.report[0] = '\0';
	for (i = 0; i < gw_mesh_diag_count(F.mesh); i++) {
		int n = gw_mesh_diag_format(gw_mesh_diag_at(F.mesh, i),
					    F.report + used,
					    sizeof(F.report) - used - 1);

		if (n > 0 && used + (size_t)n + 1 < sizeof(F.report)) {
			used += (size_t)n;
			F.report[used++] = '\n';
			F.report[used] = '\0';
		}
	}
}

/* compile() of a format whose every conversion is %1$s: the PKI folder. */
#define compilef(fmt) compile_d(fmt, D)

static void __attribute__((format(printf, 1, 2)))
compile_d(const char *fmt, ...)
{
	static char yaml[16384];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(yaml, sizeof(yaml), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(yaml));
	compile(yaml);
}

/* The report holds a line containing the formatted string (failures
 * point at the caller's line). */
#define report_has(...) report_has_at(__FILE__, __LINE__, __VA_ARGS__)

static void __attribute__((format(printf, 3, 4)))
report_has_at(const char *file, int line, const char *fmt, ...)
{
	char s[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (strstr(F.report, s) == NULL) {
		print_error("report lacks \"%s\":\n%s", s, F.report);
		_fail(file, line);
	}
}

#define report_lacks(s) report_lacks_at(__FILE__, __LINE__, s)

static void
report_lacks_at(const char *file, int line, const char *s)
{
	if (strstr(F.report, s) != NULL) {
		print_error("report has \"%s\":\n%s", s, F.report);
		_fail(file, line);
	}
}

/* The report is exactly these many findings. */
#define report_count(n) report_count_at(__FILE__, __LINE__, n)

static void
report_count_at(const char *file, int line, size_t n)
{
	if (gw_mesh_diag_count(F.mesh) != n) {
		print_error("%zu findings, expected %zu:\n%s",
			    gw_mesh_diag_count(F.mesh), n, F.report);
		_fail(file, line);
	}
}

static enum gw_mesh_state
state_of(const char *kind, const char *name)
{
	size_t i;

	for (i = 0; i < gw_config_resource_count(F.cfg); i++) {
		const struct gw_config_resource *r =
			gw_config_resource_at(F.cfg, i);

		if (strcmp(r->kind, kind) == 0 && strcmp(r->name, name) == 0)
			return gw_mesh_resource_state(F.mesh, r);
	}
	fail_msg("no %s %s", kind, name);
	return GW_MESH_IGNORED;
}

/* The Gateway was rejected: no listener at all. */
static void
rejected(const char *gw)
{
	if (state_of("Gateway", gw) != GW_MESH_REJECTED) {
		print_error("Gateway %s is not rejected:\n%s", gw, F.report);
		fail();
	}
	assert_null(gw_mesh_listener_lookup(F.mesh, 443));
	assert_int_equal(gw_mesh_listener_count(F.mesh), 0);
}

/* The listener on port, with one TLS server; that server. */
static const struct gw_mesh_tls_server *
tls_on(uint16_t port)
{
	const struct gw_mesh_listener *l = gw_mesh_listener_lookup(F.mesh,
								   port);

	if (l == NULL) {
		print_error("no listener on %u:\n%s", port, F.report);
		fail();
	}
	assert_int_equal(l->protocol, GW_MESH_PROTO_HTTPS);
	assert_int_equal(l->n_tls, 1);
	assert_non_null(l->tls);
	return &l->tls[0];
}

/* ---- PKI ----------------------------------------------------------------- */

static char *
path_of(const char *rel)
{
	static char p[8][256];
	static unsigned k;
	char *s = p[k++ % 8];

	snprintf(s, sizeof(p[0]), "%s/%s", D, rel);
	return s;
}

static EVP_PKEY *
keygen(bool rsa)
{
	EVP_PKEY *k = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
			    EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	assert_non_null(k);
	return k;
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/*
 * A certificate of key with CN cn, signed by ca/ca_key (a self-signed CA
 * when ca is NULL). Valid from an hour ago for 30 days, or between the
 * times given ("YYYYMMDDHHMMSSZ").
 */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, X509 *ca, EVP_PKEY *ca_key,
	  const char *not_before, const char *not_after)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x),
					  serial++), 1);
	if (not_before != NULL)
		assert_int_equal(ASN1_TIME_set_string_X509(
			X509_getm_notBefore(x), not_before), 1);
	else
		assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x),
						-3600));
	if (not_after != NULL)
		assert_int_equal(ASN1_TIME_set_string_X509(
			X509_getm_notAfter(x), not_after), 1);
	else
		assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x),
						30L * 86400));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		(const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, ca != NULL ?
		X509_get_subject_name(ca) : name), 1);
	if (ca == NULL) {
		add_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
		add_ext(x, NULL, NID_subject_key_identifier, "hash");
	} else {
		add_ext(x, ca, NID_basic_constraints, "CA:FALSE");
		add_ext(x, ca, NID_ext_key_usage, "serverAuth");
		add_ext(x, ca, NID_subject_alt_name,
			"DNS:shop.example.com,DNS:*.api.example.com");
	}
	assert_true(X509_sign(x, ca_key != NULL ? ca_key : key,
			      EVP_sha256()) > 0);
	return x;
}

static FILE *
create(const char *rel)
{
	FILE *f = fopen(path_of(rel), "w");

	if (f == NULL)
		fail_msg("create %s: %s", path_of(rel), strerror(errno));
	return f;
}

/* Certificates (leaf first) into rel. */
static void
write_certs(const char *rel, X509 *a, X509 *b)
{
	FILE *f = create(rel);

	assert_int_equal(PEM_write_X509(f, a), 1);
	if (b != NULL)
		assert_int_equal(PEM_write_X509(f, b), 1);
	assert_int_equal(fclose(f), 0);
}

static void
write_key(const char *rel, EVP_PKEY *k, const char *passphrase)
{
	FILE *f = create(rel);

	if (passphrase != NULL)
		assert_int_equal(PEM_write_PrivateKey(f, k, EVP_aes_256_cbc(),
			(const unsigned char *)passphrase,
			(int)strlen(passphrase), NULL, NULL), 1);
	else
		assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL,
						      NULL), 1);
	assert_int_equal(fclose(f), 0);
}

static void
write_text(const char *rel, const char *text)
{
	FILE *f = create(rel);

	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
write_crl(const char *rel, X509 *ca, EVP_PKEY *ca_key)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	FILE *f;

	assert_non_null(crl);
	assert_non_null(t);
	assert_int_equal(X509_CRL_set_version(crl, X509_CRL_VERSION_2), 1);
	assert_int_equal(X509_CRL_set_issuer_name(crl,
		X509_get_subject_name(ca)), 1);
	assert_non_null(X509_gmtime_adj(t, 0));
	assert_int_equal(X509_CRL_set1_lastUpdate(crl, t), 1);
	assert_non_null(X509_gmtime_adj(t, 7L * 86400));
	assert_int_equal(X509_CRL_set1_nextUpdate(crl, t), 1);
	assert_true(X509_CRL_sign(crl, ca_key, EVP_sha256()) > 0);
	f = create(rel);
	assert_int_equal(PEM_write_X509_CRL(f, crl), 1);
	assert_int_equal(fclose(f), 0);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
}

static void
make_dir(const char *rel)
{
	if (mkdir(path_of(rel), 0700) != 0)
		fail_msg("mkdir %s: %s", path_of(rel), strerror(errno));
}

/* A whole file; NULL when it cannot be read. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The blob holds exactly the bytes of the file at path (rel to D). */
static void
blob_is(const struct gw_mesh_blob *b, const char *rel)
{
	size_t len = 0;
	char *want = slurp(path_of(rel), &len);

	assert_non_null(want);
	assert_non_null(b->path);
	assert_string_equal(b->path, path_of(rel));
	assert_non_null(b->data);
	assert_int_equal(b->len, len);
	assert_memory_equal(b->data, want, len);
	assert_int_equal(b->data[len], '\0');
	free(want);
}

/*
 * The files (rel to D):
 *   ca.crt            the CA (EC)
 *   ec.crt ec.key     server shop.example.com, *.api.example.com (EC)
 *   chain.crt         ec.crt then ca.crt
 *   rsa.crt rsa.key   the same names, RSA 2048
 *   rsa2.crt rsa2.key another RSA server certificate
 *   expired.crt/.key  valid 2019-01-01 .. 2020-01-02 03:04:05 UTC
 *   future.crt/.key   valid from 2099-01-01
 *   other.key         an EC key no certificate holds
 *   enc.key           ec.key encrypted (AES-256-CBC, "secret")
 *   garbage.pem       not PEM
 *   ca.crl            an empty CRL of the CA
 *   ocsp.crt          ec.crt again, with ocsp.crt.ocsp next to it
 *   adir/             a folder
 *   creds/web/        tls.crt tls.key (EC) ca.crt tls.ocsp
 *   creds/web-rsa/    tls.crt tls.key (RSA)
 *   creds/mtls/       tls.crt tls.key (EC); mtls-cacert/ca.crt
 *   creds/noca/       tls.crt tls.key (EC), no CA
 *   creds/badca/      tls.crt tls.key (EC), ca.crt garbage
 */
static int
group_setup(void **state)
{
	EVP_PKEY *ca_k, *ec_k, *rsa_k, *rsa2_k, *old_k, *new_k, *other_k;
	X509 *ca, *ec, *rsa, *rsa2, *old, *future;

	(void)state;
	snprintf(D, sizeof(D), "/tmp/test_mesh_tls.XXXXXX");
	if (mkdtemp(D) == NULL) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	ca_k = keygen(false);
	ec_k = keygen(false);
	rsa_k = keygen(true);
	rsa2_k = keygen(true);
	old_k = keygen(false);
	new_k = keygen(false);
	other_k = keygen(false);
	ca = make_cert(ca_k, "meshgw test CA", NULL, NULL, NULL, NULL);
	ec = make_cert(ec_k, "shop.example.com", ca, ca_k, NULL, NULL);
	rsa = make_cert(rsa_k, "shop.example.com", ca, ca_k, NULL, NULL);
	rsa2 = make_cert(rsa2_k, "shop.example.com", ca, ca_k, NULL, NULL);
	old = make_cert(old_k, "shop.example.com", ca, ca_k,
			"20190101000000Z", "20200102030405Z");
	future = make_cert(new_k, "shop.example.com", ca, ca_k,
			   "20990101000000Z", "20991231000000Z");

	write_certs("ca.crt", ca, NULL);
	write_certs("ec.crt", ec, NULL);
	write_key("ec.key", ec_k, NULL);
	write_certs("chain.crt", ec, ca);
	write_certs("rsa.crt", rsa, NULL);
	write_key("rsa.key", rsa_k, NULL);
	write_certs("rsa2.crt", rsa2, NULL);
	write_key("rsa2.key", rsa2_k, NULL);
	write_certs("expired.crt", old, NULL);
	write_key("expired.key", old_k, NULL);
	write_certs("future.crt", future, NULL);
	write_key("future.key", new_k, NULL);
	write_key("other.key", other_k, NULL);
	write_key("enc.key", ec_k, "secret");
	write_text("garbage.pem", "this is not a certificate\n");
	write_crl("ca.crl", ca, ca_k);
	write_certs("ocsp.crt", ec, NULL);
	write_text("ocsp.crt.ocsp", "not really DER, never parsed");
	make_dir("adir");

	make_dir("creds");
	make_dir("creds/web");
	write_certs("creds/web/tls.crt", ec, NULL);
	write_key("creds/web/tls.key", ec_k, NULL);
	write_certs("creds/web/ca.crt", ca, NULL);
	write_text("creds/web/tls.ocsp", "staple me");
	make_dir("creds/web-rsa");
	write_certs("creds/web-rsa/tls.crt", rsa, NULL);
	write_key("creds/web-rsa/tls.key", rsa_k, NULL);
	make_dir("creds/mtls");
	write_certs("creds/mtls/tls.crt", ec, NULL);
	write_key("creds/mtls/tls.key", ec_k, NULL);
	make_dir("creds/mtls-cacert");
	write_certs("creds/mtls-cacert/ca.crt", ca, NULL);
	make_dir("creds/noca");
	write_certs("creds/noca/tls.crt", ec, NULL);
	write_key("creds/noca/tls.key", ec_k, NULL);
	make_dir("creds/badca");
	write_certs("creds/badca/tls.crt", ec, NULL);
	write_key("creds/badca/tls.key", ec_k, NULL);
	write_text("creds/badca/ca.crt", "garbage\n");

	X509_free(ca);
	X509_free(ec);
	X509_free(rsa);
	X509_free(rsa2);
	X509_free(old);
	X509_free(future);
	EVP_PKEY_free(ca_k);
	EVP_PKEY_free(ec_k);
	EVP_PKEY_free(rsa_k);
	EVP_PKEY_free(rsa2_k);
	EVP_PKEY_free(old_k);
	EVP_PKEY_free(new_k);
	EVP_PKEY_free(other_k);
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
group_teardown(void **state)
{
	(void)state;
	if (D[0] != '\0' && nftw(D, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		fprintf(stderr, "cannot remove %s: %s\n", D, strerror(errno));
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	gw_mesh_free(F.mesh);
	gw_config_free(F.cfg);
	F.mesh = NULL;
	F.cfg = NULL;
	return 0;
}

/* ---- YAML ---------------------------------------------------------------- */

/* A Gateway edge/<name>; its servers follow (line 6 on). */
#define GW(name)						\
	"apiVersion: networking.istio.io/v1\n"	/* 1 */		\
	"kind: Gateway\n"			/* 2 */		\
	"metadata: {name: " name ", namespace: edge}\n"		\
	"spec:\n"				/* 4 */		\
	"  servers:\n"				/* 5 */
/* An HTTPS server on 443; its tls fields follow at line 9, column 7. */
#define HTTPS443							\
	"  - port: {number: 443, name: https, protocol: HTTPS}\n" /* 6 */ \
	"    hosts: [shop.example.com, '*.api.example.com']\n" /* 7 */ \
	"    tls:\n"						/* 8 */
/* The usual pair, lines 10 and 11 after a mode at line 9. */
#define EC_PAIR							\
	"      serverCertificate: '%1$s/ec.crt'\n"			\
	"      privateKey: '%1$s/ec.key'\n"
/* credentialName folders under D/creds */
#define DATAPLANE							\
	"---\n"								\
	"apiVersion: meshgw.io/v1alpha1\n"				\
	"kind: Dataplane\n"						\
	"metadata: {name: dp}\n"					\
	"spec:\n"							\
	"  tls: {credentialsDir: '%1$s/creds'}\n"

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

/* ---- errors: the Gateway is rejected ------------------------------------- */

static void
test_tls_required(void **state)
{
	(void)state;
	compile(GW("gw")
		"  - port: {number: 443, name: https, protocol: HTTPS}\n"
		"    hosts: [shop.example.com]\n");
	report_count(1);
	report_has("test.yaml:6:5: error: Gateway edge/gw: "
		   "spec.servers[0].tls: required for an HTTPS server\n");
	rejected("gw");

	/* the rest of a rejected Gateway goes too */
	compile(GW("gw")
		"  - port: {number: 80, name: http, protocol: HTTP}\n"
		"    hosts: [shop.example.com]\n"
		"  - port: {number: 443, name: https, protocol: HTTPS}\n"
		"    hosts: [shop.example.com]\n"
		"    tls: [SIMPLE]\n");
	report_has("test.yaml:10:10: error: Gateway edge/gw: "
		   "spec.servers[1].tls: expected a mapping, got a sequence\n");
	rejected("gw");
	assert_null(gw_mesh_listener_lookup(F.mesh, 80));
}

static void
test_mode_errors(void **state)
{
	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: PASSTHROUGH\n"
		 EC_PAIR);
	report_count(1);
	report_has("test.yaml:9:13: error: Gateway edge/gw: "
		   "spec.servers[0].tls.mode: PASSTHROUGH does not terminate "
		   "TLS for an HTTPS server: use SIMPLE, MUTUAL or "
		   "OPTIONAL_MUTUAL\n");
	rejected("gw");

	/* no mode: PASSTHROUGH, Istio's default */
	compilef(GW("gw") HTTPS443
		 "      serverCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/ec.key'\n");
	report_count(1);
	report_has("test.yaml:9:7: error: Gateway edge/gw: "
		   "spec.servers[0].tls.mode: PASSTHROUGH does not terminate "
		   "TLS for an HTTPS server: use SIMPLE, MUTUAL or "
		   "OPTIONAL_MUTUAL (PASSTHROUGH is the default)\n");
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: ISTIO_MUTUAL\n"
		 EC_PAIR);
	report_has("test.yaml:9:13: error: Gateway edge/gw: "
		   "spec.servers[0].tls.mode: ISTIO_MUTUAL does not terminate "
		   "TLS for an HTTPS server: use SIMPLE, MUTUAL or "
		   "OPTIONAL_MUTUAL\n");
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: STRICT\n"
		 EC_PAIR);
	report_count(1);
	report_has("test.yaml:9:13: error: Gateway edge/gw: "
		   "spec.servers[0].tls.mode: \"STRICT\" is not one of "
		   "PASSTHROUGH, SIMPLE, MUTUAL, AUTO_PASSTHROUGH, ISTIO_MUTUAL, "
		   "OPTIONAL_MUTUAL\n");
	rejected("gw");
}

/* Exactly one way of giving the certificates. */
static void
test_certificate_sources(void **state)
{
	(void)state;
	compile(GW("gw") HTTPS443
		"      mode: SIMPLE\n"
		"      minProtocolVersion: TLSV1_2\n");
	report_count(1);
	report_has("test.yaml:9:7: error: Gateway edge/gw: "
		   "spec.servers[0].tls: give the certificates one way: "
		   "serverCertificate and privateKey, credentialName, "
		   "credentialNames or tlsCertificates (none is given)\n");
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      credentialName: web\n"
		 DATAPLANE);
	report_count(1);
	report_has("test.yaml:9:7: error: Gateway edge/gw: "
		   "spec.servers[0].tls: give the certificates one way: "
		   "serverCertificate and privateKey, credentialName, "
		   "credentialNames or tlsCertificates\n");
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      credentialName: web\n"
		 "      tlsCertificates: [{serverCertificate: '%1$s/ec.crt',"
		 " privateKey: '%1$s/ec.key'}]\n"
		 DATAPLANE);
	report_has("spec.servers[0].tls: give the certificates one way: "
		   "serverCertificate and privateKey, credentialName, "
		   "credentialNames or tlsCertificates\n");
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/ec.crt'\n");
	report_count(1);
	report_has("test.yaml:9:7: error: Gateway edge/gw: "
		   "spec.servers[0].tls.privateKey: required with "
		   "serverCertificate\n");
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      privateKey: '%1$s/ec.key'\n");
	report_count(1);
	report_has("test.yaml:9:7: error: Gateway edge/gw: "
		   "spec.servers[0].tls.serverCertificate: required with "
		   "privateKey\n");
	rejected("gw");

	compile(GW("gw") HTTPS443
		"      mode: SIMPLE\n"
		"      tlsCertificates: []\n");
	report_has("test.yaml:10:24: error: Gateway edge/gw: "
		   "spec.servers[0].tls.tlsCertificates: at least one "
		   "certificate\n");
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      tlsCertificates: [{serverCertificate: '%1$s/ec.crt'}]\n");
	report_has("test.yaml:10:25: error: Gateway edge/gw: "
		   "spec.servers[0].tls.tlsCertificates[0]: serverCertificate "
		   "and privateKey are required\n");
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      credentialNames: []\n"
		 DATAPLANE);
	report_has("test.yaml:10:24: error: Gateway edge/gw: "
		   "spec.servers[0].tls.credentialNames: at least one name\n");
	rejected("gw");
}

/* Files that cannot be used: errors naming the file, at the field. */
static void
test_file_errors(void **state)
{
	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/missing.crt'\n"
		 "      privateKey: '%1$s/ec.key'\n");
	report_count(1);
	report_has("test.yaml:10:26: error: Gateway edge/gw: "
		   "spec.servers[0].tls.serverCertificate: cannot read "
		   "\"%s/missing.crt\": No such file or directory\n", D);
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/adir'\n"
		 "      privateKey: '%1$s/ec.key'\n");
	report_count(1);
	report_has("test.yaml:10:26: error: Gateway edge/gw: "
		   "spec.servers[0].tls.serverCertificate: \"%s/adir\" is not "
		   "a regular file\n", D);
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/expired.crt'\n"
		 "      privateKey: '%1$s/expired.key'\n");
	report_count(1);
	report_has("test.yaml:10:26: error: Gateway edge/gw: "
		   "spec.servers[0].tls.serverCertificate: the certificate in "
		   "\"%s/expired.crt\" expired on Jan  2 03:04:05 2020 GMT\n",
		   D);
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/future.crt'\n"
		 "      privateKey: '%1$s/future.key'\n");
	report_count(1);
	report_has("test.yaml:10:26: error: Gateway edge/gw: "
		   "spec.servers[0].tls.serverCertificate: the certificate in "
		   "\"%s/future.crt\" is not valid before Jan  1 00:00:00 2099 "
		   "GMT\n", D);
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/other.key'\n");
	report_count(1);
	report_has("test.yaml:10:26: error: Gateway edge/gw: "
		   "spec.servers[0].tls.serverCertificate: the private key in "
		   "\"%s/other.key\" does not match the certificate in "
		   "\"%s/ec.crt\"\n", D, D);
	rejected("gw");

	/* an RSA key for an EC certificate */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/rsa.key'\n");
	report_count(1);
	report_has("the private key in \"%s/rsa.key\" does not match the "
		   "certificate in \"%s/ec.crt\"\n", D, D);
	rejected("gw");

	/* the field path of key-file errors: see test_key_file_field */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/enc.key'\n");
	report_count(1);
	report_has("\"%s/enc.key\" holds no PEM private key, or an encrypted "
		   "one (", D);
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/garbage.pem'\n"
		 "      privateKey: '%1$s/ec.key'\n");
	report_count(1);
	report_has("test.yaml:10:26: error: Gateway edge/gw: "
		   "spec.servers[0].tls.serverCertificate: \"%s/garbage.pem\" "
		   "holds no PEM certificate (", D);
	rejected("gw");

	/* a key file where the certificate goes: no certificate in it */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/ec.key'\n"
		 "      privateKey: '%1$s/ec.key'\n");
	report_has("spec.servers[0].tls.serverCertificate: \"%s/ec.key\" "
		   "holds no PEM certificate (", D);
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: MUTUAL\n"
		 EC_PAIR
		 "      caCertificates: '%1$s/garbage.pem'\n");
	report_count(1);
	report_has("test.yaml:12:23: error: Gateway edge/gw: "
		   "spec.servers[0].tls.caCertificates: \"%s/garbage.pem\" "
		   "holds no PEM certificate (", D);
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: MUTUAL\n"
		 EC_PAIR
		 "      caCertificates: '%1$s/nothing-here.crt'\n");
	report_has("test.yaml:12:23: error: Gateway edge/gw: "
		   "spec.servers[0].tls.caCertificates: cannot read "
		   "\"%s/nothing-here.crt\": No such file or directory\n", D);
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: MUTUAL\n"
		 EC_PAIR
		 "      caCertificates: '%1$s/ca.crt'\n"
		 "      caCrl: '%1$s/garbage.pem'\n");
	report_count(1);
	report_has("test.yaml:13:14: error: Gateway edge/gw: "
		   "spec.servers[0].tls.caCrl: \"%s/garbage.pem\" holds no PEM "
		   "CRL (", D);
	rejected("gw");

	/* larger than the 1 MiB a certificate file may be */
	write_text("big.crt", "");
	assert_int_equal(truncate(path_of("big.crt"), 1024 * 1024 + 1), 0);
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/big.crt'\n"
		 "      privateKey: '%1$s/ec.key'\n");
	report_count(1);
	report_has("test.yaml:10:26: error: Gateway edge/gw: "
		   "spec.servers[0].tls.serverCertificate: \"%s/big.crt\" is "
		   "larger than 1048576 bytes\n", D);
	rejected("gw");

	/* inside tlsCertificates: the entry's path */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      tlsCertificates:\n"
		 "      - serverCertificate: '%1$s/expired.crt'\n"
		 "        privateKey: '%1$s/expired.key'\n");
	report_count(1);
	report_has("test.yaml:11:28: error: Gateway edge/gw: "
		   "spec.servers[0].tls.tlsCertificates[0].serverCertificate: "
		   "the certificate in \"%s/expired.crt\" expired on Jan  2 "
		   "03:04:05 2020 GMT\n", D);
	rejected("gw");
}

/* MUTUAL and OPTIONAL_MUTUAL need client CAs. */
static void
test_mutual_needs_ca(void **state)
{
	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: MUTUAL\n"
		 EC_PAIR);
	report_count(1);
	report_has("test.yaml:9:7: error: Gateway edge/gw: "
		   "spec.servers[0].tls: MUTUAL needs client CA certificates: "
		   "caCertificates, or ca.crt with the credential\n");
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: OPTIONAL_MUTUAL\n"
		 "      credentialName: noca\n"
		 DATAPLANE);
	report_count(1);
	report_has("test.yaml:9:7: error: Gateway edge/gw: "
		   "spec.servers[0].tls: OPTIONAL_MUTUAL needs client CA "
		   "certificates: caCertificates, or ca.crt with the "
		   "credential\n");
	rejected("gw");

	/* a credential's ca.crt that is not PEM */
	compilef(GW("gw") HTTPS443
		 "      mode: MUTUAL\n"
		 "      credentialName: badca\n"
		 DATAPLANE);
	report_count(1);
	report_has("test.yaml:10:23: error: Gateway edge/gw: "
		   "spec.servers[0].tls.credentialName: "
		   "\"%s/creds/badca/ca.crt\" holds no PEM certificate (", D);
	rejected("gw");
}

/* One certificate per key type. */
static void
test_second_rsa(void **state)
{
	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      tlsCertificates:\n"
		 "      - {serverCertificate: '%1$s/rsa.crt',"
		 " privateKey: '%1$s/rsa.key'}\n"
		 "      - {serverCertificate: '%1$s/rsa2.crt',"
		 " privateKey: '%1$s/rsa2.key'}\n");
	report_count(1);
	report_has("test.yaml:12:29: error: Gateway edge/gw: "
		   "spec.servers[0].tls.tlsCertificates[1].serverCertificate: a "
		   "second RSA certificate (\"%s/rsa2.crt\"); a server holds one "
		   "per key type (RSA and ECDSA side by side)\n", D);
	rejected("gw");

	/* two EC credentials */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      credentialNames: [web, mtls]\n"
		 DATAPLANE);
	report_count(1);
	report_has("test.yaml:10:30: error: Gateway edge/gw: "
		   "spec.servers[0].tls.credentialNames[1]: a second EC "
		   "certificate (\"%s/creds/mtls/tls.crt\"); a server holds one "
		   "per key type (RSA and ECDSA side by side)\n", D);
	rejected("gw");
}

static void
test_cipher_errors(void **state)
{
	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      cipherSuites: [ECDHE-ECDSA-AES128-GCM-SHA256,"
		 " NOT-A-CIPHER]\n");
	report_count(1);
	report_has("test.yaml:12:53: error: Gateway edge/gw: "
		   "spec.servers[0].tls.cipherSuites[1]: \"NOT-A-CIPHER\" is "
		   "not a TLS 1.2 cipher suite name this build of OpenSSL "
		   "knows\n");
	rejected("gw");

	/* one name each: no OpenSSL list syntax */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      cipherSuites: ['ECDHE-ECDSA-AES128-GCM-SHA256:"
		 "ECDHE-RSA-AES128-GCM-SHA256']\n");
	report_count(1);
	report_has("test.yaml:12:22: error: Gateway edge/gw: "
		   "spec.servers[0].tls.cipherSuites[0]: "
		   "\"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256\" "
		   "is not a TLS 1.2 cipher suite name this build of OpenSSL "
		   "knows\n");
	rejected("gw");
}

static void
test_version_errors(void **state)
{
	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      minProtocolVersion: TLSV1_3\n"
		 "      maxProtocolVersion: TLSV1_2\n");
	report_count(1);
	report_has("test.yaml:9:7: error: Gateway edge/gw: "
		   "spec.servers[0].tls: minProtocolVersion is above "
		   "maxProtocolVersion\n");
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      maxProtocolVersion: TLSV1_1\n");
	report_count(1);
	report_has("test.yaml:12:27: error: Gateway edge/gw: "
		   "spec.servers[0].tls.maxProtocolVersion: meshgw does not "
		   "speak TLS below 1.2\n");
	rejected("gw");

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      minProtocolVersion: TLSv1.2\n");
	report_count(1);
	report_has("test.yaml:12:27: error: Gateway edge/gw: "
		   "spec.servers[0].tls.minProtocolVersion: \"TLSv1.2\" is not "
		   "one of TLS_AUTO, TLSV1_0, TLSV1_1, TLSV1_2, TLSV1_3\n");
	rejected("gw");
}

/* credentialName is one folder name: no way out of credentialsDir. */
static void
test_credential_name_errors(void **state)
{
	static const char *const bad[] = { "'../web'", "web/..", "'..'",
					   "'.'", "''", "'/etc'" };
	static const char *const shown[] = { "../web", "web/..", "..", ".",
					     "", "/etc" };
	char yaml[2048];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), GW("gw") HTTPS443
			 "      mode: SIMPLE\n"
			 "      credentialName: %s\n"
			 "---\n"
			 "apiVersion: meshgw.io/v1alpha1\n"
			 "kind: Dataplane\n"
			 "metadata: {name: dp}\n"
			 "spec:\n"
			 "  tls: {credentialsDir: '%s/creds/web'}\n",
			 bad[i], D);
		compile(yaml);
		report_count(1);
		report_has("test.yaml:10:23: error: Gateway edge/gw: "
			   "spec.servers[0].tls.credentialName: \"%s\" is not a "
			   "credential name\n", shown[i]);
		rejected("gw");
	}
	snprintf(yaml, sizeof(yaml), GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      credentialNames: [web, '..']\n"
		 "---\n"
		 "apiVersion: meshgw.io/v1alpha1\n"
		 "kind: Dataplane\n"
		 "metadata: {name: dp}\n"
		 "spec:\n"
		 "  tls: {credentialsDir: '%s/creds'}\n", D);
	compile(yaml);
	report_count(1);
	report_has("test.yaml:10:30: error: Gateway edge/gw: "
		   "spec.servers[0].tls.credentialNames[1]: \"..\" is not a "
		   "credential name\n");
	rejected("gw");

	/* a name with no folder */
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      credentialName: nope\n"
		 DATAPLANE);
	report_count(1);
	report_has("test.yaml:10:23: error: Gateway edge/gw: "
		   "spec.servers[0].tls.credentialName: cannot read "
		   "\"%s/creds/nope/tls.crt\": No such file or directory\n", D);
	rejected("gw");

	/* without a Dataplane: the default folder */
	compile(GW("gw") HTTPS443
		"      mode: SIMPLE\n"
		"      credentialName: web\n");
	report_has("spec.servers[0].tls.credentialName: cannot read "
		   "\"" GW_CONFIG_DEFAULT_CREDENTIALS_DIR "/web/tls.crt\": ");
	rejected("gw");
}

/* One port, one protocol: the first server's; the other is an error on
 * its Gateway. */
static void
test_http_and_https_one_port(void **state)
{
	const struct gw_mesh_listener *l;

	(void)state;
	compilef(GW("plain")
		 "  - port: {number: 8443, name: http, protocol: HTTP}\n"
		 "    hosts: [a.example.com]\n"
		 "---\n"			/* 8 */
		 GW("secure")			/* 9.. */
		 "  - port: {number: 8443, name: https, protocol: HTTPS}\n"
		 "    hosts: [b.example.com]\n"
		 "    tls: {mode: SIMPLE, serverCertificate: '%1$s/ec.crt',"
		 " privateKey: '%1$s/ec.key'}\n");
	report_count(1);
	report_has("test.yaml:9:1: error: Gateway edge/secure: "
		   "spec.servers[0]: port 8443 already serves HTTP; one port "
		   "cannot serve both HTTP and HTTPS (this server is left out)"
		   "\n");
	assert_int_equal(state_of("Gateway", "plain"), GW_MESH_APPLIED);
	assert_int_equal(state_of("Gateway", "secure"), GW_MESH_REJECTED);
	assert_int_equal(gw_mesh_listener_count(F.mesh), 1);
	l = gw_mesh_listener_lookup(F.mesh, 8443);
	assert_non_null(l);
	assert_int_equal(l->protocol, GW_MESH_PROTO_HTTP);
	assert_string_equal(l->name, "http.8443");
	assert_int_equal(l->n_tls, 0);
	assert_null(l->tls);

	/* the other way round */
	compilef(GW("secure")
		 "  - port: {number: 8443, name: https, protocol: HTTPS}\n"
		 "    hosts: [b.example.com]\n"
		 "    tls: {mode: SIMPLE, serverCertificate: '%1$s/ec.crt',"
		 " privateKey: '%1$s/ec.key'}\n"
		 "---\n"			/* 9 */
		 GW("plain")			/* 10.. */
		 "  - port: {number: 8443, name: http, protocol: HTTP}\n"
		 "    hosts: [a.example.com]\n");
	report_count(1);
	report_has("test.yaml:10:1: error: Gateway edge/plain: "
		   "spec.servers[0]: port 8443 already serves HTTPS; one port "
		   "cannot serve both HTTP and HTTPS (this server is left out)"
		   "\n");
	assert_int_equal(state_of("Gateway", "secure"), GW_MESH_APPLIED);
	assert_int_equal(state_of("Gateway", "plain"), GW_MESH_REJECTED);
	l = gw_mesh_listener_lookup(F.mesh, 8443);
	assert_non_null(l);
	assert_int_equal(l->protocol, GW_MESH_PROTO_HTTPS);
	assert_string_equal(l->name, "https.8443");
	assert_int_equal(l->n_tls, 1);
	assert_string_equal(l->tls[0].name, "edge/secure servers[0]");
	report_lacks("edge/secure: spec.servers[0]: port");
}

/*
 * Found a bug (lib/mesh/mesh_tls.c, mesh_server_tls -> tls_pair): a finding
 * about the key file (cannot read it, not PEM, encrypted) is reported at
 * the serverCertificate node with the path "...serverCertificate", since
 * tls_pair() gets one field and one node for both files. It should name
 * privateKey, at the privateKey value, as every other finding names the
 * field that holds the bad value.
 */
static void
test_key_file_field(void **state)
{
	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/enc.key'\n");
	report_count(1);
	rejected("gw");
	report_has("test.yaml:11:19: error: Gateway edge/gw: "
		   "spec.servers[0].tls.privateKey: \"%s/enc.key\" holds no "
		   "PEM private key, or an encrypted one (", D);

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      serverCertificate: '%1$s/ec.crt'\n"
		 "      privateKey: '%1$s/missing.key'\n");
	report_count(1);
	rejected("gw");
	report_has("test.yaml:11:19: error: Gateway edge/gw: "
		   "spec.servers[0].tls.privateKey: cannot read "
		   "\"%s/missing.key\": No such file or directory\n", D);

	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 "      tlsCertificates:\n"
		 "      - serverCertificate: '%1$s/ec.crt'\n"
		 "        privateKey: '%1$s/enc.key'\n");
	report_count(1);
	rejected("gw");
	report_has("test.yaml:12:21: error: Gateway edge/gw: "
		   "spec.servers[0].tls.tlsCertificates[0].privateKey: "
		   "\"%s/enc.key\" holds no PEM private key, or an encrypted "
		   "one (", D);
}

/*
 * Found a bug (lib/mesh/mesh_tls.c, tls_ciphers): each cipherSuites entry
 * must be a TLS 1.2 suite name (the function's comment and its error
 * message say so; Istio keeps only known suite names), but the check is
 * SSL_CTX_set_cipher_list(), which also takes OpenSSL's aliases: "HIGH",
 * "ALL", "DEFAULT", "AES128", and "aNULL" (no authentication) and "eNULL"
 * (no encryption) pass and are copied verbatim into the server's list.
 * This test asserts they are errors.
 */
static void
test_cipher_aliases(void **state)
{
	static const char *const aliases[] = {
		"HIGH", "ALL", "DEFAULT", "AES128", "aNULL", "eNULL",
	};
	char yaml[2048];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		snprintf(yaml, sizeof(yaml), GW("gw") HTTPS443
			 "      mode: SIMPLE\n"
			 "      serverCertificate: '%s/ec.crt'\n"
			 "      privateKey: '%s/ec.key'\n"
			 "      cipherSuites: [%s]\n", D, D, aliases[i]);
		compile(yaml);
		report_count(1);
		report_has("test.yaml:12:22: error: Gateway edge/gw: "
			   "spec.servers[0].tls.cipherSuites[0]: \"%s\" is not "
			   "a TLS 1.2 cipher suite name this build of OpenSSL "
			   "knows\n", aliases[i]);
		rejected("gw");
	}
}

/*
 * Found a bug (lib/mesh/mesh_tls.c, tls_ciphers): Istio's cipherSuites is
 * a proto3 repeated field, so an empty list is the field left out:
 * Envoy's default suites. meshgw rejects the Gateway ("no TLS 1.2 cipher
 * suite left").
 */
static void
test_empty_cipher_list(void **state)
{
	(void)state;
	compilef(GW("gw") HTTPS443
		 "      mode: SIMPLE\n"
		 EC_PAIR
		 "      cipherSuites: []\n");
	report_count(0);
	assert_int_equal(state_of("Gateway", "gw"), GW_MESH_APPLIED);
	assert_null(tls_on(443)->ciphers);
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
		cmocka_unit_test_teardown(test_tls_required, teardown),
		cmocka_unit_test_teardown(test_mode_errors, teardown),
		cmocka_unit_test_teardown(test_certificate_sources, teardown),
		cmocka_unit_test_teardown(test_file_errors, teardown),
		cmocka_unit_test_teardown(test_mutual_needs_ca, teardown),
		cmocka_unit_test_teardown(test_second_rsa, teardown),
		cmocka_unit_test_teardown(test_cipher_errors, teardown),
		cmocka_unit_test_teardown(test_version_errors, teardown),
		cmocka_unit_test_teardown(test_credential_name_errors,
					  teardown),
		cmocka_unit_test_teardown(test_http_and_https_one_port,
					  teardown),
		cmocka_unit_test_teardown(test_key_file_field, teardown),
		cmocka_unit_test_teardown(test_cipher_aliases, teardown),
		cmocka_unit_test_teardown(test_empty_cipher_list, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
