/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/config/dataplane.c: the Dataplane resource. A full valid one,
 * defaults, edge values, and every kind of invalid field with its exact
 * position and message.
 */
#include "test_common.h"

#define PORT(name, dev, addr)                                                \
	"  - name: " name "\n    device: " dev "\n    address: " addr "\n"

static const struct bad_case cases[] = {
	{ "unknown_spec_field", DP_HEAD "  workers: 2\n  wrokers: 3\n", -EINVAL,
	  6, 3,
	  "spec: unknown field \"wrokers\" (accepted: workers, memoryMB, hugepages, idleSleepUs, ports, admin, tcp, http, tls, telemetry, l4, testListeners, testClients)" },
	{ "telemetry_unknown", DP_HEAD "  telemetry:\n    logs: {}\n", -EINVAL,
	  6, 5, "spec.telemetry: unknown field \"logs\" (accepted: workload, "
	  "metrics, accessLog, tracing)" },
	{ "telemetry_relative_log", DP_HEAD "  telemetry:\n    accessLog:\n"
	  "      path: access.log\n", -EINVAL, 7, 13,
	  "spec.telemetry.accessLog.path: expected an absolute path "
	  "(/dev/stdout for the standard output)" },
	{ "telemetry_encoding", DP_HEAD "  telemetry:\n    accessLog:\n"
	  "      encoding: XML\n", -EINVAL, 7, 17,
	  "spec.telemetry.accessLog.encoding: expected TEXT or JSON, got "
	  "\"XML\"" },
	{ "telemetry_format_operator", DP_HEAD "  telemetry:\n    accessLog:\n"
	  "      format: \"%NOPE% x\"\n", -EINVAL, 7, 15,
	  "spec.telemetry.accessLog.format: access log format, at 0: unknown "
	  "operator: NOPE" },
	{ "telemetry_format_header", DP_HEAD "  telemetry:\n    accessLog:\n"
	  "      format: \"a %REQ(COOKIE)%\"\n", -EINVAL, 7, 15,
	  "at 2: a request header meshgw does not keep" },
	{ "telemetry_json_format", DP_HEAD "  telemetry:\n    accessLog:\n"
	  "      encoding: JSON\n      format: \"%DURATION%\"\n", -EINVAL, 7,
	  7, "spec.telemetry.accessLog: format applies to TEXT encoding" },
	{ "telemetry_sampling", DP_HEAD "  telemetry:\n    tracing:\n"
	  "      sampling: 101\n", -EINVAL, 7, 17,
	  "spec.telemetry.tracing.sampling: expected a percentage between 0 "
	  "and 100, got 101" },
	{ "telemetry_zipkin", DP_HEAD "  telemetry:\n    tracing:\n"
	  "      zipkin: collector:9411\n", -EINVAL, 7, 15,
	  "spec.telemetry.tracing.zipkin: expected an IPv4 address and port "
	  "(127.0.0.1:9411)" },
	{ "telemetry_workload_long", DP_HEAD "  telemetry:\n    workload:\n"
	  "      name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  -EINVAL, 7, 13, "spec.telemetry.workload.name: expected a label value "
	  "of 1 to 63 bytes" },
	{ "telemetry_metrics", DP_HEAD "  telemetry:\n    metrics: on\n", -EINVAL,
	  6, 14, "spec.telemetry.metrics: expected true or false" },
	{ "workers_zero", DP_HEAD "  workers: 0\n", -EINVAL, 5, 12,
	  "spec.workers: expected an integer between 1 and 64, got 0" },
	{ "workers_65", DP_HEAD "  workers: 65\n", -EINVAL, 5, 12,
	  "spec.workers: expected an integer between 1 and 64, got 65" },
	{ "workers_quoted", DP_HEAD "  workers: \"2\"\n", -EINVAL, 5, 12,
	  "spec.workers: expected an integer between 1 and 64, got \"2\"" },
	{ "workers_float", DP_HEAD "  workers: 1.0\n", -EINVAL, 5, 12,
	  "spec.workers: expected an integer between 1 and 64, got 1.0" },
	{ "workers_hex", DP_HEAD "  workers: 0x10\n", -EINVAL, 5, 12,
	  "got 0x10" },
	{ "workers_word", DP_HEAD "  workers: abc\n", -EINVAL, 5, 12,
	  "spec.workers: expected an integer between 1 and 64, got \"abc\"" },
	{ "workers_null", DP_HEAD "  workers: ~\n", -EINVAL, 5, 12,
	  "got ~" },
	{ "memory_overflow", DP_HEAD "  memoryMB: 99999999999999999999\n",
	  -EINVAL, 5, 13,
	  "spec.memoryMB: expected an integer between 64 and 65536, got 99999999999999999999" },
	{ "memory_too_small", DP_HEAD "  memoryMB: 63\n", -EINVAL, 5, 13,
	  "between 64 and 65536, got 63" },
	{ "hugepages_not_bool", DP_HEAD "  hugepages: yes\n", -EINVAL, 5, 14,
	  "spec.hugepages: expected true or false, got \"yes\"" },
	{ "hugepages_quoted", DP_HEAD "  hugepages: 'true'\n", -EINVAL, 5, 14,
	  "got \"true\"" },
	{ "idle_sleep_negative", DP_HEAD "  idleSleepUs: -1\n", -EINVAL, 5, 16,
	  "spec.idleSleepUs: expected an integer between 0 and 100000, got -1" },
	{ "ports_not_sequence", DP_HEAD "  ports: {a: 1}\n", -EINVAL, 5, 10,
	  "spec.ports: expected a sequence, got a mapping" },
	{ "ports_too_many",
	  DP_HEAD "  ports: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]\n", -EINVAL, 5,
	  43, "spec.ports: expected at most 16 ports, got 17" },
	{ "port_not_map", DP_HEAD "  ports: [1]\n", -EINVAL, 5, 11,
	  "spec.ports[0]: expected a mapping, got 1" },
	{ "port_unknown_field", DP_HEAD DP_PORT0 "    speed: 10G\n", -EINVAL, 9,
	  5,
	  "spec.ports[0]: unknown field \"speed\" (accepted: name, device, address, gateway, mtu, impairment)" },
	{ "port_missing_name",
	  DP_HEAD "  ports:\n  - device: net_tap0\n    address: 198.18.0.1/24\n",
	  -EINVAL, 6, 5, "spec.ports[0]: missing required field \"name\"" },
	{ "port_missing_device", DP_HEAD "  ports:\n  - {name: a, address: 198.18.0.1/24}\n",
	  -EINVAL, 6, 5, "spec.ports[0]: missing required field \"device\"" },
	{ "port_missing_address", DP_HEAD "  ports:\n  - {name: a, device: net_tap0}\n",
	  -EINVAL, 6, 5, "spec.ports[0]: missing required field \"address\"" },
	{ "bad_port_name", DP_HEAD "  ports:\n" PORT("Eth_0", "net_tap0", "198.18.0.1/24"),
	  -EINVAL, 6, 11,
	  "spec.ports[0].name: expected a name of 1 to 31 characters among a-z, 0-9 and '-', got \"Eth_0\"" },
	{ "port_name_too_long",
	  DP_HEAD "  ports:\n" PORT("abcdefghijklmnopqrstuvwxyz012345", "net_tap0", "198.18.0.1/24"),
	  -EINVAL, 6, 11, "spec.ports[0].name: expected a name of 1 to 31" },
	{ "duplicate_port_name",
	  DP_HEAD DP_PORT0 PORT("a", "net_tap1", "198.19.0.1/24"), -EINVAL, 9,
	  11, "spec.ports[1].name: duplicate port name \"a\" (first in spec.ports[0])" },
	{ "bad_device", DP_HEAD "  ports:\n" PORT("a", "eth0", "198.18.0.1/24"),
	  -EINVAL, 7, 13,
	  "spec.ports[0].device: expected a PCI address (0000:03:00.0) or a DPDK vdev (net_tap0,iface=mg0), got \"eth0\"" },
	{ "device_whitespace",
	  DP_HEAD "  ports:\n" PORT("a", "net_tap0, iface=x", "198.18.0.1/24"),
	  -EINVAL, 7, 13, "got \"net_tap0, iface=x\"" },
	{ "device_bare_prefix", DP_HEAD "  ports:\n" PORT("a", "net_", "198.18.0.1/24"),
	  -EINVAL, 7, 13, "or a DPDK vdev" },
	{ "device_bad_pci", DP_HEAD "  ports:\n" PORT("a", "0000:03:00.8", "198.18.0.1/24"),
	  -EINVAL, 7, 13, "got \"0000:03:00.8\"" },
	{ "device_empty", DP_HEAD "  ports:\n" PORT("a", "''", "198.18.0.1/24"),
	  -EINVAL, 7, 13,
	  "spec.ports[0].device: expected a device string of 1 to 255 bytes, got \"\"" },
	{ "duplicate_vdev",
	  DP_HEAD DP_PORT0 PORT("b", "net_tap0,iface=b", "198.19.0.1/24"),
	  -EINVAL, 10, 13,
	  "spec.ports[1].device: device net_tap0 is already used by spec.ports[0]" },
	{ "duplicate_pci",
	  DP_HEAD "  ports:\n" PORT("a", "03:00.0", "198.18.0.1/24")
		  PORT("b", "0000:03:00.0", "198.19.0.1/24"),
	  -EINVAL, 10, 13, "device 0000:03:00.0 is already used by spec.ports[0]" },
	{ "address_without_prefix", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "198.18.0.1"),
	  -EINVAL, 8, 14,
	  "spec.ports[0].address: expected an IPv4 address with a prefix length (a.b.c.d/len), got \"198.18.0.1\"" },
	{ "address_leading_zero", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "198.018.0.1/24"),
	  -EINVAL, 8, 14, "got \"198.018.0.1/24\"" },
	{ "address_octet_256", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "198.256.0.1/24"),
	  -EINVAL, 8, 14, "(a.b.c.d/len), got \"198.256.0.1/24\"" },
	{ "address_three_octets", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "198.18.1/24"),
	  -EINVAL, 8, 14, "(a.b.c.d/len)" },
	{ "prefix_0", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "198.18.0.1/0"),
	  -EINVAL, 8, 14,
	  "spec.ports[0].address: expected a prefix length between 1 and 32, got \"198.18.0.1/0\"" },
	{ "prefix_33", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "198.18.0.1/33"),
	  -EINVAL, 8, 14, "between 1 and 32, got \"198.18.0.1/33\"" },
	{ "prefix_leading_zero", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "198.18.0.1/024"),
	  -EINVAL, 8, 14, "between 1 and 32" },
	{ "network_address", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "198.18.0.0/24"),
	  -EINVAL, 8, 14,
	  "spec.ports[0].address: expected a host address, got \"198.18.0.0/24\", the network address of its subnet" },
	{ "broadcast_address", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "198.18.0.255/24"),
	  -EINVAL, 8, 14, "the broadcast address of its subnet" },
	{ "loopback_address", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "127.0.0.1/8"),
	  -EINVAL, 8, 14,
	  "expected a unicast host address, got \"127.0.0.1/8\" (127.0.0.0/8, loopback)" },
	{ "multicast_address", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "224.0.0.1/24"),
	  -EINVAL, 8, 14, "(224.0.0.0/4, multicast)" },
	{ "reserved_address", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "240.0.0.1/24"),
	  -EINVAL, 8, 14, "(240.0.0.0/4, reserved)" },
	{ "this_network_address", DP_HEAD "  ports:\n" PORT("a", "net_tap0", "0.1.2.3/24"),
	  -EINVAL, 8, 14, "(0.0.0.0/8, \"this network\")" },
	{ "gateway_outside_subnet", DP_HEAD DP_PORT0 "    gateway: 198.19.0.1\n",
	  -EINVAL, 9, 14,
	  "spec.ports[0].gateway: expected a host of the port's subnet 198.18.0.0/24, got \"198.19.0.1\"" },
	{ "gateway_is_broadcast", DP_HEAD DP_PORT0 "    gateway: 198.18.0.255\n",
	  -EINVAL, 9, 14, "expected a host of the port's subnet" },
	{ "gateway_is_address", DP_HEAD DP_PORT0 "    gateway: 198.18.0.1\n",
	  -EINVAL, 9, 14,
	  "spec.ports[0].gateway: expected a gateway other than the port's own address, got \"198.18.0.1\"" },
	{ "gateway_with_prefix", DP_HEAD DP_PORT0 "    gateway: 198.18.0.254/24\n",
	  -EINVAL, 9, 14,
	  "spec.ports[0].gateway: expected an IPv4 address (a.b.c.d), got \"198.18.0.254/24\"" },
	{ "overlapping_subnets",
	  DP_HEAD DP_PORT0 PORT("b", "net_tap1", "198.18.5.1/16"), -EINVAL, 11,
	  14,
	  "spec.ports[1].address: subnet 198.18.0.0/16 overlaps 198.18.0.0/24 of spec.ports[0]" },
	{ "mtu_too_small", DP_HEAD DP_PORT0 "    mtu: 67\n", -EINVAL, 9, 10,
	  "spec.ports[0].mtu: expected an integer between 68 and 9600, got 67" },
	{ "mtu_too_big",
	  DP_HEAD DP_PORT0 PORT("b", "net_tap1", "198.19.0.1/24") "    mtu: 70000\n",
	  -EINVAL, 12, 10,
	  "spec.ports[1].mtu: expected an integer between 68 and 9600, got 70000" },
	{ "admin_not_map", DP_HEAD "  admin: 127.0.0.1:15000\n", -EINVAL, 5, 10,
	  "spec.admin: expected a mapping, got \"127.0.0.1:15000\"" },
	{ "admin_unknown_field", DP_HEAD "  admin: {port: 1}\n", -EINVAL, 5, 11,
	  "spec.admin: unknown field \"port\" (accepted: address, tokenFile)" },
	{ "admin_port_0", DP_HEAD "  admin: {address: 127.0.0.1:0}\n", -EINVAL,
	  5, 20,
	  "spec.admin.address: expected a port between 1 and 65535, got \"127.0.0.1:0\"" },
	{ "admin_port_65536", DP_HEAD "  admin:\n    address: 0.0.0.0:65536\n",
	  -EINVAL, 6, 14, "expected a port between 1 and 65535" },
	{ "admin_no_port", DP_HEAD "  admin:\n    address: 127.0.0.1\n", -EINVAL,
	  6, 14,
	  "spec.admin.address: expected an IPv4 address and port (127.0.0.1:15000), got \"127.0.0.1\"" },
	{ "admin_bad_ip", DP_HEAD "  admin:\n    address: localhost:15000\n",
	  -EINVAL, 6, 14, "got \"localhost:15000\"" },
	{ "token_file_empty", DP_HEAD "  admin: {tokenFile: \"\"}\n", -EINVAL, 5,
	  22, "spec.admin.tokenFile: expected a path of 1 to 4095 bytes, got \"\"" },
	{ "token_file_number", DP_HEAD "  admin: {tokenFile: 5}\n", -EINVAL, 5, 22,
	  "spec.admin.tokenFile: expected a path of 1 to 4095 bytes, got 5" },
	{ "impair_bad_percent",
	  DP_HEAD DP_PORT0 "    impairment:\n      rx: {dropPercent: 101}\n",
	  -EINVAL, 10, 25,
	  "spec.ports[0].impairment.rx.dropPercent: expected a percentage between 0 and 100, got 101" },
	{ "impair_quoted_percent",
	  DP_HEAD DP_PORT0 "    impairment:\n      tx: {reorderPercent: '5'}\n",
	  -EINVAL, 10, 28, "tx.reorderPercent: expected a percentage" },
	{ "impair_negative", DP_HEAD DP_PORT0 "    impairment:\n      tx: {duplicatePercent: -1}\n",
	  -EINVAL, 10, 30, "expected a percentage between 0 and 100, got -1" },
	{ "impair_delay_big", DP_HEAD DP_PORT0 "    impairment:\n      rx: {delayMs: 10001}\n",
	  -EINVAL, 10, 21,
	  "spec.ports[0].impairment.rx.delayMs: expected an integer between 0 and 10000, got 10001" },
	{ "impair_unknown", DP_HEAD DP_PORT0 "    impairment:\n      rx: {jitterMs: 1}\n",
	  -EINVAL, 10, 12,
	  "spec.ports[0].impairment.rx: unknown field \"jitterMs\" (accepted: dropPercent, reorderPercent, duplicatePercent, delayMs)" },
	{ "impair_bad_seed", DP_HEAD DP_PORT0 "    impairment: {seed: x}\n", -EINVAL, 9,
	  24, "spec.ports[0].impairment.seed: expected a non-negative integer, got \"x\"" },
	{ "client_no_port", DP_HEAD "  testClients:\n  - {address: 198.18.0.1}\n",
	  -EINVAL, 6, 5, "spec.testClients[0]: missing required field \"port\"" },
	{ "client_bad_address",
	  DP_HEAD "  testClients:\n  - {address: 198.18.0.300, port: 80}\n", -EINVAL,
	  6, 15, "spec.testClients[0].address: expected an IPv4 address, got \"198.18.0.300\"" },
	{ "client_zero_conns",
	  DP_HEAD "  testClients:\n  - {address: 1.2.3.4, port: 80, connections: 0}\n",
	  -EINVAL, 6, 47,
	  "spec.testClients[0].connections: expected an integer between 1 and 10000, got 0" },
	{ "tcp_not_map", DP_HEAD "  tcp: 5\n", -EINVAL, 5, 8,
	  "spec.tcp: expected a mapping, got 5" },
	{ "tcp_unknown_field", DP_HEAD "  tcp:\n    nagle: true\n", -EINVAL, 6, 5,
	  "spec.tcp: unknown field \"nagle\" (accepted: maxConnections, receiveBuffer, sendBuffer, synBacklog, congestionControl, keepaliveTimeSec, keepaliveIntervalSec, keepaliveProbes)" },
	{ "tcp_keepalive_probes_zero", DP_HEAD "  tcp: {keepaliveProbes: 0}\n", -EINVAL,
	  5, 26, "spec.tcp.keepaliveProbes: expected an integer between 1 and 127, got 0" },
	{ "tcp_max_conns_small", DP_HEAD "  tcp: {maxConnections: 15}\n", -EINVAL,
	  5, 25, "spec.tcp.maxConnections: expected an integer between 16 and 1048576, got 15" },
	{ "tcp_rcvbuf_big", DP_HEAD "  tcp:\n    receiveBuffer: 16777217\n",
	  -EINVAL, 6, 20,
	  "spec.tcp.receiveBuffer: expected an integer between 4096 and 16777216, got 16777217" },
	{ "tcp_sndbuf_small", DP_HEAD "  tcp:\n    sendBuffer: 4095\n", -EINVAL,
	  6, 17, "spec.tcp.sendBuffer: expected an integer between 4096" },
	{ "tcp_backlog_zero", DP_HEAD "  tcp:\n    synBacklog: 0\n", -EINVAL, 6,
	  17, "spec.tcp.synBacklog: expected an integer between 1 and 65535, got 0" },
	{ "tcp_bad_cc", DP_HEAD "  tcp:\n    congestionControl: bbr\n", -EINVAL,
	  6, 24, "spec.tcp.congestionControl: expected cubic or newreno, got \"bbr\"" },
	{ "http_not_map", DP_HEAD "  http: []\n", -EINVAL, 5, 9,
	  "spec.http: expected a mapping, got a sequence" },
	{ "http_unknown_field", DP_HEAD "  http: {headerTimeoutMs: 5}\n", -EINVAL,
	  5, 10,
	  "spec.http: unknown field \"headerTimeoutMs\" (accepted: requestHeadersTimeoutMs, idleTimeoutMs, streamIdleTimeoutMs, maxRequestBodyBytes)" },
	{ "http_timeout_big", DP_HEAD "  http: {idleTimeoutMs: 86400001}\n",
	  -EINVAL, 5, 25,
	  "spec.http.idleTimeoutMs: expected an integer between 0 and 86400000, got 86400001" },
	{ "http_body_negative", DP_HEAD "  http: {maxRequestBodyBytes: -1}\n",
	  -EINVAL, 5, 31,
	  "spec.http.maxRequestBodyBytes: expected an integer between 0 and 1099511627776, got -1" },
	{ "http_body_text", DP_HEAD "  http: {maxRequestBodyBytes: 1M}\n",
	  -EINVAL, 5, 31, "got \"1M\"" },
	{ "listeners_not_seq", DP_HEAD "  testListeners: {port: 7}\n", -EINVAL, 5,
	  18, "spec.testListeners: expected a sequence, got a mapping" },
	{ "listener_no_port", DP_HEAD "  testListeners:\n  - mode: echo\n", -EINVAL,
	  6, 5, "spec.testListeners[0]: missing required field \"port\"" },
	{ "listener_bad_mode", DP_HEAD "  testListeners:\n  - {port: 7, mode: chargen}\n",
	  -EINVAL, 6, 21,
	  "spec.testListeners[0].mode: expected echo, discard or source, got \"chargen\"" },
	{ "listener_port_zero", DP_HEAD "  testListeners:\n  - {port: 0}\n", -EINVAL,
	  6, 12, "spec.testListeners[0].port: expected an integer between 1 and 65535, got 0" },
	{ "listener_ephemeral", DP_HEAD "  testListeners:\n  - {port: 40000}\n",
	  -EINVAL, 6, 12,
	  "spec.testListeners[0].port: 40000 is in the ephemeral range 32768-60999" },
	{ "listener_duplicate",
	  DP_HEAD "  testListeners:\n  - {port: 7}\n  - {port: 7, mode: discard}\n",
	  -EINVAL, 7, 12,
	  "spec.testListeners[1].port: duplicate port 7 (first in spec.testListeners[0])" },
	{ "listener_bytes_not_source",
	  DP_HEAD "  testListeners:\n  - {port: 7, bytes: 10}\n", -EINVAL, 6, 22,
	  "spec.testListeners[0].bytes: only a source listener sends bytes" },
	{ "listener_bytes_negative",
	  DP_HEAD "  testListeners:\n  - {port: 19, mode: source, bytes: -1}\n",
	  -EINVAL, 6, 37, "spec.testListeners[0].bytes: expected an integer between 0" },
	{ "listener_unknown_field",
	  DP_HEAD "  testListeners:\n  - {port: 7, proto: udp}\n", -EINVAL, 6, 15,
	  "spec.testListeners[0]: unknown field \"proto\" (accepted: port, mode, bytes)" },
	{ "l4_unknown_field", DP_HEAD "  l4: {flows: 10}\n", -EINVAL, 5, 8,
	  "spec.l4: unknown field \"flows\" (accepted: flowsPerWorker, "
	  "tcpSynTimeoutSec, tcpEstablishedTimeoutSec, tcpClosingTimeoutSec, "
	  "udpTimeoutSec, mssClamp, listeners)" },
	{ "l4_flows_small", DP_HEAD "  l4: {flowsPerWorker: 100}\n", -EINVAL, 5, 24, "spec.l4.flowsPerWorker: expected an integer between 1024" },
	{ "l4_timeout_zero", DP_HEAD "  l4: {udpTimeoutSec: 0}\n", -EINVAL, 5, 23, "spec.l4.udpTimeoutSec: expected an integer between 1" },
	{ "l4_mss_small", DP_HEAD "  l4: {mssClamp: 100}\n", -EINVAL, 5, 18,
	  "spec.l4.mssClamp: expected an integer between 536" },
	{ "l4_listeners_map", DP_HEAD "  l4: {listeners: {port: 1}}\n", -EINVAL,
	  5, 19, "spec.l4.listeners: expected a sequence" },
	{ "l4_listener_no_port", DP_HEAD "  l4: {listeners: [{mode: fullnat}]}\n",
	  -EINVAL, 5, 20, "spec.l4.listeners[0]: missing required field \"port\"" },
	{ "l4_listener_ephemeral",
	  DP_HEAD "  l4: {listeners: [{port: 40000}]}\n", -EINVAL, 5, 27,
	  "spec.l4.listeners[0].port: 40000 is in the ephemeral range 32768-60999" },
	{ "l4_listener_mode",
	  DP_HEAD "  l4: {listeners: [{port: 53, mode: dsr}]}\n", -EINVAL, 5, 37,
	  "spec.l4.listeners[0].mode: expected fullnat or proxy, got \"dsr\"" },
	{ "l4_listener_proto",
	  DP_HEAD "  l4: {listeners: [{port: 53, protocols: [SCTP]}]}\n", -EINVAL,
	  5, 43, "spec.l4.listeners[0].protocols[0]: expected TCP or UDP, got \"SCTP\"" },
	{ "l4_listener_proto_empty",
	  DP_HEAD "  l4: {listeners: [{port: 53, protocols: []}]}\n", -EINVAL,
	  5, 42, "spec.l4.listeners[0].protocols: expected a sequence of TCP and UDP" },
	{ "l4_listener_dup",
	  DP_HEAD "  l4: {listeners: [{port: 53}, {port: 53}]}\n", -EINVAL, 5, 39,
	  "spec.l4.listeners[1].port: duplicate port 53" },
	{ "l4_listener_unknown",
	  DP_HEAD "  l4: {listeners: [{port: 53, vip: 1.2.3.4}]}\n", -EINVAL, 5, 31,
	  "spec.l4.listeners[0]: unknown field \"vip\" (accepted: port, mode, protocols)" },
};

