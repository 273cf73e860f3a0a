/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/http writer: header edits as iovecs over the original head, local
 * responses, chunk framing, and small helpers over a parsed head.
 *
 * A proxy forwards most of a head unchanged; copying and re-serialising
 * every field would cost more than parsing it. gw_http_head_rewrite()
 * therefore emits runs of the original bytes between the edited lines,
 * and only the new lines are formatted (into the caller's scratch).
 *
 * Any thread; no allocation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gw_http.h"
#include "http_priv.h"

/* Most edits one call handles: bounds the per-line bookkeeping. */
#define HTTP_MAX_EDITS 64

const char *
gw_http_status_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 421: return "Misdirected Request";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "";
	}
}

int
gw_http_msg_find(const struct gw_http_msg *m, const uint8_t *head,
		 const char *name, size_t name_len, int from)
{
	int i;

	for (i = from < 0 ? 0 : from; i < m->nhdrs; i++) {
		const struct gw_http_hdr *h = &m->hdrs[i];

		if (h->name_len == name_len &&
		    strncasecmp((const char *)head + h->name_off, name,
				name_len) == 0)
			return i;
	}
	return -1;
}

bool
gw_http_list_next(const char *val, size_t len, size_t *pos, const char **tok,
		  size_t *tok_len)
{
	size_t i = *pos;

	for (;;) {
		size_t s, e;

		while (i < len && (val[i] == ' ' || val[i] == '\t' ||
				   val[i] == ','))
			i++;
		if (i >= len) {
			*pos = len;
			return false;
		}
		s = i;
		while (i < len && val[i] != ',')
			i++;
		e = i;
		while (e > s && (val[e - 1] == ' ' || val[e - 1] == '\t'))
			e--;
		if (e > s) {
			*tok = val + s;
			*tok_len = e - s;
			*pos = i;
			return true;
		}
	}
}

