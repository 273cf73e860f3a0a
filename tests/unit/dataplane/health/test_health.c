/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/health: the shared endpoint state without traffic. A mesh
 * compiled from YAML, a dataplane handle with one (never launched) worker
 * and an RCU variable, then: what a pick may use (flags, the operator's
 * states, Envoy's panic threshold), outlier detection as workers report
 * and ctrl decides, and weight changes that publish a new balancer and
 * free the old one after a grace period.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "gw_config.h"
#include "gw_health.h"
#include "gw_mesh.h"
#include "gw_worker.h"
#include "health_priv.h"	/* retired balancers, to see them freed */

static const char yaml[] =
	"apiVersion: networking.istio.io/v1\n"
	"kind: Gateway\n"
	"metadata: {name: gw}\n"
	"spec:\n"
	"  servers: [{port: {number: 80, protocol: HTTP}, hosts: ['*']}]\n"
	"---\n"
	"apiVersion: networking.istio.io/v1\n"
	"kind: ServiceEntry\n"
	"metadata: {name: pool}\n"
	"spec:\n"
	"  hosts: [pool.internal]\n"
	"  resolution: STATIC\n"
	"  ports: [{number: 80, name: http}]\n"
	"  endpoints: [{address: 198.18.0.1}, {address: 198.18.0.2},"
	" {address: 198.18.0.3}]\n"
	"---\n"
	"apiVersion: networking.istio.io/v1\n"
	"kind: ServiceEntry\n"
	"metadata: {name: plain}\n"
	"spec:\n"
	"  hosts: [plain.internal]\n"
	"  resolution: STATIC\n"
	"  ports: [{number: 80, name: http}]\n"
	"  endpoints: [{address: 198.18.0.4}, {address: 198.18.0.5}]\n"
	"---\n"
	"apiVersion: networking.istio.io/v1\n"
	"kind: DestinationRule\n"
	"metadata: {name: pool}\n"
	"spec:\n"
	"  host: pool.internal\n"
	"  trafficPolicy:\n"
	"    loadBalancer: {simple: ROUND_ROBIN}\n"
	"    outlierDetection: {consecutive5xxErrors: 2, interval: 1s,"
	" baseEjectionTime: 10s, maxEjectionPercent: 34,"
	" minHealthPercent: 50}\n"
	"---\n"
	"apiVersion: meshgw.io/v1alpha1\n"
	"kind: HealthCheck\n"
	"metadata: {name: pool}\n"
	"spec: {host: pool.internal, tcp: {}}\n"
	"---\n"
	"apiVersion: networking.istio.io/v1\n"
	"kind: VirtualService\n"
	"metadata: {name: vs}\n"
	"spec:\n"
	"  hosts: ['*']\n"
	"  gateways: [gw]\n"
	"  http:\n"
	"  - match: [{uri: {prefix: /p}}]\n"
	"    route: [{destination: {host: pool.internal}}]\n"
	"  - route: [{destination: {host: plain.internal}}]\n";

static struct gw_config *cfg;
static struct gw_mesh *mesh;
static struct gw_dp *dp;
static struct gw_health *health;	/* the state under test */
static struct gw_worker *wrk;
static struct gw_health_cluster *pool, *plain;

static struct gw_health_cluster *
cluster_of(const char *host)
{
	uint32_t i;

	for (i = 0; i < gw_health_cluster_count(health); i++) {
		struct gw_health_cluster *c =
			gw_health_cluster_get(health, i);

		if (strcmp(c->mc->host, host) == 0)
			return c;
	}
	fail_msg("no cluster for %s", host);
	return NULL;
}

static uint32_t
index_of(const struct gw_health_cluster *c)
{
	uint32_t i;

	for (i = 0; i < gw_health_cluster_count(health); i++)
		if (gw_health_cluster_get(health, i) == c)
			return i;
	return UINT32_MAX;
}

static int
setup(void **state)
{
	struct gw_config_err err;
	char msg[256];
	size_t qs;

	(void)state;
	memset(&err, 0, sizeof(err));
	if (gw_config_load_buffer("t.yaml", yaml, strlen(yaml), &cfg,
				  &err) != 0 ||
	    gw_mesh_compile(cfg, &mesh) != 0)
		return -1;
	dp = calloc(1, sizeof(*dp));
	wrk = calloc(1, sizeof(*wrk));
	if (dp == NULL || wrk == NULL)
		return -1;
	dp->n_workers = 1;
	dp->workers[0] = wrk;
	wrk->dp = dp;
	qs = rte_rcu_qsbr_get_memsize(1);
	dp->qsbr = rte_zmalloc("test_qsbr", qs, RTE_CACHE_LINE_SIZE);
	if (dp->qsbr == NULL || rte_rcu_qsbr_init(dp->qsbr, 1) != 0 ||
	    rte_rcu_qsbr_thread_register(dp->qsbr, 0) != 0)
		return -1;
	rte_rcu_qsbr_thread_online(dp->qsbr, 0);
	if (gw_health_create(dp, mesh, NULL, &health, msg,
			     sizeof(msg)) != 0) {
		fprintf(stderr, "gw_health_create: %s\n", msg);
		return -1;
	}
	pool = cluster_of("pool.internal");
	plain = cluster_of("plain.internal");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	gw_health_free(dp, health);
	health = NULL;
	if (dp != NULL)
		rte_free(dp->qsbr);
	free(wrk);
	free(dp);
	gw_mesh_free(mesh);
	gw_config_free(cfg);
	return 0;
}

/* Put every endpoint of c back in service. */
static void
all_in_service(struct gw_health_cluster *c)
{
	uint32_t i;

	for (i = 0; i < c->n; i++)
		health_ep_flags(c, i, 0, UINT32_MAX);
}

static uint32_t
avail(struct gw_health_cluster *c, uint64_t *bits, bool *panic)
{
	const uint64_t *out;
	uint32_t n = gw_health_avail(c, bits, &out, panic);

	if (out == NULL)
		*bits = (UINT64_C(1) << c->n) - 1;
	return n;
}

static void
test_start(void **state)
{
	uint64_t bits;
	bool panic;
	uint32_t i;

	(void)state;
	/* no HealthCheck: in service from the start */
	assert_int_equal(avail(plain, &bits, &panic), 2);
	assert_false(panic);
	assert_int_equal(bits, 3);
	assert_int_equal(plain->panic_percent, 50);
	/* a HealthCheck: unknown until it passes, so nobody is healthy and
	 * the panic threshold (minHealthPercent) sends traffic to all */
	for (i = 0; i < pool->n; i++) {
		assert_int_equal(pool->eps[i].flags, GW_HEALTH_F_HC_PENDING);
		assert_int_equal(pool->eps[i].hc_state, GW_HEALTH_HC_UNKNOWN);
	}
	assert_int_equal(pool->panic_percent, 50);
	assert_int_equal(avail(pool, &bits, &panic), 3);
	assert_true(panic);
	assert_int_equal(gw_health_target_count(health), 3);
}

static void
test_flags_and_panic(void **state)
{
	uint64_t bits;
	uint32_t gen;
	bool panic;

	(void)state;
	all_in_service(pool);
	assert_int_equal(avail(pool, &bits, &panic), 3);
	assert_false(panic);
	gen = gw_health_gen(pool);
	health_ep_flags(pool, 0, GW_HEALTH_F_HC_FAILED, 0);
	assert_int_not_equal(gw_health_gen(pool), gen);
	assert_int_equal(avail(pool, &bits, &panic), 2);
	assert_false(panic);	/* 2 of 3 healthy: above 50 % */
	assert_int_equal(bits, 6);
	health_ep_flags(pool, 1, GW_HEALTH_F_EJECTED, 0);
	assert_int_equal(avail(pool, &bits, &panic), 3);
	assert_true(panic);	/* 1 of 3: everything in service is used */
	/* drained endpoints are out even in panic, and out of the count:
	 * of the two left in service, none is healthy */
	assert_int_equal(gw_health_endpoint_set(health, index_of(pool), 2,
						GW_HEALTH_ADMIN_DRAIN, 0), 0);
	assert_int_equal(avail(pool, &bits, &panic), 2);
	assert_true(panic);
	assert_int_equal(bits, 3);
	/* without panic routing, nothing is left */
	pool->panic_percent = 0;
	assert_int_equal(avail(pool, &bits, &panic), 0);
	assert_false(panic);
	assert_int_equal(bits, 0);
	pool->panic_percent = 50;
	/* maint replaces drain; ready clears both */
	assert_int_equal(gw_health_endpoint_set(health, index_of(pool), 2,
						GW_HEALTH_ADMIN_MAINT, 0), 0);
	assert_int_equal(pool->eps[2].flags, GW_HEALTH_F_MAINT);
	assert_int_equal(gw_health_endpoint_set(health, index_of(pool), 2,
						GW_HEALTH_ADMIN_READY, 0), 0);
	assert_int_equal(pool->eps[2].flags, 0);
	all_in_service(pool);
	assert_int_equal(avail(pool, &bits, &panic), 3);
	assert_int_equal(gw_health_endpoint_set(health, 99, 0,
						GW_HEALTH_ADMIN_DRAIN, 0),
			 -ENOENT);
	assert_int_equal(gw_health_endpoint_set(health, index_of(pool), 3,
						GW_HEALTH_ADMIN_DRAIN, 0),
			 -ENOENT);
}

static void
test_outlier(void **state)
{
	(void)state;
	all_in_service(pool);
	/* runs of errors are what count: a success ends one */
	gw_health_outcome(pool, 0, 503);
	gw_health_outcome(pool, 0, 200);
	gw_health_outcome(pool, 0, 500);
	gw_health_tick(health);
	assert_int_equal(pool->eps[0].flags, 0);
	gw_health_outcome(pool, 0, 502);
	assert_int_equal(pool->eps[0].eject_req, 1);
	gw_health_tick(health);
	assert_int_equal(pool->eps[0].flags, GW_HEALTH_F_EJECTED);
	assert_int_equal(pool->eps[0].ejections, 1);
	assert_int_equal(pool->eps[0].consec_5xx, 0);
	assert_int_equal(pool->ejections_total, 1);
	/* maxEjectionPercent 34 of 3: one ejected at most */
	gw_health_outcome(pool, 1, 503);
	gw_health_outcome(pool, 1, 503);
	gw_health_tick(health);
	assert_int_equal(pool->eps[1].flags, 0);
	assert_int_equal(pool->ejections_overflow, 1);
	/* the ejection time over, it comes back; the multiplier decays
	 * one step each interval it stays healthy */
	pool->eps[0].ejected_until_ms = 0;
	gw_health_tick(health);
	assert_int_equal(pool->eps[0].flags, 0);
	assert_int_equal(pool->eps[0].ejections, 1);
	pool->next_decay_ms = 0;
	gw_health_tick(health);
	assert_int_equal(pool->eps[0].ejections, 0);
	/* a cluster without outlierDetection ignores outcomes */
	gw_health_outcome(plain, 0, 503);
	gw_health_outcome(plain, 0, 503);
	assert_int_equal(plain->eps[0].consec_5xx, 0);
}

static void
test_reweight(void **state)
{
	const struct gw_lb *first = pool->lb;
	uint32_t gen = gw_health_gen(pool), counts[3] = { 0 }, i;
	struct gw_lb_pick_ctx ctx = { 0 };
	uint8_t lbstate[256] __rte_aligned(8);

	(void)state;
	assert_int_equal(gw_health_endpoint_set(health, index_of(pool), 1,
						GW_HEALTH_ADMIN_KEEP,
						GW_LB_WEIGHT_MAX + 1u),
			 -EINVAL);
	assert_ptr_equal(pool->lb, first);
	assert_int_equal(gw_health_endpoint_set(health, index_of(pool), 1,
						GW_HEALTH_ADMIN_KEEP, 5), 0);
	assert_ptr_not_equal(gw_health_lb(pool), first);
	assert_int_not_equal(gw_health_gen(pool), gen);
	assert_int_equal(pool->eps[1].weight, 5);
	/* the mesh's balancer is the mesh's: nothing to retire */
	assert_int_equal(health->n_retired, 0);
	/* smooth weighted round robin: exactly 1:5:1 */
	assert_true(gw_lb_state_size(pool->lb) <= sizeof(lbstate));
	gw_lb_state_init(pool->lb, lbstate, 1);
	for (i = 0; i < 700; i++) {
		int k = gw_lb_pick(pool->lb, lbstate, &ctx);

		assert_true(k >= 0 && k < 3);
		counts[k]++;
	}
	assert_int_equal(counts[0], 100);
	assert_int_equal(counts[1], 500);
	assert_int_equal(counts[2], 100);
	/* a second change retires the first rebuilt balancer until every
	 * worker reported quiescence */
	assert_int_equal(gw_health_endpoint_set(health, index_of(pool), 1,
						GW_HEALTH_ADMIN_KEEP, 2), 0);
	assert_int_equal(health->n_retired, 1);
	gw_health_tick(health);
	assert_int_equal(health->n_retired, 1);
	rte_rcu_qsbr_quiescent(dp->qsbr, 0);
	gw_health_tick(health);
	assert_int_equal(health->n_retired, 0);
	/* the same weight again changes nothing */
	first = pool->lb;
	assert_int_equal(gw_health_endpoint_set(health, index_of(pool), 1,
						GW_HEALTH_ADMIN_KEEP, 2), 0);
	assert_ptr_equal(pool->lb, first);
}

static void
test_format(void **state)
{
	char buf[160];

	(void)state;
	gw_health_flags_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "healthy");
	gw_health_flags_format(GW_HEALTH_F_HC_FAILED | GW_HEALTH_F_EJECTED,
			       buf, sizeof(buf));
	assert_string_equal(buf, "/failed_active_hc/failed_outlier_check");
	gw_health_flags_format(GW_HEALTH_F_HC_PENDING | GW_HEALTH_F_DRAIN, buf,
			       sizeof(buf));
	assert_string_equal(buf, "/pending_active_hc/drain");
	gw_health_flags_format(GW_HEALTH_F_MAINT, buf, 4);
	assert_string_equal(buf, "/ma");
	assert_string_equal(gw_health_hc_state_name(GW_HEALTH_HC_UNHEALTHY),
			    "unhealthy");
}

