/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Dataplane resource (meshgw.io/v1alpha1): DPDK ports, workers,
 * memory, admin API. Decoding is strict: an unknown field is an error that
 * names it and lists the accepted ones, and every value is checked (ranges,
 * address syntax, subnets that must not overlap), so ctrl and the
 * dataplane can trust struct gw_config_dataplane as it is.
 *
 * Entry points: cfg_dataplane_defaults(), cfg_dataplane_decode(),
 * gw_config_dataplane(). Control thread only.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gw_accesslog.h"
#include "gw_config.h"
#include "config_priv.h"

#define PATH_LEN 64 /* "spec.ports[15].gateway" and the like */

#define MIN_MTU 68
#define MAX_MTU 9600
#define MIN_MEMORY_MB 64
#define MAX_MEMORY_MB 65536
#define MAX_IDLE_SLEEP_US 100000

static const char *const spec_fields[] = {
	"workers", "memoryMB", "hugepages", "idleSleepUs", "ports", "admin",
	"tcp", "http", "tls", "telemetry", "l4", "testListeners",
	"testClients", NULL,
};
static const char *const l4_fields[] = {
	"flowsPerWorker", "tcpSynTimeoutSec", "tcpEstablishedTimeoutSec",
	"tcpClosingTimeoutSec", "udpTimeoutSec", "mssClamp", "listeners", NULL,
};
static const char *const l4_listener_fields[] = {
	"port", "mode", "protocols", NULL,
};
static const char *const telemetry_fields[] = {
	"workload", "metrics", "accessLog", "tracing", NULL,
};
static const char *const workload_fields[] = {
	"name", "namespace", "app", "version", "cluster", NULL,
};
static const char *const access_log_fields[] = {
	"path", "encoding", "format", NULL,
};
static const char *const tracing_fields[] = {
	"sampling", "zipkin", NULL,
};
static const char *const tls_fields[] = {
	"credentialsDir", "sessionTicketRotationSeconds", NULL,
};
static const char *const port_fields[] = {
	"name", "device", "address", "gateway", "mtu", "impairment", NULL,
};
static const char *const impair_fields[] = {
	"seed", "rx", "tx", NULL,
};
static const char *const impair_dir_fields[] = {
	"dropPercent", "reorderPercent", "duplicatePercent", "delayMs", NULL,
};
static const char *const admin_fields[] = {
	"address", "tokenFile", NULL,
};
static const char *const tcp_fields[] = {
	"maxConnections", "receiveBuffer", "sendBuffer", "synBacklog",
	"congestionControl", "keepaliveTimeSec", "keepaliveIntervalSec",
	"keepaliveProbes", NULL,
};
static const char *const http_fields[] = {
	"requestHeadersTimeoutMs", "idleTimeoutMs", "streamIdleTimeoutMs",
	"maxRequestBodyBytes", NULL,
};
static const char *const listener_fields[] = {
	"port", "mode", "bytes", NULL,
};
static const char *const client_fields[] = {
	"address", "port", "bytes", "connections", NULL,
};

/* Ports the gateway opens its own connections from (dataplane/flow). */
#define EPHEMERAL_LO 32768
#define EPHEMERAL_HI 60999

void
cfg_dataplane_defaults(struct gw_config_dataplane *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->workers = GW_CONFIG_DEFAULT_WORKERS;
	dp->memory_mb = GW_CONFIG_DEFAULT_MEMORY_MB;
	dp->hugepages = GW_CONFIG_DEFAULT_HUGEPAGES;
	dp->idle_sleep_us = GW_CONFIG_DEFAULT_IDLE_SLEEP_US;
	dp->admin_addr = GW_CONFIG_DEFAULT_ADMIN_ADDR;
	dp->admin_port = GW_CONFIG_DEFAULT_ADMIN_PORT;
	dp->tcp.max_conns = GW_CONFIG_DEFAULT_TCP_MAX_CONNS;
	dp->tcp.rcv_buf = GW_CONFIG_DEFAULT_TCP_BUFFER;
	dp->tcp.snd_buf = GW_CONFIG_DEFAULT_TCP_BUFFER;
	dp->tcp.syn_backlog = GW_CONFIG_DEFAULT_TCP_SYN_BACKLOG;
	dp->tcp.cc = GW_CONFIG_TCP_CC_CUBIC;
	dp->tcp.keepalive_time_s = 0; /* off, as sockets default */
	dp->tcp.keepalive_interval_s = 75; /* Linux's defaults */
	dp->tcp.keepalive_probes = 9;
	dp->l4.flows_per_worker = GW_CONFIG_DEFAULT_L4_FLOWS;
	dp->l4.tcp_syn_timeout_s = GW_CONFIG_DEFAULT_L4_TCP_SYN_S;
	dp->l4.tcp_established_timeout_s = GW_CONFIG_DEFAULT_L4_TCP_EST_S;
	dp->l4.tcp_closing_timeout_s = GW_CONFIG_DEFAULT_L4_TCP_CLOSING_S;
	dp->l4.udp_timeout_s = GW_CONFIG_DEFAULT_L4_UDP_S;
	dp->http.request_headers_timeout_ms =
		GW_CONFIG_DEFAULT_HTTP_HEADERS_TIMEOUT_MS;
	dp->http.idle_timeout_ms = GW_CONFIG_DEFAULT_HTTP_IDLE_TIMEOUT_MS;
	dp->http.stream_idle_timeout_ms =
		GW_CONFIG_DEFAULT_HTTP_STREAM_IDLE_TIMEOUT_MS;
	snprintf(dp->tls.credentials_dir, sizeof(dp->tls.credentials_dir),
		 "%s", GW_CONFIG_DEFAULT_CREDENTIALS_DIR);
	dp->tls.ticket_rotation_s = GW_CONFIG_DEFAULT_TICKET_ROTATION_S;
	snprintf(dp->telemetry.workload, sizeof(dp->telemetry.workload),
		 "meshgw");
	snprintf(dp->telemetry.ns, sizeof(dp->telemetry.ns), "istio-system");
	snprintf(dp->telemetry.version, sizeof(dp->telemetry.version),
		 "unknown");
	snprintf(dp->telemetry.cluster, sizeof(dp->telemetry.cluster),
		 "Kubernetes");
	dp->telemetry.metrics = true;
	dp->telemetry.sampling_ppm = GW_CONFIG_DEFAULT_SAMPLING_PPM;
}

const struct gw_config_dataplane *
gw_config_dataplane(const struct gw_config *cfg)
{
	return cfg ? &cfg->dp : NULL;
}

/* ---- generic field helpers ---------------------------------------------- */

