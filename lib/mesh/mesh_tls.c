/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Gateway server tls (Istio ServerTLSSettings) for HTTPS servers: mode,
 * certificates from files or a mounted Secret (credentialName), client
 * CAs, versions, cipher suites. The files are read here, once, and
 * checked with OpenSSL (a certificate parses, its key matches it, it is
 * valid now), so that a bad file is an error on the Gateway at apply
 * time and the running configuration never sees it; the dataplane
 * builds its TLS contexts from the same bytes. Control thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "mesh_priv.h"

/* Largest certificate, key or CA file read. */
#define TLS_FILE_MAX (1024 * 1024)
/* Certificates per server (one per key type is what OpenSSL holds). */
#define TLS_CERTS_MAX 4

/* Where a pair's two files were given, for findings. */
struct tls_where {
	const struct gw_config_node *cert_node;
	const char *cert_field;
	const struct gw_config_node *key_node;
	const char *key_field;
};

/* Istio (Envoy) names of protocol versions. */
static const struct {
	const char *name;
	uint16_t v;
} versions[] = {
	{ "TLS_AUTO", 0 },
	{ "TLSV1_0", 0x0301 },
	{ "TLSV1_1", 0x0302 },
	{ "TLSV1_2", GW_MESH_TLS_V1_2 },
	{ "TLSV1_3", GW_MESH_TLS_V1_3 },
};

/* What a PEM file was for, in messages. */
static void
tls_openssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "no PEM data");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

/*
 * Read a regular file of at most TLS_FILE_MAX bytes into the mesh arena
 * (NUL-terminated). An error at node when it cannot be read.
 */
static bool
tls_read(struct mesh_ctx *c, const struct gw_config_node *node,
	 const char *field, const char *file, struct gw_mesh_blob *b)
{
	struct stat st;
	uint8_t *data;
	size_t got = 0;
	int fd;

	fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		mesh_err(c, node, "%s: cannot read \"%s\": %s", field, file,
			 strerror(errno));
		return false;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		mesh_err(c, node, "%s: \"%s\" is not a regular file", field,
			 file);
		close(fd);
		return false;
	}
	if (st.st_size > TLS_FILE_MAX) {
		mesh_err(c, node, "%s: \"%s\" is larger than %d bytes", field,
			 file, TLS_FILE_MAX);
		close(fd);
		return false;
	}
	data = mesh_alloc(&c->m->arena, (size_t)st.st_size + 1);
	if (data == NULL) {
		c->nomem = true;
		close(fd);
		return false;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			mesh_err(c, node, "%s: cannot read \"%s\": %s", field,
				 file, n < 0 ? strerror(errno) : "short read");
			close(fd);
			return false;
		}
		got += (size_t)n;
	}
	close(fd);
	b->path = mesh_strdup(&c->m->arena, file);
	if (b->path == NULL) {
		c->nomem = true;
		return false;
	}
	b->data = data;
	b->len = got;
	return true;
}

/* Every certificate of a PEM blob; the first in *leaf (caller frees). */
static int
tls_certs(const struct gw_mesh_blob *b, X509 **leaf)
{
	BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
	X509 *x;
	int n = 0;

	*leaf = NULL;
	if (bio == NULL)
		return -1;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (n++ == 0)
			*leaf = x;
		else
			X509_free(x);
	}
	BIO_free(bio);
	if (n > 0)
		ERR_clear_error();	/* the end of the file */
	return n;
}

/* The certificate is valid now: an error naming the date otherwise. */
static bool
tls_cert_current(struct mesh_ctx *c, const struct gw_config_node *node,
		 const char *field, const char *file, X509 *x)
{
	const ASN1_TIME *t;
	char when[64] = "?";
	BIO *mem;

	bool expired;

	if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
		t = X509_get0_notAfter(x);
		expired = true;
	} else if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
		t = X509_get0_notBefore(x);
		expired = false;
	} else {
		return true;
	}
	mem = BIO_new(BIO_s_mem());
	if (mem != NULL && ASN1_TIME_print(mem, t) > 0) {
		int n = BIO_read(mem, when, sizeof(when) - 1);

		when[n > 0 ? n : 0] = '\0';
	}
	BIO_free(mem);
	if (expired)
		mesh_err(c, node, "%s: the certificate in \"%s\" expired on "
			 "%s", field, file, when);
	else
		mesh_err(c, node, "%s: the certificate in \"%s\" is not valid "
			 "before %s", field, file, when);
	return false;
}

static int
no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return -1;
}

