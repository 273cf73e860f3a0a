/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/proxy heads: a parsed request head is routed (ROUTE), a
 * destination and endpoint picked (PICK_UPSTREAM), the head rewritten for
 * the upstream (hop-by-hop fields out; x-forwarded-for, -proto and
 * x-request-id in; the route's header edits and rewrites applied) and
 * queued while the connection opens (CONNECT). A response head gets the
 * mirror treatment. Local replies (errors, redirects, direct responses)
 * are formatted here too. Worker thread; no allocation but mbufs.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <rte_cycles.h>

#include "gw_tls_hello.h"
#include "proxy_priv.h"

/* Fields a proxy never forwards (RFC 9110 section 7.6.1), besides those
 * the Connection field lists, indexed by the parser's field id (NULL:
 * not one). Transfer-Encoding stays: bodies are forwarded with their
 * framing. Upgrade stays in an upgrade request and its 101 (the tunnel
 * is what they ask for). */
static const struct {
	const char *name;
	uint16_t len;
} hop_by_hop[] = {
	[GW_HTTP_H_CONNECTION] = { "connection", 10 },
	[GW_HTTP_H_KEEP_ALIVE] = { "keep-alive", 10 },
	[GW_HTTP_H_PROXY_CONNECTION] = { "proxy-connection", 16 },
	[GW_HTTP_H_TE] = { "te", 2 },
	[GW_HTTP_H_UPGRADE] = { "upgrade", 7 },
};
#define HOP_BY_HOP_N (sizeof(hop_by_hop) / sizeof(hop_by_hop[0]))

void
proxy_count_status(struct gw_proxy_wrk *pw, int status)
{
	if (status >= 500)
		pw->stats.responses_5xx++;
	else if (status >= 400)
		pw->stats.responses_4xx++;
	else if (status >= 300)
		pw->stats.responses_3xx++;
	else if (status >= 200)
		pw->stats.responses_2xx++;
	else
		pw->stats.responses_other++;
}

void
proxy_sess_end(struct proxy_sess *s)
{
	s->dl_try = 0;
	s->dl_retry = 0;
	s->dl_fault = 0;
	proxy_up_detach(s, true);
	chain_free(&s->upq);
	chain_free(&s->in);
	s->in_fed = 0;
	s->in_body = 0;
	s->close_after = true;
	s->req = REQ_DISCARD;
	s->resp = RESP_IDLE;
}

/* Queue a reply made here. close: the connection ends after it. */
static void
local_reply(struct proxy_sess *s, int status,
	    const struct gw_http_field *extra, unsigned int n_extra,
	    const char *body, bool close)
{
	struct gw_proxy_wrk *pw = s->pw;
	struct gw_http_field f[4];
	unsigned int n = 0, k;
	struct iovec iov[2];
	struct rte_mbuf *m;
	char head[1024];
	size_t blen = body != NULL ? strlen(body) : 0;
	int hl;

	for (k = 0; k < n_extra && n < 2; k++)
		f[n++] = extra[k];
	if (blen > 0)
		f[n++] = (struct gw_http_field){ "content-type", "text/plain",
						 10, 12 };
	if (close)
		f[n++] = (struct gw_http_field){ "connection", "close", 5, 10 };
	hl = gw_http_response_format(head, sizeof(head), status, f, n,
				     (int64_t)blen);
	pw->stats.local_replies++;
	proxy_count_status(pw, status);
	if (!s->ob.open)
		proxy_obs_begin(s);	/* a head that never parsed */
	s->ob.status = (uint16_t)status;
	if (s->ob.details == GW_ALOG_D_NONE)
		s->ob.details = GW_ALOG_D_LOCAL;
	if (close) {
		proxy_sess_end(s);
	} else {
		/* no attempt, back-off or delay is left */
		s->dl_try = 0;
		s->dl_retry = 0;
		s->dl_fault = 0;
		if (s->req != REQ_DONE) {
			proxy_up_detach(s, true);
			chain_free(&s->upq);
		}
		s->req = REQ_DONE;
		s->resp = RESP_DONE;
	}
	s->resp_started = true;
	if (hl >= 0 && s->down != NULL) {
		iov[0].iov_base = head;
		iov[0].iov_len = (size_t)hl;
		iov[1].iov_base = (void *)(uintptr_t)body;
		iov[1].iov_len = s->req_method == GW_HTTP_M_HEAD ? 0 : blen;
		m = chain_from_iov(gw_tcp_pool(s->down), iov, 2);
		if (m != NULL) {
			s->ob.tx += iov[0].iov_len + iov[1].iov_len;
			chain_append(&s->downq, m);
		}
	}
	/* with a close, the exchange ends here (else at exchange_done()) */
	if (close)
		proxy_obs_end(s);
}

void
proxy_local_reply(struct proxy_sess *s, int status, const char *body,
		  bool close)
{
	if (s->l4) {
		/* TLS passthrough: no HTTP to answer with, a FIN */
		proxy_sess_end(s);
		return;
	}
	local_reply(s, status, NULL, 0, body, close);
}

/* The head bytes leave `in`: the client's window reopens for them. */
static void
drop_request_head(struct proxy_sess *s, uint32_t hl)
{
	chain_drop(&s->in, hl);
	gw_tcp_recv_done(s->down, hl);
	s->in_fed -= hl;
	s->in_body = 0;
}

/* Edits of one route header operation set (set, add, remove). */
static unsigned int
route_edits(const struct gw_route_hdr_ops *ops, struct gw_http_edit *e,
	    unsigned int n, unsigned int max)
{
	size_t i;

	for (i = 0; i < ops->n_remove && n < max; i++)
		e[n++] = (struct gw_http_edit){ ops->remove[i], NULL, 0,
			(uint16_t)strlen(ops->remove[i]), GW_HTTP_EDIT_REMOVE };
	for (i = 0; i < ops->n_set && n < max; i++)
		e[n++] = (struct gw_http_edit){ ops->set[i].name,
			ops->set[i].value, ops->set[i].value_len,
			(uint16_t)ops->set[i].name_len, GW_HTTP_EDIT_SET };
	for (i = 0; i < ops->n_add && n < max; i++)
		e[n++] = (struct gw_http_edit){ ops->add[i].name,
			ops->add[i].value, ops->add[i].value_len,
			(uint16_t)ops->add[i].name_len, GW_HTTP_EDIT_ADD };
	return n;
}

/*
 * Remove the hop-by-hop fields and those Connection names. upgrade: the
 * message asks for (or grants) a protocol switch; Upgrade stays and
 * "Connection: upgrade" replaces the client's Connection.
 */
static unsigned int
hop_edits(const struct gw_http_msg *m, const uint8_t *head, bool upgrade,
	  struct gw_http_edit *e, unsigned int n, unsigned int max)
{
	uint32_t seen = 0;
	int k;

	/* a REMOVE for each hop-by-hop field the head has (by the parser's
	 * ids: no name compare for the fields it lacks) */
	for (k = 0; k < m->nhdrs && n < max; k++) {
		uint8_t id = m->hdrs[k].id;

		if (id >= HOP_BY_HOP_N || hop_by_hop[id].name == NULL ||
		    (seen & (1u << id)) ||
		    (upgrade && id == GW_HTTP_H_UPGRADE))
			continue;
		seen |= 1u << id;
		e[n++] = (struct gw_http_edit){ hop_by_hop[id].name, NULL, 0,
			hop_by_hop[id].len, GW_HTTP_EDIT_REMOVE };
	}
	if (upgrade && n < max)
		e[n++] = (struct gw_http_edit){ "connection", "upgrade", 7, 10,
						GW_HTTP_EDIT_SET };
	for (k = 0; k < m->nhdrs; k++) {
		const struct gw_http_hdr *h = &m->hdrs[k];
		const char *tok;
		size_t pos = 0, tl;

		if (h->id != GW_HTTP_H_CONNECTION)
			continue;
		while (n < max &&
		       gw_http_list_next((const char *)head + h->value_off,
					 h->value_len, &pos, &tok, &tl)) {
			/* framing is ours to keep */
			if ((tl == 17 &&
			     strncasecmp(tok, "transfer-encoding", 17) == 0) ||
			    (tl == 14 &&
			     strncasecmp(tok, "content-length", 14) == 0) ||
			    (upgrade && tl == 7 &&
			     strncasecmp(tok, "upgrade", 7) == 0) ||
			    tl > UINT16_MAX)
				continue;
			e[n++] = (struct gw_http_edit){ tok, NULL, 0,
				(uint16_t)tl, GW_HTTP_EDIT_REMOVE };
		}
	}
	return n;
}

/*
 * Small formatters for the per-request fields: no stdio on a worker's
 * path. Each writes without a NUL and returns the length.
 */
static size_t
fmt_u64(char *d, uint64_t v)
{
	char tmp[20];
	size_t n = 0, k;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (k = 0; k < n; k++)
		d[k] = tmp[n - 1 - k];
	return n;
}

static size_t
fmt_ipv4(char *d, uint32_t a)
{
	size_t n = 0;
	int k;

	for (k = 3; k >= 0; k--) {
		n += fmt_u64(d + n, (a >> (8 * k)) & 0xff);
		if (k > 0)
			d[n++] = '.';
	}
	return n;
}

/* A version 4 UUID from the worker's generator, 36 characters. */
static void
request_id(struct gw_proxy_wrk *pw, char out[36])
{
	uint64_t a = proxy_rand(pw), b = proxy_rand(pw);

	a = (a & ~0xf000ull) | 0x4000ull;		/* version 4 */
	b = (b & ~(3ull << 62)) | (2ull << 62);		/* variant 10 */
	gw_trace_hex(out, a >> 32, 8);
	out[8] = '-';
	gw_trace_hex(out + 9, a >> 16, 4);
	out[13] = '-';
	gw_trace_hex(out + 14, a, 4);
	out[18] = '-';
	gw_trace_hex(out + 19, b >> 48, 4);
	out[23] = '-';
	gw_trace_hex(out + 24, b, 12);
}

/* Append n bytes to a bounded buffer; false when they do not fit. */
static bool
put(char *buf, size_t cap, size_t *len, const void *src, size_t n)
{
	if (cap - *len < n)
		return false;
	memcpy(buf + *len, src, n);
	*len += n;
	return true;
}

static const struct gw_http_hdr *
find_hdr(const struct gw_http_msg *m, const uint8_t *head, const char *name,
	 size_t len)
{
	int i = gw_http_msg_find(m, head, name, len, 0);

	return i >= 0 ? &m->hdrs[i] : NULL;
}

/* Route, pick, rewrite and connect for the head just parsed. */
/* The host of an authority, without its port (IPv6 literals keep their
 * brackets), NUL-terminated in host. false when there is none or it is
 * too long. */
static bool
authority_host(const char *auth, size_t auth_len,
	       char host[GW_TLS_SNI_MAX + 1])
{
	size_t hl = auth_len;
	const char *colon;

	if (auth_len == 0)
		return false;
	colon = memrchr(auth, ':', auth_len);
	if (colon != NULL && memchr(colon, ']', auth_len -
				    (size_t)(colon - auth)) == NULL)
		hl = (size_t)(colon - auth);
	if (hl == 0 || hl > GW_TLS_SNI_MAX)
		return false;
	memcpy(host, auth, hl);
	host[hl] = '\0';
	return true;
}

/*
 * An HTTPS request must be for a host of the Gateway server its handshake
 * picked: with one connection per server's certificate, another server's
 * host is not routed (Istio builds one route table per HTTPS server; this
 * is its effect on a table shared by the port).
 */
static bool
https_host_ok(const struct gw_tls_info *tls, const char *auth,
	      size_t auth_len)
{
	char host[GW_TLS_SNI_MAX + 1];
	uint32_t i;

	if (tls == NULL || tls->server == NULL)
		return true;
	if (!authority_host(auth, auth_len, host))
		host[0] = '\0';
	for (i = 0; i < tls->server->n_hosts; i++)
		if (gw_tls_sni_rank(tls->server->hosts[i], host) >= 0)
			return true;
	return false;
}

/*
 * An HTTP server with tls.httpsRedirect: when the request's host is one
 * of its hosts, the location of the same resource over https (Envoy's
 * require_tls: the port goes, the scheme's default is used) in loc.
 */
static bool
https_redirect(const struct proxy_sess *s, const char *auth, size_t auth_len,
	       const char *target, size_t target_len, char *loc, size_t len)
{
	const struct gw_mesh_listener *ml = s->lis->ml;
	char host[GW_TLS_SNI_MAX + 1];
	size_t i;

	if (!authority_host(auth, auth_len, host))
		return false;
	for (i = 0; i < ml->n_redirect; i++)
		if (gw_tls_sni_rank(ml->redirect_hosts[i], host) >= 0)
			break;
	if (i == ml->n_redirect)
		return false;
	return (size_t)snprintf(loc, len, "https://%s%.*s", host,
				(int)target_len, target) < len;
}

/* The request's strings for its access log record (xff, rid: its
 * x-forwarded-for and x-request-id fields, NULL when absent). */
static void
obs_request_strings(struct proxy_sess *s, const struct gw_http_msg *m,
		    const uint8_t *h, const char *auth, size_t auth_len,
		    const struct gw_tls_info *tls, const struct gw_http_hdr *xff,
		    const struct gw_http_hdr *rid)
{
	const struct gw_http_hdr *x;

	proxy_obs_set(s, GW_ALOG_S_METHOD, (const char *)h + m->method_off,
		      m->method_len);
	proxy_obs_set(s, GW_ALOG_S_PATH, (const char *)h + m->target_off,
		      m->target_len);
	proxy_obs_set(s, GW_ALOG_S_AUTHORITY, auth, auth_len);
	if (tls != NULL && tls->sni != NULL)
		proxy_obs_set(s, GW_ALOG_S_SNI, tls->sni, strlen(tls->sni));
	x = find_hdr(m, h, "user-agent", 10);
	if (x != NULL)
		proxy_obs_set(s, GW_ALOG_S_USER_AGENT,
			      (const char *)h + x->value_off, x->value_len);
	if (xff != NULL)
		proxy_obs_set(s, GW_ALOG_S_XFF, (const char *)h + xff->value_off,
			      xff->value_len);
	if (rid != NULL)
		proxy_obs_set(s, GW_ALOG_S_REQUEST_ID,
			      (const char *)h + rid->value_off, rid->value_len);
}

/* A gRPC response's grpc-status, when its head carries it (a
 * trailers-only response; in trailers it is not seen). */
static void
obs_grpc_status(struct proxy_sess *s, const struct gw_http_msg *m,
		const uint8_t *h)
{
	const struct gw_http_hdr *x = find_hdr(m, h, "grpc-status", 11);
	unsigned v = 0;
	uint32_t i;

	if (x == NULL || x->value_len == 0 || x->value_len > 2)
		return;
	for (i = 0; i < x->value_len; i++) {
		char c = (char)h[x->value_off + i];

		if (c < '0' || c > '9')
			return;
		v = v * 10 + (unsigned)(c - '0');
	}
	if (v <= 16)
		s->ob.grpc = (uint8_t)v;
}

void
proxy_request_head(struct proxy_sess *s)
{
	struct gw_proxy_wrk *pw = s->pw;
	const struct gw_http_msg *m = &s->p.msg;
	uint32_t hl = m->head_len;
	uint8_t *h = pw->head;
	struct gw_route_req_hdr rh[PROXY_MAX_HDRS];
	struct gw_http_edit e[PROXY_MAX_EDITS];
	struct iovec iov[2 * PROXY_MAX_HDRS + PROXY_MAX_EDITS];
	const struct gw_route_action *a;
	const struct gw_http_hdr *x, *xff_h, *rid_h;
	struct gw_route_req req;
	const struct gw_route *r;
	const struct gw_route_dest *d;
	char line[2048], xff[512], rid[36], path[2048];
	struct proxy_trace_buf tb;
	const struct gw_tls_info *tls;
	bool https;
	const char *target = (const char *)h + m->target_off;
	size_t target_len = m->target_len, auth_len = 0;
	const char *auth = "";
	bool has_body = m->body != GW_HTTP_BODY_NONE;
	unsigned int n = 0;
	size_t ll, xl;
	int i, niov;

	chain_copy(&s->in, 0, hl, h);
	s->req_method = m->method;
	s->req_payload = 0;
	if (!s->ob.open)
		proxy_obs_begin(s);
	s->ob.rx += hl;
	s->ob.http10 = m->version_minor == 0;
	/* WebSocket and friends: a tunnel if the upstream answers 101 */
	s->upgrade = (m->flags & GW_HTTP_F_UPGRADE) != 0;
	if (!(m->flags & GW_HTTP_F_KEEP_ALIVE) || pw->draining)
		s->close_after = true;

	/* ROUTE */
	https = s->lis->ml->protocol == GW_MESH_PROTO_HTTPS;
	if (m->host_idx >= 0) {
		auth = (const char *)h + m->hdrs[m->host_idx].value_off;
		auth_len = m->hdrs[m->host_idx].value_len;
	}
	if (m->target_form == GW_HTTP_TARGET_ABSOLUTE) {
		/* scheme://authority/path: the authority wins over Host */
		const char *p = memchr(target, ':', target_len);
		const char *end = target + target_len, *slash;

		p = p != NULL ? p + 3 : target;
		slash = memchr(p, '/', (size_t)(end - p));
		auth = p;
		auth_len = (size_t)((slash != NULL ? slash : end) - p);
		target = slash != NULL ? slash : "/";
		target_len = slash != NULL ? (size_t)(end - slash) : 1;
	}
	tls = https ? gw_tls_info(s->down) : NULL;
	xff_h = find_hdr(m, h, "x-forwarded-for", 15);
	rid_h = find_hdr(m, h, "x-request-id", 12);
	if (pw->recs != NULL)
		obs_request_strings(s, m, h, auth, auth_len, tls, xff_h, rid_h);
	proxy_trace_begin(s, m, h);
	x = find_hdr(m, h, "content-type", 12);
	s->ob.is_grpc = x != NULL && x->value_len >= 16 &&
			strncasecmp((const char *)h + x->value_off,
				    "application/grpc", 16) == 0;
	if (s->lis->ml->n_redirect > 0 &&
	    https_redirect(s, auth, auth_len, target, target_len, path,
			   sizeof(path))) {
		struct gw_http_field loc = { "location", path,
					     (uint32_t)strlen(path), 8 };

		drop_request_head(s, hl);
		pw->stats.https_redirects++;
		s->ob.details = GW_ALOG_D_REDIRECT;
		local_reply(s, 301, &loc, 1, NULL, has_body || s->close_after);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.method = (const char *)h + m->method_off;
	req.method_len = m->method_len;
	req.scheme = https ? "https" : "http";
	req.scheme_len = https ? 5 : 4;
	req.authority = auth;
	req.authority_len = auth_len;
	req.path = target;
	req.path_len = target_len;
	req.port = s->lis->ml->port;
	for (i = 0; i < m->nhdrs; i++) {
		rh[i].name = (const char *)h + m->hdrs[i].name_off;
		rh[i].name_len = m->hdrs[i].name_len;
		rh[i].value = (const char *)h + m->hdrs[i].value_off;
		rh[i].value_len = m->hdrs[i].value_len;
	}
	req.headers = rh;
	req.n_headers = m->nhdrs;
	r = s->lis->ml->routes != NULL && https_host_ok(tls, auth, auth_len) ?
		gw_route_match(s->lis->ml->routes, s->lis->scratch, &req) : NULL;
	drop_request_head(s, hl);
	if (r == NULL) {
		pw->stats.no_route++;
		proxy_obs_flag(s, GW_ALOG_F(NR), GW_ALOG_D_ROUTE_NOT_FOUND);
		local_reply(s, 404, NULL, 0, NULL, has_body || s->close_after);
		return;
	}
	if (m->body == GW_HTTP_BODY_LENGTH && pw->http.max_request_body_bytes &&
	    m->content_length > pw->http.max_request_body_bytes) {
		/* refused before a byte of it is read (nor a 100 sent) */
		pw->stats.rq_too_large++;
		s->ob.details = GW_ALOG_D_TOO_LARGE;
		local_reply(s, 413, NULL, 0, "Payload Too Large", true);
		return;
	}
	a = gw_route_action(r);
	s->route = r;
	if (a->name != NULL)
		proxy_obs_set(s, GW_ALOG_S_ROUTE, a->name, strlen(a->name));
	if (a->kind == GW_ROUTE_ACTION_REDIRECT) {
		struct gw_http_field loc = { "location", path, 0, 8 };
		int len = gw_route_redirect_format(r, &req, path, sizeof(path));

		if (len < 0) {
			local_reply(s, 500, NULL, 0, "redirect too long", true);
			return;
		}
		loc.value_len = (uint32_t)len;
		s->ob.details = GW_ALOG_D_REDIRECT;
		local_reply(s, (int)a->redirect.code, &loc, 1, NULL,
			    has_body || s->close_after);
		return;
	}
	if (a->kind == GW_ROUTE_ACTION_DIRECT_RESPONSE) {
		s->ob.details = GW_ALOG_D_DIRECT_RESPONSE;
		local_reply(s, (int)a->direct.status, NULL, 0, a->direct.body,
			    has_body || s->close_after);
		return;
	}
	/* fault injection: a delay first, then an abort (Envoy's order) */
	s->fault_abort = 0;
	s->dl_fault = 0;
	if (a->fault.abort &&
	    gw_route_percent_hit(a->fault.abort_ppm,
				 (uint32_t)proxy_rand(pw)))
		s->fault_abort = (uint16_t)a->fault.abort_status;
	if (a->fault.delay &&
	    gw_route_percent_hit(a->fault.delay_ppm,
				 (uint32_t)proxy_rand(pw))) {
		pw->stats.fault_delays++;
		s->dl_fault = pw->now_ms + a->fault.delay_ms;
		proxy_obs_flag(s, GW_ALOG_F(DI), GW_ALOG_D_NONE);
	}
	if (s->fault_abort != 0 && s->dl_fault == 0) {
		pw->stats.fault_aborts++;
		proxy_obs_flag(s, GW_ALOG_F(FI), GW_ALOG_D_FAULT_ABORT);
		local_reply(s, (int)s->fault_abort, NULL, 0,
			    "fault filter abort", has_body || s->close_after);
		return;
	}

	/* PICK_UPSTREAM: the destination; the endpoint at connect */
	d = gw_route_pick_destination(r, (uint32_t)proxy_rand(pw));
	if (d == NULL || d->user == GW_MESH_NO_CLUSTER ||
	    d->user >= s->gen->n_clusters) {
		pw->stats.no_cluster++;
		proxy_obs_flag(s, GW_ALOG_F(NC), GW_ALOG_D_CLUSTER_NOT_FOUND);
		local_reply(s, 503, NULL, 0, "no healthy upstream", true);
		return;
	}
	s->dest = d;
	proxy_obs_dest(s, d->user);

	/* the upstream head */
	if (a->rewrite_uri != NULL || a->regex_rewrite) {
		int len = gw_route_path_rewrite(r, s->lis->scratch, &req, path,
						sizeof(path));

		if (len < 0) {
			local_reply(s, 500, NULL, 0, "rewrite failed", true);
			return;
		}
		target = path;
		target_len = (size_t)len;
	}
	/*
	 * An HTTP/1.0 client cannot read chunked responses: ask the
	 * upstream in its version, so the answer comes delimited by length
	 * or by the close (as nginx proxies by default).
	 */
	ll = 0;
	if (!put(line, sizeof(line), &ll, h + m->method_off, m->method_len) ||
	    !put(line, sizeof(line), &ll, " ", 1) ||
	    !put(line, sizeof(line), &ll, target, target_len) ||
	    !put(line, sizeof(line), &ll, m->version_minor ? " HTTP/1.1" :
		 " HTTP/1.0", 9)) {
		local_reply(s, 414, NULL, 0, "URI Too Long", true);
		return;
	}
	n = hop_edits(m, h, s->upgrade, e, n,
		      PROXY_MAX_EDITS - 8 - PROXY_TRACE_EDITS);
	x = xff_h;
	xl = 0;
	/* the client's address appended to what came (15 + 2 bytes room) */
	if (x == NULL || (put(xff, sizeof(xff) - 17, &xl, h + x->value_off,
			      x->value_len) && put(xff, sizeof(xff), &xl,
						   ", ", 2))) {
		xl += fmt_ipv4(xff + xl, s->peer_ip);
		e[n++] = (struct gw_http_edit){ "x-forwarded-for", xff,
			(uint32_t)xl, 15, GW_HTTP_EDIT_SET };
	}
	e[n++] = (struct gw_http_edit){ "x-forwarded-proto",
					https ? "https" : "http",
					https ? 5 : 4, 17, GW_HTTP_EDIT_SET };
	/* Envoy's SANITIZE_SET (Istio's gateway default): the client
	 * certificate's details when it sent one, else whatever came is
	 * removed */
	if (tls != NULL && tls->xfcc != NULL)
		e[n++] = (struct gw_http_edit){ "x-forwarded-client-cert",
			tls->xfcc, (uint32_t)strlen(tls->xfcc), 23,
			GW_HTTP_EDIT_SET };
	else if (find_hdr(m, h, "x-forwarded-client-cert", 23) != NULL)
		e[n++] = (struct gw_http_edit){ "x-forwarded-client-cert", "",
			0, 23, GW_HTTP_EDIT_REMOVE };
	if (rid_h == NULL) {
		request_id(pw, rid);
		e[n++] = (struct gw_http_edit){ "x-request-id", rid, 36, 12,
						GW_HTTP_EDIT_ADD };
		proxy_obs_set(s, GW_ALOG_S_REQUEST_ID, rid, 36);
	}
	n = proxy_trace_edits(s, e, n, PROXY_MAX_EDITS, &tb);
	if (a->rewrite_authority != NULL)
		e[n++] = (struct gw_http_edit){ "host", a->rewrite_authority,
			(uint32_t)strlen(a->rewrite_authority), 4,
			GW_HTTP_EDIT_SET };
	else if (m->host_idx < 0 || m->target_form == GW_HTTP_TARGET_ABSOLUTE)
		e[n++] = (struct gw_http_edit){ "host",
			auth_len > 0 ? auth :
			s->gen->clusters[d->user].mc->host,
			auth_len > 0 ? (uint32_t)auth_len :
			(uint32_t)strlen(s->gen->clusters[d->user].mc->host), 4,
			GW_HTTP_EDIT_SET };
	n = route_edits(&a->headers.request, e, n, PROXY_MAX_EDITS);
	n = route_edits(&d->headers.request, e, n, PROXY_MAX_EDITS);

	/* the head was copied to h before its bytes left `in` */
	niov = gw_http_head_rewrite(h, m, line, (size_t)ll, e, n, iov,
				    sizeof(iov) / sizeof(iov[0]), pw->scratch,
				    sizeof(pw->scratch));
	if (niov < 0) {
		local_reply(s, niov == -EINVAL ? 400 : 431, NULL, 0,
			    "cannot rewrite the request head", true);
		return;
	}
	{
		struct rte_mbuf *up_head = chain_from_iov(gw_tcp_pool(s->down),
							  iov, niov);

		if (up_head == NULL) {
			local_reply(s, 503, NULL, 0, "out of buffers", true);
			return;
		}
		chain_append(&s->upq, up_head);
	}
	s->req = has_body ? REQ_BODY : REQ_DONE;
	if (has_body)
		gw_tcp_ack_now(s->down); /* the same for a client's body */
	s->t_sent = rte_rdtsc();
	/* a retry sends again what went to the failed attempt */
	s->replay_ok = a->retry.attempts > 0;
	s->retries = 0;
	s->tried = 0;
	if (s->dl_fault != 0) {
		/* held until the delay ends (sess_timer_fire()) */
		s->cluster = d->user;
		s->resp = RESP_HEAD;
		return;
	}
	/* CONNECT */
	proxy_connect_upstream(s, d->user);
}

int
proxy_response_head(struct proxy_sess *s)
{
	struct gw_proxy_wrk *pw = s->pw;
	const struct gw_http_msg *m = &s->rp.msg;
	uint32_t hl = m->head_len;
	uint8_t *h = pw->head;
	struct gw_http_edit e[PROXY_MAX_EDITS];
	struct iovec iov[2 * PROXY_MAX_HDRS + PROXY_MAX_EDITS];
	const struct gw_route_action *a = s->route != NULL ?
		gw_route_action(s->route) : NULL;
	struct rte_mbuf *out;
	char ust[24];
	unsigned int n = 0;
	bool tunnel;
	uint64_t ms, up_tsc;
	int niov, k;

	chain_copy(&s->rin, 0, hl, h);
	chain_drop(&s->rin, hl);
	if (s->up != NULL)
		gw_tcp_recv_done(s->up, hl);
	s->rin_fed -= hl;
	s->rin_body = 0;
	tunnel = m->body == GW_HTTP_BODY_TUNNEL;
	if (tunnel && (!s->upgrade || m->status != 101)) {
		/* a 101 nobody asked for (or a CONNECT's 2xx): an error */
		pw->stats.upstream_bad_response++;
		proxy_obs_flag(s, GW_ALOG_F(UPE), GW_ALOG_D_BAD_RESPONSE);
		proxy_up_detach(s, true);
		s->resp = RESP_IDLE;
		proxy_local_reply(s, 502, "upstream switched protocols "
				  "unasked", true);
		return -1;
	}
	up_tsc = rte_rdtsc() - s->t_sent;	/* routed to this head */
	if (!(m->flags & GW_HTTP_F_INTERIM)) {
		/* the attempt's outcome; a retriable one goes no further */
		proxy_outcome(s, m->status);
		if (!tunnel && proxy_retry(s, FAIL_STATUS, m->status, false))
			return -1;
		s->ob.status = (uint16_t)m->status;
		s->ob.details = GW_ALOG_D_VIA_UPSTREAM;
		s->ob.up_tsc = up_tsc;
		if (s->ob.is_grpc)
			obs_grpc_status(s, m, h);
		s->replay_ok = false;	/* answered: nothing to send again */
		chain_free(&s->replay);
	}
	/* delimited by the close: so must the client's copy be */
	if (m->body == GW_HTTP_BODY_EOF)
		s->close_after = true;
	n = hop_edits(m, h, tunnel, e, n, PROXY_MAX_EDITS - 4);
	ms = up_tsc * 1000 / pw->tsc_hz;
	k = fmt_u64(ust, ms);
	e[n++] = (struct gw_http_edit){ "x-envoy-upstream-service-time", ust,
					(uint32_t)k, 29, GW_HTTP_EDIT_SET };
	if (s->close_after && !tunnel)
		e[n++] = (struct gw_http_edit){ "connection", "close", 5, 10,
						GW_HTTP_EDIT_SET };
	if (a != NULL)
		n = route_edits(&a->headers.response, e, n, PROXY_MAX_EDITS);
	if (s->dest != NULL)
		n = route_edits(&s->dest->headers.response, e, n,
				PROXY_MAX_EDITS);
	niov = gw_http_head_rewrite(h, m, NULL, 0, e, n, iov,
				    sizeof(iov) / sizeof(iov[0]), pw->scratch,
				    sizeof(pw->scratch));
	out = niov > 0 ? chain_from_iov(gw_tcp_pool(s->down), iov, niov) : NULL;
	if (out == NULL) {
		pw->stats.upstream_bad_response++;
		proxy_obs_flag(s, GW_ALOG_F(UPE), GW_ALOG_D_BAD_RESPONSE);
		proxy_up_detach(s, true);
		s->resp = RESP_IDLE;
		proxy_local_reply(s, 502, "cannot rewrite the response head",
				  true);
		return -1;
	}
	s->ob.tx += rte_pktmbuf_pkt_len(out);
	chain_append(&s->downq, out);
	s->resp_started = true;
	proxy_count_status(pw, m->status);
	if (m->flags & GW_HTTP_F_INTERIM) {
		/* 100 Continue and friends: the final response follows */
		gw_http_parser_reset(&s->rp, s->req_method);
		return 0;
	}
	if (tunnel) {
		/* from here on, bytes both ways as they are */
		pw->stats.upgrades++;
		s->req = REQ_TUNNEL;
		s->resp = RESP_TUNNEL;
		s->dl_route = 0;
		s->in_fed = 0;
		s->in_body = 0;
		s->rin_fed = 0;
		return -1;	/* the parser stops here */
	}
	s->resp = m->body == GW_HTTP_BODY_NONE ? RESP_DONE : RESP_BODY;
	/* the body may sit behind the backend's Nagle until we ACK the head */
	if (s->resp == RESP_BODY && s->up != NULL)
		gw_tcp_ack_now(s->up);
	return 0;
}