static int
unknown_field(const struct gw_config_node *map, const struct gw_config_pair *p,
	      const char *path, const char *const *accepted,
	      struct gw_config_err *err)
{
	char list[GW_CONFIG_ERR_MSG_MAX / 2], q[CFG_DESCR_MAX];
	size_t o = 0;
	int n;

	list[0] = '\0';
	for (; *accepted != NULL; accepted++) {
		n = snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "",
			     *accepted);
		if (n < 0 || (size_t)n >= sizeof(list) - o)
			break;
		o += (size_t)n;
	}
	return cfg_err_key(err, map->file, p, "%s: unknown field %s (accepted: %s)",
			   path, cfg_quote(p->key, strlen(p->key),
					   CFG_QUOTE_EXCERPT, q, sizeof(q)),
			   list);
}

static bool
is_one_of(const char *key, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, key) == 0)
			return true;
	return false;
}

/* Reject unknown keys first, so a typo is reported as such. */
static int
check_fields(const struct gw_config_node *map, const char *path,
	     const char *const *accepted, struct gw_config_err *err)
{
	size_t i;

	for (i = 0; i < map->n; i++)
		if (!is_one_of(map->pairs[i].key, accepted))
			return unknown_field(map, &map->pairs[i], path,
					     accepted, err);
	return 0;
}

static int
get_uint(const struct gw_config_node *n, const char *path, long long min,
	 long long max, unsigned *out, struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];
	long long v;

	if (cfg_node_int(n, &v) < 0 || v < min || v > max)
		return cfg_err_node(err, n,
				    "%s: expected an integer between %lld and %lld, got %s",
				    path, min, max,
				    cfg_node_describe(n, d, sizeof(d)));
	*out = (unsigned)v;
	return 0;
}

static int
get_bool(const struct gw_config_node *n, const char *path, bool *out,
	 struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];

	if (cfg_node_bool(n, out) < 0)
		return cfg_err_node(err, n, "%s: expected true or false, got %s",
				    path, cfg_node_describe(n, d, sizeof(d)));
	return 0;
}

/* A string of 1..max bytes, copied to out (max + 1 bytes). */
static int
get_str(const struct gw_config_node *n, const char *path, const char *what,
	size_t max, char *out, struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];
	const char *s;

	if (cfg_node_str(n, &s) < 0 || n->len == 0 || n->len > max)
		return cfg_err_node(err, n,
				    "%s: expected %s of 1 to %zu bytes, got %s",
				    path, what, max,
				    cfg_node_describe(n, d, sizeof(d)));
	memcpy(out, s, n->len + 1);
	return 0;
}

/* ---- IPv4 --------------------------------------------------------------- */

/*
 * Strict dotted quad: four decimal octets <= 255, no leading zeros (so
 * "010" cannot be mistaken for octal). Returns the first byte after it, or
 * NULL.
 */
static const char *
parse_ipv4(const char *s, uint32_t *addr)
{
	unsigned i, v, digits;
	uint32_t a = 0;

	for (i = 0; i < 4; i++) {
		if (i > 0 && *s++ != '.')
			return NULL;
		v = 0;
		for (digits = 0; s[digits] >= '0' && s[digits] <= '9'; digits++) {
			if (digits == 3)
				return NULL;
			v = v * 10 + (unsigned)(s[digits] - '0');
		}
		if (digits == 0 || v > 255 || (digits > 1 && s[0] == '0'))
			return NULL;
		s += digits;
		a = a << 8 | v;
	}
	*addr = a;
	return s;
}

/* Decimal 1..max without sign or leading zeros, ending the string. */
static bool
parse_number(const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (s[0] < '1' || s[0] > '9')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static uint32_t
prefix_mask(unsigned len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

static void
fmt_ipv4(uint32_t a, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255);
}

static const char *
reserved_range(uint32_t a)
{
	if ((a >> 24) == 0)
		return "0.0.0.0/8, \"this network\"";
	if ((a >> 24) == 127)
		return "127.0.0.0/8, loopback";
	if ((a >> 28) == 14)
		return "224.0.0.0/4, multicast";
	if ((a >> 28) == 15)
		return "240.0.0.0/4, reserved";
	return NULL;
}

static int
get_port_address(const struct gw_config_node *n, const char *path,
		 struct gw_config_port *port, struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];
	const char *s, *rest, *why;
	unsigned len;
	uint32_t a, host;

	cfg_node_describe(n, d, sizeof(d));
	if (cfg_node_str(n, &s) < 0 || (rest = parse_ipv4(s, &a)) == NULL ||
	    rest[0] != '/' || rest[1] == '\0')
		return cfg_err_node(err, n,
				    "%s: expected an IPv4 address with a prefix length (a.b.c.d/len), got %s",
				    path, d);
	if (!parse_number(rest + 1, 32, &len))
		return cfg_err_node(err, n,
				    "%s: expected a prefix length between 1 and 32, got %s",
				    path, d);
	why = reserved_range(a);
	if (why != NULL)
		return cfg_err_node(err, n,
				    "%s: expected a unicast host address, got %s (%s)",
				    path, d, why);
	host = a & ~prefix_mask(len);
	if (len <= 30 && host == 0)
		return cfg_err_node(err, n,
				    "%s: expected a host address, got %s, the network address of its subnet",
				    path, d);
	if (len <= 30 && host == ~prefix_mask(len))
		return cfg_err_node(err, n,
				    "%s: expected a host address, got %s, the broadcast address of its subnet",
				    path, d);
	port->addr = a;
	port->prefix_len = (uint8_t)len;
	return 0;
}

static int
get_gateway(const struct gw_config_node *n, const char *path,
	    struct gw_config_port *port, struct gw_config_err *err)
{
	uint32_t mask = prefix_mask(port->prefix_len), gw;
	char d[CFG_DESCR_MAX], net[16];
	const char *s, *rest;

	cfg_node_describe(n, d, sizeof(d));
	if (cfg_node_str(n, &s) < 0 || (rest = parse_ipv4(s, &gw)) == NULL ||
	    rest[0] != '\0')
		return cfg_err_node(err, n,
				    "%s: expected an IPv4 address (a.b.c.d), got %s",
				    path, d);
	fmt_ipv4(port->addr & mask, net, sizeof(net));
	if ((gw & mask) != (port->addr & mask) ||
	    (port->prefix_len <= 30 &&
	     ((gw & ~mask) == 0 || (gw & ~mask) == ~mask)))
		return cfg_err_node(err, n,
				    "%s: expected a host of the port's subnet %s/%u, got %s",
				    path, net, port->prefix_len, d);
	if (gw == port->addr)
		return cfg_err_node(err, n,
				    "%s: expected a gateway other than the port's own address, got %s",
				    path, d);
	port->gateway = gw;
	port->has_gateway = true;
	return 0;
}