/* Check a certificate chain and its key: they parse, match, and the
 * certificate is valid now. */
static bool
tls_check_pair(struct mesh_ctx *c, const struct tls_where *w,
	       struct gw_mesh_tls_cert *tc)
{
	const struct gw_config_node *node = w->cert_node;
	const char *field = w->cert_field;
	char why[160];
	X509 *leaf = NULL;
	EVP_PKEY *key = NULL;
	BIO *bio;
	bool ok = false;

	if (tls_certs(&tc->cert, &leaf) <= 0) {
		tls_openssl_reason(why, sizeof(why));
		mesh_err(c, node, "%s: \"%s\" holds no PEM certificate (%s)",
			 field, tc->cert.path, why);
		goto out;
	}
	bio = BIO_new_mem_buf(tc->key.data, (int)tc->key.len);
	if (bio != NULL)
		key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (key == NULL) {
		tls_openssl_reason(why, sizeof(why));
		mesh_err(c, w->key_node, "%s: \"%s\" holds no PEM private key, "
			 "or an encrypted one (%s)", w->key_field, tc->key.path,
			 why);
		goto out;
	}
	if (X509_check_private_key(leaf, key) != 1) {
		ERR_clear_error();
		mesh_err(c, node, "%s: the private key in \"%s\" does not "
			 "match the certificate in \"%s\"", field, tc->key.path,
			 tc->cert.path);
		goto out;
	}
	if (!tls_cert_current(c, node, field, tc->cert.path, leaf))
		goto out;
	tc->key_type = EVP_PKEY_get0_type_name(key);
	if (tc->key_type == NULL)
		tc->key_type = "unknown";
	tc->key_type = mesh_strdup(&c->m->arena, tc->key_type);
	if (tc->key_type == NULL)
		c->nomem = true;
	ok = tc->key_type != NULL;
out:
	X509_free(leaf);
	EVP_PKEY_free(key);
	return ok;
}

static bool
tls_check_ca(struct mesh_ctx *c, const struct gw_config_node *node,
	     const char *field, const struct gw_mesh_blob *b)
{
	char why[160];
	X509 *leaf;

	if (tls_certs(b, &leaf) > 0) {
		X509_free(leaf);
		return true;
	}
	tls_openssl_reason(why, sizeof(why));
	mesh_err(c, node, "%s: \"%s\" holds no PEM certificate (%s)", field,
		 b->path, why);
	return false;
}

static bool
tls_check_crl(struct mesh_ctx *c, const struct gw_config_node *node,
	      const char *field, const struct gw_mesh_blob *b)
{
	BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
	X509_CRL *crl = bio != NULL ?
		PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
	char why[160];

	BIO_free(bio);
	if (crl != NULL) {
		X509_CRL_free(crl);
		return true;
	}
	tls_openssl_reason(why, sizeof(why));
	mesh_err(c, node, "%s: \"%s\" holds no PEM CRL (%s)", field, b->path,
		 why);
	return false;
}

/* Read one certificate and key pair and check it; appended to certs. */
static bool
tls_pair(struct mesh_ctx *c, const struct tls_where *w, const char *cert_file,
	 const char *key_file, struct gw_mesh_tls_cert *certs, uint32_t *n)
{
	struct gw_mesh_tls_cert *tc;
	uint32_t i;

	if (*n == TLS_CERTS_MAX) {
		mesh_err(c, w->cert_node, "%s: at most %d certificates per "
			 "server", w->cert_field, TLS_CERTS_MAX);
		return false;
	}
	tc = &certs[*n];
	if (!tls_read(c, w->cert_node, w->cert_field, cert_file, &tc->cert) ||
	    !tls_read(c, w->key_node, w->key_field, key_file, &tc->key) ||
	    !tls_check_pair(c, w, tc))
		return false;
	for (i = 0; i < *n; i++) {
		if (strcmp(certs[i].key_type, tc->key_type) == 0) {
			mesh_err(c, w->cert_node, "%s: a second %s certificate "
				 "(\"%s\"); a server holds one per key type "
				 "(RSA and ECDSA side by side)", w->cert_field,
				 tc->key_type, cert_file);
			return false;
		}
	}
	(*n)++;
	return true;
}

/* A file that may be absent (ENOENT): read when present. */
static bool
tls_read_optional(struct mesh_ctx *c, const struct gw_config_node *node,
		  const char *field, const char *file, struct gw_mesh_blob *b)
{
	if (access(file, F_OK) < 0 && errno == ENOENT)
		return true;
	return tls_read(c, node, field, file, b);
}

