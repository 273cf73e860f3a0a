/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resources of lib/config: the checks every document passes (a mapping
 * with a known apiVersion/kind, metadata.name and namespace, a spec
 * mapping), duplicate detection across the whole set, the hand-off of the
 * Dataplane to its decoder, the resource accessors and the JSON dump.
 * Control thread only.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "gw_config.h"
#include "config_priv.h"

#define DNS_SUBDOMAIN_MAX 253
#define DNS_LABEL_MAX 63

struct kind_info {
	const char *kind;
	const char *plural;	/* in resource paths of the admin API */
	const char *short_name;	/* kubectl's (meshgwctl) */
	const char *group;
	const char *const *api_versions; /* "group/version", NULL-terminated */
	enum gw_config_apply_state state;
};

static const char *const net_versions[] = {
	"networking.istio.io/v1", "networking.istio.io/v1beta1",
	"networking.istio.io/v1alpha3", NULL,
};
static const char *const net_alpha3_versions[] = {
	"networking.istio.io/v1alpha3", NULL,
};
static const char *const sec_versions[] = {
	"security.istio.io/v1", "security.istio.io/v1beta1", NULL,
};
static const char *const meshgw_versions[] = {
	"meshgw.io/v1alpha1", NULL,
};

#define NET "networking.istio.io"
#define SEC "security.istio.io"
#define LATER GW_CONFIG_NOT_YET_APPLIED

static const struct kind_info kinds[] = {
	{ "Gateway", "gateways", "gw", NET, net_versions, LATER },
	{ "VirtualService", "virtualservices", "vs", NET, net_versions, LATER },
	{ "DestinationRule", "destinationrules", "dr", NET, net_versions, LATER },
	{ "ServiceEntry", "serviceentries", "se", NET, net_versions, LATER },
	{ "WorkloadEntry", "workloadentries", "we", NET, net_versions, LATER },
	{ "Sidecar", "sidecars", "sc", NET, net_versions, LATER },
	{ "EnvoyFilter", "envoyfilters", "ef", NET, net_alpha3_versions, LATER },
	{ "AuthorizationPolicy", "authorizationpolicies", "ap", SEC, sec_versions, LATER },
	{ "RequestAuthentication", "requestauthentications", "ra", SEC, sec_versions, LATER },
	{ "PeerAuthentication", "peerauthentications", "pa", SEC, sec_versions, LATER },
	{ "Dataplane", "dataplanes", "dp", "meshgw.io", meshgw_versions, GW_CONFIG_APPLIED },
	{ "HealthCheck", "healthchecks", "hc", "meshgw.io", meshgw_versions, LATER },
};

#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char *const top_fields[] = {
	"apiVersion", "kind", "metadata", "spec", "status", NULL,
};

int
gw_config_kind_find(const char *group, const char *version,
		    const char *plural, const char **kind,
		    const char **api_version)
{
	const char *const *v;
	size_t i, glen = strlen(group);

	for (i = 0; i < N_KINDS; i++) {
		if (strcmp(kinds[i].group, group) != 0 ||
		    strcmp(kinds[i].plural, plural) != 0)
			continue;
		*kind = kinds[i].kind;
		for (v = kinds[i].api_versions; *v != NULL; v++) {
			if (strncmp(*v, group, glen) == 0 && (*v)[glen] == '/' &&
			    strcmp(*v + glen + 1, version) == 0) {
				*api_version = *v;
				return 0;
			}
		}
		return -EINVAL;
	}
	return -ENOENT;
}

const char *
gw_config_kind_lookup(const char *word, const char **group,
		      const char **api_version, const char **plural)
{
	size_t i;

	for (i = 0; i < N_KINDS; i++) {
		const struct kind_info *k = &kinds[i];

		if (strcasecmp(k->kind, word) != 0 &&
		    strcasecmp(k->plural, word) != 0 &&
		    strcasecmp(k->short_name, word) != 0)
			continue;
		*group = k->group;
		*api_version = k->api_versions[0];
		*plural = k->plural;
		return k->kind;
	}
	return NULL;
}

const char *
gw_config_kind_name(const char *kind)
{
	size_t i;

	for (i = 0; i < N_KINDS; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return kinds[i].kind;
	return NULL;
}

/* ---- small helpers ------------------------------------------------------ */

static void
join(char *buf, size_t size, const char *const *words)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; *words != NULL; words++) {
		int n = snprintf(buf + o, size - o, "%s%s", o ? ", " : "",
				 *words);

		if (n < 0 || (size_t)n >= size - o)
			return;
		o += (size_t)n;
	}
}

static const struct gw_config_node *
find(const struct gw_config_node *map, const char *key,
     const struct gw_config_pair **pair)
{
	size_t i;

	for (i = 0; i < map->n; i++) {
		if (strcmp(map->pairs[i].key, key) == 0) {
			if (pair != NULL)
				*pair = &map->pairs[i];
			return map->pairs[i].value;
		}
	}
	return NULL;
}

