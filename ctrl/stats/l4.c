/* SPDX-License-Identifier: Apache-2.0 */
/*
 * l4 — the full NAT's counters (dataplane/nat_lb) summed over the
 * workers, with packets and bytes per endpoint, for /api/v1/status
 * ("l4") and /stats/prometheus (meshgw_l4_*). Control thread only.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "gw_nat.h"
#include "gw_stats.h"

static inline uint64_t
rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* One endpoint's counts over every worker. */
struct l4_ep {
	uint32_t addr;
	uint16_t port;
	uint64_t v[5];	/* to packets, to bytes, from packets, from bytes,
			 * flows */
};

/* Sum the workers' endpoint slots into out (at most max). @return how
 * many endpoints; false in *any when no worker has a table. */
static size_t
l4_endpoints(const struct gw_dp *dp, struct l4_ep *out, size_t max,
	     bool *any)
{
	size_t n = 0, j;
	unsigned w, i;

	*any = false;
	for (w = 0; w < dp->n_workers; w++) {
		const struct gw_nat_ep_stats *e =
			gw_nat_ep_stats_get(dp->workers[w]);

		if (e == NULL)
			continue;
		*any = true;
		for (i = 0; i < GW_NAT_EP_SLOTS; i++) {
			if (!__atomic_load_n(&e[i].used, __ATOMIC_ACQUIRE) &&
			    i != GW_NAT_EP_SLOTS - 1)
				continue;
			if (i == GW_NAT_EP_SLOTS - 1 &&
			    rd(&e[i].to_packets) + rd(&e[i].from_packets) == 0)
				continue;	/* the overflow slot, unused */
			for (j = 0; j < n; j++)
				if (out[j].addr == e[i].addr &&
				    out[j].port == e[i].port)
					break;
			if (j == n) {
				if (n == max)
					continue;
				memset(&out[n], 0, sizeof(out[n]));
				out[n].addr = e[i].addr;
				out[n].port = e[i].port;
				n++;
			}
			out[j].v[0] += rd(&e[i].to_packets);
			out[j].v[1] += rd(&e[i].to_bytes);
			out[j].v[2] += rd(&e[i].from_packets);
			out[j].v[3] += rd(&e[i].from_bytes);
			out[j].v[4] += rd(&e[i].flows);
		}
	}
	return n;
}

static void
ep_name(const struct l4_ep *e, char *buf, size_t len)
{
	if (e->addr == 0 && e->port == 0) {
		snprintf(buf, len, "other");	/* the overflow slot */
		return;
	}
	snprintf(buf, len, "%u.%u.%u.%u:%u", e->addr >> 24,
		 (e->addr >> 16) & 0xff, (e->addr >> 8) & 0xff, e->addr & 0xff,
		 e->port);
}

/* The summed counters; false when no worker has a table. */
static bool
l4_sum(const struct gw_dp *dp, struct gw_nat_stats *s)
{
	bool any = false;
	unsigned w;

	memset(s, 0, sizeof(*s));
	for (w = 0; w < dp->n_workers; w++) {
		const struct gw_nat_stats *ns = gw_nat_stats_get(dp->workers[w]);

		if (ns == NULL)
			continue;
		any = true;
#define SUM(f, help) s->f += rd(&ns->f);
		GW_NAT_STATS(SUM)
#undef SUM
	}
	return any;
}

json_t *
gw_stats_l4_json(const struct gw_dp *dp)
{
	static struct l4_ep eps[GW_NAT_EP_SLOTS * 2];
	struct gw_nat_stats s;
	json_t *o, *arr;
	size_t n, i;
	bool any;
	char name[32];

	if (!l4_sum(dp, &s))
		return NULL;
	o = json_object();
#define JS(f, help) json_object_set_new(o, #f, json_integer((json_int_t)s.f));
	GW_NAT_STATS(JS)
#undef JS
	arr = json_array();
	n = l4_endpoints(dp, eps, sizeof(eps) / sizeof(eps[0]), &any);
	for (i = 0; i < n; i++) {
		ep_name(&eps[i], name, sizeof(name));
		json_array_append_new(arr, json_pack(
			"{s:s, s:I, s:I, s:I, s:I, s:I}", "endpoint", name,
			"to_packets", (json_int_t)eps[i].v[0],
			"to_bytes", (json_int_t)eps[i].v[1],
			"from_packets", (json_int_t)eps[i].v[2],
			"from_bytes", (json_int_t)eps[i].v[3],
			"flows", (json_int_t)eps[i].v[4]));
	}
	json_object_set_new(o, "endpoints", arr);
	return o;
}

void
gw_stats_l4_prometheus(const struct gw_dp *dp, struct gw_metrics_buf *b)
{
	static struct l4_ep eps[GW_NAT_EP_SLOTS * 2];
	static const struct {
		const char *name, *help, *dir;
		unsigned k;
	} per_ep[] = {
		{ "meshgw_l4_endpoint_packets_total",
		  "Full-NAT packets per endpoint and direction.", "to", 0 },
		{ "meshgw_l4_endpoint_packets_total", NULL, "from", 2 },
		{ "meshgw_l4_endpoint_bytes_total",
		  "Full-NAT bytes (IP) per endpoint and direction.", "to", 1 },
		{ "meshgw_l4_endpoint_bytes_total", NULL, "from", 3 },
		{ "meshgw_l4_endpoint_flows_total",
		  "Full-NAT flows created per endpoint.", NULL, 4 },
	};
	struct gw_nat_stats s;
	size_t n, i, k;
	bool any;
	char name[32];

	if (!l4_sum(dp, &s))
		return;
#define PROM(f, help)                                                          \
	{                                                                      \
		bool g = strcmp(#f, "flows_active") == 0;                      \
		const char *nm = g ? "meshgw_l4_" #f : "meshgw_l4_" #f "_total"; \
		gw_metrics_family(b, nm, g ? GW_METRICS_GAUGE :                \
					     GW_METRICS_COUNTER, help);        \
		gw_metrics_sample_u64(b, nm, NULL, s.f);                       \
	}
	GW_NAT_STATS(PROM)
#undef PROM
	n = l4_endpoints(dp, eps, sizeof(eps) / sizeof(eps[0]), &any);
	for (k = 0; k < sizeof(per_ep) / sizeof(per_ep[0]); k++) {
		if (per_ep[k].help != NULL)
			gw_metrics_family(b, per_ep[k].name,
					  GW_METRICS_COUNTER, per_ep[k].help);
		for (i = 0; i < n; i++) {
			const char *labels[] = { "endpoint", name,
						 per_ep[k].dir != NULL ?
						 "direction" : NULL,
						 per_ep[k].dir, NULL };

			ep_name(&eps[i], name, sizeof(name));
			gw_metrics_sample_u64(b, per_ep[k].name, labels,
					      eps[i].v[per_ep[k].k]);
		}
	}
}
