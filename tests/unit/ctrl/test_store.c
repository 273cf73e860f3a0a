/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl/store: the resource store without a gateway. Creates, updates and
 * deletes with their resourceVersion rules; a change made on a copy is
 * invisible until committed and gone when dropped (an apply's
 * atomicity); the store's lib/config view compiles (lib/mesh) with every
 * kind meshgw implements, and a wrong resource of each kind is refused
 * with the resource and a JSON pointer to the field; the state folder
 * round-trips, and a corrupt state file falls back to the last good one.
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
#include <jansson.h>

#include "gw_config.h"
#include "gw_mesh.h"
#include "gw_store.h"

static json_t *
obj(const char *text)
{
	json_error_t e;
	json_t *o = json_loads(text, JSON_DECODE_ANY, &e);

	if (o == NULL)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return o;
}

static const struct gw_store_entry *
put(struct gw_store *st, const char *text, enum gw_store_mode mode,
    struct gw_store_err *err)
{
	json_t *o = obj(text);
	const struct gw_store_entry *e;

	memset(err, 0, sizeof(*err));
	e = gw_store_put(st, o, mode, NULL, NULL, NULL, err);
	json_decref(o);
	return e;
}

#define VS(name, host, rv)                                                   \
	"{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": "            \
	"\"VirtualService\", \"metadata\": {\"name\": \"" name "\""          \
	rv "}, \"spec\": {\"hosts\": [\"" host "\"], \"http\": [{\"route\": " \
	"[{\"destination\": {\"host\": \"a.internal\"}}]}]}}"

static void
test_put_rules(void **state)
{
	struct gw_store_err err;
	struct gw_store *st;
	const struct gw_store_entry *e;

	(void)state;
	assert_int_equal(gw_store_create(NULL, &st), 0);
	e = put(st, VS("vs", "a.example", ""), GW_STORE_CREATE, &err);
	assert_non_null(e);
	assert_int_equal(e->rv, 1);
	assert_string_equal(e->ns, "default");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(e->obj, "metadata"), "resourceVersion")), "1");
	/* create again: exists */
	assert_null(put(st, VS("vs", "b.example", ""), GW_STORE_CREATE, &err));
	assert_int_equal(err.status, 409);
	/* update of a missing one: 404 */
	assert_null(put(st, VS("other", "b.example", ""), GW_STORE_UPDATE,
			&err));
	assert_int_equal(err.status, 404);
	/* update with the current version, then with the stale one */
	e = put(st, VS("vs", "b.example", ", \"resourceVersion\": \"1\""),
		GW_STORE_UPDATE, &err);
	assert_non_null(e);
	assert_int_equal(e->rv, 2);
	assert_null(put(st, VS("vs", "c.example", ", \"resourceVersion\": \"1\""),
			GW_STORE_UPDATE, &err));
	assert_int_equal(err.status, 409);
	assert_non_null(strstr(err.msg, "resourceVersion"));
	/* malformed versions and objects */
	assert_null(put(st, VS("vs", "c.example", ", \"resourceVersion\": \"x1\""),
			GW_STORE_APPLY, &err));
	assert_int_equal(err.status, 400);
	assert_null(put(st, "{\"kind\": \"VirtualService\"}", GW_STORE_APPLY,
			&err));
	assert_int_equal(err.status, 400);
	assert_null(put(st, "{\"apiVersion\": \"x/v1\", \"kind\": \"Pod\", "
			"\"metadata\": {\"name\": \"p\"}}", GW_STORE_APPLY, &err));
	assert_int_equal(err.status, 422);
	assert_null(put(st, "[1]", GW_STORE_APPLY, &err));
	assert_int_equal(err.status, 400);
	/* a status is not stored */
	e = put(st, "{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": "
		"\"Gateway\", \"metadata\": {\"name\": \"g\", \"namespace\": "
		"\"edge\"}, \"spec\": {}, \"status\": {\"x\": 1}}",
		GW_STORE_APPLY, &err);
	assert_non_null(e);
	assert_null(json_object_get(e->obj, "status"));
	assert_string_equal(e->ns, "edge");
	assert_int_equal(st->n, 2);
	/* delete: stale version, missing, then for real */
	assert_int_equal(gw_store_delete(st, "Gateway", "edge", "g", 1, &err),
			 -1);
	assert_int_equal(err.status, 409);
	assert_int_equal(gw_store_delete(st, "Gateway", "default", "g", 0,
					 &err), -1);
	assert_int_equal(err.status, 404);
	assert_int_equal(gw_store_delete(st, "Gateway", "edge", "g", 0, &err),
			 0);
	assert_int_equal(st->n, 1);
	gw_store_free(st);
}

