/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/http — strict, incremental, zero-copy HTTP/1.1 codec (RFC 9110, 9112).
 *
 * Parser: gw_http_parser_init() once per message (or gw_http_parser_reset()
 * between pipelined / keep-alive messages), then gw_http_parse_head() with
 * each new piece of the byte stream until the head is complete, then
 * gw_http_parse_body() until gw_http_parser_done(). The bytes may arrive in
 * pieces of any size, split anywhere (inside a token too); the parser keeps
 * only offsets, never copies, and never looks at a byte twice except to
 * trim trailing whitespace. Every offset it reports (header names and
 * values, method, target, reason) counts bytes from the first byte of the
 * message, so the caller maps it onto whatever buffers it kept.
 *
 * Strictness is the point: anything a second parser on the path could
 * read differently (request smuggling, response splitting) is rejected with
 * its own error code and the status code a server should answer with; see
 * GW_HTTP_ERRORS below and docs/http-strictness.md for each rule and the
 * RFC clause behind it.
 *
 * Writer: gw_http_head_rewrite() turns a parsed head plus header edits into
 * an iovec list that points at the untouched original bytes; locally
 * generated messages (errors, redirects, direct responses) are formatted by
 * gw_http_response_format().
 *
 * Threading: a parser belongs to one connection of one thread. Nothing here
 * allocates, locks, logs or makes a system call; gw_http_init() (optional,
 * any thread, idempotent) picks the SIMD scanner for this CPU once.
 */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Every rejection: code suffix, status a server answers with (responses
 * from an upstream are answered 502 by a proxy whatever the code), and a
 * sentence for logs and error bodies.
 */
#define GW_HTTP_ERRORS(X) \
	X(NONE, 0, "no error") \
	X(METHOD, 400, "invalid character in method") \
	X(TARGET, 400, "invalid character in request target") \
	X(TARGET_FORM, 400, "request target form not allowed for the method") \
	X(REQUEST_LINE, 400, "malformed request line") \
	X(URI_TOO_LONG, 414, "request line longer than the limit") \
	X(VERSION, 400, "malformed HTTP version") \
	X(VERSION_UNSUPPORTED, 505, "HTTP version not supported") \
	X(STATUS_LINE, 502, "malformed status line") \
	X(BARE_CR, 400, "CR not followed by LF") \
	X(BARE_LF, 400, "LF without CR") \
	X(HEADER_NAME, 400, "invalid character in header name") \
	X(WS_BEFORE_COLON, 400, "whitespace between header name and colon") \
	X(WS_AFTER_START_LINE, 400, "whitespace before the first header") \
	X(OBS_FOLD, 400, "obsolete line folding") \
	X(HEADER_VALUE, 400, "invalid character in header value") \
	X(NUL, 400, "NUL byte in header") \
	X(TOO_MANY_HEADERS, 431, "more header fields than the limit") \
	X(HEADERS_TOO_LARGE, 431, "header section larger than the limit") \
	X(HOST_MISSING, 400, "HTTP/1.1 request without Host") \
	X(HOST_DUPLICATE, 400, "more than one Host header") \
	X(HOST_INVALID, 400, "invalid Host value") \
	X(CL_INVALID, 400, "invalid Content-Length") \
	X(CL_CONFLICT, 400, "differing Content-Length values") \
	X(CL_AND_TE, 400, "both Content-Length and Transfer-Encoding") \
	X(TE_NOT_CHUNKED, 400, "Transfer-Encoding does not end in chunked") \
	X(TE_CHUNKED_TWICE, 400, "chunked applied more than once") \
	X(TE_UNSUPPORTED, 501, "transfer coding not implemented") \
	X(TE_HTTP10, 400, "Transfer-Encoding in an HTTP/1.0 message") \
	X(EXPECTATION, 417, "unsupported expectation") \
	X(CHUNK_SIZE, 400, "malformed chunk size") \
	X(CHUNK_SIZE_OVERFLOW, 400, "chunk size too large") \
	X(CHUNK_EXT, 400, "malformed chunk extension") \
	X(CHUNK_LINE_TOO_LONG, 400, "chunk size line longer than the limit") \
	X(CHUNK_DATA_END, 400, "chunk data not followed by CRLF")

