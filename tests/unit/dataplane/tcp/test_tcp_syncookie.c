/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of dataplane/tcp/tcp_syncookie.c: every field round-trips,
 * each MSS bucket, expiry at exactly two periods, forgery odds, binding to
 * the 4-tuple and the client ISN, counter wraparound, the TSval encoding.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gw_hash.h"
#include "tcp_seq.h"
#include "tcp_syncookie.h"

static const struct gw_hash_key key = { 0x243f6a8885a308d3ull,
					0x13198a2e03707344ull };

static uint32_t rng_state = 0x9e3779b9;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* A SYN from 192.168.1.7:50000 to 10.0.0.1:443. */
static struct gw_tcp_cookie_in
syn_in(void)
{
	struct gw_tcp_cookie_in in;

	memset(&in, 0, sizeof(in));
	in.t.laddr = 0x0a000001;
	in.t.lport = 443;
	in.t.raddr = 0xc0a80107;
	in.t.rport = 50000;
	in.isn = 0xdeadbeef;
	in.mss = 1460;
	in.now_s = 1000000;
	return in;
}

/* What the completing ACK looks like to the check: same tuple and ISN. */
static int
check_at(const struct gw_tcp_cookie_in *syn, uint32_t cookie, uint64_t now_s,
	 bool has_ts, uint32_t ts_ecr, struct gw_tcp_cookie_out *out)
{
	struct gw_tcp_cookie_in ack;

	memset(&ack, 0, sizeof(ack));
	ack.t = syn->t;
	ack.isn = syn->isn;
	ack.has_ts = has_ts;
	ack.now_s = now_s;
	return gw_tcp_syncookie_check(&key, &ack, cookie, ts_ecr, out);
}

static void
test_layout(void **state)
{
	struct gw_tcp_cookie_in in = syn_in();
	uint32_t c;

	(void)state;
	in.now_s = 37 * GW_TCP_COOKIE_PERIOD_S + 5; /* count 37 → field 5 */
	in.mss = 1440;                              /* index 4 */
	c = gw_tcp_syncookie_make(&key, &in, NULL);
	assert_int_equal(c & 7, 4);
	assert_int_equal((c >> 3) & 31, 37 & 31);
}

/* Every option combination comes back, with and without timestamps. */
static void
test_round_trip_fields(void **state)
{
	struct gw_tcp_cookie_in in;
	struct gw_tcp_cookie_out out;
	uint32_t c, tsv;
	unsigned mi, ws, f;

	(void)state;
	for (mi = 0; mi < GW_TCP_COOKIE_N_MSS; mi++) {
		for (f = 0; f < 8; f++) {
			for (ws = 0; ws <= 14; ws++) {
				in = syn_in();
				in.mss = gw_tcp_syncookie_mss[mi];
				in.has_wscale = f & 1;
				in.wscale = (uint8_t)ws;
				in.sack_ok = f & 2;
				in.has_ts = f & 4;
				in.ts_now = rnd();
				in.isn = rnd();
				tsv = 0x5a5a5a5a;
				c = gw_tcp_syncookie_make(&key, &in, &tsv);
				assert_int_equal(check_at(&in, c, in.now_s,
							  in.has_ts, tsv, &out),
						 0);
				assert_int_equal(out.mss,
						 gw_tcp_syncookie_mss[mi]);
				assert_int_equal(out.has_ts, in.has_ts);
				if (in.has_ts) {
					assert_int_equal(out.has_wscale,
							 in.has_wscale);
					if (in.has_wscale)
						assert_int_equal(out.wscale, ws);
					assert_int_equal(out.sack_ok, in.sack_ok);
				} else {
					/* no TS: the options are lost (Linux) */
					assert_int_equal(tsv, 0x5a5a5a5a);
					assert_false(out.has_wscale);
					assert_false(out.sack_ok);
				}
			}
		}
	}
}

