#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Observability, two workers, real clients and an httpbackend.py backend:
#  - Istio's standard metrics: 40 requests of known outcome (200, an
#    upstream 418, no route, connect failure after retries, no endpoint,
#    an upstream reset mid-body, a client reset, a malformed upstream
#    response) give exactly the expected istio_requests_total series, with
#    Istio's labels, and histogram counts; promtool accepts the page;
#  - the access log (JSON): one line per request with its code, flags,
#    cluster and request id; a logrotate-style rename and SIGHUP loses no
#    line under load;
#  - tracing: W3C traceparent, B3 fields and a single b3 field are carried
#    on with a new span id (the client's as the parent), tracestate as it
#    came, a trace is started for requests without one, x-request-id is
#    made when absent; sampled spans reach a Zipkin collector, unsampled
#    ones do not.
source "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || t_fail "promtool missing (Debian package prometheus)"

ALOG="$T_DIR/access.log"
SPANS="$T_DIR/spans.jsonl"

T_WORKERS=2 t_netns_create
T_WORKERS=2 t_config_basic "  telemetry:
    workload: {name: edge-gw, namespace: gw-system}
    accessLog: {path: @DIR@/access.log, encoding: JSON}
    tracing: {sampling: 100, zipkin: \"127.0.0.1:9411\"}"
t_yaml_gateway >>"$T_DIR/meshgw.yaml"
cat >>"$T_DIR/meshgw.yaml" <<YAML
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: shop, namespace: store}
spec:
  hosts: [shop.example]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints:
  - {address: $T_KERNEL_IP, ports: {http: 8081}, labels: {version: v1, app: shop}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: shop, namespace: store}
