#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TCP ports (Gateway protocol TCP, VirtualService tcp routes) through
# meshgw's terminating TCP proxy, against real Linux peers on the kernel
# side (three backends at their own addresses, tests/integration/l4peer.py):
# 300 connections with random payloads come back with their sha256 from
# the backend the route chose, split 60/30/10 by weight; sourceSubnet and
# destinationSubnets pick routes; a server-first backend greets before the
# client says anything; iperf3 runs through a single-destination port; a
# port no route takes closes its connections; DestinationRule
# tcp.idleTimeout closes an idle tunnel; Istio's TCP metrics count it all;
# a TLS server in mode SIMPLE terminates TLS into a tcp route.
# (UDP goes through the full-NAT path only: l4_fullnat.sh.)
source "$(dirname "$0")/lib.sh"

command -v iperf3 >/dev/null || t_fail "iperf3 is not installed (tools/install-deps.sh)"
PKI="$T_DIR/pki"
python3 "$MESHGW_SRC/tests/integration/tlscerts.py" "$PKI"

B1="$T_NET.11" B2="$T_NET.12" B3="$T_NET.13" C2="$T_NET.21"
T_WORKERS=2 t_netns_create
T_WORKERS=2 t_config_basic
se() { # NAME ADDR PORT
	cat <<YAML
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: $1}
spec:
  hosts: [$1.internal]
  resolution: STATIC
  ports: [{number: 9000, name: tcp, protocol: TCP}]
  endpoints: [{address: $2, ports: {tcp: $3}}]
YAML
}
{
	se b1 "$B1" 9000
	se b2 "$B2" 9000
	se b3 "$B3" 9000
	se perf "$B1" 5201
	se banner "$B2" 9100
	cat <<YAML
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: banner}
spec:
  host: banner.internal
  trafficPolicy: {connectionPool: {tcp: {idleTimeout: 1s}}}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  servers:
  - port: {number: 7000, name: split, protocol: TCP}
    hosts: ["*"]
  - port: {number: 7001, name: perf, protocol: TCP}
    hosts: ["*"]
  - port: {number: 7002, name: banner, protocol: TCP}
    hosts: ["*"]
  - port: {number: 7003, name: none, protocol: TCP}
    hosts: [nothing.example]
  - port: {number: 7443, name: tls, protocol: TLS}
    hosts: [db.example.test]
    tls: {mode: SIMPLE, serverCertificate: $PKI/wild-ec.crt, privateKey: $PKI/wild-ec.key}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: l4}
spec:
  hosts: ["*"]
  gateways: [edge]
  tcp:
  - match: [{port: 7000, sourceSubnet: $C2/32}]
    route: [{destination: {host: b3.internal}}]
  - match: [{port: 7000, destinationSubnets: [198.19.0.0/16]}]
    route: [{destination: {host: b2.internal}}]
  - match: [{port: 7000}]
    route:
    - {destination: {host: b1.internal}, weight: 60}
    - {destination: {host: b2.internal}, weight: 30}
    - {destination: {host: b3.internal}, weight: 10}
  - match: [{port: 7001}]
    route: [{destination: {host: perf.internal}}]
  - match: [{port: 7002}, {port: 7443}]
    route: [{destination: {host: banner.internal}}]
YAML
} >>"$T_DIR/meshgw.yaml"
t_gw_start
t_tap_up
for a in "$B1" "$B2" "$B3" "$C2"; do
	t_ns ip addr add "$a/24" dev mg0
done

# backends, stopped by PID with the others
peer() { ip netns exec "$T_NS" python3 "$MESHGW_SRC/tests/integration/l4peer.py" "$@"; }
for b in 1 2 3; do
	eval "addr=\$B$b"
	peer serve "$addr" 9000 "b$b" >"$T_DIR/b$b.log" 2>&1 &
	T_BACKEND_PIDS+=($!)
done
peer serve "$B2" 9100 banner --banner >"$T_DIR/banner.log" 2>&1 &
T_BACKEND_PIDS+=($!)
ip netns exec "$T_NS" iperf3 -s -B "$B1" -p 5201 >"$T_DIR/iperf3-s.log" 2>&1 &
T_BACKEND_PIDS+=($!)
for a in "$B1:9000" "$B2:9000" "$B3:9000" "$B2:9100" "$B1:5201"; do
	t_wait_listen "$a"
