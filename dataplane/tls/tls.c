/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/tls contexts: one SSL_CTX per Gateway HTTPS server and per
 * cluster that originates TLS, built by ctrl with each snapshot; the
 * session ticket key ring (see gw_tls.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "tls_priv.h"

RTE_LOG_REGISTER_SUFFIX(gw_tls_logtype, tls, INFO);

int tls_ex_server = -1;
int tls_ex_keys = -1;

/* Envoy's default TLS 1.2 suites for servers (forward secret AEADs). */
#define TLS_DEFAULT_CIPHERS                                                     \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"           \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"           \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* ---- ticket keys --------------------------------------------------------- */

/* Slots in the ring: the current key, the two before it, and the one
 * ctrl writes next (no worker reads it). */
#define TLS_KEY_SLOTS 4
#define TLS_KEYS_VALID 3

struct tls_ticket_key {
	uint8_t name[16];
	uint8_t aes[32];
	uint8_t hmac[32];
};

struct gw_tls_keys {
	struct tls_ticket_key slot[TLS_KEY_SLOTS];
	uint64_t gen;		/* keys made; current slot (gen - 1) % SLOTS */
	unsigned rotation_s;	/* 0: tickets off */
	time_t next;		/* ctrl: when the next key is made */
};

static int
keys_make(struct gw_tls_keys *k)
{
	struct tls_ticket_key *t = &k->slot[k->gen % TLS_KEY_SLOTS];

	if (RAND_bytes((unsigned char *)t, sizeof(*t)) != 1)
		return -EIO;
	/* publish: workers load gen with acquire */
	__atomic_store_n(&k->gen, k->gen + 1, __ATOMIC_RELEASE);
	k->next = time(NULL) + (time_t)k->rotation_s;
	return 0;
}

int
gw_tls_keys_create(unsigned rotation_s, struct gw_tls_keys **out)
{
	struct gw_tls_keys *k = calloc(1, sizeof(*k));
	int rc;

	*out = NULL;
	if (k == NULL)
		return -ENOMEM;
	k->rotation_s = rotation_s;
	rc = keys_make(k);
	if (rc < 0) {
		free(k);
		return rc;
	}
	*out = k;
	return 0;
}

void
gw_tls_keys_tick(struct gw_tls_keys *k)
{
	if (k == NULL || k->rotation_s == 0 || time(NULL) < k->next)
		return;
	if (keys_make(k) < 0)
		GW_TLS_LOG(ERR, "no randomness for a new ticket key; the "
			   "current one stays\n");
}

uint64_t
gw_tls_keys_generation(const struct gw_tls_keys *k)
{
	return k != NULL ? __atomic_load_n(&k->gen, __ATOMIC_ACQUIRE) : 0;
}

void
gw_tls_keys_free(struct gw_tls_keys *k)
{
	if (k != NULL)
		OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

static int
ticket_mac_init(EVP_MAC_CTX *hctx, const struct tls_ticket_key *key)
{
	OSSL_PARAM params[3];

	params[0] = OSSL_PARAM_construct_octet_string(
		OSSL_MAC_PARAM_KEY, (void *)key->hmac, sizeof(key->hmac));
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"sha256", 0);
	params[2] = OSSL_PARAM_construct_end();
	return EVP_MAC_CTX_set_params(hctx, params);
}

/* OpenSSL's ticket callback (worker): encrypt with the current key,
 * decrypt with any of the valid ones (2: renew the ticket). */
static int
ticket_cb(SSL *ssl, unsigned char *name, unsigned char *iv,
	  EVP_CIPHER_CTX *ectx, EVP_MAC_CTX *hctx, int enc)
{
	struct gw_tls_keys *k =
		SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_ex_keys);
	uint64_t gen, i;

	if (k == NULL)
		return 0;
	gen = __atomic_load_n(&k->gen, __ATOMIC_ACQUIRE);
	if (enc) {
		const struct tls_ticket_key *key =
			&k->slot[(gen - 1) % TLS_KEY_SLOTS];

		memcpy(name, key->name, sizeof(key->name));
		if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1 ||
		    EVP_EncryptInit_ex(ectx, EVP_aes_256_cbc(), NULL, key->aes,
				       iv) != 1 ||
		    ticket_mac_init(hctx, key) != 1)
			return -1;
		return 1;
	}
	for (i = 0; i < TLS_KEYS_VALID && i < gen; i++) {
		const struct tls_ticket_key *key =
			&k->slot[(gen - 1 - i) % TLS_KEY_SLOTS];

		if (memcmp(name, key->name, sizeof(key->name)) != 0)
			continue;
		if (ticket_mac_init(hctx, key) != 1 ||
		    EVP_DecryptInit_ex(ectx, EVP_aes_256_cbc(), NULL, key->aes,
				       iv) != 1)
			return -1;
		return i == 0 ? 1 : 2;
	}
	return 0;	/* unknown key: a full handshake */
}

