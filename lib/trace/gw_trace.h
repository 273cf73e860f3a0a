/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/trace — trace context as HTTP carries it: W3C Trace Context's
 * traceparent ("00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>")
 * and B3 (x-b3-traceid / x-b3-spanid / x-b3-sampled, or one b3 field:
 * "<trace id>-<span id>[-<sampled>[-<parent id>]]" or a lone decision).
 * Parsing is strict: ids of the exact lengths, hex digits only (lower
 * case in traceparent, as W3C's grammar has it), never all zero; anything
 * else is no context. Pure C11, no allocation; what a
 * worker calls per request.
 */
#ifndef GW_TRACE_H
#define GW_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of a traceparent this module writes. */
#define GW_TRACE_W3C_LEN 55

struct gw_trace_ctx {
	uint64_t hi;		/* trace id: 128 bits; hi 0 for a 64-bit B3 id */
	uint64_t lo;
	uint64_t parent;	/* the caller's span id (never 0 when parsed) */
	int sampled;		/* 1, 0, or -1 when the caller did not decide */
};

/** A traceparent value. Version 00 must be exactly 55 bytes; a later
 * version (not ff) is read the same way when it is at least as long and
 * what follows starts with '-' (as W3C asks). @return true with *t set. */
bool gw_trace_w3c_parse(const char *v, size_t len, struct gw_trace_ctx *t);

/** B3 as separate fields: x-b3-traceid (16 or 32 hex), x-b3-spanid (16
 * hex); sampling stays -1 (see gw_trace_b3_sampled()). */
bool gw_trace_b3_parse(const char *trace_id, size_t tl, const char *span_id,
		       size_t sl, struct gw_trace_ctx *t);

/** An x-b3-sampled value (or a b3 field's decision): "1", "d" (debug)
 * and "true" are 1, "0" and "false" 0, anything else -1. */
int gw_trace_b3_sampled(const char *v, size_t len);

/** A single b3 field. A lone decision ("0", "1", "d") sets t->sampled and
 * returns false (no context); so does a malformed field (t->sampled -1).
 * @return true when it carries a trace and span id. */
bool gw_trace_b3_single_parse(const char *v, size_t len,
			      struct gw_trace_ctx *t);

/** v as `digits` lower-case hex digits at d (no NUL). */
static inline void
gw_trace_hex(char *d, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";

	while (digits-- > 0) {
		d[digits] = hex[v & 0xf];
		v >>= 4;
	}
}

/** traceparent for trace t with this hop's span id: GW_TRACE_W3C_LEN
 * bytes at out (no NUL). */
void gw_trace_w3c_format(char *out, const struct gw_trace_ctx *t,
			 uint64_t span, bool sampled);

#endif /* GW_TRACE_H */