/* ---- ports -------------------------------------------------------------- */

static bool
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/* DDDD:BB:DD.F or BB:DD.F, hex, function 0-7. */
static bool
is_pci_addr(const char *s)
{
	size_t len = strlen(s);

	if (len == 12) {
		if (!is_hex(s, 4) || s[4] != ':')
			return false;
		s += 5;
		len -= 5;
	}
	return len == 7 && is_hex(s, 2) && s[2] == ':' && is_hex(s + 3, 2) &&
	       s[5] == '.' && s[6] >= '0' && s[6] <= '7';
}

/*
 * What EAL will see as the device's name: the PCI address in its long,
 * lowercase form, or the vdev name before its arguments.
 */
static void
device_id(const struct gw_config_port *p, char *id, size_t size)
{
	size_t i;

	if (p->is_pci) {
		snprintf(id, size, "%s%s", strlen(p->device) == 7 ? "0000:" : "",
			 p->device);
		for (i = 0; id[i] != '\0'; i++)
			if (id[i] >= 'A' && id[i] <= 'F')
				id[i] = (char)(id[i] - 'A' + 'a');
	} else {
		snprintf(id, size, "%.*s", (int)strcspn(p->device, ","),
			 p->device);
	}
}

static int
get_device(const struct gw_config_node *n, const char *path,
	   struct gw_config_port *port, struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];
	int rc;

	rc = get_str(n, path, "a device string", GW_CONFIG_DEVICE_MAX - 1,
		     port->device, err);
	if (rc < 0)
		return rc;
	port->is_pci = is_pci_addr(port->device);
	if (strpbrk(port->device, " \t\r\n\v\f") != NULL ||
	    (!port->is_pci && (strncmp(port->device, "net_", 4) != 0 ||
			       port->device[4] == '\0' ||
			       port->device[4] == ',')))
		return cfg_err_node(err, n,
				    "%s: expected a PCI address (0000:03:00.0) or a DPDK vdev (net_tap0,iface=mg0), got %s",
				    path, cfg_node_describe(n, d, sizeof(d)));
	return 0;
}

static int
get_port_name(const struct gw_config_node *n, const char *path,
	      struct gw_config_port *port, struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];
	const char *s;

	if (cfg_node_str(n, &s) < 0 || n->len == 0 ||
	    n->len >= GW_CONFIG_PORT_NAME_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != n->len)
		return cfg_err_node(err, n,
				    "%s: expected a name of 1 to %d characters among a-z, 0-9 and '-', got %s",
				    path, GW_CONFIG_PORT_NAME_MAX - 1,
				    cfg_node_describe(n, d, sizeof(d)));
	memcpy(port->name, s, n->len + 1);
	return 0;
}

/* The value nodes of one port's fields, kept for cross-port errors. */
struct port_nodes {
	const struct gw_config_node *name;
	const struct gw_config_node *device;
	const struct gw_config_node *address;
};

static int
check_against_others(const struct gw_config_dataplane *dp, unsigned i,
		     const struct port_nodes *pn, struct gw_config_err *err)
{
	const struct gw_config_port *p = &dp->ports[i], *o;
	char id[GW_CONFIG_DEVICE_MAX + 8], oid[GW_CONFIG_DEVICE_MAX + 8];
	char a[16], b[16];
	uint32_t mask;
	unsigned j;

	device_id(p, id, sizeof(id));
	for (j = 0; j < i; j++) {
		o = &dp->ports[j];
		if (strcmp(o->name, p->name) == 0)
			return cfg_err_node(err, pn[i].name,
					    "spec.ports[%u].name: duplicate port name \"%s\" (first in spec.ports[%u])",
					    i, p->name, j);
		device_id(o, oid, sizeof(oid));
		if (strcmp(id, oid) == 0)
			return cfg_err_node(err, pn[i].device,
					    "spec.ports[%u].device: device %s is already used by spec.ports[%u]",
					    i, id, j);
		mask = prefix_mask(p->prefix_len < o->prefix_len ?
					   p->prefix_len : o->prefix_len);
		if ((p->addr & mask) == (o->addr & mask)) {
			fmt_ipv4(p->addr & prefix_mask(p->prefix_len), a,
				 sizeof(a));
			fmt_ipv4(o->addr & prefix_mask(o->prefix_len), b,
				 sizeof(b));
			return cfg_err_node(err, pn[i].address,
					    "spec.ports[%u].address: subnet %s/%u overlaps %s/%u of spec.ports[%u]",
					    i, a, p->prefix_len, b,
					    o->prefix_len, j);
		}
	}
	return 0;
}

/* A plain decimal number in [0, 100]. */
static int
get_percent(const struct gw_config_node *n, const char *path, double *out,
	    struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX], *end;
	double v;

	if (n->type == GW_CONFIG_NODE_SCALAR && !n->quoted && n->len > 0 &&
	    strspn(n->str, "0123456789.") == n->len) {
		errno = 0;
		v = strtod(n->str, &end);
		if (errno == 0 && *end == '\0' && v >= 0.0 && v <= 100.0) {
			*out = v;
			return 0;
		}
	}
	return cfg_err_node(err, n, "%s: expected a percentage between 0 and 100, got %s",
			    path, cfg_node_describe(n, d, sizeof(d)));
}

static int
decode_impair_dir(const struct gw_config_node *map, const char *path,
		  struct gw_config_impair *im, struct gw_config_err *err)
{
	char fpath[PATH_LEN + 40];
	size_t k;
	int rc;

	rc = cfg_want_map(map, path, err);
	if (rc == 0)
		rc = check_fields(map, path, impair_dir_fields, err);
	for (k = 0; rc == 0 && k < map->n; k++) {
		const char *key = map->pairs[k].key;
		const struct gw_config_node *v = map->pairs[k].value;

		snprintf(fpath, sizeof(fpath), "%s.%s", path, key);
		if (strcmp(key, "dropPercent") == 0)
			rc = get_percent(v, fpath, &im->drop_pct, err);
		else if (strcmp(key, "reorderPercent") == 0)
			rc = get_percent(v, fpath, &im->reorder_pct, err);
		else if (strcmp(key, "duplicatePercent") == 0)
			rc = get_percent(v, fpath, &im->duplicate_pct, err);
		else
			rc = get_uint(v, fpath, 0, 10000, &im->delay_ms, err);
	}
	return rc;
}

