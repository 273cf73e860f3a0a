/* SPDX-License-Identifier: Apache-2.0 */
/*
 * istio — Istio's standard metrics in /stats/prometheus, with the labels
 * Istio's proxy gives them when it reports as a gateway
 * (reporter="source"): the workers' series tables merged by key (the same
 * destination, protocol, code, gRPC status and flags on two workers is one
 * series), the source_* labels from spec.telemetry.workload, the
 * destination_* ones from the destination registry. Cardinality is bounded
 * by the tables (GW_PROXY_SERIES_MAX per worker). Control thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_proxy.h"
#include "gw_stats.h"

/* One merged series. */
struct istio_row {
	uint64_t key;
	struct gw_proxy_series sum;
};

static inline uint64_t
rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void
series_add(struct gw_proxy_series *d, const struct gw_proxy_series *s)
{
	unsigned i;

	d->requests += rd(&s->requests);
	d->dur_sum_us += rd(&s->dur_sum_us);
	d->rq_bytes_sum += rd(&s->rq_bytes_sum);
	d->rs_bytes_sum += rd(&s->rs_bytes_sum);
	for (i = 0; i < GW_PROXY_HIST; i++) {
		d->dur[i] += rd(&s->dur[i]);
		d->rq_bytes[i] += rd(&s->rq_bytes[i]);
		d->rs_bytes[i] += rd(&s->rs_bytes[i]);
	}
	d->tcp_opened += rd(&s->tcp_opened);
	d->tcp_closed += rd(&s->tcp_closed);
	d->tcp_rx += rd(&s->tcp_rx);
	d->tcp_tx += rd(&s->tcp_tx);
}

static int
row_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct istio_row *)a)->key;
	uint64_t y = ((const struct istio_row *)b)->key;

	return x < y ? -1 : x > y;
}

