/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lg_server — the built-in HTTP/1.1 backend over gw_tcp. Every request
 * (any method; a body is read and dropped) gets the same 200 response
 * with a body of `--body` bytes of a fixed pattern. Responses are not
 * held as mbufs: a connection keeps how many it owes and how far into
 * the current one it is, and copies from one prebuilt response while TCP
 * has room, so pipelined requests and large bodies cost no memory and a
 * slow reader only stops the copying. A request that asks to close (or
 * HTTP/1.0 without keep-alive) is answered, then the connection is shut.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "gw_tcp.h"
#include "lg.h"

struct lg_srv {
	struct lg_wrk *lw;
	struct gw_tcp_conn *c;	/* NULL while the state is free */
	uint64_t owed;		/* responses still to send */
	uint64_t off;		/* bytes of the current one sent */
	bool in_body;		/* the request head was read */
	bool close_after;	/* shut down once nothing is owed */
	bool eof;		/* the client finished sending */
	bool shut;		/* FIN queued */
	struct gw_http_parser p;
	struct gw_http_hdr hdrs[LG_HDRS];
};

/* The two responses, built once: keep-alive and closing. */
static char *resp[2];
static uint64_t resp_len[2];

int
lg_server_response_build(uint64_t body)
{
	static const char *const conn[2] = { "", "Connection: close\r\n" };
	char head[256];
	unsigned k;
	uint64_t i;
	int n;

	for (k = 0; k < 2; k++) {
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 200 OK\r\nServer: meshgw-loadgen\r\n"
			     "Content-Type: text/plain\r\n"
			     "Content-Length: %" PRIu64 "\r\n%s\r\n",
			     body, conn[k]);
		resp_len[k] = (uint64_t)n + body;
		resp[k] = malloc(resp_len[k]);
		if (resp[k] == NULL)
			return -ENOMEM;
		memcpy(resp[k], head, (size_t)n);
		for (i = 0; i < body; i++) /* printable: a-z then a newline */
			resp[k][n + i] = (i % 64) == 63 ? '\n' :
							  (char)('a' + i % 26);
	}
	return 0;
}

void
lg_server_response_free(void)
{
	free(resp[0]);
	free(resp[1]);
	resp[0] = resp[1] = NULL;
}

/* Copy what is owed while TCP has room; shut down when done. */
static void
srv_fill(struct gw_tcp_conn *c, struct lg_srv *v)
{
	struct lg_wrk *lw = v->lw;

	while (v->owed > 0) {
		uint32_t room = gw_tcp_send_space(c), put = 0;
		struct rte_mbuf *m;
		char *d;

		if (room == 0)
			return; /* writable() follows an ACK */
		m = rte_pktmbuf_alloc(gw_tcp_pool(c));
		if (m == NULL)
			return; /* the next ACK's writable() retries */
		room = RTE_MIN(room, (uint32_t)rte_pktmbuf_tailroom(m));
		d = rte_pktmbuf_mtod(m, char *);
		/* several small responses share one mbuf */
		while (v->owed > 0 && put < room) {
			const char *r = resp[v->owed == 1 && v->close_after];
			uint64_t len = resp_len[v->owed == 1 && v->close_after];
			uint32_t k = (uint32_t)RTE_MIN((uint64_t)(room - put),
						       len - v->off);

			memcpy(d + put, r + v->off, k);
			put += k;
			v->off += k;
			if (v->off == len) {
				v->off = 0;
				v->owed--;
				lw->st.srv_requests++;
			}
		}
		rte_pktmbuf_append(m, (uint16_t)put);
		if (gw_tcp_send(c, m) != 0) { /* room was checked: cannot be */
			rte_pktmbuf_free(m);
			gw_tcp_abort(c);
			return;
		}
		lw->st.srv_bytes_tx += put;
	}
	if ((v->close_after || v->eof) && !v->shut) {
		v->shut = true;
		gw_tcp_shutdown(c);
	}
}

static int
srv_accepted(struct gw_tcp_conn *c, void *listen_ctx)
{
	struct lg_wrk *lw = listen_ctx;
	struct lg_srv *v;

	if (lw->srv_free_n == 0) {
		lw->st.srv_no_state++;
		return -ENOMEM;
	}
	v = &lw->srv[lw->srv_free[--lw->srv_free_n]];
	v->lw = lw;
	v->c = c;
	v->owed = v->off = 0;
	v->in_body = v->close_after = v->eof = v->shut = false;
	gw_http_parser_reset(&v->p, GW_HTTP_M_GET);
	gw_tcp_ctx_set(c, v);
	lw->st.srv_conns++;
	lw->srv_open++;
	return 0;
}

