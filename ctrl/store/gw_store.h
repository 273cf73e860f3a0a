/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl/store — the resources meshgw runs with, as the operator gave them:
 * one JSON object per (kind, namespace, name), each with the
 * resourceVersion of its last change, plus where it came from (a file of
 * the boot configuration, the state folder, or the API).
 *
 * A change is made on a copy (gw_store_clone()), checked and compiled as a
 * whole, and only then swapped in (gw_store_commit()): an apply is all or
 * nothing. gw_store_config() turns the resources back into a lib/config
 * set, one buffer per resource named "Kind/namespace/name", so a loader
 * error names its resource. With a state folder, gw_store_save() writes
 * every resource atomically (temp file, fsync, rename; the previous file
 * is kept as the fallback), and gw_store_load() reads them back at start.
 *
 * Control thread only; nothing here is seen by a worker.
 */
#ifndef GW_STORE_H
#define GW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gw_config.h"

#define GW_STORE_STATE_FILE "state.json"
#define GW_STORE_PREV_FILE "state.prev.json"
#define GW_STORE_MSG_MAX 512

struct gw_store_entry {
	const char *kind;	/* lib/config's name for it */
	char *ns;
	char *name;
	json_t *obj;		/* apiVersion, kind, metadata, spec: owned */
	uint64_t rv;		/* metadata.resourceVersion */
	bool touched;		/* changed in the copy being applied */
};

struct gw_store {
	struct gw_store_entry *e;
	size_t n;
	size_t cap;
	uint64_t rv;		/* the last resourceVersion given */
	char *dir;		/* state folder; NULL = not persisted */
	/* in a copy: what it deleted, "Kind/ns/name" each */
	char **deleted;
	size_t n_deleted;
};

/** How gw_store_put() treats an existing resource. */
enum gw_store_mode {
	GW_STORE_CREATE,	/* POST: it must not exist */
	GW_STORE_UPDATE,	/* PUT: it must exist */
	GW_STORE_APPLY,		/* apply: either */
};

/** Why a change was refused, for the API's answer. */
struct gw_store_err {
	unsigned status;	/* 400, 404, 409, 422 */
	char msg[GW_STORE_MSG_MAX];
};

/** An empty store; dir (copied) is the state folder or NULL. */
int gw_store_create(const char *dir, struct gw_store **out);
void gw_store_free(struct gw_store *st);

/** Add every resource of cfg (the boot configuration), or those of kind
 * only_kind (not NULL), each with a new resourceVersion.
 * @return 0 or -ENOMEM. */
int gw_store_import(struct gw_store *st, const struct gw_config *cfg,
		    const char *only_kind);

/** Remove every resource of a kind (start-up: the state folder's
 * Dataplane gives way to the boot file's). */
void gw_store_drop_kind(struct gw_store *st, const char *kind);

/**
 * Read the state folder's resources into an empty store: state.json, or
 * when it is missing or corrupt, state.prev.json (the last good one).
 * @return 1 loaded (msg may tell of a corrupt file set aside), 0 no state
 *   yet, or -errno with msg (neither file usable).
 */
int gw_store_load(struct gw_store *st, char *msg, size_t len);

/** Write every resource to the state folder atomically (no-op without
 * one). @return 0, or -errno with msg. */
int gw_store_save(const struct gw_store *st, char *msg, size_t len);

/** A copy to change: the same resources (shared JSON objects). */
int gw_store_clone(const struct gw_store *st, struct gw_store **out);

/** Make st hold what the copy cand holds; cand is freed. */
void gw_store_commit(struct gw_store *st, struct gw_store *cand);

/**
 * Add or replace a resource from its JSON (apiVersion, kind, metadata,
 * spec; a status is dropped). When obj carries metadata.resourceVersion,
 * it must be the stored one (optimistic concurrency). The stored copy gets
 * the next resourceVersion.
 * @param want_kind, want_ns, want_name  when not NULL, what the URL names:
 *   obj must agree.
 * @return the entry, or NULL with err (400 malformed, 404 missing for
 *   UPDATE, 409 exists for CREATE or a stale resourceVersion).
 */
const struct gw_store_entry *
gw_store_put(struct gw_store *st, const json_t *obj, enum gw_store_mode mode,
	     const char *want_kind, const char *want_ns, const char *want_name,
	     struct gw_store_err *err);

/** Remove a resource; expect_rv 0 = any version.
 * @return 0, or -1 with err (404, 409). */
int gw_store_delete(struct gw_store *st, const char *kind, const char *ns,
		    const char *name, uint64_t expect_rv,
		    struct gw_store_err *err);

const struct gw_store_entry *gw_store_find(const struct gw_store *st,
					   const char *kind, const char *ns,
					   const char *name);

/**
 * The resources as a lib/config set (one buffer per resource).
 * @param bad  on a loader error, the entry it is about (or NULL).
 * @return 0, or -errno with err.
 */
int gw_store_config(const struct gw_store *st, struct gw_config **out,
		    struct gw_config_err *err,
		    const struct gw_store_entry **bad);

/**
 * The JSON pointer of a "<field path>: <what>" message (lib/config's and
 * lib/mesh's form): "spec.http[0].route" -> "/spec/http/0/route"; "" when
 * the message has no leading path. *rest: the text after the path.
 */
void gw_store_field_pointer(const char *msg, char *ptr, size_t len,
			    const char **rest);

/** "Kind/namespace/name" of an entry, into buf. */
void gw_store_entry_id(const struct gw_store_entry *e, char *buf,
		       size_t len);

#endif /* GW_STORE_H */