/*
 * A configuration change builds the health state again from the one in
 * use: for the same cluster and address, the operator's states, an
 * ejection, the checks' verdicts and an API weight carry over; an
 * endpoint the new configuration adds starts as a new one would.
 */
static void
test_carry_over(void **state)
{
	static const char last[] = "{address: 198.18.0.3}]";
	const char *at = strstr(yaml, last);
	struct gw_config *cfg2;
	struct gw_mesh *mesh2;
	struct gw_health *h2;
	struct gw_health_cluster *np;
	struct gw_config_err err;
	char *y2, msg[256];
	uint32_t i, k;

	(void)state;
	all_in_service(pool);
	/* endpoint 0 drained, 1 ejected, 2 weighs 7 through the API; the
	 * checks call 0 and 2 healthy, 1 failed */
	assert_int_equal(gw_health_endpoint_set(health, index_of(pool), 0,
						GW_HEALTH_ADMIN_DRAIN, 0), 0);
	health_ep_flags(pool, 1, GW_HEALTH_F_EJECTED | GW_HEALTH_F_HC_FAILED,
			0);
	pool->eps[1].ejected_until_ms = 123456;
	pool->eps[1].ejections = 2;
	pool->eps[1].hc_state = GW_HEALTH_HC_UNHEALTHY;
	pool->eps[0].hc_state = GW_HEALTH_HC_HEALTHY;
	pool->eps[2].hc_state = GW_HEALTH_HC_HEALTHY;
	assert_int_equal(gw_health_endpoint_set(health, index_of(pool), 2,
						GW_HEALTH_ADMIN_KEEP, 7), 0);
	/* the same resources and one more endpoint in the pool */
	assert_non_null(at);
	assert_true(asprintf(&y2, "%.*s{address: 198.18.0.3}, "
			     "{address: 198.18.0.6}]%s", (int)(at - yaml), yaml,
			     at + strlen(last)) > 0);
	assert_int_equal(gw_config_load_buffer("t2.yaml", y2, strlen(y2),
					       &cfg2, &err), 0);
	free(y2);
	assert_int_equal(gw_mesh_compile(cfg2, &mesh2), 0);
	assert_int_equal(gw_health_create(dp, mesh2, health, &h2, msg,
					  sizeof(msg)), 0);
	np = NULL;
	for (i = 0; i < gw_health_cluster_count(h2); i++)
		if (strcmp(gw_health_cluster_get(h2, i)->mc->host,
			   "pool.internal") == 0)
			np = gw_health_cluster_get(h2, i);
	assert_non_null(np);
	assert_int_equal(np->n, 4);
	for (i = 0; i < np->n; i++) {
		uint32_t addr = np->mc->endpoints[i].addr & 0xff;

		switch (addr) {
		case 1:
			assert_int_equal(np->eps[i].flags, GW_HEALTH_F_DRAIN);
			assert_int_equal(np->eps[i].hc_state,
					 GW_HEALTH_HC_HEALTHY);
			break;
		case 2:
			assert_int_equal(np->eps[i].flags,
					 GW_HEALTH_F_EJECTED |
						 GW_HEALTH_F_HC_FAILED);
			assert_int_equal(np->eps[i].ejected_until_ms, 123456);
			assert_int_equal(np->eps[i].ejections, 2);
			break;
		case 3:
			assert_int_equal(np->eps[i].flags, 0);
			assert_int_equal(np->eps[i].weight, 7);
			/* the balancer was rebuilt with it */
			assert_true(np->lb_owned);
			break;
		case 6:	/* new: unknown until its checks pass */
			assert_int_equal(np->eps[i].flags,
					 GW_HEALTH_F_HC_PENDING);
			assert_int_equal(np->eps[i].hc_state,
					 GW_HEALTH_HC_UNKNOWN);
			break;
		default:
			fail_msg("unexpected endpoint %u", addr);
		}
		/* the bitmaps follow the flags */
		k = i / 64;
		assert_int_equal((np->up[k] >> (i % 64)) & 1,
				 (np->eps[i].flags & GW_HEALTH_F_UNHEALTHY) == 0);
		assert_int_equal((np->admin[k] >> (i % 64)) & 1,
				 (np->eps[i].flags & GW_HEALTH_F_ADMIN) == 0);
	}
	gw_health_free(dp, h2);
	gw_mesh_free(mesh2);
	gw_config_free(cfg2);
	all_in_service(pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_flags_and_panic),
		cmocka_unit_test(test_outlier),
		cmocka_unit_test(test_reweight),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_carry_over),
	};
	char prefix[64], dir[256];
	char *argv[] = {
		"test", "--no-huge", "--no-shconf", "-m", "64", "--no-pci",
		"--no-telemetry", prefix, "--log-level=lib.eal:error",
		"--log-level=gw.*:warning", NULL,
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=gwhealth-%d",
		 (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, setup, teardown);
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (dir[0] != '\0')
		rmdir(dir);	/* EAL leaves its runtime folder behind */
	return rc;
}
