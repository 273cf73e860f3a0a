/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/config/yaml_load.c: YAML events → trees. Syntax errors, hostile
 * input limits (depth, nodes, sizes), anchors, duplicate keys, tags, and
 * the positions recorded for nodes and keys.
 */
#include "test_common.h"

#include "config_priv.h"

static const struct bad_case cases[] = {
	{ "syntax_error", "a: b: c\n", -EINVAL, 1, 5,
	  "YAML syntax error: mapping values are not allowed" },
	{ "unclosed_flow", "a: [1, 2\nb: 3\n", -EINVAL, 2, 2,
	  "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 1 column 4)" },
	{ "tab_indentation",
	  "apiVersion: meshgw.io/v1alpha1\nmetadata:\n\tname: gw\n", -EINVAL,
	  3, 1, "found character that cannot start any token" },
	{ "unterminated_quote", "kind: \"Dataplane\nmetadata: {}\n", -EINVAL,
	  3, 1,
	  "found unexpected end of stream (while scanning a quoted scalar at line 1 column 7)" },
	{ "invalid_utf8", "a: b\nc: \xff\n", -EINVAL, 2, 4,
	  "invalid input: invalid leading UTF-8 octet" },
	{ "control_char", "a: \x01\n", -EINVAL, 1, 4,
	  "invalid input: control characters are not allowed" },
	{ "duplicate_key", "kind: A\nmetadata: {}\nkind: B\n", -EINVAL, 3, 1,
	  "duplicate key \"kind\" (first at line 1)" },
	{ "duplicate_key_flow", "a: {x: 1, y: 2, x: 3}\n", -EINVAL, 1, 17,
	  "duplicate key \"x\" (first at line 1)" },
	{ "alias", "a: 1\nb: *x\n", -EINVAL, 2, 4,
	  "anchors and aliases are not supported" },
	{ "anchor_scalar", "a: &x 1\nb: 2\n", -EINVAL, 1, 4,
	  "anchors and aliases are not supported" },
	{ "anchor_mapping", "a:\n  b: &m {c: 1}\n", -EINVAL, 2, 6,
	  "anchors and aliases are not supported" },
	{ "billion_laughs",
	  "a: &a [lol, lol]\nb: &b [*a, *a]\n", -EINVAL, 1, 4,
	  "anchors and aliases are not supported" },
	{ "sequence_key", "? [a]\n: b\n", -EINVAL, 1, 3,
	  "mapping keys must be scalars, got a sequence" },
	{ "mapping_key", "{{a: 1}: b}\n", -EINVAL, 1, 2,
	  "mapping keys must be scalars, got a mapping" },
	{ "custom_tag", "a: !foo x\n", -EINVAL, 1, 4,
	  "unsupported tag \"!foo\"" },
	{ "nonspecific_tag", "a: ! x\n", -EINVAL, 1, 4,
	  "unsupported tag \"!\"" },
	{ "tag_int_mismatch", "a: !!int abc\n", -EINVAL, 1, 4,
	  "tag !!int does not fit the value \"abc\"" },
	{ "tag_map_on_seq", "a: !!map [1]\n", -EINVAL, 1, 4,
	  "tag !!map on a sequence" },
	{ "tag_seq_on_scalar", "a: !!seq x\n", -EINVAL, 1, 4,
	  "tag !!seq does not fit the value \"x\"" },
	{ "key_with_nul", "\"a\\0b\": 1\n", -EINVAL, 1, 1,
	  "mapping key contains a NUL character" },
	/* 1 root mapping + 63 sequences is the deepest allowed. */
	{ "depth_limit",
	  "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	  "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	  -EINVAL, 1, 67, "nesting deeper than 64 levels" },
	{ "depth_63_ok",
	  "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	  "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	  -EINVAL, 1, 1, "missing required field \"kind\"" },
};

static char *
repeat(const char *head, char c, size_t n, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl + 1);

	assert_non_null(s);
	memcpy(s, head, hl);
	memset(s + hl, c, n);
	memcpy(s + hl + n, tail, tl + 1);
	return s;
}

static void
test_scalar_limit(void **state)
{
	const struct bad_case c = { "scalar_limit", NULL, -EINVAL, 1, 4,
				    "scalar longer than 1048576 bytes" };
	char *s;

	(void)state;
	s = repeat("a: ", 'x', CFG_MAX_SCALAR + 1, "\n");
	check_bad_buffer(&c, s, strlen(s));
	free(s);
}

static void
test_key_limit(void **state)
{
	const struct bad_case c = { "key_limit", NULL, -EINVAL, 2, 3,
				    "mapping key longer than 1024 bytes" };
	char *s;

	(void)state;
	s = repeat("a: 1\n? ", 'k', CFG_MAX_KEY + 1, "\n: v\n");
	check_bad_buffer(&c, s, strlen(s));
	free(s);
}

/* "a: [0,0,...]": the map, key a and the sequence are nodes 1-3. */
static void
test_node_limit(void **state)
{
	const struct bad_case c = { "node_limit", NULL, -EINVAL, 1,
				    5 + 2 * (CFG_MAX_NODES - 3),
				    "too many YAML nodes (limit 1000000 per set)" };
	size_t n = CFG_MAX_NODES, i;
	char *s = malloc(4 + 2 * n + 3);

	(void)state;
	assert_non_null(s);
	memcpy(s, "a: [", 4);
	for (i = 0; i < n; i++)
		memcpy(s + 4 + 2 * i, "0,", 2);
	memcpy(s + 4 + 2 * n, "]\n", 3);
	check_bad_buffer(&c, s, strlen(s));
	free(s);
}