spec:
  host: shop.example
  subsets: [{name: v1, labels: {version: v1, app: shop}}, {name: v9, labels: {version: v9}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: dead}
spec:
  hosts: [dead.example]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints: [{address: $T_KERNEL_IP, ports: {http: 9}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: store}
spec:
  hosts: [shop.example]
  gateways: [default/edge]
  http:
  - name: main
    route: [{destination: {host: shop.example, subset: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: empty, namespace: store}
spec:
  hosts: [empty.example]
  gateways: [default/edge]
  http:
  - route: [{destination: {host: shop.example, subset: v9}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: dead}
spec:
  hosts: [dead.example]
  gateways: [edge]
  http:
  - route: [{destination: {host: dead.example}}]
YAML

t_gw_start
t_tap_up
t_backend_start 8081 a
ip netns exec "$T_NS" python3 "$MESHGW_SRC/tests/integration/zipkin_collector.py" \
	127.0.0.1 9411 "$SPANS" >"$T_DIR/collector.log" 2>&1 &
COLLECTOR=$!
collector_stop() { kill "$COLLECTOR" 2>/dev/null; wait "$COLLECTOR" 2>/dev/null || true; }
T_CLEANUP_HOOKS+=(collector_stop)
for _ in $(seq 50); do
	t_ns curl -s -o /dev/null -X POST -d '[]' http://127.0.0.1:9411/api/v2/spans && break
	sleep 0.1
done

URL="http://$T_GW_IP"
# req ID HOST PATH [curl args]: one request, tagged with x-request-id ID
req() {
	t_ns curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		-H "Host: $2" -H "x-request-id: $1" "${@:4}" "$URL$3" || true
}

# ---- 40 requests of known outcome -------------------------------------------
for i in $(seq 20); do req "ok-$i" shop.example / >/dev/null; done
for i in $(seq 7); do req "teapot-$i" shop.example /status/418 >/dev/null; done
for i in $(seq 5); do req "nr-$i" nohost.example / >/dev/null; done
for i in $(seq 3); do req "uf-$i" dead.example / >/dev/null; done
for i in $(seq 2); do req "uh-$i" empty.example / >/dev/null; done
req cut-1 shop.example /cut >/dev/null
req upe-1 shop.example /bad-response >/dev/null
# a client that resets its connection while the response is awaited
t_ns python3 - "$T_GW_IP" <<'PY'
import socket, struct, sys, time
s = socket.create_connection((sys.argv[1], 80))
s.sendall(b"GET /delay/1500 HTTP/1.1\r\nHost: shop.example\r\n"
          b"x-request-id: dc-1\r\n\r\n")
time.sleep(0.3)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
sleep 2 # the delayed answer comes and finds no client; logs drain

PROM="$T_DIR/prom.txt"
t_api /stats/prometheus >"$PROM"
# promtool exits 1 on a format error, 3 on lint findings; the one finding
# allowed is Istio's own name: its duration is in milliseconds
rc=0
promtool check metrics <"$PROM" >"$T_DIR/promtool.txt" 2>&1 || rc=$?
if [ "$rc" = 3 ]; then
	grep -v '^istio_request_duration_milliseconds use base unit "seconds" instead of "milliseconds"$' \
		"$T_DIR/promtool.txt" >"$T_DIR/promtool-other.txt" || true
	[ -s "$T_DIR/promtool-other.txt" ] || rc=0
fi
[ "$rc" = 0 ] || { cat "$T_DIR/promtool.txt" >&2; t_fail "promtool check metrics: $rc"; }
t_log "ok: promtool check metrics accepts /stats/prometheus"

python3 - "$PROM" <<'PY' || t_fail "Istio metrics"
import re, sys
text = open(sys.argv[1]).read()
rows = {}
for line in text.splitlines():
    m = re.match(r'(istio_\w+)\{(.*)\} (\S+)$', line)
    if m:
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2)))
        rows.setdefault(m.group(1), []).append((labels, float(m.group(3))))

def total(name, **want):
    return sum(v for l, v in rows.get(name, [])
               if all(l.get(k) == w for k, w in want.items()))

expect = [
    (dict(destination_service="shop.example", response_code="200", response_flags="-"), 20),
    (dict(destination_service="shop.example", response_code="418", response_flags="-"), 7),
    (dict(destination_service="unknown", response_code="404", response_flags="NR"), 5),
    (dict(destination_service="dead.example", response_code="503", response_flags="UF,URX"), 3),
    (dict(destination_service="shop.example", destination_version="v9", response_code="503", response_flags="UH"), 2),
    (dict(destination_service="shop.example", response_code="200", response_flags="UR"), 1),
    (dict(destination_service="shop.example", response_code="502", response_flags="UPE"), 1),
    (dict(destination_service="shop.example", response_code="0", response_flags="DC"), 1),
]
bad = 0
for want, n in expect:
    got = total("istio_requests_total", **want)
    hist = total("istio_request_duration_milliseconds_count", **want)
    rq = total("istio_request_bytes_count", **want)
    inf = total("istio_request_duration_milliseconds_bucket", le="+Inf", **want)
    if got != n or hist != n or rq != n or inf != n:
        print("want %d for %s: requests %s, duration count %s, +Inf %s, request bytes %s"
              % (n, want, got, hist, inf, rq))
        bad += 1
if total("istio_requests_total") != 40:
    print("requests in all:", total("istio_requests_total"))
    bad += 1
# Istio's labels for a gateway
l = [l for l, v in rows["istio_requests_total"]
     if l["response_code"] == "200" and l["response_flags"] == "-"][0]
want = dict(reporter="source", source_workload="edge-gw",
            source_workload_namespace="gw-system", source_app="edge-gw",
            destination_service_name="shop.example",
            destination_service_namespace="store", destination_version="v1",
            destination_app="shop", request_protocol="http",
            connection_security_policy="unknown", grpc_response_status="")
for k, w in want.items():
    if l.get(k) != w:
        print("label %s: %r, want %r" % (k, l.get(k), w))
        bad += 1
if len(l) != 25:
    print("labels: %d, want Istio's 25" % len(l))
    bad += 1
# a 200 of the shop page took at least the bytes of a response head
if total("istio_response_bytes_sum", response_code="200", response_flags="-") < 20 * 100:
    print("response bytes too small")
    bad += 1
sys.exit(1 if bad else 0)
PY
t_log "ok: Istio metrics for 40 requests of 8 outcomes, labels and histograms"

# ---- the access log: one line per request, the right code and flags -----------
python3 - "$ALOG" <<'PY' || t_fail "access log"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
by_id = {}
for r in lines:
    by_id.setdefault(r["request_id"], []).append(r)
bad = 0
if len(lines) != 40:
    print("lines:", len(lines))
    bad += 1
def check(rid, code, flags, cluster=None, details=None):
    global bad
    rs = by_id.get(rid, [])
    if len(rs) != 1:
        print(rid, "lines:", len(rs)); bad += 1; return
    r = rs[0]
    if r["response_code"] != code or r["response_flags"] != flags:
        print(rid, r["response_code"], r["response_flags"], "want", code, flags); bad += 1
    if cluster is not None and r["upstream_cluster"] != cluster:
        print(rid, "cluster", r["upstream_cluster"]); bad += 1
    if details is not None and r["response_code_details"] != details:
        print(rid, "details", r["response_code_details"]); bad += 1
check("ok-1", 200, "-", "outbound|8080|v1|shop.example", "via_upstream")
check("teapot-3", 418, "-")
check("nr-2", 404, "NR", None, "route_not_found")
check("uf-1", 503, "UF,URX", "outbound|8080||dead.example")
check("uh-1", 503, "UH", "outbound|8080|v9|shop.example", "no_healthy_upstream")
check("cut-1", 200, "UR")
check("upe-1", 502, "UPE")
check("dc-1", 0, "DC")
r = by_id["ok-1"][0]
for k in ("method", "path", "protocol", "authority", "route_name",
          "upstream_host", "downstream_remote_address", "start_time"):
    if not r.get(k):
        print("ok-1 lacks", k); bad += 1
if r["method"] != "GET" or r["authority"] != "shop.example" or \
   r["protocol"] != "HTTP/1.1" or r["route_name"] != "main" or \
   not r["upstream_host"].endswith(":8081") or r["bytes_sent"] < 100:
    print("ok-1:", r); bad += 1
sys.exit(1 if bad else 0)
PY
t_log "ok: 40 access log lines, codes, flags, details and fields"

# ---- tracing ------------------------------------------------------------------
# echo NAME [curl header args]: the backend's view of the request's headers
echo_headers() {
	t_ns curl -sf --max-time 5 -H "Host: shop.example" "${@:2}" "$URL/trace/$1" >"$T_DIR/echo-$1.json" ||
		t_fail "request $1"
}
echo_headers w3c -H "x-request-id: tr-w3c" \
	-H "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" \
	-H "tracestate: vendor=x"
echo_headers b3 -H "x-request-id: tr-b3" -H "x-b3-traceid: 80f198ee56343ba864fe8b2a57d3eff7" \
	-H "x-b3-spanid: e457b5a2e4d86bd1" -H "x-b3-sampled: 1"
echo_headers b3single -H "x-request-id: tr-b3s" \
	-H "b3: 80f198ee56343ba8-05e3ac9a4f6e3b90-0"
echo_headers none
sleep 1 # the spans reach the collector
python3 - "$T_DIR" "$SPANS" <<'PY' || t_fail "trace propagation"
import json, re, sys
d = sys.argv[1]
def hdrs(name):
    return {k.lower(): v for k, v in json.load(open("%s/echo-%s.json" % (d, name)))["headers"].items()}
spans = [json.loads(l) for l in open(sys.argv[2])]
by_rid = {s["tags"].get("guid:x-request-id"): s for s in spans}
bad = 0
def want(cond, what):
    global bad
    if not cond:
        print("FAIL:", what); bad += 1

h = hdrs("w3c")
tp = h.get("traceparent", "").split("-")
want(len(tp) == 4 and tp[1] == "4bf92f3577b34da6a3ce929d0e0e4736" and tp[3] == "01", "w3c trace id and flags: %r" % h.get("traceparent"))
want(tp[2] != "00f067aa0ba902b7", "w3c: a new span id")
want(h.get("tracestate") == "vendor=x", "tracestate as it came")
want(h.get("x-b3-traceid") == tp[1] and h.get("x-b3-spanid") == tp[2] and
     h.get("x-b3-parentspanid") == "00f067aa0ba902b7" and h.get("x-b3-sampled") == "1", "w3c to b3: %r" % h)
s = by_rid.get("tr-w3c")
want(s is not None and s["traceId"] == tp[1] and s["id"] == tp[2] and
     s["parentId"] == "00f067aa0ba902b7" and s["kind"] == "CLIENT" and
     s["name"] == "shop.example:8080/*" and s["tags"]["http.status_code"] == "200" and
     s["localEndpoint"]["serviceName"] == "edge-gw.gw-system" and s["duration"] > 0,
     "w3c span: %r" % s)

h = hdrs("b3")
want(h.get("x-b3-traceid") == "80f198ee56343ba864fe8b2a57d3eff7" and
     h.get("x-b3-parentspanid") == "e457b5a2e4d86bd1" and
     h.get("x-b3-spanid") not in (None, "e457b5a2e4d86bd1") and h.get("x-b3-sampled") == "1", "b3: %r" % h)
want(h.get("traceparent") == "00-80f198ee56343ba864fe8b2a57d3eff7-%s-01" % h.get("x-b3-spanid"), "b3 to w3c")
want("tr-b3" in by_rid, "b3 span exported")

h = hdrs("b3single")
want("b3" not in h and h.get("x-b3-traceid") == "80f198ee56343ba8" and
     h.get("x-b3-parentspanid") == "05e3ac9a4f6e3b90" and h.get("x-b3-sampled") == "0", "b3 single: %r" % h)
want(h.get("traceparent", "").endswith("-00"), "unsampled traceparent")
want("tr-b3s" not in by_rid, "an unsampled request is not exported")

h = hdrs("none")
rid = h.get("x-request-id", "")
want(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", rid), "x-request-id made: %r" % rid)
want(re.fullmatch(r"[0-9a-f]{32}", h.get("x-b3-traceid", "")) and "x-b3-parentspanid" not in h and
     h.get("x-b3-sampled") == "1", "a new trace (sampling 100 %%): %r" % h)
s = by_rid.get(rid)
want(s is not None and "parentId" not in s and s["traceId"] == h["x-b3-traceid"], "root span: %r" % s)
# earlier requests were sampled too (100 %), the no-route ones included
want("ok-1" in by_rid and "nr-1" in by_rid and by_rid["nr-1"]["tags"]["http.status_code"] == "404", "spans of the first requests")
sys.exit(1 if bad else 0)
PY
t_assert_ge "spans sent" "$(t_api /stats/prometheus | awk '/^meshgw_zipkin_spans_sent_total/ {print $2}')" 43
t_log "ok: W3C, B3 and b3 propagation, new traces, Zipkin export"

# ---- logrotate: rename, SIGHUP, nothing lost ------------------------------------
before=$(wc -l <"$ALOG")
t_ns sh -c "for i in \$(seq 300); do curl -s -o /dev/null -H 'Host: shop.example' $URL/; done" &
LOAD=$!
sleep 1
mv "$ALOG" "$ALOG.1"
kill -HUP "$GW_PID"
wait "$LOAD"
sleep 0.5
after_old=$(wc -l <"$ALOG.1")
after_new=$(wc -l <"$ALOG")
t_assert_ge "lines written after the rename" "$after_new" 1
t_assert_eq "lines across the rotation" $((after_old + after_new - before)) 300
t_assert_eq "reopens" "$(t_api /stats/prometheus | awk '/^meshgw_access_log_reopens_total/ {print $2}')" 1
t_assert_eq "records dropped" "$(t_api /stats/prometheus | awk '/^meshgw_proxy_access_log_dropped_total/ {print $2}')" 0

t_gw_stop
t_log "PASS"