/* ---- callbacks of a server context (workers) ------------------------------ */

/* ALPN: HTTP/1.1 when offered; otherwise no protocol is agreed. */
static int
alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
	const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned int i = 0;

	(void)ssl;
	(void)arg;
	while (i < inlen) {
		unsigned int n = in[i];

		if (i + 1 + n > inlen)
			break;
		if (n == 8 && memcmp(in + i + 1, "http/1.1", 8) == 0) {
			*out = in + i + 1;
			*outlen = 8;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + n;
	}
	return SSL_TLSEXT_ERR_NOACK;
}

/* Whether x carries one of the subjectAltNames (URI, DNS or email, as
 * written). */
static bool
san_ok(X509 *x, const struct tls_server *ms)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
					       NULL);
	bool ok = false;
	int i;
	uint32_t k;

	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && !ok;
	     i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_IA5STRING *s;

		if (g->type == GEN_URI)
			s = g->d.uniformResourceIdentifier;
		else if (g->type == GEN_DNS)
			s = g->d.dNSName;
		else if (g->type == GEN_EMAIL)
			s = g->d.rfc822Name;
		else
			continue;
		for (k = 0; k < ms->n_sans && !ok; k++)
			ok = strlen(ms->sans[k]) == (size_t)s->length &&
			     memcmp(ms->sans[k], s->data, (size_t)s->length) ==
				     0;
	}
	GENERAL_NAMES_free(gens);
	return ok;
}

/* Client certificate verification: OpenSSL's chain check, then the
 * subjectAltNames of the leaf. */
static int
verify_cb(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl;
	const struct tls_server *srv;

	if (!ok || X509_STORE_CTX_get_error_depth(sctx) != 0)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(sctx,
					 SSL_get_ex_data_X509_STORE_CTX_idx());
	srv = ssl != NULL ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl),
						tls_ex_server) :
			    NULL;
	if (srv == NULL || srv->n_sans == 0)
		return ok;
	if (san_ok(X509_STORE_CTX_get_current_cert(sctx), srv))
		return 1;
	X509_STORE_CTX_set_error(sctx, X509_V_ERR_SUBJECT_ISSUER_MISMATCH);
	return 0;
}

/* OCSP stapling: the response given for the certificate the handshake
 * chose, when the client asks. */
static int
ocsp_cb(SSL *ssl, void *arg)
{
	const struct tls_server *srv =
		SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_ex_server);
	X509 *cur = SSL_get_certificate(ssl);
	unsigned char *copy;
	uint32_t i;

	(void)arg;
	if (srv == NULL || cur == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	for (i = 0; i < srv->n_certs; i++) {
		if (srv->leaf[i] != cur || srv->ocsp[i] == NULL)
			continue;
		copy = OPENSSL_malloc(srv->ocsp_len[i]);
		if (copy == NULL)
			return SSL_TLSEXT_ERR_NOACK;
		memcpy(copy, srv->ocsp[i], srv->ocsp_len[i]);
		SSL_set_tlsext_status_ocsp_resp(ssl, copy,
						(long)srv->ocsp_len[i]);
		return SSL_TLSEXT_ERR_OK;
	}
	return SSL_TLSEXT_ERR_NOACK;
}

