#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live reconfiguration through the resource API, with real clients:
#  - under continuous load (wrk keep-alive, wrk with a new connection per
#    request, and a slow 16 MB download through the gateway), 200 weight
#    changes of a VirtualService are applied one after the other: every
#    change answers 200 and is taken by both workers, wrk sees no error
#    and no non-2xx answer, the download completes with the right sha256;
#  - the last weights take effect (measured split over 2000 requests);
#  - a listener port added by an apply serves, and is gone after a delete;
#  - two writers with the same resourceVersion: 200, then 409;
#  - 50 malformed or wrong bodies: all 4xx, nothing changes, traffic flows;
#  - a restart with --state-dir comes back with the last configuration; a
#    corrupt state file is set aside and the last good one used;
#  - meshgwctl: get, apply (and a refused apply: exit 1 with the field),
#    delete, status, clusters;
#  - /healthcheck/fail and /ok turn /ready to 503 and back;
#  - /drain_listeners: new connections are refused while a download in
#    flight completes (sha256), then /quitquitquit exits 0.
source "$(dirname "$0")/lib.sh"

ADMIN=127.0.0.1:15000
NS=default
VS=/apis/networking.istio.io/v1/namespaces/$NS/virtualservices/app
STATE=$T_DIR/state

mesh_config() {
	T_WORKERS=2 t_config_basic
	{
		t_yaml_gateway
		t_yaml_service v1 v1.internal 8081
		t_yaml_service v2 v2.internal 8082
		cat <<YAML
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app}
spec:
  hosts: [app.example]
  gateways: [edge]
  http:
  - route:
    - destination: {host: v1.internal}
      weight: 100
    - destination: {host: v2.internal}
      weight: 0
YAML
	} >>"$T_DIR/meshgw.yaml"
}

gw_start_state() {
	nsenter --net="/run/netns/$T_NS" "$MESHGW" --config "$T_DIR/meshgw.yaml" \
		--state-dir "$STATE" >>"$GW_LOG" 2>&1 &
	GW_PID=$!
	t_tap_up
}

api() { # METHOD PATH [BODY-FILE]
	local args=(-s -o "$T_DIR/api.out" -w '%{http_code}' -X "$1"
		"http://$ADMIN$2")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/yaml' \
		--data-binary "@$3")
	t_ns curl "${args[@]}"
}

rcpy() { t_ns python3 "$MESHGW_SRC/tests/integration/reconfig.py" "$@"; }

t_netns_create
mesh_config
mkdir -p "$STATE"
gw_start_state
t_backend_start 8081 v1
t_backend_start 8082 v2

# ---- reading ---------------------------------------------------------------
code=$(api GET "$VS")
t_assert_eq "GET VirtualService" "$code" 200
t_assert_eq "its state" "$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); print(d["status"]["state"], d["metadata"]["resourceVersion"] != "")' "$T_DIR/api.out")" "applied True"
code=$(api GET /apis/networking.istio.io/v1/namespaces/$NS/serviceentries)
t_assert_eq "list ServiceEntries" "$code" 200
t_assert_eq "ServiceEntries listed" "$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); print(d["kind"], len(d["items"]))' "$T_DIR/api.out")" "ServiceEntryList 2"
code=$(api GET /apis/networking.istio.io/v1/virtualservices)
t_assert_eq "list across namespaces" "$code" 200

# ---- 200 changes under load ----------------------------------------------
# wrk's timeout is 10 s, not 2: one CI run, with tcp_impair beside it, saw
# a single request of 25,491 pass 2 s (and another take 1.01 s, one SYN
# retransmission); not reproduced in 7 runs, loaded or not. A request a
# change breaks still fails: refused, reset, or never answered.
ip netns exec "$T_NS" wrk -t1 -c8 -d30s --timeout 10s -H 'Host: app.example' \
	"http://$T_GW_IP/ka" >"$T_DIR/wrk-ka" 2>&1 &
wrk_ka=$!
ip netns exec "$T_NS" wrk -t1 -c4 -d30s --timeout 10s -H 'Host: app.example' \
	-H 'Connection: close' "http://$T_GW_IP/close" >"$T_DIR/wrk-close" 2>&1 &
