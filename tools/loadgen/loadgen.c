/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meshgw-loadgen — entry point: options, the dataplane from a Dataplane
 * resource, one loop per worker lcore, the measurement window and the
 * report (text on stdout, JSON to a file).
 *
 * Run: warm-up (connections open, ARP resolves; not counted), then the
 * measured window (counters are the difference between its two ends;
 * latencies are recorded only inside it), then a stop that lets requests
 * in flight finish and closes every connection with a FIN (up to 2 s),
 * so the server under test is left without sessions.
 *
 * Exit status: 0 when the run had no errors, 1 when it had some (or no
 * response at all), 2 for bad options or configuration, 3 when the
 * environment fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "gw_config.h"
#include "gw_l2.h"
#include "gw_port.h"
#include "gw_tcp.h"
#include "lg.h"

#define EXIT_ERRORS 1
#define EXIT_USAGE 2
#define EXIT_ENV 3
#define MAX_HEADERS 16
#define STOP_WAIT_MS 2000
#define STOP_LINGER_MS 50
#define LINK_WAIT_MS 10000
#define IDLE_LOOPS_BEFORE_SLEEP 256 /* as the gateway's workers */

volatile int lg_phase = LG_WARMUP;
uint64_t lg_ns_per_tsc_q32;
static volatile sig_atomic_t interrupted;

static struct lg_wrk *wrks[GW_MAX_WORKERS];

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s --config DATAPLANE.yaml [client] [backend] [raw] [run]\n"
		"client (HTTP/1.1):\n"
		"  --url http://ADDR[:PORT][/PATH]  target (an IPv4 address)\n"
		"  --host NAME          Host header (default: ADDR[:PORT])\n"
		"  --method M           request method (default GET)\n"
		"  --header 'K: V'      extra request header (up to %d)\n"
		"  --connections N      connections over all workers (default 64)\n"
		"  --pipeline D         requests in flight per connection, 1..%d (default 1)\n"
		"  --close              one request per connection (Connection: close)\n"
		"  --rate R             open loop: R requests/s in all; latency counts\n"
		"                       from each request's intended start (default:\n"
		"                       closed loop, each connection as fast as it can)\n"
		"  --timeout MS         abort a connection whose response is later (10000)\n"
		"backend:\n"
		"  --serve PORT         answer every request on PORT with 200\n"
		"  --body BYTES         response body size (default 128)\n"
		"raw packets (instead of the client):\n"
		"  --raw udp|tcp        stream packets to --raw-dst, count what comes back\n"
		"  --raw-dst ADDR:PORT  destination\n"
		"  --raw-dmac MAC       next hop's MAC (default ff:ff:ff:ff:ff:ff)\n"
		"  --raw-port NAME      Dataplane port to send on (default: the first)\n"
		"  --raw-size BYTES     frame size without FCS, 60..1514 (default 60)\n"
		"  --raw-flows N        source ports cycled per worker (default 1000)\n"
		"                       (--rate R: R packets/s; default: as fast as possible)\n"
		"run:\n"
		"  --warmup S           seconds before measuring (default 1)\n"
		"  --duration S         seconds measured (default 10; 0: until SIGINT)\n"
		"  --json FILE          write the report as JSON too\n"
		"  --log-level LEVEL    DPDK log level\n",
		prog, MAX_HEADERS, LG_PIPE_MAX);
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int
parse_url(struct lg_opts *o, const char *url, char *host, size_t hostcap,
	  char *path, size_t pathcap)
{
	const char *p = url, *slash, *colon;
	char addr[INET_ADDRSTRLEN];
	struct in_addr in;
	unsigned long port = 80;
	size_t alen;
	char *end;

	if (strncmp(p, "http://", 7) != 0)
		return -EINVAL;
	p += 7;
	slash = strchr(p, '/');
	if (slash == NULL)
		slash = p + strlen(p);
	colon = memchr(p, ':', (size_t)(slash - p));
	alen = (size_t)((colon != NULL ? colon : slash) - p);
	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, p, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1)
		return -EINVAL;
	if (colon != NULL) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno != 0 || end != slash || port == 0 || port > 65535)
			return -EINVAL;
	}
	o->addr = ntohl(in.s_addr);
	o->port = (uint16_t)port;
	if ((size_t)(slash - p) >= hostcap)
		return -EINVAL;
	memcpy(host, p, (size_t)(slash - p));
	host[slash - p] = '\0';
	if (snprintf(path, pathcap, "%s", *slash != '\0' ? slash : "/") >=
	    (int)pathcap)
		return -EINVAL;
	return 0;
}

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min ||
	    v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_double(const char *s, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < min)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_addr_port(const char *s, uint32_t *addr, uint16_t *port)
{
	char buf[32];
	const char *colon = strrchr(s, ':');
	struct in_addr in;
	uint64_t p;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1 ||
	    parse_u64(colon + 1, 1, 65535, &p) != 0)
		return -EINVAL;
	*addr = ntohl(in.s_addr);
	*port = (uint16_t)p;
	return 0;
}

