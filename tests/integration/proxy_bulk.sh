#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Large bodies through the proxy, and back-pressure: 100 MB uploads
# (Content-Length and chunked) and downloads (Content-Length and chunked)
# checked by sha256 against what the backend saw or sent; then a slow
# client (curl --limit-rate) and a slow backend (a reader paced by the
# backend), during which the gateway's packet buffers in use stay
# bounded: the proxy never holds more than the TCP windows and its
# 64 KiB queues, whatever the body size. Last, an nginx backend serving
# the 100 MB file (sendfile) and wrk through the gateway: no errors.
source "$(dirname "$0")/lib.sh"

# mbufs in use may grow this much over idle during a transfer: about
# 4 MB of buffers, against the 8 MB and 100 MB bodies that go through
MBUF_BOUND=2000

mesh_config() {
	T_WORKERS=1 T_MEMORY=256 t_config_basic
	{
		t_yaml_gateway
		t_yaml_service app app.internal 8081
		t_yaml_service static static.internal 8090
		cat <<YAML
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app}
spec:
  hosts: [app.example]
  gateways: [edge]
  http:
  - match: [{uri: {prefix: /static/}}]
    route: [{destination: {host: static.internal}}]
  - route: [{destination: {host: app.internal}}]
YAML
	} >>"$T_DIR/meshgw.yaml"
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
t_log "ok: 100 MB uploads (Content-Length, chunked) intact"

# nginx serves the same file (sendfile, 1.22's defaults): it comes back
# through the gateway intact; then wrk for two seconds, without errors
mkdir -p "$T_DIR/www/static"
mv "$T_DIR/big.bin" "$T_DIR/www/static/big.bin"
echo "hello, world" >"$T_DIR/www/static/hello.txt"
cat >"$T_DIR/nginx.conf" <<EOC
daemon off;
master_process off;
worker_processes 1;
pid $T_DIR/nginx.pid;
error_log $T_DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $T_DIR;
    server {
        listen $T_KERNEL_IP:8090;
        root $T_DIR/www;
    }
}
EOC
# ip netns exec execs nginx: $! is the server, stopped by the hook
ip netns exec "$T_NS" nginx -c "$T_DIR/nginx.conf" -e "$T_DIR/nginx-error.log" &
T_BACKEND_PIDS+=($!)
for _ in $(seq 50); do
	t_ns curl -s -o /dev/null "http://$T_KERNEL_IP:8090/static/hello.txt" && break
	sleep 0.1
done
got=$(curl_gw "http://$T_GW_IP/static/big.bin" | sha256sum | cut -d' ' -f1)
t_assert_eq "100 MB from nginx" "$got" "$want"
rm -f "$T_DIR/www/static/big.bin"
t_ns wrk -t1 -c16 -d2s -H "Host: app.example" \
	"http://$T_GW_IP/static/hello.txt" >"$T_DIR/wrk.out" 2>&1 ||
	t_fail "wrk: $(cat "$T_DIR/wrk.out")"
reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T_DIR/wrk.out")
t_log "wrk through the gateway: $reqs requests in 2 s"
t_assert_ge "wrk requests" "$reqs" 1000
if grep -q "Socket errors\|Non-2xx" "$T_DIR/wrk.out"; then
	t_fail "wrk saw errors: $(cat "$T_DIR/wrk.out")"
fi

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

t_sessions_drained
t_assert_eq "no upstream resets" "$(t_status 's["proxy"]["upstream_reset"]')" 0
