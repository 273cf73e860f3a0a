#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# meshgw with the kernel out of the path (needs root and a built tree):
#
#   meshgw-loadgen clients ──memif──▶ meshgw (1 worker) ──memif──▶ meshgw-loadgen backend
#
# meshgw's two ports are memif servers; one meshgw-loadgen process is the
# client on one link and the backend on the other. meshgw's worker has
# CPU 1 to itself; the load generator and meshgw's control thread share
# CPU 0. Rounds: keep-alive (closed loop), keep-alive with 4 requests
# pipelined per connection, one request per connection. For each: the
# load generator's requests/s and latency, and meshgw's busy cycles per
# request (its worker's busy-cycle accounting over the same interval),
# from which the rate one fully busy core would reach follows. The load
# generator's own busy share says which side was the limit.
#
# Then L4: meshgw's full NAT (one worker on CPU 1) forwarding 60-byte UDP
# frames (64 on the wire) of 1000 flows from one memif link to the other,
# streamed by meshgw-loadgen's raw mode from CPU 0, beside the ceiling of
# this machine's virtual wire: dpdk-testpmd io-forwarding the same stream
# between two memif links on CPU 1. The ratio is meshgw's share of it.
#
# PERF_ROUND=ka (or pipelined, close, l4) samples CPU 1 with perf during
# that round and writes meshgw's top symbols to PERF_OUT
# (/tmp/perf-memif-ROUND.txt).
#
#   [PERF_ROUND=R] tools/bench/memif.sh [SECONDS] [CONNECTIONS] [JSON-OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-5}
CONNS=${2:-64}
JSON_OUT=${3:-build/bench-memif.json}
BUILD=${BUILD:-build}
MESHGW=${MESHGW:-$BUILD/dataplane/main/meshgw}
LOADGEN=${LOADGEN:-$BUILD/tools/loadgen/meshgw-loadgen}
for b in "$MESHGW" "$LOADGEN"; do
	[ -x "$b" ] || { echo "build first (tools/test.sh or ninja -C $BUILD)" >&2; exit 1; }
done
command -v dpdk-testpmd >/dev/null || { echo "missing dpdk-testpmd (apt-get install dpdk)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs" >&2; exit 1; }