/* A window scale above 14 is carried as 14. */
static void
test_wscale_clamped(void **state)
{
	struct gw_tcp_cookie_in in = syn_in();
	struct gw_tcp_cookie_out out;
	uint32_t c, tsv;

	(void)state;
	in.has_ts = true;
	in.has_wscale = true;
	in.wscale = 15;
	c = gw_tcp_syncookie_make(&key, &in, &tsv);
	assert_int_equal(check_at(&in, c, in.now_s, true, tsv, &out), 0);
	assert_true(out.has_wscale);
	assert_int_equal(out.wscale, 14);
}

/* The SYN had TS but the ACK does not: no TS, no wscale, no SACK. */
static void
test_ack_without_ts(void **state)
{
	struct gw_tcp_cookie_in in = syn_in();
	struct gw_tcp_cookie_out out;
	uint32_t c, tsv;

	(void)state;
	in.has_ts = true;
	in.has_wscale = true;
	in.wscale = 7;
	in.sack_ok = true;
	c = gw_tcp_syncookie_make(&key, &in, &tsv);
	assert_int_equal(check_at(&in, c, in.now_s, false, 0, &out), 0);
	assert_false(out.has_ts);
	assert_false(out.has_wscale);
	assert_false(out.sack_ok);
	assert_int_equal(out.mss, 1460);
}

/* Expected table entry for a client MSS: largest <= mss, 536 floor. */
static uint16_t
bucket(uint32_t mss)
{
	uint16_t best = gw_tcp_syncookie_mss[0];
	unsigned i;

	for (i = 0; i < GW_TCP_COOKIE_N_MSS; i++)
		if (gw_tcp_syncookie_mss[i] <= mss)
			best = gw_tcp_syncookie_mss[i];
	return best;
}

static void
test_mss_buckets(void **state)
{
	struct gw_tcp_cookie_in in = syn_in();
	struct gw_tcp_cookie_out out;
	unsigned i;
	uint32_t m, c;

	(void)state;
	for (i = 1; i < GW_TCP_COOKIE_N_MSS; i++)
		assert_true(gw_tcp_syncookie_mss[i - 1] <
			    gw_tcp_syncookie_mss[i]);
	assert_int_equal(gw_tcp_syncookie_mss[0], 536);
	for (m = 0; m <= 65535; m++) {
		in.mss = (uint16_t)m;
		c = gw_tcp_syncookie_make(&key, &in, NULL);
		assert_int_equal(check_at(&in, c, in.now_s, false, 0, &out), 0);
		assert_int_equal(out.mss, m == 0 ? 536 : bucket(m));
		assert_true(m < 536 || out.mss <= m);
	}
	/* bucket edges */
	for (i = 0; i < GW_TCP_COOKIE_N_MSS; i++) {
		in.mss = gw_tcp_syncookie_mss[i];
		c = gw_tcp_syncookie_make(&key, &in, NULL);
		assert_int_equal(c & 7, i);
		if (i > 0) {
			in.mss = (uint16_t)(gw_tcp_syncookie_mss[i] - 1);
			c = gw_tcp_syncookie_make(&key, &in, NULL);
			assert_int_equal(c & 7, i - 1);
		}
	}
}

/*
 * Made anywhere in period p, a cookie is accepted until the last second of
 * period p + 1 and refused from the first second of p + 2, and refused in
 * period p - 1 (clock stepped back).
 */
