/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of lib/metrics/prom.c: exposition format and escaping. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gw_metrics.h"

static void
test_family_and_samples(void **state)
{
	struct gw_metrics_buf b;
	const char *labels[] = { "port", "eth0", "reason", "ip4_bad_checksum",
				 NULL };

	(void)state;
	gw_metrics_buf_init(&b);
	assert_int_equal(gw_metrics_family(&b, "meshgw_drops_total",
					   GW_METRICS_COUNTER,
					   "Packets dropped, by reason."),
			 0);
	assert_int_equal(gw_metrics_sample_u64(&b, "meshgw_drops_total", labels,
					       18446744073709551615ull),
			 0);
	assert_int_equal(gw_metrics_family(&b, "meshgw_up", GW_METRICS_GAUGE,
					   NULL),
			 0);
	assert_int_equal(gw_metrics_sample_u64(&b, "meshgw_up", NULL, 1), 0);
	assert_string_equal(
		b.data,
		"# HELP meshgw_drops_total Packets dropped, by reason.\n"
		"# TYPE meshgw_drops_total counter\n"
		"meshgw_drops_total{port=\"eth0\",reason=\"ip4_bad_checksum\"} 18446744073709551615\n"
		"# HELP meshgw_up \n"
		"# TYPE meshgw_up gauge\n"
		"meshgw_up 1\n");
	gw_metrics_buf_fini(&b);
}

static void
test_escaping(void **state)
{
	struct gw_metrics_buf b;
	const char *labels[] = { "v", "a\"b\\c\nd", NULL };

	(void)state;
	gw_metrics_buf_init(&b);
	gw_metrics_family(&b, "x", GW_METRICS_GAUGE, "line1\nback\\slash \"q\"");
	gw_metrics_sample_u64(&b, "x", labels, 0);
	assert_int_equal(b.err, 0);
	assert_string_equal(b.data,
			    "# HELP x line1\\nback\\\\slash \"q\"\n"
			    "# TYPE x gauge\n"
			    "x{v=\"a\\\"b\\\\c\\nd\"} 0\n");
	gw_metrics_buf_fini(&b);
}

static void
test_doubles(void **state)
{
	struct gw_metrics_buf b;

	(void)state;
	gw_metrics_buf_init(&b);
	gw_metrics_sample_double(&b, "a", NULL, 0.5);
	gw_metrics_sample_double(&b, "b", NULL, INFINITY);
	gw_metrics_sample_double(&b, "c", NULL, -INFINITY);
	gw_metrics_sample_double(&b, "d", NULL, NAN);
	assert_string_equal(b.data, "a 0.5\nb +Inf\nc -Inf\nd NaN\n");
	gw_metrics_buf_fini(&b);
}

static void
test_bad_names_stick(void **state)
{
	struct gw_metrics_buf b;
	const char *bad_label[] = { "1x", "v", NULL };
	const char *colon_label[] = { "a:b", "v", NULL };
	const char *odd[] = { "k", NULL };

	(void)state;
	gw_metrics_buf_init(&b);
	assert_int_equal(gw_metrics_sample_u64(&b, "9bad", NULL, 1), -EINVAL);
	assert_int_equal(gw_metrics_sample_u64(&b, "ok", NULL, 1), -EINVAL);
	assert_int_equal(b.len, 0);
	gw_metrics_buf_fini(&b);

	gw_metrics_buf_init(&b);
	assert_int_equal(gw_metrics_sample_u64(&b, "ok", bad_label, 1), -EINVAL);
	gw_metrics_buf_fini(&b);
	gw_metrics_buf_init(&b);
	assert_int_equal(gw_metrics_sample_u64(&b, "ok", colon_label, 1),
			 -EINVAL);
	gw_metrics_buf_fini(&b);
	gw_metrics_buf_init(&b);
	assert_int_equal(gw_metrics_sample_u64(&b, "ok", odd, 1), -EINVAL);
	gw_metrics_buf_fini(&b);
	gw_metrics_buf_init(&b);
	assert_int_equal(gw_metrics_family(&b, "", GW_METRICS_GAUGE, "h"),
			 -EINVAL);
	gw_metrics_buf_fini(&b);
}

