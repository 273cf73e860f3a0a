/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl/store — the resource store: entries, copies for an apply, the
 * lib/config view, and the state folder (see gw_store.h). Control thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_store.h"

#define STATE_KIND "MeshgwState"
#define STATE_API_VERSION "meshgw.io/v1alpha1"

static const struct gw_store_entry *
store_fail(struct gw_store_err *err, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static const struct gw_store_entry *
store_fail(struct gw_store_err *err, unsigned status, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return NULL;
}

int
gw_store_create(const char *dir, struct gw_store **out)
{
	struct gw_store *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (st == NULL)
		return -ENOMEM;
	if (dir != NULL && (st->dir = strdup(dir)) == NULL) {
		free(st);
		return -ENOMEM;
	}
	*out = st;
	return 0;
}

static void
entry_fini(struct gw_store_entry *e)
{
	free(e->ns);
	free(e->name);
	json_decref(e->obj);
	memset(e, 0, sizeof(*e));
}

static void
deleted_free(struct gw_store *st)
{
	while (st->n_deleted > 0)
		free(st->deleted[--st->n_deleted]);
	free(st->deleted);
	st->deleted = NULL;
}

void
gw_store_free(struct gw_store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++)
		entry_fini(&st->e[i]);
	free(st->e);
	deleted_free(st);
	free(st->dir);
	free(st);
}

void
gw_store_entry_id(const struct gw_store_entry *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s", e->kind, e->ns, e->name);
}

static ssize_t
find_index(const struct gw_store *st, const char *kind, const char *ns,
	   const char *name)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		const struct gw_store_entry *e = &st->e[i];

		if (strcmp(e->kind, kind) == 0 && strcmp(e->ns, ns) == 0 &&
		    strcmp(e->name, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

const struct gw_store_entry *
gw_store_find(const struct gw_store *st, const char *kind, const char *ns,
	      const char *name)
{
	ssize_t i = find_index(st, kind, ns, name);

	return i < 0 ? NULL : &st->e[i];
}

/* A new slot at the end. NULL: no memory. */
static struct gw_store_entry *
entry_new(struct gw_store *st)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		struct gw_store_entry *e = realloc(st->e, cap * sizeof(*e));

		if (e == NULL)
			return NULL;
		st->e = e;
		st->cap = cap;
	}
	memset(&st->e[st->n], 0, sizeof(st->e[0]));
	return &st->e[st->n++];
}

/* metadata.resourceVersion: 0 when absent or "", else the number;
 * -1 when it is not a decimal number. */
static int64_t
rv_of(const json_t *meta)
{
	const json_t *v = json_object_get(meta, "resourceVersion");
	const char *s;
	char *end;
	unsigned long long n;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? json_integer_value(v) : -1;
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (s[0] == '\0')
		return 0;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || n == 0 || n > INT64_MAX)
		return -1;
	return (int64_t)n;
}

/* Set the stored copy's metadata: namespace, resourceVersion. */
static int
meta_stamp(json_t *obj, const char *ns, uint64_t rv)
{
	json_t *meta = json_object_get(obj, "metadata");
	char v[24];

	snprintf(v, sizeof(v), "%" PRIu64, rv);
	if (json_object_set_new(meta, "namespace", json_string(ns)) < 0 ||
	    json_object_set_new(meta, "resourceVersion", json_string(v)) < 0)
		return -ENOMEM;
	return 0;
}

/* Fill e (kind, ns, name, obj: a reference taken) from a checked obj. */
static int
entry_set(struct gw_store_entry *e, const char *kind, const char *ns,
	  const char *name, json_t *obj, uint64_t rv)
{
	e->kind = kind;
	e->ns = strdup(ns);
	e->name = strdup(name);
	e->obj = obj;
	e->rv = rv;
	if (e->ns == NULL || e->name == NULL)
		return -ENOMEM;
	return meta_stamp(obj, ns, rv);
}

