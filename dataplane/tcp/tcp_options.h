/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane/tcp — TCP header options: parse the options area of a received
 * segment into host-order fields, and write the options of the segments we
 * send (SYN/SYN-ACK, then established-state TS and SACK).
 * Entry points: gw_tcp_options_parse(), gw_tcp_options_format_syn(),
 * gw_tcp_options_format(). Pure C11 (no DPDK), no allocation, no state:
 * callable from any worker per packet.
 *
 * Receive rules (RFC 9293 §3.1-§3.2, RFC 7323, RFC 2018, following Linux's
 * tcp_parse_options() where the RFCs leave a choice). Two classes:
 *
 *  - Framing errors make the whole area unusable, because the options that
 *    follow can no longer be delimited: a kind other than EOL/NOP with no
 *    room for its length byte, a length below 2, or a length running past
 *    the area. The parser returns -EBADMSG and the caller drops the segment
 *    (RFC 9293 §3.2 MUST-7: "MUST be prepared to handle an illegal option
 *    length (e.g., zero)"; Linux silently stops parsing instead).
 *  - Content errors concern one option whose framing is sound: it is skipped
 *    by its length and the rest is parsed, as Linux does:
 *      MSS     length != 4, value 0, or not on a SYN (RFC 9293 §3.2 MUST-65:
 *              sent only with SYN; the caller then assumes 536, MUST-15);
 *      WSCALE  length != 3, or not on a SYN (RFC 7323 §2.2: "A Window Scale
 *              option in a segment without a <SYN> bit should be ignored");
 *              a shift above 14 is used as 14 (§2.3 "MUST use 14");
 *      SACKOK  length != 2, or not on a SYN (RFC 2018 §2: SYN only);
 *      TS      length != 10 (RFC 7323 §3.2); honoured on every segment,
 *              whether it was negotiated is the caller's business (§3.2);
 *      SACK    length not 2 + 8n with n = 1..4 (RFC 2018 §3), or on a SYN
 *              (SACK blocks belong to an established connection, §3).
 *  - Unknown kinds are skipped by their length (RFC 9293 §3.2 MUST-6).
 *  - EOL ends the list; bytes after it are not examined (§3.1).
 *  - A repeated option: the last valid instance wins (as Linux).
 */
#ifndef GW_TCP_OPTIONS_H
#define GW_TCP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Option kinds (IANA "TCP Option Kind Numbers"). */
#define GW_TCP_OPT_EOL 0
#define GW_TCP_OPT_NOP 1
#define GW_TCP_OPT_MSS 2
#define GW_TCP_OPT_WSCALE 3
#define GW_TCP_OPT_SACK_PERM 4
#define GW_TCP_OPT_SACK 5
#define GW_TCP_OPT_TS 8

/* Option lengths, kind and length bytes included. */
#define GW_TCP_OLEN_MSS 4
#define GW_TCP_OLEN_WSCALE 3
#define GW_TCP_OLEN_SACK_PERM 2
#define GW_TCP_OLEN_TS 10
#define GW_TCP_OLEN_SACK_BASE 2 /* + 8 per block */
#define GW_TCP_OLEN_SACK_BLOCK 8

/** Largest options area: data offset 15 words minus the 20-byte header. */
#define GW_TCP_OPTS_MAX_LEN 40
/** Largest area gw_tcp_options_format_syn() writes: MSS 4 + TS 12 + WS 4. */
#define GW_TCP_OPTS_SYN_MAX_LEN 20
/** Largest window shift (RFC 7323 §2.3): 2^14 * 65535 < 2^30. */
#define GW_TCP_WSCALE_MAX 14
/** SACK blocks that fit: 4 alone, 3 beside a timestamp (RFC 2018 §3). */
#define GW_TCP_SACK_MAX_BLOCKS 4
#define GW_TCP_SACK_MAX_BLOCKS_TS 3

/** One SACK block: sequence numbers left (first) .. right (one past last). */
struct gw_tcp_sack_block {
	uint32_t left;
	uint32_t right;
};

/** Parsed options, all values in host byte order. */
struct gw_tcp_opts {
	uint16_t mss; /* bytes; valid if has_mss (never 0) */
	uint8_t wscale; /* shift count 0..14; valid if has_wscale */
	bool has_mss;
	bool has_wscale;
	bool sack_ok; /* SACK-permitted seen (SYN only) */
	bool has_ts;
	uint32_t ts_val; /* peer's TSval; valid if has_ts */
	uint32_t ts_ecr; /* peer's TSecr; valid if has_ts */
	uint8_t n_sack; /* SACK blocks in sack[] (non-SYN only), 0..4 */
	struct gw_tcp_sack_block sack[GW_TCP_SACK_MAX_BLOCKS]; /* wire order */
};

/**
 * Parse the options area of a TCP header, under the rules in this file's
 * opening comment. Never reads outside p[0 .. len - 1].
 *
 * @param p
 *   First byte after the fixed 20-byte header (borrowed for the call); may
 *   be NULL when len is 0.
 * @param len
 *   doff * 4 - 20, 0 .. GW_TCP_OPTS_MAX_LEN.
 * @param syn
 *   The segment has SYN set: MSS, WSCALE and SACKOK count only then, SACK
 *   blocks only without it.
 * @param o
 *   Output, cleared first; on error its contents are unspecified.
 * @return
 *   0; -EBADMSG on a framing error (drop the segment); -EINVAL if len is
 *   above GW_TCP_OPTS_MAX_LEN (caller bug: doff cannot say that).
 */
int gw_tcp_options_parse(const uint8_t *p, size_t len, bool syn,
			 struct gw_tcp_opts *o);

/**
 * Write the options of a SYN or SYN-ACK in Linux's layout, each option
 * 32-bit aligned: MSS; then SACKOK+TS, or NOP NOP TS, or NOP NOP SACKOK;
 * then NOP WSCALE.
 *
 * @param buf
 *   At least GW_TCP_OPTS_SYN_MAX_LEN bytes.
 * @param o
 *   Which options to send: has_mss (mss), sack_ok, has_ts (ts_val, ts_ecr),
 *   has_wscale (wscale, above 14 sent as 14). SACK blocks are ignored. For
 *   a SYN-ACK the caller sends WSCALE, SACKOK and TS only if the SYN had
 *   them (RFC 7323 §1.3 / §2.2, RFC 2018 §2).
 * @return
 *   Bytes written: a multiple of 4, at most GW_TCP_OPTS_SYN_MAX_LEN.
 */
size_t gw_tcp_options_format_syn(uint8_t *buf, const struct gw_tcp_opts *o);

/**
 * Write the options of a non-SYN segment: NOP NOP TS if ts, then
 * NOP NOP SACK with the first blocks of sack[] (the first block must be the
 * most recent one, RFC 2018 §4), at most GW_TCP_SACK_MAX_BLOCKS_TS with a
 * timestamp and GW_TCP_SACK_MAX_BLOCKS without; extra blocks are dropped.
 *
 * @param buf
 *   At least GW_TCP_OPTS_MAX_LEN bytes.
 * @param ts
 *   Send a timestamp option with ts_val and ts_ecr.
 * @param sack
 *   n_sack blocks (borrowed); may be NULL when n_sack is 0.
 * @return
 *   Bytes written: a multiple of 4, at most GW_TCP_OPTS_MAX_LEN.
 */
size_t gw_tcp_options_format(uint8_t *buf, bool ts, uint32_t ts_val,
			     uint32_t ts_ecr,
			     const struct gw_tcp_sack_block *sack,
			     unsigned n_sack);

#endif /* GW_TCP_OPTIONS_H */
