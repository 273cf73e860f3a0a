#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The HTTP/1.1 proxy from Istio resources: two backend versions (real
# python HTTP servers on the kernel side) behind one host, a header match
# that pins to v2, a 90/10 split measured over 2,000 keep-alive requests,
# local answers (404 unknown host, 503 unknown service and refused
# connections, redirect, direct response, 400 on smuggling attempts),
# forwarded headers, a 1 MB upload checked by sha256 both ways, a 4 MB
# download, and pipelined requests answered in order. Runs with one
# worker and with two.
source "$(dirname "$0")/lib.sh"

mesh_config() {
	T_WORKERS=$1 t_config_basic
	t_yaml_gateway >>"$T_DIR/meshgw.yaml"
	t_yaml_service gone gone.internal 8089 >>"$T_DIR/meshgw.yaml"
	cat >>"$T_DIR/meshgw.yaml" <<YAML
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: shop}
spec:
  hosts: [shop.internal]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints:
  - {address: $T_KERNEL_IP, ports: {http: 8081}, labels: {version: v1}}
  - {address: $T_KERNEL_IP, ports: {http: 8082}, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: shop}
spec:
  host: shop.internal
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop}
spec:
  hosts: [shop.example]
  gateways: [edge]
  http:
  - name: pin-v2
    match: [{headers: {x-canary: {exact: "true"}}}]
    route: [{destination: {host: shop.internal, subset: v2}}]
  - name: moved
    match: [{uri: {prefix: /old}}]
    redirect: {uri: /new, redirectCode: 301}
  - name: teapot
    match: [{uri: {exact: /teapot}}]
    directResponse: {status: 418, body: {string: "short and stout"}}
  - name: ghost
    match: [{uri: {prefix: /ghost}}]
    route: [{destination: {host: nowhere.internal}}]
  - name: refused
    match: [{uri: {prefix: /refused}}]
    route: [{destination: {host: gone.internal}}]
  - name: by-query
    match: [{queryParams: {flavour: {exact: v2}}}]
    route: [{destination: {host: shop.internal, subset: v2}}]
  - name: by-regex
    match: [{uri: {regex: "/items/[0-9]+/v2"}, method: {exact: GET}}]
    route: [{destination: {host: shop.internal, subset: v2}}]
  - name: rewritten
    match: [{uri: {prefix: /v1api/}}]
    rewrite: {uri: /api/}
    headers: {request: {set: {x-route: rewritten}}}
    route: [{destination: {host: shop.internal, subset: v1}}]
  - name: split
    route:
    - {destination: {host: shop.internal, subset: v1}, weight: 90}
    - {destination: {host: shop.internal, subset: v2}, weight: 10}
YAML
}

curl_gw() { t_ns curl -s --max-time 10 -H "Host: shop.example" "$@"; }

check_json() { # python-expression json-text [args...]: d is the document
	local expr=$1
	shift
	python3 -c "import json, sys; d = json.loads(sys.argv[1]); assert ($expr), d" "$@"
}