static const char full[] =
	"apiVersion: meshgw.io/v1alpha1\n"
	"kind: Dataplane\n"
	"metadata:\n"
	"  name: gw\n"
	"  namespace: meshgw-system\n"
	"spec:\n"
	"  workers: 4\n"
	"  memoryMB: 1024\n"
	"  hugepages: true\n"
	"  idleSleepUs: 50\n"
	"  ports:\n"
	"  - name: outside\n"
	"    device: net_tap0,iface=mg0\n"
	"    address: 198.18.0.1/24\n"
	"    gateway: 198.18.0.254\n"
	"    mtu: 9000\n"
	"  - name: inside-1\n"
	"    device: 0000:03:00.1\n"
	"    address: 198.19.0.10/16\n"
	"  admin:\n"
	"    address: 0.0.0.0:8080\n"
	"    tokenFile: /run/secrets/meshgw-token\n";

static void
test_full(void **state)
{
	const struct gw_config_dataplane *dp;
	const struct gw_config_port *p;
	struct gw_config *cfg;

	(void)state;
	cfg = load_ok(full);
	dp = gw_config_dataplane(cfg);
	assert_ptr_equal(dp->source, gw_config_resource_at(cfg, 0));
	assert_string_equal(dp->source->namespace, "meshgw-system");
	assert_int_equal(dp->workers, 4);
	assert_int_equal(dp->memory_mb, 1024);
	assert_true(dp->hugepages);
	assert_int_equal(dp->idle_sleep_us, 50);
	assert_int_equal(dp->n_ports, 2);
	p = &dp->ports[0];
	assert_string_equal(p->name, "outside");
	assert_string_equal(p->device, "net_tap0,iface=mg0");
	assert_false(p->is_pci);
	assert_int_equal(p->addr, 0xc6120001u);
	assert_int_equal(p->prefix_len, 24);
	assert_true(p->has_gateway);
	assert_int_equal(p->gateway, 0xc61200feu);
	assert_int_equal(p->mtu, 9000);
	p = &dp->ports[1];
	assert_string_equal(p->name, "inside-1");
	assert_string_equal(p->device, "0000:03:00.1");
	assert_true(p->is_pci);
	assert_int_equal(p->addr, 0xc613000au);
	assert_int_equal(p->prefix_len, 16);
	assert_false(p->has_gateway);
	assert_int_equal(p->mtu, GW_CONFIG_DEFAULT_MTU);
	assert_int_equal(dp->admin_addr, 0);
	assert_int_equal(dp->admin_port, 8080);
	assert_string_equal(dp->admin_token_file, "/run/secrets/meshgw-token");
	gw_config_free(cfg);
}