/* The CA certificates of credential name: <dir>/<name>/ca.crt, else
 * <dir>/<name>-cacert/ca.crt; none is not an error here (the caller says
 * whether one is needed). */
static bool
tls_credential_ca(struct mesh_ctx *c, const struct gw_config_node *node,
		  const char *field, const char *dir, const char *name,
		  struct gw_mesh_blob *ca)
{
	char cafile[GW_CONFIG_PATH_MAX + 300], alt[sizeof(cafile)];

	snprintf(cafile, sizeof(cafile), "%s/%s/ca.crt", dir, name);
	snprintf(alt, sizeof(alt), "%s/%s-cacert/ca.crt", dir, name);
	if (access(cafile, F_OK) < 0 && access(alt, F_OK) == 0)
		snprintf(cafile, sizeof(cafile), "%s", alt);
	if (access(cafile, F_OK) < 0)
		return true;
	return tls_read(c, node, field, cafile, ca) &&
	       tls_check_ca(c, node, field, ca);
}

/*
 * credentialName: the folder <credentialsDir>/<name> holding tls.crt and
 * tls.key (a kubernetes.io/tls Secret as mounted), with ca.crt for the
 * client CAs, or those in <name>-cacert (Istio's convention).
 */
static bool
tls_credential(struct mesh_ctx *c, const struct gw_config_node *node,
	       const char *field, const char *name, bool want_ca,
	       struct gw_mesh_tls_cert *certs, uint32_t *n,
	       struct gw_mesh_blob *ca)
{
	const struct gw_config_dataplane *dp = gw_config_dataplane(c->cfg);
	const char *dir = dp != NULL ? dp->tls.credentials_dir :
				       GW_CONFIG_DEFAULT_CREDENTIALS_DIR;
	char crt[GW_CONFIG_PATH_MAX + 300], key[sizeof(crt)], alt[sizeof(crt)];

	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, "..") == 0 || strcmp(name, ".") == 0) {
		mesh_err(c, node, "%s: \"%s\" is not a credential name", field,
			 name);
		return false;
	}
	if ((size_t)snprintf(crt, sizeof(crt), "%s/%s/tls.crt", dir, name) >=
	    sizeof(crt) - 16) {
		mesh_err(c, node, "%s: \"%s\" is too long a credential name",
			 field, name);
		return false;
	}
	snprintf(key, sizeof(key), "%s/%s/tls.key", dir, name);
	if (!tls_pair(c, &(struct tls_where){ node, field, node, field }, crt,
		      key, certs, n))
		return false;
	/* an OCSP response to staple, when the Secret carries one */
	snprintf(alt, sizeof(alt), "%s/%s/tls.ocsp", dir, name);
	if (!tls_read_optional(c, node, field, alt, &certs[*n - 1].ocsp))
		return false;
	if (!want_ca || ca->data != NULL)
		return true;
	return tls_credential_ca(c, node, field, dir, name, ca);
}

static bool
tls_version(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path, uint16_t *out)
{
	const char *s;
	size_t i;

	if (!mesh_str(c, n, path, &s))
		return false;
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		if (strcmp(s, versions[i].name) == 0) {
			*out = versions[i].v;
			return true;
		}
	}
	mesh_err(c, n, "%s: \"%s\" is not one of TLS_AUTO, TLSV1_0, TLSV1_1, "
		 "TLSV1_2, TLSV1_3", path, s);
	return false;
}

/* One suite name, as OpenSSL (and Envoy) spell it: not an alias such as
 * HIGH or aNULL, which OpenSSL's list syntax would also take. */
static bool
tls_suite_known(SSL_CTX *ctx, const char *name)
{
	STACK_OF(SSL_CIPHER) *sk;
	int i, n = 0;
	bool same = false;

	if (strpbrk(name, ":[]|!+@ ,") != NULL ||
	    SSL_CTX_set_cipher_list(ctx, name) != 1) {
		ERR_clear_error();
		return false;
	}
	/* the list holds the TLS 1.3 suites too: one other, this one */
	sk = SSL_CTX_get_ciphers(ctx);
	for (i = 0; sk != NULL && i < sk_SSL_CIPHER_num(sk); i++) {
		const SSL_CIPHER *ci = sk_SSL_CIPHER_value(sk, i);

		if (strcmp(SSL_CIPHER_get_version(ci), "TLSv1.3") == 0)
			continue;
		n++;
		same = strcmp(SSL_CIPHER_get_name(ci), name) == 0;
	}
	return n == 1 && same;
}