/* Every worker's series, merged by key and sorted. */
static struct istio_row *
rows_collect(const struct gw_dp *dp, size_t *n_out, uint64_t *overflow)
{
	struct istio_row *rows;
	size_t n = 0, used = 0, i, k;
	unsigned w;

	*overflow = 0;
	/* room for the slots in use now and some the workers may take
	 * meanwhile (more than that wait for the next reading) */
	for (w = 0; w < dp->n_workers; w++) {
		uint64_t of;
		const struct gw_proxy_series *t =
			gw_proxy_series(dp->workers[w], &of);

		for (i = 0; t != NULL && i < GW_PROXY_SERIES_MAX; i++)
			used += __atomic_load_n(&t[i].key, __ATOMIC_RELAXED) != 0;
	}
	used += 64 * (size_t)dp->n_workers;
	rows = calloc(used, sizeof(*rows));
	if (rows == NULL)
		return NULL;
	for (w = 0; w < dp->n_workers; w++) {
		uint64_t of = 0;
		const struct gw_proxy_series *t =
			gw_proxy_series(dp->workers[w], &of);

		*overflow += of;
		for (i = 0; t != NULL && i < GW_PROXY_SERIES_MAX; i++) {
			uint64_t key = __atomic_load_n(&t[i].key,
						       __ATOMIC_ACQUIRE);

			if (key == 0 || n == used)
				continue;
			rows[n].key = key;
			series_add(&rows[n].sum, &t[i]);
			n++;
		}
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	for (i = 0, k = 0; i < n; i++) {
		if (k > 0 && rows[k - 1].key == rows[i].key) {
			series_add(&rows[k - 1].sum, &rows[i].sum);
			continue;
		}
		if (k != i)
			rows[k] = rows[i];
		k++;
	}
	*n_out = k;
	return rows;
}

/* Istio's label set for a series, in Istio's order. */
#define ISTIO_LABELS 25

struct istio_labels {
	const char *l[2 * ISTIO_LABELS + 1];
	char code[8];
	char grpc[8];
	char flags[96];
	char canon_src[GW_CONFIG_NAME_MAX + 1];
};

static void
labels_make(struct istio_labels *L, const struct gw_config_telemetry *t,
	    const struct gw_proxy_dest *d, uint64_t key, bool tcp)
{
	static const struct gw_proxy_dest unknown = {
		"unknown", "unknown", "unknown", "unknown", "unknown", "unknown"
	};
	unsigned proto = GW_SERIES_PROTO(key), grpc = GW_SERIES_GRPC(key);
	size_t n = 0;

	if (d == NULL)
		d = &unknown;
	snprintf(L->code, sizeof(L->code), "%u", GW_SERIES_CODE(key));
	if (grpc == GW_SERIES_GRPC_NONE)
		L->grpc[0] = '\0';
	else
		snprintf(L->grpc, sizeof(L->grpc), "%u", grpc);
	gw_alog_flags_str(GW_SERIES_FLAGS(key), L->flags, sizeof(L->flags));
	snprintf(L->canon_src, sizeof(L->canon_src), "%s",
		 t->app[0] != '\0' ? t->app : t->workload);
#define LABEL(k, v)                                                            \
	do {                                                                   \
		L->l[n++] = (k);                                               \
		L->l[n++] = (v);                                               \
	} while (0)
	LABEL("reporter", "source");
	LABEL("source_workload", t->workload);
	LABEL("source_canonical_service", L->canon_src);
	LABEL("source_canonical_revision",
	      strcmp(t->version, "unknown") != 0 ? t->version : "latest");
	LABEL("source_workload_namespace", t->ns);
	LABEL("source_principal", "unknown");
	LABEL("source_app", t->app[0] != '\0' ? t->app : t->workload);
	LABEL("source_version", t->version);
	LABEL("source_cluster", t->cluster);
	LABEL("destination_workload", "unknown");
	LABEL("destination_workload_namespace", "unknown");
	LABEL("destination_principal", "unknown");
	LABEL("destination_app", d->app);
	LABEL("destination_version", d->version);
	LABEL("destination_service", d->service);
	LABEL("destination_canonical_service", "unknown");
	LABEL("destination_canonical_revision", "latest");
	LABEL("destination_service_name", d->name);
	LABEL("destination_service_namespace", d->ns);
	LABEL("destination_cluster", "unknown");
	LABEL("request_protocol", tcp ? "tcp" :
				  proto == GW_SERIES_GRPC ? "grpc" : "http");
	if (!tcp) {
		LABEL("response_code", L->code);
		LABEL("grpc_response_status", L->grpc);
	}
	LABEL("response_flags", L->flags);
	LABEL("connection_security_policy", "unknown");
#undef LABEL
	L->l[n] = NULL;
}

enum istio_family {
	F_REQUESTS,
	F_DURATION,
	F_RQ_BYTES,
	F_RS_BYTES,
	F_TCP_SENT,
	F_TCP_RECEIVED,
	F_TCP_OPENED,
	F_TCP_CLOSED,
	F_MAX
};

static const struct {
	const char *name;
	enum gw_metrics_type type;
	bool tcp;
	const char *help;
} families[F_MAX] = {
	[F_REQUESTS] = { "istio_requests_total", GW_METRICS_COUNTER, false,
			 "Requests the gateway handled." },
	[F_DURATION] = { "istio_request_duration_milliseconds",
			 GW_METRICS_HISTOGRAM, false,
			 "Request durations: the first request byte to the "
			 "last response byte queued." },
	[F_RQ_BYTES] = { "istio_request_bytes", GW_METRICS_HISTOGRAM, false,
			 "Request sizes: head and body as received." },
	[F_RS_BYTES] = { "istio_response_bytes", GW_METRICS_HISTOGRAM, false,
			 "Response sizes: head and body as sent." },
	[F_TCP_SENT] = { "istio_tcp_sent_bytes_total", GW_METRICS_COUNTER,
			 true, "Bytes sent to clients on TCP connections." },
	[F_TCP_RECEIVED] = { "istio_tcp_received_bytes_total",
			     GW_METRICS_COUNTER, true,
			     "Bytes received from clients on TCP "
			     "connections." },
	[F_TCP_OPENED] = { "istio_tcp_connections_opened_total",
			   GW_METRICS_COUNTER, true,
			   "TCP connections opened." },
	[F_TCP_CLOSED] = { "istio_tcp_connections_closed_total",
			   GW_METRICS_COUNTER, true,
			   "TCP connections closed." },
};

static void
row_sample(struct gw_metrics_buf *b, enum istio_family f,
	   const struct istio_row *r, const char *const *l)
{
	const struct gw_proxy_series *s = &r->sum;

	switch (f) {
	case F_REQUESTS:
		gw_metrics_sample_u64(b, families[f].name, l, s->requests);
		break;
	case F_DURATION:
		gw_metrics_histogram(b, families[f].name, l,
				     gw_metrics_envoy_bounds,
				     GW_METRICS_ENVOY_BUCKETS, s->dur,
				     (double)s->dur_sum_us / 1000.0);
		break;
	case F_RQ_BYTES:
		gw_metrics_histogram(b, families[f].name, l,
				     gw_metrics_envoy_bounds,
				     GW_METRICS_ENVOY_BUCKETS, s->rq_bytes,
				     (double)s->rq_bytes_sum);
		break;
	case F_RS_BYTES:
		gw_metrics_histogram(b, families[f].name, l,
				     gw_metrics_envoy_bounds,
				     GW_METRICS_ENVOY_BUCKETS, s->rs_bytes,
				     (double)s->rs_bytes_sum);
		break;
	case F_TCP_SENT:
		gw_metrics_sample_u64(b, families[f].name, l, s->tcp_tx);
		break;
	case F_TCP_RECEIVED:
		gw_metrics_sample_u64(b, families[f].name, l, s->tcp_rx);
		break;
	case F_TCP_OPENED:
		gw_metrics_sample_u64(b, families[f].name, l, s->tcp_opened);
		break;
	case F_TCP_CLOSED:
		gw_metrics_sample_u64(b, families[f].name, l, s->tcp_closed);
		break;
	default:
		break;
	}
}

void
gw_stats_istio_prometheus(const struct gw_ctrl *c, struct gw_metrics_buf *b)
{
	const struct gw_dp *dp = c->dp;
	const struct gw_config_telemetry *t;
	struct istio_row *rows;
	uint64_t overflow;
	size_t n, i;
	unsigned f;

	if (dp == NULL || dp->cfg == NULL || !dp->cfg->telemetry.metrics)
		return;
	t = &dp->cfg->telemetry;
	rows = rows_collect(dp, &n, &overflow);
	if (rows == NULL) {
		b->err = -ENOMEM;
		return;
	}
	for (f = 0; f < F_MAX; f++) {
		bool any = false;

		for (i = 0; i < n; i++) {
			struct istio_labels L;
			bool tcp = GW_SERIES_PROTO(rows[i].key) ==
				   GW_SERIES_TCP;

			if (tcp != families[f].tcp)
				continue;
			if (!any)
				gw_metrics_family(b, families[f].name,
						  families[f].type,
						  families[f].help);
			any = true;
			labels_make(&L, t,
				    gw_proxy_dest(dp,
						  GW_SERIES_DEST(rows[i].key)),
				    rows[i].key, tcp);
			row_sample(b, (enum istio_family)f, &rows[i], L.l);
		}
	}
	free(rows);
	gw_metrics_family(b, "meshgw_istio_series_overflow_total",
			  GW_METRICS_COUNTER,
			  "Requests and connections not in Istio's metrics: "
			  "a worker's series table was full.");
	gw_metrics_sample_u64(b, "meshgw_istio_series_overflow_total", NULL,
			      overflow);
}

json_t *
gw_stats_istio_json(const struct gw_ctrl *c)
{
	const struct gw_dp *dp = c->dp;
	uint64_t lat[GW_PROXY_HIST] = { 0 }, overflow;
	json_t *doc, *le, *counts, *by;
	struct istio_row *rows;
	size_t n, i;
	unsigned k;

	rows = rows_collect(dp, &n, &overflow);
	doc = json_object();
	le = json_array();
	counts = json_array();
	by = json_object();
	if (rows == NULL || doc == NULL || le == NULL || counts == NULL ||
	    by == NULL) {
		free(rows);
		json_decref(doc);
		json_decref(le);
		json_decref(counts);
		json_decref(by);
		return NULL;
	}
	/* rows are sorted by key, whose top bits are the destination: a
	 * destination's rows are adjacent */
	for (i = 0; i < n;) {
		uint16_t dest = GW_SERIES_DEST(rows[i].key);
		const struct gw_proxy_dest *d = gw_proxy_dest(dp, dest);
		uint64_t rq = 0, err = 0, cx = 0;

		for (; i < n && GW_SERIES_DEST(rows[i].key) == dest; i++) {
			const struct gw_proxy_series *s = &rows[i].sum;
			unsigned code = GW_SERIES_CODE(rows[i].key);

			cx += s->tcp_opened;
			if (GW_SERIES_PROTO(rows[i].key) == GW_SERIES_TCP)
				continue;
			for (k = 0; k < GW_PROXY_HIST; k++)
				lat[k] += s->dur[k];
			rq += s->requests;
			err += code >= 500 || code == 0 ? s->requests : 0;
		}
		json_object_set_new(by, d != NULL ? d->cluster : "unknown",
				    json_pack("{s:I, s:I, s:I}", "requests",
					      (json_int_t)rq, "errors",
					      (json_int_t)err,
					      "tcp_connections",
					      (json_int_t)cx));
	}
	free(rows);
	for (k = 0; k < GW_METRICS_ENVOY_BUCKETS; k++)
		json_array_append_new(le, json_real(gw_metrics_envoy_bounds[k]));
	for (k = 0; k < GW_PROXY_HIST; k++)
		json_array_append_new(counts, json_integer((json_int_t)lat[k]));
	json_object_set_new(doc, "latency_le_ms", le);
	json_object_set_new(doc, "latency_counts", counts);
	json_object_set_new(doc, "by_cluster", by);
	json_object_set_new(doc, "series_overflow",
			    json_integer((json_int_t)overflow));
	return doc;
}
