/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for lib/http: requests, responses and chunked bodies.
 *
 * Input byte 0 chooses what the rest is: bits 0-1 = 0 a request, 1 a
 * response, 2 a chunked request body, 3 a chunked response body (the
 * harness puts a fixed head in front of the last two); bits 2-4 = the
 * method of the request a response answers; bits 5-7 = the piece size
 * for the second parse (1, 2, 3, 5, 8, 16, 64, 251 bytes).
 *
 * The message is parsed whole with the scalar scanner, then in pieces
 * with a vector scanner (SSE2 or AVX2, by the input's length parity);
 * both parses must agree on everything (result,
 * error and its offset, head, body bytes). An accepted head must satisfy
 * the header's promises (offsets inside the head, names are tokens,
 * values hold no CR, LF or NUL, framing consistent) and must survive a
 * rewrite: the rewritten head parses again with the same framing.
 * Any violation abort()s. Corpus: corpus/http/, dictionary: http.dict.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_http.h"
#include "feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 65536

static const size_t piece[] = { 1, 2, 3, 5, 8, 16, 64, 251 };
static const char chunked_req[] = "POST / HTTP/1.1\r\nHost: a\r\n"
				  "Transfer-Encoding: chunked\r\n\r\n";
static const char chunked_resp[] = "HTTP/1.1 200 OK\r\n"
				   "Transfer-Encoding: chunked\r\n\r\n";

static struct feed whole, split, again;
static uint8_t msg[MAX_INPUT + 128];

static void
check_head(const struct feed *f, const uint8_t *in, size_t len)
{
	const struct gw_http_msg *m = &f->p.msg;
	int i;

	if (m->head_len > len || m->nhdrs > FEED_MAX_HDRS)
		abort();
	if (m->host_idx >= (int)m->nhdrs ||
	    (m->host_idx >= 0 && m->hdrs[m->host_idx].id != GW_HTTP_H_HOST))
		abort();
	if (m->body == GW_HTTP_BODY_LENGTH && m->content_length == 0)
		abort();
	if ((m->flags & GW_HTTP_F_KEEP_ALIVE) &&
	    (m->body == GW_HTTP_BODY_EOF || m->body == GW_HTTP_BODY_TUNNEL))
		abort();
	for (i = 0; i < m->nhdrs; i++) {
		const struct gw_http_hdr *h = &m->hdrs[i];
		uint32_t k;

		if (h->name_len == 0 || h->name_off + h->name_len >= h->line_end ||
		    h->value_off + h->value_len > h->line_end - 2 ||
		    h->line_end > m->head_len ||
		    in[h->name_off + h->name_len] != ':' ||
		    in[h->line_end - 2] != '\r' || in[h->line_end - 1] != '\n')
			abort();
		for (k = 0; k < h->value_len; k++) {
			uint8_t c = in[h->value_off + k];

			if (c == '\r' || c == '\n' || c == 0)
				abort();
		}
		if (h->value_len > 0 &&
		    (in[h->value_off] == ' ' || in[h->value_off] == '\t' ||
		     in[h->value_off + h->value_len - 1] == ' ' ||
		     in[h->value_off + h->value_len - 1] == '\t'))
			abort();
	}
	if (f->p.type == GW_HTTP_REQUEST &&
	    m->target_off + m->target_len > m->head_len)
		abort();
}

static void
same(const struct feed *a, const struct feed *b)
{
	const struct gw_http_msg *x = &a->p.msg, *y = &b->p.msg;

	if (a->result != b->result || a->p.err != b->p.err)
		abort();
	if (a->result == FEED_ERROR && a->p.err_off != b->p.err_off)
		abort();
	if (a->result != FEED_DONE)
		return;
	if (a->used != b->used || a->body_len != b->body_len ||
	    (a->body_len <= FEED_MAX_BODY &&
	     memcmp(a->body, b->body, a->body_len) != 0))
		abort();
	if (x->head_len != y->head_len || x->nhdrs != y->nhdrs ||
	    x->flags != y->flags || x->body != y->body ||
	    x->content_length != y->content_length ||
	    x->status != y->status || x->method != y->method ||
	    x->target_off != y->target_off || x->target_len != y->target_len ||
	    memcmp(x->hdrs, y->hdrs, x->nhdrs * sizeof(x->hdrs[0])) != 0)
		abort();
}

/* Rewrite the head (a typical proxy edit set) and parse the result. */
static void
check_rewrite(const struct feed *f, const uint8_t *in, int type, int method)
{
	static const struct gw_http_edit edits[] = {
		{ "connection", NULL, 0, 10, GW_HTTP_EDIT_REMOVE },
		{ "x-forwarded-for", "198.18.0.1", 10, 15, GW_HTTP_EDIT_ADD },
		{ "x-request-id", "r1", 2, 12, GW_HTTP_EDIT_SET },
	};
	static uint8_t out[MAX_INPUT + 256];
	struct iovec iov[FEED_MAX_HDRS * 2 + 8];
	uint8_t scratch[256];
	size_t len = 0;
	int n, k;

	n = gw_http_head_rewrite(in, &f->p.msg, NULL, 0, edits, 3, iov,
				 sizeof(iov) / sizeof(iov[0]), scratch,
				 sizeof(scratch));
	if (n <= 0)
		abort();
	for (k = 0; k < n; k++) {
		if (len + iov[k].iov_len > sizeof(out))
			abort();
		memcpy(out + len, iov[k].iov_base, iov[k].iov_len);
		len += iov[k].iov_len;
	}
	feed_run(&again, NULL, type, method, out, len, 0, false);
	/*
	 * The head alone: done, or waiting for the body it announces, and
	 * delimited the same way (framing never depends on Connection).
	 */
	if (again.result == FEED_ERROR ||
	    again.p.msg.body != f->p.msg.body ||
	    again.p.msg.content_length != f->p.msg.content_length)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum gw_http_type type;
	enum gw_http_method method;
	size_t len = 0, step;
	int mode;

	if (size < 1 || size > MAX_INPUT)
		return 0;
	mode = data[0] & 3;
	method = (enum gw_http_method)((data[0] >> 2) & 7);
	step = piece[data[0] >> 5];
	type = mode & 1 ? GW_HTTP_RESPONSE : GW_HTTP_REQUEST;
	if (mode == 2) {
		memcpy(msg, chunked_req, sizeof(chunked_req) - 1);
		len = sizeof(chunked_req) - 1;
	} else if (mode == 3) {
		memcpy(msg, chunked_resp, sizeof(chunked_resp) - 1);
		len = sizeof(chunked_resp) - 1;
	}
	memcpy(msg + len, data + 1, size - 1);
	len += size - 1;

	(void)gw_http_scanner_set("scalar");
	feed_run(&whole, NULL, type, method, msg, len, 0, true);
	if (size % 2 == 0 || gw_http_scanner_set("avx2") != 0)
		(void)gw_http_scanner_set("sse2"); /* -ENOTSUP: stays scalar */
	feed_run(&split, NULL, type, method, msg, len, step, true);
	same(&whole, &split);
	if (whole.result == FEED_DONE) {
		check_head(&whole, msg, len);
		/* room for the two added lines within the limits */
		if (whole.p.msg.nhdrs < 90 && whole.p.msg.head_len < 60000)
			check_rewrite(&whole, msg, type, method);
	}
	return 0;
}
