/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/config — meshgw's configuration model and its YAML loader.
 *
 * Configuration is a set of Kubernetes-style resources (apiVersion, kind,
 * metadata, spec) read from one YAML file with `---`-separated documents or
 * from a folder of such files. Every document is kept as a generic tree
 * (struct gw_config_node) with its source position, so later stages and the
 * admin API can report errors as file:line:column. Kinds that meshgw
 * implements are decoded into typed structs; this module decodes `Dataplane`
 * (meshgw.io/v1alpha1). Other known kinds (Istio's networking and security
 * resources, meshgw's HealthCheck) are accepted, kept and listed with the
 * state "not yet applied" until the issue that implements them lands.
 *
 * Entry points: gw_config_load(), gw_config_load_buffer(), gw_config_free(),
 * the resource accessors, gw_config_dataplane() and the JSON dump.
 * Calling thread: control thread (or any single thread); nothing here is
 * used on a worker's fast path. lib/ never logs: errors are returned in
 * struct gw_config_err.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define GW_CONFIG_ERR_FILE_MAX 256
#define GW_CONFIG_ERR_MSG_MAX 512

/** First error found while loading; positions are 1-based, 0 = unknown. */
struct gw_config_err {
	char file[GW_CONFIG_ERR_FILE_MAX]; /* source name; "" if none */
	unsigned line;
	unsigned col;
	char msg[GW_CONFIG_ERR_MSG_MAX]; /* "<field path>: <what was expected>" */
	bool syntax; /* the input is not well-formed YAML/JSON (else: a
		      * well-formed document with wrong content) */
};

/**
 * Format an error as "file:line:col: msg" (parts that are unknown are left
 * out). Always NUL-terminates when len > 0.
 * @return the length snprintf would have written.
 */
int gw_config_err_format(const struct gw_config_err *err, char *buf,
			 size_t len);

/* ---- generic tree ------------------------------------------------------ */

enum gw_config_node_type {
	GW_CONFIG_NODE_SCALAR,
	GW_CONFIG_NODE_MAP,
	GW_CONFIG_NODE_SEQ,
};

struct gw_config_node;

/** One key of a mapping, with the position of the key itself. */
struct gw_config_pair {
	char *key;
	unsigned line;
	unsigned col;
	struct gw_config_node *value;
};

/**
 * A YAML node. Scalars keep their text and whether they were quoted (a
 * quoted scalar is always a string; a plain one is resolved by the YAML 1.2
 * core schema when a typed value is asked for). Owned by the gw_config
 * that loaded it.
 */
struct gw_config_node {
	enum gw_config_node_type type;
	unsigned line; /* 1-based position of the node's first character */
	unsigned col;
	const char *file; /* borrowed from the owning gw_config */
	/* GW_CONFIG_NODE_SCALAR */
	char *str; /* NUL-terminated; may contain NUL only if len says so */
	size_t len;
	bool quoted;
	/* GW_CONFIG_NODE_MAP: pairs[n]; GW_CONFIG_NODE_SEQ: items[n] */
	size_t n;
	struct gw_config_pair *pairs;
	struct gw_config_node **items;
};

/** Value of `key` in a mapping node, or NULL (also when map is not a map). */
const struct gw_config_node *
gw_config_node_get(const struct gw_config_node *map, const char *key);

/**
 * Convert a subtree to JSON: mappings to objects, sequences to arrays,
 * plain scalars resolved by the YAML 1.2 core schema (null, true/false,
 * integers, floats), quoted scalars to strings.
 * @return a new reference, or NULL on allocation failure.
 */
json_t *gw_config_node_to_json(const struct gw_config_node *node);

/* ---- resources --------------------------------------------------------- */

/** What meshgw does with a loaded resource of this kind today. */
enum gw_config_apply_state {
	GW_CONFIG_APPLIED,	   /* decoded and used */
	GW_CONFIG_NOT_YET_APPLIED, /* known kind, kept, not yet implemented */
};

struct gw_config_resource {
	const char *api_version; /* "networking.istio.io/v1" */
	const char *group;	 /* "networking.istio.io" ("" for core) */
	const char *version;	 /* "v1" */
	const char *kind;	 /* "VirtualService" */
	const char *name;
	const char *namespace; /* "default" when metadata.namespace is absent */
	const char *file;      /* source file (or buffer name) */
	unsigned line;	       /* position of the document's root mapping */
	unsigned col;
	const struct gw_config_node *root; /* the whole document */
	const struct gw_config_node *spec; /* NULL if the document has none */
	enum gw_config_apply_state state;
};

/* ---- Dataplane (meshgw.io/v1alpha1) ------------------------------------- */

#define GW_CONFIG_MAX_PORTS 16
#define GW_CONFIG_MAX_WORKERS 64
#define GW_CONFIG_PORT_NAME_MAX 32
#define GW_CONFIG_DEVICE_MAX 256
#define GW_CONFIG_PATH_MAX 4096

/* Defaults, as documented in README.md ("The Dataplane resource"). */
#define GW_CONFIG_DEFAULT_WORKERS 1
#define GW_CONFIG_DEFAULT_MEMORY_MB 256
#define GW_CONFIG_DEFAULT_MTU 1500
#define GW_CONFIG_DEFAULT_ADMIN_ADDR 0x7f000001u /* 127.0.0.1 */
#define GW_CONFIG_DEFAULT_ADMIN_PORT 15000
#define GW_CONFIG_DEFAULT_IDLE_SLEEP_US 0 /* pure busy polling */
#define GW_CONFIG_DEFAULT_HUGEPAGES false /* runs anywhere: --no-huge */

/* Impairment of one direction of a port (tests: loss, reordering...). */
struct gw_config_impair {
	double drop_pct;      /* 0..100 */
	double reorder_pct;   /* 0..100: held back behind later packets */
	double duplicate_pct; /* 0..100 */
	unsigned delay_ms;    /* 0..10000, added to every packet */
};

struct gw_config_port {
	char name[GW_CONFIG_PORT_NAME_MAX];  /* [a-z0-9-], unique */
	char device[GW_CONFIG_DEVICE_MAX];   /* vdev args or PCI address */
	bool is_pci;			     /* device is a PCI address */
	uint32_t addr;			     /* IPv4, host byte order */
	uint8_t prefix_len;		     /* 1..32 */
	bool has_gateway;
	uint32_t gateway; /* host byte order; inside the port's subnet */
	uint16_t mtu;	  /* bytes of IP payload, 68..9600 */
	bool impaired;	  /* an impairment section is present */
	uint64_t impair_seed;
	struct gw_config_impair impair_rx;
	struct gw_config_impair impair_tx;
};

/* TCP stack settings (spec.tcp). Buffers are per connection. */
#define GW_CONFIG_DEFAULT_TCP_MAX_CONNS 16384	/* per worker */
#define GW_CONFIG_DEFAULT_TCP_BUFFER 262144	/* bytes, each direction */
#define GW_CONFIG_DEFAULT_TCP_SYN_BACKLOG 1024	/* per listener and worker */

enum gw_config_tcp_cc {
	GW_CONFIG_TCP_CC_CUBIC, /* RFC 9438, the default */
	GW_CONFIG_TCP_CC_NEWRENO,
};

struct gw_config_tcp {
	unsigned max_conns;   /* connections per worker, 16..1048576 */
	unsigned rcv_buf;     /* receive buffer, 4096..16777216 bytes */
	unsigned snd_buf;     /* send buffer, 4096..16777216 bytes */
	unsigned syn_backlog; /* half-open connections per listener, 1..65535 */
	enum gw_config_tcp_cc cc;
	unsigned keepalive_time_s;     /* idle before probing; 0 = off */
	unsigned keepalive_interval_s; /* between probes */
	unsigned keepalive_probes;     /* unanswered probes before reset */
};

/*
 * HTTP proxy settings (spec.http): downstream timeouts and limits. Route
 * timeouts, connect timeouts and upstream idle timeouts come from the
 * Istio resources (VirtualService, DestinationRule).
 */
#define GW_CONFIG_DEFAULT_HTTP_HEADERS_TIMEOUT_MS 60000	/* nginx's 60 s */
#define GW_CONFIG_DEFAULT_HTTP_IDLE_TIMEOUT_MS 300000	/* 5 min */
#define GW_CONFIG_DEFAULT_HTTP_STREAM_IDLE_TIMEOUT_MS 300000 /* Envoy's */

struct gw_config_http {
	/* a request head must be whole this long after its first byte;
	 * 408 otherwise (slowloris); 0 = off */
	unsigned request_headers_timeout_ms;
	/* a connection with no request in flight closes after this long
	 * without a byte; 0 = off */
	unsigned idle_timeout_ms;
	/* a request in flight (or a tunnel) that moves no byte either way
	 * for this long: 408/504 before the response, reset after; 0 = off */
	unsigned stream_idle_timeout_ms;
	/* request bodies larger than this get 413; 0 = no limit */
	uint64_t max_request_body_bytes;
};

/* spec.tls: where credentialName secrets are mounted, ticket keys. */
#define GW_CONFIG_DEFAULT_CREDENTIALS_DIR "/etc/meshgw/credentials"
#define GW_CONFIG_DEFAULT_TICKET_ROTATION_S 3600
#define GW_CONFIG_MAX_TICKET_ROTATION_S (7 * 86400)

struct gw_config_tls {
	/* credentialName X is the folder <credentials_dir>/X holding tls.crt,
	 * tls.key and ca.crt, as Kubernetes mounts a Secret */
	char credentials_dir[GW_CONFIG_PATH_MAX];
	/* session ticket keys are replaced this often (the two before stay
	 * valid for resumption); 0 = session tickets off */
	unsigned ticket_rotation_s;
};

/*
 * spec.telemetry: who the gateway is in Istio's standard metrics (the
 * source_* labels), access logging (Istio's meshConfig accessLogFile,
 * accessLogEncoding, accessLogFormat) and tracing (sampling percentage,
 * Zipkin collector).
 */
#define GW_CONFIG_NAME_MAX 63
#define GW_CONFIG_ALOG_FORMAT_MAX 2047
#define GW_CONFIG_DEFAULT_SAMPLING_PPM 10000 /* 1 %, Istio's default */

struct gw_config_telemetry {
	char workload[GW_CONFIG_NAME_MAX + 1];	/* default "meshgw" */
	char ns[GW_CONFIG_NAME_MAX + 1];	/* default "istio-system" */
	char app[GW_CONFIG_NAME_MAX + 1];	/* default: workload */
	char version[GW_CONFIG_NAME_MAX + 1];	/* default "unknown" */
	char cluster[GW_CONFIG_NAME_MAX + 1];	/* default "Kubernetes" */
	bool metrics;		/* Istio's standard metrics; default on */
	/* "" off; "/dev/stdout" the process' stdout; else a file, appended
	 * to and reopened on SIGHUP */
	char access_log_path[GW_CONFIG_PATH_MAX];
	bool access_log_json;	/* accessLogEncoding JSON */
	char access_log_format[GW_CONFIG_ALOG_FORMAT_MAX + 1]; /* "": Istio's */
	uint32_t sampling_ppm;	/* of requests without a sampling decision */
	uint32_t zipkin_addr;	/* host byte order; 0: no span export */
	uint16_t zipkin_port;
};

/* TCP test applications (spec.testListeners), for tests and benchmarks. */
#define GW_CONFIG_MAX_TEST_LISTENERS 16
#define GW_CONFIG_DEFAULT_SOURCE_BYTES 1048576

enum gw_config_test_mode {
	GW_CONFIG_TEST_ECHO,	/* send back what arrives */
	GW_CONFIG_TEST_DISCARD, /* read and drop (RFC 863) */
	GW_CONFIG_TEST_SOURCE,	/* send `bytes` bytes, then close */
};

struct gw_config_test_listener {
	uint16_t port; /* 1..65535, outside the ephemeral range */
	enum gw_config_test_mode mode;
	uint64_t bytes; /* source: bytes to send */
};

/* TCP test clients (spec.testClients): connect out and send a pattern. */
#define GW_CONFIG_MAX_TEST_CLIENTS 16

struct gw_config_test_client {
	uint32_t addr; /* host byte order */
	uint16_t port;
	unsigned connections; /* 1..10000, spread over the workers */
	uint64_t bytes;	      /* sent on each connection, then FIN */
};

/* L4 (spec.l4): ports served by the full-NAT fast path, flow table size
 * and timeouts. A port not listed here (or listed with mode proxy) is
 * served by the terminating proxy. */
#define GW_CONFIG_MAX_L4_LISTENERS 16
#define GW_CONFIG_DEFAULT_L4_FLOWS 65536
#define GW_CONFIG_DEFAULT_L4_TCP_SYN_S 10	/* handshake not complete */
#define GW_CONFIG_DEFAULT_L4_TCP_EST_S 900	/* IPVS's tcp timeout */
#define GW_CONFIG_DEFAULT_L4_TCP_CLOSING_S 10	/* FIN or RST seen */
#define GW_CONFIG_DEFAULT_L4_UDP_S 300		/* IPVS's udp timeout */

struct gw_config_l4_listener {
	uint16_t port;	/* 1..65535, outside the ephemeral range */
	bool tcp;	/* TCP flows to it are NATed */
	bool udp;	/* UDP flows to it are NATed */
};

struct gw_config_l4 {
	unsigned flows_per_worker;	/* 1024..4194304 */
	unsigned tcp_syn_timeout_s;	/* 1..86400 each */
	unsigned tcp_established_timeout_s;
	unsigned tcp_closing_timeout_s;
	unsigned udp_timeout_s;
	unsigned mss_clamp;	/* 0: each port's MTU - 40; else 536..9560 */
	unsigned n_listeners;
	struct gw_config_l4_listener listeners[GW_CONFIG_MAX_L4_LISTENERS];
};

struct gw_config_dataplane {
	unsigned workers;	/* 1..GW_CONFIG_MAX_WORKERS */
	unsigned memory_mb;	/* 64..65536 */
	bool hugepages;		/* ask for hugepages */
	unsigned idle_sleep_us; /* 0 = busy poll; else sleep when idle */
	unsigned n_ports;
	struct gw_config_port ports[GW_CONFIG_MAX_PORTS];
	uint32_t admin_addr; /* host byte order */
	uint16_t admin_port;
	char admin_token_file[GW_CONFIG_PATH_MAX]; /* "" = no token */
	struct gw_config_tcp tcp;
	struct gw_config_http http;
	struct gw_config_tls tls;
	struct gw_config_telemetry telemetry;
	struct gw_config_l4 l4;
	unsigned n_test_listeners;
	struct gw_config_test_listener test_listeners[GW_CONFIG_MAX_TEST_LISTENERS];
	unsigned n_test_clients;
	struct gw_config_test_client test_clients[GW_CONFIG_MAX_TEST_CLIENTS];
	/* The resource it came from, or NULL when every value is a default. */
	const struct gw_config_resource *source;
};

/* ---- the loaded set ----------------------------------------------------- */

struct gw_config;

/**
 * Load a YAML file, or every *.yaml / *.yml file of a folder (not
 * recursive, hidden files skipped, in byte order of the names), validate
 * every resource and decode the Dataplane.
 * @param path  file or folder.
 * @param out   on success, a new set the caller frees with gw_config_free().
 * @param err   on failure, the first error with its position.
 * @return 0, or -errno: -EINVAL for invalid content, -ENOENT/-EACCES/... when
 *   the path cannot be read, -ENOMEM, -EFBIG for a file over the size limit.
 */
int gw_config_load(const char *path, struct gw_config **out,
		   struct gw_config_err *err);

/**
 * Same as gw_config_load() for YAML held in memory (REST apply, tests,
 * fuzzing). `name` is used as the file name in errors. `buf` need not be
 * NUL-terminated.
 */
int gw_config_load_buffer(const char *name, const char *buf, size_t len,
			  struct gw_config **out, struct gw_config_err *err);

/** One named buffer of gw_config_load_buffers(). */
struct gw_config_buf {
	const char *name;	/* the file name in errors and sources */
	const char *data;	/* YAML (or JSON), need not be NUL-terminated */
	size_t len;
};

/**
 * Same as gw_config_load_buffer() for several buffers loaded into one set,
 * in order (the admin API's resource store: one buffer per resource, so
 * an error names it).
 */
int gw_config_load_buffers(const struct gw_config_buf *bufs, size_t n,
			   struct gw_config **out, struct gw_config_err *err);

/**
 * The kind served under a Kubernetes-style path: group, version and the
 * lowercase plural ("networking.istio.io", "v1", "virtualservices").
 * @param kind         set to the kind ("VirtualService").
 * @param api_version  set to "group/version" as the loader accepts it.
 * @return 0, -ENOENT (no such group and plural), -EINVAL (the kind exists
 *   but not in that version).
 */
int gw_config_kind_find(const char *group, const char *version,
			const char *plural, const char **kind,
			const char **api_version);

/**
 * The kind a command-line word names: the kind, its plural or its short
 * name, in any case ("vs", "VirtualServices", "virtualservice").
 * @param group, api_version, plural  set for the API path (the preferred
 *   version).
 * @return the kind, or NULL.
 */
const char *gw_config_kind_lookup(const char *word, const char **group,
				  const char **api_version,
				  const char **plural);

/** The kind as lib/config's table spells it (a string that lives as long
 * as the program), NULL for an unknown kind. */
const char *gw_config_kind_name(const char *kind);


/** Free a set and every node and resource in it; NULL is a no-op. */
void gw_config_free(struct gw_config *cfg);

size_t gw_config_resource_count(const struct gw_config *cfg);
/** Resource i in load order, or NULL when i is out of range. */
const struct gw_config_resource *
gw_config_resource_at(const struct gw_config *cfg, size_t i);

/** The decoded Dataplane: from the resource, or all defaults if none. */
const struct gw_config_dataplane *
gw_config_dataplane(const struct gw_config *cfg);

/**
 * The whole set as JSON for /config_dump:
 * {"resources":[{"apiVersion":…, "kind":…, "metadata":{…}, "spec":{…},
 *   "status":{"state":"applied"|"not yet applied", "source":"file:line"}}]}
 * @return a new reference, or NULL on allocation failure.
 */
json_t *gw_config_dump_json(const struct gw_config *cfg);

/**
 * One resource as JSON: apiVersion, kind, metadata (with its namespace,
 * also when defaulted) and spec. @return a new reference, or NULL.
 */
json_t *gw_config_resource_to_json(const struct gw_config_resource *r);

/** "applied" / "not yet applied". */
const char *gw_config_apply_state_name(enum gw_config_apply_state s);

#endif /* GW_CONFIG_H */
