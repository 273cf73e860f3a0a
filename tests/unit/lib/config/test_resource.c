/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/config/resource.c: apiVersion/kind/metadata/spec checks, duplicate
 * resources, the one-Dataplane rule, accessors and the JSON dump.
 */
#include "test_common.h"

#define NAME_254                                                             \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

#define GW_HEAD "apiVersion: networking.istio.io/v1\nkind: Gateway\n"

static const struct bad_case cases[] = {
	{ "document_is_sequence", "- apiVersion: v1\n- kind: Gateway\n",
	  -EINVAL, 1, 1, "document: expected a mapping with apiVersion, kind, metadata and spec, got a sequence" },
	{ "document_is_scalar", "---\nhello\n", -EINVAL, 2, 1,
	  "document: expected a mapping" },
	{ "second_document_bad",
	  GW_HEAD "metadata: {name: a}\n---\n[1]\n", -EINVAL, 5, 1,
	  "got a sequence" },
	{ "missing_kind", "apiVersion: v1\nmetadata: {name: a}\n", -EINVAL, 1,
	  1, "missing required field \"kind\"" },
	{ "missing_api_version", "kind: Gateway\nmetadata: {name: a}\n",
	  -EINVAL, 1, 1, "missing required field \"apiVersion\"" },
	{ "kind_not_string", "apiVersion: x\nkind: [Gateway]\n", -EINVAL, 2, 7,
	  "kind: expected a string, got a sequence" },
	{ "kind_is_number", "apiVersion: x\nkind: 12\n", -EINVAL, 2, 7,
	  "kind: expected a string, got 12" },
	{ "unknown_kind", "apiVersion: apps/v1\nkind: Foo\nmetadata: {name: a}\n",
	  -EINVAL, 2, 7,
	  "kind: unknown kind \"Foo\" (supported: Gateway, VirtualService, DestinationRule, ServiceEntry, WorkloadEntry, Sidecar, EnvoyFilter, AuthorizationPolicy, RequestAuthentication, PeerAuthentication, Dataplane, HealthCheck)" },
	{ "wrong_api_version",
	  "apiVersion: networking.istio.io/v2\nkind: Gateway\nmetadata: {name: a}\n",
	  -EINVAL, 1, 13,
	  "apiVersion: expected one of networking.istio.io/v1, networking.istio.io/v1beta1, networking.istio.io/v1alpha3 for kind Gateway, got \"networking.istio.io/v2\"" },
	{ "envoyfilter_v1",
	  "apiVersion: networking.istio.io/v1\nkind: EnvoyFilter\nmetadata: {name: a}\n",
	  -EINVAL, 1, 13,
	  "expected one of networking.istio.io/v1alpha3 for kind EnvoyFilter" },
	{ "dataplane_wrong_group",
	  "apiVersion: security.istio.io/v1\nkind: Dataplane\nmetadata: {name: a}\n",
	  -EINVAL, 1, 13, "expected one of meshgw.io/v1alpha1 for kind Dataplane" },
	{ "unknown_top_field", GW_HEAD "metadata: {name: a}\nsepc: {}\n",
	  -EINVAL, 4, 1,
	  "unknown field \"sepc\" (accepted: apiVersion, kind, metadata, spec, status)" },
	{ "missing_metadata", GW_HEAD "spec: {}\n", -EINVAL, 1, 1,
	  "missing required field \"metadata\"" },
	{ "metadata_not_map", GW_HEAD "metadata: a\n", -EINVAL, 3, 11,
	  "metadata: expected a mapping, got \"a\"" },
	{ "missing_name", GW_HEAD "metadata: {namespace: x}\n", -EINVAL, 3, 11,
	  "metadata: missing required field \"name\"" },
	{ "name_not_string", GW_HEAD "metadata: {name: {a: b}}\n", -EINVAL, 3,
	  18, "metadata.name: expected a string, got a mapping" },
	{ "bad_name", GW_HEAD "metadata: {name: Foo_Bar}\n", -EINVAL, 3, 18,
	  "metadata.name: expected a DNS-1123 subdomain" },
	{ "name_ends_with_dash", GW_HEAD "metadata:\n  name: web-\n", -EINVAL,
	  4, 9, "got \"web-\"" },
	{ "name_empty_label", GW_HEAD "metadata:\n  name: a..b\n", -EINVAL, 4, 9,
	  "expected a DNS-1123 subdomain" },
	{ "name_too_long", GW_HEAD "metadata:\n  name: " NAME_254 "\n", -EINVAL,
	  4, 9, "at most 253 characters" },
	{ "bad_namespace", GW_HEAD "metadata: {name: a, namespace: a.b}\n",
	  -EINVAL, 3, 32,
	  "metadata.namespace: expected a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit), got \"a.b\"" },
	{ "label_not_string",
	  GW_HEAD "metadata:\n  name: a\n  labels:\n    tier: 2\n", -EINVAL, 6,
	  11, "metadata.labels.tier: expected a string, got 2" },
	{ "annotations_not_map",
	  GW_HEAD "metadata:\n  name: a\n  annotations: [x]\n", -EINVAL, 5, 16,
	  "metadata.annotations: expected a mapping, got a sequence" },
	{ "spec_not_map", GW_HEAD "metadata: {name: a}\nspec: [1]\n", -EINVAL,
	  4, 7, "spec: expected a mapping, got a sequence" },
	{ "spec_null", GW_HEAD "metadata: {name: a}\nspec:\n", -EINVAL, 4, 6,
	  "spec: expected a mapping, got null" },
	{ "duplicate_resource",
	  GW_HEAD "metadata: {name: a}\n"
	  "---\n"
	  "apiVersion: networking.istio.io/v1beta1\nkind: Gateway\n"
	  "metadata: {namespace: default, name: a}\n",
	  -EINVAL, 7, 38,
	  "metadata.name: duplicate Gateway default/a (first at test.yaml:1)" },
	{ "second_dataplane",
	  "apiVersion: meshgw.io/v1alpha1\nkind: Dataplane\nmetadata: {name: a}\n"
	  "---\n"
	  "apiVersion: meshgw.io/v1alpha1\nkind: Dataplane\nmetadata: {name: b}\n",
	  -EINVAL, 5, 1,
	  "a second Dataplane b (the first is a at test.yaml:1); at most one per set" },
};

