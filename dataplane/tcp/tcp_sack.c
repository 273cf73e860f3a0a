/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcp_sack — selective acknowledgements (RFC 2018) both ways: the blocks
 * we send come from the out-of-order ranges we hold; the blocks we get
 * build a small scoreboard that loss recovery (RFC 6675, in tcp_input.c
 * and tcp_output.c) uses to resend holes instead of everything. The
 * scoreboard keeps the TCP_SACK_SB ranges nearest snd_una. Worker thread.
 */
#include <string.h>

#include "tcp_priv.h"

void
tcp_sack_clear(struct gw_tcp_conn *c)
{
	c->sb_n = 0;
	c->sacked = 0;
}

static void
recount(struct gw_tcp_conn *c)
{
	unsigned i;

	c->sacked = 0;
	for (i = 0; i < c->sb_n; i++)
		c->sacked += c->sb[i].right - c->sb[i].left;
}

void
tcp_sack_prune(struct gw_tcp_conn *c)
{
	unsigned i, k = 0;

	for (i = 0; i < c->sb_n; i++) {
		struct gw_tcp_sack_block b = c->sb[i];

		if (gw_tcp_seq_leq(b.right, c->snd_una))
			continue;
		if (gw_tcp_seq_lt(b.left, c->snd_una))
			b.left = c->snd_una;
		c->sb[k++] = b;
	}
	c->sb_n = (uint8_t)k;
	recount(c);
}

/* Insert one block, keeping sb[] sorted and disjoint. */
static void
sb_insert(struct gw_tcp_conn *c, struct gw_tcp_sack_block b)
{
	struct gw_tcp_sack_block tmp[TCP_SACK_SB + 1];
	unsigned i, n = 0;
	bool placed = false;

	for (i = 0; i < c->sb_n; i++) {
		struct gw_tcp_sack_block s = c->sb[i];

		if (gw_tcp_seq_lt(s.right, b.left)) {
			tmp[n++] = s; /* entirely before */
		} else if (gw_tcp_seq_lt(b.right, s.left)) {
			if (!placed) {
				tmp[n++] = b;
				placed = true;
			}
			tmp[n++] = s; /* entirely after */
		} else { /* touching or overlapping: merge into b */
			b.left = gw_tcp_seq_min(b.left, s.left);
			b.right = gw_tcp_seq_max(b.right, s.right);
		}
	}
	if (!placed)
		tmp[n++] = b;
	/* keep the ranges nearest snd_una: they matter for recovery */
	c->sb_n = (uint8_t)RTE_MIN(n, (unsigned)TCP_SACK_SB);
	memcpy(c->sb, tmp, sizeof(c->sb[0]) * c->sb_n);
}

void
tcp_sack_update(struct gw_tcp_conn *c, const struct gw_tcp_opts *o)
{
	unsigned i;

	for (i = 0; i < o->n_sack; i++) {
		struct gw_tcp_sack_block b = o->sack[i];

		/* RFC 2018 §4: blocks must lie within what we sent */
		if (!gw_tcp_seq_lt(b.left, b.right) ||
		    gw_tcp_seq_leq(b.right, c->snd_una) ||
		    gw_tcp_seq_gt(b.right, c->snd_max))
			continue;
		if (gw_tcp_seq_lt(b.left, c->snd_una))
			b.left = c->snd_una;
		sb_insert(c, b);
	}
	recount(c);
}

bool
tcp_sack_next_hole(const struct gw_tcp_conn *c, uint32_t from,
		   uint32_t max_len, uint32_t *start, uint32_t *len)
{
	unsigned i;

	if (c->sb_n == 0)
		return false;
	if (gw_tcp_seq_lt(from, c->snd_una))
		from = c->snd_una;
	for (i = 0; i < c->sb_n; i++) {
		if (gw_tcp_seq_geq(from, c->sb[i].right))
			continue; /* this block is behind us */
		if (gw_tcp_seq_geq(from, c->sb[i].left)) {
			from = c->sb[i].right; /* inside a block: skip it */
			continue;
		}
		*start = from;
		*len = RTE_MIN(c->sb[i].left - from, max_len);
		return true;
	}
	return false; /* nothing SACKed above: no known hole */
}

unsigned
tcp_sack_blocks(const struct gw_tcp_conn *c, struct gw_tcp_sack_block *out,
		unsigned max)
{
	unsigned n = 0, i;

	if (c->ooo_n == 0 || max == 0)
		return 0;
	/* RFC 2018 §4: the block with the most recent segment first */
	out[n].left = c->ooo[c->ooo_last].seq;
	out[n].right = c->ooo[c->ooo_last].seq + c->ooo[c->ooo_last].len;
	n++;
	for (i = 0; i < c->ooo_n && n < max; i++) {
		if (i == c->ooo_last)
			continue;
		out[n].left = c->ooo[i].seq;
		out[n].right = c->ooo[i].seq + c->ooo[i].len;
		n++;
	}
	return n;
}
