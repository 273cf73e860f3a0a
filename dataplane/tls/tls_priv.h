/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/tls private: contexts, the per-worker state and connections.
 */
#ifndef TLS_PRIV_H
#define TLS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "gw_tls.h"
#include "gw_tls_hello.h"

extern int gw_tls_logtype;
#define GW_TLS_LOG(level, ...) \
	rte_log(RTE_LOG_##level, gw_tls_logtype, "tls: " __VA_ARGS__)

/* Certificates per server (one per key type). */
#define TLS_CERTS_MAX 4
/* Plaintext handed to the application and not yet released, at most:
 * beyond it, ciphertext waits in TCP's window (back-pressure). */
#define TLS_PLAIN_MAX (64 * 1024)
/* mbufs of plaintext handed over in one data() call, at most. */
#define TLS_READ_SEGS 32
/* One record's plaintext. */
#define TLS_RECORD_MAX 16384

/*
 * One Gateway server: its context and what the callbacks and the
 * application need after the handshake, copied out of the mesh and owned
 * by the SSL_CTX (freed with its last reference, by its ex_data free
 * callback): a connection may outlive the snapshot that made it.
 */
struct tls_server {
	SSL_CTX *ctx;			/* not a reference: the owner */
	struct gw_tls_server_id id;
	enum gw_mesh_tls_mode mode;
	char **sans;			/* subjectAltNames */
	uint32_t n_sans;
	uint32_t n_certs;
	X509 *leaf[TLS_CERTS_MAX];	/* to find the OCSP staple of the
					 * certificate a handshake chose */
	uint8_t *ocsp[TLS_CERTS_MAX];	/* DER responses, NULL none */
	size_t ocsp_len[TLS_CERTS_MAX];
};

struct gw_tls_listener {
	uint16_t port;
	uint32_t n;
	SSL_CTX **ctx;			/* one reference each, by server */
	const struct tls_server **servers; /* ctx[i]'s ex_data */
};

/* A cluster's client context (DestinationRule tls). */
struct gw_tls_client {
	SSL_CTX *ctx;			/* a reference; NULL: plain */
	char *sni;			/* the server name sent */
	bool check_host;		/* the certificate must be for sni (no
					 * subjectAltNames given) */
	uint64_t id;			/* unique: the session cache's key */
};

struct gw_tls_set {
	uint32_t n;
	struct gw_tls_listener *listeners;
	uint32_t n_clients;		/* the mesh's clusters */
	struct gw_tls_client *clients;
};

/* The context's ex_data: its server, the ticket keys. */
extern int tls_ex_server;
extern int tls_ex_keys;

/* Pick the server for an SNI: the best rank, else the first. */
uint32_t tls_pick(const struct gw_tls_listener *l, const char *sni);

/* OpenSSL's new-session callback of client contexts (tls_conn.c): the
 * session goes to the worker's cache. */
int tls_client_new_session(SSL *ssl, SSL_SESSION *sess);

/* Client sessions kept per worker, by (context, endpoint), direct
 * mapped. */
#define TLS_SESS_SLOTS 256

struct tls_sess_slot {
	uint64_t id;		/* gw_tls_client.id; 0: empty */
	uint32_t addr;
	uint16_t port;
	SSL_SESSION *sess;	/* a reference */
};

enum tls_state {
	TLS_HELLO = 0,	/* server: waiting for the whole ClientHello */
	TLS_CONNECTING,	/* client: waiting for TCP's connect */
	TLS_HANDSHAKE,
	TLS_OPEN,
	TLS_CLOSED,	/* failed or closed: input is dropped */
};

struct gw_tls_wrk;

struct tls_conn {
	struct gw_tls_wrk *tw;
	struct gw_tcp_conn *c;
	SSL *ssl;
	const struct gw_tls_listener *lis;
	/* ciphertext from TCP that OpenSSL has not read yet */
	struct rte_mbuf *in_head;
	struct rte_mbuf *in_tail;
	uint32_t in_off;	/* bytes of in_head already read */
	uint32_t in_len;
	uint32_t consumed;	/* read since TCP was last told */
	/* ciphertext from OpenSSL that TCP has not taken yet; each segment
	 * a single-segment mbuf until sent */
	struct rte_mbuf *out_head;
	struct rte_mbuf *out_tail;
	uint32_t out_len;
	uint32_t plain_held;	/* handed to the application, not released */
	uint8_t state;		/* enum tls_state */
	bool tcp_eof;		/* TCP's peer finished sending */
	bool app_eof;		/* the application was told */
	bool app_blocked;	/* send space was refused: writable() owed */
	bool shut_pending;	/* FIN after out drains */
	bool shut;		/* FIN queued */
	bool in_pump;
	bool again;		/* pump once more */
	bool dead;		/* TCP closed it: free when idle */
	bool ready;		/* on the worker's deferred list */
	bool client;		/* TLS origination */
	bool app_gone;		/* client: told its connect failed */
	uint64_t client_id;	/* client: its context's id */
	uint32_t peer_addr;	/* client: the endpoint */
	uint16_t peer_port;
	struct tls_conn *next;	/* free list or deferred list */
	struct gw_tls_info info;
	char sni[GW_TLS_SNI_MAX + 1];
	char *xfcc;		/* malloc'd, client certificate only */
};

struct gw_tls_wrk {
	struct gw_worker *w;
	struct tls_conn *conns;
	uint32_t n_conns;
	struct tls_conn *free;
	struct tls_conn *ready;
	struct gw_tls_stats stats;
	struct tls_sess_slot sess[TLS_SESS_SLOTS];
	uint8_t hello_in[GW_TLS_HELLO_IN_MAX];
	uint8_t hello_tmp[GW_TLS_HELLO_MAX + 8];
	uint8_t wbuf[TLS_RECORD_MAX];
};

/* The BIO method over a tls_conn's chains (tls_conn.c), made once. */
int tls_bio_init(void);

#endif /* TLS_PRIV_H */
