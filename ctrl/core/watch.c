/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl watch — the configuration folder (a mounted Kubernetes ConfigMap)
 * or file, watched with inotify. After a change settles (WATCH_SETTLE_MS
 * without another event: a ConfigMap update is several renames), the
 * path is loaded again and applied like an API change: the resources it
 * holds are created or replaced where they differ, those it held at the
 * last load and no longer does are deleted, resources created through the
 * API are left alone. A path that does not load, or a change the apply
 * refuses, is logged and changes nothing; the next edit is tried again.
 * Control thread.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_ctrl.h"
#include "gw_store.h"

#define WATCH_SETTLE_MS 300
#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
		      IN_CREATE | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | \
		      IN_MOVE_SELF)

struct gw_ctrl_watch {
	int fd;			/* inotify */
	char dir[PATH_MAX];	/* what is watched: the folder, or the file's */
	uint64_t due_ns;	/* reload at; 0 = nothing pending */
	struct gw_config *last;	/* what the path held at the last load */
};

int
gw_ctrl_watch_start(struct gw_ctrl *c, char *err, size_t errlen)
{
	struct gw_config_err cerr;
	struct gw_config *boot = NULL;
	struct gw_ctrl_watch *w;
	struct stat st;
	char *slash;
	int rc;

	/* what the path holds now: what a later load may delete */
	rc = gw_config_load(c->config_path, &boot, &cerr);
	if (rc < 0) {
		gw_config_err_format(&cerr, err, errlen);
		return rc;
	}

	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		gw_config_free(boot);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->fd = -1;
	snprintf(w->dir, sizeof(w->dir), "%s", c->config_path);
	if (stat(c->config_path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		/* a file: editors and ConfigMaps replace it by a rename, so
		 * the folder it is in is what to watch */
		slash = strrchr(w->dir, '/');
		if (slash == NULL)
			snprintf(w->dir, sizeof(w->dir), ".");
		else if (slash == w->dir)
			w->dir[1] = '\0';
		else
			*slash = '\0';
	}
	w->last = boot;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 || inotify_add_watch(w->fd, w->dir, WATCH_EVENTS) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot watch %s: %s", w->dir,
			 strerror(-rc));
		if (w->fd >= 0)
			close(w->fd);
		gw_config_free(w->last);
		free(w);
		return rc;
	}
	c->watch = w;
	GW_CTRL_LOG(INFO, "watching %s for configuration changes\n", w->dir);
	return 0;
}

void
gw_ctrl_watch_stop(struct gw_ctrl *c)
{
	struct gw_ctrl_watch *w = c->watch;

	if (w == NULL)
		return;
	close(w->fd);
	gw_config_free(w->last);
	free(w);
	c->watch = NULL;
}

int
gw_ctrl_watch_fd(const struct gw_ctrl *c)
{
	return c->watch != NULL ? c->watch->fd : -1;
}

int
gw_ctrl_watch_timeout_ms(const struct gw_ctrl *c, int max_ms)
{
	uint64_t now;

	if (c->watch == NULL || c->watch->due_ns == 0)
		return max_ms;
	now = gw_ctrl_now_ns();
	if (now >= c->watch->due_ns)
		return 0;
	return (int)RTE_MIN((uint64_t)max_ms,
			    (c->watch->due_ns - now) / 1000000u + 1);
}

/* Whether the stored entry already holds obj (apart from its version). */
static bool
unchanged(const struct gw_store_entry *e, const json_t *obj)
{
	json_t *a = json_deep_copy(e->obj);
	bool same;

	json_object_del(json_object_get(a, "metadata"), "resourceVersion");
	same = json_equal(a, obj);
	json_decref(a);
	return same;
}

static bool
has(const struct gw_config *cfg, const struct gw_config_resource *r)
{
	size_t i;

	for (i = 0; i < gw_config_resource_count(cfg); i++) {
		const struct gw_config_resource *o =
			gw_config_resource_at(cfg, i);

		if (strcmp(o->kind, r->kind) == 0 &&
		    strcmp(o->namespace, r->namespace) == 0 &&
		    strcmp(o->name, r->name) == 0)
			return true;
	}
	return false;
}

