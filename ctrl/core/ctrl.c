/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl — the control thread's loop: one poll() over the signal fd and the
 * admin API's epoll fd, with a 100 ms tick that drives worker liveness
 * checks and endpoint health (outlier ejections, retired balancers). Control thread (EAL main lcore) only.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include "gw_api.h"
#include "gw_ctrl.h"
#include "gw_health.h"
#include "gw_snap.h"
#include "gw_tls.h"

RTE_LOG_REGISTER_SUFFIX(gw_ctrl_logtype, ctrl, INFO);

#define TICK_MS 100 /* liveness check period */

uint64_t
gw_ctrl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
gw_ctrl_token_load(struct gw_ctrl *c, const char *path, char *err,
		   size_t errlen)
{
	struct stat st;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "admin tokenFile %s: %s", path,
			 strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size >= GW_CTRL_TOKEN_MAX) {
		snprintf(err, errlen,
			 "admin tokenFile %s: not a regular file under %d bytes",
			 path, GW_CTRL_TOKEN_MAX);
		close(fd);
		return -EINVAL;
	}
	n = read(fd, c->token, sizeof(c->token) - 1);
	if (n < 0) {
		rc = -errno;
		snprintf(err, errlen, "admin tokenFile %s: %s", path,
			 strerror(errno));
		n = 0;
	}
	close(fd);
	c->token[n] = '\0';
	while (n > 0 && (c->token[n - 1] == '\n' || c->token[n - 1] == '\r' ||
			 c->token[n - 1] == ' ' || c->token[n - 1] == '\t'))
		c->token[--n] = '\0';
	if (rc == 0 && (n == 0 || strlen(c->token) != (size_t)n)) {
		snprintf(err, errlen,
			 "admin tokenFile %s: empty, or holds a NUL byte", path);
		rc = -EINVAL;
	}
	if (rc != 0)
		memset(c->token, 0, sizeof(c->token));
	return rc;
}

static void
signals_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

int
gw_ctrl_signals_block(void)
{
	sigset_t set;

	signals_set(&set);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -errno;
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int
gw_ctrl_init(struct gw_ctrl *c, char *err, size_t errlen)
{
	sigset_t set;
	int rc;

	c->sig_fd = -1;
	signals_set(&set);
	c->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (c->sig_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return rc;
	}
	rc = gw_telemetry_start(c, err, errlen);
	if (rc < 0)
		return rc;
	return gw_api_create(c, &c->api, err, errlen);
}

void
gw_ctrl_fini(struct gw_ctrl *c)
{
	gw_ctrl_watch_stop(c);
	gw_telemetry_stop(c);
	gw_api_free(c->api);
	c->api = NULL;
	if (c->sig_fd >= 0)
		close(c->sig_fd);
	c->sig_fd = -1;
}

/* Start a grace period, or see whether the pending one completed. */
static void
liveness_tick(struct gw_ctrl *c)
{
	if (c->dp == NULL || c->dp->n_workers == 0)
		return;
	if (!c->grace_pending) {
		c->grace_token = rte_rcu_qsbr_start(c->dp->qsbr);
		c->grace_pending = true;
		return;
	}
	if (rte_rcu_qsbr_check(c->dp->qsbr, c->grace_token, false) == 1) {
		c->grace_pending = false;
		c->grace_done_ns = gw_ctrl_now_ns();
		c->grace_periods++;
	}
}

bool
gw_ctrl_ready(const struct gw_ctrl *c, const char **why)
{
	unsigned k;

	if (c->dp == NULL) {
		*why = "dataplane not started";
		return false;
	}
	for (k = 0; k < c->dp->n_ports; k++) {
		if (!c->dp->ports[k].started) {
			*why = "a port is not started";
			return false;
		}
	}
	if (c->hc_failed) {
		*why = "health check failed by the operator (/healthcheck/fail)";
		return false;
	}
	if (c->draining) {
		*why = "draining (/drain_listeners)";
		return false;
	}
	if (c->grace_periods == 0) {
		*why = "workers have not reported yet";
		return false;
	}
	if (gw_ctrl_now_ns() - c->grace_done_ns >
	    (uint64_t)GW_CTRL_LIVENESS_MS * 1000000u) {
		*why = "a worker stopped reporting (stalled)";
		return false;
	}
	*why = NULL;
	return true;
}

void
gw_ctrl_drain(struct gw_ctrl *c)
{
	if (c->draining || c->dp == NULL)
		return;
	c->draining = true;
	__atomic_store_n(&c->dp->drain, 1, __ATOMIC_RELEASE);
	GW_CTRL_LOG(NOTICE, "draining: listeners closed, in-flight requests "
		    "finish\n");
}

int
gw_ctrl_run(struct gw_ctrl *c)
{
	uint64_t next_tick = gw_ctrl_now_ns();

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = c->sig_fd, .events = POLLIN },
			{ .fd = gw_api_fd(c->api), .events = POLLIN },
			{ .fd = gw_ctrl_watch_fd(c), .events = POLLIN },
		};
		struct signalfd_siginfo si;
		uint64_t now = gw_ctrl_now_ns();
		int timeout = 0;

		if (now >= next_tick) {
			liveness_tick(c);
			gw_health_tick(gw_snap_health(c->dp));
			if (c->dp != NULL) {
				(void)gw_snap_reap(c->dp);
				gw_tls_keys_tick(c->dp->tls_keys);
				gw_ctrl_certs_tick(c);
			}
			next_tick = now + TICK_MS * 1000000ull;
		}
		timeout = (int)((next_tick - now) / 1000000u) + 1;
		timeout = gw_api_timeout_ms(c->api, timeout);
		timeout = gw_ctrl_watch_timeout_ms(c, timeout);
		timeout = gw_telemetry_timeout_ms(c, timeout);
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR) {
			GW_CTRL_LOG(ERR, "poll: %s\n", strerror(errno));
			return -errno;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(c->sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					gw_telemetry_reopen(c);
				} else {
					GW_CTRL_LOG(NOTICE,
						    "signal %u: shutting down\n",
						    si.ssi_signo);
					return (int)si.ssi_signo;
				}
			}
		}
		gw_api_run(c->api);
		gw_ctrl_watch_run(c);
		gw_telemetry_run(c);
		if (c->quit) {
			GW_CTRL_LOG(NOTICE, "/quitquitquit: shutting down\n");
			return SIGTERM;
		}
	}
}
