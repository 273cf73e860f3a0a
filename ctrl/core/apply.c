/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl apply — one accepted change, all or nothing: the changed copy of
 * the store is loaded (lib/config) and compiled (lib/mesh) as a whole, the
 * resources it touched must not be rejected, a snapshot is built
 * (dataplane/worker), the store is saved to the state folder, and only
 * then is the snapshot published and the copy committed. Any failure on
 * the way leaves the running configuration and the store as they were.
 * Control thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_ctrl.h"
#include "gw_snap.h"
#include "gw_store.h"

#define PUBLISH_WAIT_MS 2000 /* for every worker to switch, at most */

/* {"resource", "field", "message"} */
static json_t *
cause(const char *resource, const char *msg)
{
	char ptr[GW_MESH_MSG_MAX];
	const char *rest;

	gw_store_field_pointer(msg, ptr, sizeof(ptr), &rest);
	return json_pack("{s:s, s:s, s:s}", "resource", resource, "field", ptr,
			 "message", rest);
}

json_t *
gw_ctrl_status_failure(unsigned code, const char *reason, const char *msg,
		       json_t *causes)
{
	json_t *st = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "apiVersion",
			       "v1", "kind", "Status", "status", "Failure",
			       "code", (int)code, "reason", reason, "message",
			       msg);

	if (st != NULL && causes != NULL)
		json_object_set_new(st, "details",
				    json_pack("{s:o}", "causes", causes));
	else
		json_decref(causes);
	return st;
}

static unsigned
fail(json_t **body, unsigned code, const char *reason, const char *msg,
     json_t *causes)
{
	*body = gw_ctrl_status_failure(code, reason, msg, causes);
	return code;
}

/* The entry of the store copy a loaded resource comes from. */
static const struct gw_store_entry *
entry_of(const struct gw_store *st, const struct gw_config_resource *r)
{
	return gw_store_find(st, r->kind, r->namespace, r->name);
}

/* The Dataplane sizes memory, ports and workers: fixed until a restart. */
static bool
dataplane_changed(const struct gw_store *cur, const struct gw_store *cand,
		  char *id, size_t len)
{
	size_t i;

	for (i = 0; i < cand->n; i++) {
		const struct gw_store_entry *e = &cand->e[i], *o;

		if (strcmp(e->kind, "Dataplane") != 0 || !e->touched)
			continue;
		o = gw_store_find(cur, e->kind, e->ns, e->name);
		gw_store_entry_id(e, id, len);
		if (o == NULL || !json_equal(json_object_get(o->obj, "spec"),
					     json_object_get(e->obj, "spec")))
			return true;
	}
	for (i = 0; i < cand->n_deleted; i++) {
		if (strncmp(cand->deleted[i], "Dataplane/", 10) == 0) {
			snprintf(id, len, "%s", cand->deleted[i]);
			return true;
		}
	}
	return false;
}

/* Findings of the touched resources: errors of rejected ones into
 * causes, the rest into warnings. @return rejected resources. */
static size_t
findings(const struct gw_store *cand, const struct gw_config *cfg,
	 const struct gw_mesh *mesh, json_t *causes, json_t *warnings)
{
	size_t i, rejected = 0;
	char id[GW_CONFIG_ERR_FILE_MAX];

	for (i = 0; i < gw_mesh_diag_count(mesh); i++) {
		const struct gw_mesh_diag *d = gw_mesh_diag_at(mesh, i);
		const struct gw_store_entry *e = d->res != NULL ?
			entry_of(cand, d->res) : NULL;
		bool bad;

		if (e == NULL || !e->touched)
			continue;
		gw_store_entry_id(e, id, sizeof(id));
		bad = gw_mesh_resource_state(mesh, d->res) == GW_MESH_REJECTED &&
		      d->severity == GW_MESH_ERROR;
		json_array_append_new(bad ? causes : warnings,
				      cause(id, d->msg));
	}
	for (i = 0; i < gw_config_resource_count(cfg); i++) {
		const struct gw_config_resource *r =
			gw_config_resource_at(cfg, i);
		const struct gw_store_entry *e = entry_of(cand, r);

		if (e != NULL && e->touched &&
		    gw_mesh_resource_state(mesh, r) == GW_MESH_REJECTED)
			rejected++;
	}
	return rejected;
}

static json_t *
ids(const struct gw_store *cand)
{
	json_t *a = json_array();
	char id[GW_CONFIG_ERR_FILE_MAX];
	size_t i;

	for (i = 0; a != NULL && i < cand->n; i++) {
		if (!cand->e[i].touched)
			continue;
		gw_store_entry_id(&cand->e[i], id, sizeof(id));
		json_array_append_new(a, json_pack("{s:s, s:s}", "resource", id,
						   "resourceVersion",
						   json_string_value(json_object_get(
						   json_object_get(cand->e[i].obj,
								   "metadata"),
						   "resourceVersion"))));
	}
	return a;
}

static json_t *
deleted(const struct gw_store *cand)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < cand->n_deleted; i++)
		json_array_append_new(a, json_string(cand->deleted[i]));
	return a;
}