/* cipherSuites: TLS 1.2 suite names, joined with ':'. Empty, or only
 * TLS 1.3 names: Envoy's defaults (as Istio leaves the field unset). */
static bool
tls_ciphers(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path, struct gw_mesh_tls_server *ts)
{
	const char *const *names;
	size_t i, k = 0, len = 1;
	char p[260], *list;
	SSL_CTX *ctx;

	if (!mesh_str_list(c, n, path, &names, &k))
		return false;
	for (i = 0; i < k; i++)
		len += strlen(names[i]) + 1;
	list = mesh_alloc(&c->m->arena, len);
	ctx = SSL_CTX_new(TLS_method());
	if (list == NULL || ctx == NULL) {
		SSL_CTX_free(ctx);
		c->nomem = true;
		return false;
	}
	for (i = 0; i < k; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (strncmp(names[i], "TLS_", 4) == 0) {
			/* TLS 1.3 suites: not configurable, as in Envoy */
			mesh_warn(c, n->items[i], "%s: \"%s\" is a TLS 1.3 suite;"
				  " TLS 1.3 suites are not configurable, "
				  "ignored", p, names[i]);
			continue;
		}
		if (!tls_suite_known(ctx, names[i])) {
			mesh_err(c, n->items[i], "%s: \"%s\" is not a TLS 1.2 "
				 "cipher suite name this build of OpenSSL "
				 "knows", p, names[i]);
			SSL_CTX_free(ctx);
			return false;
		}
		if (list[0] != '\0')
			strcat(list, ":");
		strcat(list, names[i]);
	}
	SSL_CTX_free(ctx);
	ts->ciphers = list[0] != '\0' ? list : NULL;
	return true;
}