static int
decode_impairment(struct gw_config_port *p, const struct gw_config_node *map,
		  const char *port_path, struct gw_config_err *err)
{
	char path[PATH_LEN + 16], fpath[PATH_LEN + 24];
	size_t k;
	int rc;

	snprintf(path, sizeof(path), "%s.impairment", port_path);
	rc = cfg_want_map(map, path, err);
	if (rc == 0)
		rc = check_fields(map, path, impair_fields, err);
	p->impaired = true;
	p->impair_seed = 1;
	for (k = 0; rc == 0 && k < map->n; k++) {
		const char *key = map->pairs[k].key;
		const struct gw_config_node *v = map->pairs[k].value;
		long long seed;
		char d[CFG_DESCR_MAX];

		snprintf(fpath, sizeof(fpath), "%s.%s", path, key);
		if (strcmp(key, "seed") == 0) {
			if (cfg_node_int(v, &seed) < 0 || seed < 0)
				rc = cfg_err_node(err, v,
						  "%s: expected a non-negative integer, got %s",
						  fpath, cfg_node_describe(v, d, sizeof(d)));
			else
				p->impair_seed = (uint64_t)seed;
		} else if (strcmp(key, "rx") == 0) {
			rc = decode_impair_dir(v, fpath, &p->impair_rx, err);
		} else {
			rc = decode_impair_dir(v, fpath, &p->impair_tx, err);
		}
	}
	return rc;
}

static int
decode_port(struct gw_config_dataplane *dp, unsigned i,
	    const struct gw_config_node *map, struct port_nodes *pn,
	    struct gw_config_err *err)
{
	const struct gw_config_node *gw = NULL, *v;
	struct gw_config_port *p = &dp->ports[i];
	char path[PATH_LEN], fpath[PATH_LEN + 16];
	unsigned mtu = 0;
	size_t k;
	int rc;

	snprintf(path, sizeof(path), "spec.ports[%u]", i);
	rc = cfg_want_map(map, path, err);
	if (rc == 0)
		rc = check_fields(map, path, port_fields, err);
	if (rc < 0)
		return rc;
	p->mtu = GW_CONFIG_DEFAULT_MTU;
	pn[i].name = gw_config_node_get(map, "name");
	pn[i].device = gw_config_node_get(map, "device");
	pn[i].address = gw_config_node_get(map, "address");
	if (pn[i].name == NULL || pn[i].device == NULL || pn[i].address == NULL)
		return cfg_err_node(err, map,
				    "%s: missing required field \"%s\"", path,
				    pn[i].name == NULL ? "name" :
				    pn[i].device == NULL ? "device" : "address");
	for (k = 0; k < map->n; k++) {
		const char *key = map->pairs[k].key;

		v = map->pairs[k].value;
		snprintf(fpath, sizeof(fpath), "%s.%s", path, key);
		if (strcmp(key, "name") == 0) {
			rc = get_port_name(v, fpath, p, err);
		} else if (strcmp(key, "device") == 0) {
			rc = get_device(v, fpath, p, err);
		} else if (strcmp(key, "address") == 0) {
			rc = get_port_address(v, fpath, p, err);
		} else if (strcmp(key, "gateway") == 0) {
			gw = v; /* needs the address: checked below */
		} else if (strcmp(key, "impairment") == 0) {
			rc = decode_impairment(p, v, path, err);
		} else {
			rc = get_uint(v, fpath, MIN_MTU, MAX_MTU, &mtu, err);
			if (rc == 0)
				p->mtu = (uint16_t)mtu;
		}
		if (rc < 0)
			return rc;
	}
	if (gw != NULL) {
		snprintf(fpath, sizeof(fpath), "%s.gateway", path);
		rc = get_gateway(gw, fpath, p, err);
		if (rc < 0)
			return rc;
	}
	return check_against_others(dp, i, pn, err);
}

static int
decode_ports(struct gw_config_dataplane *dp, const struct gw_config_node *n,
	     struct gw_config_err *err)
{
	struct port_nodes pn[GW_CONFIG_MAX_PORTS];
	char d[CFG_DESCR_MAX];
	unsigned i;
	int rc;

	if (n->type != GW_CONFIG_NODE_SEQ)
		return cfg_err_node(err, n, "spec.ports: expected a sequence, got %s",
				    cfg_node_describe(n, d, sizeof(d)));
	if (n->n > GW_CONFIG_MAX_PORTS)
		return cfg_err_node(err, n->items[GW_CONFIG_MAX_PORTS],
				    "spec.ports: expected at most %d ports, got %zu",
				    GW_CONFIG_MAX_PORTS, n->n);
	for (i = 0; i < n->n; i++) {
		rc = decode_port(dp, i, n->items[i], pn, err);
		if (rc < 0)
			return rc;
	}
	dp->n_ports = (unsigned)n->n;
	return 0;
}

/* ---- admin -------------------------------------------------------------- */

/* "a.b.c.d:port" */
static int
get_addr_port(const struct gw_config_node *n, const char *path,
	      const char *example, uint32_t *addr, uint16_t *port_out,
	      struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];
	const char *s, *rest;
	unsigned port;
	uint32_t a;

	cfg_node_describe(n, d, sizeof(d));
	if (cfg_node_str(n, &s) < 0 || (rest = parse_ipv4(s, &a)) == NULL ||
	    rest[0] != ':' || rest[1] == '\0')
		return cfg_err_node(err, n,
				    "%s: expected an IPv4 address and port (%s), got %s",
				    path, example, d);
	if (!parse_number(rest + 1, UINT16_MAX, &port))
		return cfg_err_node(err, n,
				    "%s: expected a port between 1 and 65535, got %s",
				    path, d);
	*addr = a;
	*port_out = (uint16_t)port;
	return 0;
}

static int
decode_admin(struct gw_config_dataplane *dp, const struct gw_config_node *map,
	     struct gw_config_err *err)
{
	size_t k;
	int rc;

	rc = cfg_want_map(map, "spec.admin", err);
	if (rc == 0)
		rc = check_fields(map, "spec.admin", admin_fields, err);
	for (k = 0; rc == 0 && k < map->n; k++) {
		if (strcmp(map->pairs[k].key, "address") == 0)
			rc = get_addr_port(map->pairs[k].value,
					   "spec.admin.address", "127.0.0.1:15000",
					   &dp->admin_addr, &dp->admin_port,
					   err);
		else
			rc = get_str(map->pairs[k].value, "spec.admin.tokenFile",
				     "a path", GW_CONFIG_PATH_MAX - 1,
				     dp->admin_token_file, err);
	}
	return rc;
}

/* ---- tcp and test listeners ---------------------------------------------- */

