/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML → gw_config_node trees, with libyaml's event API.
 *
 * One tree per document, built with an explicit stack (no recursion on the
 * input), every node and key with its 1-based position. Hostile input is
 * bounded here: nesting depth, node count, scalar and key sizes; anchors
 * and aliases are refused (no billion laughs), as are duplicate keys,
 * non-scalar keys and non-standard tags. Each finished, non-empty document
 * goes to cfg_resource_add().
 *
 * Entry point: cfg_yaml_load(). Control thread only.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "gw_config.h"
#include "config_priv.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

struct frame {
	struct gw_config_node *node; /* the open mapping or sequence */
	size_t cap;		     /* allocated pairs[] or items[] */
	char *key;		     /* mapping: key awaiting its value, owned */
	unsigned key_line;
	unsigned key_col;
	struct cfg_htab keys; /* mapping: key → index in pairs[] */
};

struct loader {
	struct gw_config *cfg;
	struct gw_config_err *err;
	const char *file; /* owned by cfg */
	const char *buf;
	size_t len;
	struct gw_config_node *root; /* document being built, owned */
	unsigned depth;		     /* open collections in stack[] */
	struct frame stack[CFG_MAX_DEPTH];
};

static unsigned
pos(size_t zero_based)
{
	return zero_based >= UINT_MAX - 1 ? UINT_MAX : (unsigned)zero_based + 1;
}

static int __attribute__((format(printf, 3, 4)))
err_at(struct loader *l, yaml_mark_t m, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cfg_verr(l->err, -EINVAL, l->file, pos(m.line), pos(m.column),
		      fmt, ap);
	va_end(ap);
	return rc;
}

static int parser_error_at(struct loader *l, const yaml_parser_t *p);

/* The input is not YAML at all (a syntax or encoding error). */
static int
parser_error(struct loader *l, const yaml_parser_t *p)
{
	int rc = parser_error_at(l, p);

	if (l->err != NULL && rc == -EINVAL)
		l->err->syntax = true;
	return rc;
}

static int
parser_error_at(struct loader *l, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "unknown error";
	unsigned line = 1, col = 1;
	size_t i, off;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return cfg_err(l->err, -ENOMEM, l->file, 0, 0,
			       "out of memory while parsing YAML");
	case YAML_READER_ERROR:
		/* Only a byte offset is known: count lines up to it. */
		off = p->problem_offset < l->len ? p->problem_offset : l->len;
		for (i = 0; i < off; i++) {
			if (l->buf[i] == '\n') {
				line++;
				col = 1;
			} else if (col < UINT_MAX) {
				col++;
			}
		}
		if (p->problem_value != -1)
			return cfg_err(l->err, -EINVAL, l->file, line, col,
				       "invalid input: %s (#%X)", problem,
				       (unsigned)p->problem_value);
		return cfg_err(l->err, -EINVAL, l->file, line, col,
			       "invalid input: %s", problem);
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
		if (p->context != NULL)
			return err_at(l, p->problem_mark,
				      "YAML syntax error: %s (%s at line %u column %u)",
				      problem, p->context,
				      pos(p->context_mark.line),
				      pos(p->context_mark.column));
		return err_at(l, p->problem_mark, "YAML syntax error: %s",
			      problem);
	default:
		break;
	}
	return cfg_err(l->err, -EINVAL, l->file, 0, 0, "YAML error: %s",
		       problem);
}

static int
count_node(struct loader *l, yaml_mark_t m)
{
	if (l->cfg->n_nodes >= CFG_MAX_NODES)
		return err_at(l, m, "too many YAML nodes (limit %u per set)",
			      (unsigned)CFG_MAX_NODES);
	l->cfg->n_nodes++;
	return 0;
}

static int
check_anchor(struct loader *l, const yaml_char_t *anchor, yaml_mark_t m)
{
	if (anchor != NULL)
		return err_at(l, m, "anchors and aliases are not supported");
	return 0;
}

/*
 * Accept no tag or a standard one. *std is set to the part after "!!"
 * ("str", "map", ...) or NULL when there is no tag.
 */
static int
check_tag(struct loader *l, const yaml_char_t *tag, yaml_mark_t m,
	  const char **std)
{
	static const char *const known[] = {
		"str", "int", "bool", "null", "float", "map", "seq",
	};
	const char *t = (const char *)tag;
	char q[CFG_DESCR_MAX];
	size_t i;

	*std = NULL;
	if (t == NULL)
		return 0;
	if (strncmp(t, TAG_PREFIX, strlen(TAG_PREFIX)) == 0) {
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			if (strcmp(t + strlen(TAG_PREFIX), known[i]) == 0) {
				*std = known[i];
				return 0;
			}
		}
	}
	return err_at(l, m,
		      "unsupported tag %s (only !!str, !!int, !!bool, !!null, !!float, !!map and !!seq)",
		      cfg_quote(t, strlen(t), CFG_QUOTE_EXCERPT, q, sizeof(q)));
}