static void
check_defaults(const struct gw_config_dataplane *dp)
{
	assert_int_equal(dp->workers, GW_CONFIG_DEFAULT_WORKERS);
	assert_int_equal(dp->memory_mb, GW_CONFIG_DEFAULT_MEMORY_MB);
	assert_int_equal(dp->hugepages, GW_CONFIG_DEFAULT_HUGEPAGES);
	assert_int_equal(dp->idle_sleep_us, GW_CONFIG_DEFAULT_IDLE_SLEEP_US);
	assert_int_equal(dp->n_ports, 0);
	assert_int_equal(dp->admin_addr, GW_CONFIG_DEFAULT_ADMIN_ADDR);
	assert_int_equal(dp->admin_port, GW_CONFIG_DEFAULT_ADMIN_PORT);
	assert_string_equal(dp->admin_token_file, "");
	assert_int_equal(dp->l4.flows_per_worker, GW_CONFIG_DEFAULT_L4_FLOWS);
	assert_int_equal(dp->l4.udp_timeout_s, GW_CONFIG_DEFAULT_L4_UDP_S);
	assert_int_equal(dp->l4.mss_clamp, 0);
	assert_int_equal(dp->l4.n_listeners, 0);
}

/* spec.l4: sizes, timeouts, full-NAT listeners (proxy ones take no
 * slot), protocols. */