static int
decode_tcp(struct gw_config_dataplane *dp, const struct gw_config_node *map,
	   struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];
	const char *s;
	size_t k;
	int rc;

	rc = cfg_want_map(map, "spec.tcp", err);
	if (rc == 0)
		rc = check_fields(map, "spec.tcp", tcp_fields, err);
	for (k = 0; rc == 0 && k < map->n; k++) {
		const char *key = map->pairs[k].key;
		const struct gw_config_node *v = map->pairs[k].value;

		if (strcmp(key, "maxConnections") == 0)
			rc = get_uint(v, "spec.tcp.maxConnections", 16, 1048576,
				      &dp->tcp.max_conns, err);
		else if (strcmp(key, "receiveBuffer") == 0)
			rc = get_uint(v, "spec.tcp.receiveBuffer", 4096, 16777216,
				      &dp->tcp.rcv_buf, err);
		else if (strcmp(key, "sendBuffer") == 0)
			rc = get_uint(v, "spec.tcp.sendBuffer", 4096, 16777216,
				      &dp->tcp.snd_buf, err);
		else if (strcmp(key, "synBacklog") == 0)
			rc = get_uint(v, "spec.tcp.synBacklog", 1, 65535,
				      &dp->tcp.syn_backlog, err);
		else if (strcmp(key, "keepaliveTimeSec") == 0)
			rc = get_uint(v, "spec.tcp.keepaliveTimeSec", 0, 86400,
				      &dp->tcp.keepalive_time_s, err);
		else if (strcmp(key, "keepaliveIntervalSec") == 0)
			rc = get_uint(v, "spec.tcp.keepaliveIntervalSec", 1,
				      3600, &dp->tcp.keepalive_interval_s, err);
		else if (strcmp(key, "keepaliveProbes") == 0)
			rc = get_uint(v, "spec.tcp.keepaliveProbes", 1, 127,
				      &dp->tcp.keepalive_probes, err);
		else if (cfg_node_str(v, &s) == 0 && strcmp(s, "cubic") == 0)
			dp->tcp.cc = GW_CONFIG_TCP_CC_CUBIC;
		else if (cfg_node_str(v, &s) == 0 && strcmp(s, "newreno") == 0)
			dp->tcp.cc = GW_CONFIG_TCP_CC_NEWRENO;
		else
			rc = cfg_err_node(err, v,
					  "spec.tcp.congestionControl: expected cubic or newreno, got %s",
					  cfg_node_describe(v, d, sizeof(d)));
	}
	return rc;
}

/* Timeouts up to a day; a body limit up to 1 TiB. */
#define MAX_HTTP_TIMEOUT_MS 86400000
#define MAX_HTTP_BODY_BYTES (1LL << 40)

static int
decode_http(struct gw_config_dataplane *dp, const struct gw_config_node *map,
	    struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];
	long long v;
	size_t k;
	int rc;

	rc = cfg_want_map(map, "spec.http", err);
	if (rc == 0)
		rc = check_fields(map, "spec.http", http_fields, err);
	for (k = 0; rc == 0 && k < map->n; k++) {
		const char *key = map->pairs[k].key;
		const struct gw_config_node *n = map->pairs[k].value;

		if (strcmp(key, "requestHeadersTimeoutMs") == 0)
			rc = get_uint(n, "spec.http.requestHeadersTimeoutMs", 0,
				      MAX_HTTP_TIMEOUT_MS,
				      &dp->http.request_headers_timeout_ms,
				      err);
		else if (strcmp(key, "idleTimeoutMs") == 0)
			rc = get_uint(n, "spec.http.idleTimeoutMs", 0,
				      MAX_HTTP_TIMEOUT_MS,
				      &dp->http.idle_timeout_ms, err);
		else if (strcmp(key, "streamIdleTimeoutMs") == 0)
			rc = get_uint(n, "spec.http.streamIdleTimeoutMs", 0,
				      MAX_HTTP_TIMEOUT_MS,
				      &dp->http.stream_idle_timeout_ms, err);
		else if (cfg_node_int(n, &v) < 0 || v < 0 ||
			 v > MAX_HTTP_BODY_BYTES)
			rc = cfg_err_node(err, n,
					  "spec.http.maxRequestBodyBytes: expected an integer between 0 and %lld, got %s",
					  MAX_HTTP_BODY_BYTES,
					  cfg_node_describe(n, d, sizeof(d)));
		else
			dp->http.max_request_body_bytes = (uint64_t)v;
	}
	return rc;
}

static int
decode_tls(struct gw_config_dataplane *dp, const struct gw_config_node *map,
	   struct gw_config_err *err)
{
	size_t k;
	int rc;

	rc = cfg_want_map(map, "spec.tls", err);
	if (rc == 0)
		rc = check_fields(map, "spec.tls", tls_fields, err);
	for (k = 0; rc == 0 && k < map->n; k++) {
		const char *key = map->pairs[k].key;
		const struct gw_config_node *n = map->pairs[k].value;

		if (strcmp(key, "credentialsDir") == 0)
			rc = get_str(n, "spec.tls.credentialsDir", "a path",
				     GW_CONFIG_PATH_MAX - 1,
				     dp->tls.credentials_dir, err);
		else
			rc = get_uint(n, "spec.tls.sessionTicketRotationSeconds",
				      0, GW_CONFIG_MAX_TICKET_ROTATION_S,
				      &dp->tls.ticket_rotation_s, err);
	}
	return rc;
}

/* ---- telemetry ------------------------------------------------------------ */

static int
decode_workload(struct gw_config_telemetry *t,
		const struct gw_config_node *map, struct gw_config_err *err)
{
	static const char *const paths[] = {
		"spec.telemetry.workload.name",
		"spec.telemetry.workload.namespace",
		"spec.telemetry.workload.app",
		"spec.telemetry.workload.version",
		"spec.telemetry.workload.cluster",
	};
	char *const dst[] = { t->workload, t->ns, t->app, t->version,
			      t->cluster };
	size_t k, i;
	int rc;

	rc = cfg_want_map(map, "spec.telemetry.workload", err);
	if (rc == 0)
		rc = check_fields(map, "spec.telemetry.workload",
				  workload_fields, err);
	for (k = 0; rc == 0 && k < map->n; k++) {
		for (i = 0; strcmp(workload_fields[i], map->pairs[k].key); i++)
			;
		rc = get_str(map->pairs[k].value, paths[i], "a label value",
			     GW_CONFIG_NAME_MAX, dst[i], err);
	}
	return rc;
}

