/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of dataplane/tcp/tcp_options.c: exact wire layouts, round trips,
 * every framing error (-EBADMSG) and content error (option ignored), the
 * SYN-only rules, and truncations of valid areas. Inputs are copied into
 * heap buffers of their exact length, so an over-read shows under ASan or
 * valgrind.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp_options.h"

/* Parse a copy of src held in a buffer of exactly len bytes. */
static int
parse_exact(const uint8_t *src, size_t len, bool syn, struct gw_tcp_opts *o)
{
	uint8_t *p = NULL;
	int rc;

	if (len > 0) {
		p = malloc(len);
		assert_non_null(p);
		memcpy(p, src, len);
	}
	rc = gw_tcp_options_parse(p, len, syn, o);
	free(p);
	return rc;
}

#define PARSE(arr, syn, o) parse_exact(arr, sizeof(arr), syn, o)

static bool
opts_empty(const struct gw_tcp_opts *o)
{
	return !o->has_mss && !o->has_wscale && !o->sack_ok && !o->has_ts &&
	       o->n_sack == 0;
}

static uint32_t rng_state = 0x12345678;

static uint32_t
rnd(void)
{
	/* xorshift32: deterministic, good enough for test inputs */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* --- well-formed input ---------------------------------------------------- */

static void
test_empty(void **state)
{
	struct gw_tcp_opts o;

	(void)state;
	memset(&o, 0xff, sizeof(o));
	assert_int_equal(gw_tcp_options_parse(NULL, 0, true, &o), 0);
	assert_true(opts_empty(&o));
	assert_int_equal(o.mss, 0);
}

/* A Linux SYN: MSS 1460, SACKOK, TS, NOP, WS 7. */
static void
test_linux_syn(void **state)
{
	static const uint8_t syn[] = { 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
				       0x08, 0x0a, 0x11, 0x22, 0x33, 0x44,
				       0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
				       0x03, 0x07 };
	struct gw_tcp_opts o;

	(void)state;
	assert_int_equal(PARSE(syn, true, &o), 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 1460);
	assert_true(o.sack_ok);
	assert_true(o.has_ts);
	assert_int_equal(o.ts_val, 0x11223344);
	assert_int_equal(o.ts_ecr, 0);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 7);
	assert_int_equal(o.n_sack, 0);
}

/* format_syn writes exactly Linux's bytes for the same options. */
static void
test_format_syn_bytes(void **state)
{
	static const uint8_t want[] = { 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
					0x08, 0x0a, 0x11, 0x22, 0x33, 0x44,
					0xaa, 0xbb, 0xcc, 0xdd, 0x01, 0x03,
					0x03, 0x07 };
	static const uint8_t no_sack[] = { 0x02, 0x04, 0x23, 0x00, 0x01, 0x01,
					   0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const uint8_t sack_ws[] = { 0x01, 0x01, 0x04, 0x02,
					   0x01, 0x03, 0x03, 0x0e };
	struct gw_tcp_opts o = { .mss = 1460, .has_mss = true, .sack_ok = true,
				 .has_ts = true, .ts_val = 0x11223344,
				 .ts_ecr = 0xaabbccdd, .has_wscale = true,
				 .wscale = 7 };
	uint8_t buf[GW_TCP_OPTS_SYN_MAX_LEN];

	(void)state;
	assert_int_equal(gw_tcp_options_format_syn(buf, &o), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));

	memset(&o, 0, sizeof(o));
	o.has_mss = true;
	o.mss = 8960;
	o.has_ts = true;
	o.ts_val = 1;
	o.ts_ecr = 2;
	assert_int_equal(gw_tcp_options_format_syn(buf, &o), sizeof(no_sack));
	assert_memory_equal(buf, no_sack, sizeof(no_sack));

	memset(&o, 0, sizeof(o));
	o.sack_ok = true;
	o.has_wscale = true;
	o.wscale = 200; /* sent as 14 */
	assert_int_equal(gw_tcp_options_format_syn(buf, &o), sizeof(sack_ws));
	assert_memory_equal(buf, sack_ws, sizeof(sack_ws));

	memset(&o, 0, sizeof(o));
	assert_int_equal(gw_tcp_options_format_syn(buf, &o), 0);
}

