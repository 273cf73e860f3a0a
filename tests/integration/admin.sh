#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Admin API: bearer token, /ready without it, JSON errors for unknown
# paths and wrong methods, /config_dump with every loaded resource, the
# not-yet-applied state of kinds meshgw does not implement yet.
source "$(dirname "$0")/lib.sh"

t_netns_create
printf 's3cret-token\n' >"$T_DIR/token"
t_config_basic "  admin:
    address: 127.0.0.1:15000
    tokenFile: @DIR@/token
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews.shop.svc.cluster.local]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 90
    - destination: {host: reviews, subset: v2}
      weight: 10"
t_gw_start
t_tap_up
t_wait_ready
auth=(-H "Authorization: Bearer s3cret-token")

code() { t_api_raw -o /dev/null -w '%{http_code}' "$@"; }
t_assert_eq "/ready without token" "$(code "http://$T_ADMIN/ready")" 200
t_assert_eq "status without token" "$(code "http://$T_ADMIN/api/v1/status")" 401
t_assert_eq "status with a wrong token" \
	"$(code -H 'Authorization: Bearer s3cret-tokeX' "http://$T_ADMIN/api/v1/status")" 401
t_assert_eq "status with a longer token" \
	"$(code -H 'Authorization: Bearer s3cret-token2' "http://$T_ADMIN/api/v1/status")" 401
t_assert_eq "status with the token" \
	"$(code "${auth[@]}" "http://$T_ADMIN/api/v1/status")" 200
t_assert_eq "prometheus without token" "$(code "http://$T_ADMIN/stats/prometheus")" 401
t_assert_eq "WWW-Authenticate" \
	"$(t_api_raw -D - -o /dev/null "http://$T_ADMIN/config_dump" | grep -ci '^www-authenticate: bearer')" 1
t_assert_eq "unknown path" "$(code "${auth[@]}" "http://$T_ADMIN/nope")" 404
t_assert_eq "unknown path body" \
	"$(t_api_raw "${auth[@]}" "http://$T_ADMIN/nope" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" 404
# the resource API and the lifecycle calls need the token too
t_assert_eq "resource list without token" "$(code \
	"http://$T_ADMIN/apis/networking.istio.io/v1/virtualservices")" 401
t_assert_eq "apply without token" "$(code -X POST --data-binary '[]' \
	"http://$T_ADMIN/apis/apply")" 401
t_assert_eq "/drain_listeners without token" "$(code -X POST \
	"http://$T_ADMIN/drain_listeners")" 401
t_assert_eq "/quitquitquit without token" "$(code -X POST \
	"http://$T_ADMIN/quitquitquit")" 401
t_assert_eq "resource list with the token" "$(code "${auth[@]}" \
	"http://$T_ADMIN/apis/networking.istio.io/v1/namespaces/shop/virtualservices")" 200
t_assert_eq "meshgwctl with the token file" "$(t_ns "$MESHGW_CTL" \
	--token-file "$T_DIR/token" get vs -n shop | awk 'NR == 2 {print $2}')" reviews
t_assert_eq "POST /ready" "$(code -X POST -d x=1 "http://$T_ADMIN/ready")" 405
t_assert_eq "Allow header" \
	"$(t_api_raw -X DELETE -D - -o /dev/null "http://$T_ADMIN/ready" | tr -d '\r' | grep -i '^allow:')" \
	"Allow: GET, HEAD"

dump=$(t_api /config_dump "${auth[@]}")
t_assert_eq "resources in config_dump" \
	"$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print([(r["kind"], r["metadata"]["name"], r["status"]["state"]) for r in d["resources"]])' "$dump")" \
	"[('Dataplane', 'test', 'applied'), ('VirtualService', 'reviews', 'partially applied')]"
# no gateways (Istio: "mesh" only), no ServiceEntry for reviews: findings
t_assert_eq "findings in config_dump" \
	"$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); f=d["resources"][1]["status"]["findings"]; print(len(f) >= 2 and all(": warning: VirtualService shop/reviews: " in x for x in f))' "$dump")" \
	True
t_assert_eq "weights kept as numbers" \
	"$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["resources"][1]["spec"]["http"][0]["route"][1]["weight"])' "$dump")" \
	10
t_assert_eq "status counts resources" \
	"$(t_status 's["config"]["resources"]' "${auth[@]}")" 2

# many requests, some malformed, leave the API serving
for i in $(seq 20); do
	t_ns bash -c "printf 'GARBAGE\r\n\r\n' >/dev/tcp/127.0.0.1/15000" 2>/dev/null || true
	code "${auth[@]}" "http://$T_ADMIN/stats/prometheus" >/dev/null
done
t_assert_eq "API alive after garbage" "$(code "http://$T_ADMIN/ready")" 200