NS=mgbm-$$
TMP=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP" "/var/run/dpdk/mgbm-tp-$$"
}
trap cleanup EXIT
# meshgw's admin API lives in a namespace of its own (no port clash)
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
in_ns() { ip netns exec "$NS" "$@"; }
status() { in_ns curl -s 127.0.0.1:15000/api/v1/status |
	python3 -c 'import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

cat >"$TMP/gw.yaml" <<EOC
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata: {name: bench}
spec:
  workers: 1
  memoryMB: 512
  telemetry: {metrics: false}
  ports:
  - name: front
    device: net_memif0,role=server,id=0,socket=$TMP/front.sock,socket-abstract=no
    address: 198.18.250.1/24
  - name: back
    device: net_memif1,role=server,id=0,socket=$TMP/back.sock,socket-abstract=no
    address: 198.18.251.1/24
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: app}
spec:
  hosts: [app.bench]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints: [{address: 198.18.251.2, ports: {http: 8080}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app}
spec:
  hosts: ["*"]
  gateways: [edge]
  http:
  - route: [{destination: {host: app.bench, port: {number: 8080}}}]
EOC
cat >"$TMP/lg.yaml" <<EOC
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata: {name: loadgen}
spec:
  workers: 1
  memoryMB: 512
  ports:
  - name: client
    device: net_memif0,role=client,id=0,socket=$TMP/front.sock,socket-abstract=no
    address: 198.18.250.2/24
  - name: backend
    device: net_memif1,role=client,id=0,socket=$TMP/back.sock,socket-abstract=no
    address: 198.18.251.2/24
EOC
# gw_start CONFIG LOG: meshgw, its main lcore (the control thread) on
# CPU 0 and its worker on CPU 1, until it is ready; GW is its PID
# (ip netns exec and taskset exec: $! is meshgw itself)
gw_start() {
	ip netns exec "$NS" taskset -c 0,1 "$MESHGW" --config "$1" >"$2" 2>&1 &
	GW=$!
	PIDS+=($GW)
	for _ in $(seq 100); do
		[ "$(in_ns curl -s 127.0.0.1:15000/ready 2>/dev/null)" = LIVE ] &&
			return 0
		sleep 0.1
	done
	cat "$2" >&2
	echo "meshgw ($1) did not start" >&2
	exit 1
}
# perf_start / perf_stop OUT: a perf sample of CPU 1 (meshgw's worker
# alone, and the kernel's own work) over the measured window only, after
# the load generator's 1 s warm-up; its top symbols go to OUT
perf_start() {
	(sleep 1.2; perf record -q -e cpu-clock -C 1 -o "$TMP/perf.data" \
		-- sleep "$(python3 -c "print(max(1, $SECS - 0.5))")" \
		2>/dev/null) &
	PERF=$!
}
perf_stop() {
	wait "$PERF" || true
	perf report -i "$TMP/perf.data" --sort dso,sym --stdio 2>/dev/null |
		grep -v '^#' | grep -v '^$' >"$1" || true
}
gw_start "$TMP/gw.yaml" "$TMP/gw.log"
TSC=$(status 's["tsc_hz"]')
: >"$TMP/rows.jsonl"

# round NAME LOADGEN-ARGS...: one loadgen run, meshgw sampled around it
round() {
	local name=$1 b0 b1 d0 d1 q0 q1
	shift
	b0=$(status 's["workers"][0]["busy_cycles"]')
	d0=$(status 's["workers"][0]["device_cycles"]')
	q0=$(status 's["proxy"]["requests"]')
	[ "${PERF_ROUND:-}" = "$name" ] && perf_start
	taskset -c 0 "$LOADGEN" --config "$TMP/lg.yaml" --warmup 1 \
		--duration "$SECS" --url http://198.18.250.1/ --host app.bench \
		--serve 8080 --body 13 --json "$TMP/$name.json" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" ||
		{ cat "$TMP/$name.out" "$TMP/$name.err" >&2; echo "round $name failed" >&2; exit 1; }
	[ "${PERF_ROUND:-}" = "$name" ] &&
		perf_stop "${PERF_OUT:-/tmp/perf-memif-$name.txt}"
	b1=$(status 's["workers"][0]["busy_cycles"]')
	d1=$(status 's["workers"][0]["device_cycles"]')
	q1=$(status 's["proxy"]["requests"]')
	python3 - "$name" "$TMP/$name.json" "$((b1 - b0))" "$((d1 - d0))" \
		"$((q1 - q0))" "$TSC" >>"$TMP/rows.jsonl" <<'PY'
import json, sys
name, path, busy, dev, reqs, tsc = sys.argv[1:]
r = json.load(open(path))
busy, dev, reqs, tsc = int(busy), int(dev), int(reqs), int(tsc)
row = {"round": name, "rps": r["requests_per_s"], "cps": r["connections_per_s"],
       "p50_us": r["latency_us"]["p50"], "p99_us": r["latency_us"]["p99"],
       "p999_us": r["latency_us"]["p999"], "errors": r["errors"]["total"],
       "loadgen_busy": r["busy_share"], "gw_requests": reqs,
       "busy_cycles_per_req": busy / max(reqs, 1),
       "own_cycles_per_req": (busy - dev) / max(reqs, 1)}
row["core_capacity_rps"] = tsc / row["busy_cycles_per_req"] if reqs else 0
print(json.dumps(row))
PY
}
round ka --connections "$CONNS"
round pipelined --connections "$((CONNS / 4 > 0 ? CONNS / 4 : 1))" --pipeline 4
round close --connections "$CONNS" --close
kill -TERM "$GW"
wait "$GW" || true
PIDS=()

# L4: the full NAT, UDP port 9 of the front address to a sink behind the
# back port (the load generator's backend address, which counts them)
python3 - "$TMP/gw.yaml" "$TMP/gw-l4.yaml" <<'PY'
import sys
dp = open(sys.argv[1]).read().split("\n---\n")[0]
dp = dp.replace("  telemetry: {metrics: false}\n",
                "  telemetry: {metrics: false}\n"
                "  l4:\n"
                "    listeners: [{port: 9, mode: fullnat, protocols: [UDP]}]\n")
open(sys.argv[2], "w").write(dp + '''
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: l4}
spec:
  servers:
  - port: {number: 9, name: sink, protocol: TCP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: sink}
spec:
  hosts: [sink.bench]
  resolution: STATIC
  ports: [{number: 9, name: udp, protocol: TCP}]
  endpoints: [{address: 198.18.251.2}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: sink}
spec:
  hosts: ["*"]
  gateways: [l4]
  tcp:
  - route: [{destination: {host: sink.bench}}]
''')
PY
cat >"$TMP/raw.yaml" <<EOC
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata: {name: loadgen-raw}
spec:
  workers: 1
  memoryMB: 512
  ports:
  - name: out
    device: net_memif0,role=client,id=0,socket=$TMP/r0.sock,socket-abstract=no
    address: 198.18.250.2/24
  - name: in
    device: net_memif1,role=client,id=0,socket=$TMP/r1.sock,socket-abstract=no
    address: 198.18.251.2/24
EOC

# l4_nat RUN: meshgw's full NAT on CPU 1, the stream from CPU 0
l4_nat() {
	local b0 b1 n0 n1
	gw_start "$TMP/gw-l4.yaml" "$TMP/gw-l4.log"
	b0=$(status 's["workers"][0]["busy_cycles"]')
	n0=$(status 's["l4"]["to_endpoint_packets"]')
	[ "${PERF_ROUND:-}" = l4 ] && [ "$1" = 1 ] && perf_start
	taskset -c 0 "$LOADGEN" --config "$TMP/lg.yaml" --warmup 1 --duration "$SECS" \
		--raw udp --raw-dst 198.18.250.1:9 --raw-size 60 --raw-flows 1000 \
		--json "$TMP/nat$1.json" >"$TMP/nat.out" 2>"$TMP/nat.err" ||
		{ cat "$TMP/nat.out" "$TMP/nat.err" >&2; echo "full-NAT round failed" >&2; exit 1; }
	[ "${PERF_ROUND:-}" = l4 ] && [ "$1" = 1 ] &&
		perf_stop "${PERF_OUT:-/tmp/perf-memif-l4.txt}"
	b1=$(status 's["workers"][0]["busy_cycles"]')
	n1=$(status 's["l4"]["to_endpoint_packets"]')
	echo "{\"busy\": $((b1 - b0)), \"packets\": $((n1 - n0))}" >"$TMP/nat-gw$1.json"
	kill -TERM "$GW"
	wait "$GW" || true
	PIDS=()
}

# l4_ceiling RUN: testpmd io forwarding between two memif links on CPU 1
l4_ceiling() {
	local tp
	dpdk-testpmd --lcores=0@0,1@1 --no-huge -m 512 --no-shconf \
		--file-prefix="mgbm-tp-$$" --no-pci \
		--vdev="net_memif0,role=server,id=0,socket=$TMP/r0.sock,socket-abstract=no" \
		--vdev="net_memif1,role=server,id=0,socket=$TMP/r1.sock,socket-abstract=no" \
		--log-level='*:warning' -- --forward-mode=io --auto-start --nb-cores=1 \
		--total-num-mbufs=32767 --stats-period=60 >"$TMP/testpmd.log" 2>&1 &
	tp=$!
	PIDS+=($tp)
	for _ in $(seq 100); do
		grep -q "start packet forwarding" "$TMP/testpmd.log" && break
		sleep 0.1
	done
	taskset -c 0 "$LOADGEN" --config "$TMP/raw.yaml" --warmup 1 --duration "$SECS" \
		--raw udp --raw-dst 198.18.251.2:9 --raw-size 60 --json "$TMP/raw$1.json" \
		>"$TMP/raw.out" 2>"$TMP/raw.err" ||
		{ cat "$TMP/raw.out" "$TMP/raw.err" >&2; echo "raw round failed" >&2; exit 1; }
	kill -INT "$tp" 2>/dev/null || true
	wait "$tp" 2>/dev/null || true
	PIDS=()
	rm -rf "/var/run/dpdk/mgbm-tp-$$"
}

# alternated, three of each: this VM's speed drifts by tens of percent
# within minutes, and a ratio of medians of neighbours is steadier
for r in 1 2 3; do
	l4_nat "$r"
	l4_ceiling "$r"
done

CPU_MODEL=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
python3 - "$TMP/rows.jsonl" "$TMP" "$JSON_OUT" "$SECS" "$CONNS" \
	"$CPU_MODEL" "$TSC" <<'PY'
import json, os, platform, statistics, sys, time
rows = [json.loads(l) for l in open(sys.argv[1])]
tmp = sys.argv[2]
secs, conns, cpu, tsc = sys.argv[4], sys.argv[5], sys.argv[6], int(sys.argv[7])
raws = [json.load(open("%s/raw%d.json" % (tmp, r)))["raw"] for r in (1, 2, 3)]
nats = [json.load(open("%s/nat%d.json" % (tmp, r)))["raw"] for r in (1, 2, 3)]
natgw = [json.load(open("%s/nat-gw%d.json" % (tmp, r))) for r in (1, 2, 3)]
med = lambda xs: statistics.median(xs)
raw = {"received_per_s": med([x["received_per_s"] for x in raws]),
       "sent_per_s": med([x["sent_per_s"] for x in raws]),
       "frame_bytes": raws[0]["frame_bytes"]}
nat = {"received_per_s": med([x["received_per_s"] for x in nats]),
       "sent_per_s": med([x["sent_per_s"] for x in nats]),
       "frame_bytes": nats[0]["frame_bytes"]}
print("meshgw over memif (%s; %s, %d CPUs; meshgw-loadgen on CPU 0, meshgw's "
      "worker on CPU 1, %s connections, %s s per round)" % (
          time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), cpu,
          os.cpu_count(), conns, secs))