/* The parts of a resource the store keys on; err set when malformed. */
static bool
obj_key(const json_t *obj, const char **kind, const char **ns,
	const char **name, int64_t *rv, struct gw_store_err *err)
{
	const json_t *meta, *k, *n, *s, *av;

	if (!json_is_object(obj)) {
		store_fail(err, 400, "a resource must be a JSON object");
		return false;
	}
	av = json_object_get(obj, "apiVersion");
	k = json_object_get(obj, "kind");
	meta = json_object_get(obj, "metadata");
	if (!json_is_string(av) || !json_is_string(k)) {
		store_fail(err, 400, "a resource needs apiVersion and kind "
			   "(strings)");
		return false;
	}
	/* lib/config's spelling: a string that outlives the object */
	*kind = gw_config_kind_name(json_string_value(k));
	if (*kind == NULL) {
		store_fail(err, 422, "kind: unknown kind \"%.64s\"",
			   json_string_value(k));
		return false;
	}
	if (!json_is_object(meta)) {
		store_fail(err, 400, "metadata: expected an object");
		return false;
	}
	n = json_object_get(meta, "name");
	if (!json_is_string(n) || json_string_length(n) == 0) {
		store_fail(err, 400, "metadata.name: expected a string");
		return false;
	}
	*name = json_string_value(n);
	s = json_object_get(meta, "namespace");
	if (s != NULL && !json_is_string(s)) {
		store_fail(err, 400, "metadata.namespace: expected a string");
		return false;
	}
	*ns = s != NULL ? json_string_value(s) : "default";
	*rv = rv_of(meta);
	if (*rv < 0) {
		store_fail(err, 400, "metadata.resourceVersion: expected a "
			   "decimal number as a string");
		return false;
	}
	return true;
}

const struct gw_store_entry *
gw_store_put(struct gw_store *st, const json_t *obj, enum gw_store_mode mode,
	     const char *want_kind, const char *want_ns, const char *want_name,
	     struct gw_store_err *err)
{
	const char *kind, *ns, *name;
	struct gw_store_entry *e, tmp = { 0 };
	json_t *copy;
	int64_t rv;
	ssize_t i;

	if (!obj_key(obj, &kind, &ns, &name, &rv, err))
		return NULL;
	if (want_kind != NULL && strcmp(want_kind, kind) != 0)
		return store_fail(err, 400, "kind %s does not match the URL's "
				  "%s", kind, want_kind);
	if (want_ns != NULL && strcmp(want_ns, ns) != 0 &&
	    json_object_get(json_object_get(obj, "metadata"),
			    "namespace") != NULL)
		return store_fail(err, 400, "metadata.namespace \"%.64s\" does "
				  "not match the URL's \"%.64s\"", ns, want_ns);
	if (want_ns != NULL)
		ns = want_ns;
	if (want_name != NULL && strcmp(want_name, name) != 0)
		return store_fail(err, 400, "metadata.name \"%.64s\" does not "
				  "match the URL's \"%.64s\"", name, want_name);
	i = find_index(st, kind, ns, name);
	if (mode == GW_STORE_CREATE && i >= 0)
		return store_fail(err, 409, "%s %s/%s already exists", kind,
				  ns, name);
	if (mode == GW_STORE_CREATE && rv != 0)
		return store_fail(err, 400, "metadata.resourceVersion must not "
				  "be set on a resource to create");
	if (mode == GW_STORE_UPDATE && i < 0)
		return store_fail(err, 404, "%s %s/%s not found", kind, ns,
				  name);
	if (rv != 0 && (i < 0 || st->e[i].rv != (uint64_t)rv))
		return store_fail(err, 409, "%s %s/%s: resourceVersion %" PRId64
				  " is not the current one (%s): the object "
				  "was changed; read it again", kind, ns, name,
				  rv, i < 0 ? "deleted" : "newer");
	copy = json_deep_copy(obj);
	if (copy == NULL)
		return store_fail(err, 500, "out of memory");
	json_object_del(copy, "status");
	if (entry_set(&tmp, kind, ns, name, copy, st->rv + 1) < 0) {
		entry_fini(&tmp);
		return store_fail(err, 500, "out of memory");
	}
	if (i >= 0) {
		e = &st->e[i];
		entry_fini(e);
	} else if ((e = entry_new(st)) == NULL) {
		entry_fini(&tmp);
		return store_fail(err, 500, "out of memory");
	}
	*e = tmp;
	e->touched = true;
	st->rv++;
	return e;
}

