/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route_priv.h — compiled table layout shared by the route_*.c files.
 *
 * A table is a flat set of arrays carved from one arena: virtual hosts
 * point at a run of routes, routes at a run of match blocks, blocks at a
 * run of conditions. Nothing in it changes after gw_route_table_create()
 * returns, so workers read it without synchronisation.
 *
 * Regex scan buffer (see route_regex.c): every field that some regex
 * tests has a "slot" (0..3 for path without query, authority, method,
 * scheme; 4 for the whole target; 5 + name id for a header or query
 * parameter) and a 4-byte tag made of bytes 0x01..0x08. Per request,
 * each such field present in the request is appended as
 * \0 tag \0 value \0  and user regex R on slot F is compiled as
 * \0 tagF \0 (?:R) \0 .
 *
 * Route prefilter: a table that has a Hyperscan database anyway also
 * gets, for each match block without a regex, its uri exact or prefix
 * as a literal ("key") in that database. A block's key is one of its
 * regexes (never a withoutHeaders one) or that literal; a route whose
 * blocks all have keys can only match if one of those keys matched, so
 * gw_route_match() visits the candidate routes of a per-request bitmap
 * instead of every route.
 */
#ifndef ROUTE_PRIV_H
#define ROUTE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <hs/hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "gw_route.h"

/* Fixed field slots; names start at ROUTE_SLOT_NAME0. */
enum route_field {
	ROUTE_FLD_PATH = 0,   /* exact/regex: path without query;
			       * prefix: the whole target */
	ROUTE_FLD_AUTHORITY = 1,
	ROUTE_FLD_METHOD = 2,
	ROUTE_FLD_SCHEME = 3,
	ROUTE_FLD_HEADER = 4, /* slot = ROUTE_SLOT_NAME0 + name id */
	ROUTE_FLD_QUERY = 5,  /* slot = ROUTE_SLOT_NAME0 + name id */
};
#define ROUTE_SLOT_TARGET 4u  /* whole target, for prefix keys */
#define ROUTE_SLOT_NAME0 5u
/* Tag length and alphabet: 4 digits in base 8, each byte 1..8, so 4096
 * slots, which covers GW_ROUTE_MAX_NAMES + 4. */
#define ROUTE_TAG_LEN 4
#define ROUTE_MAX_SLOTS 4096u
_Static_assert(GW_ROUTE_MAX_NAMES + ROUTE_SLOT_NAME0 <= ROUTE_MAX_SLOTS,
	       "every slot needs a distinct tag");

enum route_cond_kind {
	ROUTE_CK_EXACT,
	ROUTE_CK_PREFIX,
	ROUTE_CK_REGEX,
	ROUTE_CK_PRESENT,
};

/** One compiled condition. 32 bytes on LP64. */
struct route_cond {
	uint64_t tail;     /* last min(len, 8) bytes of val, little end
			    * first: compared before the rest, since
			    * routes tend to share leading bytes */
	const char *val;   /* EXACT/PREFIX operand; lowercase when icase */
	uint32_t len;      /* bytes of val */
	uint32_t id;       /* name id (HEADER/QUERY) */
	uint32_t regex;    /* regex id (REGEX) */
	uint8_t field;     /* enum route_field */
	uint8_t kind;      /* enum route_cond_kind */
	uint8_t negate;    /* withoutHeaders: the condition must fail */
	uint8_t icase;     /* ignoreUriCase on a path exact/prefix */
};

_Static_assert(sizeof(struct route_cond) <= 32,
	       "two conditions per cache line");

/** One match block: all conditions must hold. */
struct route_block {
	uint32_t first;       /* index of the first condition */
	uint32_t n;           /* conditions */
	uint32_t port;        /* 0: any */
	uint32_t prefix_len;  /* bytes replaced by rewrite_uri when
			       * prefix_rw; "/" when there is no uri cond */
	uint32_t key;         /* regex id that must match for the block to
			       * hold, or ROUTE_NO_KEY */
	bool prefix_rw;       /* rewrite_uri replaces a prefix, else the
			       * whole path */
};

/** A route's run of blocks; kept apart from struct gw_route (about 300
 * bytes) so that walking a virtual host's routes reads 8 bytes each. */
struct route_span {
	uint32_t first;  /* index of the first block */
	uint32_t n;      /* blocks; 0: matches every request */
};

#define ROUTE_NO_KEY UINT32_MAX

struct gw_route {
	struct gw_route_action act;  /* what workers read after a match */
	pcre2_code *re;              /* uriRegexRewrite, or NULL */
	PCRE2_UCHAR *re_sub;         /* its substitution, PCRE2 syntax */
	size_t re_sub_len;
};

struct route_vhost {
	const char *name;
	uint32_t first_route;
	uint32_t n_routes;
};

