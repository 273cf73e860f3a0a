/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/health shared state: built on the control thread, changed by
 * probes (workers), outlier detection (workers ask, ctrl decides) and the
 * operator (ctrl), read by every pick through a generation number.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "gw_worker.h"
#include "health_priv.h"

RTE_LOG_REGISTER_SUFFIX(gw_health_logtype, health, INFO);

static uint64_t
now_ms(const struct gw_health *h)
{
	return rte_rdtsc() / h->tsc_per_ms;
}

/* ---- flags and bitmaps -------------------------------------------------- */

/*
 * Make endpoint ep's bits say what its flags say. Several threads may
 * change the flags at once (a prober, ctrl); each re-reads them after
 * writing the bits and goes again if they moved, so the last writer
 * leaves the bits matching the flags.
 */
static void
ep_bits_sync(struct gw_health_cluster *c, uint32_t ep)
{
	uint64_t bit = UINT64_C(1) << (ep % 64);
	uint32_t w = ep / 64, f;

	do {
		f = __atomic_load_n(&c->eps[ep].flags, __ATOMIC_ACQUIRE);
		if (f & GW_HEALTH_F_UNHEALTHY)
			__atomic_fetch_and(&c->up[w], ~bit, __ATOMIC_ACQ_REL);
		else
			__atomic_fetch_or(&c->up[w], bit, __ATOMIC_ACQ_REL);
		if (f & GW_HEALTH_F_ADMIN)
			__atomic_fetch_and(&c->admin[w], ~bit,
					   __ATOMIC_ACQ_REL);
		else
			__atomic_fetch_or(&c->admin[w], bit, __ATOMIC_ACQ_REL);
	} while (__atomic_load_n(&c->eps[ep].flags, __ATOMIC_ACQUIRE) != f);
}

void
health_ep_flags(struct gw_health_cluster *c, uint32_t ep, uint32_t set,
		uint32_t clear)
{
	struct gw_health_ep *e = &c->eps[ep];

	if (set != 0)
		__atomic_fetch_or(&e->flags, set, __ATOMIC_ACQ_REL);
	if (clear != 0)
		__atomic_fetch_and(&e->flags, ~clear, __ATOMIC_ACQ_REL);
	ep_bits_sync(c, ep);
	__atomic_fetch_add(&c->gen, 1, __ATOMIC_RELEASE);
}

uint32_t
gw_health_avail(const struct gw_health_cluster *c, uint64_t *buf,
		const uint64_t **out, bool *panic)
{
	uint32_t n_admin = 0, n_ok = 0, w;

	for (w = 0; w < c->words; w++) {
		uint64_t a = __atomic_load_n(&c->admin[w], __ATOMIC_RELAXED);
		uint64_t u = __atomic_load_n(&c->up[w], __ATOMIC_RELAXED);

		if (w == c->words - 1 && c->n % 64 != 0)
			a &= (UINT64_C(1) << (c->n % 64)) - 1;
		n_admin += (uint32_t)__builtin_popcountll(a);
		n_ok += (uint32_t)__builtin_popcountll(a & u);
		buf[w] = a & u;
	}
	*panic = false;
	if (n_admin > 0 &&
	    (uint64_t)n_ok * 100 < (uint64_t)c->panic_percent * n_admin) {
		/* too few healthy: every endpoint in service gets traffic */
		*panic = true;
		for (w = 0; w < c->words; w++)
			buf[w] = __atomic_load_n(&c->admin[w],
						 __ATOMIC_RELAXED);
		n_ok = n_admin;
	}
	*out = n_ok == c->n ? NULL : buf;
	return n_ok;
}

bool
gw_health_panic(const struct gw_health_cluster *c)
{
	uint64_t buf[GW_LB_AVAIL_WORDS(256)];
	const uint64_t *out;
	bool panic = false;

	if (c->words <= sizeof(buf) / sizeof(buf[0]))
		(void)gw_health_avail(c, buf, &out, &panic);
	return panic;
}