run_round() {
	local workers=$1 out code want rc
	mesh_config "$workers"
	"$MESHGW" --check-config "$T_DIR/meshgw.yaml" >"$T_DIR/check" 2>&1 ||
		t_fail "config invalid: $(cat "$T_DIR/check")"
	grep -q 'nowhere.internal' "$T_DIR/check" ||
		t_fail "missing service not reported: $(cat "$T_DIR/check")"
	t_gw_start
	t_tap_up
	t_wait_ready
	t_backend_start 8081 v1
	t_backend_start 8082 v2

	# the header match pins v2; the backend sees the forwarded headers
	out=$(curl_gw -H "x-canary: true" "http://$T_GW_IP/cart?x=1")
	check_json 'd["name"] == "v2" and d["path"] == "/cart?x=1" and
d["headers"]["x-forwarded-for"] == sys.argv[2] and
d["headers"]["x-forwarded-proto"] == "http" and
len(d["headers"]["x-request-id"]) == 36 and
d["headers"]["host"] == "shop.example"' "$out" "$T_KERNEL_IP" ||
		t_fail "pin-v2: $out"
	t_log "ok: header match pins v2, forwarded headers set ($workers worker(s))"

	# hop-by-hop fields stop at the gateway, with what Connection names
	out=$(curl_gw -H "x-canary: true" -H "Connection: keep-alive, x-drop-me" \
		-H "Keep-Alive: timeout=5" -H "Proxy-Connection: keep-alive" \
		-H "TE: trailers" -H "X-Drop-Me: 1" -H "X-Keep-Me: 2" \
		"http://$T_GW_IP/cart")
	check_json 'not {"keep-alive", "proxy-connection", "te", "x-drop-me"} &
set(d["headers"]) and d["headers"].get("x-keep-me") == "2"' "$out" ||
		t_fail "hop-by-hop fields forwarded: $out"
	t_log "ok: hop-by-hop fields removed ($workers worker(s))"

	# query and regex matches pin v2 too; near misses fall to the split,
	# which the 2000-request round below measures
	out=$(curl_gw "http://$T_GW_IP/list?flavour=v2")
	check_json 'd["name"] == "v2"' "$out" || t_fail "query match: $out"
	out=$(curl_gw "http://$T_GW_IP/items/42/v2")
	check_json 'd["name"] == "v2"' "$out" || t_fail "regex match: $out"
	out=$(curl_gw -X POST -d x "http://$T_GW_IP/items/42/v2")
	check_json 'd["length"] == 1' "$out" || t_fail "regex with method: $out"
	t_ns python3 - "$T_GW_IP" <<'PY' || t_fail "near misses went to v2"
import http.client, json, sys
c = http.client.HTTPConnection(sys.argv[1], 80, timeout=10)
n = 0
for i in range(40):
    for path in ("/list?flavour=v22", "/items/4x2/v2", "/items/42/v2/more"):
        c.request("GET", path, headers={"Host": "shop.example"})
        r = c.getresponse()
        n += json.loads(r.read())["name"] == "v2"
assert n < 30, n  # the 90/10 split: about 12 of 120
PY
	t_log "ok: query and regex matches ($workers worker(s))"

	# rewrite and the route's header edits
	out=$(curl_gw "http://$T_GW_IP/v1api/items")
	check_json 'd["name"] == "v1" and d["path"] == "/api/items" and
d["headers"]["x-route"] == "rewritten"' "$out" || t_fail "rewrite: $out"

	# local answers
	code=$(t_ns curl -s -o /dev/null -w '%{http_code}' \
		-H "Host: other.example" "http://$T_GW_IP/")
	t_assert_eq "unknown host" "$code" 404
	code=$(curl_gw -o /dev/null -w '%{http_code}' "http://$T_GW_IP/ghost")
	t_assert_eq "unknown service" "$code" 503
	code=$(curl_gw -o /dev/null -w '%{http_code}' "http://$T_GW_IP/refused")
	t_assert_eq "connection refused" "$code" 503
	out=$(curl_gw -o /dev/null -w '%{http_code} %{redirect_url}' \
		"http://$T_GW_IP/old/x")
	t_assert_eq "redirect" "$out" "301 http://shop.example/new"
	out=$(curl_gw -w ' %{http_code}' "http://$T_GW_IP/teapot")
	t_assert_eq "direct response" "$out" "short and stout 418"
	# a backend that breaks HTTP: 502; one that dies mid-body: the
	# client's connection is reset (curl 56), never completed
	code=$(curl_gw -o /dev/null -w '%{http_code}' -H "x-canary: true" \
		"http://$T_GW_IP/bad-response")
	t_assert_eq "malformed upstream response" "$code" 502
	set +e
	curl_gw -o /dev/null -H "x-canary: true" "http://$T_GW_IP/cut"
	rc=$?
	set -e
	t_assert_eq "upstream reset mid-body (curl exit)" "$rc" 56

	# a 1 MB upload (Content-Length, then chunked) arrives intact
	head -c 1048576 /dev/urandom >"$T_DIR/up.bin"
	want=$(sha256sum "$T_DIR/up.bin" | cut -d' ' -f1)
	out=$(curl_gw -H "x-canary: true" --data-binary "@$T_DIR/up.bin" \
		"http://$T_GW_IP/sha256")
	check_json 'd["sha256"] == sys.argv[2] and d["length"] == 1048576' \
		"$out" "$want" || t_fail "1 MB upload: $out"
	out=$(curl_gw -H "x-canary: true" -H "Transfer-Encoding: chunked" \
		--data-binary "@$T_DIR/up.bin" "http://$T_GW_IP/sha256")
	check_json 'd["sha256"] == sys.argv[2]' "$out" "$want" ||
		t_fail "chunked upload: $out"
	# and a 4 MB download
	curl_gw -H "x-canary: true" -o "$T_DIR/down.bin" \
		"http://$T_GW_IP/bytes/4194304" || t_fail "download"
	t_assert_eq "download size" "$(stat -c %s "$T_DIR/down.bin")" 4194304
	# chunked responses: forwarded with their framing to an HTTP/1.1
	# client; an HTTP/1.0 client's request goes up as 1.0 (no chunks)
	curl_gw -H "x-canary: true" -o "$T_DIR/ch11.bin" \
		"http://$T_GW_IP/chunked/1000000" || t_fail "chunked download"
	t_assert_eq "chunked download" "$(stat -c %s "$T_DIR/ch11.bin")" 1000000
	curl_gw --http1.0 -H "x-canary: true" -o "$T_DIR/ch10.bin" \
		"http://$T_GW_IP/chunked/1000000" || t_fail "HTTP/1.0 download"
	t_assert_eq "HTTP/1.0 download" "$(stat -c %s "$T_DIR/ch10.bin")" 1000000
	cmp -s "$T_DIR/ch10.bin" "$T_DIR/ch11.bin" || t_fail "bodies differ"
	t_log "ok: uploads and download intact ($workers worker(s))"

	# 2,000 keep-alive requests: the 90/10 split within 3 points; then
	# pipelined requests come back in order
	t_ns python3 - "$T_GW_IP" <<'PY' || t_fail "split / pipelining"
import http.client, json, socket, sys
gw = sys.argv[1]
c = http.client.HTTPConnection(gw, 80, timeout=10)
n = {"v1": 0, "v2": 0}
for i in range(2000):
    c.request("GET", "/split/%d" % i, headers={"Host": "shop.example"})
    r = c.getresponse()
    body = r.read()
    assert r.status == 200, (r.status, body)
    n[json.loads(body)["name"]] += 1
print("split v1=%d v2=%d" % (n["v1"], n["v2"]), file=sys.stderr)
assert abs(n["v2"] / 2000 - 0.10) <= 0.03, n
s = socket.create_connection((gw, 80), timeout=10)
s.sendall(b"".join(b"GET /p/%d HTTP/1.1\r\nHost: shop.example\r\n"
                   b"x-canary: true\r\n\r\n" % i for i in range(5)))
f = s.makefile("rb")
for i in range(5):
    line = f.readline()
    assert line.startswith(b"HTTP/1.1 200"), line
    length = 0
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        k, v = h.split(b":", 1)
        if k.lower() == b"content-length":
            length = int(v)
    doc = json.loads(f.read(length))
    assert doc["path"] == "/p/%d" % i, doc
PY
	t_log "ok: 90/10 split over 2000 requests, pipelining ($workers worker(s))"
	# the backends saw far fewer connections than requests (keep-alive)
	t_assert_ge "upstream requests on kept-alive connections" \
		"$(t_status 's["proxy"]["upstream_cx_reuse"]')" 1500
	t_assert_eq "upstream connections < 1/4 of requests" \
		"$(t_status 's["proxy"]["upstream_cx"] * 4 < s["proxy"]["requests"]')" True
	# a backend that speaks on an idle connection loses it; others go on
	code=$(curl_gw -o /dev/null -w '%{http_code}' -H "x-canary: true" \
		"http://$T_GW_IP/late-junk")
	t_assert_eq "late junk request" "$code" 200
	sleep 1
	t_assert_ge "idle connections closed" \
		"$(t_status 's["proxy"]["upstream_cx_idle_closed"]')" 1
	out=$(curl_gw -H "x-canary: true" "http://$T_GW_IP/after")
	check_json 'd["name"] == "v2"' "$out" || t_fail "after junk: $out"

	# request smuggling attempts are refused before anything is forwarded
	t_ns python3 - "$T_GW_IP" <<'PY' || t_fail "smuggling"
import socket, sys
gw = sys.argv[1]
cases = [
    b"POST / HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 4\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding: chunked\r\n"
    b"Content-Length: 3\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding: xchunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding : chunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding: chunked\r\n"
    b"Transfer-Encoding: identity\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 3\r\n"
    b"Content-Length: 4\r\n\r\nabcd",
    b"GET / HTTP/1.1\r\nHost: shop.example\r\nX: a\r\n b\r\n\r\n",
]
for req in cases:
    s = socket.create_connection((gw, 80), timeout=10)
    s.sendall(req)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    status = data.split(b"\r\n", 1)[0]
    assert status.split()[1] in (b"400", b"501"), (req, data)
    assert data.count(b"HTTP/1.1") == 1, (req, data)
PY
	t_log "ok: smuggling attempts refused ($workers worker(s))"

	t_assert_ge "requests" "$(t_status 's["proxy"]["requests"]')" 2010
	t_assert_ge "no route" "$(t_status 's["proxy"]["no_route"]')" 1
	t_assert_ge "connect failures" \
		"$(t_status 's["proxy"]["upstream_cx_fail"]')" 1
	t_sessions_drained
	t_backends_stop
	t_gw_stop
}

t_netns_create
run_round 1
run_round 2
