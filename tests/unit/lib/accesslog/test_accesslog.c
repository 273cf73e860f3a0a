/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of lib/accesslog: flags, records, formats and rendering. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gw_accesslog.h"

/* 1 GHz: a cycle is a nanosecond; the clock starts at 2024-01-31T12:00Z */
static const struct gw_alog_clock ck = { 1000000000ull, 1000,
					 1706702400ull * 1000000000ull };

static void
rec_fill(struct gw_alog_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->start_tsc = 1000 + 123456789;	/* .123 s after wall0 */
	r->duration_tsc = 7500000;		/* 7.5 ms */
	r->upstream_tsc = 5000000;
	r->bytes_rx = 120;
	r->bytes_tx = 3456;
	r->status = 503;
	r->flags = GW_ALOG_F(URX) | GW_ALOG_F(UF);
	r->details = GW_ALOG_D_UPSTREAM_RESET;
	r->proto = GW_ALOG_HTTP11;
	r->down_remote_ip = 0xc6120001;
	r->down_remote_port = 40000;
	r->down_local_ip = 0xc6120002;
	r->down_local_port = 8080;
	r->up_ip = 0xc6130005;
	r->up_port = 80;
	gw_alog_rec_clear_str(r);
	gw_alog_rec_set(r, GW_ALOG_S_METHOD, "GET", 3);
	gw_alog_rec_set(r, GW_ALOG_S_PATH, "/a?b=1", 6);
	gw_alog_rec_set(r, GW_ALOG_S_USER_AGENT, "curl/\"7\"\n", 9);
	gw_alog_rec_set(r, GW_ALOG_S_AUTHORITY, "shop.example", 12);
	gw_alog_rec_set(r, GW_ALOG_S_CLUSTER, "outbound|80|v1|shop", 19);
	gw_alog_rec_set(r, GW_ALOG_S_ROUTE, "default/shop http[0]", 20);
}

static void
test_flags(void **state)
{
	char b[128];

	(void)state;
	assert_int_equal(gw_alog_flags_str(0, b, sizeof(b)), 1);
	assert_string_equal(b, "-");
	/* Envoy's order, whatever the bits' */
	gw_alog_flags_str(GW_ALOG_F(URX) | GW_ALOG_F(UF) | GW_ALOG_F(UH), b,
			  sizeof(b));
	assert_string_equal(b, "UH,UF,URX");
	gw_alog_flags_str(GW_ALOG_F(NR), b, sizeof(b));
	assert_string_equal(b, "NR");
	/* cut at a whole flag */
	gw_alog_flags_str(GW_ALOG_F(UH) | GW_ALOG_F(UT), b, 5);
	assert_string_equal(b, "UH");
	gw_alog_flags_str(~0u, b, sizeof(b));
	assert_string_equal(b, "UH,UT,LR,UR,UF,UC,UO,NR,DI,FI,DC,URX,SI,DPE,"
			    "UPE,NC");
}

static void
test_rec_strings(void **state)
{
	struct gw_alog_rec r;
	char big[600];
	const char *s;
	size_t len;

	(void)state;
	memset(&r, 0, sizeof(r));
	gw_alog_rec_clear_str(&r);
	s = gw_alog_rec_str(&r, GW_ALOG_S_PATH, &len);
	assert_int_equal(len, 0);
	assert_string_equal(s, "");
	memset(big, 'x', sizeof(big));
	/* each string is cut at its maximum, all at the record's room */
	gw_alog_rec_set(&r, GW_ALOG_S_PATH, big, sizeof(big));
	gw_alog_rec_str(&r, GW_ALOG_S_PATH, &len);
	assert_int_equal(len, GW_ALOG_STR_FIELD_MAX);
	gw_alog_rec_set(&r, GW_ALOG_S_USER_AGENT, big, sizeof(big));
	gw_alog_rec_set(&r, GW_ALOG_S_AUTHORITY, big, sizeof(big));
	gw_alog_rec_set(&r, GW_ALOG_S_XFF, big, sizeof(big));
	gw_alog_rec_set(&r, GW_ALOG_S_SNI, big, sizeof(big));
	assert_int_equal(r.str_used, GW_ALOG_STR_CAP);
	gw_alog_rec_str(&r, GW_ALOG_S_SNI, &len);
	assert_int_equal(len, 0);
	assert_int_equal(gw_alog_rec_size(&r),
			 offsetof(struct gw_alog_rec, str) + GW_ALOG_STR_CAP);
}

static void
test_istio_text(void **state)
{
	struct gw_alog_format *f;
	struct gw_alog_rec r;
	char err[256], out[2048];
	size_t n;

	(void)state;
	rec_fill(&r);
	assert_int_equal(gw_alog_format_compile(GW_ALOG_ISTIO_FORMAT, &f, err,
						sizeof(err)), 0);
	n = gw_alog_render(f, &r, &ck, out, sizeof(out));
	assert_int_equal(n, strlen(out));
	assert_string_equal(out,
		"[2024-01-31T12:00:00.123Z] \"GET /a?b=1 HTTP/1.1\" 503 UF,URX "
		"upstream_reset_before_response_started - \"-\" 120 3456 7 5 "
		"\"-\" \"curl/\"7\"?\" \"-\" \"shop.example\" "
		"\"198.19.0.5:80\" outbound|80|v1|shop - 198.18.0.2:8080 "
		"198.18.0.1:40000 - default/shop http[0]\n");
	/* cut at the buffer, still terminated */
	n = gw_alog_render(f, &r, &ck, out, 10);
	assert_int_equal(n, 9);
	assert_string_equal(out, "[2024-01-");
	gw_alog_format_free(f);
}