/* ---- building contexts (ctrl) ------------------------------------------- */

static void
ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

/* Certificate chain and key of one pair into ctx; the leaf in *leaf
 * (owned by ctx). */
static int
ctx_add_cert(SSL_CTX *ctx, const struct gw_mesh_tls_cert *tc, X509 **leaf,
	     char *err, size_t errlen)
{
	BIO *bio = BIO_new_mem_buf(tc->cert.data, (int)tc->cert.len);
	EVP_PKEY *key = NULL;
	X509 *x;
	char why[160];
	int rc = -EINVAL;

	if (bio == NULL)
		return -ENOMEM;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (x == NULL || SSL_CTX_use_certificate(ctx, x) != 1)
		goto fail;
	*leaf = x;
	X509_free(x);	/* ctx holds it */
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			goto fail;
		}
	}
	ERR_clear_error();	/* the end of the PEM data */
	BIO_free(bio);
	bio = BIO_new_mem_buf(tc->key.data, (int)tc->key.len);
	if (bio == NULL)
		return -ENOMEM;
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	if (key == NULL || SSL_CTX_use_PrivateKey(ctx, key) != 1)
		goto fail;
	rc = 0;
	goto out;
fail:
	ssl_reason(why, sizeof(why));
	snprintf(err, errlen, "%s: %s", tc->cert.path, why);
out:
	EVP_PKEY_free(key);
	BIO_free(bio);
	return rc;
}

/* CAs (and a CRL) into ctx's store; a server also names them to its
 * clients (client_ca). */
static int
ctx_add_ca(SSL_CTX *ctx, const struct gw_mesh_blob *ca,
	   const struct gw_mesh_blob *crl_blob, bool client_ca, char *err,
	   size_t errlen)
{
	X509_STORE *st = SSL_CTX_get_cert_store(ctx);
	BIO *bio = BIO_new_mem_buf(ca->data, (int)ca->len);
	X509_CRL *crl;
	X509 *x;
	int n = 0;

	if (bio == NULL)
		return -ENOMEM;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(st, x) != 1 ||
		    (client_ca && SSL_CTX_add_client_CA(ctx, x) != 1)) {
			X509_free(x);
			BIO_free(bio);
			snprintf(err, errlen, "%s: cannot use a CA certificate",
				 ca->path);
			return -EINVAL;
		}
		X509_free(x);
		n++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (n == 0) {
		snprintf(err, errlen, "%s: no CA certificate", ca->path);
		return -EINVAL;
	}
	if (crl_blob->data == NULL)
		return 0;
	bio = BIO_new_mem_buf(crl_blob->data, (int)crl_blob->len);
	if (bio == NULL)
		return -ENOMEM;
	n = 0;
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
		X509_STORE_add_crl(st, crl);
		X509_CRL_free(crl);
		n++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (n > 0)
		X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
	return 0;
}

static void
server_free(struct tls_server *srv)
{
	uint32_t i;

	if (srv == NULL)
		return;
	for (i = 0; i < srv->id.n_hosts; i++)
		free((char *)srv->id.hosts[i]);
	free((void *)srv->id.hosts);
	for (i = 0; i < srv->n_sans; i++)
		free(srv->sans[i]);
	free(srv->sans);
	for (i = 0; i < TLS_CERTS_MAX; i++)
		free(srv->ocsp[i]);
	free((char *)srv->id.name);
	free(srv);
}

/* The context's last reference went: its server goes with it. */
static void
server_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
	       long argl, void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	server_free(ptr);
}