bool
mesh_server_tls(struct mesh_ctx *c, const struct gw_config_node *tls,
		const char *path, struct mesh_server *sv, const char *name)
{
	static const char *const known[] = {
		"httpsRedirect", "mode", "serverCertificate", "privateKey",
		"caCertificates", "caCrl", "credentialName", "credentialNames",
		"tlsCertificates", "subjectAltNames", "minProtocolVersion",
		"maxProtocolVersion", "cipherSuites", NULL,
	};
	static const char *const unsupported[] = {
		"verifyCertificateSpki", "verifyCertificateHash", NULL,
	};
	static const char *const pair_known[] = {
		"serverCertificate", "privateKey", "caCertificates", NULL,
	};
	const struct gw_config_node *v, *cert_n, *key_n, *list;
	struct gw_mesh_tls_server *ts;
	struct gw_mesh_tls_cert *certs;
	const char *mode = "PASSTHROUGH", *s, *s2;
	const char **hosts;
	unsigned sources = 0;
	char p[240], kp[280];
	size_t i, k;

	if (!mesh_fields(c, tls, path, known, unsupported))
		return false;
	v = gw_config_node_get(tls, "mode");
	snprintf(p, sizeof(p), "%s.mode", path);
	if (v != NULL && !mesh_str(c, v, p, &mode))
		return false;
	ts = mesh_alloc(&c->m->arena, sizeof(*ts));
	certs = mesh_alloc(&c->m->arena, TLS_CERTS_MAX * sizeof(*certs));
	hosts = mesh_alloc(&c->m->arena, sv->n_hosts * sizeof(*hosts) + 1);
	if (ts == NULL || certs == NULL || hosts == NULL) {
		c->nomem = true;
		return false;
	}
	if (strcmp(mode, "SIMPLE") == 0) {
		ts->mode = GW_MESH_TLS_SIMPLE;
	} else if (strcmp(mode, "MUTUAL") == 0) {
		ts->mode = GW_MESH_TLS_MUTUAL;
	} else if (strcmp(mode, "OPTIONAL_MUTUAL") == 0) {
		ts->mode = GW_MESH_TLS_OPTIONAL_MUTUAL;
	} else if (strcmp(mode, "PASSTHROUGH") == 0 ||
		   strcmp(mode, "AUTO_PASSTHROUGH") == 0 ||
		   strcmp(mode, "ISTIO_MUTUAL") == 0) {
		mesh_err(c, v != NULL ? v : tls, "%s: %s does not terminate "
			 "TLS for an HTTPS server: use SIMPLE, MUTUAL or "
			 "OPTIONAL_MUTUAL%s", p, mode,
			 v == NULL ? " (PASSTHROUGH is the default)" : "");
		return false;
	} else {
		mesh_err(c, v, "%s: \"%s\" is not one of PASSTHROUGH, SIMPLE, "
			 "MUTUAL, AUTO_PASSTHROUGH, ISTIO_MUTUAL, "
			 "OPTIONAL_MUTUAL", p, mode);
		return false;
	}
	ts->name = mesh_strdup(&c->m->arena, name);
	if (ts->name == NULL) {
		c->nomem = true;
		return false;
	}
	for (i = 0; i < sv->n_hosts; i++)
		hosts[i] = sv->hosts[i].host;	/* the config's strings ... */
	for (i = 0; i < sv->n_hosts; i++) {
		hosts[i] = mesh_strdup(&c->m->arena, hosts[i]); /* ... kept */
		if (hosts[i] == NULL) {
			c->nomem = true;
			return false;
		}
	}
	ts->hosts = hosts;
	ts->n_hosts = (uint32_t)sv->n_hosts;
	ts->min_version = GW_MESH_TLS_V1_2;
	ts->max_version = GW_MESH_TLS_V1_3;

	/* certificates: exactly one way of giving them */
	cert_n = gw_config_node_get(tls, "serverCertificate");
	key_n = gw_config_node_get(tls, "privateKey");
	sources = (cert_n != NULL || key_n != NULL) +
		  (gw_config_node_get(tls, "credentialName") != NULL) +
		  (gw_config_node_get(tls, "credentialNames") != NULL) +
		  (gw_config_node_get(tls, "tlsCertificates") != NULL);
	if (sources != 1) {
		mesh_err(c, tls, "%s: give the certificates one way: "
			 "serverCertificate and privateKey, credentialName, "
			 "credentialNames or tlsCertificates%s", path,
			 sources == 0 ? " (none is given)" : "");
		return false;
	}
	if (cert_n != NULL || key_n != NULL) {
		snprintf(p, sizeof(p), "%s.%s", path,
			 cert_n == NULL ? "serverCertificate" : "privateKey");
		if (cert_n == NULL || key_n == NULL) {
			mesh_err(c, tls, "%s: required with %s", p,
				 cert_n == NULL ? "privateKey" :
						  "serverCertificate");
			return false;
		}
		snprintf(p, sizeof(p), "%s.serverCertificate", path);
		if (!mesh_str(c, cert_n, p, &s))
			return false;
		snprintf(p, sizeof(p), "%s.privateKey", path);
		if (!mesh_str(c, key_n, p, &s2))
			return false;
		snprintf(p, sizeof(p), "%s.serverCertificate", path);
		snprintf(kp, sizeof(kp), "%s.privateKey", path);
		if (!tls_pair(c, &(struct tls_where){ cert_n, p, key_n, kp }, s,
			      s2, certs, &ts->n_certs))
			return false;
	} else if ((v = gw_config_node_get(tls, "credentialName")) != NULL) {
		snprintf(p, sizeof(p), "%s.credentialName", path);
		if (!mesh_str(c, v, p, &s) ||
		    !tls_credential(c, v, p, s, ts->mode != GW_MESH_TLS_SIMPLE,
				    certs, &ts->n_certs, &ts->ca))
			return false;
	} else if ((list = gw_config_node_get(tls, "credentialNames")) !=
		   NULL) {
		snprintf(p, sizeof(p), "%s.credentialNames", path);
		if (!mesh_is_seq(c, list, p))
			return false;
		if (list->n == 0) {
			mesh_err(c, list, "%s: at least one name", p);
			return false;
		}
		for (i = 0; i < list->n; i++) {
			snprintf(p, sizeof(p), "%s.credentialNames[%zu]", path,
				 i);
			if (!mesh_str(c, list->items[i], p, &s) ||
			    !tls_credential(c, list->items[i], p, s,
					    ts->mode != GW_MESH_TLS_SIMPLE,
					    certs, &ts->n_certs, &ts->ca))
				return false;
		}
	} else {
		list = gw_config_node_get(tls, "tlsCertificates");
		snprintf(p, sizeof(p), "%s.tlsCertificates", path);
		if (!mesh_is_seq(c, list, p))
			return false;
		if (list->n == 0) {
			mesh_err(c, list, "%s: at least one certificate", p);
			return false;
		}
		for (i = 0; i < list->n; i++) {
			const struct gw_config_node *e = list->items[i];
			char q[260];

			snprintf(p, sizeof(p), "%s.tlsCertificates[%zu]", path,
				 i);
			if (!mesh_fields(c, e, p, pair_known, NULL))
				return false;
			cert_n = gw_config_node_get(e, "serverCertificate");
			key_n = gw_config_node_get(e, "privateKey");
			if (cert_n == NULL || key_n == NULL) {
				mesh_err(c, e, "%s: serverCertificate and "
					 "privateKey are required", p);
				return false;
			}
			snprintf(q, sizeof(q), "%s.serverCertificate", p);
			if (!mesh_str(c, cert_n, q, &s))
				return false;
			snprintf(q, sizeof(q), "%s.privateKey", p);
			if (!mesh_str(c, key_n, q, &s2))
				return false;
			snprintf(q, sizeof(q), "%s.serverCertificate", p);
			snprintf(kp, sizeof(kp), "%s.privateKey", p);
			if (!tls_pair(c, &(struct tls_where){ cert_n, q, key_n,
							     kp },
				      s, s2, certs, &ts->n_certs))
				return false;
			v = gw_config_node_get(e, "caCertificates");
			if (v != NULL && ts->ca.data == NULL) {
				snprintf(q, sizeof(q), "%s.caCertificates", p);
				if (!mesh_str(c, v, q, &s) ||
				    !tls_read(c, v, q, s, &ts->ca) ||
				    !tls_check_ca(c, v, q, &ts->ca))
					return false;
			}
		}
	}
	ts->certs = certs;
	/* an OCSP response next to a certificate file: <file>.ocsp */
	for (i = 0; i < ts->n_certs; i++) {
		char f[GW_CONFIG_PATH_MAX + 8];

		if (certs[i].ocsp.data != NULL)
			continue;
		snprintf(f, sizeof(f), "%s.ocsp", certs[i].cert.path);
		snprintf(p, sizeof(p), "%s (OCSP response)", path);
		if (!tls_read_optional(c, tls, p, f, &certs[i].ocsp))
			return false;
	}

	/* client certificates */
	v = gw_config_node_get(tls, "caCertificates");
	if (v != NULL) {
		snprintf(p, sizeof(p), "%s.caCertificates", path);
		ts->ca = (struct gw_mesh_blob){ 0 };
		if (!mesh_str(c, v, p, &s) || !tls_read(c, v, p, s, &ts->ca) ||
		    !tls_check_ca(c, v, p, &ts->ca))
			return false;
	}
	if (ts->mode != GW_MESH_TLS_SIMPLE && ts->ca.data == NULL) {
		mesh_err(c, tls, "%s: %s needs client CA certificates: "
			 "caCertificates, or ca.crt with the credential", path,
			 mode);
		return false;
	}
	v = gw_config_node_get(tls, "caCrl");
	if (v != NULL) {
		snprintf(p, sizeof(p), "%s.caCrl", path);
		if (!mesh_str(c, v, p, &s) || !tls_read(c, v, p, s, &ts->crl) ||
		    !tls_check_crl(c, v, p, &ts->crl))
			return false;
	}
	v = gw_config_node_get(tls, "subjectAltNames");
	if (v != NULL) {
		const char *const *sans;

		snprintf(p, sizeof(p), "%s.subjectAltNames", path);
		if (!mesh_str_list(c, v, p, &sans, &k))
			return false;
		hosts = mesh_alloc(&c->m->arena, (k + 1) * sizeof(*hosts));
		if (hosts == NULL) {
			c->nomem = true;
			return false;
		}
		for (i = 0; i < k; i++) {
			hosts[i] = mesh_strdup(&c->m->arena, sans[i]);
			if (hosts[i] == NULL) {
				c->nomem = true;
				return false;
			}
		}
		ts->sans = hosts;
		ts->n_sans = (uint32_t)k;
		if (ts->mode == GW_MESH_TLS_SIMPLE && k > 0)
			mesh_warn(c, v, "%s: only checked in MUTUAL and "
				  "OPTIONAL_MUTUAL modes; ignored", p);
	}

	/* versions and suites */
	v = gw_config_node_get(tls, "minProtocolVersion");
	if (v != NULL) {
		uint16_t ver;

		snprintf(p, sizeof(p), "%s.minProtocolVersion", path);
		if (!tls_version(c, v, p, &ver))
			return false;
		if (ver != 0 && ver < GW_MESH_TLS_V1_2)
			mesh_warn(c, v, "%s: meshgw does not speak TLS below "
				  "1.2; TLSV1_2 is used", p);
		else if (ver != 0)
			ts->min_version = ver;
	}
	v = gw_config_node_get(tls, "maxProtocolVersion");
	if (v != NULL) {
		uint16_t ver;

		snprintf(p, sizeof(p), "%s.maxProtocolVersion", path);
		if (!tls_version(c, v, p, &ver))
			return false;
		if (ver != 0 && ver < GW_MESH_TLS_V1_2) {
			mesh_err(c, v, "%s: meshgw does not speak TLS below "
				 "1.2", p);
			return false;
		}
		if (ver != 0)
			ts->max_version = ver;
	}
	if (ts->min_version > ts->max_version) {
		mesh_err(c, tls, "%s: minProtocolVersion is above "
			 "maxProtocolVersion", path);
		return false;
	}
	v = gw_config_node_get(tls, "cipherSuites");
	if (v != NULL) {
		snprintf(p, sizeof(p), "%s.cipherSuites", path);
		if (!tls_ciphers(c, v, p, ts))
			return false;
	}
	sv->tls = ts;
	return true;
}