wrk_close=$!
# 16 MB at 1 MB/s: the download spans the changes
want_sha=$(python3 -c 'import hashlib,sys
sys.path.insert(0, sys.argv[1])
from httpbackend import PATTERN
n = 16 << 20
print(hashlib.sha256((PATTERN * (n // len(PATTERN) + 1))[:n]).hexdigest())' \
	"$MESHGW_SRC/tools")
ip netns exec "$T_NS" curl -s --max-time 60 -H 'Host: app.example' \
	"http://$T_GW_IP/bytes/$((16 << 20))?rate=1048576" \
	-o "$T_DIR/download" &
dl_pid=$!
sleep 2
rcpy flip "$ADMIN" "$NS" 200 >"$T_DIR/flip.json" ||
	t_fail "the changes: $(cat "$T_DIR/flip.json")"
t_log "200 changes: $(cat "$T_DIR/flip.json")"
wait "$wrk_ka" || t_fail "wrk: $(cat "$T_DIR/wrk-ka")"
wait "$wrk_close" || t_fail "wrk: $(cat "$T_DIR/wrk-close")"
wait "$dl_pid" || t_fail "the download failed"
for f in wrk-ka wrk-close; do
	t_log "$f: $(grep -E 'Requests/sec|requests in' "$T_DIR/$f" | tr -s ' ' | tr '\n' ' ')"
	if grep -qE 'Socket errors|Non-2xx' "$T_DIR/$f"; then
		# what meshgw saw, for whoever reads the failure
		t_api /api/v1/status | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("drops:", {k: v for k, v in s["drops"]["by_reason"].items() if v})
print("tcp:", {k: v for k, v in s["tcp"].items() if v})' >&2 || true
		t_fail "$f saw errors: $(cat "$T_DIR/$f")"
	fi
done
t_assert_ge "keep-alive requests under changes" \
	"$(awk '/requests in/ {print $1}' "$T_DIR/wrk-ka")" 1000
t_assert_eq "download sha256" "$(sha256sum <"$T_DIR/download" | cut -d' ' -f1)" \
	"$want_sha"

# every retired snapshot is let go and freed once its requests are done
for _ in $(seq 50); do
	left=$(t_status 's["config"]["snapshots_retired"]')
	[ "$left" = 0 ] && break
	sleep 0.1
done
t_assert_eq "retired snapshots left after the load" "$left" 0
t_assert_eq "configuration version" "$(t_status 's["config"]["version"]')" 201
t_assert_eq "meshgw_config_applies_total" "$(t_api /stats/prometheus |
	awk '/^meshgw_config_applies_total / {print $2}')" 200

# ---- the new weights apply ------------------------------------------------
python3 - "$T_DIR/w.json" <<'EOF'
import json, sys
json.dump({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
           "metadata": {"name": "app"},
           "spec": {"hosts": ["app.example"], "gateways": ["edge"],
                    "http": [{"route": [
                        {"destination": {"host": "v1.internal"}, "weight": 80},
                        {"destination": {"host": "v2.internal"}, "weight": 20}]}]}},
          open(sys.argv[1], "w"))
EOF
t_assert_eq "PUT 80/20 (no resourceVersion: last writer wins)" \
	"$(api PUT "$VS" "$T_DIR/w.json")" 200
split=$(rcpy split "$T_GW_IP" app.example 2000)
t_log "split over 2000: $split"
v2=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("v2", 0))' "$split")
[ "$v2" -ge 320 ] && [ "$v2" -le 480 ] || t_fail "v2 got $v2 of 2000, want 20 % ± 4"
t_log "ok: v2 got $v2 of 2000 (20 %)"

# ---- a port comes and goes ---------------------------------------------
cat >"$T_DIR/port.yaml" <<'YAML'
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: extra}
spec:
  servers:
  - port: {number: 8088, name: http-extra, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: extra}
spec:
  hosts: ["*"]
  gateways: [extra]
  http:
  - route: [{destination: {host: v2.internal}}]
YAML
t_assert_eq "apply a Gateway on port 8088" \
	"$(api POST /apis/apply "$T_DIR/port.yaml")" 200
t_assert_eq "port 8088 serves" "$(t_ns curl -s --max-time 5 \
	"http://$T_GW_IP:8088/x" | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')" v2
t_assert_eq "delete the Gateway" "$(api DELETE \
	/apis/networking.istio.io/v1/namespaces/$NS/gateways/extra)" 200
if t_ns curl -s --max-time 3 -o /dev/null "http://$T_GW_IP:8088/x"; then
	t_fail "port 8088 still serves after the delete"
fi
t_log "ok: port 8088 refused after the delete"

# ---- concurrency and bad input --------------------------------------------
rcpy conflict "$ADMIN" "$NS" >"$T_DIR/conflict" ||
	t_fail "conflict: $(cat "$T_DIR/conflict")"
t_log "ok: two writers with one resourceVersion: $(cat "$T_DIR/conflict")"
api GET "$VS" >/dev/null
cp "$T_DIR/api.out" "$T_DIR/before.json"
rcpy malformed "$ADMIN" "$NS" >"$T_DIR/malformed" ||
	t_fail "malformed: $(cat "$T_DIR/malformed")"
t_log "ok: 50 malformed bodies: $(cat "$T_DIR/malformed")"
api GET "$VS" >/dev/null
cmp -s "$T_DIR/api.out" "$T_DIR/before.json" ||
	t_fail "a malformed body changed the resource"
t_assert_eq "traffic after the bad bodies" "$(t_ns curl -s -o /dev/null \
	-w '%{http_code}' -H 'Host: app.example' "http://$T_GW_IP/")" 200
code=$(t_ns curl -s -o "$T_DIR/api.out" -w '%{http_code}' -X PUT \
	-H 'Content-Type: application/json' --data-binary @- "http://$ADMIN$VS" <<'EOF'
{"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
 "metadata": {"name": "app"},
 "spec": {"hosts": ["app.example"], "gateways": ["edge"],
          "http": [{"route": [{"destination": {"host": "v1.internal"},
                               "weight": -1}]}]}}
EOF
)
t_assert_eq "a bad weight" "$code" 422
t_assert_eq "its cause" "$(python3 -c 'import json,sys
c=json.load(open(sys.argv[1]))["details"]["causes"][0]; print(c["resource"], c["field"])' "$T_DIR/api.out")" \
	"VirtualService/default/app /spec/http/0/route/0/weight"

# ---- restart from the state folder -------------------------------------------
rv=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["resourceVersion"])' "$T_DIR/before.json")
t_gw_stop
gw_start_state
api GET "$VS" >/dev/null
t_assert_eq "resourceVersion after a restart" "$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["metadata"]["resourceVersion"])' "$T_DIR/api.out")" "$rv"
t_assert_eq "the Gateway deleted before the restart" \
	"$(api GET /apis/networking.istio.io/v1/namespaces/$NS/gateways/extra)" 404
