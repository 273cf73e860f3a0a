/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Gateway TLS unit tests' fixture (mesh_tls_fixture.c), shared by
 * test_mesh_tls.c (what works) and test_mesh_tls_errors.c (what is
 * refused). group_setup() makes the PKI in D:
 *   ca.crt ca.key, ec.crt ec.key (EC), chain.crt, rsa.crt rsa.key,
 *   rsa2.crt rsa2.key, expired.crt/.key, future.crt/.key, other.key,
 *   enc.key (encrypted), garbage.pem, ca.crl, ocsp.crt(.ocsp), adir/,
 *   creds/{web,web-rsa,mtls,noca,badca}/ (see group_setup()).
 */
#ifndef MESH_TLS_FIXTURE_H
#define MESH_TLS_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "gw_config.h"
#include "gw_mesh.h"

struct fixture {
	struct gw_config *cfg;
	struct gw_mesh *mesh;
	char report[32768];
};

extern struct fixture F;
extern char D[64];	/* the PKI folder: /tmp/test_mesh_tls.XXXXXX */

/* Load and compile yaml into F (the report: every finding, a line each). */
void compile(const char *yaml);
void compile_d(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_has_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void report_lacks_at(const char *file, int line, const char *s);
void report_count_at(const char *file, int line, size_t n);
enum gw_mesh_state state_of(const char *kind, const char *name);
/* Gateway edge/<gw> rejected, and no listener left. */
void rejected(const char *gw);
/* The one TLS server of the listener on port. */
const struct gw_mesh_tls_server *tls_on(uint16_t port);
/* D/rel, in a static buffer. */
char *path_of(const char *rel);
void write_text(const char *rel, const char *text);
/* b holds the bytes of D/rel, and its path. */
void blob_is(const struct gw_mesh_blob *b, const char *rel);
int group_setup(void **state);
int group_teardown(void **state);
int teardown(void **state);

/* compile() of a format whose every conversion is %1$s: the PKI folder. */
#define compilef(fmt) compile_d(fmt, D)

/* The report holds a line containing the formatted string (failures
 * point at the caller's line). */
#define report_has(...) report_has_at(__FILE__, __LINE__, __VA_ARGS__)

#define report_lacks(s) report_lacks_at(__FILE__, __LINE__, s)

/* The report is exactly these many findings. */
#define report_count(n) report_count_at(__FILE__, __LINE__, n)

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


#endif /* MESH_TLS_FIXTURE_H */