static void
test_url_agreement(void **state)
{
	struct gw_store_err err = { 0 };
	struct gw_store *st;
	json_t *o = obj(VS("vs", "a.example", ""));

	(void)state;
	assert_int_equal(gw_store_create(NULL, &st), 0);
	assert_null(gw_store_put(st, o, GW_STORE_CREATE, "Gateway", "default",
				 NULL, &err));
	assert_int_equal(err.status, 400);
	assert_null(gw_store_put(st, o, GW_STORE_CREATE, "VirtualService",
				 "default", "other", &err));
	assert_int_equal(err.status, 400);
	/* the URL's namespace applies when the body has none */
	assert_non_null(gw_store_put(st, o, GW_STORE_CREATE, "VirtualService",
				     "team-a", NULL, &err));
	assert_non_null(gw_store_find(st, "VirtualService", "team-a", "vs"));
	json_decref(o);
	gw_store_free(st);
}

/* A change on a copy: invisible until committed, gone when dropped. */
static void
test_clone_commit(void **state)
{
	struct gw_store_err err;
	struct gw_store *st, *c;
	const struct gw_store_entry *e;

	(void)state;
	assert_int_equal(gw_store_create(NULL, &st), 0);
	assert_non_null(put(st, VS("vs", "a.example", ""), GW_STORE_APPLY,
			    &err));
	assert_int_equal(gw_store_clone(st, &c), 0);
	assert_non_null(put(c, VS("vs", "b.example", ""), GW_STORE_APPLY,
			    &err));
	assert_non_null(put(c, VS("two", "c.example", ""), GW_STORE_APPLY,
			    &err));
	assert_int_equal(gw_store_delete(c, "VirtualService", "default", "vs",
					 0, &err), 0);
	assert_int_equal(c->n_deleted, 1);
	/* the original is untouched */
	assert_int_equal(st->n, 1);
	assert_int_equal(st->rv, 1);
	e = gw_store_find(st, "VirtualService", "default", "vs");
	assert_non_null(e);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_object_get(e->obj, "spec"), "hosts"), 0)), "a.example");
	gw_store_free(c);	/* dropped: nothing happened */
	assert_int_equal(st->n, 1);
	assert_int_equal(gw_store_clone(st, &c), 0);
	assert_non_null(put(c, VS("two", "c.example", ""), GW_STORE_APPLY,
			    &err));
	assert_true(c->e[1].touched);
	assert_false(c->e[0].touched);
	gw_store_commit(st, c);
	assert_int_equal(st->n, 2);
	assert_int_equal(st->rv, 2);
	assert_false(st->e[1].touched);
	gw_store_free(st);
}