static void
test_growth(void **state)
{
	struct gw_metrics_buf b;
	unsigned i;

	(void)state;
	gw_metrics_buf_init(&b);
	for (i = 0; i < 10000; i++)
		gw_metrics_sample_u64(&b, "meshgw_some_long_metric_name", NULL, i);
	assert_int_equal(b.err, 0);
	assert_true(b.len > 10000 * 30);
	assert_non_null(strstr(b.data, "meshgw_some_long_metric_name 9999\n"));
	gw_metrics_buf_fini(&b);
}

static void
test_histogram(void **state)
{
	struct gw_metrics_buf b;
	const char *labels[] = { "code", "200", NULL };
	const double le[] = { 0.5, 10, 3600000 };
	const uint64_t counts[] = { 1, 0, 2, 3 };

	(void)state;
	gw_metrics_buf_init(&b);
	assert_int_equal(gw_metrics_family(&b, "d_ms", GW_METRICS_HISTOGRAM,
					   "h"), 0);
	assert_int_equal(gw_metrics_histogram(&b, "d_ms", labels, le, 3,
					      counts, 12.5), 0);
	assert_int_equal(gw_metrics_histogram(&b, "d_ms", NULL, le, 0, counts,
					      0), 0);
	assert_string_equal(
		b.data,
		"# HELP d_ms h\n"
		"# TYPE d_ms histogram\n"
		"d_ms_bucket{code=\"200\",le=\"0.5\"} 1\n"
		"d_ms_bucket{code=\"200\",le=\"10\"} 1\n"
		"d_ms_bucket{code=\"200\",le=\"3600000\"} 3\n"
		"d_ms_bucket{code=\"200\",le=\"+Inf\"} 6\n"
		"d_ms_sum{code=\"200\"} 12.5\n"
		"d_ms_count{code=\"200\"} 6\n"
		"d_ms_bucket{le=\"+Inf\"} 1\n"
		"d_ms_sum 0\n"
		"d_ms_count 1\n");
	gw_metrics_buf_fini(&b);

	/* le is the histogram's own label */
	gw_metrics_buf_init(&b);
	assert_int_equal(gw_metrics_histogram(&b, "x", (const char *[]){
						      "le", "1", NULL },
					      le, 3, counts, 0), -EINVAL);
	gw_metrics_buf_fini(&b);
}

static void
test_bucket(void **state)
{
	const uint64_t *x2 = gw_metrics_envoy_bounds_x2;
	unsigned i;

	(void)state;
	/* the integer bounds are the rendered ones doubled */
	for (i = 0; i < GW_METRICS_ENVOY_BUCKETS; i++)
		assert_true((double)x2[i] == 2 * gw_metrics_envoy_bounds[i]);
	assert_int_equal(gw_metrics_bucket(x2, GW_METRICS_ENVOY_BUCKETS, 0), 0);
	assert_int_equal(gw_metrics_bucket(x2, GW_METRICS_ENVOY_BUCKETS, 1), 0);
	assert_int_equal(gw_metrics_bucket(x2, GW_METRICS_ENVOY_BUCKETS, 2), 1);
	assert_int_equal(gw_metrics_bucket(x2, GW_METRICS_ENVOY_BUCKETS, 3), 2);
	assert_int_equal(gw_metrics_bucket(x2, GW_METRICS_ENVOY_BUCKETS,
					   7200000), 18);
	assert_int_equal(gw_metrics_bucket(x2, GW_METRICS_ENVOY_BUCKETS,
					   7200001), 19);
	/* against a linear scan */
	for (i = 0; i < 8000000; i += 997) {
		unsigned k = 0;

		while (k < GW_METRICS_ENVOY_BUCKETS && i > x2[k])
			k++;
		assert_int_equal(gw_metrics_bucket(x2,
						   GW_METRICS_ENVOY_BUCKETS, i),
				 k);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_bad_names_stick),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