/* Every combination of SYN options survives format_syn → parse. */
static void
test_syn_round_trip(void **state)
{
	struct gw_tcp_opts in, out;
	uint8_t buf[GW_TCP_OPTS_SYN_MAX_LEN];
	unsigned m, ws;
	size_t n;

	(void)state;
	for (m = 0; m < 16; m++) {
		for (ws = 0; ws <= GW_TCP_WSCALE_MAX; ws++) {
			memset(&in, 0, sizeof(in));
			in.has_mss = m & 1;
			in.mss = in.has_mss ? (uint16_t)(536 + ws * 1000) : 0;
			in.sack_ok = m & 2;
			in.has_ts = m & 4;
			in.ts_val = in.has_ts ? rnd() : 0;
			in.ts_ecr = in.has_ts ? rnd() : 0;
			in.has_wscale = m & 8;
			in.wscale = in.has_wscale ? (uint8_t)ws : 0;
			n = gw_tcp_options_format_syn(buf, &in);
			assert_true(n <= GW_TCP_OPTS_SYN_MAX_LEN);
			assert_int_equal(n % 4, 0);
			assert_int_equal(parse_exact(buf, n, true, &out), 0);
			assert_int_equal(out.has_mss, in.has_mss);
			assert_int_equal(out.mss, in.mss);
			assert_int_equal(out.sack_ok, in.sack_ok);
			assert_int_equal(out.has_ts, in.has_ts);
			assert_int_equal(out.ts_val, in.ts_val);
			assert_int_equal(out.ts_ecr, in.ts_ecr);
			assert_int_equal(out.has_wscale, in.has_wscale);
			assert_int_equal(out.wscale, in.wscale);
			assert_int_equal(out.n_sack, 0);
		}
	}
}

static void
test_format_bytes(void **state)
{
	static const uint8_t ts_only[] = { 0x01, 0x01, 0x08, 0x0a, 0xde, 0xad,
					   0xbe, 0xef, 0x01, 0x02, 0x03, 0x04 };
	static const uint8_t sack1[] = { 0x01, 0x01, 0x05, 0x0a, 0, 0, 0, 10,
					 0, 0, 0, 20 };
	const struct gw_tcp_sack_block blk[5] = {
		{ 10, 20 }, { 30, 40 }, { 50, 60 }, { 70, 80 }, { 90, 100 }
	};
	uint8_t buf[GW_TCP_OPTS_MAX_LEN];
	size_t n;

	(void)state;
	n = gw_tcp_options_format(buf, true, 0xdeadbeef, 0x01020304, NULL, 0);
	assert_int_equal(n, sizeof(ts_only));
	assert_memory_equal(buf, ts_only, n);

	n = gw_tcp_options_format(buf, false, 0, 0, blk, 1);
	assert_int_equal(n, sizeof(sack1));
	assert_memory_equal(buf, sack1, n);

	n = gw_tcp_options_format(buf, false, 0, 0, NULL, 0);
	assert_int_equal(n, 0);

	/* TS + 3 blocks = 40 bytes; a 4th and 5th block are dropped */
	n = gw_tcp_options_format(buf, true, 1, 2, blk, 5);
	assert_int_equal(n, 40);
	assert_int_equal(buf[12], 0x01);
	assert_int_equal(buf[13], 0x01);
	assert_int_equal(buf[14], 0x05);
	assert_int_equal(buf[15], 2 + 3 * 8);
	/* 4 blocks alone = 36 bytes; the 5th is dropped */
	n = gw_tcp_options_format(buf, false, 0, 0, blk, 5);
	assert_int_equal(n, 36);
	assert_int_equal(buf[3], 2 + 4 * 8);
}

static void
test_round_trip_random(void **state)
{
	struct gw_tcp_sack_block blk[6];
	struct gw_tcp_opts o;
	uint8_t buf[GW_TCP_OPTS_MAX_LEN];
	unsigned i, j, n, want;
	bool ts;
	uint32_t v, e;
	size_t len;

	(void)state;
	for (i = 0; i < 20000; i++) {
		ts = rnd() & 1;
		v = rnd();
		e = rnd();
		n = rnd() % 7;
		for (j = 0; j < n; j++) {
			blk[j].left = rnd();
			blk[j].right = rnd();
		}
		len = gw_tcp_options_format(buf, ts, v, e, blk, n);
		assert_true(len <= GW_TCP_OPTS_MAX_LEN);
		assert_int_equal(len % 4, 0);
		assert_int_equal(parse_exact(buf, len, false, &o), 0);
		assert_int_equal(o.has_ts, ts);
		if (ts) {
			assert_int_equal(o.ts_val, v);
			assert_int_equal(o.ts_ecr, e);
		}
		want = n;
		if (want > (ts ? 3u : 4u))
			want = ts ? 3u : 4u;
		assert_int_equal(o.n_sack, want);
		for (j = 0; j < want; j++) {
			assert_int_equal(o.sack[j].left, blk[j].left);
			assert_int_equal(o.sack[j].right, blk[j].right);
		}
		assert_false(o.has_mss || o.has_wscale || o.sack_ok);
	}
}