void
gw_health_outcome_error(struct gw_health_cluster *c, uint32_t ep,
			bool gateway)
{
	const struct gw_mesh_outlier *o = &c->mc->outlier;
	struct gw_health_ep *e = &c->eps[ep];
	bool reached = false;
	uint32_t n;

	n = __atomic_add_fetch(&e->consec_5xx, 1, __ATOMIC_RELAXED);
	if (o->consecutive_5xx != 0 && n == o->consecutive_5xx)
		reached = true;
	if (gateway) {
		n = __atomic_add_fetch(&e->consec_gw, 1, __ATOMIC_RELAXED);
		if (o->consecutive_gateway != 0 &&
		    n == o->consecutive_gateway)
			reached = true;
	} else if (__atomic_load_n(&e->consec_gw, __ATOMIC_RELAXED) != 0) {
		/* a 500 or 501 ends a run of gateway errors (Envoy) */
		__atomic_store_n(&e->consec_gw, 0, __ATOMIC_RELAXED);
	}
	if (reached) {
		/* ctrl decides within a tick: maxEjectionPercent is global */
		__atomic_store_n(&e->eject_req, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&c->outlier_req, 1, __ATOMIC_RELEASE);
	}
}

/* ---- outlier detection (ctrl) ------------------------------------------- */

static void
ep_name(const struct gw_health_cluster *c, uint32_t ep, char *buf,
	size_t len)
{
	const struct gw_mesh_endpoint *e = &c->mc->endpoints[ep];

	snprintf(buf, len, "%u.%u.%u.%u:%u", e->addr >> 24,
		 (e->addr >> 16) & 0xff, (e->addr >> 8) & 0xff, e->addr & 0xff,
		 e->port);
}

static void
outlier_eject(struct gw_health_cluster *c, uint32_t ep, uint64_t now)
{
	const struct gw_mesh_outlier *o = &c->mc->outlier;
	struct gw_health_ep *e = &c->eps[ep];
	uint64_t dur, cap;
	uint32_t i, ejected = 0;
	char name[32];

	if (__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) & GW_HEALTH_F_EJECTED)
		return;
	for (i = 0; i < c->n; i++)
		if (__atomic_load_n(&c->eps[i].flags, __ATOMIC_RELAXED) &
		    GW_HEALTH_F_EJECTED)
			ejected++;
	/* Envoy: at least one, whatever the percentage */
	if (ejected > 0 &&
	    (uint64_t)(ejected + 1) * 100 >
	    (uint64_t)o->max_ejection_percent * c->n) {
		c->ejections_overflow++;
		return;
	}
	e->ejections++;
	dur = (uint64_t)o->base_ejection_ms * e->ejections;
	cap = o->base_ejection_ms > GW_MESH_OUTLIER_MAX_EJECTION_TIME_MS ?
		o->base_ejection_ms : GW_MESH_OUTLIER_MAX_EJECTION_TIME_MS;
	if (dur > cap)
		dur = cap;
	e->ejected_until_ms = now + dur;
	__atomic_store_n(&e->consec_5xx, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&e->consec_gw, 0, __ATOMIC_RELAXED);
	health_ep_flags(c, ep, GW_HEALTH_F_EJECTED, 0);
	__atomic_fetch_add(&e->ejections_total, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&e->transitions, 1, __ATOMIC_RELAXED);
	c->ejections_total++;
	ep_name(c, ep, name, sizeof(name));
	GW_HEALTH_LOG(NOTICE, "%s: endpoint %s ejected for %" PRIu64 " ms "
		      "(ejection %u)\n", c->mc->name, name, dur, e->ejections);
}

