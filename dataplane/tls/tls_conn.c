/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/tls connections: the TCP layer that runs OpenSSL over mbuf
 * chains (see gw_tls.h). Worker only.
 *
 * Input: TCP hands ciphertext to data(); it waits in `in` until OpenSSL
 * reads it through the BIO, and its TCP window reopens as it is read.
 * Plaintext goes to the application in mbufs read straight out of
 * OpenSSL, at most TLS_PLAIN_MAX unreleased: past that, reading stops
 * and ciphertext backs up into TCP's window until the application calls
 * gw_tcp_recv_done().
 * Output: gw_tcp_send() gathers plaintext into full records, and the
 * ciphertext OpenSSL writes goes to TCP in whole mbufs; what TCP cannot
 * take yet waits in `out` for writable().
 * Calls the application makes into the layer (send, send_space,
 * recv_done, shutdown) never call the application back; reading that
 * recv_done re-enables is deferred to gw_tls_run() in the worker loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "tls_priv.h"

static BIO_METHOD *tls_bio_method;

/* ---- the BIO ---------------------------------------------------------------- */

static int
bio_read(BIO *b, char *buf, int len)
{
	struct tls_conn *t = BIO_get_data(b);
	uint32_t n = 0;

	BIO_clear_retry_flags(b);
	if (t->in_len == 0) {
		if (t->tcp_eof)
			return 0;
		BIO_set_retry_read(b);
		return -1;
	}
	while (n < (uint32_t)len && t->in_head != NULL) {
		struct rte_mbuf *m = t->in_head;
		uint32_t k = RTE_MIN((uint32_t)len - n,
				     (uint32_t)m->data_len - t->in_off);

		memcpy(buf + n, rte_pktmbuf_mtod_offset(m, char *, t->in_off),
		       k);
		n += k;
		t->in_off += k;
		if (t->in_off == m->data_len) {
			t->in_head = m->next;
			m->next = NULL;
			rte_pktmbuf_free_seg(m);
			t->in_off = 0;
		}
	}
	if (t->in_head == NULL)
		t->in_tail = NULL;
	t->in_len -= n;
	t->consumed += n;
	return (int)n;
}

static int
bio_write(BIO *b, const char *buf, int len)
{
	struct tls_conn *t = BIO_get_data(b);
	struct rte_mempool *pool = gw_tcp_pool(t->c);
	uint32_t n = 0;

	BIO_clear_retry_flags(b);
	while (n < (uint32_t)len) {
		struct rte_mbuf *m = t->out_tail;
		uint32_t k;

		if (m == NULL || rte_pktmbuf_tailroom(m) == 0) {
			m = rte_pktmbuf_alloc(pool);
			if (m == NULL)
				return -1;	/* OpenSSL fails the connection */
			if (t->out_tail != NULL)
				t->out_tail->next = m;
			else
				t->out_head = m;
			t->out_tail = m;
		}
		k = RTE_MIN((uint32_t)len - n,
			    (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_mtod_offset(m, char *, m->data_len), buf + n,
		       k);
		m->data_len = (uint16_t)(m->data_len + k);
		m->pkt_len += k;
		n += k;
	}
	t->out_len += n;
	return (int)n;
}

static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int
tls_bio_init(void)
{
	BIO_METHOD *m;

	if (tls_bio_method != NULL)
		return 0;
	m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
			 "meshgw mbuf");
	if (m == NULL || BIO_meth_set_write(m, bio_write) != 1 ||
	    BIO_meth_set_read(m, bio_read) != 1 ||
	    BIO_meth_set_ctrl(m, bio_ctrl) != 1) {
		BIO_meth_free(m);
		return -ENOMEM;
	}
	tls_bio_method = m;
	return 0;
}

/* ---- connection state ----------------------------------------------------- */

static void
chain_free_segs(struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
}

/* What a connection holds, let go. */
static void
conn_clear(struct tls_conn *t)
{
	SSL_free(t->ssl);
	chain_free_segs(t->in_head);
	chain_free_segs(t->out_head);
	free(t->xfcc);
}

static void
conn_free(struct tls_conn *t)
{
	struct gw_tls_wrk *tw = t->tw;

	conn_clear(t);
	memset(t, 0, sizeof(*t));
	t->tw = tw;
	t->next = tw->free;
	tw->free = t;
	tw->stats.active--;
}

