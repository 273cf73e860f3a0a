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
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* A status whose response ends with its head (RFC 9112 section 6.3). */
static bool
no_body_status(void)
{
	int st = gw.p.msg.status;

	return st < 200 || st == 204 || st == 304;
}

/* Some field with this id has a HTAB in its line. */
static bool
field_has_tab(enum gw_http_hdr_id id, const uint8_t *in)
{
	int i;

	for (i = 0; i < gw.p.msg.nhdrs; i++) {
		const struct gw_http_hdr *f = &gw.p.msg.hdrs[i];

		if (f->id == id && memchr(in + f->name_off, '\t',
					  f->line_end - f->name_off) != NULL)
			return true;
	}
	return false;
}

static bool
scheme_not_alpha(const uint8_t *in)
{
	const struct gw_http_msg *m = &gw.p.msg;
	uint32_t k;

	if (m->target_form != GW_HTTP_TARGET_ABSOLUTE)
		return false;
	for (k = 0; k < m->target_len && in[m->target_off + k] != ':'; k++) {
		uint8_t c = in[m->target_off + k];

		if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
			return true;
	}
	return false;
}

/* A chunk size line of the body has HTAB in the BWS before ';'. */
static bool
tab_before_ext(const uint8_t *in)
{
	size_t k, end = gw.used;

	for (k = gw.p.msg.head_len; k + 1 < end; k++) {
		size_t j = k;
		bool tab = false;

		if (!isxdigit(in[k]))
			continue;
		while (j + 1 < end && (in[j + 1] == ' ' || in[j + 1] == '\t'))
			tab |= in[++j] == '\t';
		if (tab && j + 1 < end && in[j + 1] == ';')
			return true;
	}
	return false;
}

/*
 * Some field's name starts with "Content-Length" or "Transfer-Encoding"
 * but is longer: http-parser takes it for the framing field.
 */
static bool
prefix_named(const uint8_t *in)
{
	static const char *const names[] = {
		"content-length", "transfer-encoding",
	};
	int i, k;

	for (i = 0; i < gw.p.msg.nhdrs; i++) {
		const struct gw_http_hdr *f = &gw.p.msg.hdrs[i];

		for (k = 0; k < 2; k++) {
			size_t n = strlen(names[k]);

			if (f->name_len > n &&
			    strncasecmp((const char *)in + f->name_off,
					names[k], n) == 0)
				return true;
		}
	}
	return false;
}

static int
count_field(enum gw_http_hdr_id id)
{
	int i, n = 0;

	for (i = 0; i < gw.p.msg.nhdrs; i++)
		n += gw.p.msg.hdrs[i].id == id;
	return n;
}

static bool
has_field(enum gw_http_hdr_id id)
{
	return count_field(id) > 0;
}

static bool
field_has_comma(enum gw_http_hdr_id id, const uint8_t *in)
{
	int i;

	for (i = 0; i < gw.p.msg.nhdrs; i++) {
		const struct gw_http_hdr *f = &gw.p.msg.hdrs[i];

		if (f->id == id && memchr(in + f->value_off, ',',
					  f->value_len) != NULL)
			return true;
	}
	return false;
}

/*
 * A response whose Transfer-Encoding it does not recognise as chunked and
 * so reads until close: empty list elements or HTAB as OWS around
 * "chunked" (both valid, RFC 9110 sections 5.6.1 and 5.6.3), or a field
 * whose name merely starts with a framing field's name.
 */
static bool
te_misread(const uint8_t *in)
{
	return field_has_comma(GW_HTTP_H_TRANSFER_ENCODING, in) ||
	       field_has_tab(GW_HTTP_H_TRANSFER_ENCODING, in) ||
	       prefix_named(in);
}

/*
 * True when the disagreement is one of the documented classes (see
 * docs/http-strictness.md for the RFC clause of each).
 */