static void
outlier_tick(struct gw_health_cluster *c, uint64_t now)
{
	const struct gw_mesh_outlier *o = &c->mc->outlier;
	bool decay = now >= c->next_decay_ms;
	uint32_t i;

	if (__atomic_exchange_n(&c->outlier_req, 0, __ATOMIC_ACQ_REL) != 0) {
		for (i = 0; i < c->n; i++)
			if (__atomic_exchange_n(&c->eps[i].eject_req, 0,
						__ATOMIC_ACQ_REL) != 0)
				outlier_eject(c, i, now);
	}
	for (i = 0; i < c->n; i++) {
		struct gw_health_ep *e = &c->eps[i];
		uint32_t f = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
		char name[32];

		if ((f & GW_HEALTH_F_EJECTED) && now >= e->ejected_until_ms) {
			health_ep_flags(c, i, 0, GW_HEALTH_F_EJECTED);
			__atomic_fetch_add(&e->transitions, 1,
					   __ATOMIC_RELAXED);
			ep_name(c, i, name, sizeof(name));
			GW_HEALTH_LOG(NOTICE, "%s: endpoint %s back from "
				      "ejection\n", c->mc->name, name);
		} else if (decay && !(f & GW_HEALTH_F_EJECTED) &&
			   e->ejections > 0) {
			/* a healthy interval takes one off the multiplier */
			e->ejections--;
		}
	}
	if (decay)
		c->next_decay_ms = now + o->interval_ms;
}

static void
retired_tick(struct gw_health *h)
{
	size_t i = 0;

	while (i < h->n_retired) {
		if (rte_rcu_qsbr_check(h->dp->qsbr, h->retired[i].token,
				       false) == 1) {
			gw_lb_free(h->retired[i].lb);
			h->retired[i] = h->retired[--h->n_retired];
			continue;
		}
		i++;
	}
}

void
gw_health_tick(struct gw_health *h)
{
	uint64_t now;
	uint32_t i;

	if (h == NULL)
		return;
	now = now_ms(h);
	for (i = 0; i < h->n_clusters; i++)
		if (h->clusters[i].mc->outlier.enabled)
			outlier_tick(&h->clusters[i], now);
	if (h->n_retired > 0)
		retired_tick(h);
}

/* ---- the operator (ctrl) ------------------------------------------------- */

/* Replace the cluster's balancer with one where ep weighs weight. */
static int
lb_reweight(struct gw_health *h, struct gw_health_cluster *c, uint32_t ep,
	    uint32_t weight)
{
	struct gw_lb_endpoint *lbe;
	struct gw_lb *nlb = NULL;
	const struct gw_lb *old = c->lb;
	uint32_t i;
	int rc;

	if (c->n == 0 || old == NULL)
		return -ENOENT;
	if (h->n_retired == h->cap_retired) {
		size_t cap = h->cap_retired ? h->cap_retired * 2 : 8;
		struct health_retired *r = realloc(h->retired,
						   cap * sizeof(*r));

		if (r == NULL)
			return -ENOMEM;
		h->retired = r;
		h->cap_retired = cap;
	}
	lbe = calloc(c->n, sizeof(*lbe));
	if (lbe == NULL)
		return -ENOMEM;
	for (i = 0; i < c->n; i++) {
		lbe[i].id = c->mc->endpoints[i].lb_id;
		lbe[i].weight = i == ep ? weight : c->eps[i].weight;
	}
	rc = gw_lb_create(&c->mc->lb_conf, lbe, c->n, &nlb);
	free(lbe);
	if (rc < 0)
		return rc;
	/* workers reuse their pick state: it must fit */
	if (gw_lb_state_size(nlb) > gw_lb_state_size_max(c->n)) {
		gw_lb_free(nlb);
		return -EINVAL;
	}
	c->eps[ep].weight = weight;
	__atomic_store_n(&c->lb, nlb, __ATOMIC_RELEASE);
	__atomic_fetch_add(&c->gen, 1, __ATOMIC_RELEASE);
	if (c->lb_owned) {
		/* no worker may still read it after a grace period */
		h->retired[h->n_retired].lb = (struct gw_lb *)(uintptr_t)old;
		h->retired[h->n_retired].token =
			rte_rcu_qsbr_start(h->dp->qsbr);
		h->n_retired++;
	}
	c->lb_owned = true;
	return 0;
}