static void
test_l4(void **state)
{
	const struct gw_config_dataplane *dp;
	struct gw_config *cfg;

	(void)state;
	cfg = load_ok(DP_HEAD
		      "  l4:\n"
		      "    flowsPerWorker: 1024\n"
		      "    tcpSynTimeoutSec: 3\n"
		      "    tcpEstablishedTimeoutSec: 86400\n"
		      "    tcpClosingTimeoutSec: 1\n"
		      "    udpTimeoutSec: 2\n"
		      "    mssClamp: 1400\n"
		      "    listeners:\n"
		      "    - {port: 5201}\n"
		      "    - {port: 80, mode: proxy}\n"
		      "    - {port: 53, mode: fullnat, protocols: [UDP]}\n"
		      "    - {port: 61000, protocols: [TCP, TCP]}\n");
	dp = gw_config_dataplane(cfg);
	assert_int_equal(dp->l4.flows_per_worker, 1024);
	assert_int_equal(dp->l4.tcp_syn_timeout_s, 3);
	assert_int_equal(dp->l4.tcp_established_timeout_s, 86400);
	assert_int_equal(dp->l4.tcp_closing_timeout_s, 1);
	assert_int_equal(dp->l4.udp_timeout_s, 2);
	assert_int_equal(dp->l4.mss_clamp, 1400);
	assert_int_equal(dp->l4.n_listeners, 3);
	assert_int_equal(dp->l4.listeners[0].port, 5201);
	assert_true(dp->l4.listeners[0].tcp && dp->l4.listeners[0].udp);
	assert_int_equal(dp->l4.listeners[1].port, 53);
	assert_true(!dp->l4.listeners[1].tcp && dp->l4.listeners[1].udp);
	assert_int_equal(dp->l4.listeners[2].port, 61000);
	assert_true(dp->l4.listeners[2].tcp && !dp->l4.listeners[2].udp);
	gw_config_free(cfg);
}

