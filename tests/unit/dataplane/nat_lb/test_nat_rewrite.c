/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the full NAT's header edits (dataplane/nat_lb/
 * nat_rewrite.h), no EAL: on random TCP and UDP packets (random
 * addresses, ports, payload lengths and bytes, IP options, UDP packets
 * without a checksum), gw_nat_rewrite() must leave exactly the checksums
 * a full recompute gives (IP header and TCP/UDP over the pseudo-header)
 * and the fields it was asked for; gw_nat_mss_clamp() must lower only a
 * larger MSS option, anywhere among other options, keep the checksum
 * right, and leave malformed options alone. The checksum of record is
 * computed here from scratch, independently of DPDK's helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>

#include <cmocka.h>

#include "nat_rewrite.h"

#define ROUNDS 20000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* RFC 1071 over bytes, as they are in memory (big-endian words). */
static uint32_t
sum_bytes(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The header checksum a full computation gives (host order). */
static uint16_t
ip_csum(const uint8_t *ip, size_t ihl)
{
	uint8_t h[60];

	memcpy(h, ip, ihl);
	h[10] = h[11] = 0;
	return (uint16_t)~fold(sum_bytes(h, ihl, 0));
}

/* TCP or UDP checksum over the pseudo-header and the segment, the
 * checksum field taken as 0 (host order; a UDP 0 is sent as 0xffff). */
static uint16_t
l4_csum(const uint8_t *ip, size_t ihl, const uint8_t *l4, size_t len)
{
	uint8_t *seg = malloc(len ? len : 1);
	uint32_t s = 0;
	uint16_t c;
	size_t ck = ip[9] == IPPROTO_TCP ? 16 : 6;

	memcpy(seg, l4, len);
	seg[ck] = seg[ck + 1] = 0;
	s = sum_bytes(ip + 12, 8, s);		/* source, destination */
	s += ip[9];				/* zero, protocol */
	s += (uint32_t)len;
	s = sum_bytes(seg, len, s);
	free(seg);
	(void)ihl;
	c = (uint16_t)~fold(s);
	if (ip[9] == IPPROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A random, valid IPv4 packet of proto in buf (aligned); sets *ihl and
 * *len (the L4 length). */
static void
make_packet(uint8_t *buf, uint8_t proto, size_t *ihl, size_t *len,
	    bool udp_no_csum)
{
	size_t i, opt = (rnd() % 4 == 0) ? 4 * (1 + rnd() % 10) : 0;
	size_t hl = proto == IPPROTO_TCP ? 20 + 4 * (rnd() % 11) : 8;
	size_t pay = rnd() % 3 == 0 ? 0 : rnd() % 1500;

	*ihl = 20 + opt;
	*len = hl + pay;
	for (i = 0; i < *ihl + *len; i++)
		buf[i] = (uint8_t)rnd();
	buf[0] = (uint8_t)(0x40 | (*ihl / 4));
	wr16(buf + 2, (uint16_t)(*ihl + *len));
	buf[8] = (uint8_t)(2 + rnd() % 254);	/* TTL > 1 */
	buf[9] = proto;
	wr16(buf + 10, ip_csum(buf, *ihl));
	if (proto == IPPROTO_TCP)
		buf[*ihl + 12] = (uint8_t)((hl / 4) << 4 | (buf[*ihl + 12] & 15));
	else
		wr16(buf + *ihl + 4, (uint16_t)*len);
	if (udp_no_csum)
		wr16(buf + *ihl + 6, 0);
	else
		wr16(buf + *ihl + (proto == IPPROTO_TCP ? 16 : 6),
		     l4_csum(buf, *ihl, buf + *ihl, *len));
}

static void
check_rewrite(uint8_t proto, bool udp_no_csum)
{
	static uint8_t buf[2048] __attribute__((aligned(8)));
	size_t ihl, len, r;

	for (r = 0; r < ROUNDS; r++) {
		uint32_t src = rnd(), dst = rnd();
		uint16_t sp = (uint16_t)rnd(), dp = (uint16_t)rnd();
		uint8_t ttl;
		uint16_t ck, want;

		make_packet(buf, proto, &ihl, &len, udp_no_csum);
		ttl = buf[8];
		gw_nat_rewrite((struct rte_ipv4_hdr *)buf, buf + ihl, src, dst,
			       sp, dp);
		assert_memory_equal(buf + 12, &src, 4);
		assert_memory_equal(buf + 16, &dst, 4);
		assert_memory_equal(buf + ihl, &sp, 2);
		assert_memory_equal(buf + ihl + 2, &dp, 2);
		assert_int_equal(buf[8], ttl - 1);
		assert_int_equal(rd16(buf + 10), ip_csum(buf, ihl));
		ck = rd16(buf + ihl + (proto == IPPROTO_TCP ? 16 : 6));
		if (udp_no_csum) {
			assert_int_equal(ck, 0);	/* none stays none */
			continue;
		}
		want = l4_csum(buf, ihl, buf + ihl, len);
		/* 0x0000 and 0xffff are both zero: a receiver takes either */
		if (proto == IPPROTO_TCP && (ck ^ want) == 0xffff &&
		    (ck == 0 || ck == 0xffff))
			continue;
		assert_int_equal(ck, want);
	}
}

static void
test_rewrite_tcp(void **state)
{
	(void)state;
	check_rewrite(IPPROTO_TCP, false);
}

static void
test_rewrite_udp(void **state)
{
	(void)state;
	check_rewrite(IPPROTO_UDP, false);
	check_rewrite(IPPROTO_UDP, true);
}

/* Applying a rewrite and its inverse gives back the packet. */
static void
test_rewrite_round_trip(void **state)
{
	static uint8_t buf[2048] __attribute__((aligned(8)));
	static uint8_t orig[2048];
	size_t ihl, len, r;

	(void)state;
	for (r = 0; r < 2000; r++) {
		uint32_t s0, d0;
		uint16_t sp0, dp0;

		make_packet(buf, r & 1 ? IPPROTO_TCP : IPPROTO_UDP, &ihl, &len,
			    false);
		memcpy(orig, buf, ihl + len);
		memcpy(&s0, buf + 12, 4);
		memcpy(&d0, buf + 16, 4);
		memcpy(&sp0, buf + ihl, 2);
		memcpy(&dp0, buf + ihl + 2, 2);
		gw_nat_rewrite((struct rte_ipv4_hdr *)buf, buf + ihl, rnd(),
			       rnd(), (uint16_t)rnd(), (uint16_t)rnd());
		gw_nat_rewrite((struct rte_ipv4_hdr *)buf, buf + ihl, s0, d0,
			       sp0, dp0);
		buf[8] += 2;	/* the TTL went down twice */
		wr16(buf + 10, ip_csum(buf, ihl));
		/* the L4 checksum may come back as the other zero */
		if (memcmp(buf, orig, ihl + len) != 0) {
			size_t ck = ihl + (buf[9] == IPPROTO_TCP ? 16 : 6);

			assert_true(rd16(buf + ck) == 0xffff ||
				    rd16(buf + ck) == 0);
			wr16(buf + ck, rd16(orig + ck));
			assert_memory_equal(buf, orig, ihl + len);
		}
	}
}

/* A TCP SYN with options: NOPs, window scale, SACK permitted,
 * timestamps, and an MSS somewhere among them. */
static size_t
make_syn(uint8_t *th, uint16_t mss, unsigned mss_at_nops, bool with_mss)
{
	size_t o = 20, i;

	memset(th, 0, 60);
	for (i = 0; i < mss_at_nops; i++)
		th[o++] = 1;
	if (with_mss) {
		th[o++] = 2;
		th[o++] = 4;
		wr16(th + o, mss);
		o += 2;
	}
	th[o++] = 3;	/* window scale */
	th[o++] = 3;
	th[o++] = 7;
	th[o++] = 4;	/* SACK permitted */
	th[o++] = 2;
	th[o++] = 8;	/* timestamps */
	th[o++] = 10;
	for (i = 0; i < 8; i++)
		th[o++] = (uint8_t)rnd();
	while (o % 4)
		th[o++] = 0;
	th[12] = (uint8_t)((o / 4) << 4);
	th[13] = 0x02;	/* SYN */
	return o;
}

static void
test_mss_clamp(void **state)
{
	static uint8_t pkt[80] __attribute__((aligned(8)));
	uint8_t *ip = pkt, *th = pkt + 20;
	unsigned nops;
	size_t len;

	(void)state;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[9] = IPPROTO_TCP;
	for (nops = 0; nops < 4; nops++) {
		uint16_t mss;

		for (mss = 500; mss < 1600; mss += 97) {
			bool lower = mss > 1000;

			len = make_syn(th, mss, nops, true);
			memcpy(ip + 12, "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
			wr16(th + 16, l4_csum(ip, 20, th, len));
			assert_int_equal(gw_nat_mss_clamp(
				(struct rte_tcp_hdr *)th, (uint32_t)len, 1000),
				lower);
			assert_int_equal(rd16(th + 20 + nops + 2),
					 lower ? 1000 : mss);
			assert_int_equal(rd16(th + 16),
					 l4_csum(ip, 20, th, len));
		}
	}
	/* no MSS option: nothing changes */
	len = make_syn(th, 0, 1, false);
	assert_false(gw_nat_mss_clamp((struct rte_tcp_hdr *)th, (uint32_t)len,
				      1000));
	/* malformed: an option length of 0, one past the header */
	len = make_syn(th, 1460, 0, true);
	th[20 + 4 + 1] = 0;	/* the window scale's length */
	th[20] = 3;		/* MSS's kind made window scale's */
	th[21] = 3;
	assert_false(gw_nat_mss_clamp((struct rte_tcp_hdr *)th, (uint32_t)len,
				      1000));
	len = make_syn(th, 1460, 0, true);
	th[21] = 40;		/* the MSS option runs past the header */
	assert_false(gw_nat_mss_clamp((struct rte_tcp_hdr *)th, (uint32_t)len,
				      1000));
	/* a data offset beyond what is there */
	len = make_syn(th, 1460, 0, true);
	assert_false(gw_nat_mss_clamp((struct rte_tcp_hdr *)th, 20, 1000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_tcp),
		cmocka_unit_test(test_rewrite_udp),
		cmocka_unit_test(test_rewrite_round_trip),
		cmocka_unit_test(test_mss_clamp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
