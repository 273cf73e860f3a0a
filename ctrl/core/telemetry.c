/* SPDX-License-Identifier: Apache-2.0 */
/*
 * telemetry — the control thread's side of the access log and of span
 * export: every few milliseconds it takes the records the workers queued
 * on their rings, renders each (Istio's text line, Istio's JSON, or the
 * operator's format) into one buffer, writes it to the sink with one
 * write(), and hands sampled requests to the Zipkin exporter. The sink is
 * the process' stdout or a file, opened for append and opened again on
 * SIGHUP (logrotate's rename, then a signal). Control thread only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "gw_ctrl.h"
#include "gw_proxy.h"

/* How often the rings are emptied. A ring holds PROXY_RING_SLOTS
 * records: at this period a worker may log that many per 10 ms. */
#define TELEMETRY_PERIOD_MS 10
/* Records taken per worker per round, at most (the rest wait). */
#define TELEMETRY_BATCH 8192
/* The write buffer: flushed when a record may not fit. */
#define TELEMETRY_BUF (256 * 1024)
#define TELEMETRY_LINE_MAX 8192

struct gw_telemetry {
	const struct gw_config_telemetry *conf;
	struct gw_alog_format *format;	/* NULL: JSON */
	bool log;			/* an access log sink is configured */
	int fd;				/* the sink; -1 closed */
	bool own_fd;			/* a file we opened (not stdout) */
	struct gw_alog_clock clock;
	uint64_t next_ns;		/* the next round */
	char *buf;
	size_t len;
	struct gw_zipkin *zipkin;	/* NULL: no span export */
};

static void
sink_flush(struct gw_ctrl *c, struct gw_telemetry *t)
{
	size_t off = 0;

	while (off < t->len && t->fd >= 0) {
		ssize_t n = write(t->fd, t->buf + off, t->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* a full disk, a closed pipe: the records are lost,
			 * counted, and logging goes on */
			c->alog_write_errors++;
			break;
		}
		off += (size_t)n;
	}
	t->len = 0;
}

static int
sink_open(struct gw_telemetry *t, char *err, size_t errlen)
{
	const char *path = t->conf->access_log_path;
	int fd;

	if (strcmp(path, "/dev/stdout") == 0) {
		t->fd = STDOUT_FILENO;
		t->own_fd = false;
		return 0;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = -errno;

		snprintf(err, errlen, "access log %s: %s", path,
			 strerror(errno));
		return rc;
	}
	t->fd = fd;
	t->own_fd = true;
	return 0;
}

static void
one_record(void *arg, const struct gw_alog_rec *r)
{
	struct gw_ctrl *c = arg;
	struct gw_telemetry *t = c->telemetry;
	size_t n;

	if (t->zipkin != NULL && r->trace == GW_ALOG_TRACE_SAMPLED)
		gw_zipkin_add(t->zipkin, r, &t->clock,
			      t->conf->workload, t->conf->ns);
	if (!t->log)
		return;
	if (TELEMETRY_BUF - t->len < TELEMETRY_LINE_MAX)
		sink_flush(c, t);
	n = gw_alog_render(t->format, r, &t->clock, t->buf + t->len,
			   TELEMETRY_LINE_MAX);
	if (n > 0 && t->buf[t->len + n - 1] != '\n') {
		/* a format without its newline: one record, one line */
		if (n == TELEMETRY_LINE_MAX - 1)
			n--;
		t->buf[t->len + n++] = '\n';
	}
	t->len += n;
	c->alog_records++;
}

/* Take what the workers queued. */
static void
drain(struct gw_ctrl *c)
{
	struct gw_telemetry *t = c->telemetry;
	struct timespec ts;
	unsigned w;

	/* each round anchors TSC to the wall clock anew */
	clock_gettime(CLOCK_REALTIME, &ts);
	t->clock.tsc0 = rte_rdtsc();
	t->clock.wall0_ns = (uint64_t)ts.tv_sec * 1000000000ull +
			    (uint64_t)ts.tv_nsec;
	for (w = 0; w < c->dp->n_workers; w++)
		(void)gw_proxy_log_drain(c->dp->workers[w], one_record, c,
					 TELEMETRY_BATCH);
	if (t->len > 0)
		sink_flush(c, t);
	if (t->zipkin != NULL)
		gw_zipkin_flush(t->zipkin);
}