static void
test_sack_blocks(void **state)
{
	uint8_t a[GW_TCP_OPTS_MAX_LEN];
	struct gw_tcp_opts o;
	unsigned n, i;

	(void)state;
	for (n = 1; n <= 4; n++) {
		a[0] = GW_TCP_OPT_SACK;
		a[1] = (uint8_t)(2 + 8 * n);
		for (i = 0; i < 8 * n; i++)
			a[2 + i] = (uint8_t)i;
		assert_int_equal(parse_exact(a, 2 + 8 * n, false, &o), 0);
		assert_int_equal(o.n_sack, n);
		assert_int_equal(o.sack[0].left, 0x00010203);
		assert_int_equal(o.sack[0].right, 0x04050607);
		assert_int_equal(o.sack[n - 1].right,
				 0x04050607 + 0x08080808 * (n - 1));
		/* on a SYN, SACK blocks are ignored */
		assert_int_equal(parse_exact(a, 2 + 8 * n, true, &o), 0);
		assert_int_equal(o.n_sack, 0);
	}
}

/* Unknown kinds are skipped by their length (RFC 9293 MUST-6). */
static void
test_unknown_skipped(void **state)
{
	static const uint8_t a[] = {
		30, 4, 0x10, 0x00,                    /* MPTCP */
		34, 10, 1, 2, 3, 4, 5, 6, 7, 8,       /* TFO cookie */
		254, 2,                               /* experimental, empty */
		19, 3, 0xff,                          /* MD5 with a bad length */
		8, 10, 0, 0, 0, 9, 0, 0, 0, 7,        /* TS */
		253, 4, 0x00, 0x00                    /* looks like EOL inside */
	};
	struct gw_tcp_opts o;

	(void)state;
	assert_int_equal(PARSE(a, false, &o), 0);
	assert_true(o.has_ts);
	assert_int_equal(o.ts_val, 9);
	assert_int_equal(o.ts_ecr, 7);
}

/* EOL ends parsing: what follows is never examined, even garbage. */
static void
test_eol(void **state)
{
	static const uint8_t a[] = { 0x02, 0x04, 0x05, 0xb4, 0x00,
				     0x03, 0x00, 0xff };
	static const uint8_t b[] = { 0x00, 0x02, 0x04, 0x05, 0xb4 };
	struct gw_tcp_opts o;

	(void)state;
	assert_int_equal(PARSE(a, true, &o), 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(PARSE(b, true, &o), 0);
	assert_true(opts_empty(&o));
}

static void
test_nops_only(void **state)
{
	uint8_t a[GW_TCP_OPTS_MAX_LEN];
	struct gw_tcp_opts o;
	size_t len;

	(void)state;
	memset(a, GW_TCP_OPT_NOP, sizeof(a));
	for (len = 0; len <= sizeof(a); len++) {
		assert_int_equal(parse_exact(a, len, false, &o), 0);
		assert_true(opts_empty(&o));
	}
}

static void
test_wscale_clamp(void **state)
{
	uint8_t a[] = { 0x03, 0x03, 0 };
	struct gw_tcp_opts o;
	unsigned s;

	(void)state;
	for (s = 0; s < 256; s++) {
		a[2] = (uint8_t)s;
		assert_int_equal(PARSE(a, true, &o), 0);
		assert_true(o.has_wscale);
		assert_int_equal(o.wscale, s > 14 ? 14 : s);
	}
}

/* MSS, WSCALE, SACKOK count only on a SYN. */
static void
test_syn_only(void **state)
{
	static const uint8_t a[] = { 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03,
				     0x07, 0x04, 0x02, 0x01, 0x01, 0x08, 0x0a,
				     0, 0, 0, 1, 0, 0, 0, 2 };
	struct gw_tcp_opts o;

	(void)state;
	assert_int_equal(PARSE(a, false, &o), 0);
	assert_false(o.has_mss);
	assert_false(o.has_wscale);
	assert_false(o.sack_ok);
	assert_true(o.has_ts); /* TS counts on every segment */
	assert_int_equal(PARSE(a, true, &o), 0);
	assert_true(o.has_mss && o.has_wscale && o.sack_ok && o.has_ts);
}

/* The last valid instance of a repeated option wins. */
static void
test_duplicates(void **state)
{
	static const uint8_t a[] = { 0x02, 0x04, 0x05, 0xb4, 0x02, 0x04, 0x02,
				     0x18, 0x02, 0x03, 0x05, /* bad len: skip */
				     0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2,
				     0x08, 0x0a, 0, 0, 0, 3, 0, 0, 0, 4 };
	struct gw_tcp_opts o;

	(void)state;
	assert_int_equal(PARSE(a, true, &o), 0);
	assert_int_equal(o.mss, 536);
	assert_int_equal(o.ts_val, 3);
	assert_int_equal(o.ts_ecr, 4);
}

/* --- content errors: the option is skipped, the segment kept ------------- */

static void
test_bad_fixed_lengths_ignored(void **state)
{
	/* each followed by a valid TS that must still be parsed */
	static const uint8_t cases[][16] = {
		{ 0x02, 0x03, 0x05, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2 },
		{ 0x02, 0x05, 0x05, 0xb4, 0x00, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0,
		  2 },
		{ 0x02, 0x02, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2 },
		{ 0x02, 0x04, 0x00, 0x00, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2 },
		{ 0x03, 0x02, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2 },
		{ 0x03, 0x04, 0x07, 0x00, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2 },
		{ 0x04, 0x03, 0x00, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2 },
		{ 0x04, 0x04, 0x00, 0x00, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2 },
	};
	static const size_t lens[] = { 13, 15, 12, 14, 12, 14, 13, 14 };
	struct gw_tcp_opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_int_equal(parse_exact(cases[i], lens[i], true, &o), 0);
		assert_false(o.has_mss);
		assert_false(o.has_wscale);
		assert_false(o.sack_ok);
		assert_true(o.has_ts);
		assert_int_equal(o.ts_val, 1);
		assert_int_equal(o.ts_ecr, 2);
	}
}