static int
decode_access_log(struct gw_config_telemetry *t,
		  const struct gw_config_node *map, struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX], msg[GW_CONFIG_ERR_MSG_MAX / 2];
	struct gw_alog_format *f;
	size_t k;
	int rc;

	rc = cfg_want_map(map, "spec.telemetry.accessLog", err);
	if (rc == 0)
		rc = check_fields(map, "spec.telemetry.accessLog",
				  access_log_fields, err);
	for (k = 0; rc == 0 && k < map->n; k++) {
		const char *key = map->pairs[k].key, *s;
		const struct gw_config_node *n = map->pairs[k].value;

		if (strcmp(key, "path") == 0) {
			rc = get_str(n, "spec.telemetry.accessLog.path",
				     "a path", GW_CONFIG_PATH_MAX - 1,
				     t->access_log_path, err);
			if (rc == 0 && t->access_log_path[0] != '/')
				rc = cfg_err_node(err, n, "spec.telemetry."
						  "accessLog.path: expected an "
						  "absolute path (/dev/stdout "
						  "for the standard output)");
		} else if (strcmp(key, "encoding") == 0) {
			if (cfg_node_str(n, &s) == 0 &&
			    (strcmp(s, "TEXT") == 0 || strcmp(s, "JSON") == 0)) {
				t->access_log_json = strcmp(s, "JSON") == 0;
			} else {
				rc = cfg_err_node(err, n, "spec.telemetry."
						  "accessLog.encoding: expected "
						  "TEXT or JSON, got %s",
						  cfg_node_describe(n, d,
								    sizeof(d)));
			}
		} else {
			rc = get_str(n, "spec.telemetry.accessLog.format",
				     "a format string", GW_CONFIG_ALOG_FORMAT_MAX,
				     t->access_log_format, err);
			if (rc != 0)
				break;
			rc = gw_alog_format_compile(t->access_log_format, &f,
						    msg, sizeof(msg));
			if (rc == -EINVAL)
				rc = cfg_err_node(err, n, "spec.telemetry."
						  "accessLog.format: %s", msg);
			else if (rc < 0)
				rc = cfg_err_node(err, n, "spec.telemetry."
						  "accessLog.format: out of "
						  "memory");
			gw_alog_format_free(f);
		}
	}
	if (rc == 0 && t->access_log_json && t->access_log_format[0] != '\0')
		rc = cfg_err_node(err, map, "spec.telemetry.accessLog: format "
				  "applies to TEXT encoding; JSON has Istio's "
				  "fields");
	return rc;
}

static int
decode_tracing(struct gw_config_telemetry *t, const struct gw_config_node *map,
	       struct gw_config_err *err)
{
	size_t k;
	double pct;
	int rc;

	rc = cfg_want_map(map, "spec.telemetry.tracing", err);
	if (rc == 0)
		rc = check_fields(map, "spec.telemetry.tracing", tracing_fields,
				  err);
	for (k = 0; rc == 0 && k < map->n; k++) {
		const struct gw_config_node *n = map->pairs[k].value;

		if (strcmp(map->pairs[k].key, "sampling") == 0) {
			rc = get_percent(n, "spec.telemetry.tracing.sampling",
					 &pct, err);
			t->sampling_ppm = (uint32_t)(pct * 10000.0 + 0.5);
		} else {
			rc = get_addr_port(n, "spec.telemetry.tracing.zipkin",
					   "127.0.0.1:9411", &t->zipkin_addr,
					   &t->zipkin_port, err);
		}
	}
	return rc;
}

static int
decode_telemetry(struct gw_config_dataplane *dp,
		 const struct gw_config_node *map, struct gw_config_err *err)
{
	struct gw_config_telemetry *t = &dp->telemetry;
	size_t k;
	int rc;

	rc = cfg_want_map(map, "spec.telemetry", err);
	if (rc == 0)
		rc = check_fields(map, "spec.telemetry", telemetry_fields, err);
	for (k = 0; rc == 0 && k < map->n; k++) {
		const char *key = map->pairs[k].key;
		const struct gw_config_node *n = map->pairs[k].value;

		if (strcmp(key, "workload") == 0)
			rc = decode_workload(t, n, err);
		else if (strcmp(key, "metrics") == 0)
			rc = get_bool(n, "spec.telemetry.metrics", &t->metrics,
				      err);
		else if (strcmp(key, "accessLog") == 0)
			rc = decode_access_log(t, n, err);
		else
			rc = decode_tracing(t, n, err);
	}
	return rc;
}

static int
decode_listener(struct gw_config_dataplane *dp, unsigned i,
		const struct gw_config_node *map, struct gw_config_err *err)
{
	struct gw_config_test_listener *l = &dp->test_listeners[i];
	const struct gw_config_node *port = NULL, *bytes = NULL;
	char path[64], d[CFG_DESCR_MAX];
	const char *s;
	unsigned v, j;
	size_t k;
	int rc;

	snprintf(path, sizeof(path), "spec.testListeners[%u]", i);
	rc = cfg_want_map(map, path, err);
	if (rc == 0)
		rc = check_fields(map, path, listener_fields, err);
	if (rc < 0)
		return rc;
	l->mode = GW_CONFIG_TEST_ECHO;
	l->bytes = GW_CONFIG_DEFAULT_SOURCE_BYTES;
	for (k = 0; k < map->n; k++) {
		const char *key = map->pairs[k].key;
		const struct gw_config_node *val = map->pairs[k].value;

		if (strcmp(key, "port") == 0) {
			port = val;
		} else if (strcmp(key, "bytes") == 0) {
			bytes = val;
		} else if (cfg_node_str(val, &s) == 0 && strcmp(s, "echo") == 0) {
			l->mode = GW_CONFIG_TEST_ECHO;
		} else if (cfg_node_str(val, &s) == 0 &&
			   strcmp(s, "discard") == 0) {
			l->mode = GW_CONFIG_TEST_DISCARD;
		} else if (cfg_node_str(val, &s) == 0 &&
			   strcmp(s, "source") == 0) {
			l->mode = GW_CONFIG_TEST_SOURCE;
		} else {
			return cfg_err_node(err, val,
					    "%s.mode: expected echo, discard or source, got %s",
					    path, cfg_node_describe(val, d, sizeof(d)));
		}
	}
	if (port == NULL)
		return cfg_err_node(err, map, "%s: missing required field \"port\"",
				    path);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), ".port");
	rc = get_uint(port, path, 1, 65535, &v, err);
	if (rc < 0)
		return rc;
	if (v >= EPHEMERAL_LO && v <= EPHEMERAL_HI)
		return cfg_err_node(err, port,
				    "%s: %u is in the ephemeral range %u-%u that the gateway's own connections use",
				    path, v, EPHEMERAL_LO, EPHEMERAL_HI);
	for (j = 0; j < i; j++)
		if (dp->test_listeners[j].port == v)
			return cfg_err_node(err, port,
					    "%s: duplicate port %u (first in spec.testListeners[%u])",
					    path, v, j);
	l->port = (uint16_t)v;
	if (bytes != NULL) {
		long long b;

		if (l->mode != GW_CONFIG_TEST_SOURCE)
			return cfg_err_node(err, bytes,
					    "spec.testListeners[%u].bytes: only a source listener sends bytes",
					    i);
		if (cfg_node_int(bytes, &b) < 0 || b < 0 ||
		    b > (1ll << 40))
			return cfg_err_node(err, bytes,
					    "spec.testListeners[%u].bytes: expected an integer between 0 and %lld, got %s",
					    i, 1ll << 40,
					    cfg_node_describe(bytes, d, sizeof(d)));
		l->bytes = (uint64_t)b;
	}
	return 0;
}