static int
want_string(const struct gw_config_node *n, const char *path,
	    const char **s, struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];

	if (cfg_node_str(n, s) < 0)
		return cfg_err_node(err, n, "%s: expected a string, got %s",
				    path, cfg_node_describe(n, d, sizeof(d)));
	return 0;
}

static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 bytes. */
static bool
is_dns_label(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > DNS_LABEL_MAX || !is_lower_alnum(s[0]) ||
	    !is_lower_alnum(s[len - 1]))
		return false;
	for (i = 0; i < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* Kubernetes' DNS-1123 subdomain: labels joined by '.', at most 253. */
static bool
is_dns_subdomain(const char *s)
{
	size_t len = strlen(s);
	const char *dot;

	if (len == 0 || len > DNS_SUBDOMAIN_MAX)
		return false;
	for (;;) {
		dot = strchr(s, '.');
		if (!is_dns_label(s, dot ? (size_t)(dot - s) : strlen(s)))
			return false;
		if (dot == NULL)
			return true;
		s = dot + 1;
	}
}

/* ---- checks ------------------------------------------------------------- */

static int
check_string_map(const struct gw_config_node *n, const char *path,
		 struct gw_config_err *err)
{
	char p[CFG_DESCR_MAX + 32];
	const char *s;
	size_t i;
	int rc;

	rc = cfg_want_map(n, path, err);
	for (i = 0; rc == 0 && i < n->n; i++) {
		snprintf(p, sizeof(p), "%s.%.*s", path, CFG_QUOTE_EXCERPT,
			 n->pairs[i].key);
		rc = want_string(n->pairs[i].value, p, &s, err);
	}
	return rc;
}

static int
check_metadata(struct cfg_resource *r, const struct gw_config_node *meta,
	       struct gw_config_err *err)
{
	const struct gw_config_node *n;
	char d[CFG_DESCR_MAX];
	int rc;

	rc = cfg_want_map(meta, "metadata", err);
	if (rc < 0)
		return rc;
	n = find(meta, "name", NULL);
	if (n == NULL)
		return cfg_err_node(err, meta,
				    "metadata: missing required field \"name\"");
	rc = want_string(n, "metadata.name", &r->pub.name, err);
	if (rc < 0)
		return rc;
	if (!is_dns_subdomain(r->pub.name))
		return cfg_err_node(err, n,
				    "metadata.name: expected a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters, starting and ending with a letter or digit), got %s",
				    cfg_node_describe(n, d, sizeof(d)));
	r->pub.namespace = "default";
	n = find(meta, "namespace", NULL);
	if (n != NULL) {
		rc = want_string(n, "metadata.namespace", &r->pub.namespace,
				 err);
		if (rc < 0)
			return rc;
		if (!is_dns_label(r->pub.namespace, n->len))
			return cfg_err_node(err, n,
					    "metadata.namespace: expected a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit), got %s",
					    cfg_node_describe(n, d, sizeof(d)));
	}
	n = find(meta, "labels", NULL);
	if (n != NULL && (rc = check_string_map(n, "metadata.labels", err)) < 0)
		return rc;
	n = find(meta, "annotations", NULL);
	if (n != NULL &&
	    (rc = check_string_map(n, "metadata.annotations", err)) < 0)
		return rc;
	return 0;
}

static int
check_kind(struct cfg_resource *r, const struct gw_config_node *root,
	   const struct kind_info **ki, struct gw_config_err *err)
{
	const struct gw_config_node *kn, *an;
	char d[CFG_DESCR_MAX], list[GW_CONFIG_ERR_MSG_MAX];
	const char *names[N_KINDS + 1];
	const char *const *v;
	size_t i;
	int rc;

	kn = find(root, "kind", NULL);
	if (kn == NULL)
		return cfg_err_node(err, root,
				    "missing required field \"kind\"");
	rc = want_string(kn, "kind", &r->pub.kind, err);
	if (rc < 0)
		return rc;
	an = find(root, "apiVersion", NULL);
	if (an == NULL)
		return cfg_err_node(err, root,
				    "missing required field \"apiVersion\"");
	rc = want_string(an, "apiVersion", &r->pub.api_version, err);
	if (rc < 0)
		return rc;
	for (i = 0; i < N_KINDS; i++)
		if (strcmp(kinds[i].kind, r->pub.kind) == 0)
			break;
	if (i == N_KINDS) {
		for (i = 0; i < N_KINDS; i++)
			names[i] = kinds[i].kind;
		names[N_KINDS] = NULL;
		join(list, sizeof(list), names);
		return cfg_err_node(err, kn, "kind: unknown kind %s (supported: %s)",
				    cfg_node_describe(kn, d, sizeof(d)), list);
	}
	*ki = &kinds[i];
	for (v = kinds[i].api_versions; *v != NULL; v++) {
		if (strcmp(*v, r->pub.api_version) == 0) {
			/* Point at the table: the strings outlive the tree. */
			r->pub.kind = kinds[i].kind;
			r->pub.api_version = *v;
			r->pub.group = kinds[i].group;
			r->pub.version = *v + strlen(kinds[i].group) + 1;
			r->pub.state = kinds[i].state;
			return 0;
		}
	}
	join(list, sizeof(list), kinds[i].api_versions);
	return cfg_err_node(err, an,
			    "apiVersion: expected one of %s for kind %s, got %s",
			    list, kinds[i].kind,
			    cfg_node_describe(an, d, sizeof(d)));
}

static int
check_top_fields(const struct gw_config_node *root, struct gw_config_err *err)
{
	char list[GW_CONFIG_ERR_MSG_MAX], q[CFG_DESCR_MAX];
	const char *const *f;
	const char *key;
	size_t i;

	for (i = 0; i < root->n; i++) {
		key = root->pairs[i].key;
		for (f = top_fields; *f != NULL; f++)
			if (strcmp(*f, key) == 0)
				break;
		if (*f != NULL)
			continue;
		join(list, sizeof(list), top_fields);
		return cfg_err_key(err, root->file, &root->pairs[i],
				   "unknown field %s (accepted: %s)",
				   cfg_quote(key, strlen(key), CFG_QUOTE_EXCERPT,
					     q, sizeof(q)),
				   list);
	}
	return 0;
}

/* ---- duplicates --------------------------------------------------------- */

struct res_key {
	const char *kind;
	const char *namespace;
	const char *name;
};

static bool
res_eq(const void *ctx, size_t idx, const void *key)
{
	const struct gw_config *cfg = ctx;
	const struct gw_config_resource *a = &cfg->res[idx]->pub;
	const struct res_key *b = key;

	return strcmp(a->kind, b->kind) == 0 &&
	       strcmp(a->namespace, b->namespace) == 0 &&
	       strcmp(a->name, b->name) == 0;
}

static uint64_t
res_hash(const struct res_key *k)
{
	uint64_t h = CFG_HASH_INIT;

	/* Hash the terminating NULs too, so fields cannot run together. */
	h = cfg_hash(h, k->kind, strlen(k->kind) + 1);
	h = cfg_hash(h, k->namespace, strlen(k->namespace) + 1);
	return cfg_hash(h, k->name, strlen(k->name) + 1);
}

static int
append(struct gw_config *cfg, struct cfg_resource *r,
       struct gw_config_err *err)
{
	struct cfg_resource **p;
	size_t cap;

	if (cfg->n_res == cfg->cap_res) {
		cap = cfg->cap_res ? cfg->cap_res * 2 : 8;
		p = realloc(cfg->res, cap * sizeof(*p));
		if (p == NULL)
			return cfg_err(err, -ENOMEM, r->pub.file, 0, 0,
				       "out of memory");
		cfg->res = p;
		cfg->cap_res = cap;
	}
	cfg->res[cfg->n_res++] = r;
	return 0;
}

static int
add_checked(struct gw_config *cfg, struct cfg_resource *r,
	    struct gw_config_err *err)
{
	const struct gw_config_node *meta = find(r->root, "metadata", NULL);
	const struct gw_config_node *name = find(meta, "name", NULL);
	struct res_key k = { r->pub.kind, r->pub.namespace, r->pub.name };
	const struct gw_config_resource *first;
	size_t found;
	int rc;

	rc = cfg_htab_add(&cfg->res_index, res_hash(&k), cfg->n_res, res_eq,
			  cfg, &k, &found);
	if (rc < 0)
		return cfg_err(err, rc, r->pub.file, 0, 0, "out of memory");
	if (found != SIZE_MAX) {
		first = &cfg->res[found]->pub;
		return cfg_err_node(err, name,
				    "metadata.name: duplicate %s %s/%s (first at %s:%u)",
				    k.kind, k.namespace, k.name, first->file,
				    first->line);
	}
	if (r->pub.state == GW_CONFIG_APPLIED) {
		/* Only the Dataplane is applied today. */
		first = cfg->dp.source;
		if (first != NULL)
			return cfg_err(err, -EINVAL, r->pub.file, r->pub.line,
				       r->pub.col,
				       "a second Dataplane %s (the first is %s at %s:%u); at most one per set",
				       k.name, first->name, first->file,
				       first->line);
		rc = cfg_dataplane_decode(&cfg->dp, &r->pub, err);
		if (rc < 0)
			return rc;
	}
	/* The index already holds n_res for r: append cannot be skipped. */
	return append(cfg, r, err);
}

int
cfg_resource_add(struct gw_config *cfg, struct gw_config_node *root,
		 struct gw_config_err *err)
{
	const struct kind_info *ki = NULL;
	const struct gw_config_node *n;
	struct cfg_resource *r;
	char d[CFG_DESCR_MAX];
	int rc;

	if (root->type != GW_CONFIG_NODE_MAP) {
		rc = cfg_err_node(err, root,
				  "document: expected a mapping with apiVersion, kind, metadata and spec, got %s",
				  cfg_node_describe(root, d, sizeof(d)));
		cfg_node_free(root);
		return rc;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		cfg_node_free(root);
		return cfg_err(err, -ENOMEM, root->file, 0, 0, "out of memory");
	}
	r->root = root;
	r->pub.root = root;
	r->pub.file = root->file;
	r->pub.line = root->line;
	r->pub.col = root->col;
	rc = check_kind(r, root, &ki, err);
	if (rc == 0)
		rc = check_top_fields(root, err);
	if (rc == 0) {
		n = find(root, "metadata", NULL);
		if (n == NULL)
			rc = cfg_err_node(err, root,
					  "missing required field \"metadata\"");
		else
			rc = check_metadata(r, n, err);
	}
	if (rc == 0) {
		r->pub.spec = find(root, "spec", NULL);
		if (r->pub.spec != NULL)
			rc = cfg_want_map(r->pub.spec, "spec", err);
	}
	if (rc == 0)
		rc = add_checked(cfg, r, err);
	if (rc < 0) {
		cfg_node_free(root);
		free(r);
	}
	return rc;
}

/* ---- accessors ---------------------------------------------------------- */

size_t
gw_config_resource_count(const struct gw_config *cfg)
{
	return cfg ? cfg->n_res : 0;
}

const struct gw_config_resource *
gw_config_resource_at(const struct gw_config *cfg, size_t i)
{
	if (cfg == NULL || i >= cfg->n_res)
		return NULL;
	return &cfg->res[i]->pub;
}

const char *
gw_config_apply_state_name(enum gw_config_apply_state s)
{
	switch (s) {
	case GW_CONFIG_APPLIED:
		return "applied";
	case GW_CONFIG_NOT_YET_APPLIED:
		return "not yet applied";
	}
	return "unknown";
}

/* ---- JSON dump ---------------------------------------------------------- */

/* Like json_object_set_new(), and NULL values count as failures. */
static int
set_new(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return -ENOMEM;
	return json_object_set_new(o, key, v) < 0 ? -ENOMEM : 0;
}

json_t *
gw_config_resource_to_json(const struct gw_config_resource *r)
{
	const struct gw_config_node *meta = find(r->root, "metadata", NULL);
	json_t *o, *m;
	int rc;

	o = json_object();
	if (o == NULL)
		return NULL;
	rc = set_new(o, "apiVersion", json_string(r->api_version));
	if (rc == 0)
		rc = set_new(o, "kind", json_string(r->kind));
	m = gw_config_node_to_json(meta);
	/* Show the namespace the resource lives in, also when defaulted. */
	if (m != NULL && json_object_get(m, "namespace") == NULL &&
	    json_object_set_new(m, "namespace", json_string(r->namespace)) < 0) {
		json_decref(m);
		m = NULL;
	}
	if (rc == 0)
		rc = set_new(o, "metadata", m);
	else
		json_decref(m);
	if (rc == 0 && r->spec != NULL)
		rc = set_new(o, "spec", gw_config_node_to_json(r->spec));
	if (rc < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
resource_to_json(const struct gw_config_resource *r)
{
	char src[GW_CONFIG_ERR_FILE_MAX + 16];
	json_t *o, *st;
	int rc;

	o = gw_config_resource_to_json(r);
	if (o == NULL)
		return NULL;
	st = json_object();
	rc = set_new(o, "status", st);
	if (rc == 0)
		rc = set_new(st, "state",
			     json_string(gw_config_apply_state_name(r->state)));
	snprintf(src, sizeof(src), "%s:%u", r->file, r->line);
	if (rc == 0)
		rc = set_new(st, "source", json_string(src));
	if (rc < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
gw_config_dump_json(const struct gw_config *cfg)
{
	json_t *top, *arr;
	size_t i;

	if (cfg == NULL)
		return NULL;
	top = json_object();
	arr = json_array();
	if (top == NULL || arr == NULL ||
	    json_object_set(top, "resources", arr) < 0)
		goto fail;
	for (i = 0; i < cfg->n_res; i++)
		if (json_array_append_new(arr,
					  resource_to_json(&cfg->res[i]->pub)) < 0)
			goto fail;
	json_decref(arr);
	return top;
fail:
	json_decref(arr);
	json_decref(top);
	return NULL;
}