static void
test_accessors(void **state)
{
	static const char yaml[] =
		GW_HEAD "metadata: {name: a}\n"
		"---\n"
		/* same name, other kind or namespace: not duplicates */
		"apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\n"
		"metadata: {name: a}\nspec: {hosts: [x]}\n"
		"---\n"
		GW_HEAD "metadata: {name: a, namespace: prod}\n"
		"---\n"
		"apiVersion: meshgw.io/v1alpha1\nkind: Dataplane\n"
		"metadata: {name: gw}\n";
	const struct gw_config_resource *r;
	struct gw_config *cfg;

	(void)state;
	cfg = load_ok(yaml);
	assert_int_equal(gw_config_resource_count(cfg), 4);
	r = gw_config_resource_at(cfg, 1);
	assert_string_equal(r->api_version, "networking.istio.io/v1alpha3");
	assert_string_equal(r->group, "networking.istio.io");
	assert_string_equal(r->version, "v1alpha3");
	assert_string_equal(r->kind, "VirtualService");
	assert_string_equal(r->name, "a");
	assert_string_equal(r->namespace, "default");
	assert_string_equal(r->file, "test.yaml");
	assert_int_equal(r->line, 5);
	assert_int_equal(r->col, 1);
	assert_non_null(r->spec);
	assert_int_equal(r->state, GW_CONFIG_NOT_YET_APPLIED);
	assert_null(gw_config_resource_at(cfg, 0)->spec);
	assert_string_equal(gw_config_resource_at(cfg, 2)->namespace, "prod");
	r = gw_config_resource_at(cfg, 3);
	assert_int_equal(r->state, GW_CONFIG_APPLIED);
	assert_ptr_equal(gw_config_dataplane(cfg)->source, r);
	assert_null(gw_config_resource_at(cfg, 4));
	assert_int_equal(gw_config_resource_count(NULL), 0);
	assert_null(gw_config_resource_at(NULL, 0));
	assert_string_equal(gw_config_apply_state_name(GW_CONFIG_APPLIED),
			    "applied");
	assert_string_equal(
		gw_config_apply_state_name(GW_CONFIG_NOT_YET_APPLIED),
		"not yet applied");
	gw_config_free(cfg);
}