int
gw_store_delete(struct gw_store *st, const char *kind, const char *ns,
		const char *name, uint64_t expect_rv, struct gw_store_err *err)
{
	ssize_t i = find_index(st, kind, ns, name);
	char **d, *id;

	if (i < 0) {
		store_fail(err, 404, "%s %s/%s not found", kind, ns, name);
		return -1;
	}
	if (expect_rv != 0 && st->e[i].rv != expect_rv) {
		store_fail(err, 409, "%s %s/%s: resourceVersion %" PRIu64
			   " is not the current one", kind, ns, name,
			   expect_rv);
		return -1;
	}
	d = realloc(st->deleted, (st->n_deleted + 1) * sizeof(*d));
	if (d == NULL || asprintf(&id, "%s/%s/%s", kind, ns, name) < 0) {
		if (d != NULL)
			st->deleted = d;
		store_fail(err, 500, "out of memory");
		return -1;
	}
	st->deleted = d;
	st->deleted[st->n_deleted++] = id;
	entry_fini(&st->e[i]);
	memmove(&st->e[i], &st->e[i + 1],
		(st->n - (size_t)i - 1) * sizeof(st->e[0]));
	st->n--;
	st->rv++;	/* a deletion is a change too */
	return 0;
}

void
gw_store_drop_kind(struct gw_store *st, const char *kind)
{
	size_t i = 0;

	while (i < st->n) {
		if (strcmp(st->e[i].kind, kind) != 0) {
			i++;
			continue;
		}
		entry_fini(&st->e[i]);
		memmove(&st->e[i], &st->e[i + 1],
			(st->n - i - 1) * sizeof(st->e[0]));
		st->n--;
	}
}

int
gw_store_import(struct gw_store *st, const struct gw_config *cfg,
		const char *only_kind)
{
	size_t i, n = gw_config_resource_count(cfg);

	for (i = 0; i < n; i++) {
		const struct gw_config_resource *r =
			gw_config_resource_at(cfg, i);
		struct gw_store_entry *e;
		json_t *obj;
		ssize_t k;

		if (only_kind != NULL && strcmp(r->kind, only_kind) != 0)
			continue;
		obj = gw_config_resource_to_json(r);
		if (obj == NULL)
			return -ENOMEM;
		k = find_index(st, r->kind, r->namespace, r->name);
		if (k >= 0) {
			e = &st->e[k];
			entry_fini(e);
		} else if ((e = entry_new(st)) == NULL) {
			json_decref(obj);
			return -ENOMEM;
		}
		/* r->kind is lib/config's own string */
		if (entry_set(e, r->kind, r->namespace, r->name,
			      obj, ++st->rv) < 0)
			return -ENOMEM;
	}
	return 0;
}

int
gw_store_clone(const struct gw_store *st, struct gw_store **out)
{
	struct gw_store *c;
	size_t i;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->rv = st->rv;
	c->e = calloc(st->n + 1, sizeof(*c->e));
	if (c->e == NULL || (st->dir != NULL &&
			     (c->dir = strdup(st->dir)) == NULL)) {
		gw_store_free(c);
		return -ENOMEM;
	}
	c->cap = st->n + 1;
	for (i = 0; i < st->n; i++) {
		struct gw_store_entry *e = &c->e[c->n++];

		e->kind = st->e[i].kind;
		e->ns = strdup(st->e[i].ns);
		e->name = strdup(st->e[i].name);
		e->obj = json_incref(st->e[i].obj);
		e->rv = st->e[i].rv;
		if (e->ns == NULL || e->name == NULL) {
			gw_store_free(c);
			return -ENOMEM;
		}
	}
	*out = c;
	return 0;
}

void
gw_store_commit(struct gw_store *st, struct gw_store *cand)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		entry_fini(&st->e[i]);
	free(st->e);
	st->e = cand->e;
	st->n = cand->n;
	st->cap = cand->cap;
	st->rv = cand->rv;
	for (i = 0; i < st->n; i++)
		st->e[i].touched = false;
	cand->e = NULL;
	cand->n = 0;
	gw_store_free(cand);
}

int
gw_store_config(const struct gw_store *st, struct gw_config **out,
		struct gw_config_err *err, const struct gw_store_entry **bad)
{
	struct gw_config_buf *bufs;
	char **texts, (*names)[GW_CONFIG_ERR_FILE_MAX];
	size_t i;
	int rc = 0;