/* Hang n under the open collection (or make it the root); frees n on error. */
static int
attach(struct loader *l, struct gw_config_node *n)
{
	struct gw_config_node *parent;
	struct frame *f;
	size_t cap;
	void *p;

	if (l->depth == 0) {
		l->root = n;
		return 0;
	}
	f = &l->stack[l->depth - 1];
	parent = f->node;
	if (parent->n == f->cap) {
		cap = f->cap ? f->cap * 2 : 4;
		if (parent->type == GW_CONFIG_NODE_MAP)
			p = realloc(parent->pairs, cap * sizeof(*parent->pairs));
		else
			p = realloc(parent->items, cap * sizeof(*parent->items));
		if (p == NULL) {
			cfg_node_free(n);
			return cfg_err(l->err, -ENOMEM, l->file, n->line, n->col,
				       "out of memory");
		}
		if (parent->type == GW_CONFIG_NODE_MAP)
			parent->pairs = p;
		else
			parent->items = p;
		f->cap = cap;
	}
	if (parent->type == GW_CONFIG_NODE_MAP) {
		struct gw_config_pair *pair = &parent->pairs[parent->n];

		pair->key = f->key;
		pair->line = f->key_line;
		pair->col = f->key_col;
		pair->value = n;
		f->key = NULL;
	} else {
		parent->items[parent->n] = n;
	}
	parent->n++;
	return 0;
}

static bool
key_eq(const void *ctx, size_t idx, const void *key)
{
	const struct gw_config_node *map = ctx;

	return strcmp(map->pairs[idx].key, key) == 0;
}

static int
on_key(struct loader *l, struct frame *f, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	yaml_mark_t m = ev->start_mark;
	char q[CFG_DESCR_MAX];
	size_t found;
	int rc;

	if (len > CFG_MAX_KEY)
		return err_at(l, m, "mapping key longer than %u bytes",
			      (unsigned)CFG_MAX_KEY);
	if (memchr(s, '\0', len) != NULL)
		return err_at(l, m, "mapping key contains a NUL character");
	rc = cfg_htab_add(&f->keys, cfg_hash(CFG_HASH_INIT, s, len),
			  f->node->n, key_eq, f->node, s, &found);
	if (rc < 0)
		return cfg_err(l->err, rc, l->file, 0, 0, "out of memory");
	if (found != SIZE_MAX)
		return err_at(l, m, "duplicate key %s (first at line %u)",
			      cfg_quote(s, len, CFG_QUOTE_EXCERPT, q, sizeof(q)),
			      f->node->pairs[found].line);
	f->key = strdup(s);
	if (f->key == NULL)
		return cfg_err(l->err, -ENOMEM, l->file, 0, 0, "out of memory");
	f->key_line = pos(m.line);
	f->key_col = pos(m.column);
	return 0;
}

/* A tag on a scalar: !!str makes it a string, others must match its text. */
static int
apply_scalar_tag(struct loader *l, const yaml_event_t *ev, const char *tag,
		 bool *quoted)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	enum cfg_scalar_type t = cfg_resolve(s, len);
	char q[CFG_DESCR_MAX];
	bool ok;

	if (tag == NULL)
		return 0;
	if (strcmp(tag, "str") == 0) {
		*quoted = true;
		return 0;
	}
	if (strcmp(tag, "int") == 0)
		ok = t == CFG_T_INT;
	else if (strcmp(tag, "float") == 0)
		ok = t == CFG_T_INT || t == CFG_T_FLOAT;
	else if (strcmp(tag, "bool") == 0)
		ok = t == CFG_T_BOOL;
	else if (strcmp(tag, "null") == 0)
		ok = t == CFG_T_NULL;
	else
		ok = false; /* !!map or !!seq on a scalar */
	if (!ok)
		return err_at(l, ev->start_mark, "tag !!%s does not fit the value %s",
			      tag, cfg_quote(s, len, CFG_QUOTE_EXCERPT, q,
					     sizeof(q)));
	*quoted = false;
	return 0;
}

static int
on_scalar(struct loader *l, const yaml_event_t *ev)
{
	struct frame *f = l->depth ? &l->stack[l->depth - 1] : NULL;
	size_t len = ev->data.scalar.length;
	yaml_mark_t m = ev->start_mark;
	struct gw_config_node *n;
	const char *tag;
	bool quoted;
	int rc;

	rc = check_anchor(l, ev->data.scalar.anchor, m);
	if (rc == 0)
		rc = check_tag(l, ev->data.scalar.tag, m, &tag);
	if (rc == 0)
		rc = count_node(l, m);
	if (rc < 0)
		return rc;
	if (f != NULL && f->node->type == GW_CONFIG_NODE_MAP && f->key == NULL) {
		if (tag != NULL && (strcmp(tag, "map") == 0 ||
				    strcmp(tag, "seq") == 0))
			return err_at(l, m, "tag !!%s on a scalar key", tag);
		return on_key(l, f, ev);
	}
	/* Block scalars (| and >) are strings like quoted ones. */
	quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	rc = apply_scalar_tag(l, ev, tag, &quoted);
	if (rc < 0)
		return rc;
	if (len > CFG_MAX_SCALAR)
		return err_at(l, m, "scalar longer than %u bytes",
			      (unsigned)CFG_MAX_SCALAR);
	n = cfg_node_new(GW_CONFIG_NODE_SCALAR, l->file, pos(m.line),
			 pos(m.column));
	if (n == NULL)
		return cfg_err(l->err, -ENOMEM, l->file, 0, 0, "out of memory");
	n->str = malloc(len + 1);
	if (n->str == NULL) {
		cfg_node_free(n);
		return cfg_err(l->err, -ENOMEM, l->file, 0, 0, "out of memory");
	}
	memcpy(n->str, ev->data.scalar.value, len);
	n->str[len] = '\0';
	n->len = len;
	n->quoted = quoted;
	return attach(l, n);
}

