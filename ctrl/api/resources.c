/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api resources — the Kubernetes-style resource API over the store:
 *
 *   GET    /apis/{group}/{version}/{plural}                      all namespaces
 *   GET    /apis/{group}/{version}/namespaces/{ns}/{plural}      list
 *   POST   /apis/{group}/{version}/namespaces/{ns}/{plural}      create
 *   GET    /apis/{group}/{version}/namespaces/{ns}/{plural}/{name}
 *   PUT    /apis/{group}/{version}/namespaces/{ns}/{plural}/{name}  replace
 *   DELETE /apis/{group}/{version}/namespaces/{ns}/{plural}/{name}
 *          [?resourceVersion=N]
 *   POST   /apis/apply   multi-document YAML, a JSON list, or a List
 *
 * Bodies are JSON or YAML. A malformed body is 400; a well-formed one
 * whose content is wrong is 422 with the resource, a JSON pointer and
 * what was expected; a stale metadata.resourceVersion is 409. Every
 * accepted change goes through gw_ctrl_apply(). Control thread.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>

#include "gw_config.h"
#include "gw_ctrl.h"
#include "gw_mesh.h"
#include "gw_store.h"
#include "api_priv.h"

#define PATH_PARTS 8

static void
reply_status(struct api_reply *r, unsigned code, const char *reason,
	     const char *msg, json_t *causes)
{
	reply_json(r, code, gw_ctrl_status_failure(code, reason, msg, causes));
}

static const char *
reason_of(unsigned code)
{
	switch (code) {
	case 400:
		return "BadRequest";
	case 404:
		return "NotFound";
	case 409:
		return "Conflict";
	case 422:
		return "Invalid";
	default:
		return "InternalError";
	}
}

/* A loader error: 400 when the body is not YAML/JSON at all, else 422
 * with the field it is about. */
static void
reply_config_err(struct api_reply *r, const struct gw_config_err *e)
{
	char msg[GW_CONFIG_ERR_FILE_MAX + GW_CONFIG_ERR_MSG_MAX + 32];
	char ptr[GW_CONFIG_ERR_MSG_MAX];
	const char *rest;

	gw_config_err_format(e, msg, sizeof(msg));
	if (e->syntax) {
		reply_status(r, 400, "BadRequest", msg, NULL);
		return;
	}
	gw_store_field_pointer(e->msg, ptr, sizeof(ptr), &rest);
	reply_status(r, 422, "Invalid", msg,
		     json_pack("[{s:s, s:s, s:s}]", "resource", "", "field",
			       ptr, "message", rest));
}

static const char *
skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

/*
 * The resources of a body: a JSON object, array or List, or YAML
 * documents. @return a new array, or NULL with the answer in r.
 */