/* spec.l4.listeners[i]: {port, mode: fullnat|proxy, protocols}. A
 * proxy-mode entry (the default for every port) takes no slot. */
static int
decode_l4_listener(struct gw_config_dataplane *dp, unsigned i,
		   const struct gw_config_node *map, struct gw_config_err *err)
{
	struct gw_config_l4_listener l = { 0, true, true };
	const struct gw_config_node *port, *v;
	char path[64], fpath[96], d[CFG_DESCR_MAX];
	bool fullnat = true;
	const char *s;
	unsigned num, j;
	size_t k;
	int rc;

	snprintf(path, sizeof(path), "spec.l4.listeners[%u]", i);
	rc = cfg_want_map(map, path, err);
	if (rc == 0)
		rc = check_fields(map, path, l4_listener_fields, err);
	if (rc < 0)
		return rc;
	port = gw_config_node_get(map, "port");
	if (port == NULL)
		return cfg_err_node(err, map, "%s: missing required field \"port\"",
				    path);
	snprintf(fpath, sizeof(fpath), "%s.port", path);
	rc = get_uint(port, fpath, 1, 65535, &num, err);
	if (rc < 0)
		return rc;
	if (num >= EPHEMERAL_LO && num <= EPHEMERAL_HI)
		return cfg_err_node(err, port,
				    "%s: %u is in the ephemeral range %u-%u that the gateway's own connections use",
				    fpath, num, EPHEMERAL_LO, EPHEMERAL_HI);
	l.port = (uint16_t)num;
	if ((v = gw_config_node_get(map, "mode")) != NULL) {
		if (cfg_node_str(v, &s) == 0 && strcmp(s, "fullnat") == 0)
			fullnat = true;
		else if (cfg_node_str(v, &s) == 0 && strcmp(s, "proxy") == 0)
			fullnat = false;
		else
			return cfg_err_node(err, v,
					    "%s.mode: expected fullnat or proxy, got %s",
					    path, cfg_node_describe(v, d, sizeof(d)));
	}
	if ((v = gw_config_node_get(map, "protocols")) != NULL) {
		snprintf(fpath, sizeof(fpath), "%s.protocols", path);
		if (v->type != GW_CONFIG_NODE_SEQ || v->n == 0)
			return cfg_err_node(err, v,
					    "%s: expected a sequence of TCP and UDP, got %s",
					    fpath, cfg_node_describe(v, d, sizeof(d)));
		l.tcp = l.udp = false;
		for (k = 0; k < v->n; k++) {
			if (cfg_node_str(v->items[k], &s) == 0 &&
			    strcmp(s, "TCP") == 0)
				l.tcp = true;
			else if (cfg_node_str(v->items[k], &s) == 0 &&
				 strcmp(s, "UDP") == 0)
				l.udp = true;
			else
				return cfg_err_node(err, v->items[k],
						    "%s[%zu]: expected TCP or UDP, got %s",
						    fpath, k,
						    cfg_node_describe(v->items[k], d, sizeof(d)));
		}
	}
	for (j = 0; j < dp->l4.n_listeners; j++)
		if (dp->l4.listeners[j].port == l.port)
			return cfg_err_node(err, port,
					    "%s.port: duplicate port %u", path,
					    l.port);
	for (j = 0; j < dp->n_test_listeners; j++)
		if (dp->test_listeners[j].port == l.port)
			return cfg_err_node(err, port,
					    "%s.port: %u is a test listener's port",
					    path, l.port);
	if (fullnat)
		dp->l4.listeners[dp->l4.n_listeners++] = l;
	return 0;
}

static int
decode_l4(struct gw_config_dataplane *dp, const struct gw_config_node *map,
	  struct gw_config_err *err)
{
	static const struct {
		const char *key;
		unsigned min, max;
		size_t off;
	} nums[] = {
		{ "flowsPerWorker", 1024, 4194304,
		  offsetof(struct gw_config_l4, flows_per_worker) },
		{ "tcpSynTimeoutSec", 1, 86400,
		  offsetof(struct gw_config_l4, tcp_syn_timeout_s) },
		{ "tcpEstablishedTimeoutSec", 1, 86400,
		  offsetof(struct gw_config_l4, tcp_established_timeout_s) },
		{ "tcpClosingTimeoutSec", 1, 86400,
		  offsetof(struct gw_config_l4, tcp_closing_timeout_s) },
		{ "udpTimeoutSec", 1, 86400,
		  offsetof(struct gw_config_l4, udp_timeout_s) },
		{ "mssClamp", 536, 9560,
		  offsetof(struct gw_config_l4, mss_clamp) },
	};
	char fpath[64], d[CFG_DESCR_MAX];
	size_t k, j;
	int rc;

	rc = cfg_want_map(map, "spec.l4", err);
	if (rc == 0)
		rc = check_fields(map, "spec.l4", l4_fields, err);
	for (k = 0; rc == 0 && k < map->n; k++) {
		const char *key = map->pairs[k].key;
		const struct gw_config_node *v = map->pairs[k].value;

		snprintf(fpath, sizeof(fpath), "spec.l4.%s", key);
		if (strcmp(key, "listeners") == 0) {
			if (v->type != GW_CONFIG_NODE_SEQ)
				return cfg_err_node(err, v,
						    "%s: expected a sequence, got %s",
						    fpath,
						    cfg_node_describe(v, d, sizeof(d)));
			if (v->n > GW_CONFIG_MAX_L4_LISTENERS)
				return cfg_err_node(err, v->items[GW_CONFIG_MAX_L4_LISTENERS],
						    "%s: expected at most %u listeners, got %zu",
						    fpath, GW_CONFIG_MAX_L4_LISTENERS, v->n);
			dp->l4.n_listeners = 0;
			for (j = 0; rc == 0 && j < v->n; j++)
				rc = decode_l4_listener(dp, (unsigned)j,
							v->items[j], err);
			continue;
		}
		for (j = 0; j < sizeof(nums) / sizeof(nums[0]); j++)
			if (strcmp(key, nums[j].key) == 0)
				rc = get_uint(v, fpath, nums[j].min,
					      nums[j].max,
					      (unsigned *)((char *)&dp->l4 +
							   nums[j].off),
					      err);
	}
	return rc;
}