static int
on_collection_start(struct loader *l, const yaml_event_t *ev,
		    enum gw_config_node_type type)
{
	struct frame *f = l->depth ? &l->stack[l->depth - 1] : NULL;
	const char *want = type == GW_CONFIG_NODE_MAP ? "map" : "seq";
	const yaml_char_t *anchor, *ytag;
	yaml_mark_t m = ev->start_mark;
	struct gw_config_node *n;
	const char *tag;
	int rc;

	if (type == GW_CONFIG_NODE_MAP) {
		anchor = ev->data.mapping_start.anchor;
		ytag = ev->data.mapping_start.tag;
	} else {
		anchor = ev->data.sequence_start.anchor;
		ytag = ev->data.sequence_start.tag;
	}
	rc = check_anchor(l, anchor, m);
	if (rc == 0)
		rc = check_tag(l, ytag, m, &tag);
	if (rc < 0)
		return rc;
	if (tag != NULL && strcmp(tag, want) != 0)
		return err_at(l, m, "tag !!%s on a %s", tag,
			      type == GW_CONFIG_NODE_MAP ? "mapping" :
							   "sequence");
	if (f != NULL && f->node->type == GW_CONFIG_NODE_MAP && f->key == NULL)
		return err_at(l, m, "mapping keys must be scalars, got a %s",
			      type == GW_CONFIG_NODE_MAP ? "mapping" :
							   "sequence");
	if (l->depth == CFG_MAX_DEPTH)
		return err_at(l, m, "nesting deeper than %u levels",
			      (unsigned)CFG_MAX_DEPTH);
	rc = count_node(l, m);
	if (rc < 0)
		return rc;
	n = cfg_node_new(type, l->file, pos(m.line), pos(m.column));
	if (n == NULL)
		return cfg_err(l->err, -ENOMEM, l->file, 0, 0, "out of memory");
	rc = attach(l, n);
	if (rc < 0)
		return rc;
	f = &l->stack[l->depth++];
	memset(f, 0, sizeof(*f));
	f->node = n;
	return 0;
}

static void
pop(struct loader *l)
{
	struct frame *f = &l->stack[--l->depth];

	free(f->key);
	f->key = NULL;
	cfg_htab_fini(&f->keys);
}

/* `---` alone, a document of `~` or `null`: nothing to load. */
static bool
is_empty_doc(const struct gw_config_node *root)
{
	return root->type == GW_CONFIG_NODE_SCALAR &&
	       cfg_scalar_type(root) == CFG_T_NULL;
}

static int
on_document_end(struct loader *l)
{
	struct gw_config_node *root = l->root;

	l->root = NULL;
	if (root == NULL)
		return 0;
	if (is_empty_doc(root)) {
		cfg_node_free(root);
		return 0;
	}
	return cfg_resource_add(l->cfg, root, l->err);
}

/* Feed one event; *done turns true at the end of the stream. */
static int
on_event(struct loader *l, const yaml_event_t *ev, bool *done)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		*done = true;
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		return on_document_end(l);
	case YAML_ALIAS_EVENT:
		return err_at(l, ev->start_mark,
			      "anchors and aliases are not supported");
	case YAML_SCALAR_EVENT:
		return on_scalar(l, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_collection_start(l, ev, GW_CONFIG_NODE_SEQ);
	case YAML_MAPPING_START_EVENT:
		return on_collection_start(l, ev, GW_CONFIG_NODE_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		pop(l);
		return 0;
	default: /* stream or document start, no event */
		return 0;
	}
}

int
cfg_yaml_load(struct gw_config *cfg, const char *file, const char *buf,
	      size_t len, struct gw_config_err *err)
{
	struct loader ld = {
		.cfg = cfg, .err = err, .file = file, .buf = buf, .len = len,
	};
	struct loader *l = &ld;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return cfg_err(err, -ENOMEM, file, 0, 0, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = parser_error(l, &parser);
			break;
		}
		rc = on_event(l, &ev, &done);
		yaml_event_delete(&ev);
		if (rc < 0)
			break;
	}
	yaml_parser_delete(&parser);
	while (l->depth > 0)
		pop(l);
	cfg_node_free(l->root);
	return rc;
}