static void
test_json(void **state)
{
	struct gw_alog_rec r;
	char out[2048];

	(void)state;
	rec_fill(&r);
	r.trace = GW_ALOG_TRACE_SAMPLED;
	r.trace_hi = 0x0af7651916cd43ddull;
	r.trace_lo = 0x8448eb211c80319cull;
	gw_alog_render(NULL, &r, &ck, out, sizeof(out));
	assert_string_equal(out,
		"{\"start_time\":\"2024-01-31T12:00:00.123Z\","
		"\"route_name\":\"default/shop http[0]\",\"method\":\"GET\","
		"\"path\":\"/a?b=1\",\"protocol\":\"HTTP/1.1\","
		"\"response_code\":503,\"response_flags\":\"UF,URX\","
		"\"response_code_details\":"
		"\"upstream_reset_before_response_started\","
		"\"connection_termination_details\":null,"
		"\"upstream_transport_failure_reason\":null,"
		"\"bytes_received\":120,\"bytes_sent\":3456,\"duration\":7,"
		"\"upstream_service_time\":\"5\",\"x_forwarded_for\":null,"
		"\"user_agent\":\"curl/\\\"7\\\"\\u000a\",\"request_id\":null,"
		"\"authority\":\"shop.example\","
		"\"upstream_host\":\"198.19.0.5:80\","
		"\"upstream_cluster\":\"outbound|80|v1|shop\","
		"\"upstream_local_address\":null,"
		"\"downstream_local_address\":\"198.18.0.2:8080\","
		"\"downstream_remote_address\":\"198.18.0.1:40000\","
		"\"requested_server_name\":null,"
		"\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\"}\n");
	/* a line cut short still ends the line */
	assert_int_equal(gw_alog_render(NULL, &r, &ck, out, 50), 49);
	assert_int_equal(out[48], '\n');
}

static void
test_custom_formats(void **state)
{
	struct gw_alog_format *f;
	struct gw_alog_rec r;
	char err[256], out[512];

	(void)state;
	rec_fill(&r);
	r.proto = GW_ALOG_TCP;
	r.status = 0;
	r.up_ip = 0;
	assert_int_equal(gw_alog_format_compile(
		"%REQ(user-agent):4% %REQ(X-MISSING?:AUTHORITY)%|%PROTOCOL%|"
		"%RESPONSE_CODE%|%UPSTREAM_HOST%|"
		"%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%|%TRACE_ID%",
		&f, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "X-MISSING"));
	assert_int_equal(gw_alog_format_compile(
		"%REQ(user-agent):4% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%|"
		"%PROTOCOL%|%RESPONSE_CODE%|%UPSTREAM_HOST%|"
		"%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%|%TRACE_ID%",
		&f, err, sizeof(err)), 0);
	gw_alog_render(f, &r, &ck, out, sizeof(out));
	assert_string_equal(out, "curl /a?b=1|-|0|-|198.18.0.1|-");
	gw_alog_format_free(f);
	/* no operator at all */
	assert_int_equal(gw_alog_format_compile("plain", &f, err, sizeof(err)),
			 0);
	gw_alog_render(f, &r, &ck, out, sizeof(out));
	assert_string_equal(out, "plain");
	gw_alog_format_free(f);
	assert_int_equal(gw_alog_format_compile("", &f, err, sizeof(err)), 0);
	gw_alog_render(f, &r, &ck, out, sizeof(out));
	assert_string_equal(out, "");
	gw_alog_format_free(f);
}

static void
test_bad_formats(void **state)
{
	static const char *const bad[] = {
		"%START_TIME", "%%", "%NOPE%", "%REQ(COOKIE)%", "%REQ(:PATH%",
		"%REQ(:PATH):x%", "%REQ(:PATH):%", "%REQ(:PATH)x%",
		"%RESP(SERVER)%", "%START_TIME(%s)%", "a % b",
		"%REQ(:PATH):99999999999%",
	};
	struct gw_alog_format *f = (void *)1;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(gw_alog_format_compile(bad[i], &f, err,
							sizeof(err)), -EINVAL);
		assert_null(f);
		assert_non_null(strstr(err, "access log format, at "));
	}
}

static void
test_clock(void **state)
{
	struct gw_alog_clock c = { 3000000000ull, 9000000000ull, 5000000000ull };

	(void)state;
	assert_int_equal(gw_alog_wall_ns(&c, 9000000000ull), 5000000000ull);
	assert_int_equal(gw_alog_wall_ns(&c, 12000000000ull), 6000000000ull);
	assert_int_equal(gw_alog_wall_ns(&c, 6000000000ull), 4000000000ull);
	/* before the epoch: 0, not a wrap */
	assert_int_equal(gw_alog_wall_ns(&c, 0), 2000000000ull);
	c.wall0_ns = 1;
	assert_int_equal(gw_alog_wall_ns(&c, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_rec_strings),
		cmocka_unit_test(test_istio_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_custom_formats),
		cmocka_unit_test(test_bad_formats),
		cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
