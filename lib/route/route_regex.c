/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route_regex — Hyperscan and PCRE2 behind lib/route.
 *
 * Matching regexes: all regexes of a table are compiled into one
 * Hyperscan block-mode database (control thread) and scanned once per
 * request (worker) over a buffer of the fields they test:
 *
 *     \0 tag(F1) \0 value(F1) \0  \0 tag(F2) \0 value(F2) \0 ...
 *
 * Regex R on field F is the expression  \0 tag(F) \0 (?:R) \0 . Why a
 * match ending exactly at F's closing NUL is a full match of R on F's
 * value, and nothing else:
 *   - each field appears at most once (a repeated header is joined), and
 *     a value holding a byte below 0x09 is left out, so values contain
 *     neither NUL nor tag bytes (0x01..0x08): the only place where
 *     "\0 tag(F) \0" occurs is F's own header, which fixes the start;
 *   - F's value holds no NUL, so the first NUL after it is F's closing
 *     NUL: a match ending there spans exactly F's value.
 * A greedy R can also match past that NUL into later fields; such
 * matches end at a NUL owned by another field and are ignored by the
 * callback, which checks the owner of the match's last byte.
 *
 * HS_FLAG_SINGLEMATCH is safe with that check: every match of R's
 * expression ends at or after F's closing NUL, and Hyperscan reports an
 * expression's matches in increasing end offset, so the one reported is
 * the valid one if any is. The exception is an expression that
 * hs_expression_info() marks unordered_matches (some assertions): it is
 * compiled without SINGLEMATCH, and the callback keeps looking.
 *
 * Keys (see route_priv.h): a uri exact key is \0 tag(path) \0 E \0 and
 * follows the rule above; a uri prefix key is \0 tag(target) \0 P, which
 * can only match at the start of the target's value, so its match, which
 * ends inside the value, needs no owner check. A matched key sets the
 * candidate bits of its routes. A field left out for a control byte may
 * hide a key, so that request walks every route (scan_partial).
 *
 * Rewrites (uriRegexRewrite) need capture groups, which Hyperscan lacks:
 * they use PCRE2 (JIT when available), with match data from the worker's
 * scratch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_route.h"
#include "route_priv.h"

void
route_regex_tag(uint32_t slot, char tag[ROUTE_TAG_LEN])
{
	int k;

	for (k = 0; k < ROUTE_TAG_LEN; k++)
		tag[k] = (char)(1 + ((slot >> (3 * (ROUTE_TAG_LEN - 1 - k))) &
				     7));
}

/* Report a Hyperscan compile error on expression `which` (-1: none). */
static int
regex_error(const struct gw_route_table *t, hs_compile_error_t *ce,
	    int64_t which, hs_error_t rc, struct gw_route_err *err,
	    int (*name_of)(void *, uint32_t, char *, size_t), void *arg)
{
	if (err != NULL) {
		size_t n;

		if (which >= 0 && (uint64_t)which < t->n_regex)
			name_of(arg, (uint32_t)which, err->msg,
				sizeof(err->msg));
		else
			snprintf(err->msg, sizeof(err->msg), "route table");
		n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n, ": regex: %s",
			 ce != NULL ? ce->message : "compile failed");
	}
	hs_free_compile_error(ce);
	return rc == HS_NOMEM ? -ENOMEM : -EINVAL;
}

