/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the lib/config unit tests: table-driven checks of invalid
 * inputs (return code, exact position, part of the message, nothing
 * returned) and a loader for valid buffers.
 */
#ifndef TEST_CONFIG_COMMON_H
#define TEST_CONFIG_COMMON_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_config.h"

/* A Dataplane document up to "spec:"; spec content starts on line 5. */
#define DP_HEAD                                                              \
	"apiVersion: meshgw.io/v1alpha1\n"                                   \
	"kind: Dataplane\n"                                                  \
	"metadata: {name: gw}\n"                                             \
	"spec:\n"

/* One valid port at lines 5-8 of a DP_HEAD document. */
#define DP_PORT0                                                             \
	"  ports:\n"                                                         \
	"  - name: a\n"                                                      \
	"    device: net_tap0\n"                                             \
	"    address: 198.18.0.1/24\n"

struct bad_case {
	const char *name;
	const char *yaml;
	int rc;
	unsigned line;
	unsigned col;
	const char *msg; /* a part of err.msg */
};

static inline void
check_bad_buffer(const struct bad_case *c, const char *buf, size_t len)
{
	struct gw_config *cfg = (struct gw_config *)&cfg; /* must be reset */
	struct gw_config_err err;
	int rc;

	rc = gw_config_load_buffer("test.yaml", buf, len, &cfg, &err);
	if (rc != c->rc || err.line != c->line || err.col != c->col ||
	    strstr(err.msg, c->msg) == NULL)
		print_message("%s: got rc=%d %u:%u: %s\n", c->name, rc,
			      err.line, err.col, err.msg);
	assert_int_equal(rc, c->rc);
	assert_null(cfg);
	assert_string_equal(err.file, "test.yaml");
	assert_int_equal(err.line, c->line);
	assert_int_equal(err.col, c->col);
	assert_non_null(strstr(err.msg, c->msg));
}

static inline void
test_bad_case(void **state)
{
	const struct bad_case *c = *state;

	check_bad_buffer(c, c->yaml, strlen(c->yaml));
}

/* Run every case of a table as its own cmocka test. */
static inline int
run_bad_cases(const char *group, const struct bad_case *cases, size_t n)
{
	struct CMUnitTest *tests;
	size_t i;
	int rc;

	tests = calloc(n, sizeof(*tests));
	assert_non_null(tests);
	for (i = 0; i < n; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = test_bad_case;
		tests[i].initial_state = (void *)(uintptr_t)&cases[i];
	}
	rc = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	free(tests);
	return rc;
}

static inline struct gw_config *
load_ok(const char *yaml)
{
	struct gw_config_err err;
	struct gw_config *cfg = NULL;
	int rc;

	rc = gw_config_load_buffer("test.yaml", yaml, strlen(yaml), &cfg,
				   &err);
	if (rc != 0)
		print_message("unexpected error: %u:%u: %s\n", err.line,
			      err.col, err.msg);
	assert_int_equal(rc, 0);
	assert_non_null(cfg);
	return cfg;
}

#endif /* TEST_CONFIG_COMMON_H */
