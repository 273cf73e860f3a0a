/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixture of the Gateway TLS unit tests (mesh_tls_fixture.h): compile
 * and report helpers, and the PKI made at run time with the OpenSSL 3 API
 * in a mkdtemp() folder (removed at the end).
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

#include "mesh_tls_fixture.h"

/* ---- fixture (as in test_mesh.c) ----------------------------------------- */

struct fixture F;
char D[64];	/* the PKI folder: /tmp/test_mesh_tls.XXXXXX */

void
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


void __attribute__((format(printf, 1, 2)))
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


void __attribute__((format(printf, 3, 4)))
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


void
report_lacks_at(const char *file, int line, const char *s)
{
	if (strstr(F.report, s) != NULL) {
		print_error("report has \"%s\":\n%s", s, F.report);
		_fail(file, line);
	}
}


void
report_count_at(const char *file, int line, size_t n)
{
	if (gw_mesh_diag_count(F.mesh) != n) {
		print_error("%zu findings, expected %zu:\n%s",
			    gw_mesh_diag_count(F.mesh), n, F.report);
		_fail(file, line);
	}
}

enum gw_mesh_state
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
void
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
const struct gw_mesh_tls_server *
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

char *
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

void
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
void
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
int
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

int
group_teardown(void **state)
{
	(void)state;
	if (D[0] != '\0' && nftw(D, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		fprintf(stderr, "cannot remove %s: %s\n", D, strerror(errno));
		return -1;
	}
	return 0;
}

int
teardown(void **state)
{
	(void)state;
	gw_mesh_free(F.mesh);
	gw_config_free(F.cfg);
	F.mesh = NULL;
	F.cfg = NULL;
	return 0;
}