/* Free t when nothing on the stack or the deferred list uses it. */
static void
conn_release(struct tls_conn *t)
{
	if (!t->in_pump && !t->ready)
		conn_free(t);
}

static void
defer(struct tls_conn *t)
{
	if (t->ready)
		return;
	t->ready = true;
	t->next = t->tw->ready;
	t->tw->ready = t;
}

/* Give TCP what OpenSSL wrote, in whole mbufs as far as its send buffer
 * allows. */
static void
flush_out(struct tls_conn *t)
{
	while (t->out_len > 0 && !t->dead) {
		uint32_t space = gw_tcp_raw_send_space(t->c), total = 0;
		struct rte_mbuf *head = t->out_head, *last = NULL, *m;
		uint16_t segs = 0;
		int rc;

		for (m = head; m != NULL && total + m->data_len <= space;
		     m = m->next) {
			total += m->data_len;
			last = m;
			segs++;
		}
		if (last == NULL) {
			gw_tcp_raw_want_write(t->c);
			return;
		}
		t->out_head = last->next;
		if (t->out_head == NULL)
			t->out_tail = NULL;
		last->next = NULL;
		head->pkt_len = total;
		head->nb_segs = segs;
		rc = gw_tcp_raw_send(t->c, head);
		if (rc == -EAGAIN) {
			/* not after send_space(); keep the order */
			last->next = t->out_head;
			t->out_head = head;
			if (t->out_tail == NULL)
				t->out_tail = last;
			head->pkt_len = head->data_len;
			head->nb_segs = 1;
			return;
		}
		if (rc < 0) {
			chain_free_segs(head);
			chain_free_segs(t->out_head);
			t->out_head = t->out_tail = NULL;
			t->out_len = 0;
			return;
		}
		t->out_len -= total;
	}
	if (t->out_len == 0 && t->shut_pending && !t->shut && !t->dead) {
		t->shut = true;
		gw_tcp_raw_shutdown(t->c);
	}
}

/* Reopen TCP's window for the ciphertext OpenSSL has read. */
static void
release_in(struct tls_conn *t)
{
	if (t->consumed > 0 && !t->dead) {
		gw_tcp_raw_recv_done(t->c, t->consumed);
		t->consumed = 0;
	}
}

/* Drop the ciphertext waiting (its window reopens at release_in()). */
static void
drop_in(struct tls_conn *t)
{
	chain_free_segs(t->in_head);
	t->consumed += t->in_len;
	t->in_head = t->in_tail = NULL;
	t->in_len = 0;
	t->in_off = 0;
}

/* Failed: input is dropped from now on, and the pump tells the
 * application its peer is done. */
static void
conn_fail(struct tls_conn *t)
{
	t->state = TLS_CLOSED;
	drop_in(t);
}

static void
app_eof(struct tls_conn *t)
{
	const struct gw_tcp_app_ops *ops = gw_tcp_app(t->c);

	if (t->app_eof || t->dead)
		return;
	t->app_eof = true;
	if (ops->eof != NULL)
		ops->eof(t->c);
}

/* Client: the application's connected(), once; after an error it hears
 * nothing more of the connection. */
static void
app_connected(struct tls_conn *t, int err)
{
	const struct gw_tcp_app_ops *ops = gw_tcp_app(t->c);

	if (t->app_gone || t->dead)
		return;
	if (err != 0) {
		t->app_gone = true;
		t->app_eof = true;
	}
	if (ops->connected != NULL)
		ops->connected(t->c, err);
}

/* ---- the ClientHello ------------------------------------------------------- */

