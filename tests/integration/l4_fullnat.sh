#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The full-NAT fast path (Dataplane spec.l4.listeners, mode fullnat)
# against real Linux peers on the kernel side of a TAP port, two workers:
#  - 300 TCP connections and 300 UDP datagrams with random payloads come
#    back with their sha256 from the backend chosen (tests/integration/
#    l4peer.py), split 60/30/10 by the tcp route's weights;
#  - iperf3 TCP and UDP run through it;
#  - the SYN reaching an endpoint carries the clamped MSS; an ICMP
#    fragmentation-needed from the endpoint's side reaches the client
#    translated, and the client's kernel takes it;
#  - removing an endpoint from its ServiceEntry: connections open to the
#    others go on untouched (no reset), the removed one's drain, new flows
#    never go to it, and Maglev keeps the others' flows where they were;
#  - an endpoint drained through the admin API gets no new flows;
#  - flows expire on time: the active gauge goes back to 0;
#  - packets for no flow and for no route are dropped and counted;
#  - a port whose UDP is NATed has its TCP served by the proxy.
source "$(dirname "$0")/lib.sh"

command -v iperf3 >/dev/null || t_fail "iperf3 is not installed (tools/install-deps.sh)"
B1="$T_NET.11" B2="$T_NET.12" B3="$T_NET.13" B4="$T_NET.14"
T_WORKERS=2 t_netns_create
T_WORKERS=2 t_config_basic "  l4:
    tcpSynTimeoutSec: 3
    tcpClosingTimeoutSec: 2
    tcpEstablishedTimeoutSec: 30
    udpTimeoutSec: 2
    mssClamp: 1000
    listeners:
    - {port: 7000, mode: fullnat}
    - {port: 7001, mode: fullnat}
    - {port: 7002, mode: fullnat, protocols: [UDP]}
    - {port: 5201, mode: fullnat}
    - {port: 7009, mode: fullnat}
    - {port: 7010, mode: fullnat}"
se() { # NAME PORT ADDR...
	local name=$1 port=$2
	shift 2
	cat <<YAML
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: $name}
spec:
  hosts: [$name.internal]
  resolution: STATIC
  ports: [{number: 9000, name: tcp, protocol: TCP}]
  endpoints:
YAML
	for a in "$@"; do
		echo "  - {address: $a, ports: {tcp: $port}}"
	done
}
routes() {
	cat <<YAML
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  servers:
  - port: {number: 7000, name: split, protocol: TCP}
    hosts: ["*"]
  - port: {number: 7001, name: pool, protocol: TCP}
    hosts: ["*"]
  - port: {number: 7002, name: pool-udp, protocol: TCP}
    hosts: ["*"]
  - port: {number: 5201, name: perf, protocol: TCP}
    hosts: ["*"]
  - port: {number: 7009, name: none, protocol: TCP}
    hosts: [nothing.example]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: l4}
spec:
  hosts: ["*"]
  gateways: [edge]
  tcp:
  - match: [{port: 7000}]
    route:
    - {destination: {host: b1.internal}, weight: 60}
    - {destination: {host: b2.internal}, weight: 30}
    - {destination: {host: b3.internal}, weight: 10}
  - match: [{port: 7001}, {port: 7002}]
    route: [{destination: {host: pool.internal}}]
  - match: [{port: 5201}]
    route: [{destination: {host: perf.internal}}]
YAML
}
{
	se b1 9000 "$B1"
	se b2 9000 "$B2"
	se b3 9000 "$B3"
	se pool 9000 "$B1" "$B2" "$B3"
	se perf 5201 "$B4"
	routes
} >>"$T_DIR/meshgw.yaml"
t_gw_start
t_tap_up
for a in "$B1" "$B2" "$B3" "$B4"; do
	t_ns ip addr add "$a/24" dev mg0
done

peer() { ip netns exec "$T_NS" python3 "$MESHGW_SRC/tests/integration/l4peer.py" "$@"; }
for b in 1 2 3; do
	eval "addr=\$B$b"
	peer serve "$addr" 9000 "b$b" >"$T_DIR/b$b.log" 2>&1 &
	T_BACKEND_PIDS+=($!)
	peer serve "$addr" 9000 "b$b" --udp >"$T_DIR/b$b-udp.log" 2>&1 &
	T_BACKEND_PIDS+=($!)