/* ---- worker loops ------------------------------------------------------ */

/*
 * The worker saw a new phase: the measured window starts or ends here,
 * between two iterations, so its counters and its histogram agree.
 */
static void
phase_enter(struct lg_wrk *lw)
{
	int ph = lg_phase;
	unsigned k = ph == LG_MEASURE ? 0 : 1;

	if (ph == LG_MEASURE || (ph >= LG_STOP && lw->measuring)) {
		lw->snap[k].st = lw->st;
		lw->snap[k].busy = lw->w->stats.busy_cycles;
		lw->snap[k].idle = lw->w->stats.idle_cycles;
		lw->snap[k].tsc = rte_rdtsc();
		lw->measuring = ph == LG_MEASURE;
	}
	__atomic_store_n(&lw->phase_seen, ph, __ATOMIC_RELEASE);
}

static int
lg_lcore_main(void *arg)
{
	struct lg_wrk *lw = arg;
	struct gw_worker *w = lw->w;
	struct gw_dp *dp = w->dp;
	uint64_t announce = 0;
	uint16_t p;

	rte_rcu_qsbr_thread_register(dp->qsbr, w->id);
	rte_rcu_qsbr_thread_online(dp->qsbr, w->id);
	w->loop_tsc = w->now = rte_rdtsc();
	gw_tcp_timers_run(w); /* sets TCP's clock */
	if (lw->o->raw) {
		while (__atomic_load_n(&w->run, __ATOMIC_RELAXED)) {
			w->now = rte_rdtsc();
			if (unlikely(lg_phase != lw->phase_seen))
				phase_enter(lw);
			lg_raw_tick(lw);
		}
	} else {
		if (lw->o->client)
			lg_client_start(lw);
		while (__atomic_load_n(&w->run, __ATOMIC_RELAXED)) {
			if (unlikely(lg_phase != lw->phase_seen))
				phase_enter(lw);
			gw_worker_poll_once(w);
			/* while warming up, announce our addresses every
			 * 200 ms: a peer that knew them under the MACs of an
			 * earlier run sends to us at once */
			if (unlikely(lg_phase == LG_WARMUP && w->id == 0 &&
				     w->now >= announce)) {
				for (p = 0; p < dp->n_ports; p++)
					gw_l2_arp_announce(w, p);
				announce = w->now + dp->tsc_hz / 5;
			}
			if (lw->o->client)
				lg_client_tick(lw);
			if (unlikely(lg_phase == LG_STOP_BACKEND) &&
			    lw->o->serve_port != 0 && w->now >= lw->srv_stop_at) {
				lg_server_stop(lw);
				lw->srv_stop_at = w->now + dp->tsc_hz / 100;
			}
			for (p = 0; p < dp->n_ports; p++)
				gw_worker_tx_flush(w, p);
			rte_rcu_qsbr_quiescent(dp->qsbr, w->id);
			/* idleSleepUs: yield a CPU shared with others */
			if (dp->idle_sleep_us > 0 &&
			    w->idle_loops >= IDLE_LOOPS_BEFORE_SLEEP) {
				rte_rcu_qsbr_thread_offline(dp->qsbr, w->id);
				rte_delay_us_sleep(dp->idle_sleep_us);
				rte_rcu_qsbr_thread_online(dp->qsbr, w->id);
			}
		}
	}
	rte_rcu_qsbr_thread_offline(dp->qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, w->id);
	return 0;
}

/* ---- counters and the report -------------------------------------------- */

struct sample {
	struct lg_stats st;
	uint64_t busy, idle; /* worker cycles */
	uint64_t tsc;	     /* when the workers took it (their mean) */
};

