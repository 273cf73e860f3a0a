/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zipkin — span export: each sampled request becomes one Zipkin v2 span
 * (the gateway's hop, kind CLIENT as Envoy reports a gateway's egress),
 * batched by the control thread and POSTed as a JSON array to
 * http://<collector>/api/v2/spans by an exporter thread of its own, so a
 * slow or absent collector never holds the control loop. The queue
 * between them is bounded: a batch that does not fit is dropped and
 * counted. The exporter thread only sends; it takes no part in the
 * configuration.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <jansson.h>

#include "gw_ctrl.h"

/* Spans per batch (a flush sends what there is sooner). */
#define ZIPKIN_BATCH_MAX 512
/* Batches waiting for the exporter, at most. */
#define ZIPKIN_QUEUE_MAX 16
/* Connect, send and receive timeout toward the collector. */
#define ZIPKIN_TIMEOUT_S 2

struct zipkin_batch {
	struct zipkin_batch *next;
	char *body;		/* a JSON array */
	size_t n_spans;
};

struct gw_zipkin {
	struct sockaddr_in to;
	json_t *pending;	/* ctrl: the batch being filled */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct zipkin_batch *head, *tail;	/* under lock */
	unsigned queued;			/* under lock */
	bool stop;				/* under lock */
	/* counters: the exporter writes sent/failed, ctrl dropped */
	uint64_t spans_sent;
	uint64_t spans_failed;
	uint64_t spans_dropped;
};

static void
hex64(char *out, uint64_t v)
{
	snprintf(out, 17, "%016" PRIx64, v);
}

