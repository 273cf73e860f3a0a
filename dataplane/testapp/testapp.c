/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testapp — echo, discard and source over gw_tcp. The per-connection state
 * fits in the connection's context pointer: echo keeps the chain TCP could
 * not take yet, source the bytes still to send.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "gw_tcp.h"
#include "gw_testapp.h"

/* ---- echo --------------------------------------------------------------- */

/*
 * The context is the chain TCP could not take yet (NULL: none), with bit 0
 * set once the peer has finished sending: the FIN must follow that chain.
 */
#define ECHO_EOF ((uintptr_t)1)

static inline struct rte_mbuf *
echo_held(const struct gw_tcp_conn *c)
{
	return (struct rte_mbuf *)((uintptr_t)gw_tcp_ctx(c) & ~ECHO_EOF);
}

static inline bool
echo_at_eof(const struct gw_tcp_conn *c)
{
	return (uintptr_t)gw_tcp_ctx(c) & ECHO_EOF;
}

static inline void
echo_set(struct gw_tcp_conn *c, struct rte_mbuf *held, bool eof)
{
	gw_tcp_ctx_set(c, (void *)((uintptr_t)held | (eof ? ECHO_EOF : 0)));
}

/* Send what is held; the window reopens for what TCP took. */
static void
echo_flush(struct gw_tcp_conn *c)
{
	struct rte_mbuf *held = echo_held(c);
	bool eof = echo_at_eof(c);
	uint32_t len;
	int rc;

	if (held != NULL) {
		len = rte_pktmbuf_pkt_len(held);
		rc = gw_tcp_send(c, held);
		if (rc == -EAGAIN)
			return; /* still held; writable() comes back */
		if (rc < 0)
			rte_pktmbuf_free(held); /* -EPIPE: TCP took nothing */
		echo_set(c, NULL, eof);
		gw_tcp_recv_done(c, len);
	}
	if (eof)
		gw_tcp_shutdown(c);
}

static int
echo_accepted(struct gw_tcp_conn *c, void *listen_ctx)
{
	(void)listen_ctx;
	echo_set(c, NULL, false);
	return 0;
}

static void
echo_data(struct gw_tcp_conn *c, struct rte_mbuf *m)
{
	struct rte_mbuf *held = echo_held(c);

	if (held != NULL) {
		/* already waiting for space: queue behind it, read no more */
		if (rte_pktmbuf_chain(held, m) != 0) {
			rte_pktmbuf_free(m); /* 65535 segments held: cannot be */
			gw_tcp_abort(c);
		}
		return;
	}
	echo_set(c, m, false);
	echo_flush(c);
}

static void
echo_writable(struct gw_tcp_conn *c)
{
	echo_flush(c);
}

static void
echo_eof(struct gw_tcp_conn *c)
{
	echo_set(c, echo_held(c), true);
	echo_flush(c); /* the FIN goes once nothing is held */
}

static void
echo_closed(struct gw_tcp_conn *c, int err)
{
	(void)err;
	rte_pktmbuf_free(echo_held(c)); /* NULL-safe */
}

static const struct gw_tcp_app_ops echo_ops = {
	.accepted = echo_accepted,
	.data = echo_data,
	.writable = echo_writable,
	.eof = echo_eof,
	.closed = echo_closed,
};

/* ---- discard ------------------------------------------------------------ */

static int
discard_accepted(struct gw_tcp_conn *c, void *listen_ctx)
{
	(void)c;
	(void)listen_ctx;
	return 0;
}

static void
discard_data(struct gw_tcp_conn *c, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	rte_pktmbuf_free(m);
	gw_tcp_recv_done(c, len);
}

static void
discard_eof(struct gw_tcp_conn *c)
{
	gw_tcp_shutdown(c);
}

static const struct gw_tcp_app_ops discard_ops = {
	.accepted = discard_accepted,
	.data = discard_data,
	.eof = discard_eof,
};

/* ---- source ------------------------------------------------------------- */

/* 251 * 9 bytes of the source pattern, from any phase a whole mbuf's worth */
static uint8_t pattern[251 * 9];

RTE_INIT(testapp_pattern_init)
{
	unsigned i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = gw_testapp_pattern(i);
}