static char **
strs_dup(const char *const *v, uint32_t n)
{
	char **out = calloc(n + 1, sizeof(*out));
	uint32_t i;

	for (i = 0; out != NULL && i < n; i++) {
		out[i] = strdup(v[i]);
		if (out[i] == NULL) {
			while (i-- > 0)
				free(out[i]);
			free(out);
			return NULL;
		}
	}
	return out;
}

/* What a server's context needs after the compile, out of the mesh. */
static struct tls_server *
server_copy(const struct gw_mesh_tls_server *ms)
{
	struct tls_server *srv = calloc(1, sizeof(*srv));
	uint32_t i;

	if (srv == NULL)
		return NULL;
	srv->mode = ms->mode;
	srv->id.name = strdup(ms->name);
	srv->id.hosts = (const char *const *)strs_dup(ms->hosts, ms->n_hosts);
	if (srv->id.hosts != NULL)
		srv->id.n_hosts = ms->n_hosts;
	srv->sans = strs_dup(ms->sans, ms->n_sans);
	if (srv->sans != NULL)
		srv->n_sans = ms->n_sans;
	srv->n_certs = RTE_MIN(ms->n_certs, (uint32_t)TLS_CERTS_MAX);
	for (i = 0; i < srv->n_certs; i++) {
		const struct gw_mesh_blob *o = &ms->certs[i].ocsp;

		if (o->data == NULL || o->len == 0)
			continue;
		srv->ocsp[i] = malloc(o->len);
		if (srv->ocsp[i] == NULL)
			goto fail;
		memcpy(srv->ocsp[i], o->data, o->len);
		srv->ocsp_len[i] = o->len;
	}
	if (srv->id.name == NULL || srv->id.hosts == NULL || srv->sans == NULL)
		goto fail;
	return srv;
fail:
	server_free(srv);
	return NULL;
}

/* A context for one Gateway server; *out holds one reference. http: the
 * decrypted bytes are HTTP (ALPN agrees on http/1.1 when offered); else
 * they go to tcp routes and no protocol is agreed. */
static int
server_build(const struct gw_mesh_tls_server *ms, bool http,
	     struct gw_tls_keys *keys, SSL_CTX **out, char *err, size_t errlen)
{
	unsigned char sid[SHA256_DIGEST_LENGTH];
	struct tls_server *srv;
	char why[160];
	SSL_CTX *ctx;
	uint32_t i;
	int rc;

	*out = NULL;
	srv = server_copy(ms);
	ctx = SSL_CTX_new(TLS_server_method());
	if (srv == NULL || ctx == NULL) {
		server_free(srv);
		SSL_CTX_free(ctx);
		return -ENOMEM;
	}
	srv->ctx = ctx;
	/* from here the context owns srv */
	SSL_CTX_set_ex_data(ctx, tls_ex_server, srv);
	SSL_CTX_set_ex_data(ctx, tls_ex_keys, keys);
	*out = ctx;
	if (SSL_CTX_set_min_proto_version(ctx, ms->min_version) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, ms->max_version) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, ms->ciphers != NULL ?
					     ms->ciphers :
					     TLS_DEFAULT_CIPHERS) != 1) {
		ssl_reason(why, sizeof(why));
		snprintf(err, errlen, "%s: versions or cipher suites: %s",
			 ms->name, why);
		return -EINVAL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE |
					 SSL_OP_NO_COMPRESSION |
					 SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* the chain is the one the files give: OpenSSL would otherwise
	 * build (and verify) one from its store on every handshake, an
	 * ECDSA signature check each time for a self-signed leaf */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
	/* resumption by tickets only: OpenSSL's session cache locks */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (keys == NULL || keys->rotation_s == 0) {
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_num_tickets(ctx, 0);
	} else {
		SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb);
		SSL_CTX_set_num_tickets(ctx, 1);
	}
	/* resumed sessions belong to this server (and its client policy) */
	SHA256((const unsigned char *)ms->name, strlen(ms->name), sid);
	SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid));
	if (http)
		SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
	for (i = 0; i < srv->n_certs; i++) {
		rc = ctx_add_cert(ctx, &ms->certs[i], &srv->leaf[i], err,
				  errlen);
		if (rc < 0)
			return rc;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_reason(why, sizeof(why));
		snprintf(err, errlen, "%s: %s", ms->name, why);
		return -EINVAL;
	}
	SSL_CTX_set_tlsext_status_cb(ctx, ocsp_cb);
	if (ms->mode != GW_MESH_TLS_SIMPLE) {
		rc = ctx_add_ca(ctx, &ms->ca, &ms->crl, true, err, errlen);
		if (rc < 0)
			return rc;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
				   (ms->mode == GW_MESH_TLS_MUTUAL ?
				    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
				   verify_cb);
		SSL_CTX_set_verify_depth(ctx, 10);
	}
	return 0;
}

