/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route_build — compile a gw_route_table_conf into an immutable table.
 * Control thread only: allocates, never logs.
 *
 * Two passes: the first counts (to size every array once), the second
 * validates and fills. All table memory comes from one arena freed in
 * one go; the only other owners are the Hyperscan database and the
 * PCRE2 rewrite codes, released by gw_route_table_free().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_route.h"
#include "route_build.h"
#include "route_priv.h"

/* Arena chunks hold at least this much: big enough that a 10-route table
 * fits in one chunk, small enough not to waste memory per listener. */
#define ARENA_CHUNK 65536

struct route_arena_chunk {
	struct route_arena_chunk *next;
	size_t used;
	size_t cap;
	max_align_t data[];
};

/* Serial numbers of tables: ctrl-thread only, atomic for safety. */
static _Atomic uint64_t table_serial;

void *
route_arena_alloc(struct gw_route_table *t, size_t n)
{
	struct route_arena_chunk *c = t->arena;
	size_t align = sizeof(max_align_t);
	void *p;

	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	if (c == NULL || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = t->arena;
		t->arena = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

void *
route_arena_alloc_cb(void *arg, size_t n)
{
	return route_arena_alloc(arg, n);
}

char *
route_arena_memdup(struct gw_route_table *t, const char *s, size_t len)
{
	char *p = route_arena_alloc(t, len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* FNV-1a. The table is read-only and built from config, so a request
 * cannot lengthen a probe chain; no keyed hash is needed here. */
uint32_t
route_hash(const char *s, size_t len, bool icase)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)(icase ? route_lower(s[i]) : s[i]);
		h *= 16777619u;
	}
	return h;
}

int64_t
route_strtab_lookup(const struct route_strtab *t, const char *s, size_t len)
{
	uint32_t i, e;
	size_t k;

	if (t->n == 0)
		return -1;
	i = route_hash(s, len, t->icase) & t->mask;
	for (;; i = (i + 1) & t->mask) {
		e = t->slot[i];
		if (e == 0)
			return -1;
		e--;
		if (t->klen[e] != len)
			continue;
		if (!t->icase) {
			if (memcmp(t->key[e], s, len) == 0)
				return t->val[e];
			continue;
		}
		for (k = 0; k < len; k++)
			if (t->key[e][k] != route_lower(s[k]))
				break;
		if (k == len)
			return t->val[e];
	}
}

static int
strtab_init(struct gw_route_table *t, struct route_strtab *st, uint32_t cap,
	    bool icase)
{
	uint32_t slots = 1;

	st->icase = icase;
	st->n = 0;
	if (cap == 0)
		return 0;
	while (slots < 2 * cap)
		slots <<= 1;
	st->mask = slots - 1;
	st->slot = route_arena_alloc(t, slots * sizeof(*st->slot));
	st->key = route_arena_alloc(t, cap * sizeof(*st->key));
	st->klen = route_arena_alloc(t, cap * sizeof(*st->klen));
	st->val = route_arena_alloc(t, cap * sizeof(*st->val));
	if (st->slot == NULL || st->key == NULL || st->klen == NULL ||
	    st->val == NULL)
		return -ENOMEM;
	return 0;
}

/* Insert key (lowercased when icase) -> val unless present.
 * @return -1 on -ENOMEM, else the value now stored for key. The caller
 * sized the table, so it never overflows. */
static int64_t
strtab_add(struct gw_route_table *t, struct route_strtab *st, const char *s,
	   size_t len, uint32_t val)
{
	int64_t old = route_strtab_lookup(st, s, len);
	uint32_t i, e;
	char *k;
	size_t j;

	if (old >= 0)
		return old;
	k = route_arena_memdup(t, s, len);
	if (k == NULL)
		return -1;
	if (st->icase)
		for (j = 0; j < len; j++)
			k[j] = route_lower(k[j]);
	e = st->n++;
	st->key[e] = k;
	st->klen[e] = (uint32_t)len;
	st->val[e] = val;
	for (i = route_hash(s, len, st->icase) & st->mask; st->slot[i] != 0;
	     i = (i + 1) & st->mask)
		;
	st->slot[i] = e + 1;
	return val;
}

/* ------------------------------------------------------------------ */
/* Error context                                                       */
/* ------------------------------------------------------------------ */

static size_t
ctx_prefix(const struct route_bctx *c, size_t vi, size_t ri, size_t mi,
	   char *buf, size_t len)
{
	const struct gw_route_vhost_conf *vh = &c->conf->vhosts[vi];
	int n, k;

	n = snprintf(buf, len, "virtual host \"%s\"",
		     vh->name != NULL ? vh->name : "");
	if (ri != SIZE_MAX && n >= 0 && (size_t)n < len) {
		const struct gw_route_conf *r = &vh->routes[ri];

		k = snprintf(buf + n, len - n, ": route \"%s\" (#%zu)",
			     r->name != NULL ? r->name : "", ri);
		n = k < 0 ? n : n + k;
		if (mi != SIZE_MAX && (size_t)n < len) {
			const char *mn = r->matches[mi].name;

			k = snprintf(buf + n, len - n, ": match #%zu%s%s%s", mi,
				     mn != NULL ? " \"" : "",
				     mn != NULL ? mn : "",
				     mn != NULL ? "\"" : "");
			n = k < 0 ? n : n + k;
		}
	}
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

static int
failv(const struct route_bctx *c, size_t vi, size_t ri, size_t mi, int rc,
      const char *fmt, va_list ap)
{
	size_t n;

	if (c->err == NULL)
		return rc;
	n = ctx_prefix(c, vi, ri, mi, c->err->msg, sizeof(c->err->msg));
	if (n + 2 < sizeof(c->err->msg)) {
		memcpy(c->err->msg + n, ": ", 3);
		n += 2;
		vsnprintf(c->err->msg + n, sizeof(c->err->msg) - n, fmt, ap);
	}
	return rc;
}

int
route_fail(const struct route_bctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	failv(c, c->vi, c->ri, c->mi, rc, fmt, ap);
	va_end(ap);
	return rc;
}

static int
rx_name_of(void *arg, uint32_t id, char *buf, size_t len)
{
	const struct route_bctx *c = arg;
	size_t n;

	n = ctx_prefix(c, c->rx_vhost[id], c->rx_route[id], c->rx_match[id],
		       buf, len);
	snprintf(buf + n, len - n, ": %s", c->rx_field[id]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Match blocks                                                        */
/* ------------------------------------------------------------------ */

/* Append \xNN escapes of the tag of slot, the user regex with a leading
 * '^' and a trailing unescaped '$' dropped (Istio's match is anchored
 * anyway), and the closing NUL. */
static char *
regex_expr(uint32_t slot, const char *re)
{
	char tag[ROUTE_TAG_LEN];
	size_t len = strlen(re), bs = 0, i, n;
	char *e;

	if (len > 0 && re[0] == '^') {
		re++;
		len--;
	}
	if (len > 0 && re[len - 1] == '$') {
		for (i = len - 1; i > 0 && re[i - 1] == '\\'; i--)
			bs++;
		if (bs % 2 == 0)
			len--;
	}
	route_regex_tag(slot, tag);
	n = 4 + 4 * ROUTE_TAG_LEN + 4 + 3 + len + 1 + 4 + 1;
	e = malloc(n);
	if (e == NULL)
		return NULL;
	i = (size_t)snprintf(e, n, "\\x00");
	for (size_t k = 0; k < ROUTE_TAG_LEN; k++)
		i += (size_t)snprintf(e + i, n - i, "\\x%02x",
				      (unsigned)(uint8_t)tag[k]);
	i += (size_t)snprintf(e + i, n - i, "\\x00(?:");
	memcpy(e + i, re, len);
	i += len;
	snprintf(e + i, n - i, ")\\x00");
	return e;
}

/* The expression of a key: the tag of slot, then the literal value
 * (letters and digits as is, every other byte as \xNN), then a closing
 * NUL for an exact key; "(?i)" first for ignoreUriCase. */
static char *
literal_expr(uint32_t slot, const char *v, size_t len, bool exact,
	     bool icase)
{
	char tag[ROUTE_TAG_LEN];
	size_t n = 8 * (ROUTE_TAG_LEN + 3) + 4 * len + 8, i, k;
	char *e = malloc(n);

	if (e == NULL)
		return NULL;
	route_regex_tag(slot, tag);
	i = (size_t)snprintf(e, n, "\\x00");
	for (k = 0; k < ROUTE_TAG_LEN; k++)
		i += (size_t)snprintf(e + i, n - i, "\\x%02x",
				      (unsigned)(uint8_t)tag[k]);
	i += (size_t)snprintf(e + i, n - i, "\\x00%s", icase ? "(?i)" : "");
	for (k = 0; k < len; k++) {
		uint8_t ch = (uint8_t)v[k];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9'))
			e[i++] = (char)ch;
		else
			i += (size_t)snprintf(e + i, n - i, "\\x%02x", ch);
	}
	snprintf(e + i, n - i, "%s", exact ? "\\x00" : "");
	return e;
}

/* Register expression e (consumed) on slot; equal expressions share
 * one id. @return 0 and the id, or -ENOMEM. */
static int
add_expr(struct route_bctx *c, uint32_t slot, char *e, const char *field,
	 bool prefix, uint32_t *id)
{
	struct gw_route_table *t = c->t;
	uint32_t h;

	/* the expression carries the slot's tag: equal text, equal regex */
	for (h = route_hash(e, strlen(e), false) & c->rx_mask;
	     c->rx_index[h] != 0; h = (h + 1) & c->rx_mask) {
		if (strcmp(c->exprs[c->rx_index[h] - 1], e) == 0) {
			free(e);
			*id = c->rx_index[h] - 1;
			return 0;
		}
	}
	if (c->n_rx == c->cap_rx) {
		uint32_t cap = c->cap_rx ? 2 * c->cap_rx : 64;
		void *p;

#define GROW(f)                                                         \
	do {                                                            \
		p = realloc(c->f, cap * sizeof(*c->f));                 \
		if (p == NULL) {                                        \
			free(e);                                        \
			return route_fail(c, -ENOMEM, "out of memory"); \
		}                                                       \
		c->f = p;                                               \
	} while (0)
		GROW(exprs);
		GROW(rx_vhost);
		GROW(rx_route);
		GROW(rx_match);
		GROW(rx_field);
#undef GROW
		c->cap_rx = cap;
	}
	c->rx_index[h] = c->n_rx + 1;
	c->exprs[c->n_rx] = e;
	c->rx_vhost[c->n_rx] = (uint32_t)c->vi;
	c->rx_route[c->n_rx] = (uint32_t)c->ri;
	c->rx_match[c->n_rx] = (uint32_t)c->mi;
	c->rx_field[c->n_rx] = field;
	t->regex_slot[c->n_rx] = (uint16_t)slot;
	t->regex_prefix[c->n_rx] = prefix;
	*id = c->n_rx++;
	return 0;
}

static int
add_regex(struct route_bctx *c, uint32_t slot, const char *re,
	  const char *field, uint32_t *id)
{
	char *e = regex_expr(slot, re);

	if (e == NULL)
		return route_fail(c, -ENOMEM, "out of memory");
	return add_expr(c, slot, e, field, false, id);
}

/* Fill one condition from a string match. */
static int
str_cond(struct route_bctx *c, struct route_cond *cd,
	 const struct gw_route_str_match *m, uint8_t field, uint32_t slot,
	 const char *what, bool icase)
{
	struct gw_route_table *t = c->t;
	size_t len, i;
	char *v;

	if (m->kind != GW_ROUTE_STR_ANY && m->value == NULL)
		return route_fail(c, -EINVAL, "%s: match value missing", what);
	cd->field = field;
	switch (m->kind) {
	case GW_ROUTE_STR_ANY:
		cd->kind = ROUTE_CK_PRESENT;
		return 0;
	case GW_ROUTE_STR_EXACT:
	case GW_ROUTE_STR_PREFIX:
		cd->kind = m->kind == GW_ROUTE_STR_EXACT ? ROUTE_CK_EXACT :
							   ROUTE_CK_PREFIX;
		len = strlen(m->value);
		v = route_arena_memdup(t, m->value, len);
		if (v == NULL)
			return route_fail(c, -ENOMEM, "out of memory");
		if (icase)
			for (i = 0; i < len; i++)
				v[i] = route_lower(v[i]);
		cd->val = v;
		cd->len = (uint32_t)len;
		cd->icase = icase;
		i = len < 8 ? len : 8;
		cd->tail = route_load_tail(v + len - i, i);
		return 0;
	case GW_ROUTE_STR_REGEX:
		cd->kind = ROUTE_CK_REGEX;
		return add_regex(c, slot, m->value, what, &cd->regex);
	}
	return route_fail(c, -EINVAL, "%s: unknown match kind %d", what,
			  (int)m->kind);
}

static int
name_id(struct route_bctx *c, const char *name, bool header, uint32_t *id)
{
	struct gw_route_table *t = c->t;
	struct route_strtab *st = header ? &t->hdr_names : &t->query_names;
	size_t len = strlen(name);
	int64_t v;

	if (len == 0)
		return route_fail(c, -EINVAL, "%s: empty name",
				  header ? "headers" : "queryParams");
	v = route_strtab_lookup(st, name, len);
	if (v >= 0) {
		*id = (uint32_t)v;
		return 0;
	}
	if (t->n_names >= GW_ROUTE_MAX_NAMES)
		return route_fail(c, -E2BIG, "more than %u distinct header and "
				  "query names", GW_ROUTE_MAX_NAMES);
	v = strtab_add(t, st, name, len, t->n_names);
	if (v < 0)
		return route_fail(c, -ENOMEM, "out of memory");
	t->slot_name[ROUTE_SLOT_NAME0 + t->n_names] =
		st->key[st->n - 1];
	t->slot_name_len[ROUTE_SLOT_NAME0 + t->n_names] = (uint32_t)len;
	t->slot_field[ROUTE_SLOT_NAME0 + t->n_names] =
		header ? ROUTE_FLD_HEADER : ROUTE_FLD_QUERY;
	if (header)
		t->hdr_len_mask |= route_len_bit(len);
	*id = t->n_names++;
	return 0;
}

static int
kv_conds(struct route_bctx *c, struct route_block *b,
	 const struct gw_route_kv_match *kv, size_t n, bool header,
	 bool negate)
{
	struct gw_route_table *t = c->t;
	const char *what = header ? (negate ? "withoutHeaders" : "headers") :
				    "queryParams";
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		struct route_cond *cd = &t->conds[b->first + b->n];
		uint32_t id = 0;

		if (kv[i].name == NULL)
			return route_fail(c, -EINVAL, "%s[%zu]: name missing",
					  what, i);
		if (!header && kv[i].match.kind == GW_ROUTE_STR_PREFIX)
			return route_fail(c, -EINVAL, "queryParams \"%s\": "
					  "prefix is not supported (Istio "
					  "allows exact and regex only)",
					  kv[i].name);
		rc = name_id(c, kv[i].name, header, &id);
		if (rc < 0)
			return rc;
		cd->id = id;
		cd->negate = negate;
		rc = str_cond(c, cd, &kv[i].match,
			      header ? ROUTE_FLD_HEADER : ROUTE_FLD_QUERY,
			      ROUTE_SLOT_NAME0 + id, what, false);
		if (rc < 0)
			return rc;
		b->n++;
	}
	return 0;
}

/* Move regex conditions to the front, keeping order otherwise: testing
 * one costs a bit test, as the scan already ran. */
static void
regex_first(struct route_cond *cd, uint32_t n)
{
	uint32_t i, j;

	for (i = 1; i < n; i++) {
		struct route_cond x = cd[i];

		if (x.kind != ROUTE_CK_REGEX)
			continue;
		for (j = i; j > 0 && cd[j - 1].kind != ROUTE_CK_REGEX; j--)
			cd[j] = cd[j - 1];
		cd[j] = x;
	}
}

static int
build_block(struct route_bctx *c, struct route_block *b,
	    const struct gw_route_match_conf *m, uint32_t first)
{
	struct gw_route_table *t = c->t;
	static const struct {
		size_t off;
		uint8_t field;
		const char *what;
	} plain[] = {
		/* most selective first */
		{ offsetof(struct gw_route_match_conf, uri), ROUTE_FLD_PATH,
		  "uri" },
		{ offsetof(struct gw_route_match_conf, authority),
		  ROUTE_FLD_AUTHORITY, "authority" },
		{ offsetof(struct gw_route_match_conf, method),
		  ROUTE_FLD_METHOD, "method" },
		{ offsetof(struct gw_route_match_conf, scheme),
		  ROUTE_FLD_SCHEME, "scheme" },
	};
	size_t i;
	int rc;

	b->first = first;
	b->n = 0;
	b->key = ROUTE_NO_KEY;
	if (m->port > 65535)
		return route_fail(c, -EINVAL, "port %" PRIu32 " out of range",
				  m->port);
	b->port = m->port;
	/* Istio matches prefix "/" when a block has no uri condition, so a
	 * uri rewrite then replaces the leading "/". */
	b->prefix_rw = true;
	b->prefix_len = 1;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		const struct gw_route_str_match *sm =
			(const void *)((const char *)m + plain[i].off);
		bool uri = plain[i].field == ROUTE_FLD_PATH;

		if (sm->kind == GW_ROUTE_STR_ANY)
			continue;
		rc = str_cond(c, &t->conds[first + b->n], sm, plain[i].field,
			      plain[i].field, plain[i].what,
			      uri && m->ignore_uri_case);
		if (rc < 0)
			return rc;
		if (uri) {
			b->prefix_rw = sm->kind == GW_ROUTE_STR_PREFIX;
			b->prefix_len = b->prefix_rw ?
				t->conds[first + b->n].len : 0;
		}
		b->n++;
	}
	rc = kv_conds(c, b, m->headers, m->n_headers, true, false);
	if (rc == 0)
		rc = kv_conds(c, b, m->without_headers, m->n_without_headers,
			      true, true);
	if (rc == 0)
		rc = kv_conds(c, b, m->query_params, m->n_query_params, false,
			      false);
	if (rc == 0)
		regex_first(&t->conds[first], b->n);
	return rc;
}

int
route_copy_str(struct route_bctx *c, const char *s, const char **out)
{
	*out = NULL;
	if (s == NULL)
		return 0;
	*out = route_arena_memdup(c->t, s, strlen(s));
	return *out == NULL ? route_fail(c, -ENOMEM, "out of memory") : 0;
}

/* ------------------------------------------------------------------ */
/* Hosts                                                               */
/* ------------------------------------------------------------------ */

static const char *
vhost_name(const struct route_bctx *c, size_t vi)
{
	const char *n = c->conf->vhosts[vi].name;

	return n != NULL ? n : "";
}

/* Index one domain of the current virtual host: "*", "*.suffix" (stored
 * as ".suffix") or an exact name, all lowercase. */
static int
add_domain(struct route_bctx *c, const char *d)
{
	struct gw_route_table *t = c->t;
	struct route_strtab *st = &t->exact_hosts;
	const char *key = d;
	size_t len = strlen(d);
	int64_t v;

	if (len == 0)
		return route_fail(c, -EINVAL, "empty domain");
	if (strchr(d, ':') != NULL)
		return route_fail(c, -EINVAL, "domain \"%s\": no port allowed",
				  d);
	if (strcmp(d, "*") == 0) {
		if (t->star_vhost >= 0 && (size_t)t->star_vhost != c->vi)
			return route_fail(c, -EINVAL, "domain \"*\" also in "
					  "virtual host \"%s\"",
					  vhost_name(c, t->star_vhost));
		t->star_vhost = (int32_t)c->vi;
		return 0;
	}
	if (d[0] == '*') {
		if (d[1] != '.' || len < 3)
			return route_fail(c, -EINVAL, "domain \"%s\": a "
					  "wildcard must be \"*\" or "
					  "\"*.suffix\"", d);
		st = &t->wild_hosts;
		key++;
		len--;
	}
	if (memchr(key, '*', len) != NULL)
		return route_fail(c, -EINVAL, "domain \"%s\": '*' only as the "
				  "first label", d);
	v = strtab_add(t, st, key, len, (uint32_t)c->vi);
	if (v < 0)
		return route_fail(c, -ENOMEM, "out of memory");
	if ((size_t)v != c->vi)
		return route_fail(c, -EINVAL, "domain \"%s\" also in virtual "
				  "host \"%s\"", d, vhost_name(c, (size_t)v));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Table                                                               */
/* ------------------------------------------------------------------ */

static int
count_conf(struct route_bctx *c, size_t *nr, size_t *nb, size_t *nc, size_t *nd,
	   size_t *nn)
{
	const struct gw_route_table_conf *conf = c->conf;
	size_t v, r, m;

	*nr = *nb = *nc = *nd = *nn = 0;
	for (v = 0; v < conf->n_vhosts; v++) {
		const struct gw_route_vhost_conf *vh = &conf->vhosts[v];

		c->vi = v;
		c->ri = c->mi = SIZE_MAX;
		if ((vh->n_domains > 0 && vh->domains == NULL) ||
		    (vh->n_routes > 0 && vh->routes == NULL))
			return route_fail(c, -EINVAL, "domains or routes "
					  "missing");
		for (m = 0; m < vh->n_domains; m++)
			if (vh->domains[m] == NULL)
				return route_fail(c, -EINVAL, "domain #%zu is "
						  "NULL", m);
		*nd += vh->n_domains;
		*nr += vh->n_routes;
		for (r = 0; r < vh->n_routes; r++) {
			const struct gw_route_conf *rc = &vh->routes[r];

			c->ri = r;
			if ((rc->n_matches > 0 && rc->matches == NULL) ||
			    (rc->n_dests > 0 && rc->dests == NULL))
				return route_fail(c, -EINVAL, "matches or "
						  "route array missing");
			*nb += rc->n_matches;
			for (m = 0; m < rc->n_matches; m++) {
				const struct gw_route_match_conf *mc =
					&rc->matches[m];
				size_t kv = mc->n_headers +
					    mc->n_without_headers +
					    mc->n_query_params;

				c->mi = m;
				if ((mc->n_headers && !mc->headers) ||
				    (mc->n_without_headers &&
				     !mc->without_headers) ||
				    (mc->n_query_params && !mc->query_params))
					return route_fail(c, -EINVAL,
							  "header or query "
							  "array missing");
				*nc += 4 + kv;
				*nn += kv;
			}
			c->mi = SIZE_MAX;
		}
	}
	if (*nr > UINT32_MAX / 2 || *nb > UINT32_MAX / 2 ||
	    *nc > UINT32_MAX / 2) {
		c->vi = 0;
		c->ri = SIZE_MAX;
		return route_fail(c, -E2BIG, "table too large");
	}
	return 0;
}

static int
block_key(struct route_bctx *c, struct route_block *b)
{
	struct gw_route_table *t = c->t;
	uint32_t i;

	b->key = ROUTE_NO_KEY;
	/* a withoutHeaders regex holds when it does not match: no key */
	for (i = 0; i < b->n; i++)
		if (t->conds[b->first + i].kind == ROUTE_CK_REGEX &&
		    !t->conds[b->first + i].negate) {
			b->key = t->conds[b->first + i].regex;
			return 0;
		}
	for (i = 0; i < b->n; i++) {
		const struct route_cond *cd = &t->conds[b->first + i];
		bool exact = cd->kind == ROUTE_CK_EXACT;
		uint32_t slot = exact ? ROUTE_FLD_PATH : ROUTE_SLOT_TARGET;
		char *e;

		if (cd->field != ROUTE_FLD_PATH ||
		    (cd->kind != ROUTE_CK_EXACT && cd->kind != ROUTE_CK_PREFIX))
			continue;
		e = literal_expr(slot, cd->val, cd->len, exact, cd->icase);
		if (e == NULL)
			return route_fail(c, -ENOMEM, "out of memory");
		return add_expr(c, slot, e, "uri", !exact, &b->key);
	}
	return 0;
}

/* Pick each block's key (a regex of the block, else its uri exact or
 * prefix as a literal), then index routes by key. Walks the conf in
 * build order so that messages name the right route. */
static int
build_keys(struct route_bctx *c)
{
	struct gw_route_table *t = c->t;
	const struct gw_route_table_conf *conf = c->conf;
	uint32_t block = 0, r, b, i, n, *fill;
	size_t v, ri, mi;
	bool keyed;
	int rc;

	for (v = 0; v < conf->n_vhosts; v++) {
		c->vi = v;
		for (ri = 0; ri < conf->vhosts[v].n_routes; ri++) {
			c->ri = ri;
			for (mi = 0; mi < conf->vhosts[v].routes[ri].n_matches;
			     mi++) {
				c->mi = mi;
				rc = block_key(c, &t->blocks[block++]);
				if (rc < 0)
					return rc;
			}
		}
	}
	c->ri = c->mi = SIZE_MAX;
	t->always = route_arena_alloc(t, ((t->n_routes + 63) / 64) *
				      sizeof(*t->always));
	t->key_off = route_arena_alloc(t, (c->n_rx + 1) *
				       sizeof(*t->key_off));
	fill = calloc(c->n_rx + 1, sizeof(*fill));
	if (t->always == NULL || t->key_off == NULL || fill == NULL) {
		free(fill);
		return route_fail(c, -ENOMEM, "out of memory");
	}
	/* count, prefix-sum, fill: key_off[id + 1] ends up as the end */
	for (n = 0, r = 0; r < t->n_routes; r++) {
		const struct route_span *sp = &t->spans[r];

		keyed = sp->n > 0;
		for (b = sp->first; b < sp->first + sp->n; b++)
			keyed = keyed && t->blocks[b].key != ROUTE_NO_KEY;
		if (!keyed) {
			t->always[r >> 6] |= UINT64_C(1) << (r & 63);
			continue;
		}
		for (b = sp->first; b < sp->first + sp->n; b++) {
			t->key_off[t->blocks[b].key + 1]++;
			n++;
		}
	}
	for (i = 0; i < c->n_rx; i++)
		t->key_off[i + 1] += t->key_off[i];
	t->key_routes = route_arena_alloc(t, (n + 1) * sizeof(*t->key_routes));
	if (t->key_routes == NULL) {
		free(fill);
		return route_fail(c, -ENOMEM, "out of memory");
	}
	for (r = 0; r < t->n_routes; r++) {
		const struct route_span *sp = &t->spans[r];

		if (t->always[r >> 6] & (UINT64_C(1) << (r & 63)))
			continue;
		for (b = sp->first; b < sp->first + sp->n; b++) {
			uint32_t k = t->blocks[b].key;

			t->key_routes[t->key_off[k] + fill[k]++] = r;
		}
	}
	free(fill);
	return 0;
}

static int
build(struct route_bctx *c)
{
	struct gw_route_table *t = c->t;
	const struct gw_route_table_conf *conf = c->conf;
	size_t nr, nb, nc, nd, nn, v, r, m;
	uint32_t route = 0, block = 0, cond = 0;
	uint8_t *scanned;
	int rc;

	rc = count_conf(c, &nr, &nb, &nc, &nd, &nn);
	if (rc < 0)
		return rc;
	c->vi = 0;
	c->ri = c->mi = SIZE_MAX;
	if (nn > GW_ROUTE_MAX_NAMES)
		nn = GW_ROUTE_MAX_NAMES;
	t->vhosts = route_arena_alloc(t, (conf->n_vhosts + 1) *
				      sizeof(*t->vhosts));
	t->routes = route_arena_alloc(t, (nr + 1) * sizeof(*t->routes));
	t->n_routes_alloc = (uint32_t)nr;
	t->spans = route_arena_alloc(t, (nr + 1) * sizeof(*t->spans));
	t->blocks = route_arena_alloc(t, (nb + 1) * sizeof(*t->blocks));
	t->conds = route_arena_alloc(t, (nc + 1) * sizeof(*t->conds));
	/* at most one regex per condition and one key per block */
	t->regex_slot = route_arena_alloc(t, (nc + nb + 1) *
					  sizeof(*t->regex_slot));
	t->regex_prefix = route_arena_alloc(t, nc + nb + 1);
	for (c->rx_mask = 1; c->rx_mask < 2 * (nc + nb + 1); c->rx_mask <<= 1)
		;
	c->rx_index = calloc(c->rx_mask, sizeof(*c->rx_index));
	c->rx_mask--;
	t->slot_name = route_arena_alloc(t, ROUTE_MAX_SLOTS *
					 sizeof(*t->slot_name));
	t->slot_name_len = route_arena_alloc(t, ROUTE_MAX_SLOTS *
				       sizeof(*t->slot_name_len));
	t->slot_field = route_arena_alloc(t, ROUTE_MAX_SLOTS);
	if (t->vhosts == NULL || t->routes == NULL || t->spans == NULL ||
	    c->rx_index == NULL || t->regex_prefix == NULL ||
	    t->blocks == NULL ||
	    t->conds == NULL || t->regex_slot == NULL || t->slot_name == NULL ||
	    t->slot_name_len == NULL || t->slot_field == NULL ||
	    strtab_init(t, &t->exact_hosts, (uint32_t)nd, true) < 0 ||
	    strtab_init(t, &t->wild_hosts, (uint32_t)nd, true) < 0 ||
	    strtab_init(t, &t->hdr_names, (uint32_t)nn, true) < 0 ||
	    strtab_init(t, &t->query_names, (uint32_t)nn, false) < 0)
		return route_fail(c, -ENOMEM, "out of memory");
	t->n_vhosts = (uint32_t)conf->n_vhosts;
	t->star_vhost = -1;

	for (v = 0; v < conf->n_vhosts; v++) {
		const struct gw_route_vhost_conf *vh = &conf->vhosts[v];
		struct route_vhost *tv = &t->vhosts[v];

		c->vi = v;
		c->ri = c->mi = SIZE_MAX;
		rc = route_copy_str(c, vh->name != NULL ? vh->name : "",
				    &tv->name);
		if (rc < 0)
			return rc;
		for (m = 0; m < vh->n_domains; m++) {
			rc = add_domain(c, vh->domains[m]);
			if (rc < 0)
				return rc;
		}
		tv->first_route = route;
		tv->n_routes = (uint32_t)vh->n_routes;
		for (r = 0; r < vh->n_routes; r++) {
			const struct gw_route_conf *rcf = &vh->routes[r];
			struct gw_route *gr = &t->routes[route++];

			c->ri = r;
			c->mi = SIZE_MAX;
			rc = route_build_action(c, rcf, gr);
			if (rc < 0)
				return rc;
			t->spans[route - 1].first = block;
			t->spans[route - 1].n = (uint32_t)rcf->n_matches;
			for (m = 0; m < rcf->n_matches; m++) {
				struct route_block *b = &t->blocks[block++];

				c->mi = m;
				rc = build_block(c, b, &rcf->matches[m], cond);
				if (rc < 0)
					return rc;
				cond += b->n;
			}
		}
	}
	t->n_routes = route;
	t->n_user_regex = c->n_rx;
	/* a Hyperscan scan runs anyway: let it prefilter routes too */
	if (c->n_rx > 0) {
		rc = build_keys(c);
		if (rc < 0)
			return rc;
	}
	t->n_regex = c->n_rx;

	/* slots to put in the scan buffer, in slot order */
	scanned = calloc(ROUTE_MAX_SLOTS, 1);
	t->scan_slots = route_arena_alloc(t, ROUTE_MAX_SLOTS *
				    sizeof(*t->scan_slots));
	if (scanned == NULL || t->scan_slots == NULL) {
		free(scanned);
		return route_fail(c, -ENOMEM, "out of memory");
	}
	for (r = 0; r < t->n_regex; r++)
		scanned[t->regex_slot[r]] = 1;
	for (r = 0; r < ROUTE_MAX_SLOTS; r++)
		if (scanned[r])
			t->scan_slots[t->n_scan_slots++] = (uint16_t)r;
	free(scanned);
	if (t->n_regex == 0)
		return 0;
	return route_regex_db_build(t, (const char **)c->exprs, c->err,
				    rx_name_of, c);
}

int
gw_route_table_create(const struct gw_route_table_conf *conf,
		      struct gw_route_table **out, struct gw_route_err *err)
{
	struct route_bctx c = { .conf = conf, .err = err, .ri = SIZE_MAX,
			  .mi = SIZE_MAX };
	struct gw_route_table *t;
	uint32_t i;
	int rc;

	if (err != NULL)
		err->msg[0] = '\0';
	if (conf == NULL || out == NULL ||
	    (conf->n_vhosts > 0 && conf->vhosts == NULL)) {
		if (err != NULL)
			snprintf(err->msg, sizeof(err->msg), "no table conf");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		if (err != NULL)
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	t->serial = atomic_fetch_add(&table_serial, 1) + 1;
	c.t = t;
	rc = build(&c);
	for (i = 0; i < c.n_rx; i++)
		free(c.exprs[i]);
	free(c.exprs);
	free(c.rx_vhost);
	free(c.rx_route);
	free(c.rx_match);
	free(c.rx_field);
	free(c.rx_index);
	if (rc < 0) {
		gw_route_table_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void
gw_route_table_free(struct gw_route_table *t)
{
	struct route_arena_chunk *c, *n;
	uint32_t i;

	if (t == NULL)
		return;
	hs_free_database(t->db);
	/* routes[] may be partly built: each pcre2 code is NULL or valid */
	for (i = 0; t->routes != NULL && i < t->n_routes_alloc; i++)
		pcre2_code_free(t->routes[i].re);
	for (c = t->arena; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	free(t);
}

uint32_t
gw_route_table_route_count(const struct gw_route_table *t)
{
	return t->n_routes;
}

uint32_t
gw_route_table_regex_count(const struct gw_route_table *t)
{
	return t->n_user_regex;
}
