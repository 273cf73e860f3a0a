/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/accesslog — one access log record per request or TCP connection, and
 * its rendering: Istio's default text line, Istio's JSON encoding, or an
 * operator's format string of Envoy command operators (%START_TIME%,
 * %RESPONSE_FLAGS%, %REQ(USER-AGENT)%, ...), compiled once.
 *
 * A worker fills a struct gw_alog_rec (fixed fields plus its strings packed
 * in one buffer, gw_alog_rec_str()) and copies gw_alog_rec_size() bytes of
 * it to its ring; ctrl renders it. Times are in TSC cycles: the renderer
 * turns them into wall-clock time with a struct gw_alog_clock. Pure C11:
 * no DPDK, no allocation but in gw_alog_format_compile().
 */
#ifndef GW_ACCESSLOG_H
#define GW_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Envoy's response flags, in the order Envoy renders them (joined by ",";
 * "-" when none): X(name, short, what).
 */
#define GW_ALOG_FLAGS(X)                                                       \
	X(UH, "UH", "no healthy upstream")                                     \
	X(UT, "UT", "upstream request timeout")                                \
	X(LR, "LR", "connection reset locally")                                \
	X(UR, "UR", "upstream remote reset")                                   \
	X(UF, "UF", "upstream connection failure")                             \
	X(UC, "UC", "upstream connection termination")                         \
	X(UO, "UO", "upstream overflow (circuit breaking)")                    \
	X(NR, "NR", "no route")                                                \
	X(DI, "DI", "request delayed by fault injection")                      \
	X(FI, "FI", "request aborted by fault injection")                      \
	X(DC, "DC", "downstream connection termination")                       \
	X(URX, "URX", "upstream retry limit exceeded")                         \
	X(SI, "SI", "stream idle timeout")                                     \
	X(DPE, "DPE", "downstream protocol error")                             \
	X(UPE, "UPE", "upstream protocol error")                               \
	X(NC, "NC", "upstream cluster not found")

enum gw_alog_flag_bit {
#define GW_ALOG_FLAG_BIT(n, s, h) GW_ALOG_BIT_##n,
	GW_ALOG_FLAGS(GW_ALOG_FLAG_BIT)
#undef GW_ALOG_FLAG_BIT
	GW_ALOG_FLAG_MAX
};

#define GW_ALOG_F(n) (1u << GW_ALOG_BIT_##n)

/** The flags as Envoy writes them ("UF,URX", "-" for none) into out.
 * @return the length (truncated to cap - 1). */
size_t gw_alog_flags_str(uint32_t flags, char *out, size_t cap);

/* %RESPONSE_CODE_DETAILS%: why the response is what it is. */
#define GW_ALOG_DETAILS(X)                                                     \
	X(NONE, "-")                                                           \
	X(VIA_UPSTREAM, "via_upstream")                                        \
	X(ROUTE_NOT_FOUND, "route_not_found")                                  \
	X(DIRECT_RESPONSE, "direct_response")                                  \
	X(REDIRECT, "redirect")                                                \
	X(NO_HEALTHY_UPSTREAM, "no_healthy_upstream")                          \
	X(CLUSTER_NOT_FOUND, "cluster_not_found")                              \
	X(UPSTREAM_RESET, "upstream_reset_before_response_started")            \
	X(CONNECT_FAILURE,                                                     \
	  "upstream_reset_before_response_started{connection_failure}")        \
	X(CONNECT_TIMEOUT,                                                     \
	  "upstream_reset_before_response_started{connection_timeout}")        \
	X(UPSTREAM_TIMEOUT, "upstream_response_timeout")                       \
	X(UPSTREAM_PER_TRY_TIMEOUT, "upstream_per_try_timeout")                \
	X(STREAM_IDLE_TIMEOUT, "stream_idle_timeout")                          \
	X(HEADERS_TIMEOUT, "request_header_timeout")                           \
	X(OVERFLOW, "upstream_reset_before_response_started{overflow}")        \
	X(BAD_REQUEST, "http1.codec_error")                                    \
	X(BAD_RESPONSE, "upstream_reset_after_response_started{protocol_error}") \
	X(TOO_LARGE, "request_payload_too_large")                              \
	X(FAULT_ABORT, "fault_filter_abort")                                   \
	X(DOWNSTREAM_RESET, "downstream_remote_disconnect")                    \
	X(UPSTREAM_RESET_AFTER, "upstream_reset_after_response_started")       \
	X(LOCAL, "local_reply")                                                \
	X(TCP_CLOSED, "-")                                                     \
	X(SNI_NOT_FOUND, "filter_chain_not_found")

enum gw_alog_details {
#define GW_ALOG_DETAIL_ENUM(n, s) GW_ALOG_D_##n,
	GW_ALOG_DETAILS(GW_ALOG_DETAIL_ENUM)
#undef GW_ALOG_DETAIL_ENUM
	GW_ALOG_D_MAX
};

/* The strings a record carries. */
enum gw_alog_str {
	GW_ALOG_S_METHOD,
	GW_ALOG_S_PATH,		/* the request target as it came */
	GW_ALOG_S_AUTHORITY,
	GW_ALOG_S_USER_AGENT,
	GW_ALOG_S_XFF,		/* x-forwarded-for as it came */
	GW_ALOG_S_REQUEST_ID,	/* x-request-id, as it came or made */
	GW_ALOG_S_SNI,		/* the TLS server name */
	GW_ALOG_S_ROUTE,	/* route name */
	GW_ALOG_S_CLUSTER,	/* upstream cluster name */
	GW_ALOG_S_MAX
};