enum gw_http_err {
#define GW_HTTP_ERR_ENUM(name, status, text) GW_HTTP_E_##name,
	GW_HTTP_ERRORS(GW_HTTP_ERR_ENUM)
#undef GW_HTTP_ERR_ENUM
	GW_HTTP_E__COUNT
};

/** Known methods; anything else that is a valid token is OTHER. */
enum gw_http_method {
	GW_HTTP_M_OTHER = 0,
	GW_HTTP_M_GET,
	GW_HTTP_M_HEAD,
	GW_HTTP_M_POST,
	GW_HTTP_M_PUT,
	GW_HTTP_M_DELETE,
	GW_HTTP_M_CONNECT,
	GW_HTTP_M_OPTIONS,
	GW_HTTP_M_TRACE,
	GW_HTTP_M_PATCH,
};

/** Header fields the parser recognises (name compared case-insensitively). */
enum gw_http_hdr_id {
	GW_HTTP_H_OTHER = 0,
	GW_HTTP_H_HOST,
	GW_HTTP_H_CONTENT_LENGTH,
	GW_HTTP_H_TRANSFER_ENCODING,
	GW_HTTP_H_CONNECTION,
	GW_HTTP_H_KEEP_ALIVE,
	GW_HTTP_H_PROXY_CONNECTION,
	GW_HTTP_H_UPGRADE,
	GW_HTTP_H_EXPECT,
	GW_HTTP_H_TE,
	GW_HTTP_H_TRAILER,
};

/** How the body that follows a head is delimited (RFC 9112 section 6.3). */
enum gw_http_body {
	GW_HTTP_BODY_NONE = 0,	/* no body: the message ends with its head */
	GW_HTTP_BODY_LENGTH,	/* content_length bytes */
	GW_HTTP_BODY_CHUNKED,	/* chunked transfer coding, maybe trailers */
	GW_HTTP_BODY_EOF,	/* responses only: until the connection closes */
	GW_HTTP_BODY_TUNNEL,	/* after 101 or a 2xx to CONNECT: raw bytes */
};

/* gw_http_msg.flags */
#define GW_HTTP_F_KEEP_ALIVE	 (1u << 0) /* connection persists after */
#define GW_HTTP_F_CONN_CLOSE	 (1u << 1) /* Connection: close */
#define GW_HTTP_F_CONN_KEEPALIVE (1u << 2) /* Connection: keep-alive */
#define GW_HTTP_F_CONN_UPGRADE	 (1u << 3) /* Connection: upgrade */
#define GW_HTTP_F_CONN_OTHER	 (1u << 4) /* Connection lists other names */
#define GW_HTTP_F_UPGRADE	 (1u << 5) /* request asks for an Upgrade */
#define GW_HTTP_F_EXPECT_CONTINUE (1u << 6) /* Expect: 100-continue */
#define GW_HTTP_F_TRAILERS	 (1u << 7) /* chunked body carried trailers */
#define GW_HTTP_F_TE_OTHER	 (1u << 8) /* response codings besides chunked */
#define GW_HTTP_F_INTERIM	 (1u << 9) /* 1xx other than 101 */

/** What a message is: a request or the response to a given method. */
enum gw_http_type {
	GW_HTTP_REQUEST = 0,
	GW_HTTP_RESPONSE,
};

/** Request-target forms, RFC 9112 section 3.2. */
enum gw_http_target_form {
	GW_HTTP_TARGET_ORIGIN = 0,	/* "/path?query" */
	GW_HTTP_TARGET_ABSOLUTE,	/* "http://host/path" */
	GW_HTTP_TARGET_AUTHORITY,	/* "host:port", CONNECT only */
	GW_HTTP_TARGET_ASTERISK,	/* "*", OPTIONS only */
};

/**
 * One header field line. Offsets count from the first byte of the message.
 * The value excludes leading and trailing whitespace; the line spans
 * name_off .. line_end (exclusive, CRLF included).
 */
struct gw_http_hdr {
	uint32_t name_off;
	uint32_t value_off;
	uint32_t line_end;
	uint16_t name_len;	/* bytes; the limits keep it below 64 KiB */
	uint8_t id;		/* enum gw_http_hdr_id */
	uint8_t pad;
	uint32_t value_len;	/* bytes */
};

