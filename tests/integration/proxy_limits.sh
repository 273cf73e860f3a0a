#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The proxy's timeouts, limits and tunnels, against real python backends
# and real clients: a route timeout (504), a connect timeout to an address
# nobody answers (503), the stream idle timeout (504), a slowloris head
# (408 after requestHeadersTimeoutMs from its first byte, however slowly
# it drips), an idle keep-alive connection closed, request bodies over
# maxRequestBodyBytes refused with 413 (announced and chunked), heads over
# the limits refused (431, 414), a WebSocket echo through the 101 tunnel
# with a half-close at the end, and DestinationRule maxConnections /
# http1MaxPendingRequests: requests beyond the limit wait for the
# connection, beyond the queue get 503.
# Runs with one worker and with two.
source "$(dirname "$0")/lib.sh"

mesh_config() {
	T_WORKERS=$1 t_config_basic "  http:
    requestHeadersTimeoutMs: 1000
    idleTimeoutMs: 2000
    streamIdleTimeoutMs: 3000
    maxRequestBodyBytes: 1048576"
	{
		t_yaml_gateway
		t_yaml_service app app.internal 8081
		t_yaml_service narrow narrow.internal 8081
		cat <<YAML
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: void}
spec:
  hosts: [void.internal]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints: [{address: $T_NET.77}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: void}
spec:
  host: void.internal
  trafficPolicy:
    connectionPool: {tcp: {connectTimeout: 1s}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: narrow}
spec:
  host: narrow.internal
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 2}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app}
spec:
  hosts: [app.example]
  gateways: [edge]
  http:
  - name: hurried
    match: [{uri: {prefix: /hurried}}]
    rewrite: {uri: /delay/2000}
    timeout: 500ms
    route: [{destination: {host: app.internal}}]
  - name: narrow
    match: [{uri: {prefix: /narrow}}]
    rewrite: {uri: /delay/800}
    route: [{destination: {host: narrow.internal}}]
  - name: void
    match: [{uri: {prefix: /void}}]
    retries: {attempts: 0}  # one connect timeout, not Istio's three
    route: [{destination: {host: void.internal}}]
  - name: app
    route: [{destination: {host: app.internal}}]
YAML
	} >>"$T_DIR/meshgw.yaml"
}

curl_gw() { t_ns curl -s --max-time 15 -H "Host: app.example" "$@"; }