static json_t *
body_objects(const struct api_req *q, struct api_reply *r)
{
	const char *p = skip_ws(q->body);
	struct gw_config_err cerr;
	struct gw_config *cfg;
	json_error_t jerr;
	json_t *doc, *arr;
	size_t i;

	if (*p == '\0') {
		reply_status(r, 400, "BadRequest", "empty body", NULL);
		return NULL;
	}
	if (*p == '{' || *p == '[') {
		doc = json_loadb(q->body, q->len, JSON_REJECT_DUPLICATES, &jerr);
		if (doc == NULL) {
			char msg[256];

			snprintf(msg, sizeof(msg), "malformed JSON at line %d "
				 "column %d: %s", jerr.line, jerr.column,
				 jerr.text);
			reply_status(r, 400, "BadRequest", msg, NULL);
			return NULL;
		}
		if (json_is_array(doc))
			return doc;
		if (json_is_array(json_object_get(doc, "items"))) {
			arr = json_incref(json_object_get(doc, "items"));
			json_decref(doc);
			return arr;
		}
		arr = json_array();
		if (arr == NULL || json_array_append_new(arr, doc) < 0) {
			json_decref(arr);
			reply_error(r, 500, "out of memory");
			return NULL;
		}
		return arr;
	}
	/* YAML: lib/config checks the documents' shape as for a file */
	if (gw_config_load_buffer("body", q->body, q->len, &cfg, &cerr) != 0) {
		reply_config_err(r, &cerr);
		return NULL;
	}
	arr = json_array();
	for (i = 0; arr != NULL && i < gw_config_resource_count(cfg); i++) {
		json_t *o = gw_config_resource_to_json(
			gw_config_resource_at(cfg, i));

		if (o == NULL || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	gw_config_free(cfg);
	if (arr == NULL)
		reply_error(r, 500, "out of memory");
	return arr;
}

/* Run the change and answer: gw_ctrl_apply()'s report or failure. */
static void
apply_and_reply(struct gw_api *api, struct gw_store *cand,
		struct api_reply *r, unsigned ok_code, const char *kind,
		const char *ns, const char *name)
{
	const struct gw_store_entry *e;
	json_t *report = NULL, *obj;
	unsigned code = gw_ctrl_apply(api->c, cand, &report);

	if (code != 200 || name == NULL) {
		reply_json(r, code, report);
		return;
	}
	/* one resource: the stored object, the apply's report as status */
	e = gw_store_find(api->c->store, kind, ns, name);
	obj = e != NULL ? json_deep_copy(e->obj) : json_object();
	if (obj != NULL)
		json_object_set_new(obj, "status", report);
	else
		json_decref(report);
	reply_json(r, ok_code, obj);
}

static void
handle_apply(struct gw_api *api, const struct api_req *q,
	     struct api_reply *r)
{
	struct gw_store_err serr;
	struct gw_store *cand;
	json_t *objs = body_objects(q, r), *o;
	size_t i;

	if (objs == NULL)
		return;
	if (json_array_size(objs) == 0) {
		json_decref(objs);
		reply_status(r, 400, "BadRequest", "no resources in the body",
			     NULL);
		return;
	}
	if (gw_store_clone(api->c->store, &cand) < 0) {
		json_decref(objs);
		reply_error(r, 500, "out of memory");
		return;
	}
	json_array_foreach(objs, i, o) {
		if (gw_store_put(cand, o, GW_STORE_APPLY, NULL, NULL, NULL,
				 &serr) == NULL) {
			char msg[GW_STORE_MSG_MAX + 32];

			snprintf(msg, sizeof(msg), "item %zu: %s", i, serr.msg);
			gw_store_free(cand);
			json_decref(objs);
			reply_status(r, serr.status, reason_of(serr.status),
				     msg, NULL);
			return;
		}
	}
	json_decref(objs);
	apply_and_reply(api, cand, r, 200, NULL, NULL, NULL);
}

/* The stored object with the running configuration's view as status. */
static json_t *
object_view(const struct gw_ctrl *c, const struct gw_store_entry *e)
{
	json_t *o = json_deep_copy(e->obj), *st, *f;
	char line[GW_MESH_MSG_MAX + 512];
	size_t i, k;

	if (o == NULL)
		return NULL;
	st = json_object();
	f = json_array();
	json_object_set_new(o, "status", st);
	json_object_set_new(st, "findings", f);
	for (i = 0; i < gw_config_resource_count(c->cfg); i++) {
		const struct gw_config_resource *r =
			gw_config_resource_at(c->cfg, i);
		enum gw_mesh_state ms;

		if (strcmp(r->kind, e->kind) != 0 ||
		    strcmp(r->namespace, e->ns) != 0 ||
		    strcmp(r->name, e->name) != 0)
			continue;
		ms = gw_mesh_resource_state(c->mesh, r);
		json_object_set_new(st, "state", json_string(
			ms == GW_MESH_IGNORED ?
			gw_config_apply_state_name(r->state) :
			gw_mesh_state_name(ms)));
		for (k = 0; k < gw_mesh_diag_count(c->mesh); k++) {
			const struct gw_mesh_diag *d =
				gw_mesh_diag_at(c->mesh, k);

			if (d->res != r)
				continue;
			gw_mesh_diag_format(d, line, sizeof(line));
			json_array_append_new(f, json_string(line));
		}
	}
	return o;
}

static void
handle_list(struct gw_api *api, struct api_reply *r, const char *group,
	    const char *version, const char *kind, const char *ns)
{
	const struct gw_store *st = api->c->store;
	char av[256], lk[128], rv[24];
	json_t *items = json_array(), *doc;
	size_t i;

	for (i = 0; items != NULL && i < st->n; i++) {
		const struct gw_store_entry *e = &st->e[i];

		if (strcmp(e->kind, kind) != 0 ||
		    (ns != NULL && strcmp(e->ns, ns) != 0))
			continue;
		json_array_append_new(items, object_view(api->c, e));
	}
	snprintf(av, sizeof(av), "%s/%s", group, version);
	snprintf(lk, sizeof(lk), "%sList", kind);
	snprintf(rv, sizeof(rv), "%" PRIu64, st->rv);
	doc = json_pack("{s:s, s:s, s:{s:s}, s:o}", "apiVersion", av, "kind",
			lk, "metadata", "resourceVersion", rv, "items", items);
	reply_json(r, 200, doc);
}

static uint64_t
query_rv(const struct api_req *q, bool *bad)
{
	const char *v = MHD_lookup_connection_value(q->conn,
						    MHD_GET_ARGUMENT_KIND,
						    "resourceVersion");
	char *end;
	unsigned long long n;

	*bad = false;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || !isdigit((unsigned char)v[0])) {
		*bad = true;
		return 0;
	}
	return n;
}

/* PUT, POST: one resource from the body. */
static void
handle_write(struct gw_api *api, const struct api_req *q,
	     struct api_reply *r, const char *kind, const char *ns,
	     const char *name)
{
	enum gw_store_mode mode = name != NULL ? GW_STORE_UPDATE :
						 GW_STORE_CREATE;
	const struct gw_store_entry *e;
	struct gw_store_err serr;
	struct gw_store *cand;
	json_t *objs = body_objects(q, r);
	char made[256];

	if (objs == NULL)
		return;
	if (json_array_size(objs) != 1) {
		json_decref(objs);
		reply_status(r, 400, "BadRequest", "expected one resource; "
			     "POST /apis/apply takes several", NULL);
		return;
	}
	if (gw_store_clone(api->c->store, &cand) < 0) {
		json_decref(objs);
		reply_error(r, 500, "out of memory");
		return;
	}
	e = gw_store_put(cand, json_array_get(objs, 0), mode, kind, ns, name,
			 &serr);
	json_decref(objs);
	if (e == NULL) {
		gw_store_free(cand);
		reply_status(r, serr.status, reason_of(serr.status), serr.msg,
			     NULL);
		return;
	}
	/* e lives in cand, which the apply consumes: keep the name */
	snprintf(made, sizeof(made), "%s", e->name);
	apply_and_reply(api, cand, r, name != NULL ? 200 : 201, kind, ns,
			made);
}

static void
handle_delete(struct gw_api *api, const struct api_req *q,
	      struct api_reply *r, const char *kind, const char *ns,
	      const char *name)
{
	struct gw_store_err serr;
	struct gw_store *cand;
	bool bad;
	uint64_t rv = query_rv(q, &bad);

	if (bad) {
		reply_status(r, 400, "BadRequest", "resourceVersion: expected "
			     "a decimal number", NULL);
		return;
	}
	if (gw_store_clone(api->c->store, &cand) < 0) {
		reply_error(r, 500, "out of memory");
		return;
	}
	if (gw_store_delete(cand, kind, ns, name, rv, &serr) < 0) {
		gw_store_free(cand);
		reply_status(r, serr.status, reason_of(serr.status), serr.msg,
			     NULL);
		return;
	}
	apply_and_reply(api, cand, r, 200, NULL, NULL, NULL);
}

/* Split "a/b/c" into at most n parts (in buf); @return the count, or -1
 * when there are more, or an empty part. */
static int
split(char *buf, char **parts, int n)
{
	int k = 0;
	char *p = buf;

	for (;;) {
		char *slash = strchr(p, '/');

		if (k == n || *p == '/' || *p == '\0')
			return -1;
		parts[k++] = p;
		if (slash == NULL)
			return k;
		*slash = '\0';
		p = slash + 1;
	}
}

static bool
is_method(const struct api_req *q, const char *m)
{
	return strcmp(q->method, m) == 0;
}

void
api_resources(struct gw_api *api, const struct api_req *q, const char *url,
	      struct api_reply *r, const char **allow)
{
	char buf[1024], *parts[PATH_PARTS];
	const char *kind, *av, *ns = NULL, *name = NULL;
	int n, rc;
	bool get = is_method(q, MHD_HTTP_METHOD_GET) ||
		   is_method(q, MHD_HTTP_METHOD_HEAD);

	if (strcmp(url, "/apis/apply") == 0) {
		if (!is_method(q, MHD_HTTP_METHOD_POST)) {
			*allow = "POST";
			reply_error(r, 405, "method not allowed; use POST");
			return;
		}
		handle_apply(api, q, r);
		return;
	}
	if (strlen(url) - 6 >= sizeof(buf)) {
		reply_error(r, 404, "no such resource path");
		return;
	}
	snprintf(buf, sizeof(buf), "%s", url + 6);
	n = split(buf, parts, PATH_PARTS);
	if (n == 5 || n == 6) {
		if (strcmp(parts[2], "namespaces") != 0) {
			reply_error(r, 404, "expected /apis/{group}/{version}/"
				    "namespaces/{namespace}/{plural}[/{name}]");
			return;
		}
		ns = parts[3];
		name = n == 6 ? parts[5] : NULL;
		rc = gw_config_kind_find(parts[0], parts[1], parts[4], &kind,
					 &av);
	} else if (n == 3) {
		rc = gw_config_kind_find(parts[0], parts[1], parts[2], &kind,
					 &av);
	} else {
		reply_error(r, 404, "expected /apis/{group}/{version}/"
			    "namespaces/{namespace}/{plural}[/{name}]");
		return;
	}
	if (rc == -ENOENT) {
		reply_status(r, 404, "NotFound", "no such resource type", NULL);
		return;
	}
	if (rc < 0) {
		reply_status(r, 404, "NotFound", "this version of the resource "
			     "type is not served", NULL);
		return;
	}
	if (name != NULL) {
		const struct gw_store_entry *e =
			gw_store_find(api->c->store, kind, ns, name);

		if (get) {
			if (e == NULL) {
				reply_status(r, 404, "NotFound",
					     "resource not found", NULL);
				return;
			}
			reply_json(r, 200, object_view(api->c, e));
		} else if (is_method(q, MHD_HTTP_METHOD_PUT)) {
			handle_write(api, q, r, kind, ns, name);
		} else if (is_method(q, MHD_HTTP_METHOD_DELETE)) {
			handle_delete(api, q, r, kind, ns, name);
		} else {
			*allow = "GET, HEAD, PUT, DELETE";
			reply_error(r, 405, "method not allowed");
		}
		return;
	}
	if (get) {
		handle_list(api, r, parts[0], parts[1], kind, ns);
	} else if (ns != NULL && is_method(q, MHD_HTTP_METHOD_POST)) {
		handle_write(api, q, r, kind, ns, NULL);
	} else {
		*allow = ns != NULL ? "GET, HEAD, POST" : "GET, HEAD";
		reply_error(r, 405, "method not allowed");
	}
}