/** The parsed head of one message, filled by gw_http_parse_head(). */
struct gw_http_msg {
	struct gw_http_hdr *hdrs;	/* caller's array, hdr_max entries */
	uint64_t content_length;	/* bytes, when body == LENGTH */
	uint32_t method_off;		/* requests */
	uint32_t target_off;
	uint32_t target_len;
	uint32_t reason_off;		/* responses */
	uint32_t reason_len;
	uint32_t head_len;		/* whole head, final CRLF included */
	uint16_t flags;			/* GW_HTTP_F_* */
	uint16_t status;		/* responses: 100..999 */
	uint16_t nhdrs;
	uint16_t hdr_max;
	int16_t host_idx;		/* index of Host in hdrs, or -1 */
	uint8_t method_len;
	uint8_t method;			/* enum gw_http_method */
	uint8_t version_minor;		/* HTTP/1.x: 0 or 1 */
	uint8_t target_form;		/* enum gw_http_target_form */
	uint8_t body;			/* enum gw_http_body */
	uint8_t lead_crlf;		/* empty lines skipped before the
					 * request line, not part of the head */
};

/**
 * Limits; a parser reads them at init. Defaults (gw_http_limits_default):
 * 8 KiB request line (nginx's large_client_header_buffers), 100 header
 * fields (Envoy's max_headers_count), 60 KiB of header section (Envoy's
 * max_request_headers_kb), 4 KiB chunk size line including extensions.
 */
struct gw_http_limits {
	uint32_t max_start_line;	/* bytes, CRLF included */
	uint32_t max_header_bytes;	/* bytes after the start line */
	uint32_t max_chunk_line;	/* bytes of one chunk size line */
	uint16_t max_headers;		/* header (and trailer) fields */
};

/** A span of payload inside the buffer passed to gw_http_parse_body(). */
struct gw_http_span {
	size_t off;	/* from the start of that buffer */
	size_t len;	/* bytes; 0 when the call consumed framing only */
};

/**
 * Parser state. Embed it in the connection; no field is for the caller
 * except msg, err and err_off.
 */
struct gw_http_parser {
	struct gw_http_msg msg;
	uint64_t pos;		/* message offset of the next byte to read */
	uint64_t err_off;	/* message offset of the offending byte */
	uint64_t remaining;	/* body bytes left in the length or chunk */
	uint64_t cl_value;	/* Content-Length accumulated / first seen */
	uint64_t sect_off;	/* start of the header or trailer section */
	uint64_t tok_off;	/* start of the token being read */
	uint64_t val_end;	/* end of the value without trailing OWS */
	uint64_t line_off;	/* start of the current line */
	uint32_t lim_start_line;
	uint32_t lim_header_bytes;
	uint32_t lim_chunk_line;
	uint16_t lim_headers;
	uint16_t nfields;	/* trailer fields counted */
	uint16_t fname_len;	/* bytes of the current field name */
	uint32_t tok_len;	/* bytes of the current list element */
	uint32_t chunk_line;	/* bytes of the current chunk size line */
	uint8_t type;		/* enum gw_http_type */
	uint8_t req_method;	/* responses: method of the request */
	uint8_t state;
	uint8_t err;		/* enum gw_http_err after -EBADMSG */
	uint8_t hdr_id;		/* id of the field being read */
	uint8_t lex;		/* state of the value lexer below */
	uint8_t lex_len;	/* bytes in lex_buf */
	uint8_t name_len;	/* bytes in lex_buf while reading a name */
	uint8_t seen;		/* HTTP_SEEN_* bits */
	uint8_t digits;		/* significant digits of a number */
	char lex_buf[24];	/* lower-cased name or list token prefix */
};

/**
 * Choose the fastest scanner this CPU supports (AVX2, SSE2 or scalar).
 * Optional: the first parser init does it. Idempotent, thread-safe.
 */
void gw_http_init(void);

/** Scanner in use: "avx2", "sse2" or "scalar". */
const char *gw_http_scanner(void);