static void
test_defaults(void **state)
{
	struct gw_config *cfg;

	(void)state;
	/* No spec at all. */
	cfg = load_ok("apiVersion: meshgw.io/v1alpha1\nkind: Dataplane\n"
		      "metadata: {name: gw}\n");
	check_defaults(gw_config_dataplane(cfg));
	assert_ptr_equal(gw_config_dataplane(cfg)->source,
			 gw_config_resource_at(cfg, 0));
	gw_config_free(cfg);
	/* An empty spec and an empty admin. */
	cfg = load_ok(DP_HEAD "  ports: []\n  admin: {}\n");
	check_defaults(gw_config_dataplane(cfg));
	gw_config_free(cfg);
	/* No Dataplane in the set. */
	cfg = load_ok("apiVersion: networking.istio.io/v1\nkind: Gateway\n"
		      "metadata: {name: gw}\n");
	check_defaults(gw_config_dataplane(cfg));
	assert_null(gw_config_dataplane(cfg)->source);
	gw_config_free(cfg);
	assert_null(gw_config_dataplane(NULL));
}

static void
test_telemetry(void **state)
{
	const struct gw_config_telemetry *t;
	struct gw_config *cfg;

	(void)state;
	cfg = load_ok(DP_HEAD "  ports: []\n");
	t = &gw_config_dataplane(cfg)->telemetry;
	assert_string_equal(t->workload, "meshgw");
	assert_string_equal(t->ns, "istio-system");
	assert_string_equal(t->app, "");
	assert_string_equal(t->version, "unknown");
	assert_string_equal(t->cluster, "Kubernetes");
	assert_true(t->metrics);
	assert_string_equal(t->access_log_path, "");
	assert_int_equal(t->sampling_ppm, GW_CONFIG_DEFAULT_SAMPLING_PPM);
	assert_int_equal(t->zipkin_addr, 0);
	gw_config_free(cfg);
	cfg = load_ok(DP_HEAD "  telemetry:\n"
		      "    workload: {name: ingress, namespace: edge, app: gw, "
		      "version: v2, cluster: east}\n"
		      "    metrics: false\n"
		      "    accessLog: {path: /dev/stdout, encoding: TEXT, "
		      "format: \"%RESPONSE_CODE% %REQ(:PATH):10%\"}\n"
		      "    tracing: {sampling: 12.5, zipkin: \"198.18.0.9:9411\"}\n");
	t = &gw_config_dataplane(cfg)->telemetry;
	assert_string_equal(t->workload, "ingress");
	assert_string_equal(t->ns, "edge");
	assert_string_equal(t->app, "gw");
	assert_string_equal(t->version, "v2");
	assert_string_equal(t->cluster, "east");
	assert_false(t->metrics);
	assert_string_equal(t->access_log_path, "/dev/stdout");
	assert_false(t->access_log_json);
	assert_string_equal(t->access_log_format,
			    "%RESPONSE_CODE% %REQ(:PATH):10%");
	assert_int_equal(t->sampling_ppm, 125000);
	assert_int_equal(t->zipkin_addr, 0xc6120009u);
	assert_int_equal(t->zipkin_port, 9411);
	gw_config_free(cfg);
	cfg = load_ok(DP_HEAD "  telemetry:\n"
		      "    accessLog: {path: /var/log/a.log, encoding: JSON}\n"
		      "    tracing: {sampling: 0}\n");
	t = &gw_config_dataplane(cfg)->telemetry;
	assert_true(t->access_log_json);
	assert_int_equal(t->sampling_ppm, 0);
	gw_config_free(cfg);
}