/* Sum the workers' snapshots: which = 0 (window start), 1 (its end), or
 * 2 (now: the workers have stopped). */
static void
sample_sum(const struct gw_dp *dp, unsigned which, struct sample *s)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < dp->n_workers; i++) {
		const struct lg_snap *sn = &wrks[i]->snap[which];
		const struct lg_stats *st = which < 2 ? &sn->st : &wrks[i]->st;

#define LG_STAT_SUM(f, help) s->st.f += st->f;
		LG_STATS(LG_STAT_SUM)
#undef LG_STAT_SUM
		if (which < 2) {
			s->busy += sn->busy;
			s->idle += sn->idle;
			s->tsc += sn->tsc / dp->n_workers;
		}
	}
}

/* Set the phase and wait (up to 1 s) until every worker has seen it. */
static void
phase_set(const struct gw_dp *dp, int phase)
{
	unsigned i, t;

	lg_phase = phase;
	for (t = 0; t < 1000; t++) {
		for (i = 0; i < dp->n_workers; i++)
			if (__atomic_load_n(&wrks[i]->phase_seen,
					    __ATOMIC_ACQUIRE) < phase)
				break;
		if (i == dp->n_workers)
			return;
		usleep(1000);
	}
}

/* Wait s seconds (0: until a signal); false when interrupted. */
static bool
wait_for(double s)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (interrupted)
			return false;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (s > 0 && (double)(t.tv_sec - t0.tv_sec) +
				     (double)(t.tv_nsec - t0.tv_nsec) / 1e9 >= s)
			return true;
		usleep(10000);
	}
}

static const char *
mode_name(const struct lg_opts *o)
{
	if (o->raw)
		return o->raw_tcp ? "raw-tcp" : "raw-udp";
	if (!o->client)
		return "backend";
	return o->close ? "close" : "keep-alive";
}

