/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test driver for lib/http: feeds a whole message in pieces of a given
 * size (1 = byte by byte) through gw_http_parse_head() and
 * gw_http_parse_body(), collects the body payload, and records the
 * outcome so that every split and every scanner can be compared with the
 * one-piece parse.
 */
#ifndef TEST_HTTP_FEED_H
#define TEST_HTTP_FEED_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "gw_http.h"

#define FEED_MAX_HDRS 128
#define FEED_MAX_BODY 65536

enum feed_result {
	FEED_DONE = 0,		/* message complete */
	FEED_INCOMPLETE,	/* input ended first */
	FEED_ERROR,		/* -EBADMSG */
};

struct feed {
	struct gw_http_parser p;
	struct gw_http_hdr hdrs[FEED_MAX_HDRS];
	enum feed_result result;
	size_t used;		/* bytes of input belonging to the message */
	size_t body_len;
	uint8_t body[FEED_MAX_BODY];
};

/*
 * Parse input in pieces of step bytes (0 = one piece). eof: the peer
 * closes after the input (completes BODY_EOF messages).
 */
static inline void
feed_run(struct feed *f, const struct gw_http_limits *lim,
	 enum gw_http_type type, enum gw_http_method req_method,
	 const uint8_t *in, size_t len, size_t step, bool eof)
{
	size_t off = 0;
	bool head_done = false;

	gw_http_parser_init(&f->p, lim, type, req_method, f->hdrs,
			    FEED_MAX_HDRS);
	f->body_len = 0;
	f->used = 0;
	f->result = FEED_INCOMPLETE;
	if (step == 0)
		step = len > 0 ? len : 1;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		const uint8_t *piece = in + off;
		size_t k = 0;

		if (!head_done) {
			int rc = gw_http_parse_head(&f->p, piece, n);

			if (rc == -EBADMSG) {
				f->result = FEED_ERROR;
				return;
			}
			if (rc == -EAGAIN) {
				off += n;
				continue;
			}
			head_done = true;
			k = (size_t)rc;
		}
		while (k < n && !gw_http_parser_done(&f->p)) {
			struct gw_http_span d;
			int rc = gw_http_parse_body(&f->p, piece + k, n - k, &d);

			if (rc < 0) {
				f->result = FEED_ERROR;
				return;
			}
			if (d.len > 0 && f->body_len + d.len <= FEED_MAX_BODY)
				memcpy(f->body + f->body_len, piece + k + d.off,
				       d.len);
			f->body_len += d.len;
			k += (size_t)rc;
			if (rc == 0)
				break;
		}
		off += k;
		if (gw_http_parser_done(&f->p))
			break;
		off += n - k;	/* cannot happen: body takes all */
	}
	if (eof && head_done && !gw_http_parser_done(&f->p))
		(void)gw_http_parse_eof(&f->p); /* -EPIPE leaves it undone */
	if (gw_http_parser_done(&f->p)) {
		f->result = FEED_DONE;
		f->used = off;
	}
}

#endif /* TEST_HTTP_FEED_H */