	*bad = NULL;
	bufs = calloc(st->n + 1, sizeof(*bufs));
	texts = calloc(st->n + 1, sizeof(*texts));
	names = calloc(st->n + 1, sizeof(*names));
	if (bufs == NULL || texts == NULL || names == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < st->n; i++) {
		texts[i] = json_dumps(st->e[i].obj, JSON_COMPACT);
		if (texts[i] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		gw_store_entry_id(&st->e[i], names[i], sizeof(names[i]));
		bufs[i].name = names[i];
		bufs[i].data = texts[i];
		bufs[i].len = strlen(texts[i]);
	}
	rc = gw_config_load_buffers(bufs, st->n, out, err);
	for (i = 0; rc < 0 && i < st->n; i++)
		if (strcmp(err->file, names[i]) == 0)
			*bad = &st->e[i];
out:
	if (rc == -ENOMEM && err->msg[0] == '\0')
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	for (i = 0; texts != NULL && i < st->n; i++)
		free(texts[i]);
	free(texts);
	free(names);
	free(bufs);
	return rc;
}

/*
 * "spec.http[0].route[1].weight: expected ..." -> "/spec/http/0/route/1/
 * weight" and the text after ": ". A message without a leading field
 * path gives "" (the resource as a whole).
 */
void
gw_store_field_pointer(const char *msg, char *ptr, size_t len,
		      const char **rest)
{
	const char *colon = strstr(msg, ": "), *p;
	size_t o = 0;

	*rest = msg;
	if (len > 0)
		ptr[0] = '\0';
	if (colon == NULL || colon == msg || len < 2)
		return;
	for (p = msg; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '[' ||
		      *p == ']' || *p == '_' || *p == '-'))
			return;
	ptr[o++] = '/';
	for (p = msg; p < colon && o + 2 < len; p++) {
		if (*p == '.' || *p == '[') {
			if (ptr[o - 1] != '/')
				ptr[o++] = '/';
		} else if (*p != ']') {
			ptr[o++] = *p;
		}
	}
	ptr[o] = '\0';
	*rest = colon + 2;
}

/* ---- the state folder ------------------------------------------------------ */

static int
save_fail(char *msg, size_t len, int rc, const char *what, const char *path)
{
	snprintf(msg, len, "state folder: %s %s: %s", what, path,
		 strerror(-rc));
	return rc;
}