static void
report(const struct lg_opts *o, const struct gw_dp *dp, const struct sample *a,
       const struct sample *b, const struct sample *end, const struct gw_hdr *h,
       const char *json_path, uint64_t errors)
{
	double dt = (double)(b->tsc - a->tsc) / (double)rte_get_tsc_hz();
	double busy = (double)(b->busy - a->busy), idle = (double)(b->idle - a->idle);
	struct lg_stats d;
	json_t *j, *lat, *err, *st, *srv, *raw, *tot;

#define LG_STAT_DIFF(f, help) d.f = b->st.f - a->st.f;
	LG_STATS(LG_STAT_DIFF)
#undef LG_STAT_DIFF
	if (dt <= 0)
		dt = 1e-9;
	printf("meshgw-loadgen: %s, %.2f s measured, %u worker(s)",
	       mode_name(o), dt, dp->n_workers);
	if (o->client && !o->raw)
		printf(", %u connection(s), pipeline %u, %s", o->connections,
		       o->pipeline, o->rate > 0 ? "open loop" : "closed loop");
	printf("\n");
	if (o->client && !o->raw) {
		printf("  requests/s      %12.0f   (%" PRIu64 " responses: 2xx %" PRIu64
		       ", 3xx %" PRIu64 ", 4xx %" PRIu64 ", 5xx %" PRIu64 ")\n",
		       (double)d.responses / dt, d.responses, d.status_2xx,
		       d.status_3xx, d.status_4xx, d.status_5xx);
		if (o->rate > 0)
			printf("  target/s        %12.0f\n", o->rate);
		printf("  connections/s   %12.0f\n", (double)d.conn_ok / dt);
		printf("  MB/s in / out   %12.2f / %.2f\n", d.bytes_rx / dt / 1e6,
		       d.bytes_tx / dt / 1e6);
		printf("  latency (µs)    p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f\n",
		       gw_hdr_quantile(h, 0.5) / 1e3, gw_hdr_quantile(h, 0.9) / 1e3,
		       gw_hdr_quantile(h, 0.99) / 1e3,
		       gw_hdr_quantile(h, 0.999) / 1e3, h->count ? h->max / 1e3 : 0.0,
		       gw_hdr_mean(h) / 1e3);
		printf("  errors          %" PRIu64 " (timeouts %" PRIu64 ", lost %" PRIu64
		       ", malformed %" PRIu64 ", failed opens %" PRIu64
		       ", resets %" PRIu64 ", send %" PRIu64 ")\n",
		       errors, d.err_timeout, d.err_lost, d.err_parse,
		       d.conn_failed, d.conn_reset, d.err_send);
	}
	if (o->serve_port != 0)
		printf("  backend         %.0f responses/s, %" PRIu64
		       " connections, %.2f MB/s out, %" PRIu64 " malformed, %"
		       PRIu64 " refused\n",
		       (double)d.srv_requests / dt, d.srv_conns,
		       d.srv_bytes_tx / dt / 1e6, d.srv_err_parse, d.srv_no_state);
	if (o->raw)
		printf("  packets/s       sent %.0f  received %.0f  (%.2f Gbit/s out; %" PRIu64
		       " not built)\n",
		       (double)d.raw_tx / dt, (double)d.raw_rx / dt,
		       d.raw_tx_bytes * 8 / dt / 1e9, d.raw_no_mbuf);
	else
		printf("  loadgen busy    %.0f %% of its worker cores\n",
		       busy + idle > 0 ? 100.0 * busy / (busy + idle) : 0.0);
	if (json_path == NULL)
		return;

	j = json_object();
	json_object_set_new(j, "mode", json_string(mode_name(o)));
	json_object_set_new(j, "seconds", json_real(dt));
	json_object_set_new(j, "workers", json_integer(dp->n_workers));
	if (o->client && !o->raw) {
		json_object_set_new(j, "connections", json_integer(o->connections));
		json_object_set_new(j, "pipeline", json_integer(o->pipeline));
		json_object_set_new(j, "target_rate", json_real(o->rate));
		json_object_set_new(j, "requests", json_integer((json_int_t)d.requests));
		json_object_set_new(j, "responses", json_integer((json_int_t)d.responses));
		json_object_set_new(j, "requests_per_s", json_real(d.responses / dt));
		json_object_set_new(j, "connections_per_s", json_real(d.conn_ok / dt));
		json_object_set_new(j, "bytes_in_per_s", json_real(d.bytes_rx / dt));
		json_object_set_new(j, "bytes_out_per_s", json_real(d.bytes_tx / dt));
		st = json_object();
		json_object_set_new(st, "2xx", json_integer((json_int_t)d.status_2xx));
		json_object_set_new(st, "3xx", json_integer((json_int_t)d.status_3xx));
		json_object_set_new(st, "4xx", json_integer((json_int_t)d.status_4xx));
		json_object_set_new(st, "5xx", json_integer((json_int_t)d.status_5xx));
		json_object_set_new(j, "status", st);
		lat = json_object();
		json_object_set_new(lat, "count", json_integer((json_int_t)h->count));
		json_object_set_new(lat, "p50", json_real(gw_hdr_quantile(h, 0.5) / 1e3));
		json_object_set_new(lat, "p90", json_real(gw_hdr_quantile(h, 0.9) / 1e3));
		json_object_set_new(lat, "p99", json_real(gw_hdr_quantile(h, 0.99) / 1e3));
		json_object_set_new(lat, "p999", json_real(gw_hdr_quantile(h, 0.999) / 1e3));
		json_object_set_new(lat, "max", json_real(h->count ? h->max / 1e3 : 0));
		json_object_set_new(lat, "mean", json_real(gw_hdr_mean(h) / 1e3));
		json_object_set_new(j, "latency_us", lat);
		err = json_object();
		json_object_set_new(err, "total", json_integer((json_int_t)errors));
		json_object_set_new(err, "timeout", json_integer((json_int_t)d.err_timeout));
		json_object_set_new(err, "lost", json_integer((json_int_t)d.err_lost));
		json_object_set_new(err, "malformed", json_integer((json_int_t)d.err_parse));
		json_object_set_new(err, "failed_opens", json_integer((json_int_t)d.conn_failed));
		json_object_set_new(err, "resets", json_integer((json_int_t)d.conn_reset));
		json_object_set_new(err, "send", json_integer((json_int_t)d.err_send));
		json_object_set_new(j, "errors", err);
	}
	if (o->serve_port != 0) {
		srv = json_object();
		json_object_set_new(srv, "responses", json_integer((json_int_t)d.srv_requests));
		json_object_set_new(srv, "connections", json_integer((json_int_t)d.srv_conns));
		json_object_set_new(srv, "bytes_out", json_integer((json_int_t)d.srv_bytes_tx));
		json_object_set_new(srv, "malformed", json_integer((json_int_t)d.srv_err_parse));
		json_object_set_new(srv, "refused", json_integer((json_int_t)d.srv_no_state));
		json_object_set_new(j, "backend", srv);
	}
	if (o->raw) {
		raw = json_object();
		json_object_set_new(raw, "frame_bytes", json_integer(o->raw_size));
		json_object_set_new(raw, "sent_per_s", json_real(d.raw_tx / dt));
		json_object_set_new(raw, "received_per_s", json_real(d.raw_rx / dt));
		json_object_set_new(raw, "sent", json_integer((json_int_t)d.raw_tx));
		json_object_set_new(raw, "received", json_integer((json_int_t)d.raw_rx));
		json_object_set_new(raw, "not_built", json_integer((json_int_t)d.raw_no_mbuf));
		json_object_set_new(j, "raw", raw);
	} else {
		json_object_set_new(j, "busy_share",
				    json_real(busy + idle > 0 ? busy / (busy + idle) : 0));
	}
	/* the whole run, warm-up and stop included: what a server under
	 * test counted should match these */
	tot = json_object();
	json_object_set_new(tot, "requests", json_integer((json_int_t)end->st.requests));
	json_object_set_new(tot, "responses", json_integer((json_int_t)end->st.responses));
	json_object_set_new(tot, "bytes_in", json_integer((json_int_t)end->st.bytes_rx));
	json_object_set_new(tot, "responses_2xx", json_integer((json_int_t)end->st.status_2xx));
	json_object_set_new(tot, "connections", json_integer((json_int_t)end->st.conn_ok));
	json_object_set_new(tot, "connection_attempts", json_integer((json_int_t)end->st.conn_attempts));
	json_object_set_new(tot, "failed_opens", json_integer((json_int_t)end->st.conn_failed));
	json_object_set_new(tot, "resets", json_integer((json_int_t)end->st.conn_reset));
	json_object_set_new(tot, "lost", json_integer((json_int_t)end->st.err_lost));
	json_object_set_new(tot, "timeouts", json_integer((json_int_t)end->st.err_timeout));
	json_object_set_new(tot, "backend_responses", json_integer((json_int_t)end->st.srv_requests));
	json_object_set_new(tot, "backend_connections", json_integer((json_int_t)end->st.srv_conns));
	json_object_set_new(tot, "raw_sent", json_integer((json_int_t)end->st.raw_tx));
	json_object_set_new(tot, "raw_received", json_integer((json_int_t)end->st.raw_rx));
	json_object_set_new(j, "totals", tot);
	if (json_dump_file(j, json_path, JSON_INDENT(2) | JSON_SORT_KEYS) != 0)
		fprintf(stderr, "meshgw-loadgen: cannot write %s\n", json_path);
	json_decref(j);
}