/* Client contexts get unique ids: a cached session is only resumed with
 * the context (CA, certificate, names) it was made with. Ctrl only. */
static uint64_t client_ids;

/* The client context of cluster mc (DestinationRule tls). */
static int
client_build(const struct gw_mesh_cluster *mc, struct gw_tls_client *cl,
	     char *err, size_t errlen)
{
	static const unsigned char alpn[] = "\x08http/1.1";
	const struct gw_mesh_tls_client *tc = mc->tls;
	struct tls_server *srv;
	char why[160];
	SSL_CTX *ctx;
	int rc;

	srv = calloc(1, sizeof(*srv));
	ctx = SSL_CTX_new(TLS_client_method());
	cl->sni = strdup(tc->sni != NULL ? tc->sni : mc->host);
	if (srv != NULL) {
		srv->id.name = strdup(tc->name);
		srv->sans = strs_dup(tc->sans, tc->n_sans);
		srv->n_sans = srv->sans != NULL ? tc->n_sans : 0;
	}
	if (srv == NULL || ctx == NULL || cl->sni == NULL ||
	    srv->id.name == NULL || srv->sans == NULL) {
		server_free(srv);
		SSL_CTX_free(ctx);
		return -ENOMEM;
	}
	srv->ctx = ctx;
	srv->mode = tc->mode;
	/* the context owns srv: its subjectAltNames for verify_cb */
	SSL_CTX_set_ex_data(ctx, tls_ex_server, srv);
	cl->ctx = ctx;
	cl->id = ++client_ids;
	cl->check_host = !tc->insecure_skip_verify && tc->n_sans == 0;
	if (SSL_CTX_set_min_proto_version(ctx, GW_MESH_TLS_V1_2) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS_DEFAULT_CIPHERS) != 1 ||
	    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1) != 0) {
		ssl_reason(why, sizeof(why));
		snprintf(err, errlen, "%s: %s", tc->name, why);
		return -EINVAL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_NO_COMPRESSION |
					 SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
	/* sessions go to the worker's cache, never OpenSSL's (it locks) */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
					    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, tls_client_new_session);
	if (tc->mode == GW_MESH_TLS_MUTUAL) {
		rc = ctx_add_cert(ctx, &tc->cert, &srv->leaf[0], err, errlen);
		if (rc < 0)
			return rc;
		srv->n_certs = 1;
	}
	if (tc->insecure_skip_verify) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return 0;
	}
	if (tc->ca.data != NULL) {
		rc = ctx_add_ca(ctx, &tc->ca, &tc->crl, false, err, errlen);
		if (rc < 0)
			return rc;
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		ssl_reason(why, sizeof(why));
		snprintf(err, errlen, "%s: the system's CA certificates: %s",
			 tc->name, why);
		return -EINVAL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	SSL_CTX_set_verify_depth(ctx, 10);
	return 0;
}