/* A string list copied into the mesh arena. */
static bool
tls_str_list(struct mesh_ctx *c, const struct gw_config_node *n,
	     const char *path, const char *const **out, uint32_t *n_out)
{
	const char *const *raw;
	const char **l;
	size_t i, k;

	if (!mesh_str_list(c, n, path, &raw, &k))
		return false;
	l = mesh_alloc(&c->m->arena, (k + 1) * sizeof(*l));
	if (l == NULL) {
		c->nomem = true;
		return false;
	}
	for (i = 0; i < k; i++) {
		l[i] = mesh_strdup(&c->m->arena, raw[i]);
		if (l[i] == NULL) {
			c->nomem = true;
			return false;
		}
	}
	*out = l;
	*n_out = (uint32_t)k;
	return true;
}

bool
mesh_client_tls(struct mesh_ctx *c, const struct gw_config_node *tls,
		const char *path, const struct gw_mesh_tls_client **out)
{
	static const char *const known[] = {
		"mode", "clientCertificate", "privateKey", "caCertificates",
		"credentialName", "subjectAltNames", "sni",
		"insecureSkipVerify", "caCrl", NULL,
	};
	const struct gw_config_dataplane *dp = gw_config_dataplane(c->cfg);
	const struct gw_config_node *v, *cert_n, *key_n, *cred_n;
	struct gw_mesh_tls_client *tc;
	const char *mode = "DISABLE", *s, *s2;
	uint32_t n = 0;
	char p[240], kp[260];

	*out = NULL;
	if (!mesh_fields(c, tls, path, known, NULL))
		return false;
	v = gw_config_node_get(tls, "mode");
	snprintf(p, sizeof(p), "%s.mode", path);
	if (v != NULL && !mesh_str(c, v, p, &mode))
		return false;
	if (strcmp(mode, "DISABLE") == 0)
		return true;
	if (strcmp(mode, "ISTIO_MUTUAL") == 0) {
		mesh_warn(c, v, "%s: ISTIO_MUTUAL needs Istio's workload "
			  "certificates, which meshgw does not have; the "
			  "upstream is spoken to in plain text", p);
		return true;
	}
	tc = mesh_alloc(&c->m->arena, sizeof(*tc));
	if (tc == NULL) {
		c->nomem = true;
		return false;
	}
	if (strcmp(mode, "SIMPLE") == 0) {
		tc->mode = GW_MESH_TLS_SIMPLE;
	} else if (strcmp(mode, "MUTUAL") == 0) {
		tc->mode = GW_MESH_TLS_MUTUAL;
	} else {
		mesh_err(c, v, "%s: \"%s\" is not one of DISABLE, SIMPLE, "
			 "MUTUAL, ISTIO_MUTUAL", p, mode);
		return false;
	}
	tc->name = mesh_printf(&c->m->arena, "%s/%s %s", c->res->namespace,
			       c->res->name, path + strlen("spec."));
	if (tc->name == NULL) {
		c->nomem = true;
		return false;
	}
	cert_n = gw_config_node_get(tls, "clientCertificate");
	key_n = gw_config_node_get(tls, "privateKey");
	cred_n = gw_config_node_get(tls, "credentialName");
	if (cred_n != NULL && (cert_n != NULL || key_n != NULL)) {
		mesh_err(c, tls, "%s: give credentialName or "
			 "clientCertificate and privateKey, not both", path);
		return false;
	}
	if (cert_n != NULL || key_n != NULL) {
		snprintf(p, sizeof(p), "%s.%s", path,
			 cert_n == NULL ? "clientCertificate" : "privateKey");
		if (cert_n == NULL || key_n == NULL) {
			mesh_err(c, tls, "%s: required with %s", p,
				 cert_n == NULL ? "privateKey" :
						  "clientCertificate");
			return false;
		}
		snprintf(p, sizeof(p), "%s.clientCertificate", path);
		snprintf(kp, sizeof(kp), "%s.privateKey", path);
		if (!mesh_str(c, cert_n, p, &s) || !mesh_str(c, key_n, kp, &s2))
			return false;
		if (!tls_pair(c, &(struct tls_where){ cert_n, p, key_n, kp }, s,
			      s2, &tc->cert, &n))
			return false;
	} else if (cred_n != NULL) {
		const char *dir = dp != NULL ? dp->tls.credentials_dir :
					       GW_CONFIG_DEFAULT_CREDENTIALS_DIR;

		/* a Secret: the pair (MUTUAL) and ca.crt */
		snprintf(p, sizeof(p), "%s.credentialName", path);
		if (!mesh_str(c, cred_n, p, &s))
			return false;
		if (tc->mode == GW_MESH_TLS_MUTUAL) {
			if (!tls_credential(c, cred_n, p, s, true, &tc->cert,
					    &n, &tc->ca))
				return false;
		} else if (s[0] == '\0' || s[0] == '.' ||
			   strchr(s, '/') != NULL) {
			mesh_err(c, cred_n, "%s: \"%s\" is not a credential "
				 "name", p, s);
			return false;
		} else {
			char d[GW_CONFIG_PATH_MAX + 300], alt[sizeof(d)];

			/* SIMPLE takes only the CA; the credential must exist
			 * (a typo must not mean the system's CAs) */
			snprintf(d, sizeof(d), "%s/%s", dir, s);
			snprintf(alt, sizeof(alt), "%s/%s-cacert", dir, s);
			if (access(d, F_OK) < 0 && access(alt, F_OK) < 0) {
				mesh_err(c, cred_n, "%s: cannot read \"%s\" (nor "
					 "\"%s\"): %s", p, d, alt,
					 strerror(errno));
				return false;
			}
			if (!tls_credential_ca(c, cred_n, p, dir, s, &tc->ca))
				return false;
		}
	}
	if (tc->mode == GW_MESH_TLS_MUTUAL && n == 0) {
		mesh_err(c, tls, "%s: MUTUAL needs a client certificate: "
			 "clientCertificate and privateKey, or credentialName",
			 path);
		return false;
	}
	if (tc->mode == GW_MESH_TLS_SIMPLE && n > 0) {
		mesh_warn(c, cert_n != NULL ? cert_n : cred_n, "%s: SIMPLE "
			  "sends no client certificate; the pair is not used",
			  path);
		tc->cert = (struct gw_mesh_tls_cert){ 0 };
	}
	v = gw_config_node_get(tls, "caCertificates");
	if (v != NULL) {
		snprintf(p, sizeof(p), "%s.caCertificates", path);
		tc->ca = (struct gw_mesh_blob){ 0 };
		if (!mesh_str(c, v, p, &s) || !tls_read(c, v, p, s, &tc->ca) ||
		    !tls_check_ca(c, v, p, &tc->ca))
			return false;
	}
	v = gw_config_node_get(tls, "caCrl");
	if (v != NULL) {
		snprintf(p, sizeof(p), "%s.caCrl", path);
		if (!mesh_str(c, v, p, &s) || !tls_read(c, v, p, s, &tc->crl) ||
		    !tls_check_crl(c, v, p, &tc->crl))
			return false;
	}
	v = gw_config_node_get(tls, "subjectAltNames");
	snprintf(p, sizeof(p), "%s.subjectAltNames", path);
	if (v != NULL && !tls_str_list(c, v, p, &tc->sans, &tc->n_sans))
		return false;
	v = gw_config_node_get(tls, "sni");
	if (v != NULL) {
		snprintf(p, sizeof(p), "%s.sni", path);
		if (!mesh_str(c, v, p, &s))
			return false;
		if (!mesh_host_pattern_ok(s) || s[0] == '*') {
			mesh_err(c, v, "%s: \"%s\" is not a host name", p, s);
			return false;
		}
		tc->sni = mesh_strdup(&c->m->arena, s);
		if (tc->sni == NULL) {
			c->nomem = true;
			return false;
		}
	}
	v = gw_config_node_get(tls, "insecureSkipVerify");
	snprintf(p, sizeof(p), "%s.insecureSkipVerify", path);
	if (v != NULL && !mesh_bool(c, v, p, &tc->insecure_skip_verify))
		return false;
	*out = tc;
	return true;
}