int
route_regex_db_build(struct gw_route_table *t, const char **exprs,
		     struct gw_route_err *err,
		     int (*name_of)(void *, uint32_t, char *, size_t),
		     void *arg)
{
	hs_compile_error_t *ce = NULL;
	unsigned *flags, *ids;
	uint32_t i;
	hs_error_t rc;

	flags = malloc(t->n_regex * sizeof(*flags));
	ids = malloc(t->n_regex * sizeof(*ids));
	if (flags == NULL || ids == NULL) {
		free(flags);
		free(ids);
		if (err != NULL)
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < t->n_regex; i++) {
		hs_expr_info_t *info = NULL;

		/* SINGLEMATCH relies on in-order reports (see the top of
		 * this file); Hyperscan flags expressions that may report
		 * out of order (some assertions), which keep every match. */
		rc = hs_expression_info(exprs[i], HS_FLAG_SINGLEMATCH, &info,
					&ce);
		if (rc != HS_SUCCESS) {
			free(flags);
			free(ids);
			return regex_error(t, ce, i, rc, err, name_of, arg);
		}
		flags[i] = info->unordered_matches ? 0 : HS_FLAG_SINGLEMATCH;
		ids[i] = i;
		free(info); /* allocated with the default misc allocator */
	}
	rc = hs_compile_multi(exprs, flags, ids, t->n_regex, HS_MODE_BLOCK,
			      NULL, &t->db, &ce);
	free(flags);
	free(ids);
	if (rc == HS_SUCCESS)
		return 0;
	t->db = NULL;
	return regex_error(t, ce, ce != NULL ? ce->expression : -1, rc, err,
			   name_of, arg);
}

/* Value of a slot in the current request, or NULL when absent. */
static const char *
slot_value(const struct gw_route_table *t, const struct gw_route_scratch *s,
	   uint32_t slot, const char *path, size_t path_len,
	   const struct gw_route_req *req, size_t *len)
{
	uint32_t id;

	switch (slot) {
	case ROUTE_FLD_PATH:
		*len = path_len;
		return path;
	case ROUTE_SLOT_TARGET:
		*len = req->path_len;
		return req->path;
	case ROUTE_FLD_AUTHORITY:
		*len = req->authority_len;
		return req->authority;
	case ROUTE_FLD_METHOD:
		*len = req->method_len;
		return req->method;
	case ROUTE_FLD_SCHEME:
		*len = req->scheme_len;
		return req->scheme;
	default:
		(void)t;
		id = slot - ROUTE_SLOT_NAME0;
		if (s->name_gen[id] != s->gen)
			return NULL;
		*len = s->name_len[id];
		return s->name_val[id];
	}
}

static bool
has_ctl(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((uint8_t)v[i] < 0x09)
			return true;
	return false;
}

struct scan_ctx {
	const struct gw_route_table *t;
	struct gw_route_scratch *s;
};

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *arg)
{
	struct scan_ctx *c = arg;

	const struct gw_route_table *t = c->t;
	uint64_t *bits = c->s->bits;
	uint32_t k;

	(void)from;  /* not tracked: no HS_FLAG_SOM_LEFTMOST */
	(void)flags;
	/* a prefix key ends inside its value; anything else must end on
	 * the NUL closing its own field */
	if (!t->regex_prefix[id] &&
	    (to == 0 || c->s->owner[to - 1] != t->regex_slot[id]))
		return 0;
	if (route_bit(bits, id))
		return 0;
	bits[id >> 6] |= UINT64_C(1) << (id & 63);
	if (t->key_off != NULL)
		for (k = t->key_off[id]; k < t->key_off[id + 1]; k++) {
			uint32_t r = t->key_routes[k];

			c->s->cand[r >> 6] |= UINT64_C(1) << (r & 63);
		}
	return 0;
}