int
gw_store_save(const struct gw_store *st, char *msg, size_t len)
{
	char tmp[4096], cur[4096], prev[4096], rv[24];
	json_t *doc, *items;
	struct stat sb;
	size_t i;
	int fd, dfd, rc = 0;

	if (st->dir == NULL)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", st->dir, GW_STORE_STATE_FILE);
	snprintf(cur, sizeof(cur), "%s/%s", st->dir, GW_STORE_STATE_FILE);
	snprintf(prev, sizeof(prev), "%s/%s", st->dir, GW_STORE_PREV_FILE);
	snprintf(rv, sizeof(rv), "%" PRIu64, st->rv);
	items = json_array();
	doc = json_pack("{s:s, s:s, s:s, s:o}", "apiVersion",
			STATE_API_VERSION, "kind", STATE_KIND,
			"resourceVersion", rv, "items", items);
	if (doc == NULL) {
		snprintf(msg, len, "state folder: out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < st->n; i++)
		if (json_array_append(items, st->e[i].obj) < 0)
			rc = -ENOMEM;
	fd = rc == 0 ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			    0600) : -1;
	if (rc == 0 && fd < 0)
		rc = save_fail(msg, len, -errno, "cannot create", tmp);
	if (rc == 0 && json_dumpfd(doc, fd, JSON_INDENT(1)) != 0)
		rc = save_fail(msg, len, -EIO, "cannot write", tmp);
	if (rc == 0 && fsync(fd) != 0)
		rc = save_fail(msg, len, -errno, "cannot sync", tmp);
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = save_fail(msg, len, -errno, "cannot close", tmp);
	json_decref(doc);
	if (rc < 0) {
		(void)unlink(tmp);
		return rc;
	}
	/* the file in place becomes the fallback, then the new one is put
	 * in place: at every moment one of them is whole */
	if (stat(cur, &sb) == 0 && rename(cur, prev) != 0) {
		rc = save_fail(msg, len, -errno, "cannot keep", cur);
		(void)unlink(tmp);
		return rc;
	}
	if (rename(tmp, cur) != 0) {
		rc = save_fail(msg, len, -errno, "cannot rename to", cur);
		(void)unlink(tmp);
		return rc;
	}
	dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0)
		rc = save_fail(msg, len, -errno, "cannot sync", st->dir);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* Read one state file into st (empty). @return 0, -ENOENT, or -EINVAL
 * with msg. */
static int
load_file(struct gw_store *st, const char *path, char *msg, size_t len)
{
	struct gw_store_err serr = { 0 };
	json_error_t jerr;
	json_t *doc, *items, *it;
	const json_t *rv;
	uint64_t top = 0;
	size_t i;
	int rc = 0;

	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		if (access(path, F_OK) != 0)
			return -ENOENT;
		snprintf(msg, len, "%s: not valid JSON: line %d: %s", path,
			 jerr.line, jerr.text);
		return -EINVAL;
	}
	items = json_object_get(doc, "items");
	rv = json_object_get(doc, "resourceVersion");
	if (!json_is_array(items) || !json_is_string(rv) ||
	    strcmp(json_string_value(json_object_get(doc, "kind")) ?: "",
		   STATE_KIND) != 0) {
		snprintf(msg, len, "%s: not a meshgw state file (kind %s with "
			 "items and resourceVersion)", path, STATE_KIND);
		json_decref(doc);
		return -EINVAL;
	}
	top = strtoull(json_string_value(rv), NULL, 10);
	json_array_foreach(items, i, it) {
		const char *kind, *ns, *name;
		struct gw_store_entry *e;
		int64_t irv;

		if (!obj_key(it, &kind, &ns, &name, &irv, &serr) ||
		    irv <= 0) {
			snprintf(msg, len, "%s: item %zu: %s", path, i,
				 irv <= 0 && serr.msg[0] == '\0' ?
				 "no resourceVersion" : serr.msg);
			rc = -EINVAL;
			break;
		}
		if (find_index(st, kind, ns, name) >= 0) {
			snprintf(msg, len, "%s: item %zu: %s %s/%s twice", path,
				 i, kind, ns, name);
			rc = -EINVAL;
			break;
		}
		e = entry_new(st);
		if (e == NULL || entry_set(e, kind, ns, name,
					   json_deep_copy(it),
					   (uint64_t)irv) < 0 || e->obj == NULL) {
			snprintf(msg, len, "%s: out of memory", path);
			rc = -ENOMEM;
			break;
		}
		if ((uint64_t)irv > top)
			top = (uint64_t)irv;
	}
	json_decref(doc);
	st->rv = top;
	return rc;
}

static void
store_clear(struct gw_store *st)
{
	while (st->n > 0)
		entry_fini(&st->e[--st->n]);
	st->rv = 0;
}

int
gw_store_load(struct gw_store *st, char *msg, size_t len)
{
	char cur[4096], prev[4096], bad[4096 + 32];
	char why[GW_STORE_MSG_MAX] = "";
	int rc;

	msg[0] = '\0';
	if (st->dir == NULL)
		return 0;
	snprintf(cur, sizeof(cur), "%s/%s", st->dir, GW_STORE_STATE_FILE);
	snprintf(prev, sizeof(prev), "%s/%s", st->dir, GW_STORE_PREV_FILE);
	rc = load_file(st, cur, why, sizeof(why));
	if (rc == 0)
		return 1;
	store_clear(st);
	if (rc != -ENOENT) {
		/* kept aside for a look, out of the way of the next save */
		snprintf(bad, sizeof(bad), "%s.corrupt", cur);
		(void)rename(cur, bad);
	}
	rc = load_file(st, prev, msg, len);
	if (rc == 0) {
		if (why[0] != '\0')
			snprintf(msg, len, "%s (set aside as %s.corrupt); "
				 "using the last good state, %s", why, cur,
				 prev);
		return 1;
	}
	store_clear(st);
	if (rc == -ENOENT && why[0] == '\0')
		return 0;	/* a first start */
	if (why[0] != '\0')
		snprintf(msg, len, "%s (set aside as %s.corrupt), and no "
			 "usable %s", why, cur, prev);
	return -EINVAL;
}