/* Longest kept of each string (longer ones are cut). */
#define GW_ALOG_STR_FIELD_MAX 256
/* Room for all strings of a record. */
#define GW_ALOG_STR_CAP 1024

enum gw_alog_proto {
	GW_ALOG_TCP = 0,	/* a TCP (passthrough) connection */
	GW_ALOG_HTTP10,
	GW_ALOG_HTTP11,
};

enum gw_alog_trace {
	GW_ALOG_TRACE_NONE = 0,		/* no trace context */
	GW_ALOG_TRACE_UNSAMPLED,
	GW_ALOG_TRACE_SAMPLED,		/* a span to export */
};

struct gw_alog_rec {
	uint64_t start_tsc;	/* the request's first byte (TCP: accept) */
	uint64_t duration_tsc;	/* until its last response byte was queued */
	uint64_t upstream_tsc;	/* request routed to response head; 0 none */
	uint64_t bytes_rx;	/* from the client: head and body (TCP: all) */
	uint64_t bytes_tx;	/* to the client */
	uint64_t trace_hi;	/* trace id, 128 bits (hi 0 for 64-bit ids) */
	uint64_t trace_lo;
	uint64_t span_id;	/* this hop's span */
	uint64_t parent_id;	/* 0: a root span */
	uint32_t flags;		/* GW_ALOG_F() bits */
	uint32_t down_remote_ip; /* host byte order */
	uint32_t down_local_ip;
	uint32_t up_ip;		/* 0: no upstream host */
	uint32_t up_local_ip;
	uint16_t down_remote_port;
	uint16_t down_local_port;
	uint16_t up_port;
	uint16_t up_local_port;
	uint16_t status;	/* 0: no response (TCP, or cut before one) */
	uint8_t proto;		/* enum gw_alog_proto */
	uint8_t details;	/* enum gw_alog_details */
	uint8_t trace;		/* enum gw_alog_trace */
	uint8_t worker;
	uint16_t str_len[GW_ALOG_S_MAX];
	uint16_t str_off[GW_ALOG_S_MAX];
	uint16_t str_used;	/* bytes of str in use */
	char str[GW_ALOG_STR_CAP];
};

/** Clear r's strings (the fixed fields are the caller's). */
static inline void
gw_alog_rec_clear_str(struct gw_alog_rec *r)
{
	unsigned i;

	for (i = 0; i < GW_ALOG_S_MAX; i++)
		r->str_len[i] = 0;
	r->str_used = 0;
}

/**
 * Set string k of r (once per record; a second set appends a new copy).
 * Cut to GW_ALOG_STR_FIELD_MAX and to the room left.
 */
void gw_alog_rec_set(struct gw_alog_rec *r, enum gw_alog_str k,
		     const char *s, size_t len);

/** String k of r and its length (not NUL-terminated; "" when unset). */
static inline const char *
gw_alog_rec_str(const struct gw_alog_rec *r, enum gw_alog_str k, size_t *len)
{
	*len = r->str_len[k];
	return r->str_len[k] > 0 ? r->str + r->str_off[k] : "";
}

/** Bytes of r that carry it: the fixed fields and the strings used. */
static inline size_t
gw_alog_rec_size(const struct gw_alog_rec *r)
{
	return offsetof(struct gw_alog_rec, str) + r->str_used;
}

/* TSC to wall clock: unix_ns = wall0_ns + (tsc - tsc0) * 1e9 / tsc_hz. */
struct gw_alog_clock {
	uint64_t tsc_hz;
	uint64_t tsc0;
	uint64_t wall0_ns;
};

/* ---- rendering -------------------------------------------------------- */

struct gw_alog_format;

/* Istio's default text format (meshConfig.accessLogFormat unset). */
#define GW_ALOG_ISTIO_FORMAT                                                   \
	"[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% "  \
	"%PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% "                      \
	"%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "           \
	"\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% "           \
	"%BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "     \
	"\"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" "                  \
	"\"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" "  \
	"%UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% "                        \
	"%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% "             \
	"%REQUESTED_SERVER_NAME% %ROUTE_NAME%\n"

/**
 * Compile an Envoy-style format string: text with %OPERATOR% and
 * %REQ(NAME)%/%REQ(A?B)% (headers the record carries: :METHOD, :PATH,
 * X-ENVOY-ORIGINAL-PATH, :AUTHORITY, USER-AGENT, X-FORWARDED-FOR,
 * X-REQUEST-ID) and %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%. A field with no
 * value renders "-". %START_TIME% takes no format argument.
 * @return 0, or -EINVAL with the offending operator and its offset in
 *   err; -ENOMEM.
 */
int gw_alog_format_compile(const char *fmt, struct gw_alog_format **out,
			   char *err, size_t errlen);
void gw_alog_format_free(struct gw_alog_format *f);

/**
 * Render r with format f (NULL: Istio's JSON encoding, one object and a
 * newline). Strings in JSON are escaped; in text they are as they came
 * (control characters replaced by '?').
 * @return the length written to out (NUL-terminated; cut at cap - 1).
 */
size_t gw_alog_render(const struct gw_alog_format *f,
		      const struct gw_alog_rec *r,
		      const struct gw_alog_clock *ck, char *out, size_t cap);

/** Unix time in ns of a TSC stamp. */
uint64_t gw_alog_wall_ns(const struct gw_alog_clock *ck, uint64_t tsc);

#endif /* GW_ACCESSLOG_H */