print("%-10s %9s %8s %8s %8s %8s %11s %11s %9s %7s" % (
    "round", "req/s", "conn/s", "p50 us", "p99 us", "p99.9 us",
    "cycles/req", "own cyc/req", "core cap", "lg busy"))
for r in rows:
    print("%-10s %9.0f %8.0f %8.1f %8.1f %8.1f %11.0f %11.0f %9.0f %6.0f%%" % (
        r["round"], r["rps"], r["cps"], r["p50_us"], r["p99_us"],
        r["p999_us"], r["busy_cycles_per_req"], r["own_cycles_per_req"],
        r["core_capacity_rps"], 100 * r["loadgen_busy"]))
print("  (core cap: the requests/s meshgw's worker would serve at 100 % busy, "
      "from its busy cycles per request)")
cyc = med([g["busy"] / max(g["packets"], 1) for g in natgw])
ratio = nat["received_per_s"] / raw["received_per_s"] if raw["received_per_s"] else 0
print("L4, 60-byte UDP frames, medians of 3 alternated runs:")
print("  ceiling, testpmd io forwarding: %.0f packets/s (runs: %s)" % (
    raw["received_per_s"], ", ".join("%.0f" % x["received_per_s"] for x in raws)))
print("  meshgw full NAT, 1000 flows, one worker: %.0f packets/s (runs: %s), "
      "%.0f busy cycles/packet (%.0f packets/s at 100 %% of the core): "
      "%.0f %% of the ceiling" % (
          nat["received_per_s"],
          ", ".join("%.0f" % x["received_per_s"] for x in nats), cyc,
          tsc / cyc if cyc else 0, 100 * ratio))
doc = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpu": cpu,
       "cpus": os.cpu_count(), "kernel": platform.release(),
       "seconds": float(secs), "connections": int(conns), "rows": rows,
       "l4_ceiling": {"tool": "dpdk-testpmd io", "frame_bytes": raw["frame_bytes"],
                      "pps": raw["received_per_s"], "sent_pps": raw["sent_per_s"]},
       "l4_fullnat": {"frame_bytes": nat["frame_bytes"], "flows": 1000,
                      "pps": nat["received_per_s"], "sent_pps": nat["sent_per_s"],
                      "busy_cycles_per_packet": cyc,
                      "core_capacity_pps": tsc / cyc if cyc else 0,
                      "ratio": ratio,
                      "runs_pps": [x["received_per_s"] for x in nats],
                      "ceiling_runs_pps": [x["received_per_s"] for x in raws]}}
os.makedirs(os.path.dirname(sys.argv[3]) or ".", exist_ok=True)
with open(sys.argv[3], "w") as f:
    json.dump(doc, f, indent=1)
print("\n(JSON: %s)" % sys.argv[3])
PY