/* Wait until the clients' (or also the backend's) connections are closed,
 * or until t_end (TSC). */
static void
stop_wait(const struct gw_dp *dp, bool backend, uint64_t t_end)
{
	unsigned i;

	for (;;) {
		uint32_t open = 0;

		for (i = 0; i < dp->n_workers; i++)
			open += __atomic_load_n(&wrks[i]->open_conns, __ATOMIC_RELAXED) +
				(backend ? __atomic_load_n(&wrks[i]->srv_open,
							   __ATOMIC_RELAXED) : 0);
		if (open == 0 || rte_get_timer_cycles() > t_end)
			return;
		usleep(10000);
	}
}

/* Wait up to LINK_WAIT_MS for every port's link (a memif link is up once
 * its peer connected). @return 0, or -1 naming the port that stayed down. */
static int
links_wait(const struct gw_dp *dp)
{
	struct rte_eth_link link;
	unsigned p = 0, t;

	for (t = 0; t < LINK_WAIT_MS / 10 && !interrupted; t++) {
		/* p: the first port still down (kept across polls) */
		while (p < dp->n_ports &&
		       rte_eth_link_get_nowait(dp->ports[p].port_id, &link) == 0 &&
		       link.link_status == RTE_ETH_LINK_UP)
			p++;
		if (p == dp->n_ports)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "meshgw-loadgen: port %s: link down after %d ms "
		"(is the peer running?)\n", dp->ports[p].name, LINK_WAIT_MS);
	return -1;
}