static void
test_edge_values(void **state)
{
	static const char yaml[] =
		DP_HEAD
		"  workers: 64\n"
		"  memoryMB: 65536\n"
		"  hugepages: FALSE\n"
		"  idleSleepUs: 100000\n"
		"  ports:\n"
		PORT("a", "0A:1f.7", "198.18.0.0/32")
		"    mtu: 68\n"
		PORT("b", "net_ring0", "198.18.0.2/31")
		"    gateway: 198.18.0.3\n"
		"    mtu: 9600\n"
		PORT("p123456789012345678901234567890", "net_tap1,iface=x",
		     "203.0.113.5/30")
		"    gateway: 203.0.113.6\n"
		"  admin: {address: 255.255.255.255:65535}\n";
	const struct gw_config_dataplane *dp;
	struct gw_config *cfg;

	(void)state;
	cfg = load_ok(yaml);
	dp = gw_config_dataplane(cfg);
	assert_int_equal(dp->workers, 64);
	assert_int_equal(dp->memory_mb, 65536);
	assert_false(dp->hugepages);
	assert_int_equal(dp->idle_sleep_us, 100000);
	assert_int_equal(dp->n_ports, 3);
	assert_true(dp->ports[0].is_pci);
	assert_int_equal(dp->ports[0].prefix_len, 32);
	assert_int_equal(dp->ports[0].mtu, 68);
	assert_int_equal(dp->ports[1].gateway, 0xc6120003u);
	assert_int_equal(dp->ports[1].mtu, 9600);
	assert_int_equal(strlen(dp->ports[2].name), 31);
	assert_int_equal(dp->admin_addr, 0xffffffffu);
	assert_int_equal(dp->admin_port, 65535);
	gw_config_free(cfg);
}