unsigned
gw_ctrl_apply(struct gw_ctrl *c, struct gw_store *cand, json_t **body)
{
	const struct gw_store_entry *bad = NULL;
	struct gw_config_err cerr;
	struct gw_config *cfg = NULL;
	struct gw_mesh *mesh = NULL;
	struct gw_snap *snap = NULL;
	json_t *causes, *warnings, *report;
	char id[GW_CONFIG_ERR_FILE_MAX], msg[1024];
	uint64_t t0 = gw_ctrl_now_ns(), t1, t2, deadline;
	unsigned pending, code;
	int rc;

	*body = NULL;
	c->applies_tried++;
	if (dataplane_changed(c->store, cand, id, sizeof(id))) {
		gw_store_free(cand);
		snprintf(msg, sizeof(msg), "%s: the Dataplane (ports, workers, "
			 "memory) changes only with a restart", id);
		return fail(body, 422, "Invalid", msg,
			    json_pack("[{s:s, s:s, s:s}]", "resource", id,
				      "field", "/spec", "message",
				      "changes only with a restart"));
	}
	rc = gw_store_config(cand, &cfg, &cerr, &bad);
	if (rc < 0) {
		gw_store_free(cand);
		if (rc == -ENOMEM)
			return fail(body, 500, "InternalError", "out of memory",
				    NULL);
		snprintf(id, sizeof(id), "%s", bad != NULL ? cerr.file : "");
		snprintf(msg, sizeof(msg), "%s: %s", id, cerr.msg);
		return fail(body, 422, "Invalid", msg,
			    json_pack("[o]", cause(id, cerr.msg)));
	}
	rc = gw_mesh_compile(cfg, &mesh);
	if (rc < 0) {
		gw_mesh_free(mesh);
		gw_config_free(cfg);
		gw_store_free(cand);
		return fail(body, 500, "InternalError",
			    "out of memory compiling the configuration", NULL);
	}
	causes = json_array();
	warnings = json_array();
	if (findings(cand, cfg, mesh, causes, warnings) > 0) {
		const char *m = json_string_value(json_object_get(
			json_array_get(causes, 0), "message"));
		const char *r = json_string_value(json_object_get(
			json_array_get(causes, 0), "resource"));

		snprintf(msg, sizeof(msg), "%s: %s", r ? r : "?", m ? m : "?");
		json_decref(warnings);
		gw_mesh_free(mesh);
		gw_config_free(cfg);
		gw_store_free(cand);
		return fail(body, 422, "Invalid", msg, causes);
	}
	json_decref(causes);
	rc = gw_snap_build(c->dp, cfg, mesh, false, &snap, msg, sizeof(msg));
	if (rc < 0) {
		json_decref(warnings);
		gw_mesh_free(mesh);
		gw_config_free(cfg);
		gw_store_free(cand);
		code = rc == -ENOSPC || rc == -EADDRINUSE || rc == -EINVAL ?
			       422 : 500;
		return fail(body, code, code == 422 ? "Invalid" :
			    "InternalError", msg, NULL);
	}
	t1 = gw_ctrl_now_ns();
	/* saved before it takes effect: what is answered 200 survives a
	 * restart */
	rc = gw_store_save(cand, msg, sizeof(msg));
	if (rc < 0) {
		json_decref(warnings);
		gw_snap_discard(c->dp, snap);
		gw_store_free(cand);
		GW_CTRL_LOG(ERR, "%s\n", msg);
		return fail(body, 500, "InternalError", msg, NULL);
	}
	gw_snap_publish(c->dp, snap);
	deadline = t1 + (uint64_t)PUBLISH_WAIT_MS * 1000000u;
	while ((pending = gw_snap_pending(c->dp, snap)) > 0 &&
	       gw_ctrl_now_ns() < deadline)
		usleep(20);
	t2 = gw_ctrl_now_ns();
	c->cfg = cfg;
	c->mesh = mesh;
	c->applies++;
	c->last_compile_ns = t1 - t0;
	c->last_publish_ns = t2 - t1;
	report = json_pack("{s:I, s:f, s:f, s:i, s:o, s:o, s:o}",
			   "configVersion", (json_int_t)snap->version,
			   "compileMs",
			   (double)(t1 - t0) / 1e6, "publishMs",
			   (double)(t2 - t1) / 1e6, "workersPending",
			   (int)pending, "changed", ids(cand), "deleted",
			   deleted(cand), "warnings", warnings);
	snprintf(id, sizeof(id), "%" PRIu64, cand->rv);
	if (report != NULL)
		json_object_set_new(report, "resourceVersion", json_string(id));
	GW_CTRL_LOG(NOTICE, "configuration %" PRIu64 " applied: compile "
		    "%.2f ms, publish %.2f ms%s\n", snap->version,
		    (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6,
		    pending > 0 ? " (a worker has not switched yet)" : "");
	gw_store_commit(c->store, cand);
	*body = report;
	return 200;
}