# the last accepted change was the first writer's: 60/40
split=$(rcpy split "$T_GW_IP" app.example 1000)
v1=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("v1", 0))' "$split")
[ "$v1" -ge 540 ] && [ "$v1" -le 660 ] ||
	t_fail "after the restart v1 got $v1 of 1000, want 60 % ± 6"
t_log "ok: after the restart v1 got $v1 of 1000 (60 %)"
echo '{"truncated": ' >"$STATE/state.json"
t_gw_stop
gw_start_state
grep -q "state.json.corrupt" "$GW_LOG" || t_fail "corrupt state not reported"
[ -f "$STATE/state.json.corrupt" ] || t_fail "corrupt state not set aside"
t_assert_eq "the last good state after a corrupt file" "$(api GET "$VS")" 200

# ---- meshgwctl --------------------------------------------------------------
: "${MESHGW_CTL:?set MESHGW_CTL to the meshgwctl binary}"
ctl() { t_ns "$MESHGW_CTL" --server "$ADMIN" "$@"; }
ctl get vs >"$T_DIR/ctl.out" || t_fail "meshgwctl get vs"
grep -qE '^default +app +[0-9]+ +applied' "$T_DIR/ctl.out" ||
	t_fail "meshgwctl get vs: $(cat "$T_DIR/ctl.out")"
