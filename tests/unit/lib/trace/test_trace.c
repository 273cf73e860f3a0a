/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of lib/trace: traceparent and B3, valid and not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gw_trace.h"

#define S(x) x, sizeof(x) - 1

static void
test_w3c(void **state)
{
	struct gw_trace_ctx t;
	char out[GW_TRACE_W3C_LEN + 1];

	(void)state;
	assert_true(gw_trace_w3c_parse(S("00-4bf92f3577b34da6a3ce929d0e0e4736-"
					 "00f067aa0ba902b7-01"), &t));
	assert_true(t.hi == 0x4bf92f3577b34da6ull);
	assert_true(t.lo == 0xa3ce929d0e0e4736ull);
	assert_true(t.parent == 0x00f067aa0ba902b7ull);
	assert_int_equal(t.sampled, 1);
	/* flags other than sampled are read for the bit only */
	assert_true(gw_trace_w3c_parse(S("00-4bf92f3577b34da6a3ce929d0e0e4736-"
					 "00f067aa0ba902b7-02"), &t));
	assert_int_equal(t.sampled, 0);
	/* a later version: read alike, longer allowed after a dash */
	assert_true(gw_trace_w3c_parse(S("01-4bf92f3577b34da6a3ce929d0e0e4736-"
					 "00f067aa0ba902b7-01-what-follows"),
				       &t));
	/* round trip with a new span */
	gw_trace_w3c_format(out, &t, 0x1122334455667788ull, false);
	out[GW_TRACE_W3C_LEN] = '\0';
	assert_string_equal(out, "00-4bf92f3577b34da6a3ce929d0e0e4736-"
			    "1122334455667788-00");
}

static void
test_w3c_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
		"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
	};
	struct gw_trace_ctx t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(gw_trace_w3c_parse(bad[i], strlen(bad[i]), &t));
		assert_true((t.hi | t.lo | t.parent) == 0);
		assert_int_equal(t.sampled, -1);
	}
}

static void
test_b3(void **state)
{
	struct gw_trace_ctx t;

	(void)state;
	assert_true(gw_trace_b3_parse(S("80f198ee56343ba864fe8b2a57d3eff7"),
				      S("e457b5a2e4d86bd1"), &t));
	assert_true(t.hi == 0x80f198ee56343ba8ull &&
		    t.lo == 0x64fe8b2a57d3eff7ull);
	assert_true(t.parent == 0xe457b5a2e4d86bd1ull);
	assert_int_equal(t.sampled, -1);
	/* 64-bit ids, upper case accepted in B3 */
	assert_true(gw_trace_b3_parse(S("80F198EE56343BA8"),
				      S("E457B5A2E4D86BD1"), &t));
	assert_true(t.hi == 0 && t.lo == 0x80f198ee56343ba8ull);
	assert_false(gw_trace_b3_parse(S("80f198ee56343ba8"), S("e457b5a2"),
				       &t));
	assert_false(gw_trace_b3_parse(S("0000000000000000"),
				       S("e457b5a2e4d86bd1"), &t));
	assert_false(gw_trace_b3_parse(S("80f198ee56343ba8aa"),
				       S("e457b5a2e4d86bd1"), &t));
	assert_int_equal(gw_trace_b3_sampled(S("1")), 1);
	assert_int_equal(gw_trace_b3_sampled(S("d")), 1);
	assert_int_equal(gw_trace_b3_sampled(S("True")), 1);
	assert_int_equal(gw_trace_b3_sampled(S("0")), 0);
	assert_int_equal(gw_trace_b3_sampled(S("false")), 0);
	assert_int_equal(gw_trace_b3_sampled(S("yes")), -1);
	assert_int_equal(gw_trace_b3_sampled(S("")), -1);
}

static void
test_b3_single(void **state)
{
	struct gw_trace_ctx t;

	(void)state;
	assert_true(gw_trace_b3_single_parse(
		S("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-"
		  "05e3ac9a4f6e3b90"), &t));
	assert_true(t.lo == 0x64fe8b2a57d3eff7ull &&
		    t.parent == 0xe457b5a2e4d86bd1ull);
	assert_int_equal(t.sampled, 1);
	assert_true(gw_trace_b3_single_parse(
		S("80f198ee56343ba8-05e3ac9a4f6e3b90"), &t));
	assert_int_equal(t.sampled, -1);
	assert_true(gw_trace_b3_single_parse(
		S("80f198ee56343ba8-05e3ac9a4f6e3b90-0"), &t));
	assert_int_equal(t.sampled, 0);
	/* a lone decision: no context, the decision kept */
	assert_false(gw_trace_b3_single_parse(S("0"), &t));
	assert_int_equal(t.sampled, 0);
	assert_false(gw_trace_b3_single_parse(S("d"), &t));
	assert_int_equal(t.sampled, 1);
	/* malformed: nothing */
	assert_false(gw_trace_b3_single_parse(
		S("80f198ee56343ba8-05e3ac9a4f6e3b90-x"), &t));
	assert_int_equal(t.sampled, -1);
	assert_false(gw_trace_b3_single_parse(
		S("80f198ee56343ba8-05e3ac9a4f6e3b90-1-05e3"), &t));
	assert_false(gw_trace_b3_single_parse(S("80f198ee56343ba8"), &t));
	assert_false(gw_trace_b3_single_parse(S("-"), &t));
	assert_false(gw_trace_b3_single_parse(S(""), &t));
	assert_true((t.hi | t.lo | t.parent) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_w3c),
		cmocka_unit_test(test_w3c_bad),
		cmocka_unit_test(test_b3),
		cmocka_unit_test(test_b3_single),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
