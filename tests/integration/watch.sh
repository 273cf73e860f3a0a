#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The configuration folder watch, laid out as Kubernetes mounts a
# ConfigMap (files are symlinks into ..data, which an update swaps
# atomically):
#  - an update that reroutes a VirtualService takes effect within seconds,
#    with its resourceVersion moved on;
#  - an update that does not load (bad YAML) or that the compiler refuses
#    (a bad weight) is logged and changes nothing: traffic keeps its route;
#  - a resource removed from the folder is deleted; one created through
#    the API meanwhile is left alone;
#  - a changed Dataplane is refused (restart only).
source "$(dirname "$0")/lib.sh"

ADMIN=127.0.0.1:15000
CM=$T_DIR/configmap
VS=/apis/networking.istio.io/v1/namespaces/default/virtualservices

# write_version N: a new ..N folder with dataplane.yaml and mesh.yaml
# (mesh.yaml's body from stdin), then swap ..data to it, as the kubelet
write_version() {
	local v="$CM/..v$1"
	mkdir -p "$v"
	cp "$T_DIR/dataplane.yaml" "$v/dataplane.yaml"
	cat >"$v/mesh.yaml"
	ln -sfn "..v$1" "$CM/..data_tmp"
	mv -T "$CM/..data_tmp" "$CM/..data"
}

mesh_yaml() { # HOST-OF-THE-ROUTE [WEIGHT]
	t_yaml_gateway
	t_yaml_service v1 v1.internal 8081
	t_yaml_service v2 v2.internal 8082
	cat <<YAML
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app}
spec:
  hosts: ["*"]
  gateways: [edge]
  http:
  - match: [{uri: {prefix: /old}}]
    route: [{destination: {host: v1.internal}}]
  - route: [{destination: {host: $1}, weight: ${2:-100}}]
YAML
}

backend_of() { # PATH
	t_ns curl -s --max-time 5 "http://$T_GW_IP$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])' 2>/dev/null ||
		echo none
}

# the route / goes to $1 within 5 s
wait_backend() {
	local got=""
	for _ in $(seq 50); do
		got=$(backend_of /)
		[ "$got" = "$1" ] && return 0
		sleep 0.1
	done
	t_fail "/ still goes to $got, want $1"
}

t_netns_create
T_WORKERS=2 t_config_basic
mv "$T_DIR/meshgw.yaml" "$T_DIR/dataplane.yaml"
mkdir -p "$CM"
mesh_yaml v1.internal | write_version 1
ln -s ..data/dataplane.yaml "$CM/dataplane.yaml"
ln -s ..data/mesh.yaml "$CM/mesh.yaml"
nsenter --net="/run/netns/$T_NS" "$MESHGW" --config "$CM" >"$GW_LOG" 2>&1 &
GW_PID=$!
t_tap_up
t_backend_start 8081 v1
t_backend_start 8082 v2
t_assert_eq "the route at start" "$(backend_of /)" v1
rv0=$(t_ns curl -s "http://$ADMIN$VS/app" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')

mesh_yaml v2.internal | write_version 2
wait_backend v2
t_log "ok: a ConfigMap update rerouted / to v2"
rv1=$(t_ns curl -s "http://$ADMIN$VS/app" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')
[ "$rv1" -gt "$rv0" ] || t_fail "resourceVersion $rv0 -> $rv1"
t_assert_eq "the unchanged ServiceEntry kept its version" \
	"$(t_ns curl -s "http://$ADMIN/apis/networking.istio.io/v1/namespaces/default/serviceentries/v1" |
	python3 -c 'import json,sys; print(int(json.load(sys.stdin)["metadata"]["resourceVersion"]) < int(sys.argv[1]))' "$rv0")" True

# bad YAML: logged, nothing changes
printf 'apiVersion: networking.istio.io/v1\nkind: [unclosed\n' | write_version 3
for _ in $(seq 30); do
	grep -q "does not load" "$GW_LOG" && break
	sleep 0.1
done
grep -q "does not load" "$GW_LOG" || t_fail "bad YAML not reported"
t_assert_eq "the route after bad YAML" "$(backend_of /)" v2
# a refused change: logged with its field, nothing changes
mesh_yaml v1.internal -5 | write_version 4
for _ in $(seq 30); do
	grep -q "change refused" "$GW_LOG" && break
	sleep 0.1
done
grep -q "/spec/http/1/route/0/weight" "$GW_LOG" ||
	t_fail "refused change not reported with its field: $(grep -A2 refused "$GW_LOG")"
t_assert_eq "the route after a refused change" "$(backend_of /)" v2
t_log "ok: bad YAML and a refused change left the route alone"

# created through the API meanwhile: kept when the folder changes
t_ns curl -s -o /dev/null -X POST --data-binary @- \
	"http://$ADMIN/apis/apply" <<'YAML'
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api-made}
spec:
  hosts: [api.internal]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints: [{address: 198.18.0.9}]
YAML
# the VirtualService leaves the folder: deleted, / finds no route
{ t_yaml_gateway; t_yaml_service v1 v1.internal 8081
  t_yaml_service v2 v2.internal 8082; } | write_version 5
for _ in $(seq 50); do
	code=$(t_ns curl -s -o /dev/null -w '%{http_code}' "http://$T_GW_IP/")
	[ "$code" = 404 ] && break
	sleep 0.1
done
t_assert_eq "/ after the VirtualService left the folder" "$code" 404
t_assert_eq "the VirtualService" "$(t_ns curl -s -o /dev/null -w '%{http_code}' \
	"http://$ADMIN$VS/app")" 404
t_assert_eq "the ServiceEntry made through the API" "$(t_ns curl -s -o /dev/null \
	-w '%{http_code}' "http://$ADMIN/apis/networking.istio.io/v1/namespaces/default/serviceentries/api-made")" 200

# a changed Dataplane: refused (restart only)
sed -i 's/idleSleepUs: 100/idleSleepUs: 200/' "$T_DIR/dataplane.yaml"
mesh_yaml v1.internal | write_version 6
for _ in $(seq 30); do
	grep -q "changes only with a restart" "$GW_LOG" && break
	sleep 0.1
done
grep -q "changes only with a restart" "$GW_LOG" ||
	t_fail "a Dataplane change was not refused"
t_assert_eq "/ after the refused Dataplane change" "$(t_ns curl -s -o /dev/null \
	-w '%{http_code}' "http://$T_GW_IP/")" 404
t_log "ok: a Dataplane change is refused"
t_gw_stop
