/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/config/node.c: lookups, YAML 1.2 core schema resolution, typed
 * getters, descriptions for messages and the conversion to JSON.
 */
#include <math.h>

#include "test_common.h"

#include "config_priv.h"

static const struct gw_config_node *
spec_of(struct gw_config *cfg)
{
	const struct gw_config_resource *r = gw_config_resource_at(cfg, 0);

	assert_non_null(r);
	assert_non_null(r->spec);
	return r->spec;
}

static void
test_node_get(void **state)
{
	const struct gw_config_node *spec, *seq;
	struct gw_config *cfg;

	(void)state;
	cfg = load_ok("apiVersion: networking.istio.io/v1\nkind: Sidecar\n"
		      "metadata: {name: a}\nspec: {x: 1, y: [2]}\n");
	spec = spec_of(cfg);
	assert_string_equal(gw_config_node_get(spec, "x")->str, "1");
	seq = gw_config_node_get(spec, "y");
	assert_non_null(seq);
	assert_null(gw_config_node_get(spec, "z"));
	assert_null(gw_config_node_get(seq, "y"));
	assert_null(gw_config_node_get(seq->items[0], "y"));
	assert_null(gw_config_node_get(NULL, "y"));
	assert_null(gw_config_node_get(spec, NULL));
	gw_config_free(cfg);
}

static void
test_resolve(void **state)
{
	static const struct {
		const char *s;
		enum cfg_scalar_type t;
	} v[] = {
		{ "", CFG_T_NULL },	    { "~", CFG_T_NULL },
		{ "null", CFG_T_NULL },	    { "NULL", CFG_T_NULL },
		{ "nULL", CFG_T_STR },	    { "true", CFG_T_BOOL },
		{ "False", CFG_T_BOOL },    { "yes", CFG_T_STR },
		{ "on", CFG_T_STR },	    { "0", CFG_T_INT },
		{ "-12", CFG_T_INT },	    { "+7", CFG_T_INT },
		{ "0o17", CFG_T_INT },	    { "0x1fA", CFG_T_INT },
		{ "0x", CFG_T_STR },	    { "0b11", CFG_T_STR },
		{ "1.0", CFG_T_FLOAT },	    { ".5", CFG_T_FLOAT },
		{ "5.", CFG_T_FLOAT },	    { "1e3", CFG_T_FLOAT },
		{ "-1.5E-3", CFG_T_FLOAT }, { ".", CFG_T_STR },
		{ "1e", CFG_T_STR },	    { "-", CFG_T_STR },
		{ ".inf", CFG_T_FLOAT },    { "-.INF", CFG_T_FLOAT },
		{ ".NaN", CFG_T_FLOAT },    { "-.nan", CFG_T_STR },
		{ "1_000", CFG_T_STR },	    { "12:30", CFG_T_STR },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (cfg_resolve(v[i].s, strlen(v[i].s)) != v[i].t)
			print_message("%s\n", v[i].s);
		assert_int_equal(cfg_resolve(v[i].s, strlen(v[i].s)), v[i].t);
	}
	/* Text with a NUL is never a keyword. */
	assert_int_equal(cfg_resolve("null\0x", 6), CFG_T_STR);
}

static void
test_typed_getters(void **state)
{
	struct gw_config_node n = { .type = GW_CONFIG_NODE_SCALAR };
	long long v;
	bool b;
	const char *s;

	(void)state;
	n.str = (char *)"9223372036854775807";
	n.len = strlen(n.str);
	assert_int_equal(cfg_node_int(&n, &v), 0);
	assert_true(v == INT64_MAX);
	n.str = (char *)"-9223372036854775809";
	n.len = strlen(n.str);
	assert_int_equal(cfg_node_int(&n, &v), -ERANGE);
	n.str = (char *)"0x10";
	n.len = strlen(n.str);
	assert_int_equal(cfg_node_int(&n, &v), -EINVAL);
	n.str = (char *)"12";
	n.len = 2;
	n.quoted = true;
	assert_int_equal(cfg_node_int(&n, &v), -EINVAL);
	assert_int_equal(cfg_node_str(&n, &s), 0);
	assert_string_equal(s, "12");
	n.quoted = false;
	assert_int_equal(cfg_node_str(&n, &s), -EINVAL);
	n.str = (char *)"TRUE";
	n.len = 4;
	assert_int_equal(cfg_node_bool(&n, &b), 0);
	assert_true(b);
	n.str = (char *)"a\0b";
	n.len = 3;
	assert_int_equal(cfg_node_str(&n, &s), -EINVAL);
	assert_int_equal(cfg_node_int(NULL, &v), -EINVAL);
}

