/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for lib/trace. Input: a header value a client sent,
 * parsed as traceparent, as a single b3 field, and (split at its first
 * byte's position) as x-b3-traceid and x-b3-spanid. Checks what the
 * header promises: a parsed context has a trace id and a span id that are
 * not zero and a decision of -1, 0 or 1; a failed parse leaves no ids;
 * a parsed traceparent written back with its own parent id as the span
 * is the input's version 00 form (the same ids, lower case) and parses
 * to the same context. Any mismatch abort()s.
 * Corpus: corpus/trace/, dictionary: trace.dict. Ordinary builds replay
 * the corpus through replay_main.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok, const struct gw_trace_ctx *t)
{
	if (t->sampled < -1 || t->sampled > 1)
		abort();
	if (ok && ((t->hi | t->lo) == 0 || t->parent == 0))
		abort();
	if (!ok && (t->hi | t->lo | t->parent) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v = (const char *)data;
	char out[GW_TRACE_W3C_LEN];
	struct gw_trace_ctx t, u;
	size_t cut;
	bool ok;

	ok = gw_trace_w3c_parse(v, size, &t);
	check(ok, &t);
	if (ok) {
		gw_trace_w3c_format(out, &t, t.parent, t.sampled == 1);
		if (!gw_trace_w3c_parse(out, sizeof(out), &u) ||
		    u.hi != t.hi || u.lo != t.lo || u.parent != t.parent ||
		    u.sampled != t.sampled)
			abort();
		/* the ids as they came, in lower case (they must be) */
		if (memcmp(out + 3, v + 3, 50) != 0)
			abort();
	}
	ok = gw_trace_b3_single_parse(v, size, &t);
	check(ok, &t);
	cut = size > 0 ? data[0] % (size + 1) : 0;
	ok = gw_trace_b3_parse(v, cut, v + cut, size - cut, &t);
	check(ok, &t);
	if (ok && t.sampled != -1)
		abort();
	(void)gw_trace_b3_sampled(v, size);
	return 0;
}