static void
test_expiry(void **state)
{
	static const uint64_t offsets[] = { 0, 1, 31, 63 };
	struct gw_tcp_cookie_in in = syn_in();
	struct gw_tcp_cookie_out out;
	uint64_t p, start, t;
	uint32_t c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		p = 15625;
		start = p * GW_TCP_COOKIE_PERIOD_S;
		in.now_s = start + offsets[i];
		c = gw_tcp_syncookie_make(&key, &in, NULL);
		for (t = in.now_s; t < start + 2 * GW_TCP_COOKIE_PERIOD_S; t++)
			assert_int_equal(check_at(&in, c, t, false, 0, &out), 0);
		t = start + 2 * GW_TCP_COOKIE_PERIOD_S - 1; /* just before */
		assert_int_equal(check_at(&in, c, t, false, 0, &out), 0);
		t++; /* expired */
		assert_int_equal(check_at(&in, c, t, false, 0, &out), -EINVAL);
		for (; t < start + 40 * GW_TCP_COOKIE_PERIOD_S; t += 7)
			assert_int_equal(check_at(&in, c, t, false, 0, &out),
					 -EINVAL);
		assert_int_equal(check_at(&in, c, start - 1, false, 0, &out),
				 -EINVAL);
	}
}

/* 32 periods later the 5-bit field matches again, but the MAC (full count)
 * does not: no replay. */
static void
test_no_replay_after_field_wrap(void **state)
{
	struct gw_tcp_cookie_in in = syn_in();
	struct gw_tcp_cookie_out out;
	uint32_t c;
	unsigned k;

	(void)state;
	c = gw_tcp_syncookie_make(&key, &in, NULL);
	for (k = 1; k <= 4; k++) {
		assert_int_equal(check_at(&in, c,
					  in.now_s + 32 * k *
							     GW_TCP_COOKIE_PERIOD_S,
					  false, 0, &out),
				 -EINVAL);
	}
}

static void
check_accepts_across(uint64_t made_s)
{
	struct gw_tcp_cookie_in in = syn_in();
	struct gw_tcp_cookie_out out;
	uint32_t c;

	in.now_s = made_s;
	c = gw_tcp_syncookie_make(&key, &in, NULL);
	assert_int_equal(check_at(&in, c, made_s, false, 0, &out), 0);
	assert_int_equal(check_at(&in, c, made_s + GW_TCP_COOKIE_PERIOD_S,
				  false, 0, &out),
			 0);
	assert_int_equal(check_at(&in, c, made_s + 2 * GW_TCP_COOKIE_PERIOD_S,
				  false, 0, &out),
			 -EINVAL);
}

/* The 5-bit field wraps 31 → 0, the 32-bit period counter wraps too. */
static void
test_counter_wrap(void **state)
{
	(void)state;
	check_accepts_across(31 * GW_TCP_COOKIE_PERIOD_S);     /* field 31→0 */
	check_accepts_across(63 * GW_TCP_COOKIE_PERIOD_S + 63);
	/* period 2^32 - 1 → 0: now_s around 2^38 */
	check_accepts_across(((1ull << 32) - 1) * GW_TCP_COOKIE_PERIOD_S);
	check_accepts_across(((1ull << 32) - 1) * GW_TCP_COOKIE_PERIOD_S + 63);
	check_accepts_across(0);
}

/* Random 32-bit values: p(accept) = 2/32 * 2^-24 ~ 3.7e-9 each. */
static void
test_forged(void **state)
{
	struct gw_tcp_cookie_in in = syn_in();
	struct gw_tcp_cookie_out out;
	unsigned i, accepted = 0;

	(void)state;
	for (i = 0; i < 100000; i++) {
		if (i % 1000 == 0) {
			in.t.raddr = rnd();
			in.t.rport = (uint16_t)rnd();
			in.isn = rnd();
		}
		if (check_at(&in, rnd(), in.now_s, i & 1, rnd(), &out) == 0)
			accepted++;
	}
	assert_true(accepted <= 1);
}

/* Flipping any single bit of a valid cookie makes it invalid. */
static void
test_bit_flips(void **state)
{
	struct gw_tcp_cookie_in in = syn_in();
	struct gw_tcp_cookie_out out;
	uint32_t c;
	unsigned b, n;

	(void)state;
	for (n = 0; n < 50; n++) {
		in.isn = rnd();
		in.mss = (uint16_t)rnd();
		c = gw_tcp_syncookie_make(&key, &in, NULL);
		assert_int_equal(check_at(&in, c, in.now_s, false, 0, &out), 0);
		for (b = 0; b < 32; b++)
			assert_int_equal(check_at(&in, c ^ (1u << b), in.now_s,
						  false, 0, &out),
					 -EINVAL);
	}
}