static void
test_positions(void **state)
{
	static const char yaml[] =
		"# comment\n"
		"apiVersion: networking.istio.io/v1\n"
		"kind: ServiceEntry\n"
		"metadata:\n"
		"  name: pos\n"
		"spec:\n"
		"  hosts: [a.example, \"b\"]\n"
		"  resolution: STATIC\n";
	const struct gw_config_resource *r;
	const struct gw_config_node *spec, *hosts;
	struct gw_config *cfg;

	(void)state;
	cfg = load_ok(yaml);
	r = gw_config_resource_at(cfg, 0);
	assert_non_null(r);
	assert_int_equal(r->line, 2);
	assert_int_equal(r->col, 1);
	assert_int_equal(r->root->line, 2);
	spec = r->spec;
	assert_non_null(spec);
	assert_int_equal(spec->type, GW_CONFIG_NODE_MAP);
	assert_int_equal(spec->line, 7);
	assert_int_equal(spec->col, 3);
	assert_int_equal(spec->n, 2);
	assert_string_equal(spec->pairs[1].key, "resolution");
	assert_int_equal(spec->pairs[1].line, 8);
	assert_int_equal(spec->pairs[1].col, 3);
	assert_int_equal(spec->pairs[1].value->line, 8);
	assert_int_equal(spec->pairs[1].value->col, 15);
	hosts = gw_config_node_get(spec, "hosts");
	assert_non_null(hosts);
	assert_int_equal(hosts->type, GW_CONFIG_NODE_SEQ);
	assert_int_equal(hosts->n, 2);
	assert_int_equal(hosts->col, 10);
	assert_string_equal(hosts->items[0]->str, "a.example");
	assert_false(hosts->items[0]->quoted);
	assert_int_equal(hosts->items[1]->col, 22);
	assert_true(hosts->items[1]->quoted);
	assert_string_equal(hosts->items[1]->file, "test.yaml");
	gw_config_free(cfg);
}

static void
test_multi_doc_empty_docs(void **state)
{
	static const char yaml[] =
		"# only a comment before\n"
		"---\n"
		"---\n"
		"apiVersion: meshgw.io/v1alpha1\n"
		"kind: HealthCheck\n"
		"metadata: {name: a}\n"
		"---\n"
		"~\n"
		"---\n"
		"# nothing\n"
		"...\n"
		"---\n"
		"apiVersion: meshgw.io/v1alpha1\n"
		"kind: HealthCheck\n"
		"metadata: {name: b}\n"
		"---\n";
	struct gw_config *cfg;

	(void)state;
	cfg = load_ok(yaml);
	assert_int_equal(gw_config_resource_count(cfg), 2);
	assert_string_equal(gw_config_resource_at(cfg, 0)->name, "a");
	assert_string_equal(gw_config_resource_at(cfg, 1)->name, "b");
	assert_int_equal(gw_config_resource_at(cfg, 1)->line, 13);
	assert_null(gw_config_resource_at(cfg, 2));
	gw_config_free(cfg);
}

static void
test_empty_inputs(void **state)
{
	static const char *const inputs[] = {
		"", "# just a comment\n", "---\n", "---\n...\n", "\n\n\n",
	};
	struct gw_config *cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		cfg = load_ok(inputs[i]);
		assert_int_equal(gw_config_resource_count(cfg), 0);
		assert_null(gw_config_dataplane(cfg)->source);
		gw_config_free(cfg);
	}
}

static void
test_scalar_styles_and_tags(void **state)
{
	static const char yaml[] =
		DP_HEAD
		"  workers: !!int 4\n"
		"  hugepages: !!bool true\n"
		"  admin:\n"
		"    tokenFile: !!str 12\n"
		"    address: >-\n"
		"      127.0.0.1:15001\n";
	const struct gw_config_dataplane *dp;
	const struct gw_config_node *admin;
	struct gw_config *cfg;

	(void)state;
	cfg = load_ok(yaml);
	dp = gw_config_dataplane(cfg);
	assert_int_equal(dp->workers, 4);
	assert_true(dp->hugepages);
	assert_string_equal(dp->admin_token_file, "12");
	assert_int_equal(dp->admin_port, 15001);
	admin = gw_config_node_get(gw_config_resource_at(cfg, 0)->spec,
				   "admin");
	assert_true(gw_config_node_get(admin, "tokenFile")->quoted);
	assert_true(gw_config_node_get(admin, "address")->quoted);
	gw_config_free(cfg);
}

/* Many keys in one mapping go through the hash index, not a list. */
static void
test_many_keys(void **state)
{
	const struct bad_case c = { "many_keys_dup", NULL, -EINVAL, 20005, 3,
				    "duplicate key \"k17\" (first at line 22)" };
	size_t n = 20000, i, o;
	char *s = malloc(n * 16 + 256);

	(void)state;
	assert_non_null(s);
	o = (size_t)sprintf(s, "apiVersion: networking.istio.io/v1\n"
			       "kind: Sidecar\nmetadata: {name: a}\nspec:\n");
	for (i = 0; i < n; i++)
		o += (size_t)sprintf(s + o, "  k%zu: %zu\n", i, i);
	sprintf(s + o, "  k17: dup\n");
	check_bad_buffer(&c, s, strlen(s));
	s[o] = '\0';
	gw_config_free(load_ok(s));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalar_limit),
		cmocka_unit_test(test_key_limit),
		cmocka_unit_test(test_node_limit),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_multi_doc_empty_docs),
		cmocka_unit_test(test_empty_inputs),
		cmocka_unit_test(test_scalar_styles_and_tags),
		cmocka_unit_test(test_many_keys),
	};
	int rc;

	rc = run_bad_cases("yaml_load_errors", cases,
			   sizeof(cases) / sizeof(cases[0]));
	rc += cmocka_run_group_tests_name("yaml_load", tests, NULL, NULL);
	return rc;
}