static void
ipv4_str(char *out, size_t len, uint32_t a)
{
	snprintf(out, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
}

/* A record's string as JSON: bytes that are not UTF-8 become '?'. */
static json_t *
rec_str(const struct gw_alog_rec *r, enum gw_alog_str k)
{
	char safe[GW_ALOG_STR_FIELD_MAX];
	size_t len, i;
	const char *s = gw_alog_rec_str(r, k, &len);
	json_t *j = json_stringn(s, len);

	if (j != NULL || len > sizeof(safe))
		return j != NULL ? j : json_string("");
	for (i = 0; i < len; i++)
		safe[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	return json_stringn(safe, len);
}

/* The span's name as Istio's proxy gives it: the cluster's host and port
 * (from outbound|port|subset|host), then a slash and a star; else the
 * authority. */
static json_t *
span_name(const struct gw_alog_rec *r)
{
	size_t len;
	const char *c = gw_alog_rec_str(r, GW_ALOG_S_CLUSTER, &len);
	const char *p1, *p2, *p3;
	char name[320];

	if (len > 9 && strncmp(c, "outbound|", 9) == 0 &&
	    (p1 = memchr(c + 9, '|', len - 9)) != NULL &&
	    (p2 = memchr(p1 + 1, '|', len - (size_t)(p1 + 1 - c))) != NULL) {
		p3 = c + len;
		snprintf(name, sizeof(name), "%.*s:%.*s/*",
			 (int)(p3 - p2 - 1), p2 + 1, (int)(p1 - c - 9), c + 9);
		return json_string(name);
	}
	return rec_str(r, GW_ALOG_S_AUTHORITY);
}

void
gw_zipkin_add(struct gw_zipkin *z, const struct gw_alog_rec *r,
	      const struct gw_alog_clock *ck, const char *workload,
	      const char *ns)
{
	char id[40], ip[20], svc[160], num[24], flags[96];
	json_t *span, *tags, *ep;
	uint64_t hz = ck->tsc_hz != 0 ? ck->tsc_hz : 1;

	if (z->pending == NULL) {
		z->pending = json_array();
		if (z->pending == NULL)
			return;
	}
	span = json_object();
	tags = json_object();
	if (span == NULL || tags == NULL) {
		json_decref(span);
		json_decref(tags);
		z->spans_dropped++;
		return;
	}
	if (r->trace_hi != 0) {
		hex64(id, r->trace_hi);
		hex64(id + 16, r->trace_lo);
	} else {
		hex64(id, r->trace_lo);
	}
	json_object_set_new(span, "traceId", json_string(id));
	hex64(id, r->span_id);
	json_object_set_new(span, "id", json_string(id));
	if (r->parent_id != 0) {
		hex64(id, r->parent_id);
		json_object_set_new(span, "parentId", json_string(id));
	}
	json_object_set_new(span, "kind", json_string("CLIENT"));
	json_object_set_new(span, "name", span_name(r));
	json_object_set_new(span, "timestamp",
			    json_integer((json_int_t)(gw_alog_wall_ns(
				    ck, r->start_tsc) / 1000)));
	json_object_set_new(span, "duration",
			    json_integer((json_int_t)(r->duration_tsc *
						      1000000ull / hz) + 1));
	snprintf(svc, sizeof(svc), "%s.%s", workload, ns);
	ep = json_object();
	json_object_set_new(ep, "serviceName", json_string(svc));
	ipv4_str(ip, sizeof(ip), r->down_local_ip);
	json_object_set_new(ep, "ipv4", json_string(ip));
	json_object_set_new(span, "localEndpoint", ep);
	if (r->up_ip != 0) {
		ep = json_object();
		ipv4_str(ip, sizeof(ip), r->up_ip);
		json_object_set_new(ep, "ipv4", json_string(ip));
		json_object_set_new(ep, "port", json_integer(r->up_port));
		json_object_set_new(span, "remoteEndpoint", ep);
	}
	json_object_set_new(tags, "http.method",
			    rec_str(r, GW_ALOG_S_METHOD));
	json_object_set_new(tags, "http.url", rec_str(r, GW_ALOG_S_PATH));
	json_object_set_new(tags, "http.protocol",
			    json_string(r->proto == GW_ALOG_HTTP10 ?
					"HTTP/1.0" : "HTTP/1.1"));
	snprintf(num, sizeof(num), "%u", r->status);
	json_object_set_new(tags, "http.status_code", json_string(num));
	gw_alog_flags_str(r->flags, flags, sizeof(flags));
	json_object_set_new(tags, "response_flags", json_string(flags));
	json_object_set_new(tags, "upstream_cluster",
			    rec_str(r, GW_ALOG_S_CLUSTER));
	json_object_set_new(tags, "guid:x-request-id",
			    rec_str(r, GW_ALOG_S_REQUEST_ID));
	json_object_set_new(tags, "user_agent",
			    rec_str(r, GW_ALOG_S_USER_AGENT));
	snprintf(num, sizeof(num), "%" PRIu64, r->bytes_rx);
	json_object_set_new(tags, "request_size", json_string(num));
	snprintf(num, sizeof(num), "%" PRIu64, r->bytes_tx);
	json_object_set_new(tags, "response_size", json_string(num));
	json_object_set_new(tags, "component", json_string("proxy"));
	if (r->status >= 500 || r->status == 0)
		json_object_set_new(tags, "error", json_string("true"));
	json_object_set_new(span, "tags", tags);
	json_array_append_new(z->pending, span);
	if (json_array_size(z->pending) >= ZIPKIN_BATCH_MAX)
		gw_zipkin_flush(z);
}

void
gw_zipkin_flush(struct gw_zipkin *z)
{
	struct zipkin_batch *b;
	size_t n;

	if (z->pending == NULL || json_array_size(z->pending) == 0)
		return;
	n = json_array_size(z->pending);
	b = calloc(1, sizeof(*b));
	if (b != NULL)
		b->body = json_dumps(z->pending, JSON_COMPACT);
	json_decref(z->pending);
	z->pending = NULL;
	if (b == NULL || b->body == NULL) {
		if (b != NULL)
			free(b);
		z->spans_dropped += n;
		return;
	}
	b->n_spans = n;
	pthread_mutex_lock(&z->lock);
	if (z->queued >= ZIPKIN_QUEUE_MAX) {
		pthread_mutex_unlock(&z->lock);
		z->spans_dropped += n;
		free(b->body);
		free(b);
		return;
	}
	if (z->tail != NULL)
		z->tail->next = b;
	else
		z->head = b;
	z->tail = b;
	z->queued++;
	pthread_cond_signal(&z->cond);
	pthread_mutex_unlock(&z->lock);
}

/* POST one batch; true when the collector answered 2xx. */
static bool
post(const struct gw_zipkin *z, const char *body)
{
	struct timeval tv = { ZIPKIN_TIMEOUT_S, 0 };
	char head[256], ip[20], resp[64];
	size_t blen = strlen(body), off;
	int fd, hl, n;
	bool ok = false;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&z->to, sizeof(z->to)) < 0)
		goto out;
	ipv4_str(ip, sizeof(ip), ntohl(z->to.sin_addr.s_addr));
	hl = snprintf(head, sizeof(head),
		      "POST /api/v2/spans HTTP/1.1\r\nHost: %s:%u\r\n"
		      "Content-Type: application/json\r\n"
		      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		      ip, ntohs(z->to.sin_port), blen);
	if (send(fd, head, (size_t)hl, MSG_NOSIGNAL) != hl)
		goto out;
	for (off = 0; off < blen; off += (size_t)n) {
		n = (int)send(fd, body + off, blen - off, MSG_NOSIGNAL);
		if (n <= 0)
			goto out;
	}
	n = (int)recv(fd, resp, sizeof(resp) - 1, 0);
	if (n >= 12) {
		resp[n] = '\0';
		/* "HTTP/1.1 202 Accepted" */
		ok = strncmp(resp, "HTTP/1.", 7) == 0 && resp[9] == '2';
	}
out:
	close(fd);
	return ok;
}

