# SPDX-License-Identifier: Apache-2.0
# Integration test harness, sourced by every tests/integration/<feature>.sh.
#
# Each scenario gets its own network namespace and temp folder; meshgw runs
# inside the namespace (so its TAP devices are created there) with a
# unique DPDK file prefix. Addresses come from 198.18.0.0/15 and exist only
# in that namespace. Everything is torn down by an EXIT trap, on success
# and failure alike: the gateway (by PID), the namespace, DPDK's runtime
# folder and the temp folder.
#
# Environment: MESHGW (the binary), MESHGW_SRC (the source tree).

set -euo pipefail

: "${MESHGW:?set MESHGW to the meshgw binary}"
MESHGW_SRC=${MESHGW_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T_NAME=$(basename "$0" .sh)
T_NS="mgt-${T_NAME:0:12}-$$"
T_DIR=$(mktemp -d "/tmp/meshgw-${T_NAME}.XXXXXX")
T_ADMIN="127.0.0.1:15000"
GW_PID=""
GW_LOG="$T_DIR/meshgw.log"
T_CLEANUP_HOOKS=() # functions a scenario adds; run by the EXIT trap
# Test subnet: 198.18.N.0/24 with N from the PID, so parallel tests differ
# (they are in separate namespaces anyway; this keeps logs unambiguous).
T_NET="198.18.$(($$ % 250 + 1))"
T_KERNEL_IP="$T_NET.1" # kernel side of the TAP
T_GW_IP="$T_NET.2"     # meshgw's port
T_KERNEL_MAC="02:00:c6:12:00:01"

t_log() { printf '[%s] %s\n' "$T_NAME" "$*" >&2; }

t_fail() {
	t_log "FAIL: $*"
	if [ -f "$GW_LOG" ]; then
		t_log "---- meshgw log ----"
		tail -n 40 "$GW_LOG" >&2 || true
	fi
	exit 1
}

t_cleanup() {
	local rc=$?
	set +e
	if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
		kill -TERM "$GW_PID" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$GW_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$GW_PID" 2>/dev/null
		wait "$GW_PID" 2>/dev/null
	fi
	if [ -n "$GW_PID" ]; then
		rm -rf "/var/run/dpdk/meshgw-$GW_PID"
	fi
	ip netns del "$T_NS" 2>/dev/null
	for hook in "${T_CLEANUP_HOOKS[@]}"; do
		"$hook"
	done
	rm -rf "$T_DIR"
	if [ $rc -eq 0 ]; then
		t_log "PASS"
	fi
	exit $rc
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# Run a command inside the test namespace.
t_ns() { ip netns exec "$T_NS" "$@"; }

t_netns_create() {
	ip netns add "$T_NS"
	t_ns ip link set lo up
	# no IPv6 chatter (router/neighbour solicitations) on the ports
	t_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
}

# t_config_write [FILE] < YAML: write a config, substituting @NET@ etc.
t_config_write() {
	local f=${1:-$T_DIR/meshgw.yaml}
	sed -e "s/@NET@/$T_NET/g" -e "s/@GW_IP@/$T_GW_IP/g" \
		-e "s/@KERNEL_IP@/$T_KERNEL_IP/g" -e "s|@DIR@|$T_DIR|g" >"$f"
}

# HTTP backends (tools/httpbackend.py) on the kernel side, stopped by PID.
T_BACKEND_PIDS=()
t_backends_stop() {
	local p
	for p in "${T_BACKEND_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null || true # killed: status 143
	done
	T_BACKEND_PIDS=()
}
T_CLEANUP_HOOKS+=(t_backends_stop)

# t_backend_start PORT NAME: a backend on $T_KERNEL_IP:PORT; waits for it.
t_backend_start() {
	# not through t_ns: a function would run in a subshell and $! would
	# not be the server (ip netns exec execs it, keeping the PID)
	ip netns exec "$T_NS" python3 \
		"$MESHGW_SRC/tools/httpbackend.py" \
		"$T_KERNEL_IP" "$1" "$2" "${@:3}" >"$T_DIR/backend-$2.log" 2>&1 &
	T_BACKEND_PIDS+=($!)
	for _ in $(seq 50); do
		t_ns curl -s -o /dev/null "http://$T_KERNEL_IP:$1/healthz" &&
			return 0
		sleep 0.1
	done
	t_fail "backend $2 on port $1 did not start"
}

# t_wait_listen ADDR:PORT [tcp|udp]: a kernel-side server is bound.
t_wait_listen() {
	local opt=-ltnH
	[ "${2:-tcp}" = udp ] && opt=-lunH
	for _ in $(seq 100); do
		t_ns ss "$opt" "src $1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	t_fail "nothing listens on $1 (${2:-tcp})"
}

# YAML for proxy tests, appended to a config: a Gateway "edge" serving
# HTTP on port 80 for every host, and a STATIC ServiceEntry NAME for HOST
# (service port 8080) with one endpoint on the kernel side at PORT.
t_yaml_gateway() {
	cat <<YAML
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
YAML
}

t_yaml_service() { # NAME HOST PORT
	cat <<YAML
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: $1}
spec:
  hosts: [$2]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints: [{address: $T_KERNEL_IP, ports: {http: $3}}]
YAML
}

# Every proxy session is gone (within 5 s of the last client).
t_sessions_drained() {
	for _ in $(seq 50); do
		[ "$(t_status 's["proxy"]["active_sessions"]')" = 0 ] && return 0
		sleep 0.1
	done
	t_assert_eq "sessions left" \
		"$(t_status 's["proxy"]["active_sessions"]')" 0
}

# Stop the gateway with SIGTERM; it must exit 0.
t_gw_stop() {
	kill -TERM "$GW_PID"
	wait "$GW_PID" || t_fail "exit status"
	GW_PID=""
}

# A Dataplane with one TAP port; extra spec lines come from $1.
t_config_basic() {
	t_config_write <<EOF
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata:
  name: test
spec:
  workers: ${T_WORKERS:-1}
  memoryMB: ${T_MEMORY:-128}
  idleSleepUs: 100
  ports:
  - name: eth0
    device: net_tap0,iface=mg0
    address: @GW_IP@/24
    gateway: @KERNEL_IP@
${1:-}
EOF
}

# Start the gateway in the namespace (config defaults to $T_DIR/meshgw.yaml).
t_gw_start() {
	local cfg=${1:-$T_DIR/meshgw.yaml}
	# nsenter execs (no fork), so $! is meshgw itself
	nsenter --net="/run/netns/$T_NS" "$MESHGW" --config "$cfg" \
		>"$GW_LOG" 2>&1 &
	GW_PID=$!
}

# Wait for an interface the gateway creates, then give it its kernel side.
t_tap_up() {
	local ifname=${1:-mg0} addr=${2:-$T_KERNEL_IP/24} mac=${3:-$T_KERNEL_MAC}
	for _ in $(seq 100); do
		t_ns ip link show "$ifname" >/dev/null 2>&1 && break
		kill -0 "$GW_PID" 2>/dev/null || t_fail "meshgw exited early"
		sleep 0.1
	done
	t_ns ip link show "$ifname" >/dev/null 2>&1 ||
		t_fail "interface $ifname did not appear"
	# wait until the ports are started: net_tap sets the kernel side's
	# MAC (to the port's own) while it starts, which would undo ours
	t_wait_ready
	# net_tap gives the kernel side the port's own MAC: change ours
	t_ns ip link set "$ifname" address "$mac"
	t_ns ip addr add "$addr" dev "$ifname"
	t_ns ip link set "$ifname" up
}

t_api_raw() { t_ns curl -s --max-time 5 "$@"; }

# GET an admin path and print the body; fails on HTTP errors.
t_api() {
	local path=$1
	shift
	t_ns curl -sf --max-time 5 "$@" "http://$T_ADMIN$path" ||
		t_fail "GET $path failed"
}

t_wait_ready() {
	for _ in $(seq 150); do
		if [ "$(t_api_raw "http://$T_ADMIN/ready" "$@" 2>/dev/null)" = "LIVE" ]; then
			return 0
		fi
		kill -0 "$GW_PID" 2>/dev/null || t_fail "meshgw exited early"
		sleep 0.1
	done
	t_fail "meshgw not ready after 15 s"
}

# The usual start: namespace, config, gateway, TAP, ready.
t_start_basic() {
	t_netns_create
	t_config_basic "${1:-}"
	t_gw_start
	t_tap_up
	t_wait_ready
}

# t_status EXPR: evaluate a Python expression over the status document `s`.
t_status() {
	t_api /api/v1/status "${@:2}" |
		python3 -c 'import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

t_assert_eq() {
	local what=$1 got=$2 want=$3
	[ "$got" = "$want" ] || t_fail "$what: got '$got', want '$want'"
	t_log "ok: $what = $want"
}

t_assert_ge() {
	local what=$1 got=$2 min=$3
	[ "$got" -ge "$min" ] 2>/dev/null || t_fail "$what: got '$got', want >= $min"
	t_log "ok: $what = $got (>= $min)"
}

# Send raw frames from the kernel side with tests/integration/pkt.py.
t_pkt() { t_ns python3 "$MESHGW_SRC/tests/integration/pkt.py" "$@"; }

# MAC of the gateway's first port.
t_gw_mac() { t_status 's["ports"][0]["mac"]'; }