static int
run(const char *prog, struct lg_opts *o, const char *config_path,
    const char *raw_port, const char *json_path, const char *log_level)
{
	const struct gw_config_dataplane *dpc;
	struct gw_port_eal_args eal;
	struct gw_config_err cerr;
	struct gw_config *cfg = NULL;
	struct gw_dp *dp = NULL;
	struct sample a, b, end;
	struct gw_hdr *h = NULL;
	char runtime_dir[PATH_MAX] = "", err[1024], lvl[160];
	char *extra[1];
	uint64_t errors, t_end;
	unsigned i, p;
	int rc, status = EXIT_ENV;

	if (gw_config_load(config_path, &cfg, &cerr) != 0) {
		gw_config_err_format(&cerr, err, sizeof(err));
		fprintf(stderr, "meshgw-loadgen: invalid configuration: %s\n", err);
		return EXIT_USAGE;
	}
	dpc = gw_config_dataplane(cfg);
	snprintf(lvl, sizeof(lvl), "--log-level=%s",
		 log_level != NULL ? log_level : "warning");
	extra[0] = lvl;
	if (gw_port_eal_args_build(dpc, prog, extra, 1, &eal, err,
				   sizeof(err)) < 0) {
		fprintf(stderr, "meshgw-loadgen: %s\n", err);
		gw_config_free(cfg);
		return EXIT_ENV;
	}
	if (rte_eal_init(eal.argc, eal.argv) < 0) {
		fprintf(stderr, "meshgw-loadgen: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		gw_config_free(cfg);
		return EXIT_ENV;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	lg_ns_per_tsc_q32 = (uint64_t)(((unsigned __int128)1000000000 << 32) /
				       rte_get_tsc_hz());
	if (gw_dp_create(dpc, &dp, err, sizeof(err)) < 0) {
		fprintf(stderr, "meshgw-loadgen: %s\n", err);
		goto out;
	}
	if (o->raw) {
		o->raw_tx_port = 0;
		if (raw_port != NULL) {
			for (p = 0; p < dpc->n_ports; p++)
				if (strcmp(dpc->ports[p].name, raw_port) == 0)
					break;
			if (p == dpc->n_ports) {
				fprintf(stderr, "meshgw-loadgen: no port %s\n", raw_port);
				status = EXIT_USAGE;
				goto out;
			}
			o->raw_tx_port = (uint16_t)p;
		}
		if (dp->n_ports == 0) {
			fprintf(stderr, "meshgw-loadgen: the Dataplane has no port\n");
			status = EXIT_USAGE;
			goto out;
		}
	}
	for (i = 0; i < dp->n_workers; i++) {
		struct lg_wrk *lw = rte_zmalloc("lg_wrk", sizeof(*lw),
						RTE_CACHE_LINE_SIZE);

		wrks[i] = lw;
		if (lw == NULL)
			goto nomem;
		lw->w = dp->workers[i];
		lw->o = o;
		lw->hist = malloc(sizeof(*lw->hist));
		if (lw->hist == NULL)
			goto nomem;
		gw_hdr_reset(lw->hist);
		if (o->raw) {
			lg_raw_init(lw);
			continue;
		}
		if (o->client) {
			rc = gw_dp_port_toward(dp, o->addr);
			if (rc < 0) {
				fprintf(stderr, "meshgw-loadgen: no port reaches the target "
					"(no subnet holds it, no port has a gateway)\n");
				status = EXIT_USAGE;
				goto out;
			}
			lw->out_port = (uint16_t)rc;
			if (lg_client_init(lw) < 0)
				goto nomem;
		}
		if (o->serve_port != 0) {
			rc = lg_server_init(lw, dpc->tcp.max_conns);
			if (rc < 0) {
				fprintf(stderr, "meshgw-loadgen: cannot serve port %u: %s\n",
					o->serve_port, strerror(-rc));
				goto out;
			}
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (links_wait(dp) < 0)
		goto out;
	for (i = 0; i < dp->n_workers; i++)
		if (rte_eal_remote_launch(lg_lcore_main, wrks[i],
					  dp->workers[i]->lcore_id) != 0) {
			fprintf(stderr, "meshgw-loadgen: cannot launch worker %u\n", i);
			gw_dp_stop(dp);
			goto out;
		}
	status = 0;
	wait_for(o->warmup_s);
	phase_set(dp, LG_MEASURE);
	wait_for(o->duration_s);
	/* let requests in flight finish and the clients' connections close;
	 * then close the backend's, which the server under test may still
	 * be using until its clients are gone */
	phase_set(dp, LG_STOP);
	t_end = rte_get_timer_cycles() + rte_get_timer_hz() / 1000 * STOP_WAIT_MS;
	stop_wait(dp, false, t_end);
	phase_set(dp, LG_STOP_BACKEND);
	stop_wait(dp, true, t_end);
	usleep(STOP_LINGER_MS * 1000); /* the last ACKs leave */
	gw_dp_stop(dp);
	sample_sum(dp, 0, &a);
	sample_sum(dp, 1, &b);
	sample_sum(dp, 2, &end);
	h = malloc(sizeof(*h));
	if (h == NULL)
		goto nomem;
	gw_hdr_reset(h);
	for (i = 0; i < dp->n_workers; i++)
		gw_hdr_merge(h, wrks[i]->hist);
	errors = (b.st.err_timeout - a.st.err_timeout) +
		 (b.st.err_lost - a.st.err_lost) +
		 (b.st.err_parse - a.st.err_parse) +
		 (b.st.conn_failed - a.st.conn_failed) +
		 (b.st.err_send - a.st.err_send);
	report(o, dp, &a, &b, &end, h, json_path, errors);
	if (o->client && !o->raw &&
	    (errors > 0 || b.st.responses == a.st.responses))
		status = EXIT_ERRORS;
	goto out;
nomem:
	fprintf(stderr, "meshgw-loadgen: out of memory\n");
	status = EXIT_ENV;
out:
	for (i = 0; i < GW_MAX_WORKERS; i++) {
		if (wrks[i] == NULL)
			continue;
		free(wrks[i]->hist);
		lg_client_fini(wrks[i]);
		lg_server_fini(wrks[i]);
	}
	gw_dp_free(dp); /* TCP frees its connections without callbacks */
	for (i = 0; i < GW_MAX_WORKERS; i++) {
		rte_free(wrks[i]);
		wrks[i] = NULL;
	}
	free(h);
	(void)rte_eal_cleanup();
	gw_port_runtime_dir_remove(runtime_dir);
	gw_config_free(cfg);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "url", required_argument, NULL, 'u' },
		{ "host", required_argument, NULL, 'H' },
		{ "method", required_argument, NULL, 'M' },
		{ "header", required_argument, NULL, 'X' },
		{ "connections", required_argument, NULL, 'n' },
		{ "pipeline", required_argument, NULL, 'P' },
		{ "close", no_argument, NULL, 'C' },
		{ "rate", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "serve", required_argument, NULL, 's' },
		{ "body", required_argument, NULL, 'b' },
		{ "raw", required_argument, NULL, 'R' },
		{ "raw-dst", required_argument, NULL, 'D' },
		{ "raw-dmac", required_argument, NULL, 'm' },
		{ "raw-port", required_argument, NULL, 'p' },
		{ "raw-size", required_argument, NULL, 'z' },
		{ "raw-flows", required_argument, NULL, 'f' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'j' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct lg_opts o;
	const char *config = NULL, *url = NULL, *host = NULL, *method = "GET";
	const char *json = NULL, *log_level = NULL, *raw_port = NULL;
	char *headers[MAX_HEADERS];
	char url_host[256], path[LG_REQ_MAX];
	unsigned n_headers = 0;
	bool raw_dst = false;
	struct rte_ether_addr mac;
	uint64_t v;
	int c, rc, li = 0;

	o.connections = 64;
	o.pipeline = 1;
	o.timeout_ms = 10000;
	o.body = 128;
	o.raw_size = 60;
	o.raw_flows = 1000;
	o.warmup_s = 1;
	o.duration_s = 10;
	memset(o.raw_dmac, 0xff, sizeof(o.raw_dmac));
	while ((c = getopt_long(argc, argv, "h", opts, &li)) != -1) {
		rc = 0;
		switch (c) {
		case 'c': config = optarg; break;
		case 'u': url = optarg; break;
		case 'H': host = optarg; break;
		case 'M': method = optarg; break;
		case 'X':
			if (n_headers == MAX_HEADERS || strchr(optarg, ':') == NULL ||
			    strpbrk(optarg, "\r\n") != NULL)
				rc = -EINVAL;
			else
				headers[n_headers++] = optarg;
			break;
		case 'n':
			rc = parse_u64(optarg, 1, 1u << 20, &v);
			o.connections = (uint32_t)v;
			break;
		case 'P':
			rc = parse_u64(optarg, 1, LG_PIPE_MAX, &v);
			o.pipeline = (uint32_t)v;
			break;
		case 'C': o.close = true; break;
		case 'r': rc = parse_double(optarg, 0, &o.rate); break;
		case 'T': rc = parse_u64(optarg, 1, 3600000, &o.timeout_ms); break;
		case 's':
			rc = parse_u64(optarg, 1, 65535, &v);
			o.serve_port = (uint16_t)v;
			break;
		case 'b': rc = parse_u64(optarg, 0, 1u << 30, &o.body); break;
		case 'R':
			o.raw = true;
			if (strcmp(optarg, "tcp") == 0)
				o.raw_tcp = true;
			else if (strcmp(optarg, "udp") != 0)
				rc = -EINVAL;
			break;
		case 'D':
			rc = parse_addr_port(optarg, &o.raw_dst, &o.raw_dport);
			raw_dst = rc == 0;
			break;
		case 'm':
			rc = rte_ether_unformat_addr(optarg, &mac);
			memcpy(o.raw_dmac, mac.addr_bytes, 6);
			break;
		case 'p': raw_port = optarg; break;
		case 'z':
			rc = parse_u64(optarg, 60, 1514, &v);
			o.raw_size = (uint32_t)v;
			break;
		case 'f':
			rc = parse_u64(optarg, 1, 60000, &v);
			o.raw_flows = (uint32_t)v;
			break;
		case 'w': rc = parse_double(optarg, 0, &o.warmup_s); break;
		case 'd': rc = parse_double(optarg, 0, &o.duration_s); break;
		case 'j': json = optarg; break;
		case 'l': log_level = optarg; break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return EXIT_USAGE;
		}
		if (rc != 0) {
			fprintf(stderr, "meshgw-loadgen: bad value for --%s: %s\n",
				opts[li].name, optarg);
			return EXIT_USAGE;
		}
	}
	if (optind < argc || config == NULL) {
		usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	if (o.raw) {
		if (!raw_dst || url != NULL) {
			fprintf(stderr, "meshgw-loadgen: --raw needs --raw-dst and no --url\n");
			return EXIT_USAGE;
		}
		if ((uint64_t)o.raw_flows * GW_MAX_WORKERS + 1024 > 65535) {
			fprintf(stderr, "meshgw-loadgen: --raw-flows at most %u\n",
				(65535 - 1024) / GW_MAX_WORKERS);
			return EXIT_USAGE;
		}
	} else if (url == NULL && o.serve_port == 0) {
		fprintf(stderr, "meshgw-loadgen: nothing to do: give --url, --serve or --raw\n");
		return EXIT_USAGE;
	}
	if (url != NULL) {
		o.client = true;
		o.head = strcmp(method, "HEAD") == 0;
		if (parse_url(&o, url, url_host, sizeof(url_host), path,
			      sizeof(path)) != 0) {
			fprintf(stderr, "meshgw-loadgen: bad --url %s: want http://IPv4[:PORT][/PATH]\n",
				url);
			return EXIT_USAGE;
		}
		if (o.close && o.pipeline > 1) {
			fprintf(stderr, "meshgw-loadgen: --close sends one request per connection: no --pipeline\n");
			return EXIT_USAGE;
		}
		if (lg_request_build(&o, method, host != NULL ? host : url_host,
				     path, headers, n_headers) != 0) {
			fprintf(stderr, "meshgw-loadgen: the request is longer than %d bytes\n",
				LG_REQ_MAX);
			return EXIT_USAGE;
		}
	}
	if (o.serve_port != 0 && lg_server_response_build(o.body) != 0) {
		fprintf(stderr, "meshgw-loadgen: out of memory for the response\n");
		return EXIT_ENV;
	}
	rc = run(argv[0], &o, config, raw_port, json, log_level);
	lg_server_response_free();
	return rc;
}