static void
hello(struct tls_conn *t)
{
	struct gw_tls_wrk *tw = t->tw;
	uint32_t k;
	struct gw_tls_hello h;
	struct rte_mbuf *m;
	uint32_t n = 0, off = t->in_off;
	BIO *bio;
	int rc;

	if (t->in_len == 0) {
		if (t->tcp_eof) {
			tw->stats.no_hello++;
			conn_fail(t);
		}
		return;
	}
	for (m = t->in_head; m != NULL && n < GW_TLS_HELLO_IN_MAX; m = m->next) {
		uint32_t k = RTE_MIN((uint32_t)m->data_len - off,
				     GW_TLS_HELLO_IN_MAX - n);

		memcpy(tw->hello_in + n, rte_pktmbuf_mtod_offset(m, void *, off),
		       k);
		n += k;
		off = 0;
	}
	rc = gw_tls_hello_parse(tw->hello_in, n, tw->hello_tmp, &h);
	if (rc == GW_TLS_HELLO_MORE && n < GW_TLS_HELLO_IN_MAX && !t->tcp_eof)
		return;
	if (rc != GW_TLS_HELLO_OK) {
		if (rc == GW_TLS_HELLO_MORE)
			tw->stats.no_hello++;
		else
			tw->stats.bad_hello++;
		conn_fail(t);
		return;
	}
	k = tls_pick(t->lis, h.sni);
	t->ssl = SSL_new(t->lis->ctx[k]);
	bio = BIO_new(tls_bio_method);
	if (t->ssl == NULL || bio == NULL) {
		BIO_free(bio);
		ERR_clear_error();
		tw->stats.handshake_errors++;
		conn_fail(t);
		return;
	}
	BIO_set_data(bio, t);
	BIO_set_init(bio, 1);
	SSL_set_bio(t->ssl, bio, bio);
	SSL_set_accept_state(t->ssl);
	memcpy(t->sni, h.sni, sizeof(t->sni));
	t->info.server = &t->lis->servers[k]->id;	/* the context's */
	t->lis = NULL;	/* the snapshot's: not used from here on */
	t->state = TLS_HANDSHAKE;
}

/* ---- the handshake --------------------------------------------------------- */

/* Envoy's x-forwarded-client-cert element for the client certificate:
 * Hash (SHA-256 of the DER, hex), Subject (RFC 2253, quoted), URI and DNS
 * subject alternative names. */