/* One valid resource of every kind meshgw implements. */
static const char *const valid[] = {
	"{\"apiVersion\": \"meshgw.io/v1alpha1\", \"kind\": \"Dataplane\", "
	"\"metadata\": {\"name\": \"dp\"}, \"spec\": {\"workers\": 1}}",
	"{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": \"Gateway\", "
	"\"metadata\": {\"name\": \"gw\"}, \"spec\": {\"servers\": [{\"port\": "
	"{\"number\": 80, \"protocol\": \"HTTP\", \"name\": \"http\"}, "
	"\"hosts\": [\"*\"]}]}}",
	"{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": "
	"\"ServiceEntry\", \"metadata\": {\"name\": \"se\"}, \"spec\": "
	"{\"hosts\": [\"a.internal\"], \"resolution\": \"STATIC\", \"ports\": "
	"[{\"number\": 80, \"name\": \"http\"}], \"endpoints\": [{\"address\": "
	"\"198.18.0.1\"}]}}",
	"{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": "
	"\"WorkloadEntry\", \"metadata\": {\"name\": \"we\"}, \"spec\": "
	"{\"address\": \"198.18.0.2\", \"labels\": {\"app\": \"a\"}}}",
	"{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": "
	"\"DestinationRule\", \"metadata\": {\"name\": \"dr\"}, \"spec\": "
	"{\"host\": \"a.internal\", \"trafficPolicy\": {\"loadBalancer\": "
	"{\"simple\": \"ROUND_ROBIN\"}}}}",
	"{\"apiVersion\": \"meshgw.io/v1alpha1\", \"kind\": \"HealthCheck\", "
	"\"metadata\": {\"name\": \"hc\"}, \"spec\": {\"host\": "
	"\"a.internal\", \"tcp\": {}}}",
	"{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": "
	"\"VirtualService\", \"metadata\": {\"name\": \"vs\"}, \"spec\": "
	"{\"hosts\": [\"*\"], \"gateways\": [\"gw\"], \"http\": [{\"route\": "
	"[{\"destination\": {\"host\": \"a.internal\"}}]}]}}",
};

/* Per kind, a wrong field, and where the pointer must lead. */
static const struct {
	const char *kind;
	const char *path;	/* JSON path to set, '/'-separated */
	const char *value;	/* JSON */
	const char *pointer;	/* expected cause field */
} wrong[] = {
	{ "Gateway", "spec/servers/0/port/number", "70000",
	  "/spec/servers/0/port/number" },
	{ "ServiceEntry", "spec/resolution", "\"SOMETIMES\"",
	  "/spec/resolution" },
	{ "WorkloadEntry", "spec/address", "\"not an address\"",
	  "/spec/address" },
	{ "DestinationRule", "spec/trafficPolicy/loadBalancer/simple",
	  "\"FOO\"", "/spec/trafficPolicy/loadBalancer/simple" },
	{ "HealthCheck", "spec/interval", "\"often\"", "/spec/interval" },
	{ "VirtualService", "spec/http/0/route/0/weight", "-1",
	  "/spec/http/0/route/0/weight" },
	{ "Dataplane", "spec/workers", "\"many\"", "/spec/workers" },
};

static struct gw_store *
valid_store(void)
{
	struct gw_store_err err;
	struct gw_store *st;
	size_t i;

	assert_int_equal(gw_store_create(NULL, &st), 0);
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		assert_non_null(put(st, valid[i], GW_STORE_APPLY, &err));
	for (i = 0; i < st->n; i++)
		st->e[i].touched = false;
	return st;
}

static void
test_every_kind_compiles(void **state)
{
	struct gw_store *st = valid_store();
	const struct gw_store_entry *bad;
	struct gw_config_err err;
	struct gw_config *cfg;
	struct gw_mesh *mesh;
	size_t i;

	(void)state;
	assert_int_equal(gw_store_config(st, &cfg, &err, &bad), 0);
	assert_int_equal(gw_config_resource_count(cfg), st->n);
	assert_int_equal(gw_mesh_compile(cfg, &mesh), 0);
	for (i = 0; i < gw_config_resource_count(cfg); i++) {
		const struct gw_config_resource *r =
			gw_config_resource_at(cfg, i);

		assert_int_not_equal(gw_mesh_resource_state(mesh, r),
				     GW_MESH_REJECTED);
		/* a resource's source is the store's name for it */
		assert_non_null(strstr(r->file, r->name));
	}
	assert_int_equal(gw_mesh_listener_count(mesh), 1);
	gw_mesh_free(mesh);
	gw_config_free(cfg);
	gw_store_free(st);
}