/**
 * Force a scanner for tests and benchmarks: "avx2", "sse2" or "scalar".
 * Not thread-safe with respect to running parsers; call before any.
 * @return 0, or -ENOTSUP when this CPU or build lacks it.
 */
int gw_http_scanner_set(const char *name);

/** The default limits described at struct gw_http_limits. */
void gw_http_limits_default(struct gw_http_limits *lim);

/**
 * Prepare a parser for one message.
 *
 * @param p
 *   Parser (caller-owned storage).
 * @param lim
 *   Limits, copied; NULL means the defaults.
 * @param type
 *   GW_HTTP_REQUEST or GW_HTTP_RESPONSE.
 * @param req_method
 *   For responses, the method of the request answered (HEAD and CONNECT
 *   change how the body is delimited); ignored for requests.
 * @param hdrs
 *   Array receiving the header fields; borrowed until the caller is done
 *   with p->msg. At most min(hdr_max, lim->max_headers) fields are
 *   accepted (431 beyond).
 * @param hdr_max
 *   Entries in hdrs.
 */
void gw_http_parser_init(struct gw_http_parser *p,
			 const struct gw_http_limits *lim,
			 enum gw_http_type type, enum gw_http_method req_method,
			 struct gw_http_hdr *hdrs, uint16_t hdr_max);

/**
 * Start the next message on the same connection (pipelining, keep-alive)
 * with the same limits and header array; offsets restart at 0 from the
 * next byte fed.
 */
void gw_http_parser_reset(struct gw_http_parser *p,
			  enum gw_http_method req_method);

/**
 * Feed the next piece of a message head.
 *
 * @param buf
 *   The bytes following those fed before (borrowed for the call only;
 *   the offsets in p->msg refer to message positions, so the caller keeps
 *   the bytes it will want to read).
 * @return
 *   > 0: the head is complete; that many bytes of buf belong to it and
 *        the rest (if any) is body or the next message. p->msg is final.
 *   -EAGAIN: all of buf was consumed and the head is not complete yet.
 *   -EBADMSG: malformed; p->err is the reason and p->err_off the message
 *        offset of the offending byte. The parser stays in error.
 */
int gw_http_parse_head(struct gw_http_parser *p, const uint8_t *buf,
		       size_t len);

/**
 * Feed body bytes after a complete head, one payload span per call.
 *
 * For BODY_LENGTH and BODY_CHUNKED, stops at the end of the message (the
 * rest of buf is the next message); for BODY_EOF everything is payload
 * until gw_http_parse_eof(). A BODY_NONE or BODY_TUNNEL message is done
 * with its head (after a TUNNEL head the bytes are the tunnel's, not
 * HTTP). One call consumes at most INT_MAX bytes.
 *
 * @param data
 *   Receives the payload span inside buf (chunk framing and trailers are
 *   excluded); its length is 0 when the call consumed only framing.
 * @return
 *   Bytes of buf consumed (0 only when len is 0 or the message is done),
 *   or -EBADMSG with p->err and p->err_off set.
 */
int gw_http_parse_body(struct gw_http_parser *p, const uint8_t *buf,
		       size_t len, struct gw_http_span *data);

/**
 * The peer closed the connection. Completes a BODY_EOF message.
 * @return 0 when the message is complete, -EPIPE when it was cut short.
 */
int gw_http_parse_eof(struct gw_http_parser *p);

/** True once the whole message (head, body, trailers) was read. */
bool gw_http_parser_done(const struct gw_http_parser *p);

/** Name of an error code ("CL_AND_TE"), never NULL. */
const char *gw_http_err_name(enum gw_http_err err);

/** Human sentence for an error code, never NULL. */
const char *gw_http_err_text(enum gw_http_err err);

/** Status a server answers with for an error code (400, 414, 431...). */
int gw_http_err_status(enum gw_http_err err);

/** Method enum to its token ("GET"), "" for OTHER. */
const char *gw_http_method_name(enum gw_http_method m);

/** Standard reason phrase of a status code, "" when unknown. */
const char *gw_http_status_reason(int status);

/**
 * Index of the first header at or after index from whose name equals
 * name (case-insensitive), or -1.
 *
 * @param head
 *   The message's bytes from its first byte (contiguous up to head_len).
 */