static bool
explain(enum verdict g, enum verdict h, bool response, const uint8_t *in)
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
		case GW_HTTP_E_CHUNK_SIZE_OVERFLOW:
		case GW_HTTP_E_CHUNK_DATA_END:
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
		/* RFC 9112 section 6.3 rule 1: no body, whatever the fields */
		if (response && no_body_status())
			return true;
		/*
		 * It reads Content-Length and Transfer-Encoding in trailers;
		 * RFC 9110 section 6.5.1: trailers never frame a message.
		 */
		if ((gw.p.msg.flags & GW_HTTP_F_TRAILERS) &&
		    (he == HPE_INVALID_CONTENT_LENGTH ||
		     he == HPE_UNEXPECTED_CONTENT_LENGTH ||
		     he == HPE_INVALID_TRANSFER_ENCODING))
			return true;
		switch (he) {
		/* it knows a fixed list of methods; RFC 9110 9.1: a token */
		case HPE_INVALID_METHOD:
			return !response && gw.p.msg.method == GW_HTTP_M_OTHER;
		/*
		 * It allows SP but not HTAB around the number; both are OWS
		 * (RFC 9110 section 5.6.3), which is not part of the value.
		 */
		case HPE_INVALID_CONTENT_LENGTH:
			return field_has_tab(GW_HTTP_H_CONTENT_LENGTH, in) ||
			       field_has_comma(GW_HTTP_H_CONTENT_LENGTH, in) ||
			       prefix_named(in);
		/*
		 * It refuses any repeated Content-Length; RFC 9110 section
		 * 8.6 lets a recipient accept identical values as one (we
		 * do, and reject differing ones).
		 */
		case HPE_UNEXPECTED_CONTENT_LENGTH:
			return prefix_named(in) ||
			       (!has_field(GW_HTTP_H_TRANSFER_ENCODING) &&
				(count_field(GW_HTTP_H_CONTENT_LENGTH) > 1 ||
				 field_has_comma(GW_HTTP_H_CONTENT_LENGTH, in)));
		/* its schemes are letters only; RFC 3986 section 3.1 allows
		 * digits, "+", "-" and "." after the first letter */
		case HPE_INVALID_URL:
			return !response && scheme_not_alpha(in);
		/* its 80 KiB header limit is not ours */
		case HPE_HEADER_OVERFLOW:
			return true;
		/*
		 * It takes any field whose name starts with
		 * "Transfer-Encoding" for one; RFC 9110 section 5.1 compares
		 * whole names. Explained only when no real one was there.
		 */
		case HPE_INVALID_TRANSFER_ENCODING:
			/* or it refuses empty list elements (", chunked",
			 * RFC 9110 section 5.6.1 says to accept them) or
			 * HTAB as OWS */
			return !has_field(GW_HTTP_H_TRANSFER_ENCODING) ||
			       te_misread(in);
		/* HTAB in the BWS before a chunk extension (RFC 9112 7.1.1) */
		case HPE_INVALID_CHUNK_SIZE:
			return tab_before_ext(in);
		default:
			return false;
		}
	}
	return false;
}

/* HTTP_DIFF_VERBOSE=1: print each class of disagreement once, for docs. */
static void
report(enum verdict g, enum verdict h, const uint8_t *data, size_t size)
{
	static uint64_t seen[4][GW_HTTP_E__COUNT + 1];
	unsigned int he = HTTP_PARSER_ERRNO(&hp.p);
	unsigned int ge = gw.result == FEED_ERROR ? gw.p.err : GW_HTTP_E__COUNT;
	size_t k;

	if (he >= 64 || (seen[g][ge] & (1ull << he)))
		return;
	seen[g][ge] |= 1ull << he;
	fprintf(stderr, "diff: meshgw %s %s / http-parser %s %s: \"",
		g == ACCEPT ? "accepts" : g == REJECT ? "rejects" : "waits",
		gw.result == FEED_ERROR ? gw_http_err_name(gw.p.err) : "",
		h == ACCEPT ? "accepts" : h == REJECT ? "rejects" : "waits",
		http_errno_name((enum http_errno)he));
	for (k = 1; k < size && k < 160; k++)
		fprintf(stderr, data[k] >= 0x20 && data[k] < 0x7f &&
			data[k] != '\\' ? "%c" : "\\x%02x", data[k]);
	fprintf(stderr, "\"\n");
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
			/*
			 * A 101 tunnel is not a body to it, and it honours
			 * Transfer-Encoding or Content-Length on a 1xx, 204
			 * or 304, which RFC 9112 section 6.3 rule 1 ignores.
			 */
			if (!(response && no_body_status()) &&
			    !(response && te_misread(data + 1))) {
				if (getenv("HTTP_DIFF_VERBOSE") != NULL)
					fprintf(stderr, "frame: meshgw %zu+%zu,"
						" http-parser %zu+%zu\n",
						gw.used, gw.body_len, hp.used,
						hp.body_len);
				abort();
			}
		}
		return 0;
	}
	/* cut short by the close: both see an unfinished message */
	if (g == INCOMPLETE && h == REJECT &&
	    HTTP_PARSER_ERRNO(&hp.p) == HPE_INVALID_EOF_STATE)
		return 0;
	/*
	 * meshgw may need more bytes before it decides (it checks a target's
	 * form when the target ends, say): only its decisions are compared.
	 */
	if ((g == ACCEPT && h == REJECT) || (g == REJECT && h == ACCEPT) ||
	    (g == REJECT && h == INCOMPLETE)) {
		if (getenv("HTTP_DIFF_VERBOSE") != NULL)
			report(g, h, data, size);
		if (!explain(g, h, response, data + 1))
			abort();
	}
	return 0;
}