t_log "ok: meshgwctl get vs"
ctl get se v1 -o json | python3 -c 'import json,sys
assert json.load(sys.stdin)["kind"] == "ServiceEntry"' || t_fail "get -o json"
ctl apply -f "$T_DIR/port.yaml" >"$T_DIR/ctl.out" ||
	t_fail "meshgwctl apply: $(cat "$T_DIR/ctl.out")"
grep -q 'Gateway/default/extra configured' "$T_DIR/ctl.out" ||
	t_fail "meshgwctl apply: $(cat "$T_DIR/ctl.out")"
t_log "ok: meshgwctl apply: $(tail -1 "$T_DIR/ctl.out")"
sed 's/number: 8088/number: 0/' "$T_DIR/port.yaml" >"$T_DIR/bad.yaml"
set +e
ctl apply -f "$T_DIR/bad.yaml" 2>"$T_DIR/ctl.err"
rc=$?
set -e
t_assert_eq "meshgwctl apply of a bad port: exit" "$rc" 1
grep -q '/spec/servers/0/port/number' "$T_DIR/ctl.err" ||
	t_fail "meshgwctl apply: no field in $(cat "$T_DIR/ctl.err")"
ctl delete gw extra >/dev/null || t_fail "meshgwctl delete"
set +e
ctl get gw extra 2>/dev/null
rc=$?
ctl get nothing 2>/dev/null
rc2=$?
set -e
t_assert_eq "meshgwctl get of a deleted resource: exit" "$rc" 1
t_assert_eq "meshgwctl get of an unknown kind: exit" "$rc2" 2
ctl status | grep -q '^configuration [0-9]' || t_fail "meshgwctl status"
ctl clusters | grep -q 'outbound|8080||v1.internal' || t_fail "meshgwctl clusters"
t_log "ok: meshgwctl delete, status, clusters"

# ---- health check override and drain ---------------------------------------
ctl healthcheck fail
t_assert_eq "/ready after /healthcheck/fail" "$(t_ns curl -s -o /dev/null \
	-w '%{http_code}' "http://$ADMIN/ready")" 503
ctl healthcheck ok
t_assert_eq "/ready after /healthcheck/ok" "$(t_ns curl -s -o /dev/null \
	-w '%{http_code}' "http://$ADMIN/ready")" 200
want_sha=$(python3 -c 'import hashlib,sys
sys.path.insert(0, sys.argv[1])
from httpbackend import PATTERN
n = 3 << 20
print(hashlib.sha256((PATTERN * (n // len(PATTERN) + 1))[:n]).hexdigest())' \
	"$MESHGW_SRC/tools")
ip netns exec "$T_NS" curl -s --max-time 30 -H 'Host: app.example' \
	"http://$T_GW_IP/bytes/$((3 << 20))?rate=1048576" \
	-o "$T_DIR/download" &
dl_pid=$!
sleep 0.7
ctl drain >/dev/null || t_fail "meshgwctl drain"
if t_ns curl -s --max-time 3 -o /dev/null -H 'Host: app.example' \
	"http://$T_GW_IP/"; then
	t_fail "a new connection was accepted while draining"
fi
t_log "ok: new connections refused while draining"
t_assert_eq "/ready while draining" "$(t_ns curl -s -o /dev/null \
	-w '%{http_code}' "http://$ADMIN/ready")" 503
wait "$dl_pid" || t_fail "the download in flight failed during the drain"
t_assert_eq "the download in flight" \
	"$(sha256sum <"$T_DIR/download" | cut -d' ' -f1)" "$want_sha"
ctl drain --wait 10 >/dev/null || t_fail "sessions left after the drain"
t_assert_eq "/quitquitquit" "$(t_ns curl -s -o /dev/null -w '%{http_code}' \
	-X POST "http://$ADMIN/quitquitquit")" 200
wait "$GW_PID" || t_fail "exit status after /quitquitquit"
GW_PID=""
t_log "ok: drained and quit"