done
ip netns exec "$T_NS" iperf3 -s -B "$B4" -p 5201 >"$T_DIR/iperf3-s.log" 2>&1 &
T_BACKEND_PIDS+=($!)
for a in "$B1" "$B2" "$B3"; do
	t_wait_listen "$a:9000"
	t_wait_listen "$a:9000" udp
done
t_wait_listen "$B4:5201"
l4() { t_status "s[\"l4\"][\"$1\"]"; }
drop() { t_status 's["drops"]["by_reason"]["'"$1"'"]'; }

split_ok() { # JSON on stdin: 300 answers, 60/30/10
	python3 -c '
import json, sys
r = json.load(sys.stdin)
n = r["by_name"]
print(n)
assert r["ok"] == 300 and not r["errors"], r
assert 150 <= n.get("b1", 0) <= 210, n
assert 65 <= n.get("b2", 0) <= 115, n
assert 14 <= n.get("b3", 0) <= 50, n
'
}

t_log "300 TCP connections of 64 KiB: whole, split 60/30/10"
out=$(peer clients "$T_GW_IP" 7000 300 65536 --parallel 24) || t_fail "TCP clients: $out"
echo "$out" | split_ok || t_fail "TCP split: $out"

t_log "300 UDP datagrams from 300 source ports: answered, split 60/30/10"
out=$(peer clients "$T_GW_IP" 7000 300 1000 --udp --parallel 24) || t_fail "UDP clients: $out"
echo "$out" | split_ok || t_fail "UDP split: $out"

t_log "iperf3 TCP, then UDP, through the full NAT"
t_ns iperf3 -c "$T_GW_IP" -p 5201 -t 2 -J >"$T_DIR/iperf3.json" 2>"$T_DIR/iperf3.err" ||
	t_fail "iperf3 TCP: $(tail -5 "$T_DIR/iperf3.json")"
t_ns iperf3 -c "$T_GW_IP" -p 5201 -u -b 20M -l 1200 -t 2 -J \
	>"$T_DIR/iperf3u.json" 2>"$T_DIR/iperf3u.err" ||
	t_fail "iperf3 UDP: $(tail -5 "$T_DIR/iperf3u.json")"
python3 - "$T_DIR/iperf3.json" "$T_DIR/iperf3u.json" <<'PY' || t_fail "iperf3 results"
import json, sys
t = json.load(open(sys.argv[1]))["end"]
u = json.load(open(sys.argv[2]))["end"]["sum"]
print("iperf3 TCP %.1f Mbit/s; UDP %.1f Mbit/s, %d of %d datagrams lost" % (
    t["sum_received"]["bits_per_second"] / 1e6, u["bits_per_second"] / 1e6,
    u["lost_packets"], u["packets"]))
assert t["sum_received"]["bytes"] > 1000000, t
assert u["packets"] > 1000 and u["lost_percent"] < 5, u
PY

t_log "MSS clamp and ICMP fragmentation needed"
t_ns python3 "$MESHGW_SRC/tests/integration/l4icmp.py" mss mg0 "$T_GW_IP" 7000 1000 ||
	t_fail "MSS clamp"
t_assert_ge "mss_clamped" "$(l4 mss_clamped)" 300
t_ns python3 "$MESHGW_SRC/tests/integration/l4icmp.py" frag mg0 "$T_KERNEL_IP" "$T_GW_IP" 7000 1200 ||
	t_fail "ICMP fragmentation needed"
t_assert_ge "icmp_translated" "$(l4 icmp_translated)" 1

t_log "no route, no flow: dropped and counted"
t_ns timeout 3 python3 -c "
import socket
s = socket.socket(); s.settimeout(2)
try:
    s.connect(('$T_GW_IP', 7009))
except OSError:
    pass" || true
t_assert_ge "nat_no_route" "$(drop nat_no_route)" 1
t_ns python3 "$MESHGW_SRC/tests/integration/l4icmp.py" ack "$T_GW_IP" 7000 >/dev/null
for _ in $(seq 20); do
	[ "$(drop nat_no_flow)" -ge 1 ] && break
	sleep 0.1
done
t_assert_ge "nat_no_flow" "$(drop nat_no_flow)" 1

t_log "a port whose UDP is NATed and TCP proxied: both reach the pool"
out=$(peer clients "$T_GW_IP" 7002 20 1000 --udp) || t_fail "UDP on 7002: $out"
before_cx=$(t_status 's["proxy"]["tcp_cx"]')
out=$(peer clients "$T_GW_IP" 7002 20 1000) || t_fail "TCP on 7002: $out"
t_assert_eq "proxied TCP connections" "$(( $(t_status 's["proxy"]["tcp_cx"]') - before_cx ))" 20