static void
test_describe(void **state)
{
	struct gw_config_node n = { .type = GW_CONFIG_NODE_SCALAR };
	char buf[CFG_DESCR_MAX];
	char lng[200];

	(void)state;
	n.str = (char *)"70000";
	n.len = 5;
	assert_string_equal(cfg_node_describe(&n, buf, sizeof(buf)), "70000");
	n.quoted = true;
	assert_string_equal(cfg_node_describe(&n, buf, sizeof(buf)),
			    "\"70000\"");
	n.str = (char *)"a\"b\\c\n\x01";
	n.len = strlen(n.str);
	assert_string_equal(cfg_node_describe(&n, buf, sizeof(buf)),
			    "\"a\\\"b\\\\c\\n\\x01\"");
	n.quoted = false;
	n.str = (char *)"";
	n.len = 0;
	assert_string_equal(cfg_node_describe(&n, buf, sizeof(buf)), "null");
	memset(lng, 'x', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	n.str = lng;
	n.len = strlen(lng);
	cfg_node_describe(&n, buf, sizeof(buf));
	assert_int_equal(strlen(buf), 1 + CFG_QUOTE_EXCERPT + 4);
	assert_string_equal(buf + 1 + CFG_QUOTE_EXCERPT, "...\"");
	n.type = GW_CONFIG_NODE_MAP;
	assert_string_equal(cfg_node_describe(&n, buf, sizeof(buf)),
			    "a mapping");
	assert_string_equal(cfg_node_describe(NULL, buf, sizeof(buf)),
			    "nothing");
}

static void
test_to_json(void **state)
{
	static const char yaml[] =
		"apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
		"metadata: {name: a}\n"
		"spec:\n"
		"  i: [0, -1, +7, 0x1F, 0o17, 9223372036854775807, 9223372036854775808]\n"
		"  f: [1.5, -.5, 1e3, .inf, -.Inf, .nan, 1e400]\n"
		"  b: [true, False]\n"
		"  n: [~, null, Null]\n"
		"  e:\n"
		"  s: [\"1\", '2', yes, 0b101, \"nul\\0byte\"]\n"
		"  lit: |\n"
		"    block\n"
		"  t: [!!str 5, !!int \"7\", !!null \"\"]\n";
	static const char expect[] =
		"{\"i\":[0,-1,7,31,15,9223372036854775807,\"9223372036854775808\"],"
		"\"f\":[1.5,-0.5,1000.0,\".inf\",\"-.Inf\",\".nan\",\"1e400\"],"
		"\"b\":[true,false],\"n\":[null,null,null],\"e\":null,"
		"\"s\":[\"1\",\"2\",\"yes\",\"0b101\",\"nul\\u0000byte\"],"
		"\"lit\":\"block\\n\",\"t\":[\"5\",7,null]}";
	struct gw_config *cfg;
	json_t *j;
	char *s;

	(void)state;
	cfg = load_ok(yaml);
	j = gw_config_node_to_json(spec_of(cfg));
	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, expect);
	free(s);
	json_decref(j);
	assert_null(gw_config_node_to_json(NULL));
	gw_config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_get),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_typed_getters),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_to_json),
	};

	return cmocka_run_group_tests_name("node", tests, NULL, NULL);
}