static void
test_every_kind(void **state)
{
	static const char *const docs[][2] = {
		{ "networking.istio.io/v1", "Gateway" },
		{ "networking.istio.io/v1beta1", "VirtualService" },
		{ "networking.istio.io/v1alpha3", "DestinationRule" },
		{ "networking.istio.io/v1", "ServiceEntry" },
		{ "networking.istio.io/v1", "WorkloadEntry" },
		{ "networking.istio.io/v1", "Sidecar" },
		{ "networking.istio.io/v1alpha3", "EnvoyFilter" },
		{ "security.istio.io/v1", "AuthorizationPolicy" },
		{ "security.istio.io/v1beta1", "RequestAuthentication" },
		{ "security.istio.io/v1", "PeerAuthentication" },
		{ "meshgw.io/v1alpha1", "Dataplane" },
		{ "meshgw.io/v1alpha1", "HealthCheck" },
	};
	char yaml[4096];
	size_t i, o = 0;
	struct gw_config *cfg;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		o += (size_t)snprintf(yaml + o, sizeof(yaml) - o,
				      "---\napiVersion: %s\nkind: %s\n"
				      "metadata: {name: r%zu}\nspec: {}\n",
				      docs[i][0], docs[i][1], i);
	cfg = load_ok(yaml);
	assert_int_equal(gw_config_resource_count(cfg), 12);
	for (i = 0; i < 12; i++) {
		assert_string_equal(gw_config_resource_at(cfg, i)->kind,
				    docs[i][1]);
		assert_int_equal(gw_config_resource_at(cfg, i)->state,
				 i == 10 ? GW_CONFIG_APPLIED :
					   GW_CONFIG_NOT_YET_APPLIED);
	}
	gw_config_free(cfg);
}

static void
test_dump_json(void **state)
{
	static const char yaml[] =
		"apiVersion: meshgw.io/v1alpha1\nkind: Dataplane\n"
		"metadata: {name: gw, labels: {app: mesh}}\n"
		"spec: {workers: 2, hugepages: true}\n"
		"status: {ignored: yes}\n"
		"---\n"
		GW_HEAD "metadata: {name: pub, namespace: edge}\n"
		"spec: {servers: [{port: {number: 443}, hosts: ['*']}]}\n";
	static const char expect[] =
		"{\"resources\": [{\"apiVersion\": \"meshgw.io/v1alpha1\", "
		"\"kind\": \"Dataplane\", \"metadata\": {\"name\": \"gw\", "
		"\"labels\": {\"app\": \"mesh\"}, \"namespace\": \"default\"}, "
		"\"spec\": {\"workers\": 2, \"hugepages\": true}, "
		"\"status\": {\"state\": \"applied\", \"source\": \"test.yaml:1\"}}, "
		"{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": \"Gateway\", "
		"\"metadata\": {\"name\": \"pub\", \"namespace\": \"edge\"}, "
		"\"spec\": {\"servers\": [{\"port\": {\"number\": 443}, "
		"\"hosts\": [\"*\"]}]}, \"status\": {\"state\": "
		"\"not yet applied\", \"source\": \"test.yaml:7\"}}]}";
	struct gw_config *cfg;
	json_t *j;
	char *s;

	(void)state;
	cfg = load_ok(yaml);
	j = gw_config_dump_json(cfg);
	assert_non_null(j);
	s = json_dumps(j, JSON_PRESERVE_ORDER);
	assert_non_null(s);
	assert_string_equal(s, expect);
	free(s);
	json_decref(j);
	gw_config_free(cfg);

	cfg = load_ok("");
	j = gw_config_dump_json(cfg);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, "{\"resources\":[]}");
	free(s);
	json_decref(j);
	gw_config_free(cfg);
	assert_null(gw_config_dump_json(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_dump_json),
	};
	int rc;

	rc = run_bad_cases("resource_errors", cases,
			   sizeof(cases) / sizeof(cases[0]));
	rc += cmocka_run_group_tests_name("resource", tests, NULL, NULL);
	return rc;
}