int
gw_health_endpoint_set(struct gw_health *h, uint32_t ci, uint32_t ep,
		       enum gw_health_admin admin, uint32_t weight)
{
	struct gw_health_cluster *c = gw_health_cluster_get(h, ci);
	char name[32];
	int rc;

	if (c == NULL || ep >= c->n)
		return -ENOENT;
	if (weight > GW_LB_WEIGHT_MAX)
		return -EINVAL;
	if (weight != 0 && weight != c->eps[ep].weight) {
		rc = lb_reweight(h, c, ep, weight);
		if (rc < 0)
			return rc;
	}
	ep_name(c, ep, name, sizeof(name));
	switch (admin) {
	case GW_HEALTH_ADMIN_KEEP:
		break;
	case GW_HEALTH_ADMIN_READY:
		health_ep_flags(c, ep, 0, GW_HEALTH_F_ADMIN);
		break;
	case GW_HEALTH_ADMIN_DRAIN:
		health_ep_flags(c, ep, GW_HEALTH_F_DRAIN, GW_HEALTH_F_MAINT);
		break;
	case GW_HEALTH_ADMIN_MAINT:
		health_ep_flags(c, ep, GW_HEALTH_F_MAINT, GW_HEALTH_F_DRAIN);
		break;
	}
	GW_HEALTH_LOG(NOTICE, "%s: endpoint %s: admin %d, weight %u\n",
		      c->mc->name, name, (int)admin, c->eps[ep].weight);
	return 0;
}

/* ---- reading -------------------------------------------------------------- */

struct gw_health_cluster *
gw_health_cluster_get(struct gw_health *h, uint32_t i)
{
	if (h == NULL || i >= h->n_clusters)
		return NULL;
	return &h->clusters[i];
}

uint32_t
gw_health_cluster_count(const struct gw_health *h)
{
	return h != NULL ? h->n_clusters : 0;
}

void
gw_health_flags_format(uint32_t flags, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ GW_HEALTH_F_HC_FAILED, "/failed_active_hc" },
		{ GW_HEALTH_F_HC_PENDING, "/pending_active_hc" },
		{ GW_HEALTH_F_EJECTED, "/failed_outlier_check" },
		{ GW_HEALTH_F_DRAIN, "/drain" },
		{ GW_HEALTH_F_MAINT, "/maint" },
	};
	size_t i, off = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (flags == 0) {
		snprintf(buf, len, "healthy");
		return;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int n;

		if (!(flags & names[i].bit) || off >= len)
			continue;
		n = snprintf(buf + off, len - off, "%s", names[i].name);
		if (n > 0)
			off += (size_t)n;
	}
}

const char *
gw_health_hc_state_name(enum gw_health_hc_state s)
{
	switch (s) {
	case GW_HEALTH_HC_UNKNOWN:
		return "unknown";
	case GW_HEALTH_HC_HEALTHY:
		return "healthy";
	case GW_HEALTH_HC_UNHEALTHY:
		return "unhealthy";
	default:
		return "none";
	}
}

size_t
gw_health_target_count(const struct gw_health *h)
{
	return h != NULL ? h->n_targets : 0;
}

int
gw_health_target_info(const struct gw_health *h, size_t i,
		      struct gw_health_target_info *out)
{
	const struct health_target *t;

	if (h == NULL || i >= h->n_targets)
		return -ENOENT;
	t = &h->targets[i];
	out->check = t->hc->name;
	out->addr = t->addr;
	out->port = t->port;
	out->worker = t->worker;
	out->state = (enum gw_health_hc_state)__atomic_load_n(&t->state,
							    __ATOMIC_RELAXED);
	out->checks = __atomic_load_n(&t->checks, __ATOMIC_RELAXED);
	out->failures = __atomic_load_n(&t->failures, __ATOMIC_RELAXED);
	out->transitions = __atomic_load_n(&t->transitions,
					   __ATOMIC_RELAXED);
	return 0;
}

/* ---- set-up ----------------------------------------------------------- */

