/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differential libFuzzer harness: lib/http against nodejs http-parser
 * (Debian's libhttp-parser 2.9, strict build) on the same bytes.
 *
 * Input byte 0: bit 0 = request or response. The rest is one message
 * (anything after the first message is ignored). Each parser reports
 * accept (the first message completed, with its length and body), reject,
 * or incomplete. Two kinds of disagreement matter:
 *   - one accepts what the other rejects;
 *   - both accept but frame the message differently (where it ends, what
 *     the body is): the shape of request smuggling.
 * A disagreement is allowed only when it falls in a class listed in
 * docs/http-strictness.md, with the RFC clause that makes meshgw's answer
 * right; explain() below is that list in code. Anything else abort()s.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "gw_http.h"
#include "feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 65536

enum verdict { ACCEPT, REJECT, INCOMPLETE };

struct hp_run {
	http_parser p;
	bool complete;
	size_t body_len;
	size_t used;
	uint8_t body[FEED_MAX_BODY];
};

static struct hp_run hp;
static struct feed gw;

static int
hp_body(http_parser *p, const char *at, size_t len)
{
	struct hp_run *r = p->data;

	if (r->body_len + len <= FEED_MAX_BODY)
		memcpy(r->body + r->body_len, at, len);
	r->body_len += len;
	return 0;
}

static int
hp_complete(http_parser *p)
{
	struct hp_run *r = p->data;

	r->complete = true;
	http_parser_pause(p, 1); /* stop at the end of the first message */
	return 0;
}

static enum verdict
hp_parse(const uint8_t *in, size_t len, bool response, bool eof)
{
	http_parser_settings s;
	size_t n;

	memset(&s, 0, sizeof(s));
	s.on_body = hp_body;
	s.on_message_complete = hp_complete;
	http_parser_init(&hp.p, response ? HTTP_RESPONSE : HTTP_REQUEST);
	hp.p.data = &hp;
	hp.complete = false;
	hp.body_len = 0;
	n = http_parser_execute(&hp.p, &s, (const char *)in, len);
	hp.used = n;
	if (!hp.complete && HTTP_PARSER_ERRNO(&hp.p) == HPE_OK && eof)
		(void)http_parser_execute(&hp.p, &s, NULL, 0);
	if (hp.complete)
		return ACCEPT;
	return HTTP_PARSER_ERRNO(&hp.p) == HPE_OK ? INCOMPLETE : REJECT;
}

/*
 * True when the disagreement is one of the documented classes (see
 * docs/http-strictness.md for the RFC clause of each).
 */
static bool
explain(enum verdict g, enum verdict h, bool response)
{
	enum http_errno he = HTTP_PARSER_ERRNO(&hp.p);

	if (g == REJECT && h != REJECT) {
		/* meshgw stricter: every error code is an RFC rule */
		switch (gw.p.err) {
		case GW_HTTP_E_BARE_LF:
		case GW_HTTP_E_BARE_CR:
		case GW_HTTP_E_OBS_FOLD:
		case GW_HTTP_E_WS_AFTER_START_LINE:
		case GW_HTTP_E_WS_BEFORE_COLON:
		case GW_HTTP_E_HOST_MISSING:
		case GW_HTTP_E_HOST_DUPLICATE:
		case GW_HTTP_E_HOST_INVALID:
		case GW_HTTP_E_CL_AND_TE:
		case GW_HTTP_E_CL_INVALID:
		case GW_HTTP_E_CL_CONFLICT:
		case GW_HTTP_E_TE_NOT_CHUNKED:
		case GW_HTTP_E_TE_CHUNKED_TWICE:
		case GW_HTTP_E_TE_UNSUPPORTED:
		case GW_HTTP_E_TE_HTTP10:
		case GW_HTTP_E_EXPECTATION:
		case GW_HTTP_E_TARGET:
		case GW_HTTP_E_TARGET_FORM:
		case GW_HTTP_E_VERSION_UNSUPPORTED:
		case GW_HTTP_E_HEADER_VALUE:
		case GW_HTTP_E_HEADER_NAME:
		case GW_HTTP_E_NUL:
		case GW_HTTP_E_CHUNK_EXT:
		case GW_HTTP_E_CHUNK_SIZE:
		case GW_HTTP_E_STATUS_LINE:
		case GW_HTTP_E_REQUEST_LINE:
		case GW_HTTP_E_VERSION:
		/* limits: ours (60 KiB, 100 fields) are below its 80 KiB */
		case GW_HTTP_E_HEADERS_TOO_LARGE:
		case GW_HTTP_E_TOO_MANY_HEADERS:
		case GW_HTTP_E_URI_TOO_LONG:
		case GW_HTTP_E_CHUNK_LINE_TOO_LONG:
			return true;
		default:
			return false;
		}
	}
	if (g != REJECT && h == REJECT) {
		switch (he) {
		/* it knows a fixed list of methods; RFC 9110 9.1: a token */
		case HPE_INVALID_METHOD:
			return !response && gw.p.msg.method == GW_HTTP_M_OTHER;
		/* its 80 KiB header limit is not ours */
		case HPE_HEADER_OVERFLOW:
			return true;
		default:
			return false;
		}
	}
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum verdict g, h;
	bool response;

	if (size < 1 || size > MAX_INPUT)
		return 0;
	response = data[0] & 1;
	/* the response answers a GET: both parsers assume a body may follow */
	feed_run(&gw, NULL, response ? GW_HTTP_RESPONSE : GW_HTTP_REQUEST,
		 GW_HTTP_M_GET, data + 1, size - 1, 0, response);
	g = gw.result == FEED_DONE ? ACCEPT :
	    gw.result == FEED_ERROR ? REJECT : INCOMPLETE;
	h = hp_parse(data + 1, size - 1, response, response);
	if (g == ACCEPT && h == ACCEPT) {
		/* same framing: where the message ends and what its body is */
		if (gw.used != hp.used || gw.body_len != hp.body_len ||
		    (gw.body_len <= FEED_MAX_BODY &&
		     memcmp(gw.body, hp.body, gw.body_len) != 0)) {
			/* a 101 or CONNECT tunnel is not a body to it */
			if (gw.p.msg.body != GW_HTTP_BODY_TUNNEL)
				abort();
		}
		return 0;
	}
	if ((g == ACCEPT && h == REJECT) || (g == REJECT && h == ACCEPT) ||
	    (g == REJECT && h == INCOMPLETE) ||
	    (g == INCOMPLETE && h == REJECT)) {
		if (!explain(g, h, response))
			abort();
	}
	return 0;
}