static char *
xfcc_make(X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	GENERAL_NAMES *gens;
	BIO *mem = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	long len;
	int k;

	if (mem == NULL || X509_digest(x, EVP_sha256(), md, &mdlen) != 1)
		goto out;
	BIO_puts(mem, "Hash=");
	for (i = 0; i < mdlen; i++)
		BIO_printf(mem, "%02x", md[i]);
	BIO_puts(mem, ";Subject=\"");
	X509_NAME_print_ex(mem, X509_get_subject_name(x), 0,
			   XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	BIO_puts(mem, "\"");
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (k = 0; gens != NULL && k < sk_GENERAL_NAME_num(gens); k++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, k);

		if (g->type == GEN_URI)
			BIO_printf(mem, ";URI=%.*s",
				   g->d.uniformResourceIdentifier->length,
				   g->d.uniformResourceIdentifier->data);
		else if (g->type == GEN_DNS)
			BIO_printf(mem, ";DNS=%.*s", g->d.dNSName->length,
				   g->d.dNSName->data);
	}
	GENERAL_NAMES_free(gens);
	len = BIO_get_mem_data(mem, &p);
	out = malloc((size_t)len + 1);
	if (out != NULL) {
		memcpy(out, p, (size_t)len);
		out[len] = '\0';
		/* a header value: no control bytes (CR, LF) */
		for (p = out; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
	}
out:
	BIO_free(mem);
	return out;
}

static void
handshake(struct tls_conn *t)
{
	struct gw_tls_wrk *tw = t->tw;
	uint64_t t0 = rte_rdtsc();
	X509 *peer;
	int rc, e;

	rc = SSL_do_handshake(t->ssl);
	tw->stats.handshake_cycles += rte_rdtsc() - t0;
	if (rc == 1) {
		t->state = TLS_OPEN;
		t->info.version = (uint16_t)SSL_version(t->ssl);
		t->info.resumed = SSL_session_reused(t->ssl) == 1;
		if (t->client) {
			tw->stats.upstream_handshakes++;
			tw->stats.upstream_resumed += t->info.resumed;
			app_connected(t, 0);
			return;
		}
		tw->stats.handshakes++;
		tw->stats.resumed += t->info.resumed;
		if (t->info.version == TLS1_3_VERSION)
			tw->stats.tls13++;
		else
			tw->stats.tls12++;
		peer = SSL_get0_peer_certificate(t->ssl);
		if (peer != NULL && SSL_get_verify_result(t->ssl) == X509_V_OK) {
			t->info.peer_cert = true;
			t->xfcc = xfcc_make(peer);
			t->info.xfcc = t->xfcc;
		}
		if (t->app_blocked && !t->app_gone) {
			/* it wanted to send first (a server-first protocol
			 * behind a TCP port): now it may */
			const struct gw_tcp_app_ops *ops = gw_tcp_app(t->c);

			t->app_blocked = false;
			if (ops->writable != NULL)
				ops->writable(t->c);
		}
		return;
	}
	e = SSL_get_error(t->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return;
	if (t->client) {
		long v = SSL_get_verify_result(t->ssl);

		if (v != X509_V_OK) {
			tw->stats.upstream_bad_certificate++;
			GW_TLS_LOG(DEBUG, "upstream certificate: %s\n",
				   X509_verify_cert_error_string(v));
		} else {
			tw->stats.upstream_handshake_errors++;
		}
		ERR_clear_error();
		conn_fail(t);
		/* the alert goes out, then a FIN; the application hears
		 * its connect failed and nothing more */
		t->shut_pending = true;
		app_connected(t, -ECONNRESET);
		return;
	}
	if (SSL_get_verify_result(t->ssl) != X509_V_OK)
		tw->stats.bad_certificate++;
	else if (ERR_GET_REASON(ERR_peek_last_error()) ==
		 SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
		tw->stats.no_certificate++;
	else
		tw->stats.handshake_errors++;
	ERR_clear_error();
	conn_fail(t);	/* the alert OpenSSL wrote still goes out */
}

/* ---- reading -------------------------------------------------------------- */

static void
read_plain(struct tls_conn *t)
{
	struct rte_mempool *pool = gw_tcp_pool(t->c);
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t total = 0;
	uint16_t segs = 0;
	bool closed = false;

	while (t->plain_held + total < TLS_PLAIN_MAX && segs < TLS_READ_SEGS) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		int n, e;

		if (m == NULL) {
			defer(t);	/* try again on the next loop */
			break;
		}
		n = SSL_read(t->ssl, rte_pktmbuf_mtod(m, void *),
			     (int)rte_pktmbuf_tailroom(m));
		if (n > 0) {
			m->data_len = (uint16_t)n;
			if (tail != NULL)
				tail->next = m;
			else
				head = m;
			tail = m;
			total += (uint32_t)n;
			segs++;
			continue;
		}
		rte_pktmbuf_free(m);
		e = SSL_get_error(t->ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			break;
		if (e == SSL_ERROR_ZERO_RETURN) {
			closed = true;	/* close_notify, or TCP's FIN */
		} else {
			t->tw->stats.record_errors++;
			ERR_clear_error();
			closed = true;
			conn_fail(t);
		}
		break;
	}
	/* stopped at the segment limit with room left: read on next loop
	 * (at TLS_PLAIN_MAX, the application's recv_done() resumes it) */
	if (segs == TLS_READ_SEGS && t->plain_held + total < TLS_PLAIN_MAX)
		defer(t);
	if (total > 0) {
		const struct gw_tcp_app_ops *ops = gw_tcp_app(t->c);

		head->pkt_len = total;
		head->nb_segs = segs;
		t->plain_held += total;
		ops->data(t->c, head);
		if (t->dead)
			return;
	}
	if (closed) {
		if (t->state == TLS_OPEN)
			t->state = TLS_CLOSED;
		app_eof(t);
	}
}

/* Move everything along as far as it goes; the application may be
 * called (only from TCP's callbacks and gw_tls_run()). */
static void
pump(struct tls_conn *t)
{
	if (t->in_pump) {
		t->again = true;
		return;
	}
	t->in_pump = true;
	do {
		t->again = false;
		if (t->state == TLS_HELLO)
			hello(t);
		if (t->state == TLS_HANDSHAKE)
			handshake(t);
		if (t->dead)
			break;	/* the application aborted (client) */
		if (t->state == TLS_OPEN && t->plain_held < TLS_PLAIN_MAX)
			read_plain(t);
		if (t->dead)
			break;
		flush_out(t);
		release_in(t);
		if (t->state == TLS_CLOSED) {
			/* input is dropped: what arrives reopens the window */
			drop_in(t);
			release_in(t);
			app_eof(t);
		}
	} while (t->again && !t->dead);
	t->in_pump = false;
	if (t->dead)
		conn_release(t);
}

/* ---- TCP's callbacks --------------------------------------------------------- */

static void
layer_data(struct gw_tcp_conn *c, struct rte_mbuf *m)
{
	struct tls_conn *t = gw_tcp_layer_ctx(c);
	struct rte_mbuf *last = m;

	while (last->next != NULL)
		last = last->next;
	if (t->in_tail != NULL)
		t->in_tail->next = m;
	else
		t->in_head = m;
	t->in_tail = last;
	t->in_len += rte_pktmbuf_pkt_len(m);
	pump(t);
}

static void
layer_writable(struct gw_tcp_conn *c)
{
	struct tls_conn *t = gw_tcp_layer_ctx(c);
	const struct gw_tcp_app_ops *ops;

	flush_out(t);
	if (!t->app_blocked || t->out_len > 0)
		return;
	t->app_blocked = false;
	ops = gw_tcp_app(c);
	if (ops->writable != NULL)
		ops->writable(c);
}

static void
layer_eof(struct gw_tcp_conn *c)
{
	struct tls_conn *t = gw_tcp_layer_ctx(c);

	t->tcp_eof = true;
	pump(t);	/* the BIO reads the end: OPEN sees it, others fail */
}

static void
layer_closed(struct gw_tcp_conn *c, int err)
{
	struct tls_conn *t = gw_tcp_layer_ctx(c);
	const struct gw_tcp_app_ops *ops = gw_tcp_app(c);

	t->dead = true;
	if (t->client && (t->state == TLS_CONNECTING ||
			  t->state == TLS_HANDSHAKE)) {
		/* reset in the handshake: the connect failed */
		if (ops->connected != NULL)
			ops->connected(c, err != 0 ? err : -ECONNRESET);
	} else if (!t->app_gone && ops->closed != NULL) {
		ops->closed(c, err);
	}
	t->c = NULL;
	conn_release(t);
}

static void
layer_connected(struct gw_tcp_conn *c, int err)
{
	struct tls_conn *t = gw_tcp_layer_ctx(c);
	const struct gw_tcp_app_ops *ops = gw_tcp_app(c);

	if (err != 0) {
		/* TCP's last word on c */
		t->dead = true;
		if (ops->connected != NULL)
			ops->connected(c, err);
		t->c = NULL;
		conn_release(t);
		return;
	}
	t->state = TLS_HANDSHAKE;
	pump(t);	/* the ClientHello goes out */
}

/* ---- the application's calls ---------------------------------------------------- */

/* Room for plaintext: TCP's free space less what waits in `out` and
 * the records' overhead (header, tag, padding: 64 bytes is generous). */
static uint32_t
layer_send_space(struct gw_tcp_conn *c)
{
	struct tls_conn *t = gw_tcp_layer_ctx(c);
	uint32_t raw = gw_tcp_raw_send_space(c), avail, over;

	if (t->state != TLS_OPEN || t->shut || t->shut_pending) {
		if (t->state == TLS_HELLO || t->state == TLS_HANDSHAKE)
			t->app_blocked = true;	/* writable() once open */
		return 0;
	}
	avail = raw > t->out_len ? raw - t->out_len : 0;
	over = (avail / TLS_RECORD_MAX + 1) * 64;
	if (avail <= over) {
		t->app_blocked = true;
		gw_tcp_raw_want_write(c);
		return 0;
	}
	return avail - over;
}

static int
layer_send(struct gw_tcp_conn *c, struct rte_mbuf *m)
{
	struct tls_conn *t = gw_tcp_layer_ctx(c);
	struct gw_tls_wrk *tw = t->tw;
	uint32_t len = rte_pktmbuf_pkt_len(m), fill = 0;
	struct rte_mbuf *s;

	if (t->state != TLS_OPEN || t->shut || t->shut_pending)
		return -EPIPE;
	if (len > layer_send_space(c)) {
		t->app_blocked = true;	/* writable() when there is room */
		gw_tcp_raw_want_write(c);
		return -EAGAIN;
	}
	/* plaintext gathered into records of up to 16 KiB */
	for (s = m; s != NULL; s = s->next) {
		uint32_t off = 0;

		while (off < s->data_len) {
			uint32_t k = RTE_MIN((uint32_t)s->data_len - off,
					     TLS_RECORD_MAX - fill);

			memcpy(tw->wbuf + fill,
			       rte_pktmbuf_mtod_offset(s, void *, off), k);
			fill += k;
			off += k;
			if (fill == TLS_RECORD_MAX) {
				if (SSL_write(t->ssl, tw->wbuf, (int)fill) <= 0)
					goto fail;
				fill = 0;
			}
		}
	}
	if (fill > 0 && SSL_write(t->ssl, tw->wbuf, (int)fill) <= 0)
		goto fail;
	rte_pktmbuf_free(m);
	flush_out(t);
	return 0;
fail:
	/* out of mbufs for ciphertext: the stream is broken */
	ERR_clear_error();
	rte_pktmbuf_free(m);
	conn_fail(t);
	defer(t);
	return 0;
}

static void
layer_recv_done(struct gw_tcp_conn *c, uint32_t bytes)
{
	struct tls_conn *t = gw_tcp_layer_ctx(c);

	bool full = t->plain_held >= TLS_PLAIN_MAX;	/* reading stopped */

	t->plain_held -= RTE_MIN(bytes, t->plain_held);
	if (full && t->plain_held < TLS_PLAIN_MAX)
		defer(t);
}

static void
layer_shutdown(struct gw_tcp_conn *c)
{
	struct tls_conn *t = gw_tcp_layer_ctx(c);

	if (t->shut || t->shut_pending)
		return;
	if (t->state == TLS_OPEN) {
		(void)SSL_shutdown(t->ssl);	/* close_notify */
		ERR_clear_error();
	}
	t->shut_pending = true;
	flush_out(t);
}

static void layer_connected(struct gw_tcp_conn *c, int err);

static const struct gw_tcp_layer tls_layer = {
	.up = {
		.connected = layer_connected,
		.data = layer_data,
		.writable = layer_writable,
		.eof = layer_eof,
		.closed = layer_closed,
	},
	.send = layer_send,
	.send_space = layer_send_space,
	.recv_done = layer_recv_done,
	.shutdown = layer_shutdown,
};

/* ---- the worker ------------------------------------------------------------------ */

int
gw_tls_server_attach(struct gw_tcp_conn *c, const struct gw_tls_listener *l)
{
	struct gw_tls_wrk *tw = gw_tcp_worker(c)->tls;
	struct tls_conn *t;

	if (tw == NULL || tw->free == NULL || l == NULL) {
		if (tw != NULL)
			tw->stats.conn_overflow++;
		return -ENOBUFS;
	}
	t = tw->free;
	tw->free = t->next;
	t->next = NULL;
	t->c = c;
	t->lis = l;
	t->state = TLS_HELLO;
	t->info.sni = t->sni;
	tw->stats.active++;
	gw_tcp_layer_set(c, &tls_layer, t);
	return 0;
}

/* The cache slot of (context id, endpoint). */
static struct tls_sess_slot *
sess_slot(struct gw_tls_wrk *tw, uint64_t id, uint32_t addr, uint16_t port)
{
	uint64_t h = (id * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)addr << 16) ^
		     port;

	h ^= h >> 29;
	return &tw->sess[(h * 0xbf58476d1ce4e5b9ULL >> 56) % TLS_SESS_SLOTS];
}

int
tls_client_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_conn *t = SSL_get_app_data(ssl);
	struct tls_sess_slot *sl;

	if (t == NULL || !t->client)
		return 0;
	sl = sess_slot(t->tw, t->client_id, t->peer_addr, t->peer_port);
	SSL_SESSION_free(sl->sess);
	sl->id = t->client_id;
	sl->addr = t->peer_addr;
	sl->port = t->peer_port;
	sl->sess = sess;
	return 1;	/* the slot keeps the reference */
}

int
gw_tls_client_attach(struct gw_tcp_conn *c, const struct gw_tls_client *cl)
{
	struct gw_tls_wrk *tw = gw_tcp_worker(c)->tls;
	struct tls_sess_slot *sl;
	struct tls_conn *t;
	BIO *bio;

	if (tw == NULL || tw->free == NULL || cl == NULL) {
		if (tw != NULL)
			tw->stats.conn_overflow++;
		return -ENOBUFS;
	}
	t = tw->free;
	t->ssl = SSL_new(cl->ctx);
	bio = BIO_new(tls_bio_method);
	if (t->ssl == NULL || bio == NULL ||
	    SSL_set_tlsext_host_name(t->ssl, cl->sni) != 1 ||
	    (cl->check_host && SSL_set1_host(t->ssl, cl->sni) != 1)) {
		SSL_free(t->ssl);
		t->ssl = NULL;
		BIO_free(bio);
		ERR_clear_error();
		return -ENOMEM;
	}
	tw->free = t->next;
	t->next = NULL;
	BIO_set_data(bio, t);
	BIO_set_init(bio, 1);
	SSL_set_bio(t->ssl, bio, bio);
	SSL_set_connect_state(t->ssl);
	SSL_set_app_data(t->ssl, t);
	t->c = c;
	t->client = true;
	t->client_id = cl->id;
	gw_tcp_peer(c, &t->peer_addr, &t->peer_port);
	sl = sess_slot(tw, cl->id, t->peer_addr, t->peer_port);
	if (sl->sess != NULL && sl->id == cl->id &&
	    sl->addr == t->peer_addr && sl->port == t->peer_port)
		(void)SSL_set_session(t->ssl, sl->sess);
	t->state = TLS_CONNECTING;
	t->info.sni = t->sni;
	snprintf(t->sni, sizeof(t->sni), "%s", cl->sni);
	tw->stats.active++;
	gw_tcp_layer_set(c, &tls_layer, t);
	return 0;
}

const struct gw_tls_info *
gw_tls_info(const struct gw_tcp_conn *c)
{
	const struct tls_conn *t;

	if (c == NULL || gw_tcp_layer(c) != &tls_layer)
		return NULL;
	t = gw_tcp_layer_ctx(c);
	return t->state == TLS_OPEN || t->state == TLS_CLOSED ? &t->info :
								 NULL;
}

bool
gw_tls_handshaking(const struct gw_tcp_conn *c)
{
	const struct tls_conn *t;

	if (c == NULL || gw_tcp_layer(c) != &tls_layer)
		return false;
	t = gw_tcp_layer_ctx(c);
	return t->state == TLS_HELLO || t->state == TLS_HANDSHAKE;
}

void
gw_tls_run(struct gw_worker *w)
{
	struct gw_tls_wrk *tw = w->tls;
	struct tls_conn *t;

	if (tw == NULL || tw->ready == NULL)
		return;
	t = tw->ready;
	tw->ready = NULL;
	while (t != NULL) {
		struct tls_conn *next = t->next;

		t->ready = false;
		t->next = NULL;
		if (t->dead)
			conn_release(t);
		else
			pump(t);
		t = next;
	}
}

int
gw_tls_wrk_init(struct gw_worker *w, uint32_t max_conns)
{
	struct gw_tls_wrk *tw;
	uint32_t i;

	if (tls_bio_init() < 0)
		return -ENOMEM;
	tw = rte_zmalloc_socket("gw_tls_wrk", sizeof(*tw), RTE_CACHE_LINE_SIZE,
				(int)rte_lcore_to_socket_id(w->lcore_id));
	if (tw == NULL)
		return -ENOMEM;
	tw->conns = calloc(max_conns + 1, sizeof(*tw->conns));
	if (tw->conns == NULL) {
		rte_free(tw);
		return -ENOMEM;
	}
	tw->w = w;
	tw->n_conns = max_conns;
	for (i = max_conns; i-- > 0;) {
		tw->conns[i].tw = tw;
		tw->conns[i].next = tw->free;
		tw->free = &tw->conns[i];
	}
	w->tls = tw;
	return 0;
}

void
gw_tls_wrk_fini(struct gw_worker *w)
{
	struct gw_tls_wrk *tw = w->tls;
	uint32_t i;

	if (tw == NULL)
		return;
	/* the TCP connections went without callbacks: free what is left
	 * (free entries hold nothing) */
	for (i = 0; i < tw->n_conns; i++)
		conn_clear(&tw->conns[i]);
	for (i = 0; i < TLS_SESS_SLOTS; i++)
		SSL_SESSION_free(tw->sess[i].sess);
	free(tw->conns);
	rte_free(tw);
	w->tls = NULL;
}

const struct gw_tls_stats *
gw_tls_stats_get(const struct gw_worker *w)
{
	return w->tls != NULL ? &w->tls->stats : NULL;
}