/* Set the value at a '/'-separated path of o. */
static void
set_path(json_t *o, const char *path, json_t *v)
{
	char buf[256], *p, *slash;
	json_t *cur = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		*slash = '\0';
		cur = json_is_array(cur) ? json_array_get(cur, atoi(p)) :
					   json_object_get(cur, p);
		assert_non_null(cur);
	}
	if (json_is_array(cur))
		json_array_set_new(cur, (size_t)atoi(p), v);
	else
		json_object_set_new(cur, p, v);
}

/*
 * What an apply does with a change: load and compile the copy; the
 * changed resource is found wrong at the right field, by the loader or
 * by the compiler, and the store itself keeps the good version.
 */
static void
test_every_kind_refused(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(wrong) / sizeof(wrong[0]); k++) {
		struct gw_store *st = valid_store(), *c;
		const struct gw_store_entry *bad = NULL, *e = NULL;
		struct gw_config_err err;
		struct gw_store_err serr;
		struct gw_config *cfg = NULL;
		struct gw_mesh *mesh = NULL;
		char ptr[256];
		const char *rest, *msg = NULL;
		json_t *o = NULL;
		size_t i;

		for (i = 0; i < st->n; i++)
			if (strcmp(st->e[i].kind, wrong[k].kind) == 0)
				o = json_deep_copy(st->e[i].obj);
		assert_non_null(o);
		json_object_del(json_object_get(o, "metadata"),
				"resourceVersion");
		set_path(o, wrong[k].path, obj(wrong[k].value));
		assert_int_equal(gw_store_clone(st, &c), 0);
		assert_non_null(gw_store_put(c, o, GW_STORE_APPLY, NULL, NULL,
					     NULL, &serr));
		json_decref(o);
		if (gw_store_config(c, &cfg, &err, &bad) != 0) {
			assert_non_null(bad);
			assert_string_equal(bad->kind, wrong[k].kind);
			msg = err.msg;
		} else {
			assert_int_equal(gw_mesh_compile(cfg, &mesh), 0);
			for (i = 0; i < gw_mesh_diag_count(mesh); i++) {
				const struct gw_mesh_diag *d =
					gw_mesh_diag_at(mesh, i);

				if (strcmp(d->res->kind, wrong[k].kind) == 0 &&
				    gw_mesh_resource_state(mesh, d->res) ==
					    GW_MESH_REJECTED) {
					msg = d->msg;
					e = gw_store_find(c, d->res->kind,
							  d->res->namespace,
							  d->res->name);
				}
			}
			assert_non_null(e);
			assert_true(e->touched);
		}
		if (msg == NULL)
			fail_msg("%s: %s not refused", wrong[k].kind,
				 wrong[k].path);
		gw_store_field_pointer(msg, ptr, sizeof(ptr), &rest);
		if (strcmp(ptr, wrong[k].pointer) != 0)
			fail_msg("%s: pointer %s, want %s (%s)", wrong[k].kind,
				 ptr, wrong[k].pointer, msg);
		gw_mesh_free(mesh);
		gw_config_free(cfg);
		gw_store_free(c);	/* refused: the copy goes */
		/* the store still compiles as before */
		assert_int_equal(gw_store_config(st, &cfg, &err, &bad), 0);
		gw_config_free(cfg);
		gw_store_free(st);
	}
}

