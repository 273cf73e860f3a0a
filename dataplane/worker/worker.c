/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker — the poll-mode loop each worker lcore runs, its TX drain, its
 * command mailbox, and its creation and teardown (ctrl thread).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "gw_drop.h"
#include "gw_flow.h"
#include "gw_impair.h"
#include "gw_l2.h"
#include "gw_nat.h"
#include "gw_tcp.h"
#include "gw_health.h"
#include "gw_proxy.h"
#include "gw_snap.h"
#include "gw_testapp.h"
#include "gw_tls.h"
#include "gw_worker.h"

RTE_LOG_REGISTER_SUFFIX(gw_worker_logtype, worker, INFO);
#define GW_WORKER_LOG(level, ...) \
	rte_log(RTE_LOG_##level, gw_worker_logtype, "worker: " __VA_ARGS__)

#define SWEEP_INTERVAL_MS 50 /* neighbour housekeeping period */
#define MBOX_POLL_LOOPS 64   /* loops between two looks at the mailbox */
#define IDLE_LOOPS_BEFORE_SLEEP 256 /* empty polls before an idle sleep */
#define TX_STALL_LIMIT 64 /* flushes that send nothing before the head is dropped */

const char *const gw_drop_names[GW_DROP_MAX] = {
#define GW_DROP(id, name, help) [GW_DROP_##id] = name,
#include "drop_reasons.def"
#undef GW_DROP
};

const char *const gw_drop_help[GW_DROP_MAX] = {
#define GW_DROP(id, name, help) [GW_DROP_##id] = help,
#include "drop_reasons.def"
#undef GW_DROP
};

const char *const gw_cnt_names[GW_CNT_MAX] = {
#define GW_CNT(id, name, help) [GW_CNT_##id] = name,
#include "counters.def"
#undef GW_CNT
};

const char *const gw_cnt_help[GW_CNT_MAX] = {
#define GW_CNT(id, name, help) [GW_CNT_##id] = help,
#include "counters.def"
#undef GW_CNT
};

void
gw_worker_tx_flush(struct gw_worker *w, uint16_t port)
{
	struct gw_txq *q = &w->tx[port];
	uint16_t sent, i;
	uint64_t bytes = 0;

	if (unlikely(w->impair[port] != NULL)) /* new packets only */
		q->n = q->retry +
		       gw_impair_process(w, port, w->impair[port], true,
					 q->pkts + q->retry, q->n - q->retry,
					 GW_BURST - q->retry);
	if (q->n == 0)
		return;
	/* Sum lengths first: the PMD may free what it accepts at once. */
	for (i = 0; i < q->n; i++)
		bytes += rte_pktmbuf_pkt_len(q->pkts[i]);
	sent = rte_eth_tx_burst(w->dp->ports[port].port_id, w->id, q->pkts,
				q->n);
	for (i = sent; i < q->n; i++)
		bytes -= rte_pktmbuf_pkt_len(q->pkts[i]);
	gw_worker_cnt_add(w, port, GW_CNT_TX_PACKETS, sent);
	gw_worker_cnt_add(w, port, GW_CNT_TX_BYTES, bytes);
	/* What the device refused (busy, e.g. a full TAP backlog) stays at
	 * the front for the next loop; gw_worker_tx() drops new packets
	 * while the buffer is full of them. */
	if (sent < q->n) {
		gw_worker_cnt_add(w, port, GW_CNT_TX_RETRY, q->n - sent);
		/* a packet the device refuses every time (too big, bad
		 * layout) must not block the ones behind it */
		if (sent == 0 && ++q->stalls >= TX_STALL_LIMIT) {
			gw_worker_drop(w, port, q->pkts[0],
				       GW_DROP_PORT_TX_ERROR);
			sent = 1;
			q->stalls = 0;
		}
		memmove(q->pkts, q->pkts + sent,
			sizeof(q->pkts[0]) * (q->n - sent));
	} else {
		q->stalls = 0;
	}
	q->n -= sent;
	q->retry = q->n;
}

static void
mbox_poll(struct gw_worker *w)
{
	uint32_t seq = __atomic_load_n(&w->mbox.seq, __ATOMIC_ACQUIRE);

	if (seq == w->mbox.ack)
		return;
	switch (w->mbox.type) {
	case GW_WORKER_CMD_NBR_DUMP:
		gw_l2_nbr_dump(w, w->nbr_dump);
		w->mbox.result = 0;
		break;
	default:
		w->mbox.result = -EINVAL;
		break;
	}
	__atomic_store_n(&w->mbox.ack, seq, __ATOMIC_RELEASE);
}

unsigned
gw_worker_poll_once(struct gw_worker *w)
{
	struct gw_dp *dp = w->dp;
	struct rte_mbuf *pkts[GW_BURST];
	uint64_t now = rte_rdtsc();
	uint64_t dev = 0, t0;
	unsigned work = 0;
	uint16_t p, n, i;

	/* The previous iteration's cycles are busy or idle by what it did. */
	if (w->last_busy)
		w->stats.busy_cycles += now - w->loop_tsc;
	else
		w->stats.idle_cycles += now - w->loop_tsc;
	w->loop_tsc = now;
	w->now = now;
	w->stats.loops++;

	/* a new configuration is taken between two iterations */
	gw_snap_worker_check(w);
	if (unlikely(__atomic_load_n(&dp->drain, __ATOMIC_RELAXED) !=
		     w->drain_seen)) {
		w->drain_seen = 1;	/* once: the flag is never cleared */
		if (w->proxy != NULL)
			gw_proxy_drain(w);
	}
	/* timers first: what arrives below sees this loop's clock */
	gw_tcp_timers_run(w);
	if (w->proxy != NULL)
		gw_proxy_timers_run(w);
	if (w->health != NULL)
		gw_health_wrk_run(w);
	if (dp->n_workers > 1)
		work += gw_flow_redirect_rx(w);
	for (p = 0; p < dp->n_ports; p++) {
		uint64_t bytes = 0;

		t0 = rte_rdtsc();
		n = rte_eth_rx_burst(dp->ports[p].port_id, w->id, pkts,
				     GW_BURST);
		dev += rte_rdtsc() - t0;
		for (i = 0; i < n; i++)
			bytes += rte_pktmbuf_pkt_len(pkts[i]);
		gw_worker_cnt_add(w, p, GW_CNT_RX_PACKETS, n);
		gw_worker_cnt_add(w, p, GW_CNT_RX_BYTES, bytes);
		if (unlikely(w->impair[p] != NULL))
			n = gw_impair_process(w, p, w->impair[p], false, pkts, n,
					      GW_BURST);
		if (n == 0)
			continue;
		gw_l2_input_process(w, p, pkts, n);
		work += n;
	}
	if (dp->n_workers > 1)
		work += gw_l2_nbr_sync_rx(w);
	if (unlikely(now >= w->next_sweep)) {
		gw_l2_nbr_sweep(w);
		w->next_sweep = now + dp->tsc_hz / 1000 * SWEEP_INTERVAL_MS;
	}
	if (w->tls != NULL)
		gw_tls_run(w);	/* reading that released plaintext allows */
	if (w->nat != NULL)
		gw_nat_sweep(w);	/* a few flows past their deadline */
	if (dp->n_workers > 1)
		gw_flow_redirect_flush(w);
	t0 = rte_rdtsc();
	for (p = 0; p < dp->n_ports; p++)
		gw_worker_tx_flush(w, p);
	dev += rte_rdtsc() - t0;
	if ((w->stats.loops % MBOX_POLL_LOOPS) == 0)
		mbox_poll(w);

	w->last_busy = work > 0;
	if (work > 0) {
		w->stats.device_cycles += dev;
		w->stats.busy_loops++;
		w->idle_loops = 0;
	} else {
		w->idle_loops++;
	}
	return work;
}

int
gw_worker_main(void *arg)
{
	struct gw_worker *w = arg;
	struct gw_dp *dp = w->dp;

	GW_WORKER_LOG(INFO, "worker %u running on lcore %u (cpu %d)\n", w->id,
		      rte_lcore_id(), sched_getcpu());
	rte_rcu_qsbr_thread_register(dp->qsbr, w->id);
	rte_rcu_qsbr_thread_online(dp->qsbr, w->id);
	w->loop_tsc = rte_rdtsc();
	w->now = w->loop_tsc;
	gw_tcp_timers_run(w); /* sets TCP's clock */
	if (dp->cfg != NULL)
		gw_testapp_worker_start(w, dp->cfg);

	while (__atomic_load_n(&w->run, __ATOMIC_RELAXED)) {
		gw_worker_poll_once(w);
		rte_rcu_qsbr_quiescent(dp->qsbr, w->id);
		if (dp->idle_sleep_us > 0 &&
		    w->idle_loops >= IDLE_LOOPS_BEFORE_SLEEP) {
			/* Off the fast path: nothing arrived for a while. */
			rte_rcu_qsbr_thread_offline(dp->qsbr, w->id);
			rte_delay_us_sleep(dp->idle_sleep_us);
			rte_rcu_qsbr_thread_online(dp->qsbr, w->id);
		}
	}
	/* Answer a command that raced with the stop, then leave RCU. */
	mbox_poll(w);
	rte_rcu_qsbr_thread_offline(dp->qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, w->id);
	GW_WORKER_LOG(INFO, "worker %u stopped after %" PRIu64 " loops\n",
		      w->id, w->stats.loops);
	return 0;
}

void
gw_worker_stop(struct gw_worker *w)
{
	__atomic_store_n(&w->run, 0, __ATOMIC_RELAXED);
}

int
gw_worker_cmd_call(struct gw_worker *w, enum gw_worker_cmd_type type,
		   unsigned timeout_ms)
{
	uint64_t deadline;
	uint32_t seq;

	if (__atomic_load_n(&w->mbox.ack, __ATOMIC_ACQUIRE) != w->mbox.seq)
		return -EBUSY;
	w->mbox.type = type;
	seq = w->mbox.seq + 1;
	__atomic_store_n(&w->mbox.seq, seq, __ATOMIC_RELEASE);
	deadline = rte_get_timer_cycles() +
		   rte_get_timer_hz() / 1000 * timeout_ms;
	while (__atomic_load_n(&w->mbox.ack, __ATOMIC_ACQUIRE) != seq) {
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		rte_delay_us_sleep(100);
	}
	return w->mbox.result;
}

struct gw_worker *
gw_worker_create(struct gw_dp *dp, uint16_t id, uint16_t lcore_id)
{
	struct gw_worker *w;
	int rc;

	w = rte_zmalloc("gw_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	w->dp = dp;
	w->id = id;
	w->lcore_id = lcore_id;
	w->run = 1;
	w->nbr_dump = rte_zmalloc("gw_nbr_dump", sizeof(*w->nbr_dump), 0);
	if (w->nbr_dump == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = gw_l2_wrk_init(w);
	if (rc < 0)
		goto fail;
	return w;
fail:
	gw_worker_free(w);
	rte_errno = -rc;
	return NULL;
}

int
gw_worker_mesh_init(struct gw_dp *dp)
{
	unsigned dst, src;
	int rc;

	for (dst = 0; dst < dp->n_workers; dst++) {
		for (src = 0; src < dp->n_workers; src++) {
			if (src == dst)
				continue;
			rc = gw_l2_inbox_create(dp->workers[dst], (uint16_t)src);
			if (rc < 0)
				return rc;
			rc = gw_flow_inbox_create(dp->workers[dst],
						  (uint16_t)src);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

void
gw_worker_free(struct gw_worker *w)
{
	unsigned p, i;

	if (w == NULL)
		return;
	for (p = 0; p < GW_MAX_PORTS; p++) {
		for (i = 0; i < w->tx[p].n; i++)
			rte_pktmbuf_free(w->tx[p].pkts[i]);
		w->tx[p].n = 0;
	}
	gw_proxy_wrk_fini(w);	/* frees what sessions hold, before TCP */
	gw_tcp_wrk_fini(w);
	gw_tls_wrk_fini(w);	/* after TCP: its connections are gone */
	gw_nat_wrk_fini(w);
	for (p = 0; p < GW_MAX_PORTS; p++)
		gw_impair_free(w->impair[p]);
	gw_flow_wrk_fini(w);
	gw_l2_wrk_fini(w);
	rte_free(w->nbr_dump);
	rte_free(w);
}
