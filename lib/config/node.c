/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic YAML tree of lib/config: allocation, lookup, YAML 1.2 core
 * schema resolution of plain scalars, the strict typed getters used by
 * decoders, descriptions of values for error messages, and the conversion
 * to JSON. Control thread only.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gw_config.h"
#include "config_priv.h"

struct gw_config_node *
cfg_node_new(enum gw_config_node_type type, const char *file, unsigned line,
	     unsigned col)
{
	struct gw_config_node *n;

	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->type = type;
	n->file = file;
	n->line = line;
	n->col = col;
	return n;
}

void
cfg_node_free(struct gw_config_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	/* Recursion is bounded by CFG_MAX_DEPTH. */
	switch (n->type) {
	case GW_CONFIG_NODE_SCALAR:
		free(n->str);
		break;
	case GW_CONFIG_NODE_MAP:
		for (i = 0; i < n->n; i++) {
			free(n->pairs[i].key);
			cfg_node_free(n->pairs[i].value);
		}
		free(n->pairs);
		break;
	case GW_CONFIG_NODE_SEQ:
		for (i = 0; i < n->n; i++)
			cfg_node_free(n->items[i]);
		free(n->items);
		break;
	}
	free(n);
}

const struct gw_config_node *
gw_config_node_get(const struct gw_config_node *map, const char *key)
{
	size_t i;

	if (map == NULL || key == NULL || map->type != GW_CONFIG_NODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (strcmp(map->pairs[i].key, key) == 0)
			return map->pairs[i].value;
	return NULL;
}

/* ---- core schema -------------------------------------------------------- */

static bool
is_word(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(s, w, len) == 0;
}

static bool
is_one_of3(const char *s, size_t len, const char *a, const char *b,
	   const char *c)
{
	return is_word(s, len, a) || is_word(s, len, b) || is_word(s, len, c);
}

static bool
all_in(const char *s, size_t len, const char *set)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return false;
	return true;
}

#define DIGITS "0123456789"

/* [-+]?[0-9]+ */
static bool
is_decimal(const char *s, size_t len)
{
	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		s++;
		len--;
	}
	return all_in(s, len, DIGITS);
}

static size_t
span_digits(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool
is_float(const char *s, size_t len)
{
	size_t i = 0, d;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	d = span_digits(s + i, len - i);
	i += d;
	if (i < len && s[i] == '.') {
		size_t frac;

		i++;
		frac = span_digits(s + i, len - i);
		if (d == 0 && frac == 0)
			return false;
		i += frac;
	} else if (d == 0) {
		return false;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		d = span_digits(s + i, len - i);
		if (d == 0)
			return false;
		i += d;
	}
	return i == len;
}

static bool
is_inf(const char *s, size_t len)
{
	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		s++;
		len--;
	}
	return is_one_of3(s, len, ".inf", ".Inf", ".INF");
}

static bool
is_nan(const char *s, size_t len)
{
	return is_one_of3(s, len, ".nan", ".NaN", ".NAN");
}

enum cfg_scalar_type
cfg_resolve(const char *s, size_t len)
{
	if (len == 0 || is_word(s, len, "~") ||
	    is_one_of3(s, len, "null", "Null", "NULL"))
		return CFG_T_NULL;
	if (is_one_of3(s, len, "true", "True", "TRUE") ||
	    is_one_of3(s, len, "false", "False", "FALSE"))
		return CFG_T_BOOL;
	if (is_decimal(s, len))
		return CFG_T_INT;
	if (len > 2 && s[0] == '0' && s[1] == 'o' &&
	    all_in(s + 2, len - 2, "01234567"))
		return CFG_T_INT;
	if (len > 2 && s[0] == '0' && s[1] == 'x' &&
	    all_in(s + 2, len - 2, DIGITS "abcdefABCDEF"))
		return CFG_T_INT;
	if (is_float(s, len) || is_inf(s, len) || is_nan(s, len))
		return CFG_T_FLOAT;
	return CFG_T_STR;
}

enum cfg_scalar_type
cfg_scalar_type(const struct gw_config_node *n)
{
	if (n->quoted)
		return CFG_T_STR;
	return cfg_resolve(n->str, n->len);
}

/* ---- typed getters ------------------------------------------------------ */

int
cfg_node_int(const struct gw_config_node *n, long long *v)
{
	char *end;
	long long x;

	if (n == NULL || n->type != GW_CONFIG_NODE_SCALAR || n->quoted ||
	    !is_decimal(n->str, n->len))
		return -EINVAL;
	errno = 0;
	x = strtoll(n->str, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno != 0 || end != n->str + n->len)
		return -EINVAL;
	*v = x;
	return 0;
}

