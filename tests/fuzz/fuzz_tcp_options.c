/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for dataplane/tcp/tcp_options.c. Input: byte 0 bit 0 =
 * SYN flag, the rest = an options area (over 40 bytes must give -EINVAL,
 * then its first 40 bytes are used). Parse; check the invariants the header
 * promises; then format what was parsed (format_syn on a SYN, format
 * otherwise), parse that again and require the same meaningful fields.
 * Any mismatch abort()s. Catches over-reads (ASan: libFuzzer's buffer is
 * exactly the input), wrong lengths, and parse/format disagreements.
 * Corpus: corpus/tcp_options/, dictionary: tcp_options.dict. Ordinary
 * builds replay the corpus through replay_main.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tcp_options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_invariants(const struct gw_tcp_opts *o, bool syn)
{
	if (o->has_wscale && o->wscale > GW_TCP_WSCALE_MAX)
		abort();
	if (o->has_mss && o->mss == 0)
		abort();
	if (o->n_sack > GW_TCP_SACK_MAX_BLOCKS)
		abort();
	if (syn && o->n_sack != 0)
		abort(); /* SACK blocks are not read on a SYN */
	if (!syn && (o->has_mss || o->has_wscale || o->sack_ok))
		abort(); /* SYN-only options are not read without SYN */
}

static void
check_syn_equal(const struct gw_tcp_opts *a, const struct gw_tcp_opts *b)
{
	if (a->has_mss != b->has_mss || (a->has_mss && a->mss != b->mss))
		abort();
	if (a->has_wscale != b->has_wscale ||
	    (a->has_wscale && a->wscale != b->wscale))
		abort();
	if (a->sack_ok != b->sack_ok || a->has_ts != b->has_ts)
		abort();
	if (a->has_ts && (a->ts_val != b->ts_val || a->ts_ecr != b->ts_ecr))
		abort();
	if (b->n_sack != 0)
		abort();
}

static void
check_ack_equal(const struct gw_tcp_opts *a, const struct gw_tcp_opts *b)
{
	unsigned want = a->n_sack, i;

	if (a->has_ts != b->has_ts)
		abort();
	if (a->has_ts && (a->ts_val != b->ts_val || a->ts_ecr != b->ts_ecr))
		abort();
	if (a->has_ts && want > GW_TCP_SACK_MAX_BLOCKS_TS)
		want = GW_TCP_SACK_MAX_BLOCKS_TS; /* format drops the 4th */
	if (b->n_sack != want)
		abort();
	for (i = 0; i < want; i++)
		if (a->sack[i].left != b->sack[i].left ||
		    a->sack[i].right != b->sack[i].right)
			abort();
	if (b->has_mss || b->has_wscale || b->sack_ok)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[GW_TCP_OPTS_MAX_LEN];
	struct gw_tcp_opts a, b;
	size_t len, n;
	bool syn;
	int rc;

	if (size == 0)
		return 0;
	syn = data[0] & 1;
	len = size - 1;
	if (len > GW_TCP_OPTS_MAX_LEN) {
		if (gw_tcp_options_parse(data + 1, len, syn, &a) != -EINVAL)
			abort();
		len = GW_TCP_OPTS_MAX_LEN;
	}
	rc = gw_tcp_options_parse(data + 1, len, syn, &a);
	if (rc == -EBADMSG)
		return 0;
	if (rc != 0)
		abort();
	check_invariants(&a, syn);

	if (syn) {
		n = gw_tcp_options_format_syn(buf, &a);
		if (n > GW_TCP_OPTS_SYN_MAX_LEN || n % 4 != 0)
			abort();
	} else {
		n = gw_tcp_options_format(buf, a.has_ts, a.ts_val, a.ts_ecr,
					  a.sack, a.n_sack);
		if (n > GW_TCP_OPTS_MAX_LEN || n % 4 != 0)
			abort();
	}
	if (gw_tcp_options_parse(buf, n, syn, &b) != 0)
		abort();
	if (syn)
		check_syn_equal(&a, &b);
	else
		check_ack_equal(&a, &b);
	return 0;
}