typedef int (*item_fn)(struct gw_config_dataplane *dp, unsigned i,
		       const struct gw_config_node *item,
		       struct gw_config_err *err);

/* A sequence of at most max items, each decoded by fn; *count on success. */
static int
decode_seq(struct gw_config_dataplane *dp, const struct gw_config_node *n,
	   const char *path, const char *what, unsigned max, item_fn fn,
	   unsigned *count, struct gw_config_err *err)
{
	char d[CFG_DESCR_MAX];
	unsigned i;
	int rc;

	if (n->type != GW_CONFIG_NODE_SEQ)
		return cfg_err_node(err, n, "%s: expected a sequence, got %s",
				    path, cfg_node_describe(n, d, sizeof(d)));
	if (n->n > max)
		return cfg_err_node(err, n->items[max],
				    "%s: expected at most %u %s, got %zu", path,
				    max, what, n->n);
	for (i = 0; i < n->n; i++) {
		rc = fn(dp, i, n->items[i], err);
		if (rc < 0)
			return rc;
	}
	*count = (unsigned)n->n;
	return 0;
}

static int
decode_client(struct gw_config_dataplane *dp, unsigned i,
	      const struct gw_config_node *map, struct gw_config_err *err)
{
	struct gw_config_test_client *tc = &dp->test_clients[i];
	char path[64], fpath[96], d[CFG_DESCR_MAX];
	const char *s, *end;
	long long b;
	unsigned v;
	size_t k;
	int rc;

	snprintf(path, sizeof(path), "spec.testClients[%u]", i);
	rc = cfg_want_map(map, path, err);
	if (rc == 0)
		rc = check_fields(map, path, client_fields, err);
	if (rc < 0)
		return rc;
	if (gw_config_node_get(map, "address") == NULL ||
	    gw_config_node_get(map, "port") == NULL)
		return cfg_err_node(err, map, "%s: missing required field \"%s\"",
				    path,
				    gw_config_node_get(map, "address") == NULL ?
					    "address" : "port");
	tc->connections = 1;
	tc->bytes = GW_CONFIG_DEFAULT_SOURCE_BYTES;
	for (k = 0; rc == 0 && k < map->n; k++) {
		const char *key = map->pairs[k].key;
		const struct gw_config_node *val = map->pairs[k].value;

		snprintf(fpath, sizeof(fpath), "%s.%s", path, key);
		if (strcmp(key, "address") == 0) {
			if (cfg_node_str(val, &s) < 0 ||
			    (end = parse_ipv4(s, &tc->addr)) == NULL ||
			    *end != '\0')
				rc = cfg_err_node(err, val,
						  "%s: expected an IPv4 address, got %s",
						  fpath, cfg_node_describe(val, d, sizeof(d)));
		} else if (strcmp(key, "port") == 0) {
			rc = get_uint(val, fpath, 1, 65535, &v, err);
			tc->port = (uint16_t)v;
		} else if (strcmp(key, "connections") == 0) {
			rc = get_uint(val, fpath, 1, 10000, &tc->connections,
				      err);
		} else if (cfg_node_int(val, &b) < 0 || b < 0 || b > (1ll << 40)) {
			rc = cfg_err_node(err, val,
					  "%s: expected an integer between 0 and %lld, got %s",
					  fpath, 1ll << 40,
					  cfg_node_describe(val, d, sizeof(d)));
		} else {
			tc->bytes = (uint64_t)b;
		}
	}
	return rc;
}


/* ---- spec --------------------------------------------------------------- */

int
cfg_dataplane_decode(struct gw_config_dataplane *dp,
		     const struct gw_config_resource *res,
		     struct gw_config_err *err)
{
	const struct gw_config_node *spec = res->spec, *v;
	const char *key;
	size_t k;
	int rc;

	cfg_dataplane_defaults(dp);
	dp->source = res;
	if (spec == NULL)
		return 0;
	rc = check_fields(spec, "spec", spec_fields, err);
	for (k = 0; rc == 0 && k < spec->n; k++) {
		key = spec->pairs[k].key;
		v = spec->pairs[k].value;
		if (strcmp(key, "workers") == 0)
			rc = get_uint(v, "spec.workers", 1, GW_CONFIG_MAX_WORKERS,
				      &dp->workers, err);
		else if (strcmp(key, "memoryMB") == 0)
			rc = get_uint(v, "spec.memoryMB", MIN_MEMORY_MB,
				      MAX_MEMORY_MB, &dp->memory_mb, err);
		else if (strcmp(key, "hugepages") == 0)
			rc = get_bool(v, "spec.hugepages", &dp->hugepages, err);
		else if (strcmp(key, "idleSleepUs") == 0)
			rc = get_uint(v, "spec.idleSleepUs", 0, MAX_IDLE_SLEEP_US,
				      &dp->idle_sleep_us, err);
		else if (strcmp(key, "ports") == 0)
			rc = decode_ports(dp, v, err);
		else if (strcmp(key, "tcp") == 0)
			rc = decode_tcp(dp, v, err);
		else if (strcmp(key, "http") == 0)
			rc = decode_http(dp, v, err);
		else if (strcmp(key, "tls") == 0)
			rc = decode_tls(dp, v, err);
		else if (strcmp(key, "telemetry") == 0)
			rc = decode_telemetry(dp, v, err);
		else if (strcmp(key, "l4") == 0)
			rc = decode_l4(dp, v, err);
		else if (strcmp(key, "testListeners") == 0)
			rc = decode_seq(dp, v, "spec.testListeners", "listeners",
					GW_CONFIG_MAX_TEST_LISTENERS,
					decode_listener, &dp->n_test_listeners,
					err);
		else if (strcmp(key, "testClients") == 0)
			rc = decode_seq(dp, v, "spec.testClients", "clients",
					GW_CONFIG_MAX_TEST_CLIENTS, decode_client,
					&dp->n_test_clients, err);
		else
			rc = decode_admin(dp, v, err);
	}
	return rc;
}