static bool
value_ok_bytes(const char *v, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		uint8_t c = (uint8_t)v[k];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/* A name is a token; a value holds no CR, LF or NUL (no injection). */
static bool
field_ok(const char *name, size_t name_len, const char *value,
	 size_t value_len)
{
	size_t k;

	if (name_len == 0 || name == NULL)
		return false;
	for (k = 0; k < name_len; k++) {
		if (!http_is((uint8_t)name[k], HTTP_C_TOKEN))
			return false;
	}
	if (value_len > 0 && value == NULL)
		return false;
	/* eight bytes at a time: a word with no byte below 0x20 and no DEL
	 * is clean (SWAR; exact for bounds up to 0x80), else look closer */
	for (k = 0; k + 8 <= value_len; k += 8) {
		uint64_t w, del;

		memcpy(&w, value + k, 8);
		del = w ^ 0x7f7f7f7f7f7f7f7full;
		if ((((w - 0x2020202020202020ull) & ~w) |
		     ((del - 0x0101010101010101ull) & ~del)) &
		    0x8080808080808080ull) {
			if (!value_ok_bytes(value + k, 8))
				return false;
		}
	}
	return value_ok_bytes(value + k, value_len - k);
}

struct out {
	struct iovec *iov;
	unsigned int n;
	unsigned int max;
	uint8_t *scratch;
	size_t used;
	size_t cap;
};

static int
out_ref(struct out *o, const void *base, size_t len)
{
	if (len == 0)
		return 0;
	/* join with the previous run when contiguous */
	if (o->n > 0 && (const uint8_t *)o->iov[o->n - 1].iov_base +
			o->iov[o->n - 1].iov_len == (const uint8_t *)base) {
		o->iov[o->n - 1].iov_len += len;
		return 0;
	}
	if (o->n == o->max)
		return -ENOSPC;
	o->iov[o->n].iov_base = (void *)(uintptr_t)base;
	o->iov[o->n].iov_len = len;
	o->n++;
	return 0;
}

/* Format "name: value\r\n" into scratch and reference it. */
static int
out_field(struct out *o, const char *name, size_t name_len, const char *value,
	  size_t value_len)
{
	size_t need = name_len + 2 + value_len + 2;
	uint8_t *d = o->scratch + o->used;

	if (o->cap - o->used < need)
		return -ENOSPC;
	memcpy(d, name, name_len);
	memcpy(d + name_len, ": ", 2);
	if (value_len > 0)
		memcpy(d + name_len + 2, value, value_len);
	memcpy(d + name_len + 2 + value_len, "\r\n", 2);
	o->used += need;
	return out_ref(o, d, need);
}

static bool
name_eq(const uint8_t *head, const struct gw_http_hdr *h, const char *name,
	size_t len)
{
	return h->name_len == len &&
	       strncasecmp((const char *)head + h->name_off, name, len) == 0;
}

/* A later SET or REMOVE of the same name undoes an appended line. */
static bool
superseded(const struct gw_http_edit *edits, unsigned int n, unsigned int e)
{
	unsigned int k;

	for (k = e + 1; k < n; k++) {
		if (edits[k].op != GW_HTTP_EDIT_ADD &&
		    edits[k].name_len == edits[e].name_len &&
		    strncasecmp(edits[k].name, edits[e].name,
				edits[e].name_len) == 0)
			return true;
	}
	return false;
}

int
gw_http_head_rewrite(const uint8_t *head, const struct gw_http_msg *msg,
		     const char *start_line, size_t start_line_len,
		     const struct gw_http_edit *edits, unsigned int n_edits,
		     struct iovec *iov, unsigned int iov_max, uint8_t *scratch,
		     size_t scratch_len)
{
	/* per header: -1 dropped, 0 kept, e+1 replaced by edit e's value */
	int16_t fate[UINT16_MAX / 64];
	bool placed[HTTP_MAX_EDITS];
	struct out o = { iov, 0, iov_max, scratch, 0, scratch_len };
	uint32_t start = msg->lead_crlf;
	uint32_t first = msg->nhdrs > 0 ? msg->hdrs[0].name_off :
					  msg->head_len - 2;
	uint32_t cur;
	unsigned int e;
	int i, rc;

	if (n_edits > HTTP_MAX_EDITS || msg->nhdrs > sizeof(fate) /
	    sizeof(fate[0]) || msg->head_len < 2 + start)
		return -EINVAL;
	for (e = 0; e < n_edits; e++) {
		const struct gw_http_edit *ed = &edits[e];

		if (ed->op > GW_HTTP_EDIT_REMOVE ||
		    !field_ok(ed->name, ed->name_len,
			      ed->op == GW_HTTP_EDIT_REMOVE ? NULL : ed->value,
			      ed->op == GW_HTTP_EDIT_REMOVE ? 0 :
							      ed->value_len))
			return -EINVAL;
		placed[e] = false;
	}
	if (start_line != NULL &&
	    !field_ok("x", 1, start_line, start_line_len))
		return -EINVAL;

	/* decide each original line's fate; later edits win */
	for (i = 0; i < msg->nhdrs; i++)
		fate[i] = 0;
	for (e = 0; e < n_edits; e++) {
		const struct gw_http_edit *ed = &edits[e];
		bool first_hit = true;

		if (ed->op == GW_HTTP_EDIT_ADD)
			continue;
		for (i = 0; i < msg->nhdrs; i++) {
			if (!name_eq(head, &msg->hdrs[i], ed->name,
				     ed->name_len) || fate[i] < 0)
				continue;
			if (ed->op == GW_HTTP_EDIT_SET && first_hit) {
				fate[i] = (int16_t)(e + 1);
				placed[e] = true;
				first_hit = false;
			} else {
				fate[i] = -1;
			}
		}
	}
	/* start line */
	if (start_line != NULL) {
		if (o.cap < start_line_len + 2)
			return -ENOSPC;
		memcpy(o.scratch, start_line, start_line_len);
		memcpy(o.scratch + start_line_len, "\r\n", 2);
		o.used = start_line_len + 2;
		rc = out_ref(&o, o.scratch, o.used);
		if (rc < 0)
			return rc;
		cur = first;
	} else {
		cur = start;
	}

	/* field lines: original runs, with edited lines cut out */
	for (i = 0; i < msg->nhdrs; i++) {
		const struct gw_http_hdr *h = &msg->hdrs[i];

		if (fate[i] == 0)
			continue;
		if (h->name_off > cur) {
			rc = out_ref(&o, head + cur, h->name_off - cur);
			if (rc < 0)
				return rc;
		}
		if (fate[i] > 0) {
			const struct gw_http_edit *ed = &edits[fate[i] - 1];

			/* keep the original spelling of the name */
			rc = out_field(&o, (const char *)head + h->name_off,
				       h->name_len, ed->value, ed->value_len);
			if (rc < 0)
				return rc;
		}
		cur = h->line_end;
	}
	if (msg->head_len - 2 > cur) {
		rc = out_ref(&o, head + cur, msg->head_len - 2 - cur);
		if (rc < 0)
			return rc;
	}
	/* appended: SETs with no line to replace, then ADDs, in order */
	for (e = 0; e < n_edits; e++) {
		const struct gw_http_edit *ed = &edits[e];

		if (ed->op == GW_HTTP_EDIT_REMOVE ||
		    (ed->op == GW_HTTP_EDIT_SET && placed[e]) ||
		    superseded(edits, n_edits, e))
			continue;
		rc = out_field(&o, ed->name, ed->name_len, ed->value,
			       ed->value_len);
		if (rc < 0)
			return rc;
	}
	rc = out_ref(&o, head + msg->head_len - 2, 2);
	if (rc < 0)
		return rc;
	return (int)o.n;
}

/* Fields, Content-Length and the empty line after a start line of used
 * bytes already in buf. */
static int
fields_format(char *buf, size_t cap, size_t used,
	      const struct gw_http_field *fields, unsigned int n,
	      int64_t body_len)
{
	unsigned int k;
	int w;

	for (k = 0; k < n; k++) {
		const struct gw_http_field *f = &fields[k];
		size_t need = (size_t)f->name_len + 2 + f->value_len + 2;

		if (cap - used <= need)
			return -ENOSPC;
		memcpy(buf + used, f->name, f->name_len);
		memcpy(buf + used + f->name_len, ": ", 2);
		if (f->value_len > 0)
			memcpy(buf + used + f->name_len + 2, f->value,
			       f->value_len);
		memcpy(buf + used + need - 2, "\r\n", 2);
		used += need;
	}
	if (body_len >= 0)
		w = snprintf(buf + used, cap - used,
			     "content-length: %" PRId64 "\r\n\r\n", body_len);
	else
		w = snprintf(buf + used, cap - used, "\r\n");
	if (w < 0 || (size_t)w >= cap - used)
		return -ENOSPC;
	return (int)(used + (size_t)w);
}

static bool
fields_ok(const struct gw_http_field *fields, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		if (!field_ok(fields[k].name, fields[k].name_len,
			      fields[k].value, fields[k].value_len))
			return false;
	}
	return true;
}