/** Open-addressing string -> uint32 map, built once, read-only after. */
struct route_strtab {
	uint32_t mask;       /* slots - 1; 0 slots when empty */
	uint32_t n;
	uint32_t *slot;      /* entry index + 1, 0 = empty */
	const char **key;    /* lowercase when icase */
	uint32_t *klen;
	uint32_t *val;
	bool icase;
};

struct route_arena_chunk;

struct gw_route_table {
	struct route_arena_chunk *arena;
	uint64_t serial;                /* matches scratch->hs_serial */
	struct route_vhost *vhosts;
	uint32_t n_vhosts;
	struct gw_route *routes;
	struct route_span *spans;       /* parallel to routes */
	uint32_t n_routes;
	uint32_t n_routes_alloc;        /* routes[] size, for free */
	struct route_block *blocks;
	struct route_cond *conds;
	struct route_strtab exact_hosts;  /* "a.b" -> vhost */
	struct route_strtab wild_hosts;   /* ".b" (from "*.b") -> vhost */
	int32_t star_vhost;               /* "*", or -1 */
	struct route_strtab hdr_names;    /* lowercase -> name id */
	uint64_t hdr_len_mask;            /* route_len_bit() of each name:
					   * most request headers skip the
					   * hash lookup on length alone */
	struct route_strtab query_names;  /* -> name id */
	uint32_t n_names;
	uint32_t n_regex;                 /* regexes and keys: ids */
	uint32_t n_user_regex;            /* ids below are user regexes */
	uint16_t *regex_slot;             /* per regex id */
	uint8_t *regex_prefix;            /* per regex id: prefix key, whose
					   * match ends inside the value */
	/* route prefilter, NULL when the table has no keys */
	uint64_t *always;                 /* routes that are always
					   * candidates (a block without a
					   * key), by route index */
	uint32_t *key_off;                /* per regex id: its routes are */
	uint32_t *key_routes;             /* key_routes[key_off[id]..
					   * key_off[id + 1]) */
	uint16_t *scan_slots;             /* slots some regex tests */
	uint32_t n_scan_slots;
	const char **slot_name;           /* per slot >= NAME0: name */
	uint32_t *slot_name_len;
	uint8_t *slot_field;              /* per slot >= NAME0: HEADER|QUERY */
	hs_database_t *db;                /* NULL when n_regex == 0 */
};

struct gw_route_scratch {
	struct gw_route_scratch_stats stats;
	const struct gw_route *last_route;   /* of the last match */
	const struct route_block *last_block;
	hs_scratch_t *hs;
	uint64_t hs_serial;                  /* table the hs scratch is for */
	pcre2_match_data *md;
	uint64_t *bits;                      /* matched regex ids */
	uint64_t *cand;                      /* candidate routes */
	bool scan_partial;                   /* a field was left out of the
					      * scan: no prefilter */
	uint32_t cap_regex;
	uint32_t cap_routes;
	uint32_t cap_names;
	uint32_t gen;                        /* request generation */
	uint32_t *name_gen;                  /* name set in this request */
	const char **name_val;
	uint32_t *name_len;
	uint32_t join_len;
	uint32_t scan_len;
	char host[256];                      /* lowercase host, no port */
	char join[GW_ROUTE_SCAN_BUF];        /* repeated headers, joined */
	char scan[GW_ROUTE_SCAN_BUF];
	uint16_t owner[GW_ROUTE_SCAN_BUF];   /* slot owning a NUL byte */
};

/* route_build.c */
uint32_t route_hash(const char *s, size_t len, bool icase);
int64_t route_strtab_lookup(const struct route_strtab *t, const char *s,
			    size_t len);

/* route_regex.c: control thread */
int route_regex_db_build(struct gw_route_table *t, const char **exprs,
			 struct gw_route_err *err,
			 int (*name_of)(void *, uint32_t, char *, size_t),
			 void *arg);
void route_regex_tag(uint32_t slot, char tag[ROUTE_TAG_LEN]);
int route_rewrite_compile(struct gw_route *r, const char *match,
			  const char *sub, char *why, size_t why_len,
			  void *(*alloc)(void *, size_t), void *alloc_arg);

/* route_regex.c: worker */
int route_regex_scan(const struct gw_route_table *t,
		     struct gw_route_scratch *s, const char *path,
		     size_t path_len, const struct gw_route_req *req);

static inline bool
route_bit(const uint64_t *bits, uint32_t i)
{
	return (bits[i >> 6] >> (i & 63)) & 1;
}

/* Load the n <= 8 bytes at p into a uint64_t (zero-filled). */
static inline uint64_t
route_load_tail(const char *p, size_t n)
{
	uint64_t x = 0;

	if (n == 8)
		memcpy(&x, p, 8);
	else
		memcpy(&x, p, n);
	return x;
}

/* Bit of a name length in a 64-bit length filter; 63 means >= 63. */
static inline uint64_t
route_len_bit(size_t len)
{
	return UINT64_C(1) << (len < 63 ? len : 63);
}

static inline char
route_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

#endif /* ROUTE_PRIV_H */
