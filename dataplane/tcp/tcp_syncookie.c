/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SYN cookies (see tcp_syncookie.h for the layout and its rationale).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "gw_hash.h"
#include "tcp_options.h"
#include "tcp_seq.h"
#include "tcp_syncookie.h"

#define COUNT_MASK ((1u << GW_TCP_COOKIE_COUNT_BITS) - 1)
#define MSS_MASK ((1u << GW_TCP_COOKIE_MSS_BITS) - 1)
#define TS_MASK ((1u << GW_TCP_COOKIE_TS_BITS) - 1)
#define TS_WSCALE_MASK 0xfu
#define TS_SACK_OK 0x10u

_Static_assert(GW_TCP_COOKIE_MAC_BITS + GW_TCP_COOKIE_COUNT_BITS +
			       GW_TCP_COOKIE_MSS_BITS == 32,
	       "cookie fields fill 32 bits");
_Static_assert(GW_TCP_COOKIE_MAX_AGE <= (1 << GW_TCP_COOKIE_COUNT_BITS),
	       "counter field must tell accepted ages apart");

const uint16_t gw_tcp_syncookie_mss[GW_TCP_COOKIE_N_MSS] = {
	536, 1300, 1380, 1410, 1440, 1452, 1460, 8960,
};

static inline uint8_t *
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static inline uint32_t
period(uint64_t now_s)
{
	return (uint32_t)(now_s / GW_TCP_COOKIE_PERIOD_S);
}

/* 24-bit MAC over everything the cookie vouches for. */
static uint32_t
cookie_mac(const struct gw_hash_key *k, const struct gw_tcp_cookie_tuple *t,
	   uint32_t count, uint32_t isn, unsigned mss_idx)
{
	uint8_t b[4 + 2 + 4 + 2 + 4 + 4 + 1], *q = b;

	q = put_be32(q, t->laddr);
	*q++ = (uint8_t)(t->lport >> 8);
	*q++ = (uint8_t)t->lport;
	q = put_be32(q, t->raddr);
	*q++ = (uint8_t)(t->rport >> 8);
	*q++ = (uint8_t)t->rport;
	q = put_be32(q, count);
	q = put_be32(q, isn);
	*q = (uint8_t)mss_idx;
	return (uint32_t)(gw_hash_siphash24(k, b, sizeof(b)) >>
			  (64 - GW_TCP_COOKIE_MAC_BITS));
}

/* Largest table entry <= mss; entry 0 for anything below it (as Linux). */
static unsigned
mss_index(uint16_t mss)
{
	unsigned i;

	if (mss == 0)
		return 0; /* no option: the 536 default */
	for (i = GW_TCP_COOKIE_N_MSS - 1; i > 0; i--)
		if (mss >= gw_tcp_syncookie_mss[i])
			break;
	return i;
}

uint32_t
gw_tcp_syncookie_make(const struct gw_hash_key *k,
		      const struct gw_tcp_cookie_in *in, uint32_t *ts_val_out)
{
	uint32_t count = period(in->now_s);
	unsigned mi = mss_index(in->mss);
	uint32_t opts, ts;

	if (in->has_ts) {
		opts = in->has_wscale ?
			       (in->wscale > GW_TCP_WSCALE_MAX ?
					 GW_TCP_WSCALE_MAX : in->wscale) :
			       GW_TCP_COOKIE_WSCALE_NONE;
		if (in->sack_ok)
			opts |= TS_SACK_OK;
		ts = (in->ts_now & ~TS_MASK) | opts;
		if (gw_tcp_ts_gt(ts, in->ts_now))
			ts -= TS_MASK + 1;
		*ts_val_out = ts;
	}
	return cookie_mac(k, &in->t, count, in->isn, mi)
		       << (32 - GW_TCP_COOKIE_MAC_BITS) |
	       (count & COUNT_MASK) << GW_TCP_COOKIE_MSS_BITS | mi;
}

int
gw_tcp_syncookie_check(const struct gw_hash_key *k,
		       const struct gw_tcp_cookie_in *in, uint32_t cookie,
		       uint32_t ts_ecr, struct gw_tcp_cookie_out *out)
{
	uint32_t now = period(in->now_s);
	uint32_t age, count, opts;
	unsigned mi = cookie & MSS_MASK;

	/* periods since the cookie was made, from the counter's low bits;
	 * a cookie "from the future" (clock stepped back) wraps to a large
	 * age and is refused */
	age = (now - (cookie >> GW_TCP_COOKIE_MSS_BITS)) & COUNT_MASK;
	if (age >= GW_TCP_COOKIE_MAX_AGE)
		return -EINVAL;
	count = now - age;
	if (cookie_mac(k, &in->t, count, in->isn, mi) !=
	    cookie >> (32 - GW_TCP_COOKIE_MAC_BITS))
		return -EINVAL;

	out->mss = gw_tcp_syncookie_mss[mi];
	out->has_ts = in->has_ts;
	out->has_wscale = false;
	out->wscale = 0;
	out->sack_ok = false;
	if (in->has_ts) {
		opts = ts_ecr & TS_MASK;
		out->sack_ok = (opts & TS_SACK_OK) != 0;
		if ((opts & TS_WSCALE_MASK) != GW_TCP_COOKIE_WSCALE_NONE) {
			out->has_wscale = true;
			out->wscale = (uint8_t)(opts & TS_WSCALE_MASK);
		}
	}
	return 0;
}