/* One request is whole: owe its response. */
static void
srv_request(struct lg_srv *v)
{
	if (!(v->p.msg.flags & GW_HTTP_F_KEEP_ALIVE))
		v->close_after = true;
	v->owed++;
	v->in_body = false;
	gw_http_parser_reset(&v->p, GW_HTTP_M_GET);
}

/* Feed one segment; @return 0 or -EBADMSG. */
static int
srv_parse(struct lg_srv *v, const uint8_t *buf, size_t len)
{
	struct gw_http_span span;
	size_t off = 0;
	int rc;

	while (off < len && !v->close_after) {
		if (!v->in_body) {
			rc = gw_http_parse_head(&v->p, buf + off, len - off);
			if (rc == -EAGAIN)
				return 0;
			if (rc < 0)
				return rc;
			off += (size_t)rc;
			v->in_body = true;
			if (gw_http_parser_done(&v->p)) {
				srv_request(v);
				continue;
			}
		}
		rc = gw_http_parse_body(&v->p, buf + off, len - off, &span);
		if (rc < 0)
			return rc;
		off += (size_t)rc;
		if (gw_http_parser_done(&v->p))
			srv_request(v);
		else if (rc == 0)
			return 0;
	}
	return 0;
}

static void
srv_data(struct gw_tcp_conn *c, struct rte_mbuf *m)
{
	struct lg_srv *v = gw_tcp_ctx(c);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *seg;

	for (seg = m; seg != NULL; seg = seg->next)
		if (srv_parse(v, rte_pktmbuf_mtod(seg, const uint8_t *),
			      seg->data_len) < 0) {
			v->lw->st.srv_err_parse++;
			rte_pktmbuf_free(m);
			gw_tcp_abort(c);
			return;
		}
	rte_pktmbuf_free(m);
	gw_tcp_recv_done(c, len);
	srv_fill(c, v);
}

static void
srv_writable(struct gw_tcp_conn *c)
{
	srv_fill(c, gw_tcp_ctx(c));
}

static void
srv_eof(struct gw_tcp_conn *c)
{
	struct lg_srv *v = gw_tcp_ctx(c);

	v->eof = true;
	srv_fill(c, v); /* the FIN follows what is owed */
}

static void
srv_closed(struct gw_tcp_conn *c, int err)
{
	struct lg_srv *v = gw_tcp_ctx(c);
	struct lg_wrk *lw = v->lw;

	(void)err;
	v->c = NULL;
	lw->srv_open--;
	lw->srv_free[lw->srv_free_n++] = (uint32_t)(v - lw->srv);
}

static const struct gw_tcp_app_ops srv_ops = {
	.accepted = srv_accepted,
	.data = srv_data,
	.writable = srv_writable,
	.eof = srv_eof,
	.closed = srv_closed,
};

int
lg_server_init(struct lg_wrk *lw, uint32_t max_conns)
{
	uint32_t i;

	lw->srv = rte_zmalloc("lg_srv", sizeof(*lw->srv) * max_conns,
			      RTE_CACHE_LINE_SIZE);
	lw->srv_free = rte_malloc("lg_srv_free", sizeof(uint32_t) * max_conns,
				  0);
	if (lw->srv == NULL || lw->srv_free == NULL)
		return -ENOMEM;
	for (i = 0; i < max_conns; i++) {
		gw_http_parser_init(&lw->srv[i].p, NULL, GW_HTTP_REQUEST,
				    GW_HTTP_M_GET, lw->srv[i].hdrs, LG_HDRS);
		lw->srv_free[i] = max_conns - 1 - i;
	}
	lw->srv_free_n = max_conns;
	lw->srv_max = max_conns;
	return gw_tcp_listen(lw->w, lw->o->serve_port, &srv_ops, lw);
}

void
lg_server_stop(struct lg_wrk *lw)
{
	uint32_t i;

	/* the server under test keeps idle upstream connections: close
	 * ours once they owe nothing, or a later run would meet them */
	for (i = 0; i < lw->srv_max; i++) {
		struct lg_srv *v = &lw->srv[i];

		if (v->c != NULL && v->owed == 0 && !v->shut) {
			v->shut = true;
			gw_tcp_shutdown(v->c);
		}
	}
}

void
lg_server_fini(struct lg_wrk *lw)
{
	rte_free(lw->srv);
	rte_free(lw->srv_free);
	lw->srv = NULL;
	lw->srv_free = NULL;
}
