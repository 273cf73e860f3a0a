/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to lib/config: the loaded set, the limits against hostile input,
 * the small hash index, the node helpers (typed scalars, descriptions for
 * error messages) and the hand-offs between the stages of a load:
 *
 *   load.c       read a file, a folder or a buffer   → cfg_yaml_load()
 *   yaml_load.c  libyaml events → one tree per document → cfg_resource_add()
 *   resource.c   apiVersion/kind/metadata, duplicates → cfg_dataplane_decode()
 *   dataplane.c  the typed Dataplane
 *
 * Control thread only, like the rest of the module.
 */
#ifndef CONFIG_PRIV_H
#define CONFIG_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_config.h"

/* Limits against hostile input; each is reported where it is exceeded. */
#define CFG_MAX_DEPTH 64	     /* nested mappings and sequences */
#define CFG_MAX_NODES 1000000	     /* YAML nodes, keys included, per set */
#define CFG_MAX_SCALAR (1u << 20)    /* bytes of one scalar value */
#define CFG_MAX_KEY 1024	     /* bytes of one mapping key */
#define CFG_MAX_FILE (16u << 20)     /* bytes of one file or buffer */

/* ---- hash index (open addressing, linear probing) ----------------------- */

#define CFG_HASH_INIT 0xcbf29ce484222325ull /* FNV-1a 64-bit offset basis */

struct cfg_htab_slot {
	uint64_t hash;
	size_t idx1; /* entry index + 1; 0 = empty slot */
};

struct cfg_htab {
	struct cfg_htab_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

/** Does entry idx equal key? ctx and key are the caller's. */
typedef bool (*cfg_htab_eq_fn)(const void *ctx, size_t idx, const void *key);

uint64_t cfg_hash(uint64_t h, const void *p, size_t len);

/**
 * Find an entry equal to key; when there is none, add idx under hash.
 * @param found  index of the equal entry, or SIZE_MAX when idx was added.
 * @return 0 or -ENOMEM.
 */
int cfg_htab_add(struct cfg_htab *t, uint64_t hash, size_t idx,
		 cfg_htab_eq_fn eq, const void *ctx, const void *key,
		 size_t *found);
void cfg_htab_fini(struct cfg_htab *t);

/* ---- the loaded set ----------------------------------------------------- */

struct cfg_resource {
	struct gw_config_resource pub;
	struct gw_config_node *root; /* owned */
};

struct gw_config {
	char **files; /* owned names; nodes and resources borrow them */
	size_t n_files;
	struct cfg_resource **res; /* load order */
	size_t n_res;
	size_t cap_res;
	struct cfg_htab res_index; /* kind + namespace + name → res[] */
	size_t n_nodes;		   /* against CFG_MAX_NODES */
	struct gw_config_dataplane dp;
};

/* ---- errors (err.c) ----------------------------------------------------- */

/** Fill err (which may be NULL) and return rc. */
int cfg_err(struct gw_config_err *err, int rc, const char *file,
	    unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
int cfg_verr(struct gw_config_err *err, int rc, const char *file,
	     unsigned line, unsigned col, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));
/** -EINVAL at the position of node n. */
int cfg_err_node(struct gw_config_err *err, const struct gw_config_node *n,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/** -EINVAL at the key of pair p (a key of a mapping from file). */
int cfg_err_key(struct gw_config_err *err, const char *file,
		const struct gw_config_pair *p, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- nodes (node.c) ----------------------------------------------------- */

/** How a plain scalar resolves in the YAML 1.2 core schema. */
enum cfg_scalar_type {
	CFG_T_NULL,
	CFG_T_BOOL,
	CFG_T_INT,
	CFG_T_FLOAT,
	CFG_T_STR,
};

struct gw_config_node *cfg_node_new(enum gw_config_node_type type,
				    const char *file, unsigned line,
				    unsigned col);
/** Free a node and its subtree; NULL is a no-op. */
void cfg_node_free(struct gw_config_node *n);

/** Resolve the text of a plain scalar. */
enum cfg_scalar_type cfg_resolve(const char *s, size_t len);
/** Type of a scalar node: quoted ones are strings. */
enum cfg_scalar_type cfg_scalar_type(const struct gw_config_node *n);

/**
 * Typed getters for decoders. Each returns 0, or -EINVAL when the node is
 * not of the type (a quoted scalar is never an integer or a boolean);
 * cfg_node_int() returns -ERANGE for a decimal integer beyond int64.
 */
int cfg_node_int(const struct gw_config_node *n, long long *v);
int cfg_node_bool(const struct gw_config_node *n, bool *v);
/** A string without NUL bytes; *s is borrowed from the node. */
int cfg_node_str(const struct gw_config_node *n, const char **s);

/**
 * Describe a node for "got ..." in messages: `a mapping`, `a sequence`,
 * the raw text of a plain non-string scalar (`70000`, `true`, `null`) or a
 * quoted, escaped, possibly shortened string (`"abc"`).
 * @return buf.
 */
const char *cfg_node_describe(const struct gw_config_node *n, char *buf,
			      size_t size);
/** Write s as a quoted, escaped string of at most ~max bytes. */
const char *cfg_quote(const char *s, size_t len, size_t max, char *buf,
		      size_t size);

/* Room for cfg_node_describe() and cfg_quote() of a 64-byte excerpt. */
#define CFG_DESCR_MAX 160
#define CFG_QUOTE_EXCERPT 64

/* ---- stages ------------------------------------------------------------- */

/**
 * Parse one YAML stream and add its documents to cfg. file is owned by cfg
 * (see cfg_add_file()).
 */
int cfg_yaml_load(struct gw_config *cfg, const char *file, const char *buf,
		  size_t len, struct gw_config_err *err);

/**
 * Validate one document and add it to the set. Consumes root: on error it
 * is freed.
 */
int cfg_resource_add(struct gw_config *cfg, struct gw_config_node *root,
		     struct gw_config_err *err);

void cfg_dataplane_defaults(struct gw_config_dataplane *dp);
/** Decode a Dataplane resource into dp (strict: unknown fields fail). */
int cfg_dataplane_decode(struct gw_config_dataplane *dp,
			 const struct gw_config_resource *res,
			 struct gw_config_err *err);

/** 0 when n is a mapping, else -EINVAL with "<path>: expected a mapping". */
int cfg_want_map(const struct gw_config_node *n, const char *path,
		 struct gw_config_err *err);

#endif /* CONFIG_PRIV_H */
