#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The live stats page (/ui) in headless Chromium, with an admin token:
# the page loads, lists the listener, the VirtualService and the cluster
# with its endpoints and their health, and its numbers move while wrk
# sends requests (two readings of the rendered page seconds apart). A
# screenshot is kept (stats-page.png, in $MESHGW_ARTIFACTS or the build
# folder's meson-logs). /ui/data needs the token; /ui itself holds no
# data and does not. The access log goes to stdout meanwhile.
source "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || t_fail "chromium missing (Debian package chromium)"
ARTIFACTS=${MESHGW_ARTIFACTS:-$T_DIR}
mkdir -p "$ARTIFACTS"

echo -n "s3cret-token" >"$T_DIR/token"
t_netns_create
# (and the access log's stdout sink: JSON lines among meshgw's output)
T_WORKERS=2 t_config_basic "  admin: {tokenFile: @DIR@/token}
  telemetry: {accessLog: {path: /dev/stdout, encoding: JSON}}"
t_yaml_gateway >>"$T_DIR/meshgw.yaml"
cat >>"$T_DIR/meshgw.yaml" <<YAML
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: shop}
spec:
  hosts: [shop.example]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints:
  - {address: $T_KERNEL_IP, ports: {http: 8081}}
  - {address: $T_KERNEL_IP, ports: {http: 8082}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop}
spec:
  hosts: [shop.example]
  gateways: [edge]
  http:
  - route: [{destination: {host: shop.example}}]
YAML
t_gw_start
t_tap_up # /ready needs no token
t_backend_start 8081 a
t_backend_start 8082 b
AUTH=(-H "Authorization: Bearer s3cret-token")

t_assert_eq "/ui/data without the token" \
	"$(t_api_raw -o /dev/null -w '%{http_code}' "http://$T_ADMIN/ui/data")" 401
t_assert_eq "/ui without the token" \
	"$(t_api_raw -o /dev/null -w '%{http_code}' "http://$T_ADMIN/ui")" 200
t_api /ui/data "${AUTH[@]}" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["listeners"][0]["name"] == "http.80", d["listeners"]
assert [c["name"] for c in d["clusters"]] == ["outbound|8080||shop.example"], d["clusters"]
assert len(d["clusters"][0]["host_statuses"]) == 2
assert len(d["requests"]["latency_counts"]) == len(d["requests"]["latency_le_ms"]) + 1
' || t_fail "/ui/data"
t_log "ok: /ui/data"

# chromium renders the page: $1 a name, then how long to let it run (ms)
render() {
	ip netns exec "$T_NS" timeout 60 "$CHROMIUM" --headless --no-sandbox \
		--disable-gpu --disable-dev-shm-usage --no-first-run \
		--user-data-dir="$T_DIR/chromium-$1" --window-size=1400,1600 \
		--virtual-time-budget="$2" "${@:3}" \
		"http://$T_ADMIN/ui#token=s3cret-token" 2>"$T_DIR/chromium-$1.log"
}

# load while the page runs: wrk for 12 s
t_ns wrk -t1 -c8 -d12s -H "Host: shop.example" "http://$T_GW_IP/" >"$T_DIR/wrk.txt" 2>&1 &
WRK=$!
sleep 2
render one 3000 --dump-dom >"$T_DIR/dom-1.html"
sleep 2
render two 3000 --dump-dom >"$T_DIR/dom-2.html"
render shot 3000 --screenshot="$ARTIFACTS/stats-page.png" >/dev/null
wait "$WRK"
python3 - "$T_DIR/dom-1.html" "$T_DIR/dom-2.html" "$T_KERNEL_IP" <<'PY' || t_fail "the page"
import re, sys
one, two, ip = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
def card(doc, id):
    m = re.search(r'id="%s">([^<]*)<' % id, doc)
    return m.group(1) if m else None
bad = 0
for doc in (one, two):
    for want in ('data-cluster="outbound|8080||shop.example"', 'data-endpoint="%s:8081"' % ip,
                 'data-endpoint="%s:8082"' % ip, ">http.80<", ">default/shop<", ">LIVE<"):
        if want not in doc:
            print("missing:", want); bad += 1
t1 = int(card(one, "requests-total").replace(",", ""))
t2 = int(card(two, "requests-total").replace(",", ""))
rps = card(two, "rps")
print("requests %d then %d, %s req/s" % (t1, t2, rps))
if not (t2 > t1 > 0):
    print("the request count did not grow"); bad += 1
if rps in (None, "-") or float(rps.replace(",", "")) <= 0:
    print("no request rate"); bad += 1
sys.exit(1 if bad else 0)
PY
[ -s "$ARTIFACTS/stats-page.png" ] || t_fail "no screenshot"
t_assert_ge "access log lines on stdout" \
	"$(grep -c '^{"start_time":.*"authority":"shop.example"' "$GW_LOG")" 1000
t_log "ok: the page lists listener, VirtualService, cluster and endpoints; its numbers move under load"
t_log "screenshot: $ARTIFACTS/stats-page.png"
t_gw_stop
t_log "PASS"