/* Queue pattern bytes while TCP takes them; ctx holds the bytes left. */
static void
source_fill(struct gw_tcp_conn *c)
{
	uint64_t left = (uintptr_t)gw_tcp_ctx(c);

	while (left > 0) {
		uint32_t room = gw_tcp_send_space(c);
		uint64_t off = gw_tcp_bytes_queued(c);
		struct rte_mbuf *m;
		uint32_t n, i;
		uint8_t *d;

		if (room == 0)
			break; /* writable() follows the next ACK */
		m = rte_pktmbuf_alloc(gw_tcp_pool(c));
		if (m == NULL)
			break; /* pool empty: the next ACK's writable() retries */
		n = (uint32_t)RTE_MIN(RTE_MIN((uint64_t)rte_pktmbuf_tailroom(m),
					      (uint64_t)room),
				      left);
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		/* the pattern repeats every 251 bytes: copy from a table */
		for (i = 0; i < n;) {
			uint32_t at = (uint32_t)((off + i) % 251);
			uint32_t k = RTE_MIN(n - i, (uint32_t)(sizeof(pattern) - at));

			memcpy(d + i, pattern + at, k);
			i += k;
		}
		if (gw_tcp_send(c, m) != 0) {
			rte_pktmbuf_free(m);
			break;
		}
		left -= n;
	}
	gw_tcp_ctx_set(c, (void *)(uintptr_t)left);
	if (left == 0)
		gw_tcp_shutdown(c);
}

static int
source_accepted(struct gw_tcp_conn *c, void *listen_ctx)
{
	const struct gw_config_test_listener *l = listen_ctx;

	gw_tcp_ctx_set(c, (void *)(uintptr_t)l->bytes);
	source_fill(c);
	return 0;
}

static void
source_writable(struct gw_tcp_conn *c)
{
	source_fill(c);
}

static const struct gw_tcp_app_ops source_ops = {
	.accepted = source_accepted,
	.data = discard_data,
	.writable = source_writable,
};

/* ---- clients (active open) -------------------------------------------- */

/* ctx before connected(): the client's config; after: bytes left. */
static void
client_connected(struct gw_tcp_conn *c, int err)
{
	const struct gw_config_test_client *tc = gw_tcp_ctx(c);

	if (err != 0)
		return; /* counted by TCP (attempt_fails); c is gone */
	gw_tcp_ctx_set(c, (void *)(uintptr_t)tc->bytes);
	source_fill(c);
}

static const struct gw_tcp_app_ops client_ops = {
	.connected = client_connected,
	.data = discard_data,
	.writable = source_writable,
};

/* The port to reach addr (host order) from: on-link first, else one with a
 * gateway. */
void
gw_testapp_worker_start(struct gw_worker *w,
			const struct gw_config_dataplane *cfg)
{
	unsigned i, k;
	int err, port;

	for (i = 0; i < cfg->n_test_clients; i++) {
		const struct gw_config_test_client *tc = &cfg->test_clients[i];

		port = gw_dp_port_toward(w->dp, tc->addr);
		if (port < 0)
			continue; /* gw_testapp_check() refused it at start */
		for (k = w->id; k < tc->connections; k += w->dp->n_workers)
			if (gw_tcp_connect(w, (uint16_t)port, tc->addr, tc->port,
					   &client_ops, (void *)(uintptr_t)tc,
					   &err) == NULL)
				break; /* out of local ports or connections */
	}
}

int
gw_testapp_check(const struct gw_dp *dp, const struct gw_config_dataplane *cfg,
		 char *errbuf, size_t errlen)
{
	unsigned i;

	for (i = 0; i < cfg->n_test_clients; i++) {
		if (gw_dp_port_toward(dp, cfg->test_clients[i].addr) < 0) {
			snprintf(errbuf, errlen,
				 "spec.testClients[%u]: no port reaches its address (no subnet holds it, no port has a gateway)",
				 i);
			return -EHOSTUNREACH;
		}
	}
	return 0;
}

int
gw_testapp_start(struct gw_worker *w, const struct gw_config_dataplane *cfg)
{
	unsigned i;
	int rc;

	for (i = 0; i < cfg->n_test_listeners; i++) {
		const struct gw_config_test_listener *l = &cfg->test_listeners[i];
		const struct gw_tcp_app_ops *ops =
			l->mode == GW_CONFIG_TEST_ECHO	  ? &echo_ops :
			l->mode == GW_CONFIG_TEST_DISCARD ? &discard_ops :
							    &source_ops;

		rc = gw_tcp_listen(w, l->port, ops, (void *)(uintptr_t)l);
		if (rc < 0)
			return rc;
	}
	return 0;
}
