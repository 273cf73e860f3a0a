#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TCP benchmark, side by side on this machine (needs root, a built tree):
#   1. single-connection bulk throughput (a Linux client reads N bytes)
#   2. new connections per second (a Linux client, one echo per connection)
# against meshgw's TCP through a TAP, and against Linux's own TCP over a
# veth pair, with the same client; prints each figure, the ratio, and
# meshgw's busy cycles per segment. Bounded: about a minute.
#   tools/bench/tcp.sh [BYTES] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BYTES=${1:-536870912}
SECS=${2:-5}
MESHGW=${MESHGW:-build/dataplane/main/meshgw}
[ -x "$MESHGW" ] || { echo "build first (tools/test.sh or ninja -C build)" >&2; exit 1; }
NS=mgbench-$$
TMP=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for n in "$NS" "$NS-a" "$NS-b"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
py() { python3 tools/bench/tcpbench.py "$@"; }
status() { ip netns exec "$NS" curl -s 127.0.0.1:15000/api/v1/status |
	python3 -c 'import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# --- meshgw through a TAP ---------------------------------------------------
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
cat >"$TMP/gw.yaml" <<EOC
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata: {name: bench}
spec:
  workers: 1
  memoryMB: 512
  ports:
  - {name: eth0, device: "net_tap0,iface=mgb0", address: 198.18.250.2/24}
  testListeners:
  - {port: 7, mode: echo}
  - {port: 19, mode: source, bytes: $BYTES}
EOC
nsenter --net="/run/netns/$NS" "$MESHGW" --config "$TMP/gw.yaml" >"$TMP/gw.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
	[ "$(ip netns exec "$NS" curl -s 127.0.0.1:15000/ready 2>/dev/null)" = LIVE ] && break
	sleep 0.1
done
ip netns exec "$NS" ip link set mgb0 address 02:00:c6:12:fa:01
ip netns exec "$NS" ip addr add 198.18.250.1/24 dev mgb0
ip netns exec "$NS" ip link set mgb0 up
sleep 0.3
c0=$(status 's["workers"][0]["busy_cycles"]'); s0=$(status 's["tcp"]["segs_rx"] + s["tcp"]["segs_tx"]')
gw_bulk=$(ip netns exec "$NS" python3 tools/bench/tcpbench.py bulk 198.18.250.2 19 "$BYTES")
c1=$(status 's["workers"][0]["busy_cycles"]'); s1=$(status 's["tcp"]["segs_rx"] + s["tcp"]["segs_tx"]')
gw_conns=$(ip netns exec "$NS" python3 tools/bench/tcpbench.py conns 198.18.250.2 7 "$SECS")
c2=$(status 's["workers"][0]["busy_cycles"]'); s2=$(status 's["tcp"]["segs_rx"] + s["tcp"]["segs_tx"]')

# --- Linux to Linux over veth -------------------------------------------------
ip netns add "$NS-a"; ip netns add "$NS-b"
ip link add mgba type veth peer name mgbb
ip link set mgba netns "$NS-a"; ip link set mgbb netns "$NS-b"
ip netns exec "$NS-a" ip addr add 198.18.251.1/24 dev mgba
ip netns exec "$NS-b" ip addr add 198.18.251.2/24 dev mgbb
for n in "$NS-a" "$NS-b"; do ip netns exec "$n" ip link set lo up; done
ip netns exec "$NS-a" ip link set mgba up; ip netns exec "$NS-b" ip link set mgbb up
ip netns exec "$NS-b" python3 tools/bench/tcpbench.py serve-source 198.18.251.2 19 "$BYTES" &
PIDS+=($!)
ip netns exec "$NS-b" python3 tools/bench/tcpbench.py serve-echo 198.18.251.2 7 &
PIDS+=($!)
sleep 0.5
lx_bulk=$(ip netns exec "$NS-a" python3 tools/bench/tcpbench.py bulk 198.18.251.2 19 "$BYTES")
lx_conns=$(ip netns exec "$NS-a" python3 tools/bench/tcpbench.py conns 198.18.251.2 7 "$SECS")

ratio() { python3 -c 'import sys; print(f"{float(sys.argv[1].split()[0]) / float(sys.argv[2].split()[0]):.2f}")' "$1" "$2"; }
cat <<EOR
TCP benchmark ($(date -u +%FT%TZ), $(nproc) CPUs; one client, python3, for both)
                         meshgw (TAP)           Linux (veth)          ratio
bulk, 1 connection       ${gw_bulk%% (*}  ${lx_bulk%% (*}  $(ratio "$gw_bulk" "$lx_bulk")
new connections          ${gw_conns%% (*}  ${lx_conns%% (*}  $(ratio "$gw_conns" "$lx_conns")
meshgw busy cycles per segment: bulk $(( (c1 - c0) / (s1 - s0 > 0 ? s1 - s0 : 1) )), connections $(( (c2 - c1) / (s2 - s1 > 0 ? s2 - s1 : 1) ))
Note: the TAP path includes the kernel's tun driver and the client's own
stack on every segment, so it measures the whole path, not meshgw alone.
EOR