/* The changes from the store to what cfg holds, on a copy.
 * @return changes made, or -1 (logged). */
static int
diff_into(struct gw_ctrl *c, const struct gw_config *cfg,
	  struct gw_store *cand)
{
	struct gw_store_err serr;
	int changes = 0;
	size_t i;

	for (i = 0; i < gw_config_resource_count(cfg); i++) {
		const struct gw_config_resource *r =
			gw_config_resource_at(cfg, i);
		const struct gw_store_entry *e =
			gw_store_find(cand, r->kind, r->namespace, r->name);
		json_t *obj = gw_config_resource_to_json(r);

		if (obj == NULL)
			return -1;
		if (e == NULL || !unchanged(e, obj)) {
			if (gw_store_put(cand, obj, GW_STORE_APPLY, NULL, NULL,
					 NULL, &serr) == NULL) {
				GW_CTRL_LOG(ERR, "%s: %s/%s/%s: %s\n",
					    c->config_path, r->kind,
					    r->namespace, r->name, serr.msg);
				json_decref(obj);
				return -1;
			}
			changes++;
		}
		json_decref(obj);
	}
	for (i = 0; i < gw_config_resource_count(c->watch->last); i++) {
		const struct gw_config_resource *r =
			gw_config_resource_at(c->watch->last, i);

		if (has(cfg, r) ||
		    gw_store_find(cand, r->kind, r->namespace, r->name) == NULL)
			continue;
		if (gw_store_delete(cand, r->kind, r->namespace, r->name, 0,
				    &serr) < 0)
			return -1;
		changes++;
	}
	return changes;
}

static void
reload(struct gw_ctrl *c)
{
	struct gw_config_err cerr;
	struct gw_config *cfg;
	struct gw_store *cand;
	json_t *report = NULL, *causes, *v;
	char msg[GW_CONFIG_ERR_FILE_MAX + GW_CONFIG_ERR_MSG_MAX + 32];
	unsigned code;
	size_t i;
	int changes;

	if (gw_config_load(c->config_path, &cfg, &cerr) != 0) {
		gw_config_err_format(&cerr, msg, sizeof(msg));
		GW_CTRL_LOG(ERR, "%s changed but does not load, nothing "
			    "applied: %s\n", c->config_path, msg);
		return;
	}
	if (gw_store_clone(c->store, &cand) < 0) {
		gw_config_free(cfg);
		return;
	}
	changes = diff_into(c, cfg, cand);
	if (changes <= 0) {
		gw_store_free(cand);
		gw_config_free(cfg);
		if (changes == 0)
			GW_CTRL_LOG(INFO, "%s: no resource changed\n",
				    c->config_path);
		return;
	}
	code = gw_ctrl_apply(c, cand, &report);
	if (code == 200) {
		gw_config_free(c->watch->last);
		c->watch->last = cfg;
		cfg = NULL;
		GW_CTRL_LOG(NOTICE, "%s: %d change(s) applied\n",
			    c->config_path, changes);
	} else {
		GW_CTRL_LOG(ERR, "%s: change refused (%u): %s\n",
			    c->config_path, code,
			    json_string_value(json_object_get(report,
							      "message")) ?: "?");
		causes = json_object_get(json_object_get(report, "details"),
					 "causes");
		json_array_foreach(causes, i, v)
			GW_CTRL_LOG(ERR, "  %s %s: %s\n",
				    json_string_value(json_object_get(
					    v, "resource")) ?: "",
				    json_string_value(json_object_get(
					    v, "field")) ?: "",
				    json_string_value(json_object_get(
					    v, "message")) ?: "");
	}
	json_decref(report);
	gw_config_free(cfg);
}

void
gw_ctrl_watch_run(struct gw_ctrl *c)
{
	struct gw_ctrl_watch *w = c->watch;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool seen = false;
	ssize_t n;

	if (w == NULL)
		return;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0)
		seen = true;
	if (seen)
		w->due_ns = gw_ctrl_now_ns() +
			    (uint64_t)WATCH_SETTLE_MS * 1000000u;
	if (w->due_ns != 0 && gw_ctrl_now_ns() >= w->due_ns) {
		w->due_ns = 0;
		reload(c);
	}
}