static void
test_bad_ts_length_ignored(void **state)
{
	static const uint8_t short_ts[] = { 0x08, 0x08, 0, 0, 0, 1, 0, 0,
					    0x01, 0x01 };
	static const uint8_t long_ts[] = { 0x08, 0x0c, 0, 0, 0, 1, 0, 0, 0, 2,
					   0, 0 };
	static const uint8_t empty_ts[] = { 0x08, 0x02 };
	struct gw_tcp_opts o;

	(void)state;
	assert_int_equal(PARSE(short_ts, false, &o), 0);
	assert_false(o.has_ts);
	assert_int_equal(PARSE(long_ts, false, &o), 0);
	assert_false(o.has_ts);
	assert_int_equal(PARSE(empty_ts, false, &o), 0);
	assert_false(o.has_ts);
}

static void
test_bad_sack_length_ignored(void **state)
{
	uint8_t a[GW_TCP_OPTS_MAX_LEN];
	struct gw_tcp_opts o;
	unsigned olen;

	(void)state;
	memset(a, 0x5a, sizeof(a));
	a[0] = GW_TCP_OPT_SACK;
	for (olen = 2; olen <= GW_TCP_OPTS_MAX_LEN; olen++) {
		a[1] = (uint8_t)olen;
		assert_int_equal(parse_exact(a, olen, false, &o), 0);
		if (olen >= 10 && (olen - 2) % 8 == 0)
			assert_int_equal(o.n_sack, (olen - 2) / 8);
		else
			assert_int_equal(o.n_sack, 0);
	}
}

/* --- framing errors: -EBADMSG --------------------------------------------- */

static void
test_framing_errors(void **state)
{
	static const struct {
		uint8_t b[GW_TCP_OPTS_MAX_LEN];
		size_t len;
	} cases[] = {
		{ { 0x02 }, 1 },                      /* no length byte */
		{ { 0x01, 0x01, 0x01, 0x08 }, 4 },    /* same, after NOPs */
		{ { 0xfe }, 1 },                      /* unknown, no length */
		{ { 0x02, 0x00, 0x05, 0xb4 }, 4 },    /* length 0 */
		{ { 0x02, 0x01, 0x05, 0xb4 }, 4 },    /* length 1 */
		{ { 0xfe, 0x00 }, 2 },                /* unknown, length 0 */
		{ { 0xfe, 0x01, 0x01, 0x01 }, 4 },    /* unknown, length 1 */
		{ { 0x02, 0x04, 0x05 }, 3 },          /* MSS past the end */
		{ { 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0 }, 9 }, /* TS cut short */
		{ { 0x05, 0x0a, 0, 0, 0, 1 }, 6 },    /* SACK cut short */
		{ { 0xfe, 0xff, 0, 0 }, 4 },          /* length 255 */
		{ { 0x02, 0x04, 0x05, 0xb4, 0x03, 0x00 }, 6 }, /* late length 0 */
		{ { 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2, 0x04 }, 11 },
	};
	struct gw_tcp_opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse_exact(cases[i].b, cases[i].len, true, &o),
				 -EBADMSG);
		assert_int_equal(parse_exact(cases[i].b, cases[i].len, false,
					     &o),
				 -EBADMSG);
	}
}