/* The probe target of (hc, addr, port); made when new. NULL: no memory. */
static struct health_target *
target_get(struct gw_health *h, const struct gw_mesh_health_check *hc,
	   uint32_t addr, uint16_t port)
{
	struct health_target *t;
	size_t i;

	/* linear: targets are set up once, and there are few */
	for (i = 0; i < h->n_targets; i++) {
		t = &h->targets[i];
		if (t->hc == hc && t->addr == addr && t->port == port)
			return t;
	}
	t = &h->targets[h->n_targets++];
	t->hc = hc;
	t->addr = addr;
	t->port = port;
	t->state = GW_HEALTH_HC_UNKNOWN;
	return t;
}

static int
target_ref_add(struct health_target *t, uint32_t cluster, uint32_t ep)
{
	struct health_ref *r = realloc(t->refs,
				       (t->n_refs + 1) * sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	t->refs = r;
	r[t->n_refs].cluster = cluster;
	r[t->n_refs].ep = ep;
	t->n_refs++;
	return 0;
}

/* The HTTP request of an HTTP check, made once. */
static int
target_request(struct gw_health *h, struct health_target *t, char *err,
	       size_t errlen)
{
	const struct gw_mesh_health_check *hc = t->hc;
	const char *auth = hc->authority != NULL ? hc->authority :
		h->clusters[t->refs[0].cluster].mc->host;
	int n;

	if (hc->kind != GW_MESH_HC_HTTP)
		return 0;
	n = asprintf(&t->req, "GET %s HTTP/1.1\r\nHost: %s\r\n"
		     "User-Agent: meshgw-health-check\r\nAccept: */*\r\n"
		     "Connection: close\r\n\r\n",
		     hc->path != NULL ? hc->path : "/", auth);
	if (n < 0) {
		t->req = NULL;
		snprintf(err, errlen, "out of memory for health checks");
		return -ENOMEM;
	}
	if (n > HEALTH_PROBE_REQ_MAX) {
		snprintf(err, errlen, "HealthCheck %s: the probe request "
			 "takes %d bytes, more than %d (path or host too long)",
			 hc->name, n, HEALTH_PROBE_REQ_MAX);
		return -EINVAL;
	}
	t->req_len = (uint32_t)n;
	return 0;
}

static int
cluster_init(struct gw_health_cluster *c, const struct gw_mesh_cluster *mc)
{
	uint32_t i;

	c->mc = mc;
	c->n = mc->n_endpoints;
	c->words = (uint32_t)GW_LB_AVAIL_WORDS(c->n ? c->n : 1);
	c->panic_percent = mc->panic_percent;
	c->lb = mc->lb;
	c->up = rte_zmalloc("gw_health_up", c->words * sizeof(uint64_t),
			    RTE_CACHE_LINE_SIZE);
	c->admin = rte_zmalloc("gw_health_admin", c->words * sizeof(uint64_t),
			       RTE_CACHE_LINE_SIZE);
	c->eps = rte_zmalloc("gw_health_ep", (c->n + 1) * sizeof(*c->eps),
			     RTE_CACHE_LINE_SIZE);
	if (c->up == NULL || c->admin == NULL || c->eps == NULL)
		return -ENOMEM;
	for (i = 0; i < c->n; i++) {
		struct gw_health_ep *e = &c->eps[i];

		e->weight = mc->endpoints[i].weight;
		if (mc->health_check != NULL) {
			/* unknown until the checks pass */
			e->flags = GW_HEALTH_F_HC_PENDING;
			e->hc_state = GW_HEALTH_HC_UNKNOWN;
		}
		ep_bits_sync(c, i);
	}
	return 0;
}

/* prev's cluster of the same name, NULL when none. */
static const struct gw_health_cluster *
prev_cluster(const struct gw_health *prev, uint32_t hint, const char *name)
{
	size_t i;

	if (prev == NULL)
		return NULL;
	i = gw_mesh_cluster_find(prev->mesh, name, hint);
	return i < prev->n_clusters ? &prev->clusters[i] : NULL;
}

/*
 * What the gateway knew of an endpoint goes on into the new state when
 * the cluster and the address stay: the operator's drain / maint, an
 * ejection under way, the active checks' verdict (when both have
 * checks), the counters; and a weight the operator set through the API,
 * unless the configuration changed that endpoint's weight itself.
 * @return whether a weight differs from the mesh's.
 */
static bool
cluster_carry(struct gw_health_cluster *c, const struct gw_health_cluster *o)
{
	bool reweigh = false;
	uint32_t i, k;

	for (i = 0; i < c->n; i++) {
		const struct gw_mesh_endpoint *e = &c->mc->endpoints[i];
		struct gw_health_ep *ne = &c->eps[i];

		for (k = 0; k < o->n; k++) {
			const struct gw_mesh_endpoint *oe = &o->mc->endpoints[k];
			const struct gw_health_ep *pe = &o->eps[k];
			uint32_t flags = __atomic_load_n(&pe->flags,
							 __ATOMIC_RELAXED);
			uint32_t keep = GW_HEALTH_F_ADMIN;

			if (oe->addr != e->addr || oe->port != e->port)
				continue;
			if (c->mc->outlier.enabled)
				keep |= GW_HEALTH_F_EJECTED;
			if (c->mc->health_check != NULL &&
			    o->mc->health_check != NULL) {
				keep |= GW_HEALTH_F_HC_PENDING |
					GW_HEALTH_F_HC_FAILED;
				ne->flags &= ~(uint32_t)(GW_HEALTH_F_HC_PENDING |
							 GW_HEALTH_F_HC_FAILED);
				ne->hc_state = __atomic_load_n(
					&pe->hc_state, __ATOMIC_RELAXED);
			}
			ne->flags |= flags & keep;
			if (ne->flags & GW_HEALTH_F_EJECTED) {
				ne->ejected_until_ms = pe->ejected_until_ms;
				ne->ejections = pe->ejections;
			}
			ne->ejections_total = __atomic_load_n(
				&pe->ejections_total, __ATOMIC_RELAXED);
			ne->hc_checks = __atomic_load_n(&pe->hc_checks,
							__ATOMIC_RELAXED);
			ne->hc_failures = __atomic_load_n(&pe->hc_failures,
							  __ATOMIC_RELAXED);
			ne->transitions = __atomic_load_n(&pe->transitions,
							  __ATOMIC_RELAXED);
			if (pe->weight != oe->weight && e->weight == oe->weight) {
				ne->weight = pe->weight;
				reweigh = true;
			}
			ep_bits_sync(c, i);
			break;
		}
	}
	c->ejections_total = o->ejections_total;
	c->ejections_overflow = o->ejections_overflow;
	return reweigh;
}

/* A probe target of prev for the same check, address and port keeps its
 * verdict and its run of results. */
static void
targets_carry(struct gw_health *h, const struct gw_health *prev)
{
	size_t i, k;

	for (i = 0; i < h->n_targets; i++) {
		struct health_target *t = &h->targets[i];

		for (k = 0; k < prev->n_targets; k++) {
			const struct health_target *o = &prev->targets[k];

			if (o->addr != t->addr || o->port != t->port ||
			    strcmp(o->hc->name, t->hc->name) != 0)
				continue;
			/* the prober's fields: a snapshot, a few ms old at
			 * most when the new state is published */
			t->state = o->state;
			t->ok_run = o->ok_run;
			t->fail_run = o->fail_run;
			t->checks = o->checks;
			t->failures = o->failures;
			t->transitions = o->transitions;
			break;
		}
	}
}

int
gw_health_create(struct gw_dp *dp, const struct gw_mesh *mesh,
		 const struct gw_health *prev, struct gw_health **out,
		 char *err, size_t errlen)
{
	struct gw_health *h;
	size_t max_targets = 0, i;
	uint32_t ci, k;
	int rc = -ENOMEM;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		goto nomem;
	h->dp = dp;
	h->mesh = mesh;
	h->tsc_per_ms = rte_get_tsc_hz() / 1000;
	h->n_clusters = (uint32_t)gw_mesh_cluster_count(mesh);
	h->clusters = rte_zmalloc("gw_health", (h->n_clusters + 1) *
				  sizeof(*h->clusters), RTE_CACHE_LINE_SIZE);
	h->wrk = calloc(dp->n_workers + 1, sizeof(*h->wrk));
	if (h->clusters == NULL || h->wrk == NULL)
		goto nomem;
	for (ci = 0; ci < h->n_clusters; ci++) {
		const struct gw_mesh_cluster *mc = gw_mesh_cluster_at(mesh, ci);
		struct gw_health_cluster *c = &h->clusters[ci];
		const struct gw_health_cluster *o;

		if (cluster_init(c, mc) < 0)
			goto nomem;
		c->next_decay_ms = now_ms(h) + mc->outlier.interval_ms;
		if (mc->health_check != NULL)
			max_targets += mc->n_endpoints;
		o = prev_cluster(prev, ci, mc->name);
		if (o != NULL && cluster_carry(c, o) && c->n > 0) {
			rc = lb_reweight(h, c, 0, c->eps[0].weight);
			if (rc < 0) {
				snprintf(err, errlen, "%s: cannot keep the "
					 "weights set through the API: %s",
					 mc->name, strerror(-rc));
				gw_health_free(dp, h);
				return rc;
			}
		}
	}
	h->targets = calloc(max_targets + 1, sizeof(*h->targets));
	if (h->targets == NULL)
		goto nomem;
	for (ci = 0; ci < h->n_clusters; ci++) {
		const struct gw_mesh_cluster *mc = h->clusters[ci].mc;

		if (mc->health_check == NULL)
			continue;
		for (k = 0; k < mc->n_endpoints; k++) {
			const struct gw_mesh_endpoint *ep = &mc->endpoints[k];
			struct health_target *t;

			t = target_get(h, mc->health_check, ep->addr,
				       mc->health_check->port != 0 ?
				       mc->health_check->port : ep->port);
			if (target_ref_add(t, ci, k) < 0)
				goto nomem;
		}
	}
	for (i = 0; i < h->n_targets; i++) {
		h->targets[i].worker = (uint16_t)(i % dp->n_workers);
		rc = target_request(h, &h->targets[i], err, errlen);
		if (rc < 0) {
			gw_health_free(dp, h);
			return rc;
		}
	}
	if (prev != NULL)
		targets_carry(h, prev);
	for (k = 0; k < dp->n_workers; k++)
		health_wrk_init(h, &h->wrk[k], dp->workers[k]);
	if (h->n_targets > 0)
		GW_HEALTH_LOG(INFO, "%zu probe target(s) over %u worker(s)\n",
			      h->n_targets, dp->n_workers);
	*out = h;
	return 0;
nomem:
	gw_health_free(dp, h);
	snprintf(err, errlen, "out of memory for the health state");
	return -ENOMEM;
}

void
gw_health_free(struct gw_dp *dp, struct gw_health *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; h->wrk != NULL && i < dp->n_workers; i++) {
		struct gw_worker *w = dp->workers[i];

		/* a stopped worker still holding it: its TCP frees the
		 * probes' connections */
		if (w != NULL && w->health == &h->wrk[i]) {
			health_wrk_detach(&h->wrk[i], false);
			w->health = NULL;
		}
	}
	free(h->wrk);
	for (i = 0; i < h->n_retired; i++)
		gw_lb_free(h->retired[i].lb);
	free(h->retired);
	for (i = 0; h->clusters != NULL && i < h->n_clusters; i++) {
		struct gw_health_cluster *c = &h->clusters[i];

		if (c->lb_owned)
			gw_lb_free((struct gw_lb *)(uintptr_t)c->lb);
		rte_free(c->up);
		rte_free(c->admin);
		rte_free(c->eps);
	}
	rte_free(h->clusters);
	for (i = 0; h->targets != NULL && i < h->n_targets; i++) {
		free(h->targets[i].refs);
		free(h->targets[i].req);
	}
	free(h->targets);
	free(h);
}
