/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/tls — TLS with OpenSSL 3 over meshgw's own TCP.
 *
 * A TLS connection is a layer on a TCP connection (gw_tcp_layer_set()):
 * the application keeps calling gw_tcp_send(), gw_tcp_recv_done() and
 * the rest and gets its callbacks with plaintext, while the layer moves
 * ciphertext between TCP and OpenSSL through a memory BIO over mbuf
 * chains (never a socket). The server side reads the ClientHello itself
 * first (lib/tls) and creates the OpenSSL connection from the context of
 * the Gateway server its SNI picks (exact name, longest wildcard, "*",
 * else the port's first server), so every server keeps its own
 * certificates, versions, suites and client-certificate policy.
 *
 * The client side (TLS origination, DestinationRule tls) is the same
 * layer put on an upstream connection: it handshakes once TCP connects,
 * verifying the endpoint (CA, SNI or subjectAltNames), before the
 * application hears connected(), and resumes sessions per endpoint.
 *
 * Contexts: a gw_tls_set is built by ctrl with each configuration
 * snapshot from the compiled mesh (one SSL_CTX per HTTPS server and per
 * cluster that originates TLS), and is freed with it; connections hold their SSL_CTX by OpenSSL's reference
 * count, so a replaced certificate serves new handshakes while older
 * connections go on. Session tickets are encrypted with keys shared by
 * every worker and every snapshot (gw_tls_keys), replaced by ctrl every
 * spec.tls.sessionTicketRotationSeconds; the two keys before the current
 * one still decrypt (and the ticket is renewed).
 *
 * Threads: sets and keys on ctrl; connections on the worker that owns
 * them. Fast-path rules: connection state comes from a per-worker free
 * list; OpenSSL allocates inside SSL_new() and its record buffers, as it
 * does everywhere (released between bursts: SSL_MODE_RELEASE_BUFFERS).
 */
#ifndef GW_TLS_H
#define GW_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "gw_mesh.h"
#include "gw_tcp.h"
#include "gw_worker.h"

/*
 * Per-worker TLS counters, summed by ctrl (X-macro: field, help).
 */
#define GW_TLS_STATS(X)                                                        \
	X(handshakes, "handshakes completed")                                  \
	X(resumed, "of them, sessions resumed from a ticket")                  \
	X(handshake_errors, "handshakes that failed (alert, bad message)")     \
	X(no_hello, "connections that closed or sent no ClientHello")         \
	X(bad_hello, "first bytes that were not a TLS ClientHello")            \
	X(no_certificate, "MUTUAL handshakes without a client certificate")    \
	X(bad_certificate, "client certificates that failed verification")     \
	X(record_errors, "connections failed after the handshake")             \
	X(conn_overflow, "connections refused: no TLS state free")             \
	X(tls12, "handshakes at TLS 1.2")                                      \
	X(tls13, "handshakes at TLS 1.3")                                      \
	X(handshake_cycles, "TSC cycles in handshake steps (both sides)")     \
	X(upstream_handshakes, "handshakes as a client (origination)")         \
	X(upstream_resumed, "of them, sessions resumed")                       \
	X(upstream_handshake_errors, "client handshakes that failed")          \
	X(upstream_bad_certificate, "upstream certificates that failed "        \
	  "verification")                                                      \
	X(active, "TLS connections open now (gauge)")

struct gw_tls_stats {
#define GW_TLS_STAT_FIELD(f, help) uint64_t f;
	GW_TLS_STATS(GW_TLS_STAT_FIELD)
#undef GW_TLS_STAT_FIELD
};

struct gw_tls_set;
struct gw_tls_listener;
struct gw_tls_keys;

/* ---- ctrl: ticket keys ------------------------------------------------- */

/** Create the ticket key ring (random first key). rotation_s 0: tickets
 * off. @return 0, -ENOMEM or -EIO (no randomness). */
int gw_tls_keys_create(unsigned rotation_s, struct gw_tls_keys **out);
/** Replace the current key when its time is up (ctrl tick). */
void gw_tls_keys_tick(struct gw_tls_keys *k);
/** Keys made so far (the first is 1). */
uint64_t gw_tls_keys_generation(const struct gw_tls_keys *k);
void gw_tls_keys_free(struct gw_tls_keys *k);

/* ---- ctrl: contexts of a snapshot --------------------------------------- */

/**
 * Build the TLS contexts of every HTTPS listener of mesh (ctrl). The
 * files were checked by the compile; what can still fail is reported in
 * err. keys may be NULL (no tickets).
 * @return 0, -EINVAL (err says why), -ENOMEM.
 */
int gw_tls_set_create(const struct gw_mesh *mesh, struct gw_tls_keys *keys,
		      struct gw_tls_set **out, char *err, size_t errlen);
void gw_tls_set_free(struct gw_tls_set *s);
/** The TLS side of the listener on port; NULL when it is not HTTPS. */
const struct gw_tls_listener *gw_tls_set_listener(const struct gw_tls_set *s,
						  uint16_t port);

struct gw_tls_client;
/** The client context of the mesh's cluster ci (DestinationRule tls);
 * NULL when its endpoints are spoken to in plain text. */
const struct gw_tls_client *gw_tls_set_client(const struct gw_tls_set *s,
					      uint32_t ci);

/* ---- workers ------------------------------------------------------------- */

/** Per-worker state for up to max_conns TLS connections (ctrl, before
 * launch). @return 0 or -ENOMEM. */
int gw_tls_wrk_init(struct gw_worker *w, uint32_t max_conns);
/** Free it (ctrl, after stop; the TCP connections are gone). */
void gw_tls_wrk_fini(struct gw_worker *w);
/** Deferred work: connections whose application released plaintext and
 * may read on (the worker loop, once per iteration). */
void gw_tls_run(struct gw_worker *w);
const struct gw_tls_stats *gw_tls_stats_get(const struct gw_worker *w);

/**
 * Make c, just accepted, a TLS server connection of listener l (from the
 * application's accepted()). The application sees plaintext only, once
 * the handshake is done.
 * @return 0, or -ENOBUFS when no TLS state is free.
 */
int gw_tls_server_attach(struct gw_tcp_conn *c,
			 const struct gw_tls_listener *l);

/**
 * Make c, just returned by gw_tcp_connect(), a TLS client of cl (TLS
 * origination). The handshake starts when TCP connects, and the
 * application's connected() comes when it is done: 0, or an error
 * (-ECONNRESET for a failed handshake, a verification failure included),
 * after which the application hears nothing more of c. Sessions are
 * resumed from a per-worker cache keyed by context and endpoint.
 * @return 0, or -ENOBUFS (no TLS state free) / -ENOMEM.
 */
int gw_tls_client_attach(struct gw_tcp_conn *c,
			 const struct gw_tls_client *cl);

/** The Gateway server a handshake picked. Owned by its SSL_CTX, so it
 * lives as long as any connection made with it, whatever happens to the
 * snapshot. */
struct gw_tls_server_id {
	const char *name;		/* "ns/gateway servers[i]" */
	const char *const *hosts;	/* its hosts (SNI patterns) */
	uint32_t n_hosts;
};

/** What a TLS connection agreed, for routing, headers and logs. */
struct gw_tls_info {
	const char *sni;		/* "" when the client sent none */
	const struct gw_tls_server_id *server;
	uint16_t version;		/* 0x0303, 0x0304 */
	bool resumed;
	bool peer_cert;			/* a verified client certificate */
	/* Envoy's x-forwarded-client-cert value for it (Hash, Subject,
	 * URI, DNS), NULL without one */
	const char *xfcc;
};

/** c's TLS state; NULL when c has no TLS layer or is still in its
 * handshake. */
const struct gw_tls_info *gw_tls_info(const struct gw_tcp_conn *c);

/** Whether c is a TLS connection still reading its ClientHello or in its
 * handshake: it uses its listener's contexts, so the configuration they
 * belong to must stay (the proxy keeps such a session on its generation). */
bool gw_tls_handshaking(const struct gw_tcp_conn *c);

#endif /* GW_TLS_H */
