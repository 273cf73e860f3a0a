/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/mesh helpers: arena and vectors, findings, and typed readers of YAML
 * nodes (strings, numbers, durations, percentages, addresses, labels) that
 * report a positioned error instead of guessing. Control thread only.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mesh_priv.h"

/* ---- arena ------------------------------------------------------------ */

struct mesh_chunk {
	struct mesh_chunk *next;
	max_align_t data[];
};

void *
mesh_alloc(struct mesh_arena *a, size_t size)
{
	struct mesh_chunk *ch;

	ch = calloc(1, sizeof(*ch) + (size ? size : 1));
	if (ch == NULL)
		return NULL;
	ch->next = a->head;
	a->head = ch;
	return ch->data;
}

char *
mesh_strdup(struct mesh_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = mesh_alloc(a, n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

char *
mesh_printf(struct mesh_arena *a, const char *fmt, ...)
{
	va_list ap;
	char *d;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	d = mesh_alloc(a, (size_t)n + 1);
	if (d == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return d;
}

void
mesh_arena_free(struct mesh_arena *a)
{
	struct mesh_chunk *ch = a->head, *next;

	for (; ch != NULL; ch = next) {
		next = ch->next;
		free(ch);
	}
	a->head = NULL;
}

void
mesh_vec_init(struct mesh_vec *v, size_t item_size)
{
	v->items = NULL;
	v->n = 0;
	v->cap = 0;
	v->size = item_size;
}

void *
mesh_vec_push(struct mesh_vec *v)
{
	void *slot;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		void *items = realloc(v->items, cap * v->size);

		if (items == NULL)
			return NULL;
		v->items = items;
		v->cap = cap;
	}
	slot = (char *)v->items + v->n * v->size;
	memset(slot, 0, v->size);
	v->n++;
	return slot;
}

void
mesh_vec_free(struct mesh_vec *v)
{
	free(v->items);
	v->items = NULL;
	v->n = v->cap = 0;
}

/* ---- findings ----------------------------------------------------------- */

static void
diag_v(struct mesh_ctx *c, const struct gw_config_resource *res,
       enum gw_mesh_severity sev, const struct gw_config_node *node,
       const char *fmt, va_list ap)
{
	struct gw_mesh_diag *d = mesh_vec_push(&c->m->diags);

	if (d == NULL) {
		c->nomem = true;
		return;
	}
	d->res = res;
	d->severity = sev;
	d->line = node != NULL ? node->line : 0;
	d->col = node != NULL ? node->col : 0;
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
}

void
mesh_diag_res(struct mesh_ctx *c, const struct gw_config_resource *res,
	      enum gw_mesh_severity sev, const struct gw_config_node *node,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_v(c, res, sev, node, fmt, ap);
	va_end(ap);
}

void
mesh_err(struct mesh_ctx *c, const struct gw_config_node *node,
	 const char *fmt, ...)
{
	va_list ap;

	c->res_error = true;
	va_start(ap, fmt);
	diag_v(c, c->res, GW_MESH_ERROR, node, fmt, ap);
	va_end(ap);
}

void
mesh_warn(struct mesh_ctx *c, const struct gw_config_node *node,
	  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_v(c, c->res, GW_MESH_WARNING, node, fmt, ap);
	va_end(ap);
}

/* ---- readers ------------------------------------------------------------ */

static const char *
type_name(const struct gw_config_node *n)
{
	return n->type == GW_CONFIG_NODE_MAP ? "a mapping" :
	       n->type == GW_CONFIG_NODE_SEQ ? "a sequence" : "a scalar";
}

bool
mesh_is_map(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path)
{
	if (n->type == GW_CONFIG_NODE_MAP)
		return true;
	mesh_err(c, n, "%s: expected a mapping, got %s", path, type_name(n));
	return false;
}

bool
mesh_is_seq(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path)
{
	if (n->type == GW_CONFIG_NODE_SEQ)
		return true;
	mesh_err(c, n, "%s: expected a sequence, got %s", path, type_name(n));
	return false;
}

bool
mesh_str(struct mesh_ctx *c, const struct gw_config_node *n, const char *path,
	 const char **out)
{
	if (n->type != GW_CONFIG_NODE_SCALAR) {
		mesh_err(c, n, "%s: expected a string, got %s", path,
			 type_name(n));
		return false;
	}
	if (strlen(n->str) != n->len) {
		mesh_err(c, n, "%s: NUL byte in string", path);
		return false;
	}
	*out = n->str;
	return true;
}

bool
mesh_uint(struct mesh_ctx *c, const struct gw_config_node *n,
	  const char *path, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s = n->str;
	uint64_t v = 0;
	size_t i;

	if (n->type != GW_CONFIG_NODE_SCALAR || n->len == 0 ||
	    n->len > 20) {
		mesh_err(c, n, "%s: expected an integer %" PRIu64 "..%" PRIu64,
			 path, min, max);
		return false;
	}
	for (i = 0; i < n->len; i++) {
		if (!isdigit((unsigned char)s[i]) ||
		    v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10) {
			mesh_err(c, n, "%s: expected an integer %" PRIu64
				 "..%" PRIu64 ", got \"%s\"", path, min, max,
				 s);
			return false;
		}
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < min || v > max) {
		mesh_err(c, n, "%s: %" PRIu64 " is out of range %" PRIu64
			 "..%" PRIu64, path, v, min, max);
		return false;
	}
	*out = v;
	return true;
}

bool
mesh_bool(struct mesh_ctx *c, const struct gw_config_node *n,
	  const char *path, bool *out)
{
	if (n->type == GW_CONFIG_NODE_SCALAR && !n->quoted) {
		if (strcmp(n->str, "true") == 0 || strcmp(n->str, "True") == 0 ||
		    strcmp(n->str, "TRUE") == 0) {
			*out = true;
			return true;
		}
		if (strcmp(n->str, "false") == 0 ||
		    strcmp(n->str, "False") == 0 ||
		    strcmp(n->str, "FALSE") == 0) {
			*out = false;
			return true;
		}
	}
	mesh_err(c, n, "%s: expected true or false", path);
	return false;
}

bool
mesh_double(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path, double *out)
{
	char *end;
	double v;

	if (n->type != GW_CONFIG_NODE_SCALAR || n->len == 0) {
		mesh_err(c, n, "%s: expected a number", path);
		return false;
	}
	errno = 0;
	v = strtod(n->str, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v)) {
		mesh_err(c, n, "%s: expected a number, got \"%s\"", path,
			 n->str);
		return false;
	}
	*out = v;
	return true;
}

bool
mesh_duration(struct mesh_ctx *c, const struct gw_config_node *n,
	      const char *path, uint64_t min_ms, uint64_t max_ms,
	      uint32_t *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
		{ "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	const char *s = n->str;
	double total_ns = 0;
	uint64_t ms;

	if (n->type != GW_CONFIG_NODE_SCALAR || n->len == 0)
		goto bad;
	while (*s != '\0') {
		char *end;
		double v;
		size_t k, best = SIZE_MAX, best_len = 0;

		if (!isdigit((unsigned char)*s) && *s != '.')
			goto bad;
		v = strtod(s, &end);
		if (end == s || v < 0)
			goto bad;
		s = end;
		/* longest unit that matches ("ms" before "m") */
		for (k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
			size_t ul = strlen(units[k].unit);

			if (strncmp(s, units[k].unit, ul) == 0 && ul > best_len) {
				best = k;
				best_len = ul;
			}
		}
		if (best == SIZE_MAX)
			goto bad;
		total_ns += v * units[best].ns;
		s += best_len;
	}
	if (!isfinite(total_ns) || total_ns > (double)max_ms * 1e6 + 1e6)
		goto range;
	ms = (uint64_t)ceil(total_ns / 1e6);
	if (ms < min_ms || ms > max_ms)
		goto range;
	*out = (uint32_t)ms;
	return true;
bad:
	mesh_err(c, n, "%s: expected a duration such as \"10s\", \"1.5s\" or "
		 "\"250ms\"%s%s%s", path, n->type == GW_CONFIG_NODE_SCALAR ?
		 ", got \"" : "", n->type == GW_CONFIG_NODE_SCALAR ? n->str : "",
		 n->type == GW_CONFIG_NODE_SCALAR ? "\"" : "");
	return false;
range:
	mesh_err(c, n, "%s: \"%s\" is out of range %" PRIu64 "ms..%" PRIu64
		 "ms", path, n->str, min_ms, max_ms);
	return false;
}

bool
mesh_percent(struct mesh_ctx *c, const struct gw_config_node *n,
	     const char *path, double *out)
{
	static const char *const known[] = { "value", NULL };
	const struct gw_config_node *v;
	char p[160];

	if (!mesh_fields(c, n, path, known, NULL))
		return false;
	v = gw_config_node_get(n, "value");
	if (v == NULL) {
		*out = 0;
		return true;
	}
	snprintf(p, sizeof(p), "%s.value", path);
	if (!mesh_double(c, v, p, out))
		return false;
	if (*out < 0 || *out > 100) {
		mesh_err(c, v, "%s: %g is out of range 0..100", p, *out);
		return false;
	}
	return true;
}

bool
mesh_ipv4(struct mesh_ctx *c, const struct gw_config_node *n,
	  const char *path, uint32_t *out)
{
	unsigned a[4];
	char tail;
	const char *s;

	if (!mesh_str(c, n, path, &s))
		return false;
	if (sscanf(s, "%3u.%3u.%3u.%3u%c", &a[0], &a[1], &a[2], &a[3],
		   &tail) != 4 || a[0] > 255 || a[1] > 255 || a[2] > 255 ||
	    a[3] > 255 || strspn(s, "0123456789.") != strlen(s)) {
		mesh_err(c, n, "%s: expected an IPv4 address, got \"%s\"", path,
			 s);
		return false;
	}
	*out = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	       (uint32_t)a[2] << 8 | a[3];
	return true;
}

bool
mesh_labels(struct mesh_ctx *c, const struct gw_config_node *n,
	    const char *path, struct mesh_labels *out)
{
	struct mesh_label *l;
	size_t i;
	char p[200];

	if (!mesh_is_map(c, n, path))
		return false;
	l = mesh_alloc(&c->tmp, n->n * sizeof(*l));
	if (l == NULL) {
		c->nomem = true;
		return false;
	}
	for (i = 0; i < n->n; i++) {
		snprintf(p, sizeof(p), "%s.%s", path, n->pairs[i].key);
		l[i].key = n->pairs[i].key;
		if (!mesh_str(c, n->pairs[i].value, p, &l[i].value))
			return false;
	}
	out->items = l;
	out->n = n->n;
	return true;
}

const struct gw_config_node *
mesh_seq_required(struct mesh_ctx *c, const struct gw_config_node *map,
		  const char *key, const char *path, const char *what)
{
	const struct gw_config_node *n = gw_config_node_get(map, key);

	if (n == NULL || (n->type == GW_CONFIG_NODE_SEQ && n->n == 0)) {
		mesh_err(c, n != NULL ? n : map,
			 "%s: at least one %s is required", path, what);
		return NULL;
	}
	return mesh_is_seq(c, n, path) ? n : NULL;
}

bool
mesh_host_pattern_ok(const char *h)
{
	const char *star = strchr(h, '*');

	if (h[0] == '\0' || strchr(h, '/') != NULL)
		return false;
	/* no star, "*" alone, or "*." then a name without stars */
	return star == NULL || strcmp(h, "*") == 0 ||
	       (star == h && h[1] == '.' && h[2] != '\0' &&
		strchr(h + 1, '*') == NULL);
}

bool
mesh_str_list(struct mesh_ctx *c, const struct gw_config_node *n,
	      const char *path, const char *const **out, size_t *n_out)
{
	const char **l;
	size_t i;
	char p[200];

	if (!mesh_is_seq(c, n, path))
		return false;
	l = mesh_alloc(&c->tmp, (n->n ? n->n : 1) * sizeof(*l));
	if (l == NULL) {
		c->nomem = true;
		return false;
	}
	for (i = 0; i < n->n; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!mesh_str(c, n->items[i], p, &l[i]))
			return false;
	}
	*out = l;
	*n_out = n->n;
	return true;
}

static bool
in_list(const char *key, const char *const *list)
{
	for (; list != NULL && *list != NULL; list++) {
		if (strcmp(key, *list) == 0)
			return true;
	}
	return false;
}

bool
mesh_fields(struct mesh_ctx *c, const struct gw_config_node *map,
	    const char *path, const char *const *known,
	    const char *const *unsupported)
{
	struct gw_config_node pos;
	size_t i;

	if (!mesh_is_map(c, map, path))
		return false;
	for (i = 0; i < map->n; i++) {
		const struct gw_config_pair *pr = &map->pairs[i];

		memset(&pos, 0, sizeof(pos));
		pos.line = pr->line;
		pos.col = pr->col;
		if (in_list(pr->key, known))
			continue;
		if (in_list(pr->key, unsupported))
			mesh_warn(c, &pos, "%s.%s: not supported yet, ignored",
				  path, pr->key);
		else
			mesh_err(c, &pos, "%s.%s: unknown field", path,
				 pr->key);
	}
	return true;
}

bool
mesh_labels_match(const struct mesh_labels *want,
		  const struct mesh_labels *have)
{
	size_t i, j;

	for (i = 0; i < want->n; i++) {
		for (j = 0; j < have->n; j++) {
			if (strcmp(want->items[i].key, have->items[j].key) == 0)
				break;
		}
		if (j == have->n ||
		    strcmp(want->items[i].value, have->items[j].value) != 0)
			return false;
	}
	return true;
}

bool
mesh_host_eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

bool
mesh_host_covers(const char *wild, const char *host)
{
	size_t wl, hl;

	if (strcmp(wild, "*") == 0)
		return true;
	if (wild[0] != '*' || wild[1] != '.')
		return mesh_host_eq(wild, host);
	/* "*.b.c" covers "a.b.c" (at least one label before) and "*.a.b.c" */
	wl = strlen(wild) - 1;	/* ".b.c" */
	hl = strlen(host);
	return hl > wl && strcasecmp(host + hl - wl, wild + 1) == 0;
}