int
gw_telemetry_start(struct gw_ctrl *c, char *err, size_t errlen)
{
	const struct gw_config_telemetry *conf;
	struct gw_telemetry *t;
	int rc;

	if (c->dp == NULL || c->dp->cfg == NULL)
		return 0;
	conf = &c->dp->cfg->telemetry;
	if (conf->access_log_path[0] == '\0' && conf->zipkin_addr == 0)
		return 0;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	c->telemetry = t;
	t->fd = -1;
	t->conf = conf;
	t->clock.tsc_hz = rte_get_tsc_hz();
	t->log = conf->access_log_path[0] != '\0';
	if (t->log) {
		t->buf = malloc(TELEMETRY_BUF);
		if (t->buf == NULL)
			goto nomem;
		if (!conf->access_log_json) {
			rc = gw_alog_format_compile(
				conf->access_log_format[0] != '\0' ?
				conf->access_log_format : GW_ALOG_ISTIO_FORMAT,
				&t->format, err, errlen);
			if (rc < 0)
				return rc;
		}
		rc = sink_open(t, err, errlen);
		if (rc < 0)
			return rc;
	}
	if (conf->zipkin_addr != 0) {
		rc = gw_zipkin_create(conf->zipkin_addr, conf->zipkin_port,
				      &t->zipkin, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory for the access log");
	return -ENOMEM;
}

void
gw_telemetry_run(struct gw_ctrl *c)
{
	struct gw_telemetry *t = c->telemetry;
	uint64_t now;

	if (t == NULL)
		return;
	now = gw_ctrl_now_ns();
	if (now < t->next_ns)
		return;
	t->next_ns = now + TELEMETRY_PERIOD_MS * 1000000ull;
	drain(c);
}

int
gw_telemetry_timeout_ms(const struct gw_ctrl *c, int timeout)
{
	const struct gw_telemetry *t = c->telemetry;
	uint64_t now;
	int ms;

	if (t == NULL)
		return timeout;
	now = gw_ctrl_now_ns();
	ms = now >= t->next_ns ? 0 : (int)((t->next_ns - now) / 1000000u) + 1;
	return ms < timeout ? ms : timeout;
}

void
gw_telemetry_reopen(struct gw_ctrl *c)
{
	struct gw_telemetry *t = c->telemetry;
	char err[256];
	int old;

	if (t == NULL || !t->log || !t->own_fd)
		return;
	/* what is queued goes to the old file, the rest to the new one */
	drain(c);
	old = t->fd;
	if (sink_open(t, err, sizeof(err)) < 0) {
		/* keep writing to the renamed file rather than lose lines */
		t->fd = old;
		GW_CTRL_LOG(ERR, "SIGHUP: %s; still writing to the old file\n",
			    err);
		return;
	}
	close(old);
	c->alog_reopens++;
	GW_CTRL_LOG(INFO, "SIGHUP: access log %s reopened\n",
		    t->conf->access_log_path);
}

void
gw_telemetry_stop(struct gw_ctrl *c)
{
	struct gw_telemetry *t = c->telemetry;

	if (t == NULL)
		return;
	if (c->dp != NULL)
		drain(c);	/* the workers stopped: the last records */
	gw_zipkin_free(t->zipkin);
	if (t->own_fd && t->fd >= 0)
		close(t->fd);
	gw_alog_format_free(t->format);
	free(t->buf);
	free(t);
	c->telemetry = NULL;
}

bool
gw_telemetry_spans(const struct gw_ctrl *c, uint64_t *sent, uint64_t *failed,
		   uint64_t *dropped)
{
	const struct gw_telemetry *t = c->telemetry;

	if (t == NULL || t->zipkin == NULL)
		return false;
	gw_zipkin_counts(t->zipkin, sent, failed, dropped);
	return true;
}