static void
test_too_long(void **state)
{
	uint8_t a[GW_TCP_OPTS_MAX_LEN + 1];
	struct gw_tcp_opts o;

	(void)state;
	memset(a, GW_TCP_OPT_NOP, sizeof(a));
	assert_int_equal(PARSE(a, false, &o), -EINVAL);
	assert_int_equal(parse_exact(a, GW_TCP_OPTS_MAX_LEN, false, &o), 0);
}

/*
 * Every prefix of a valid area: 0 exactly at option boundaries (where the
 * options seen so far are parsed), -EBADMSG inside an option; never an
 * out-of-bounds read (the buffer is exactly the prefix).
 */
static void
test_truncations(void **state)
{
	static const uint8_t syn[] = { 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
				       0x08, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8,
				       0x01, 0x03, 0x03, 0x07 };
	static const bool syn_ok[] = { 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 1, 1, 0, 0, 1 };
	static const uint8_t ack[] = { 0x01, 0x01, 0x08, 0x0a, 1, 2, 3, 4,
				       5, 6, 7, 8, 0x01, 0x01, 0x05, 0x1a,
				       0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
				       0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6 };
	struct gw_tcp_opts o;
	size_t len;
	int rc;

	(void)state;
	for (len = 0; len <= sizeof(syn); len++) {
		rc = parse_exact(syn, len, true, &o);
		assert_int_equal(rc, syn_ok[len] ? 0 : -EBADMSG);
		if (rc == 0) {
			assert_int_equal(o.has_mss, len >= 4);
			assert_int_equal(o.sack_ok, len >= 6);
			assert_int_equal(o.has_ts, len >= 16);
			assert_int_equal(o.has_wscale, len >= 20);
		}
	}
	for (len = 0; len <= sizeof(ack); len++) {
		rc = parse_exact(ack, len, false, &o);
		if (len <= 2 || len == 12 || len == 13 || len == 14 ||
		    len == sizeof(ack)) {
			assert_int_equal(rc, 0);
			assert_int_equal(o.has_ts, len >= 12);
			assert_int_equal(o.n_sack, len == sizeof(ack) ? 3 : 0);
		} else {
			assert_int_equal(rc, -EBADMSG);
		}
	}
}

/* Structural invariants that hold for any input. */
static void
check_invariants(int rc, const struct gw_tcp_opts *o)
{
	assert_true(rc == 0 || rc == -EBADMSG);
	if (rc != 0)
		return;
	assert_true(o->wscale <= GW_TCP_WSCALE_MAX);
	assert_true(o->n_sack <= GW_TCP_SACK_MAX_BLOCKS);
	assert_true(!o->has_mss || o->mss != 0);
}

/* All 1- and 2-byte areas, then random 0..40-byte areas. */
static void
test_exhaustive_small_and_random(void **state)
{
	uint8_t a[GW_TCP_OPTS_MAX_LEN];
	struct gw_tcp_opts o;
	unsigned i, j, len;
	int rc;

	(void)state;
	for (i = 0; i < 65536; i++) {
		a[0] = (uint8_t)(i >> 8);
		a[1] = (uint8_t)i;
		check_invariants(parse_exact(a, 1, i & 1, &o), &o);
		check_invariants(parse_exact(a, 2, i & 1, &o), &o);
	}
	for (i = 0; i < 200000; i++) {
		len = rnd() % (GW_TCP_OPTS_MAX_LEN + 1);
		for (j = 0; j < len; j++) {
			/* bias towards known kinds and small lengths */
			a[j] = (rnd() & 1) ? (uint8_t)(rnd() % 12) :
					     (uint8_t)rnd();
		}
		rc = gw_tcp_options_parse(a, len, i & 1, &o);
		check_invariants(rc, &o);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_linux_syn),
		cmocka_unit_test(test_format_syn_bytes),
		cmocka_unit_test(test_syn_round_trip),
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_sack_blocks),
		cmocka_unit_test(test_unknown_skipped),
		cmocka_unit_test(test_eol),
		cmocka_unit_test(test_nops_only),
		cmocka_unit_test(test_wscale_clamp),
		cmocka_unit_test(test_syn_only),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_bad_fixed_lengths_ignored),
		cmocka_unit_test(test_bad_ts_length_ignored),
		cmocka_unit_test(test_bad_sack_length_ignored),
		cmocka_unit_test(test_framing_errors),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_exhaustive_small_and_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
