#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The run command: install what is missing, build, and run meshgw on its
# default configuration (conf/) inside a demo network namespace with a TAP
# port, then show it answering. Ctrl-C stops the gateway and removes
# everything this script created. Needs root.
#
# The addresses match conf/meshgw.yaml: the gateway's port is 198.18.0.2/24
# on TAP mg0; the kernel side of mg0 gets 198.18.0.1/24.
set -euo pipefail
cd "$(dirname "$0")/.."

NS=meshgw-demo
IFACE=mg0
KERNEL_ADDR=198.18.0.1/24
GW_IP=198.18.0.2
ADMIN=http://127.0.0.1:15000
PID=""
BACKENDS=()

tools/install-deps.sh
if [ ! -f build/build.ninja ]; then
	meson setup build
fi
ninja -C build

if ip netns list | grep -qw "$NS"; then
	echo "demo: namespace $NS exists; is another demo running? (ip netns del $NS)" >&2
	exit 1
fi

cleanup() {
	trap - EXIT INT TERM
	echo
	echo "demo: stopping"
	for b in "${BACKENDS[@]}"; do
		kill "$b" 2>/dev/null || true
		wait "$b" 2>/dev/null || true
	done
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID"
		wait "$PID" 2>/dev/null || true
	fi
	[ -n "$PID" ] && rm -rf "/var/run/dpdk/meshgw-$PID"
	ip netns del "$NS" 2>/dev/null || true
	echo "demo: removed namespace $NS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS"
in_ns ip link set lo up
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
nsenter --net="/run/netns/$NS" build/dataplane/main/meshgw --config conf/ &
PID=$!

for _ in $(seq 100); do
	in_ns ip link show "$IFACE" >/dev/null 2>&1 && break
	kill -0 "$PID" 2>/dev/null || { echo "demo: meshgw exited" >&2; exit 1; }
	sleep 0.1
done
for _ in $(seq 100); do
	[ "$(in_ns curl -s "$ADMIN/ready" 2>/dev/null)" = "LIVE" ] && break
	sleep 0.1
done
# net_tap gives the kernel side the port's MAC while it starts the port
# (hence the wait for /ready); give the kernel side its own.
in_ns ip link set "$IFACE" address 02:00:c6:12:00:01
in_ns ip addr add "$KERNEL_ADDR" dev "$IFACE"
in_ns ip link set "$IFACE" up
for _ in $(seq 100); do
	[ "$(in_ns curl -s "$ADMIN/ready" 2>/dev/null)" = "LIVE" ] && break
	sleep 0.1
done

echo
echo "== ip netns exec $NS ping -c 3 $GW_IP"
in_ns ping -c 3 -i 0.3 "$GW_IP"
echo
echo "== a TCP echo through meshgw's own TCP stack (port 7)"
in_ns python3 -c 'import socket,sys; s=socket.create_connection((sys.argv[1],7),timeout=5); s.sendall(b"hello from the kernel side\n"); print(s.recv(100).decode(), end=""); s.close()' "$GW_IP"
echo
echo "== HTTP through the gateway (conf/mesh.yaml): backends v1 and v2 on 198.18.0.1"
for port_name in "8081 v1" "8082 v2"; do
	set -- $port_name
	ip netns exec "$NS" python3 tools/httpbackend.py 198.18.0.1 "$1" "$2" \
		>/dev/null 2>&1 &
	BACKENDS+=($!)
done
for _ in $(seq 50); do
	in_ns curl -s -o /dev/null http://198.18.0.1:8082/ && break
	sleep 0.1
done
# the HealthCheck in conf/mesh.yaml admits an endpoint once its probes
# pass (no panic routing: outlierDetection without minHealthPercent)
echo "waiting for the active health checks to pass..."
for _ in $(seq 150); do
	in_ns curl -s "$ADMIN/clusters" | grep health_flags | grep -qv healthy || break
	sleep 0.1
done
echo "\$ curl -H 'Host: shop.example' -H 'x-canary: true' http://$GW_IP/hello"
in_ns curl -s -H 'Host: shop.example' -H 'x-canary: true' "http://$GW_IP/hello"
echo
echo "100 requests without the header (90/10 split):"
for _ in $(seq 100); do
	in_ns curl -s -H 'Host: shop.example' "http://$GW_IP/" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])'
done | sort | uniq -c
echo
echo "== ip netns exec $NS curl $ADMIN/clusters (health of each endpoint)"
in_ns curl -s "$ADMIN/clusters" | grep -e health_flags -e rq_total
echo
echo "== ip netns exec $NS curl $ADMIN/api/v1/status (ports)"
in_ns curl -s "$ADMIN/api/v1/status" |
	python3 -c 'import json,sys; s=json.load(sys.stdin); print(json.dumps({"version": s["version"], "ready": s["ready"], "ports": [{k: p[k] for k in ("name","mac","address","rx_packets","tx_packets","icmp_echo_rx","icmp_echo_tx")} for p in s["ports"]], "neighbours": s["neighbours"]}, indent=2))'
cat <<EOT

meshgw is running (pid $PID) in network namespace $NS. Try:
  ip netns exec $NS ping $GW_IP
  ip netns exec $NS curl $ADMIN/api/v1/status
  ip netns exec $NS curl $ADMIN/stats/prometheus
  ip netns exec $NS curl $ADMIN/config_dump
  ip netns exec $NS curl $ADMIN/clusters
  ip netns exec $NS build/tools/meshgwctl/meshgwctl get vs
  ip netns exec $NS build/tools/meshgwctl/meshgwctl apply -f conf/mesh.yaml
  ip netns exec $NS curl -X POST -d '{"address": "198.18.0.1:8082", "state": "drain"}' $ADMIN/api/v1/endpoints
  ip netns exec $NS curl -H 'Host: shop.example' http://$GW_IP/
  ip netns exec $NS python3 -c 'import socket; s=socket.create_connection(("$GW_IP",7)); s.sendall(b"hi"); print(s.recv(9))'
Ctrl-C stops it and removes the namespace.
EOT
wait "$PID"