void
gw_tls_set_free(struct gw_tls_set *s)
{
	uint32_t i, k;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_clients; i++) {
		SSL_CTX_free(s->clients[i].ctx);
		free(s->clients[i].sni);
	}
	free(s->clients);
	for (i = 0; i < s->n; i++) {
		for (k = 0; k < s->listeners[i].n; k++)
			SSL_CTX_free(s->listeners[i].ctx[k]);
		free(s->listeners[i].ctx);
		free(s->listeners[i].servers);
	}
	free(s->listeners);
	free(s);
}

int
gw_tls_set_create(const struct gw_mesh *mesh, struct gw_tls_keys *keys,
		  struct gw_tls_set **out, char *err, size_t errlen)
{
	size_t nl = gw_mesh_listener_count(mesh), i;
	struct gw_tls_set *s;
	uint32_t k;
	int rc = 0;

	*out = NULL;
	if (tls_ex_server < 0) {
		tls_ex_server = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
							 server_ex_free);
		tls_ex_keys = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
						       NULL);
		if (tls_ex_server < 0 || tls_ex_keys < 0)
			return -ENOMEM;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->listeners = calloc(nl + 1, sizeof(*s->listeners));
	if (s->listeners == NULL) {
		free(s);
		return -ENOMEM;
	}
	for (i = 0; i < nl && rc == 0; i++) {
		const struct gw_mesh_listener *ml = gw_mesh_listener_at(mesh, i);
		struct gw_tls_listener *l;

		if (ml->n_tls == 0)
			continue;	/* HTTPS, or TCP over TLS */
		l = &s->listeners[s->n++];
		l->port = ml->port;
		l->ctx = calloc(ml->n_tls, sizeof(*l->ctx));
		l->servers = calloc(ml->n_tls, sizeof(*l->servers));
		if (l->ctx == NULL || l->servers == NULL) {
			rc = -ENOMEM;
			break;
		}
		l->n = ml->n_tls;
		for (k = 0; k < ml->n_tls && rc == 0; k++) {
			rc = server_build(&ml->tls[k],
					  ml->protocol == GW_MESH_PROTO_HTTPS,
					  keys, &l->ctx[k], err, errlen);
			if (l->ctx[k] != NULL)
				l->servers[k] = SSL_CTX_get_ex_data(
					l->ctx[k], tls_ex_server);
		}
	}
	if (rc == 0) {
		s->n_clients = (uint32_t)gw_mesh_cluster_count(mesh);
		s->clients = calloc(s->n_clients + 1, sizeof(*s->clients));
		if (s->clients == NULL)
			rc = -ENOMEM;
	}
	for (k = 0; rc == 0 && k < s->n_clients; k++) {
		const struct gw_mesh_cluster *mc = gw_mesh_cluster_at(mesh, k);

		if (mc->tls != NULL)
			rc = client_build(mc, &s->clients[k], err, errlen);
	}
	if (rc < 0) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory for TLS contexts");
		gw_tls_set_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

const struct gw_tls_client *
gw_tls_set_client(const struct gw_tls_set *s, uint32_t ci)
{
	if (s == NULL || ci >= s->n_clients || s->clients[ci].ctx == NULL)
		return NULL;
	return &s->clients[ci];
}

const struct gw_tls_listener *
gw_tls_set_listener(const struct gw_tls_set *s, uint16_t port)
{
	uint32_t i;

	for (i = 0; s != NULL && i < s->n; i++)
		if (s->listeners[i].port == port)
			return &s->listeners[i];
	return NULL;
}

uint32_t
tls_pick(const struct gw_tls_listener *l, const char *sni)
{
	uint32_t i, h, best = 0;
	int32_t best_rank = -1;

	for (i = 0; i < l->n; i++) {
		const struct gw_tls_server_id *id = &l->servers[i]->id;

		for (h = 0; h < id->n_hosts; h++) {
			int32_t r = gw_tls_sni_rank(id->hosts[h], sni);

			if (r > best_rank) {
				best_rank = r;
				best = i;
			}
		}
	}
	return best;
}
