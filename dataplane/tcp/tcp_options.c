/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCP option parsing and writing (see tcp_options.h for the receive rules
 * and the RFC clauses behind them). The parser is a single bounded pass: each
 * step consumes at least one byte and checks a length against what remains
 * before reading it, so no input can make it read out of bounds or loop.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tcp_options.h"

static inline uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint8_t *
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint8_t *
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

/*
 * One option with sound framing: kind, its total length olen (>= 2, fits)
 * and its body v (olen - 2 bytes). Content errors only skip the option.
 */
static void
parse_one(uint8_t kind, const uint8_t *v, size_t olen, bool syn,
	  struct gw_tcp_opts *o)
{
	size_t i, n;
	uint16_t mss;

	switch (kind) {
	case GW_TCP_OPT_MSS:
		if (olen != GW_TCP_OLEN_MSS || !syn)
			return;
		mss = get_be16(v);
		if (mss == 0)
			return; /* meaningless; Linux ignores it too */
		o->mss = mss;
		o->has_mss = true;
		return;
	case GW_TCP_OPT_WSCALE:
		if (olen != GW_TCP_OLEN_WSCALE || !syn)
			return;
		o->wscale = v[0] > GW_TCP_WSCALE_MAX ? GW_TCP_WSCALE_MAX : v[0];
		o->has_wscale = true;
		return;
	case GW_TCP_OPT_SACK_PERM:
		if (olen != GW_TCP_OLEN_SACK_PERM || !syn)
			return;
		o->sack_ok = true;
		return;
	case GW_TCP_OPT_TS:
		if (olen != GW_TCP_OLEN_TS)
			return;
		o->ts_val = get_be32(v);
		o->ts_ecr = get_be32(v + 4);
		o->has_ts = true;
		return;
	case GW_TCP_OPT_SACK:
		if (syn || olen < GW_TCP_OLEN_SACK_BASE + GW_TCP_OLEN_SACK_BLOCK ||
		    (olen - GW_TCP_OLEN_SACK_BASE) % GW_TCP_OLEN_SACK_BLOCK != 0)
			return;
		n = (olen - GW_TCP_OLEN_SACK_BASE) / GW_TCP_OLEN_SACK_BLOCK;
		if (n > GW_TCP_SACK_MAX_BLOCKS)
			return; /* cannot fit in 40 bytes; kept for safety */
		for (i = 0; i < n; i++) {
			o->sack[i].left = get_be32(v + 8 * i);
			o->sack[i].right = get_be32(v + 8 * i + 4);
		}
		o->n_sack = (uint8_t)n;
		return;
	default:
		return; /* unknown: skipped (RFC 9293 MUST-6) */
	}
}

int
gw_tcp_options_parse(const uint8_t *p, size_t len, bool syn,
		     struct gw_tcp_opts *o)
{
	size_t off = 0, olen;
	uint8_t kind;

	memset(o, 0, sizeof(*o));
	if (len > GW_TCP_OPTS_MAX_LEN)
		return -EINVAL;
	while (off < len) {
		kind = p[off];
		if (kind == GW_TCP_OPT_EOL)
			break;
		if (kind == GW_TCP_OPT_NOP) {
			off++;
			continue;
		}
		if (len - off < 2)
			return -EBADMSG; /* no room for the length byte */
		olen = p[off + 1];
		if (olen < 2 || olen > len - off)
			return -EBADMSG;
		parse_one(kind, p + off + 2, olen, syn, o);
		off += olen;
	}
	return 0;
}

size_t
gw_tcp_options_format_syn(uint8_t *buf, const struct gw_tcp_opts *o)
{
	uint8_t *q = buf;

	if (o->has_mss) {
		*q++ = GW_TCP_OPT_MSS;
		*q++ = GW_TCP_OLEN_MSS;
		q = put_be16(q, o->mss);
	}
	if (o->has_ts) {
		/* SACKOK takes the place of the two NOPs that align TS */
		if (o->sack_ok) {
			*q++ = GW_TCP_OPT_SACK_PERM;
			*q++ = GW_TCP_OLEN_SACK_PERM;
		} else {
			*q++ = GW_TCP_OPT_NOP;
			*q++ = GW_TCP_OPT_NOP;
		}
		*q++ = GW_TCP_OPT_TS;
		*q++ = GW_TCP_OLEN_TS;
		q = put_be32(q, o->ts_val);
		q = put_be32(q, o->ts_ecr);
	} else if (o->sack_ok) {
		*q++ = GW_TCP_OPT_NOP;
		*q++ = GW_TCP_OPT_NOP;
		*q++ = GW_TCP_OPT_SACK_PERM;
		*q++ = GW_TCP_OLEN_SACK_PERM;
	}
	if (o->has_wscale) {
		*q++ = GW_TCP_OPT_NOP;
		*q++ = GW_TCP_OPT_WSCALE;
		*q++ = GW_TCP_OLEN_WSCALE;
		*q++ = o->wscale > GW_TCP_WSCALE_MAX ? GW_TCP_WSCALE_MAX :
						       o->wscale;
	}
	return (size_t)(q - buf);
}

size_t
gw_tcp_options_format(uint8_t *buf, bool ts, uint32_t ts_val, uint32_t ts_ecr,
		      const struct gw_tcp_sack_block *sack, unsigned n_sack)
{
	unsigned max = ts ? GW_TCP_SACK_MAX_BLOCKS_TS : GW_TCP_SACK_MAX_BLOCKS;
	uint8_t *q = buf;
	unsigned i;

	if (ts) {
		*q++ = GW_TCP_OPT_NOP;
		*q++ = GW_TCP_OPT_NOP;
		*q++ = GW_TCP_OPT_TS;
		*q++ = GW_TCP_OLEN_TS;
		q = put_be32(q, ts_val);
		q = put_be32(q, ts_ecr);
	}
	if (n_sack > max)
		n_sack = max;
	if (n_sack > 0) {
		*q++ = GW_TCP_OPT_NOP;
		*q++ = GW_TCP_OPT_NOP;
		*q++ = GW_TCP_OPT_SACK;
		*q++ = (uint8_t)(GW_TCP_OLEN_SACK_BASE +
				 GW_TCP_OLEN_SACK_BLOCK * n_sack);
		for (i = 0; i < n_sack; i++) {
			q = put_be32(q, sack[i].left);
			q = put_be32(q, sack[i].right);
		}
	}
	return (size_t)(q - buf);
}