int
gw_http_response_format(char *buf, size_t cap, int status,
			const struct gw_http_field *fields, unsigned int n,
			int64_t body_len)
{
	int w;

	if (status < 100 || status > 999 || !fields_ok(fields, n))
		return -EINVAL;
	w = snprintf(buf, cap, "HTTP/1.1 %d %s\r\n", status,
		     gw_http_status_reason(status));
	if (w < 0 || (size_t)w >= cap)
		return -ENOSPC;
	return fields_format(buf, cap, (size_t)w, fields, n, body_len);
}

int
gw_http_request_format(char *buf, size_t cap, const char *method,
		       const char *target, const struct gw_http_field *fields,
		       unsigned int n, int64_t body_len)
{
	size_t k, ml, tl;
	int w;

	if (method == NULL || target == NULL || !fields_ok(fields, n))
		return -EINVAL;
	ml = strlen(method);
	tl = strlen(target);
	if (ml == 0 || tl == 0 || target[0] != '/')
		return -EINVAL;
	for (k = 0; k < ml; k++) {
		if (!http_is((uint8_t)method[k], HTTP_C_TOKEN))
			return -EINVAL;
	}
	for (k = 0; k < tl; k++) {
		if ((uint8_t)target[k] <= 0x20 || (uint8_t)target[k] >= 0x7f)
			return -EINVAL;
	}
	w = snprintf(buf, cap, "%s %s HTTP/1.1\r\n", method, target);
	if (w < 0 || (size_t)w >= cap)
		return -ENOSPC;
	return fields_format(buf, cap, (size_t)w, fields, n, body_len);
}

int
gw_http_chunk_format(char *buf, uint64_t size)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	int n = 0, k = 0;

	if (size == 0) {
		memcpy(buf, "0\r\n\r\n", 5);
		return 5;
	}
	while (size > 0) {
		tmp[n++] = hex[size & 0xf];
		size >>= 4;
	}
	while (n > 0)
		buf[k++] = tmp[--n];
	buf[k++] = '\r';
	buf[k++] = '\n';
	return k;
}
