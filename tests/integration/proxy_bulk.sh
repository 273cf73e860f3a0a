#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Large bodies through the proxy, and back-pressure: 100 MB uploads
# (Content-Length and chunked) and downloads (Content-Length and chunked)
# checked by sha256 against what the backend saw or sent; then a slow
# client (curl --limit-rate) and a slow backend (a reader paced by the
# backend), during which the gateway's packet buffers in use stay
# bounded: the proxy never holds more than the TCP windows and its
# 64 KiB queues, whatever the body size.
source "$(dirname "$0")/lib.sh"

# mbufs in use may grow this much over idle during a transfer: about
# 4 MB of buffers, against the 8 MB and 100 MB bodies that go through
MBUF_BOUND=2000

mesh_config() {
	T_WORKERS=1 T_MEMORY=256 t_config_basic
	cat >>"$T_DIR/meshgw.yaml" <<YAML
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
  hosts: [app.internal]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints: [{address: $T_KERNEL_IP, ports: {http: 8081}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app}
spec:
  hosts: [app.example]
  gateways: [edge]
  http:
  - route: [{destination: {host: app.internal}}]
YAML
}

curl_gw() { t_ns curl -s --max-time 120 -H "Host: app.example" "$@"; }

# mbufs_watch FILE: sample mbufs in use every 0.2 s until the file
# "$1.stop" appears; the samples go to FILE.
mbufs_watch() {
	while [ ! -e "$1.stop" ]; do
		t_status 's["mbufs"]["in_use"]' >>"$1" 2>/dev/null || true
		sleep 0.2
	done
}

# bounded WHAT IDLE FILE: the largest sample stays within the bound.
bounded() {
	local max
	max=$(sort -n "$3" | tail -n 1)
	[ -n "$max" ] || t_fail "$1: no samples"
	t_log "$1: mbufs in use peaked at $max (idle $2, $(wc -l <"$3") samples)"
	[ $((max - $2)) -le $MBUF_BOUND ] ||
		t_fail "$1: $((max - $2)) mbufs held over idle (bound $MBUF_BOUND)"
}

t_netns_create
mesh_config
t_gw_start
t_tap_up
t_wait_ready
t_backend_start 8081 app

# 100 MB up, announced and chunked, streamed from a file by curl -T
head -c 100000000 /dev/urandom >"$T_DIR/big.bin"
want=$(sha256sum "$T_DIR/big.bin" | cut -d' ' -f1)
out=$(curl_gw -X POST -T "$T_DIR/big.bin" "http://$T_GW_IP/sha256")
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["length"] == 100000000 and d["sha256"] == sys.argv[2], d' \
	"$out" "$want" || t_fail "100 MB upload: $out"
out=$(curl_gw -X POST -T "$T_DIR/big.bin" -H "Transfer-Encoding: chunked" \
	"http://$T_GW_IP/sha256")
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["length"] == 100000000 and d["sha256"] == sys.argv[2], d' \
	"$out" "$want" || t_fail "100 MB chunked upload: $out"
rm -f "$T_DIR/big.bin"
t_log "ok: 100 MB uploads (Content-Length, chunked) intact"

# 100 MB down: the same bytes as straight from the backend
want=$(t_ns curl -s "http://$T_KERNEL_IP:8081/bytes/100000000" | sha256sum)
got=$(curl_gw "http://$T_GW_IP/bytes/100000000" | sha256sum)
t_assert_eq "100 MB download sha256" "$got" "$want"
want=$(t_ns curl -s "http://$T_KERNEL_IP:8081/chunked/100000000" | sha256sum)
got=$(curl_gw "http://$T_GW_IP/chunked/100000000" | sha256sum)
t_assert_eq "100 MB chunked download sha256" "$got" "$want"

# back-pressure: a client reading at 2 MB/s, a backend reading at 2 MB/s
sleep 0.5
idle=$(t_status 's["mbufs"]["in_use"]')
mbufs_watch "$T_DIR/slow-client" &
watch=$!
got=$(curl_gw --limit-rate 2M "http://$T_GW_IP/bytes/8000000" | sha256sum)
touch "$T_DIR/slow-client.stop"
wait "$watch"
want=$(t_ns curl -s "http://$T_KERNEL_IP:8081/bytes/8000000" | sha256sum)
t_assert_eq "slow client sha256" "$got" "$want"
bounded "slow client" "$idle" "$T_DIR/slow-client"

head -c 8000000 /dev/urandom >"$T_DIR/8m.bin"
want=$(sha256sum "$T_DIR/8m.bin" | cut -d' ' -f1)
mbufs_watch "$T_DIR/slow-backend" &
watch=$!
out=$(curl_gw -X POST -T "$T_DIR/8m.bin" \
	"http://$T_GW_IP/sha256?rate=2000000")
touch "$T_DIR/slow-backend.stop"
wait "$watch"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["sha256"] == sys.argv[2], d' \
	"$out" "$want" || t_fail "slow backend upload: $out"
bounded "slow backend" "$idle" "$T_DIR/slow-backend"
t_log "ok: slow client and slow backend, buffers bounded"

for _ in $(seq 50); do
	[ "$(t_status 's["proxy"]["active_sessions"]')" = 0 ] && break
	sleep 0.1
done
t_assert_eq "sessions left" "$(t_status 's["proxy"]["active_sessions"]')" 0
t_assert_eq "no upstream resets" "$(t_status 's["proxy"]["upstream_reset"]')" 0