done
px() { t_status "s[\"proxy\"][\"$1\"]"; }

t_log "300 connections of 64 KiB, split 60/30/10, payloads checked by sha256"
out=$(peer clients "$T_GW_IP" 7000 300 65536 --parallel 24) || t_fail "clients: $out"
echo "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
n = r["by_name"]
print(n)
assert r["ok"] == 300 and not r["errors"], r
# binomial, 300 draws: 180 +- 26, 90 +- 25, 30 +- 16 (3 sigma)
assert 150 <= n.get("b1", 0) <= 210, n
assert 65 <= n.get("b2", 0) <= 115, n
assert 14 <= n.get("b3", 0) <= 50, n
' || t_fail "weighted split: $out"
t_log "ok: every payload whole, the split by weight"

t_log "sourceSubnet takes the connections of $C2"
out=$(peer clients "$T_GW_IP" 7000 20 1000 --bind "$C2") || t_fail "$out"
t_assert_eq "all to b3" "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["by_name"])')" "{'b3': 20}"

t_log "a 4 MiB payload, a half-close, the answer after it"
out=$(peer clients "$T_GW_IP" 7000 4 4194304 --parallel 4) || t_fail "$out"

t_log "server-first: the greeting comes before the client sends"
out=$(peer clients "$T_GW_IP" 7002 10 100 --banner) || t_fail "banner: $out"

t_log "iperf3 through a single-destination port"
t_ns iperf3 -c "$T_GW_IP" -p 7001 -t 2 -J >"$T_DIR/iperf3.json" 2>"$T_DIR/iperf3.err" ||
	t_fail "iperf3: $(tail -5 "$T_DIR/iperf3.json")"
python3 - "$T_DIR/iperf3.json" <<'PY' || t_fail "iperf3 result"
import json, sys
r = json.load(open(sys.argv[1]))
sent = r["end"]["sum_sent"]["bytes"]
recv = r["end"]["sum_received"]["bytes"]
print("iperf3: %.1f Mbit/s, %d bytes" % (r["end"]["sum_received"]["bits_per_second"] / 1e6, recv))
assert sent > 1000000 and recv > 0, (sent, recv)
PY

t_log "a port no route takes: closed"
t_assert_eq "no route" "$(peer hold "$T_GW_IP" 7003 3 | cut -d' ' -f1)" closed
t_assert_ge "tcp_no_route" "$(px tcp_no_route)" 1

t_log "tcp.idleTimeout 1s closes an idle tunnel"
got=$(peer hold "$T_GW_IP" 7002 5)
case "$got" in
closed*) ;;
*) t_fail "idle tunnel: $got" ;;
esac
# the greeting came at once; the close about 1 s later
t_log "ok: idle tunnel $got"

t_log "TLS terminated into a tcp route: the greeting comes through TLS"
ans=$(sleep 2 | t_ns timeout 10 openssl s_client -quiet \
	-connect "$T_GW_IP:7443" -servername db.example.test \
	-CAfile "$PKI/ca.crt" -verify_return_error 2>/dev/null | head -1)
t_assert_eq "TLS into TCP" "$ans" "hello banner"

# 300 + 20 + 4 + 10 + iperf3 (control, data) + the idle one + TLS
t_assert_ge "tcp_cx" "$(px tcp_cx)" 338
t_assert_eq "upstream resets" "$(px upstream_reset)" 0
t_sessions_drained
t_api /stats/prometheus | python3 -c '
import re, sys
v = {}
for line in sys.stdin:
    m = re.match(r"(istio_tcp_\w+)\{.*destination_service=\"b1.internal\".*\} (\d+)$", line)
    if m:
        v[m.group(1)] = v.get(m.group(1), 0) + int(m.group(2))
print(v)
assert v["istio_tcp_connections_opened_total"] >= 150, v
assert v["istio_tcp_connections_opened_total"] == v["istio_tcp_connections_closed_total"], v
assert v["istio_tcp_received_bytes_total"] >= 150 * 65536, v
assert v["istio_tcp_sent_bytes_total"] > 0, v
' || t_fail "Istio TCP metrics"
t_log "ok: Istio TCP metrics"
t_gw_stop