/* A cookie is valid only for the 4-tuple, the ISN and the key it was made
 * with. */
static void
test_bound(void **state)
{
	struct gw_tcp_cookie_in in = syn_in(), o;
	struct gw_tcp_cookie_out out;
	struct gw_hash_key k2 = key;
	uint32_t c = gw_tcp_syncookie_make(&key, &in, NULL);

	(void)state;
	assert_int_equal(check_at(&in, c, in.now_s, false, 0, &out), 0);
	o = in;
	o.t.laddr++;
	assert_int_equal(check_at(&o, c, in.now_s, false, 0, &out), -EINVAL);
	o = in;
	o.t.raddr ^= 0x80000000;
	assert_int_equal(check_at(&o, c, in.now_s, false, 0, &out), -EINVAL);
	o = in;
	o.t.lport++;
	assert_int_equal(check_at(&o, c, in.now_s, false, 0, &out), -EINVAL);
	o = in;
	o.t.rport--;
	assert_int_equal(check_at(&o, c, in.now_s, false, 0, &out), -EINVAL);
	o = in;
	o.isn++;
	assert_int_equal(check_at(&o, c, in.now_s, false, 0, &out), -EINVAL);
	o = in;
	o.isn--;
	assert_int_equal(check_at(&o, c, in.now_s, false, 0, &out), -EINVAL);
	/* swapped ends */
	o = in;
	o.t.laddr = in.t.raddr;
	o.t.raddr = in.t.laddr;
	o.t.lport = in.t.rport;
	o.t.rport = in.t.lport;
	assert_int_equal(check_at(&o, c, in.now_s, false, 0, &out), -EINVAL);
	/* another key */
	k2.k0 ^= 1;
	o = in;
	assert_int_equal(gw_tcp_syncookie_check(&k2, &o, c, 0, &out), -EINVAL);
	/* the MSS, wscale and SACK fields of the ACK's input are ignored */
	o = in;
	o.mss = 9000;
	o.wscale = 3;
	o.has_wscale = true;
	o.sack_ok = true;
	assert_int_equal(gw_tcp_syncookie_check(&key, &o, c, 0, &out), 0);
	assert_int_equal(out.mss, 1460);
}

/* Our TSval: ts_now with the options in its low 5 bits, never ahead. */
static void
test_ts_value(void **state)
{
	static const uint32_t nows[] = { 0, 3, 31, 32, 0x1000,
					 0x7fffffe3, 0xffffffe0, 0xffffffff };
	struct gw_tcp_cookie_in in = syn_in();
	uint32_t tsv, opts;
	size_t i;
	unsigned f;

	(void)state;
	in.has_ts = true;
	for (i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		for (f = 0; f < 64; f++) {
			in.ts_now = nows[i];
			in.has_wscale = f < 30;
			in.wscale = (uint8_t)(f % 15);
			in.sack_ok = f & 1;
			opts = (in.has_wscale ? in.wscale : 15u) |
			       (in.sack_ok ? 16u : 0u);
			(void)gw_tcp_syncookie_make(&key, &in, &tsv);
			assert_int_equal(tsv & 31, opts);
			assert_true(gw_tcp_ts_leq(tsv, in.ts_now));
			assert_true((uint32_t)(in.ts_now - tsv) < 32);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_round_trip_fields),
		cmocka_unit_test(test_wscale_clamped),
		cmocka_unit_test(test_ack_without_ts),
		cmocka_unit_test(test_mss_buckets),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_no_replay_after_field_wrap),
		cmocka_unit_test(test_counter_wrap),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_ts_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
