#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tools/loadgen against the gateway over net_memif, the kernel out of the
# path: meshgw has two memif server ports (clients, backends); one loadgen
# process is the client on the first and the backend on the second.
# Checks what it reports against what meshgw counted: keep-alive,
# pipelined, one request per connection, open loop at a rate, a large
# body, a refused port, a clean stop (no session left), bad options;
# then the raw packet mode through testpmd's io forwarding.
source "$(dirname "$0")/lib.sh"

: "${MESHGW_LOADGEN:?set MESHGW_LOADGEN to the meshgw-loadgen binary}"
command -v dpdk-testpmd >/dev/null || t_fail "dpdk-testpmd missing (package dpdk)"
t_netns_create
BACK_NET="198.19.$(($$ % 250 + 1))"
t_config_write <<EOF2
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata: {name: gw}
spec:
  memoryMB: 256
  idleSleepUs: 100
  ports:
  - name: front
    device: net_memif0,role=server,id=0,socket=@DIR@/front.sock,socket-abstract=no
    address: @GW_IP@/24
  - name: back
    device: net_memif1,role=server,id=0,socket=@DIR@/back.sock,socket-abstract=no
    address: $BACK_NET.1/24
$(t_yaml_gateway)
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: app}
spec:
  hosts: [app.test]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints: [{address: $BACK_NET.2, ports: {http: 8080}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app}
spec:
  hosts: [app.test]
  gateways: [edge]
  http:
  - route: [{destination: {host: app.test, port: {number: 8080}}}]
EOF2
t_config_write "$T_DIR/lg.yaml" <<EOF2
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata: {name: lg}
spec:
  memoryMB: 256
  idleSleepUs: 100
  ports:
  - name: client
    device: net_memif0,role=client,id=0,socket=@DIR@/front.sock,socket-abstract=no
    address: @KERNEL_IP@/24
  - name: backend
    device: net_memif1,role=client,id=0,socket=@DIR@/back.sock,socket-abstract=no
    address: $BACK_NET.2/24
EOF2
t_gw_start
t_wait_ready

lg() { # lg NAME ARGS...: run the loadgen, report to $T_DIR/NAME.json
	local name=$1
	shift
	nsenter --net="/run/netns/$T_NS" "$MESHGW_LOADGEN" \
		--config "$T_DIR/lg.yaml" --warmup 0.5 --duration 1.5 \
		--json "$T_DIR/$name.json" "$@" >"$T_DIR/$name.out" 2>"$T_DIR/$name.err"
}
# j NAME EXPR: a Python expression over report NAME (r)
j() {
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$T_DIR/$1.json" "$2"
}
gw_requests() { t_status 's["proxy"]["requests"]'; }
URL="http://$T_GW_IP/"

# keep-alive, closed loop: every response is a 200 from the backend, once
before=$(gw_requests)
lg ka --url "$URL" --host app.test --serve 8080 --connections 16 ||
	t_fail "keep-alive run: $(cat "$T_DIR/ka.out" "$T_DIR/ka.err")"
t_log "$(sed -n 2p "$T_DIR/ka.out")"
t_assert_eq "keep-alive errors" "$(j ka 'r["errors"]["total"]')" 0
t_assert_ge "keep-alive responses" "$(j ka 'r["responses"]')" 1000
t_assert_eq "all 2xx" "$(j ka 'r["status"]["2xx"] == r["responses"]')" True
t_assert_eq "latency quantiles ordered" \
	"$(j ka '(lambda l: 0 < l["p50"] <= l["p90"] <= l["p99"] <= l["p999"] <= l["max"])(r["latency_us"])')" True
t_assert_eq "latency samples = responses" "$(j ka 'r["latency_us"]["count"] == r["responses"]')" True
t_assert_eq "backend answered each request once" \
	"$(j ka 'r["totals"]["backend_responses"] == r["totals"]["responses"] == r["totals"]["requests"]')" True
t_assert_eq "meshgw counted them" "$(($(gw_requests) - before))" "$(j ka 'r["totals"]["responses"]')"

# pipelined: 8 requests in flight on each of 4 connections
lg pipe --url "$URL" --host app.test --serve 8080 --connections 4 --pipeline 8 ||
	t_fail "pipelined run: $(cat "$T_DIR/pipe.out" "$T_DIR/pipe.err")"
t_assert_eq "pipelined errors" "$(j pipe 'r["errors"]["total"]')" 0
t_assert_ge "pipelined responses" "$(j pipe 'r["responses"]')" 1000
t_assert_eq "pipelined: none lost" \
	"$(j pipe 'r["totals"]["responses"] == r["totals"]["requests"]')" True

# one request per connection
lg close --url "$URL" --host app.test --serve 8080 --connections 16 --close ||
	t_fail "close run: $(cat "$T_DIR/close.out" "$T_DIR/close.err")"
t_log "$(sed -n 3p "$T_DIR/close.out")"
t_assert_eq "close errors" "$(j close 'r["errors"]["total"]')" 0
t_assert_ge "connections opened" "$(j close 'r["totals"]["connections"]')" 500
t_assert_eq "one response per connection" \
	"$(j close 'r["totals"]["connections"] == r["totals"]["responses"]')" True

# open loop: the schedule is kept (within 20 %) when the server keeps up
lg rate --url "$URL" --host app.test --serve 8080 --connections 16 --rate 2000 ||
	t_fail "open-loop run: $(cat "$T_DIR/rate.out" "$T_DIR/rate.err")"
t_assert_eq "open-loop errors" "$(j rate 'r["errors"]["total"]')" 0
t_assert_eq "open-loop rate kept" \
	"$(j rate '1600 <= r["requests_per_s"] <= 2400')" True

# a large body crosses the proxy whole
lg body --url "$URL" --host app.test --serve 8080 --connections 4 --body 300000 ||
	t_fail "large body run: $(cat "$T_DIR/body.out" "$T_DIR/body.err")"
t_assert_eq "large body errors" "$(j body 'r["errors"]["total"]')" 0
t_assert_eq "each response carried the body" \
	"$(j body '(lambda t: t["responses"] > 0 and t["bytes_in"] >= 300000 * t["responses"])(r["totals"])')" True

# nothing listens on port 81: refused opens are errors (exit 1)
rc=0
lg refused --url "http://$T_GW_IP:81/" --connections 2 || rc=$?
t_assert_eq "refused run exit status" "$rc" 1
t_assert_ge "failed opens" "$(j refused 'r["errors"]["failed_opens"]')" 1

# the loadgen closed every connection it had, both sides
t_sessions_drained
t_assert_eq "proxy 5xx" "$(t_status 's["proxy"]["responses_5xx"]')" 0
t_assert_eq "proxy upstream resets" "$(t_status 's["proxy"]["upstream_reset"]')" 0

# bad options: exit 2 with a message, nothing started
for bad in "--url https://$T_GW_IP/" "--url http://$T_GW_IP/ --pipeline 0" \
	"--url http://$T_GW_IP/ --close --pipeline 2" "--raw udp" \
	"--url http://$T_GW_IP/ --rate -5" "--serve 0"; do
	rc=0
	# shellcheck disable=SC2086 # split on purpose
	"$MESHGW_LOADGEN" --config "$T_DIR/lg.yaml" $bad >"$T_DIR/bad.out" 2>&1 || rc=$?
	t_assert_eq "exit status for '$bad'" "$rc" 2
	grep -q "meshgw-loadgen:\|usage:" "$T_DIR/bad.out" || t_fail "no message for '$bad'"
done
rc=0
"$MESHGW_LOADGEN" --config "$T_DIR/none.yaml" --serve 80 >"$T_DIR/bad.out" 2>&1 || rc=$?
t_assert_eq "exit status for a missing configuration" "$rc" 2

# raw UDP through testpmd's io forwarding between two memif links
t_gw_stop

tp_pid=""
tp_stop() {
	if [ -n "$tp_pid" ]; then
		kill -INT "$tp_pid" 2>/dev/null
		wait "$tp_pid" 2>/dev/null
		rm -rf "/var/run/dpdk/tp-$$"
	fi
}
T_CLEANUP_HOOKS+=(tp_stop)
dpdk-testpmd --lcores=0@0,1@1 --no-huge -m 256 --no-shconf \
	--file-prefix="tp-$$" --no-pci \
	--vdev="net_memif0,role=server,id=0,socket=$T_DIR/r0.sock,socket-abstract=no" \
	--vdev="net_memif1,role=server,id=0,socket=$T_DIR/r1.sock,socket-abstract=no" \
	--log-level='*:warning' -- --forward-mode=io --auto-start \
	--nb-cores=1 --total-num-mbufs=16383 \
	--stats-period=60 \
	>"$T_DIR/testpmd.log" 2>&1 &
tp_pid=$!
# forwarding has started once testpmd says so (its sockets listen then)
for _ in $(seq 100); do
	grep -q "start packet forwarding" "$T_DIR/testpmd.log" && break
	sleep 0.1
done
grep -q "start packet forwarding" "$T_DIR/testpmd.log" ||
	t_fail "testpmd did not start: $(tail "$T_DIR/testpmd.log")"
t_config_write "$T_DIR/lg.yaml" <<EOF2
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata: {name: lgraw}
spec:
  memoryMB: 256
  ports:
  - name: out
    device: net_memif0,role=client,id=0,socket=@DIR@/r0.sock,socket-abstract=no
    address: @KERNEL_IP@/24
  - name: in
    device: net_memif1,role=client,id=0,socket=@DIR@/r1.sock,socket-abstract=no
    address: $BACK_NET.2/24
EOF2
lg raw --raw udp --raw-dst "$BACK_NET.2:9" --raw-flows 64 --rate 200000 ||
	t_fail "raw run: $(cat "$T_DIR/raw.out" "$T_DIR/raw.err" "$T_DIR/testpmd.log")"
t_log "$(sed -n 2p "$T_DIR/raw.out")"
# (testpmd's forwarding core busy-polls: the CPUs are shared, so only
# the ceiling of the schedule is certain)
t_assert_eq "raw: not above the rate" "$(j raw '0 < r["raw"]["sent_per_s"] <= 220000')" True
t_assert_eq "raw: forwarded back (90 % or more)" \
	"$(j raw 'r["totals"]["raw_received"] >= 0.9 * r["totals"]["raw_sent"] > 0')" True