static void
test_token_file_length(void **state)
{
	const struct bad_case c = { "token_file_too_long", NULL, -EINVAL, 5,
				    22, "expected a path of 1 to 4095 bytes" };
	static char s[sizeof(DP_HEAD) + GW_CONFIG_PATH_MAX + 64];
	struct gw_config *cfg;
	size_t o;

	(void)state;
	o = (size_t)sprintf(s, DP_HEAD "  admin: {tokenFile: /");
	memset(s + o, 'x', GW_CONFIG_PATH_MAX - 2);
	strcpy(s + o + GW_CONFIG_PATH_MAX - 2, "}\n");
	cfg = load_ok(s);
	assert_int_equal(strlen(gw_config_dataplane(cfg)->admin_token_file),
			 GW_CONFIG_PATH_MAX - 1);
	gw_config_free(cfg);
	strcpy(s + o + GW_CONFIG_PATH_MAX - 2, "x}\n");
	check_bad_buffer(&c, s, strlen(s));
}

/* Every prefix of a valid file loads or fails cleanly (valgrind: no leak). */
static void
test_impairment(void **state)
{
	const struct gw_config_port *p;
	struct gw_config *cfg;

	(void)state;
	cfg = load_ok(DP_HEAD DP_PORT0 "    impairment:\n      seed: 42\n"
		      "      rx: {dropPercent: 2, reorderPercent: 0.5, delayMs: 5}\n"
		      "      tx: {duplicatePercent: 1.25}\n");
	p = &gw_config_dataplane(cfg)->ports[0];
	assert_true(p->impaired);
	assert_int_equal(p->impair_seed, 42);
	assert_true(p->impair_rx.drop_pct == 2.0);
	assert_true(p->impair_rx.reorder_pct == 0.5);
	assert_int_equal(p->impair_rx.delay_ms, 5);
	assert_true(p->impair_tx.duplicate_pct == 1.25);
	assert_true(p->impair_tx.drop_pct == 0.0);
	gw_config_free(cfg);
	cfg = load_ok(DP_HEAD DP_PORT0);
	assert_false(gw_config_dataplane(cfg)->ports[0].impaired);
	gw_config_free(cfg);
}