run_round() {
	local workers=$1 out code
	mesh_config "$workers"
	"$MESHGW" --check-config "$T_DIR/meshgw.yaml" >"$T_DIR/check" 2>&1 ||
		t_fail "config invalid: $(cat "$T_DIR/check")"
	if grep -q 'not enforced' "$T_DIR/check"; then
		t_fail "timeouts reported as not enforced: $(cat "$T_DIR/check")"
	fi
	t_gw_start
	t_tap_up
	t_wait_ready
	t_backend_start 8081 app

	# VirtualService timeout: 504 well before the backend answers
	out=$(curl_gw -o /dev/null -w '%{http_code} %{time_total}' \
		"http://$T_GW_IP/hurried")
	t_assert_eq "route timeout status" "${out% *}" 504
	t_assert_eq "route timeout before the backend's 2 s" \
		"$(python3 -c "print(0.4 <= ${out#* } < 1.9)")" True
	# DestinationRule connectTimeout: nobody answers ARP for .77
	out=$(curl_gw -w ' %{http_code}' "http://$T_GW_IP/void")
	t_assert_eq "connect timeout status" "${out##* }" 503
	case "$out" in
	*"connection timeout"*) ;;
	*) t_fail "connect timeout body: $out" ;;
	esac
	# streamIdleTimeoutMs: a backend silent for 5 s
	out=$(curl_gw -w ' %{http_code}' "http://$T_GW_IP/delay/5000")
	t_assert_eq "stream idle timeout" "$out" "stream timeout 504"
	# a slow backend within the timeouts is fine
	code=$(curl_gw -o /dev/null -w '%{http_code}' "http://$T_GW_IP/delay/1500")
	t_assert_eq "slow but in time" "$code" 200
	t_log "ok: route, connect and stream idle timeouts ($workers worker(s))"

	# request heads: 408 one second after the first byte, however it
	# drips; an idle connection is closed after two seconds of silence
	t_ns python3 - "$T_GW_IP" <<'PY' || t_fail "slowloris / idle"
import socket, sys, time
gw = sys.argv[1]

def read_all(s):
    data = b""
    while True:
        try:
            chunk = s.recv(4096)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data

# a head dripping one byte every 150 ms: 408 after ~1 s, not after 6
s = socket.create_connection((gw, 80), timeout=10)
head = b"GET / HTTP/1.1\r\nHost: app.example\r\nX-Slow: " + b"a" * 30
t0 = time.monotonic()
s.settimeout(0.15)
got = b""
for b in head:
    try:
        s.send(bytes([b]))
    except (BrokenPipeError, ConnectionResetError):
        break
    try:
        got += s.recv(4096)
        if got:
            break
    except socket.timeout:
        pass
s.settimeout(10)
got += read_all(s)
took = time.monotonic() - t0
assert got.startswith(b"HTTP/1.1 408"), got
assert 0.9 <= took < 3.5, took
print("slowloris: 408 after %.2f s" % took, file=sys.stderr)

# a connection that never sends is closed after the idle timeout
s = socket.create_connection((gw, 80), timeout=10)
t0 = time.monotonic()
assert read_all(s) == b""
took = time.monotonic() - t0
assert 1.9 <= took < 5, took
# a kept-alive one too, after its last exchange
s = socket.create_connection((gw, 80), timeout=10)
s.sendall(b"GET /x HTTP/1.1\r\nHost: app.example\r\n\r\n")
t0 = time.monotonic()
data = read_all(s)
took = time.monotonic() - t0
assert data.startswith(b"HTTP/1.1 200") and data.count(b"HTTP/1.1") == 1, data
assert 1.9 <= took < 5, took
PY
	t_log "ok: slowloris 408, idle connections closed ($workers worker(s))"

	# maxRequestBodyBytes: 1 MiB passes, more gets 413 (announced: before
	# a byte of the body; chunked: once the count passes the limit)
	head -c 1048576 /dev/urandom >"$T_DIR/1m.bin"
	out=$(curl_gw --data-binary "@$T_DIR/1m.bin" "http://$T_GW_IP/sha256")
	python3 -c 'import json,sys; assert json.loads(sys.argv[1])["length"] == 1048576' \
		"$out" || t_fail "1 MiB upload: $out"
	code=$(curl_gw -o /dev/null -w '%{http_code}' -H "Expect: 100-continue" \
		--data-binary "@$T_DIR/1m.bin" --data-binary "@$T_DIR/1m.bin" \
		"http://$T_GW_IP/sha256")
	t_assert_eq "2 MiB announced" "$code" 413
	t_ns python3 - "$T_GW_IP" <<'PY' || t_fail "chunked 413"
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(b"POST /sha256 HTTP/1.1\r\nHost: app.example\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n")
piece = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
try:
    for _ in range(64):
        s.sendall(piece)
except (BrokenPipeError, ConnectionResetError):
    pass
data = b""
while True:
    try:
        chunk = s.recv(65536)
    except ConnectionResetError:
        break
    if not chunk:
        break
    data += chunk
assert data.startswith(b"HTTP/1.1 413"), data[:200]
PY
	t_log "ok: request body limit ($workers worker(s))"
	# head limits: 101 fields → 431, a 9 KiB request line → 414
	code=$(curl_gw -o /dev/null -w '%{http_code}' \
		$(for i in $(seq 101); do printf -- '-H x-f%d:%d ' "$i" "$i"; done) \
		"http://$T_GW_IP/")
	t_assert_eq "too many header fields" "$code" 431
	code=$(curl_gw -o /dev/null -w '%{http_code}' \
		"http://$T_GW_IP/$(head -c 9000 /dev/zero | tr '\0' a)")
	t_assert_eq "request line too long" "$code" 414

	# WebSocket: handshake through the gateway, messages of every length
	# encoding echoed, ping/pong, then close frames both ways
	t_ns python3 - "$T_GW_IP" <<'PY' || t_fail "websocket"
import base64, hashlib, os, socket, struct, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
key = base64.b64encode(os.urandom(16))
s.sendall(b"GET /ws HTTP/1.1\r\nHost: app.example\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key +
          b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
f = s.makefile("rb")
status = f.readline()
assert status.startswith(b"HTTP/1.1 101"), status
hdrs = {}
while True:
    line = f.readline()
    if line == b"\r\n":
        break
    k, v = line.split(b":", 1)
    hdrs[k.strip().lower()] = v.strip()
want = base64.b64encode(hashlib.sha1(
    key + b"258EAFA5-E914-47DA-95CA-C5AB0DC11B85").digest())
assert hdrs[b"sec-websocket-accept"] == want, hdrs
assert hdrs[b"upgrade"].lower() == b"websocket", hdrs
assert b"upgrade" in hdrs[b"connection"].lower(), hdrs

def send(op, data):
    mask = os.urandom(4)
    n = len(data)
    if n < 126:
        h = struct.pack("!BB", 0x80 | op, 0x80 | n)
    elif n < 65536:
        h = struct.pack("!BBH", 0x80 | op, 0x80 | 126, n)
    else:
        h = struct.pack("!BBQ", 0x80 | op, 0x80 | 127, n)
    s.sendall(h + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

def recv():
    b0, b1 = f.read(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", f.read(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", f.read(8))[0]
    return b0 & 0x0F, f.read(n)

for n in (0, 1, 125, 126, 65535, 65536, 300000):
    msg = os.urandom(n)
    send(2, msg)
    op, back = recv()
    assert op == 2 and back == msg, (n, op, len(back))
send(1, "héllo".encode())
assert recv() == (1, "héllo".encode())
send(9, b"ping")
assert recv() == (10, b"ping")
send(8, struct.pack("!H", 1000))
assert recv() == (8, struct.pack("!H", 1000))
assert f.read() == b""  # the backend closed; its FIN came through
PY
	t_log "ok: WebSocket echo through the tunnel ($workers worker(s))"

	# maxConnections 1, 2 pending (one worker: the whole limit; two: each
	# worker has ceil(1/2) and ceil(2/2)): of four requests at once, one
	# goes, two wait for its connection and one is refused
	if [ "$workers" = 1 ]; then
		local pids=() p
		for i in 1 2 3 4; do
			curl_gw -o /dev/null -w '%{http_code}\n' \
				"http://$T_GW_IP/narrow/$i" >>"$T_DIR/narrow" &
			pids+=($!)
		done
		for p in "${pids[@]}"; do wait "$p" || true; done
		t_assert_eq "narrow statuses" "$(sort "$T_DIR/narrow" | tr '\n' ' ')" \
			"200 200 200 503 "
		t_assert_eq "queue overflows" \
			"$(t_status 's["proxy"]["upstream_rq_pending_overflow"]')" 1
		t_assert_ge "requests queued" \
			"$(t_status 's["proxy"]["upstream_cx_overflow"]')" 2
		t_assert_eq "queue empty" \
			"$(t_status 's["proxy"]["upstream_rq_pending_active"]')" 0
		t_log "ok: maxConnections and http1MaxPendingRequests"
	fi

	t_assert_ge "route timeouts" \
		"$(t_status 's["proxy"]["upstream_rq_timeout"]')" 1
	t_assert_ge "connect timeouts" \
		"$(t_status 's["proxy"]["upstream_cx_connect_timeout"]')" 1
	t_assert_ge "stream idle timeouts" \
		"$(t_status 's["proxy"]["stream_idle_timeout"]')" 1
	t_assert_ge "header timeouts" \
		"$(t_status 's["proxy"]["rq_header_timeout"]')" 1
	t_assert_ge "idle closes" \
		"$(t_status 's["proxy"]["downstream_cx_idle_timeout"]')" 2
	t_assert_eq "413s" "$(t_status 's["proxy"]["rq_too_large"]')" 2
	t_assert_eq "upgrades" "$(t_status 's["proxy"]["upgrades"]')" 1
	t_sessions_drained
	t_backends_stop
	t_gw_stop
}

t_netns_create
run_round 1
run_round 2