int
route_regex_scan(const struct gw_route_table *t, struct gw_route_scratch *s,
		 const char *path, size_t path_len,
		 const struct gw_route_req *req)
{
	struct scan_ctx ctx = { .t = t, .s = s };
	size_t n = 0, len, need;
	const char *v;
	uint32_t i;

	memset(s->bits, 0, ((t->n_regex + 63) / 64) * sizeof(*s->bits));
	if (t->always != NULL)
		memcpy(s->cand, t->always,
		       ((t->n_routes + 63) / 64) * sizeof(*s->cand));
	s->scan_partial = false;
	for (i = 0; i < t->n_scan_slots; i++) {
		uint32_t slot = t->scan_slots[i];

		v = slot_value(t, s, slot, path, path_len, req, &len);
		if (v == NULL)
			continue;
		if (has_ctl(v, len)) {
			/* its regexes fail, but keys must not hide routes
			 * whose exact/prefix compares would still hold */
			s->scan_partial = true;
			continue;
		}
		need = 3 + ROUTE_TAG_LEN + len;
		if (need > sizeof(s->scan) - n)
			return -ENOSPC;
		s->scan[n] = '\0';
		s->owner[n++] = UINT16_MAX;
		route_regex_tag(slot, &s->scan[n]);
		n += ROUTE_TAG_LEN;
		s->scan[n] = '\0';
		s->owner[n++] = UINT16_MAX;
		memcpy(&s->scan[n], v, len);
		n += len;
		s->scan[n] = '\0';
		s->owner[n++] = (uint16_t)slot;
	}
	s->scan_len = (uint32_t)n;
	if (n == 0)
		return 0;
	if (hs_scan(t->db, s->scan, (unsigned int)n, 0, s->hs, on_match,
		    &ctx) != HS_SUCCESS)
		return -EIO;
	return 0;
}

/*
 * Translate an RE2 rewrite string (\0..\9 groups, \\ a backslash) into
 * PCRE2 substitution syntax (${n}, $$ a dollar).
 */
int
route_rewrite_compile(struct gw_route *r, const char *match, const char *sub,
		      char *why, size_t why_len,
		      void *(*alloc)(void *, size_t), void *alloc_arg)
{
	PCRE2_UCHAR msg[120];
	PCRE2_SIZE off;
	uint32_t caps = 0;
	size_t i, n = 0, len = strlen(sub);
	char *out;
	int ec;

	r->re = pcre2_compile((PCRE2_SPTR)match, PCRE2_ZERO_TERMINATED, 0, &ec,
			      &off, NULL);
	if (r->re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(why, why_len, "match \"%s\" at offset %zu: %s", match,
			 (size_t)off, (const char *)msg);
		return -EINVAL;
	}
	(void)pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &caps);
	if (caps > GW_ROUTE_MAX_CAPTURES) {
		snprintf(why, why_len, "match \"%s\" has %u groups, more than "
			 "%d", match, caps, GW_ROUTE_MAX_CAPTURES);
		pcre2_code_free(r->re);
		r->re = NULL;
		return -E2BIG;
	}
	/* JIT failure (no JIT on this platform) leaves the interpreter */
	(void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
	out = alloc(alloc_arg, 4 * len + 1);
	if (out == NULL) {
		snprintf(why, why_len, "out of memory");
		pcre2_code_free(r->re);
		r->re = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < len; i++) {
		char ch = sub[i];

		if (ch == '$') {
			out[n++] = '$';
			out[n++] = '$';
		} else if (ch != '\\') {
			out[n++] = ch;
		} else if (i + 1 < len && sub[i + 1] == '\\') {
			out[n++] = '\\';
			i++;
		} else if (i + 1 < len && sub[i + 1] >= '0' &&
			   sub[i + 1] <= '9') {
			uint32_t g = (uint32_t)(sub[i + 1] - '0');

			if (g > caps) {
				snprintf(why, why_len, "rewrite \"%s\" uses "
					 "\\%u but match has %u groups", sub,
					 g, caps);
				goto fail;
			}
			out[n++] = '$';
			out[n++] = '{';
			out[n++] = sub[i + 1];
			out[n++] = '}';
			i++;
		} else {
			snprintf(why, why_len, "rewrite \"%s\": '\\' must be "
				 "followed by a digit or '\\'", sub);
			goto fail;
		}
	}
	out[n] = '\0';
	r->re_sub = (PCRE2_UCHAR *)out;
	r->re_sub_len = n;
	return 0;
fail:
	pcre2_code_free(r->re);
	r->re = NULL;
	return -EINVAL;
}