t_log "the pool: 200 UDP flows, long TCP connections to each endpoint"
out=$(peer clients "$T_GW_IP" 7001 200 100 --udp --sport-base 41000) || t_fail "$out"
echo "$out" >"$T_DIR/before.json"
# not before their time: the 200 are there (udpTimeoutSec 2)
t_assert_ge "flows active" "$(l4 flows_active)" 200
# connections held open 4 s before they send: they live across the change
peer clients "$T_GW_IP" 7001 30 200000 --hold 4 --parallel 30 >"$T_DIR/held.json" &
held=$!
sleep 1
t_log "remove $B3 from the pool (and b3 from the split) while they are open"
{
	se b1 9000 "$B1"
	se b2 9000 "$B2"
	se b3 9000 "$B3"
	se pool 9000 "$B1" "$B2"
	se perf 5201 "$B4"
	routes
} >"$T_DIR/change.yaml"
code=$(t_ns curl -s -o "$T_DIR/apply.out" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/yaml' --data-binary "@$T_DIR/change.yaml" \
	"http://$T_ADMIN/apis/apply")
t_assert_eq "apply" "$code" 200
wait "$held" || t_fail "connections across the change: $(cat "$T_DIR/held.json")"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] == 30 and not r["errors"], r
print("ok: 30 connections open across the change finished whole:", r["by_name"])
' "$T_DIR/held.json" || t_fail "held connections"

t_log "flows expire: the gauge back to 0"
for _ in $(seq 80); do
	[ "$(l4 flows_active)" = 0 ] && break
	sleep 0.1
done
t_assert_eq "flows_active" "$(l4 flows_active)" 0
t_assert_eq "expired = created" "$(l4 flows_expired)" "$(l4 flows_created)"

t_log "new flows from the same 200 source ports: Maglev moves only $B3's"
out=$(peer clients "$T_GW_IP" 7001 200 100 --udp --sport-base 41000) || t_fail "$out"
python3 - "$T_DIR/before.json" <<PY "$out" || t_fail "Maglev after the removal"
import json, sys
before = json.load(open(sys.argv[1]))["map"]
after = json.loads(sys.argv[2])["map"]
assert len(before) == 200 and len(after) == 200, (len(before), len(after))
assert "b3" not in after.values(), after
was3 = [p for p, n in before.items() if n == "b3"]
kept = [p for p, n in before.items() if n != "b3" and after[p] == n]
others = [p for p, n in before.items() if n != "b3"]
print("b3 had %d flows, all moved; %d of the others' %d stayed" % (
    len(was3), len(kept), len(others)))
assert len(was3) > 20, before
# Maglev's disruption: a few keys besides the removed endpoint's move
assert len(kept) >= 0.9 * len(others), (len(kept), len(others))
PY

t_log "health: new flows avoid an endpoint drained through the admin API"
code=$(t_ns curl -s -o /dev/null -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' --data-binary \
	"{\"address\": \"$B2:9000\", \"host\": \"pool.internal\", \"state\": \"drain\"}" \
	"http://$T_ADMIN/api/v1/endpoints")
t_assert_eq "drain $B2" "$code" 200
sleep 2.5	# the flows of before expire (udpTimeoutSec 2)
out=$(peer clients "$T_GW_IP" 7001 100 100 --udp --sport-base 42000) || t_fail "$out"
t_assert_eq "new flows while $B2 drains" "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["by_name"])')" "{'b1': 100}"

t_assert_ge "TCP established" "$(l4 tcp_established)" 330
t_assert_ge "flows created" "$(l4 flows_created)" 1000
t_api /stats/prometheus >"$T_DIR/prom.txt"
grep -q "^meshgw_l4_endpoint_packets_total{endpoint=\"$B1:9000\",direction=\"to\"} [1-9]" "$T_DIR/prom.txt" ||
	t_fail "per-endpoint packet counts"
grep -q "^meshgw_l4_flows_active [0-9]" "$T_DIR/prom.txt" || t_fail "meshgw_l4_flows_active"
grep -q "full-NAT port 7010: no Gateway server declares it" "$GW_LOG" ||
	t_fail "no word about port 7010, which no Gateway server declares"
# the proxy served port 7002's TCP only
t_assert_eq "upstream connections of the proxy" "$(t_status 's["proxy"]["upstream_cx"]')" 20
t_gw_stop