int gw_http_msg_find(const struct gw_http_msg *m, const uint8_t *head,
		     const char *name, size_t name_len, int from);

/**
 * Next element of a comma-separated list value ("a, b ,c"), skipping
 * empty elements and whitespace.
 *
 * @param pos
 *   In/out cursor into val, start at 0.
 * @return
 *   true with *tok and *tok_len set, or false at the end.
 */
bool gw_http_list_next(const char *val, size_t len, size_t *pos,
		       const char **tok, size_t *tok_len);

/* ---- writer ---------------------------------------------------------- */

enum gw_http_edit_op {
	GW_HTTP_EDIT_SET = 0,	/* replace all occurrences by one value */
	GW_HTTP_EDIT_ADD,	/* append a field line */
	GW_HTTP_EDIT_REMOVE,	/* remove all occurrences */
};

/** One header edit; names are matched case-insensitively. */
struct gw_http_edit {
	const char *name;
	const char *value;	/* ignored for REMOVE */
	uint32_t value_len;
	uint16_t name_len;
	uint8_t op;		/* enum gw_http_edit_op */
};

/**
 * Describe a rewritten head as an iovec list that reuses the original
 * bytes wherever they are unchanged: removed lines are skipped, a SET
 * replaces the first occurrence in place and drops the others (or appends
 * when absent), ADDs go just before the final CRLF. Edits apply in order.
 *
 * @param head
 *   The original head, contiguous, msg->head_len bytes (borrowed; the
 *   iovecs point into it and into scratch).
 * @param msg
 *   Its parse result.
 * @param start_line
 *   Replacement start line without CRLF (a rewritten path, a version
 *   change), or NULL to keep the original one.
 * @param scratch
 *   Memory for the new field lines; the iovecs point into it.
 * @return
 *   Number of iovecs filled, -EINVAL when an edit's name is not a token or
 *   its value holds CR, LF or NUL (header injection), -ENOSPC when iov or
 *   scratch is too small. Nothing is partially valid on error.
 */
int gw_http_head_rewrite(const uint8_t *head, const struct gw_http_msg *msg,
			 const char *start_line, size_t start_line_len,
			 const struct gw_http_edit *edits, unsigned int n_edits,
			 struct iovec *iov, unsigned int iov_max,
			 uint8_t *scratch, size_t scratch_len);

/** A header field to format (names and values validated as in rewrite). */
struct gw_http_field {
	const char *name;
	const char *value;
	uint32_t value_len;
	uint16_t name_len;
};

/**
 * Format a complete response head for a locally generated response
 * (errors, redirects, direct responses): status line, the fields, then
 * Content-Length: body_len unless body_len is negative (no body, e.g. 204
 * or a response to HEAD where the caller writes the length itself).
 *
 * @return
 *   Bytes written to buf, -EINVAL on a bad status (not 100..999) or field,
 *   -ENOSPC when cap is too small.
 */
int gw_http_response_format(char *buf, size_t cap, int status,
			    const struct gw_http_field *fields, unsigned int n,
			    int64_t body_len);

/**
 * Format a complete HTTP/1.1 request head for a request meshgw makes
 * itself (health-check probes, mirrors built from scratch): request line,
 * the fields (Host among them, the caller's job), then Content-Length:
 * body_len unless body_len is negative.
 *
 * @param method
 *   A token ("GET"), NUL-terminated.
 * @param target
 *   Origin-form target ("/healthz?x=1"), NUL-terminated, VCHARs only.
 * @return
 *   Bytes written to buf, -EINVAL on a bad method, target or field,
 *   -ENOSPC when cap is too small.
 */
int gw_http_request_format(char *buf, size_t cap, const char *method,
			   const char *target,
			   const struct gw_http_field *fields, unsigned int n,
			   int64_t body_len);

/**
 * Format a chunk size line ("1a2f\r\n") for size bytes of chunk data;
 * size 0 writes the last-chunk line followed by the empty trailer
 * section ("0\r\n\r\n").
 * @return bytes written; buf needs at most 21 bytes.
 */
int gw_http_chunk_format(char *buf, uint64_t size);

#endif /* GW_HTTP_H */