static void
test_field_pointer(void **state)
{
	char ptr[128];
	const char *rest;

	(void)state;
	gw_store_field_pointer("spec.http[0].route[1].weight: expected x",
			       ptr, sizeof(ptr), &rest);
	assert_string_equal(ptr, "/spec/http/0/route/1/weight");
	assert_string_equal(rest, "expected x");
	gw_store_field_pointer("metadata.name: bad", ptr, sizeof(ptr), &rest);
	assert_string_equal(ptr, "/metadata/name");
	gw_store_field_pointer("unknown field \"x\": no", ptr, sizeof(ptr),
			       &rest);
	assert_string_equal(ptr, "");
	assert_string_equal(rest, "unknown field \"x\": no");
	gw_store_field_pointer("no colon at all", ptr, sizeof(ptr), &rest);
	assert_string_equal(ptr, "");
	gw_store_field_pointer("spec.hosts[2]: x", ptr, 6, &rest);
	assert_true(strlen(ptr) < 6);	/* truncated, terminated */
}

static char tmpdir[64];

static void
write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_state_folder(void **state)
{
	struct gw_store_err err;
	struct gw_store *st, *back;
	char msg[GW_STORE_MSG_MAX], path[128];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/meshgw-store.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	assert_int_equal(gw_store_create(tmpdir, &st), 0);
	/* nothing saved yet: a first start */
	assert_int_equal(gw_store_create(tmpdir, &back), 0);
	assert_int_equal(gw_store_load(back, msg, sizeof(msg)), 0);
	gw_store_free(back);

	assert_non_null(put(st, VS("vs", "a.example", ""), GW_STORE_APPLY,
			    &err));
	assert_int_equal(gw_store_save(st, msg, sizeof(msg)), 0);
	assert_non_null(put(st, VS("vs", "b.example", ""), GW_STORE_APPLY,
			    &err));
	assert_non_null(put(st, VS("two", "c.example", ""), GW_STORE_APPLY,
			    &err));
	assert_int_equal(gw_store_save(st, msg, sizeof(msg)), 0);

	assert_int_equal(gw_store_create(tmpdir, &back), 0);
	assert_int_equal(gw_store_load(back, msg, sizeof(msg)), 1);
	assert_int_equal(back->n, 2);
	assert_int_equal(back->rv, 3);
	assert_int_equal(gw_store_find(back, "VirtualService", "default",
				       "vs")->rv, 2);
	gw_store_free(back);

	/* a torn state file: set aside, the previous one (rv 1) used */
	write_file(GW_STORE_STATE_FILE, "{\"apiVersion\": \"meshgw.io/v1al");
	assert_int_equal(gw_store_create(tmpdir, &back), 0);
	assert_int_equal(gw_store_load(back, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "corrupt"));
	assert_int_equal(back->n, 1);
	assert_int_equal(back->rv, 1);
	gw_store_free(back);
	snprintf(path, sizeof(path), "%s/%s.corrupt", tmpdir,
		 GW_STORE_STATE_FILE);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);

	/* both unusable: an error, nothing loaded */
	write_file(GW_STORE_STATE_FILE, "[]");
	write_file(GW_STORE_PREV_FILE, "{\"kind\": \"MeshgwState\", "
		   "\"resourceVersion\": \"1\", \"items\": [{\"kind\": 3}]}");
	assert_int_equal(gw_store_create(tmpdir, &back), 0);
	assert_int_equal(gw_store_load(back, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(back->n, 0);
	gw_store_free(back);

	/* saving again works from any of this */
	assert_int_equal(gw_store_save(st, msg, sizeof(msg)), 0);
	gw_store_free(st);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, GW_STORE_STATE_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, GW_STORE_PREV_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.corrupt", tmpdir,
		 GW_STORE_STATE_FILE);
	unlink(path);
	assert_int_equal(rmdir(tmpdir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_rules),
		cmocka_unit_test(test_url_agreement),
		cmocka_unit_test(test_clone_commit),
		cmocka_unit_test(test_every_kind_compiles),
		cmocka_unit_test(test_every_kind_refused),
		cmocka_unit_test(test_field_pointer),
		cmocka_unit_test(test_state_folder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
