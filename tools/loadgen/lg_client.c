/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lg_client — HTTP/1.1 clients over gw_tcp. Each worker owns a set of
 * slots; a slot is one connection at a time. A slot that can take a
 * request sits in the worker's ready FIFO: an open keep-alive connection
 * with fewer than `pipeline` requests in flight, or (one request per
 * connection, or after its connection went) a slot with no connection,
 * which opens one to send the request.
 *
 * Closed loop: every ready slot is given a request at once. Open loop:
 * requests are due every `interval` cycles; each goes to the first ready
 * slot with its intended start time, and its latency counts from then,
 * so a server that falls behind shows its queue in the latency instead
 * of slowing the client down (coordinated omission, as wrk2 counts it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "gw_tcp.h"
#include "lg.h"

enum slot_state {
	SLOT_IDLE,	 /* no connection */
	SLOT_CONNECTING, /* SYN sent; the first request waits */
	SLOT_OPEN,
	SLOT_CLOSING,	 /* FIN sent or received; no more requests */
};

struct lg_conn {
	struct gw_tcp_conn *c;	/* NULL while idle */
	struct lg_wrk *lw;
	uint32_t idx;
	uint8_t state;		/* enum slot_state */
	bool in_ready;		/* in the ready FIFO */
	bool in_body;		/* the response head was read */
	bool want_write;	/* a request waits for send space */
	bool in_retry;		/* in the retry list */
	bool timed_out;		/* aborted by the timeout scan */
	uint16_t inflight;
	uint16_t head;		/* oldest request in started[] */
	uint64_t pending;	/* connecting: the first request's intended start */
	uint64_t started[LG_PIPE_MAX];
	struct gw_http_parser p;
	struct gw_http_hdr hdrs[LG_HDRS];
};

static const struct gw_tcp_app_ops client_ops;

static void
ready_push(struct lg_wrk *lw, struct lg_conn *s)
{
	if (s->in_ready)
		return;
	s->in_ready = true;
	lw->ready[(lw->ready_head + lw->ready_n) % lw->n_slots] = s->idx;
	lw->ready_n++;
}

static struct lg_conn *
ready_pop(struct lg_wrk *lw)
{
	struct lg_conn *s;

	if (lw->ready_n == 0)
		return NULL;
	s = &lw->slots[lw->ready[lw->ready_head]];
	lw->ready_head = (lw->ready_head + 1) % lw->n_slots;
	lw->ready_n--;
	s->in_ready = false;
	return s;
}

/* A slot whose connection failed comes back after LG_RETRY_MS. */
static void
retry_later(struct lg_wrk *lw, struct lg_conn *s)
{
	if (s->in_retry)
		return;
	s->in_retry = true;
	if (lw->retry_n == 0)
		lw->retry_at = lw->w->now + lw->w->dp->tsc_hz / 1000 * LG_RETRY_MS;
	lw->retry[lw->retry_n++] = s->idx;
}

/* The slot can take another request: back in the FIFO. */
static void
slot_ready(struct lg_wrk *lw, struct lg_conn *s)
{
	if (lw->stopping)
		return;
	if (s->state == SLOT_IDLE ||
	    (s->state == SLOT_OPEN && !lw->o->close &&
	     s->inflight < lw->o->pipeline && !s->want_write))
		ready_push(lw, s);
}

/* Queue the request on an open connection, started at `intended`. */
static int
request_send(struct lg_wrk *lw, struct lg_conn *s, uint64_t intended)
{
	const struct lg_opts *o = lw->o;
	struct rte_mbuf *m = rte_pktmbuf_alloc(gw_tcp_pool(s->c));
	char *d;
	int rc;

	if (m == NULL) {
		lw->st.err_send++;
		return -ENOMEM;
	}
	d = rte_pktmbuf_append(m, (uint16_t)o->request_len);
	memcpy(d, o->request, o->request_len);
	rc = gw_tcp_send(s->c, m);
	if (rc != 0) {
		rte_pktmbuf_free(m);
		if (rc == -EAGAIN)
			s->want_write = true; /* writable() brings it back */
		else
			lw->st.err_send++;
		return rc;
	}
	s->started[(s->head + s->inflight) % LG_PIPE_MAX] = intended;
	s->inflight++;
	lw->st.requests++;
	lw->st.bytes_tx += o->request_len;
	return 0;
}

static void
slot_connect(struct lg_wrk *lw, struct lg_conn *s, uint64_t intended)
{
	int err;

	lw->st.conn_attempts++;
	s->c = gw_tcp_connect(lw->w, lw->out_port, lw->o->addr, lw->o->port,
			      &client_ops, s, &err);
	if (s->c == NULL) {
		lw->st.conn_failed++;
		retry_later(lw, s);
		return;
	}
	lw->open_conns++;
	s->state = SLOT_CONNECTING;
	s->pending = intended;
	s->inflight = 0;
	s->head = 0;
	s->in_body = false;
	s->want_write = false;
	s->timed_out = false;
	gw_http_parser_reset(&s->p, lw->o->head ? GW_HTTP_M_HEAD : GW_HTTP_M_GET);
}

/* Give slot s a request that should have started at `intended`. */
static void
slot_issue(struct lg_wrk *lw, struct lg_conn *s, uint64_t intended)
{
	if (s->state == SLOT_IDLE) {
		slot_connect(lw, s, intended);
		return;
	}
	if (request_send(lw, s, intended) == 0)
		slot_ready(lw, s);
	else if (!s->want_write)
		retry_later(lw, s);
}

static void
client_connected(struct gw_tcp_conn *c, int err)
{
	struct lg_conn *s = gw_tcp_ctx(c);
	struct lg_wrk *lw = s->lw;

	if (err != 0) { /* c is gone, no closed() follows */
		s->c = NULL;
		s->state = SLOT_IDLE;
		lw->open_conns--;
		/* one error for the open and the request it was for */
		if (s->timed_out)
			lw->st.err_timeout++;
		else
			lw->st.conn_failed++;
		retry_later(lw, s);
		return;
	}
	lw->st.conn_ok++;
	s->state = SLOT_OPEN;
	if (lw->stopping) {
		s->state = SLOT_CLOSING;
		gw_tcp_shutdown(c);
		return;
	}
	if (request_send(lw, s, s->pending) != 0) {
		if (!s->want_write)
			retry_later(lw, s);
		return;
	}
	/* closed loop: fill the pipeline at once */
	if (lw->o->rate == 0 && !lw->o->close)
		while (s->inflight < lw->o->pipeline &&
		       request_send(lw, s, lw->w->now) == 0)
			;
	slot_ready(lw, s);
}

static void
response_done(struct lg_wrk *lw, struct lg_conn *s)
{
	uint16_t status = s->p.msg.status;
	uint64_t now = rte_rdtsc();

	s->in_body = false;
	gw_http_parser_reset(&s->p, lw->o->head ? GW_HTTP_M_HEAD : GW_HTTP_M_GET);
	if (status < 200) {
		lw->st.status_1xx++; /* interim: the final one follows */
		return;
	}
	if (s->inflight == 0) { /* a response nobody asked for */
		lw->st.err_parse++;
		return;
	}
	lw->st.responses++;
	if (status < 300)
		lw->st.status_2xx++;
	else if (status < 400)
		lw->st.status_3xx++;
	else if (status < 500)
		lw->st.status_4xx++;
	else
		lw->st.status_5xx++;
	if (lw->measuring)
		gw_hdr_record(lw->hist,
			      lg_tsc_to_ns(now - s->started[s->head]));
	s->head = (uint16_t)((s->head + 1) % LG_PIPE_MAX);
	s->inflight--;
	if (lw->o->close)
		return; /* the server closes; eof() follows */
	if (lw->o->rate == 0 && !lw->stopping && !s->want_write) {
		/* closed loop: the next one now */
		if (request_send(lw, s, now) != 0 && !s->want_write)
			retry_later(lw, s);
		return;
	}
	slot_ready(lw, s);
}

/* Feed one segment to the response parser. @return 0 or -EBADMSG. */
static int
parse_segment(struct lg_wrk *lw, struct lg_conn *s, const uint8_t *buf,
	      size_t len)
{
	struct gw_http_span span;
	size_t off = 0;
	int rc;

	while (off < len) {
		if (!s->in_body) {
			rc = gw_http_parse_head(&s->p, buf + off, len - off);
			if (rc == -EAGAIN)
				return 0;
			if (rc < 0)
				return rc;
			off += (size_t)rc;
			s->in_body = true;
			if (gw_http_parser_done(&s->p)) {
				response_done(lw, s);
				continue;
			}
		}
		rc = gw_http_parse_body(&s->p, buf + off, len - off, &span);
		if (rc < 0)
			return rc;
		off += (size_t)rc;
		if (gw_http_parser_done(&s->p))
			response_done(lw, s);
		else if (rc == 0)
			return 0;
	}
	return 0;
}

static void
client_data(struct gw_tcp_conn *c, struct rte_mbuf *m)
{
	struct lg_conn *s = gw_tcp_ctx(c);
	struct lg_wrk *lw = s->lw;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *seg;

	lw->st.bytes_rx += len;
	for (seg = m; seg != NULL; seg = seg->next) {
		if (parse_segment(lw, s, rte_pktmbuf_mtod(seg, const uint8_t *),
				  seg->data_len) < 0) {
			lw->st.err_parse++;
			rte_pktmbuf_free(m);
			gw_tcp_abort(c); /* closed() follows at once */
			return;
		}
	}
	rte_pktmbuf_free(m);
	gw_tcp_recv_done(c, len);
}

static void
client_writable(struct gw_tcp_conn *c)
{
	struct lg_conn *s = gw_tcp_ctx(c);

	if (!s->want_write)
		return;
	s->want_write = false;
	if (s->lw->o->rate == 0 && !s->lw->stopping) {
		if (request_send(s->lw, s, s->lw->w->now) != 0) {
			if (!s->want_write)
				retry_later(s->lw, s);
			return;
		}
	}
	slot_ready(s->lw, s);
}

static void
client_eof(struct gw_tcp_conn *c)
{
	struct lg_conn *s = gw_tcp_ctx(c);

	/* a response delimited by the close ends here */
	if (s->in_body && gw_http_parse_eof(&s->p) == 0)
		response_done(s->lw, s);
	s->state = SLOT_CLOSING;
	gw_tcp_shutdown(c);
}

static void
client_closed(struct gw_tcp_conn *c, int err)
{
	struct lg_conn *s = gw_tcp_ctx(c);
	struct lg_wrk *lw = s->lw;

	lw->open_conns--;
	lw->st.conn_closed++;
	if (s->timed_out)
		lw->st.err_timeout += s->inflight;
	else if (err != 0)
		lw->st.conn_reset++;
	if (!s->timed_out)
		lw->st.err_lost += s->inflight;
	s->c = NULL;
	s->state = SLOT_IDLE;
	s->inflight = 0;
	if (err != 0 || s->in_body)
		retry_later(lw, s); /* something went wrong: pause */
	else
		slot_ready(lw, s);
}

static const struct gw_tcp_app_ops client_ops = {
	.connected = client_connected,
	.data = client_data,
	.writable = client_writable,
	.eof = client_eof,
	.closed = client_closed,
};

/* Abort connections whose oldest request waited longer than the timeout. */
static void
timeout_scan(struct lg_wrk *lw)
{
	uint64_t now = rte_rdtsc(); /* starts may be later than w->now */
	uint32_t i;

	for (i = 0; i < lw->n_slots; i++) {
		struct lg_conn *s = &lw->slots[i];

		if (s->c == NULL)
			continue;
		if ((s->inflight > 0 &&
		     now - s->started[s->head] > lw->timeout_tsc) ||
		    (s->state == SLOT_CONNECTING &&
		     now - s->pending > lw->timeout_tsc)) {
			/* connected() or closed() counts its requests */
			s->timed_out = true;
			gw_tcp_abort(s->c);
		}
	}
}

/* Once stopping: no more requests; idle connections are closed. */
static void
stop_scan(struct lg_wrk *lw)
{
	uint32_t i;

	for (i = 0; i < lw->n_slots; i++) {
		struct lg_conn *s = &lw->slots[i];

		if (s->state == SLOT_OPEN && s->inflight == 0) {
			s->state = SLOT_CLOSING;
			gw_tcp_shutdown(s->c);
		}
	}
}

void
lg_client_tick(struct lg_wrk *lw)
{
	struct gw_worker *w = lw->w;
	struct lg_conn *s;
	uint32_t i, n;

	if (unlikely(lg_phase >= LG_STOP)) {
		if (!lw->stopping) {
			lw->stopping = true;
			lw->ready_n = 0;
			for (i = 0; i < lw->n_slots; i++)
				lw->slots[i].in_ready = false;
		}
		stop_scan(lw);
		return;
	}
	if (lw->retry_n > 0 && w->now >= lw->retry_at) {
		n = lw->retry_n;
		lw->retry_n = 0;
		for (i = 0; i < n; i++) {
			lw->slots[lw->retry[i]].in_retry = false;
			slot_ready(lw, &lw->slots[lw->retry[i]]);
		}
	}
	if (w->now >= lw->next_scan) {
		timeout_scan(lw);
		lw->next_scan = w->now + w->dp->tsc_hz / 1000 * LG_SCAN_MS;
	}
	if (lw->o->rate == 0) {
		n = lw->ready_n; /* each ready slot once per loop */
		while (n-- > 0 && (s = ready_pop(lw)) != NULL)
			slot_issue(lw, s, w->now);
		return;
	}
	while (lw->sched <= w->now && (s = ready_pop(lw)) != NULL) {
		slot_issue(lw, s, lw->sched);
		lw->sched += lw->interval;
	}
}

int
lg_client_init(struct lg_wrk *lw)
{
	const struct lg_opts *o = lw->o;
	uint32_t i, nw = lw->w->dp->n_workers, id = lw->w->id;

	lw->n_slots = o->connections / nw + (id < o->connections % nw);
	if (lw->n_slots == 0)
		return 0;
	lw->slots = rte_zmalloc("lg_slots", sizeof(*lw->slots) * lw->n_slots,
				RTE_CACHE_LINE_SIZE);
	lw->ready = rte_zmalloc("lg_ready", sizeof(uint32_t) * lw->n_slots, 0);
	lw->retry = rte_zmalloc("lg_retry", sizeof(uint32_t) * lw->n_slots, 0);
	if (lw->slots == NULL || lw->ready == NULL || lw->retry == NULL)
		return -ENOMEM;
	for (i = 0; i < lw->n_slots; i++) {
		struct lg_conn *s = &lw->slots[i];

		s->lw = lw;
		s->idx = i;
		gw_http_parser_init(&s->p, NULL, GW_HTTP_RESPONSE,
				    o->head ? GW_HTTP_M_HEAD : GW_HTTP_M_GET,
				    s->hdrs, LG_HDRS);
	}
	lw->timeout_tsc = lw->w->dp->tsc_hz / 1000 * o->timeout_ms;
	if (o->rate > 0)
		lw->interval = (uint64_t)((double)lw->w->dp->tsc_hz * nw /
					  o->rate);
	if (lw->interval == 0 && o->rate > 0)
		lw->interval = 1;
	return 0;
}

void
lg_client_start(struct lg_wrk *lw)
{
	uint32_t i;

	/* stagger the workers' schedules inside one interval */
	lw->sched = lw->w->now + lw->interval * lw->w->id / lw->w->dp->n_workers;
	lw->next_scan = lw->w->now;
	for (i = 0; i < lw->n_slots; i++)
		ready_push(lw, &lw->slots[i]);
}

void
lg_client_fini(struct lg_wrk *lw)
{
	rte_free(lw->slots);
	rte_free(lw->ready);
	rte_free(lw->retry);
	lw->slots = NULL;
	lw->ready = lw->retry = NULL;
}

int
lg_request_build(struct lg_opts *o, const char *method, const char *host,
		 const char *path, char *const *headers, unsigned n_headers)
{
	size_t cap = sizeof(o->request), len;
	unsigned i;
	int n;

	n = snprintf(o->request, cap, "%s %s HTTP/1.1\r\nHost: %s\r\n%s",
		     method, path, host,
		     o->close ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	len = (size_t)n;
	for (i = 0; i < n_headers; i++) {
		n = snprintf(o->request + len, cap - len, "%s\r\n", headers[i]);
		if (n < 0 || (size_t)n >= cap - len)
			return -ENOSPC;
		len += (size_t)n;
	}
	if (len + 2 >= cap)
		return -ENOSPC;
	memcpy(o->request + len, "\r\n", 3);
	o->request_len = (uint32_t)(len + 2);
	return 0;
}