static void *
exporter(void *arg)
{
	struct gw_zipkin *z = arg;

	pthread_mutex_lock(&z->lock);
	for (;;) {
		struct zipkin_batch *b;

		while (z->head == NULL && !z->stop)
			pthread_cond_wait(&z->cond, &z->lock);
		b = z->head;
		if (b == NULL)
			break;	/* stopped, and nothing left */
		z->head = b->next;
		if (z->head == NULL)
			z->tail = NULL;
		z->queued--;
		pthread_mutex_unlock(&z->lock);
		if (post(z, b->body))
			__atomic_add_fetch(&z->spans_sent, b->n_spans,
					   __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(&z->spans_failed, b->n_spans,
					   __ATOMIC_RELAXED);
		free(b->body);
		free(b);
		pthread_mutex_lock(&z->lock);
	}
	pthread_mutex_unlock(&z->lock);
	return NULL;
}

int
gw_zipkin_create(uint32_t addr, uint16_t port, struct gw_zipkin **out,
		 char *err, size_t errlen)
{
	struct gw_zipkin *z = calloc(1, sizeof(*z));
	int rc;

	*out = NULL;
	if (z == NULL) {
		snprintf(err, errlen, "out of memory for the span exporter");
		return -ENOMEM;
	}
	z->to.sin_family = AF_INET;
	z->to.sin_addr.s_addr = htonl(addr);
	z->to.sin_port = htons(port);
	pthread_mutex_init(&z->lock, NULL);
	pthread_cond_init(&z->cond, NULL);
	rc = pthread_create(&z->thread, NULL, exporter, z);
	if (rc != 0) {
		snprintf(err, errlen, "span exporter thread: %s",
			 strerror(rc));
		pthread_mutex_destroy(&z->lock);
		pthread_cond_destroy(&z->cond);
		free(z);
		return -rc;
	}
	*out = z;
	return 0;
}

void
gw_zipkin_counts(const struct gw_zipkin *z, uint64_t *sent,
		 uint64_t *failed, uint64_t *dropped)
{
	*sent = __atomic_load_n(&z->spans_sent, __ATOMIC_RELAXED);
	*failed = __atomic_load_n(&z->spans_failed, __ATOMIC_RELAXED);
	*dropped = z->spans_dropped;
}

void
gw_zipkin_free(struct gw_zipkin *z)
{
	if (z == NULL)
		return;
	gw_zipkin_flush(z);
	pthread_mutex_lock(&z->lock);
	z->stop = true;
	pthread_cond_signal(&z->cond);
	pthread_mutex_unlock(&z->lock);
	/* what is queued is sent first (each post is bounded in time) */
	pthread_join(z->thread, NULL);
	pthread_mutex_destroy(&z->lock);
	pthread_cond_destroy(&z->cond);
	free(z);
}