static void
test_tcp_and_listeners(void **state)
{
	const struct gw_config_dataplane *dp;
	struct gw_config *cfg;

	(void)state;
	cfg = load_ok(DP_HEAD "  tcp:\n    maxConnections: 100000\n"
			      "    receiveBuffer: 1048576\n    sendBuffer: 4096\n"
			      "    synBacklog: 65535\n    congestionControl: newreno\n"
			      "  testListeners:\n  - {port: 7, mode: echo}\n"
			      "  - {port: 9, mode: discard}\n"
			      "  - {port: 19, mode: source, bytes: 1099511627776}\n"
			      "  - port: 61000\n");
	dp = gw_config_dataplane(cfg);
	assert_int_equal(dp->tcp.max_conns, 100000);
	assert_int_equal(dp->tcp.rcv_buf, 1048576);
	assert_int_equal(dp->tcp.snd_buf, 4096);
	assert_int_equal(dp->tcp.syn_backlog, 65535);
	assert_int_equal(dp->tcp.cc, GW_CONFIG_TCP_CC_NEWRENO);
	assert_int_equal(dp->n_test_listeners, 4);
	assert_int_equal(dp->test_listeners[0].port, 7);
	assert_int_equal(dp->test_listeners[0].mode, GW_CONFIG_TEST_ECHO);
	assert_int_equal(dp->test_listeners[1].mode, GW_CONFIG_TEST_DISCARD);
	assert_int_equal(dp->test_listeners[2].mode, GW_CONFIG_TEST_SOURCE);
	assert_int_equal(dp->test_listeners[2].bytes, 1ull << 40);
	assert_int_equal(dp->test_listeners[3].port, 61000);
	assert_int_equal(dp->test_listeners[3].mode, GW_CONFIG_TEST_ECHO);
	gw_config_free(cfg);

	cfg = load_ok(DP_HEAD "  testClients:\n"
			      "  - {address: 198.18.0.1, port: 5001, bytes: 99, connections: 7}\n"
			      "  - {address: 10.0.0.9, port: 80}\n");
	dp = gw_config_dataplane(cfg);
	assert_int_equal(dp->n_test_clients, 2);
	assert_int_equal(dp->test_clients[0].addr, 0xc6120001);
	assert_int_equal(dp->test_clients[0].port, 5001);
	assert_int_equal(dp->test_clients[0].bytes, 99);
	assert_int_equal(dp->test_clients[0].connections, 7);
	assert_int_equal(dp->test_clients[1].connections, 1);
	assert_int_equal(dp->test_clients[1].bytes, GW_CONFIG_DEFAULT_SOURCE_BYTES);
	gw_config_free(cfg);

	cfg = load_ok(DP_HEAD "  workers: 1\n");
	dp = gw_config_dataplane(cfg);
	assert_int_equal(dp->tcp.max_conns, GW_CONFIG_DEFAULT_TCP_MAX_CONNS);
	assert_int_equal(dp->tcp.rcv_buf, GW_CONFIG_DEFAULT_TCP_BUFFER);
	assert_int_equal(dp->tcp.cc, GW_CONFIG_TCP_CC_CUBIC);
	assert_int_equal(dp->tcp.keepalive_time_s, 0);
	assert_int_equal(dp->tcp.keepalive_interval_s, 75);
	assert_int_equal(dp->tcp.keepalive_probes, 9);
	assert_int_equal(dp->n_test_listeners, 0);
	assert_int_equal(dp->http.request_headers_timeout_ms,
			 GW_CONFIG_DEFAULT_HTTP_HEADERS_TIMEOUT_MS);
	assert_int_equal(dp->http.idle_timeout_ms,
			 GW_CONFIG_DEFAULT_HTTP_IDLE_TIMEOUT_MS);
	assert_int_equal(dp->http.stream_idle_timeout_ms,
			 GW_CONFIG_DEFAULT_HTTP_STREAM_IDLE_TIMEOUT_MS);
	assert_int_equal(dp->http.max_request_body_bytes, 0);
	gw_config_free(cfg);

	cfg = load_ok(DP_HEAD "  http:\n    requestHeadersTimeoutMs: 0\n"
			      "    idleTimeoutMs: 86400000\n"
			      "    streamIdleTimeoutMs: 1500\n"
			      "    maxRequestBodyBytes: 1099511627776\n");
	dp = gw_config_dataplane(cfg);
	assert_int_equal(dp->http.request_headers_timeout_ms, 0);
	assert_int_equal(dp->http.idle_timeout_ms, 86400000);
	assert_int_equal(dp->http.stream_idle_timeout_ms, 1500);
	assert_int_equal(dp->http.max_request_body_bytes, 1ull << 40);
	gw_config_free(cfg);
}

static void
test_every_prefix(void **state)
{
	struct gw_config_err err;
	struct gw_config *cfg;
	size_t len;
	int rc;

	(void)state;
	for (len = 0; len <= sizeof(full) - 1; len++) {
		rc = gw_config_load_buffer("p.yaml", full, len, &cfg, &err);
		assert_true(rc == 0 || rc == -EINVAL);
		if (rc == 0)
			assert_non_null(cfg);
		else
			assert_null(cfg);
		gw_config_free(cfg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_edge_values),
		cmocka_unit_test(test_telemetry),
		cmocka_unit_test(test_token_file_length),
		cmocka_unit_test(test_tcp_and_listeners),
		cmocka_unit_test(test_impairment),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_l4),
	};
	int rc;

	rc = run_bad_cases("dataplane_errors", cases,
			   sizeof(cases) / sizeof(cases[0]));
	rc += cmocka_run_group_tests_name("dataplane", tests, NULL, NULL);
	return rc;
}