int
cfg_node_bool(const struct gw_config_node *n, bool *v)
{
	if (n == NULL || n->type != GW_CONFIG_NODE_SCALAR || n->quoted)
		return -EINVAL;
	if (is_one_of3(n->str, n->len, "true", "True", "TRUE")) {
		*v = true;
		return 0;
	}
	if (is_one_of3(n->str, n->len, "false", "False", "FALSE")) {
		*v = false;
		return 0;
	}
	return -EINVAL;
}

int
cfg_node_str(const struct gw_config_node *n, const char **s)
{
	if (n == NULL || n->type != GW_CONFIG_NODE_SCALAR ||
	    cfg_scalar_type(n) != CFG_T_STR || strlen(n->str) != n->len)
		return -EINVAL;
	*s = n->str;
	return 0;
}

/* ---- descriptions ------------------------------------------------------- */

const char *
cfg_quote(const char *s, size_t len, size_t max, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (size < 8) {
		if (size > 0)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* Stop early, on a UTF-8 boundary, leaving room for `..."`. */
		if ((i >= max && (c & 0xc0) != 0x80) || o + 9 >= size) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (c == '\t') {
			buf[o++] = '\\';
			buf[o++] = 't';
		} else if (c < 0x20 || c == 0x7f) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

const char *
cfg_node_describe(const struct gw_config_node *n, char *buf, size_t size)
{
	const char *what = NULL;

	if (n == NULL)
		what = "nothing";
	else if (n->type == GW_CONFIG_NODE_MAP)
		what = "a mapping";
	else if (n->type == GW_CONFIG_NODE_SEQ)
		what = "a sequence";
	else if (!n->quoted && n->len == 0)
		what = "null";
	if (what != NULL) {
		snprintf(buf, size, "%s", what);
		return buf;
	}
	if (cfg_scalar_type(n) != CFG_T_STR && n->len <= CFG_QUOTE_EXCERPT) {
		/* Numbers, booleans and nulls read best as they were written. */
		snprintf(buf, size, "%s", n->str);
		return buf;
	}
	return cfg_quote(n->str, n->len, CFG_QUOTE_EXCERPT, buf, size);
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *
int_to_json(const struct gw_config_node *n)
{
	const char *s = n->str;
	unsigned long long u;
	long long v;
	char *end;

	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
		u = strtoull(s + 2, &end, s[1] == 'x' ? 16 : 8);
		if (errno == 0 && u <= INT64_MAX)
			return json_integer((json_int_t)u);
	} else {
		v = strtoll(s, &end, 10);
		if (errno == 0)
			return json_integer((json_int_t)v);
	}
	/* Beyond int64: keep the exact text rather than lose digits. */
	return json_stringn(n->str, n->len);
}

static json_t *
float_to_json(const struct gw_config_node *n)
{
	double d;

	if (!is_inf(n->str, n->len) && !is_nan(n->str, n->len)) {
		d = strtod(n->str, NULL);
		if (isfinite(d))
			return json_real(d);
	}
	/* JSON has no infinities or NaN: keep the text. */
	return json_stringn(n->str, n->len);
}

static json_t *
scalar_to_json(const struct gw_config_node *n)
{
	switch (cfg_scalar_type(n)) {
	case CFG_T_NULL:
		return json_null();
	case CFG_T_BOOL:
		return json_boolean(n->str[0] == 't' || n->str[0] == 'T');
	case CFG_T_INT:
		return int_to_json(n);
	case CFG_T_FLOAT:
		return float_to_json(n);
	case CFG_T_STR:
		break;
	}
	return json_stringn(n->str, n->len);
}

json_t *
gw_config_node_to_json(const struct gw_config_node *node)
{
	json_t *j, *v;
	size_t i;

	if (node == NULL)
		return NULL;
	switch (node->type) {
	case GW_CONFIG_NODE_SCALAR:
		return scalar_to_json(node);
	case GW_CONFIG_NODE_MAP:
		j = json_object();
		if (j == NULL)
			return NULL;
		for (i = 0; i < node->n; i++) {
			/* Recursion is bounded by CFG_MAX_DEPTH. */
			v = gw_config_node_to_json(node->pairs[i].value);
			/* set_new consumes v, also when it fails. */
			if (v == NULL ||
			    json_object_set_new(j, node->pairs[i].key, v) < 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	case GW_CONFIG_NODE_SEQ:
		j = json_array();
		if (j == NULL)
			return NULL;
		for (i = 0; i < node->n; i++) {
			v = gw_config_node_to_json(node->items[i]);
			if (v == NULL || json_array_append_new(j, v) < 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	}
	return NULL;
}

int
cfg_want_map(const struct gw_config_node *n, const char *path,
	     struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];

	if (n->type != GW_CONFIG_NODE_MAP)
		return cfg_err_node(err, n, "%s: expected a mapping, got %s",
				    path, cfg_node_describe(n, d, sizeof(d)));
	return 0;
}
