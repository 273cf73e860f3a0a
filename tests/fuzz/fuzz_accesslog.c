/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for lib/accesslog. Input: an access log format string
 * (an operator's meshConfig-style accessLogFormat), then after a NUL byte,
 * bytes spread over a record's strings. Compile the format; on success
 * render a record with those strings, in it and as JSON, into buffers of
 * several sizes, and check that every render is NUL-terminated at the
 * length it returns, never longer than the buffer, and that a shorter
 * buffer gets a prefix of the longer render (text formats). On failure
 * the error must name the place. Any mismatch abort()s.
 * Corpus: corpus/accesslog/, dictionary: accesslog.dict. Ordinary builds
 * replay the corpus through replay_main.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_accesslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FMT_MAX 4096
#define OUT_MAX 65536

static char out[OUT_MAX], out2[OUT_MAX];

static void
check_render(const struct gw_alog_format *f, const struct gw_alog_rec *r)
{
	static const struct gw_alog_clock ck = { 2000000000ull, 0, 0 };
	static const size_t caps[] = { 1, 2, 17, 300, OUT_MAX };
	size_t full, n, i;

	full = gw_alog_render(f, r, &ck, out, sizeof(out));
	if (full >= sizeof(out) || strlen(out) != full)
		abort();
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		n = gw_alog_render(f, r, &ck, out2, caps[i]);
		if (n >= caps[i] || strlen(out2) != n)
			abort();
		/* text: a cut render is the full one's prefix (JSON ends its
		 * line with a newline instead) */
		if (f != NULL && memcmp(out, out2, n) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char fmt[FMT_MAX + 1], err[256];
	struct gw_alog_format *f = NULL;
	struct gw_alog_rec r;
	const uint8_t *nul = memchr(data, 0, size);
	size_t fl = nul != NULL ? (size_t)(nul - data) : size, rest, i;
	int rc;

	if (fl > FMT_MAX)
		return 0;
	memcpy(fmt, data, fl);
	fmt[fl] = '\0';

	memset(&r, 0, sizeof(r));
	gw_alog_rec_clear_str(&r);
	rest = nul != NULL ? size - fl - 1 : 0;
	for (i = 0; i < GW_ALOG_S_MAX && rest > 0; i++) {
		size_t k = rest / (GW_ALOG_S_MAX - i) + 1;

		if (k > rest)
			k = rest;
		gw_alog_rec_set(&r, (enum gw_alog_str)i,
				(const char *)nul + 1 + (size - fl - 1 - rest),
				k);
		rest -= k;
	}
	if (r.str_used > GW_ALOG_STR_CAP)
		abort();
	r.flags = (uint32_t)size * 2654435761u;
	r.status = (uint16_t)size;
	r.proto = (uint8_t)(size % 4);
	r.details = (uint8_t)(size % (GW_ALOG_D_MAX + 2));
	r.trace = (uint8_t)(size % 3);
	r.start_tsc = (uint64_t)size << 40;
	r.duration_tsc = (uint64_t)size * 1000003;
	r.upstream_tsc = size % 2 ? 0 : size;
	r.up_ip = (uint32_t)size;

	rc = gw_alog_format_compile(fmt, &f, err, sizeof(err));
	if (rc == 0) {
		if (f == NULL)
			abort();
		check_render(f, &r);
		gw_alog_format_free(f);
	} else {
		if (rc != -EINVAL || f != NULL ||
		    strncmp(err, "access log format, at ", 22) != 0)
			abort();
	}
	check_render(NULL, &r);
	return 0;
}
