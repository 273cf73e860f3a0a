#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Routing around failure, with two workers and real python backends:
#  - active HTTP health checks: one of three backends is killed under wrk
#    load; it is marked unhealthy within interval x threshold, no client
#    request fails, and it rejoins once restarted;
#  - outlier detection: a backend answering 503 half the time is ejected,
#    and after that every request succeeds;
#  - retries: a backend that hangs costs a perTryTimeout and a retry on
#    the other endpoint, never a failed request;
#  - circuit breaking: beyond maxConnections + http1MaxPendingRequests,
#    503 at once;
#  - fault injection: abort and delay percentages over 2,000 requests
#    within 3 points;
#  - the operator: drain lets in-flight requests finish and sends no new
#    ones, ready takes the endpoint back, a weight moves the split, and
#    bad API calls get 4xx and change nothing.
source "$(dirname "$0")/lib.sh"

t_netns_create
T_WORKERS=2 t_config_basic
{
	t_yaml_gateway
	cat <<YAML
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: pool}
spec:
  hosts: [pool.internal]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints:
  - {address: $T_KERNEL_IP, ports: {http: 8081}}
  - {address: $T_KERNEL_IP, ports: {http: 8082}}
  - {address: $T_KERNEL_IP, ports: {http: 8083}}
---
apiVersion: meshgw.io/v1alpha1
kind: HealthCheck
metadata: {name: pool}
spec:
  host: pool.internal
  http: {path: /healthz}
  interval: 300ms
  timeout: 200ms
  healthyThreshold: 2
  unhealthyThreshold: 2
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: flaky}
spec:
  hosts: [flaky.internal]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints:
  - {address: $T_KERNEL_IP, ports: {http: 8084}}
  - {address: $T_KERNEL_IP, ports: {http: 8082}}
  - {address: $T_KERNEL_IP, ports: {http: 8083}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: flaky}
spec:
  host: flaky.internal
  trafficPolicy:
    outlierDetection:
      consecutive5xxErrors: 3
      interval: 1s
      baseEjectionTime: 60s
      maxEjectionPercent: 50
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: hung}
spec:
  hosts: [hung.internal]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints:
  - {address: $T_KERNEL_IP, ports: {http: 8085}}
  - {address: $T_KERNEL_IP, ports: {http: 8083}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: narrow}
spec:
  hosts: [narrow.internal]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints: [{address: $T_KERNEL_IP, ports: {http: 8083}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: narrow}
spec:
  host: narrow.internal
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 1}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: routes}
spec:
  hosts: ["*"]
  gateways: [edge]
  http:
  - name: flaky
    match: [{uri: {prefix: /flaky}}]
    retries: {attempts: 0}
    route: [{destination: {host: flaky.internal}}]
  - name: hung
    match: [{uri: {prefix: /hung}}]
    retries: {attempts: 2, perTryTimeout: 300ms, retryOn: 5xx}
    route: [{destination: {host: hung.internal}}]
  - name: narrow
    match: [{uri: {prefix: /narrow}}]
    rewrite: {uri: /delay/1000}
    retries: {attempts: 0}
    route: [{destination: {host: narrow.internal}}]
  - name: fault
    match: [{uri: {prefix: /fault}}]
    fault:
      abort: {httpStatus: 418, percentage: {value: 30}}
      delay: {fixedDelay: 1ms, percentage: {value: 20}}
    route: [{destination: {host: pool.internal}}]
  - name: pool
    route: [{destination: {host: pool.internal}}]
YAML
} >>"$T_DIR/meshgw.yaml"

"$MESHGW" --check-config "$T_DIR/meshgw.yaml" >"$T_DIR/check" 2>&1 ||
	t_fail "config invalid: $(cat "$T_DIR/check")"
if grep -q 'not applied yet' "$T_DIR/check"; then
	t_fail "fields reported as not applied: $(cat "$T_DIR/check")"
fi

t_gw_start
t_tap_up
t_wait_ready
t_backend_start 8081 a
t_backend_start 8082 b
t_backend_start 8083 c
t_backend_start 8084 flaky --fail-percent 50
t_backend_start 8085 hung --hang

# ep HOST PORT EXPR: EXPR over endpoint $T_KERNEL_IP:PORT (h) of the
# cluster of HOST in /clusters?format=json
ep() {
	t_api "/clusters?format=json" | python3 -c '
import json, sys
host, addr, expr = sys.argv[1:4]
for c in json.load(sys.stdin)["cluster_statuses"]:
    if c["name"].endswith("|" + host):
        for h in c["host_statuses"]:
            if h["address"] == addr:
                print(eval(expr))
                sys.exit(0)
sys.exit("no endpoint %s in %s" % (addr, host))' "$1" "$T_KERNEL_IP:$2" "$3"
}

# wait_ep HOST PORT EXPR WANT SECONDS: poll until EXPR prints WANT;
# prints the seconds it took
wait_ep() {
	local t0 now
	t0=$(date +%s.%N)
	while :; do
		[ "$(ep "$1" "$2" "$3")" = "$4" ] && break
		now=$(date +%s.%N)
		if python3 -c "import sys; sys.exit(not ($now - $t0 > $5))"; then
			t_fail "$1 :$2: $3 still not $4 after $5 s ($(ep "$1" "$2" "$3"))"
		fi
		sleep 0.05
	done
	python3 -c "print(round($(date +%s.%N) - $t0, 2))"
}

# hits PATH N: N keep-alive GETs; prints "status:count ..."
hits() {
	t_ns python3 - "$T_GW_IP" "$1" "$2" <<'PY'
import collections, http.client, sys
gw, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection(gw, 80, timeout=10)
seen = collections.Counter()
for _ in range(n):
    c.request("GET", path)
    r = c.getresponse()
    r.read()
    seen[r.status] += 1
    if r.will_close:
        c.close()
print(" ".join("%d:%d" % kv for kv in sorted(seen.items())))
PY
}

admin_post() { # BODY: POST /api/v1/endpoints; prints "status body"
	t_ns curl -s --max-time 5 -w ' %{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "$1" \
		"http://$T_ADMIN/api/v1/endpoints"
}

code() { admin_post "$1" | tail -n 1 | awk '{print $NF}'; }

# ---- active health checks ---------------------------------------------
for p in 8081 8082 8083; do
	wait_ep pool.internal "$p" 'h["hc_state"]' healthy 5 >/dev/null
done
t_log "ok: the three pool endpoints are healthy"
t_assert_eq "probes keep their hands off other clusters" \
	"$(ep flaky.internal 8082 'h["hc_state"]')" none

ip netns exec "$T_NS" wrk -t1 -c8 -d5s "http://$T_GW_IP/" \
	>"$T_DIR/wrk-kill" 2>&1 &
wrk_pid=$!
sleep 1
kill "${T_BACKEND_PIDS[0]}"
# interval 0.3 s x threshold 2, plus the probe cycle the kill fell in
# and what polling /clusters costs under load
took=$(wait_ep pool.internal 8081 'h["hc_state"]' unhealthy 2)
t_log "ok: killed backend marked unhealthy in $took s"
t_assert_eq "killed backend out of service" \
	"$(ep pool.internal 8081 'h["health_flags"]')" /failed_active_hc
wait "$wrk_pid" || t_fail "wrk failed: $(cat "$T_DIR/wrk-kill")"
cat "$T_DIR/wrk-kill" >&2
# requests in flight on the backend as it died may fail (a reset before
# the response is not retried under Istio's default retryOn, as in
# Envoy); once it is marked, none may
t_log "while it died: $(grep -e 'Non-2xx' -e 'Socket errors' \
	"$T_DIR/wrk-kill" | tr '\n' ' ')"
t_assert_ge "requests under load" \
	"$(awk '/requests in/ {print $1}' "$T_DIR/wrk-kill")" 100
before=$(ep pool.internal 8081 'h["stats"]["rq_total"]')
t_ns wrk -t1 -c8 -d2s "http://$T_GW_IP/" >"$T_DIR/wrk-after" 2>&1 ||
	t_fail "wrk failed: $(cat "$T_DIR/wrk-after")"
if grep -q -e 'Non-2xx' -e 'Socket errors' "$T_DIR/wrk-after"; then
	t_fail "client requests failed after the mark: $(cat "$T_DIR/wrk-after")"
fi
t_log "ok: $(awk '/requests in/ {print $1}' "$T_DIR/wrk-after") requests after the mark, none failed"
t_assert_eq "no attempt on the dead backend once unhealthy" \
	"$(ep pool.internal 8081 'h["stats"]["rq_total"]')" "$before"
t_backend_start 8081 a
took=$(wait_ep pool.internal 8081 'h["hc_state"]' healthy 3)
t_log "ok: restarted backend healthy again in $took s"
hits / 60 >/dev/null
t_assert_ge "the restarted backend gets requests" \
	"$(ep pool.internal 8081 'h["stats"]["rq_total"]')" $((before + 5))

# ---- outlier detection ------------------------------------------------
# about 100 of them reach the flaky backend: a run of three 503s in them
# is all but certain (missing one has odds below 1 in 3,000)
got=$(hits /flaky 300)
t_log "flaky, before ejection: $got"
wait_ep flaky.internal 8084 'h["health_flags"]' /failed_outlier_check 2 \
	>/dev/null
t_assert_ge "ejections" \
	"$(ep flaky.internal 8084 'h["stats"]["outlier_ejections"]')" 1
t_assert_eq "after the ejection, no failure" "$(hits /flaky 100)" "200:100"
t_assert_eq "the shared endpoint is not ejected in the other cluster" \
	"$(ep pool.internal 8082 'h["health_flags"]')" healthy

# ---- retries: perTryTimeout on a hung backend ---------------------------
out=$(for _ in $(seq 8); do
	t_ns curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
		--max-time 5 "http://$T_GW_IP/hung"
done)
t_assert_eq "hung backend: every request answered 200" \
	"$(echo "$out" | awk '{print $1}' | sort -u)" 200
t_assert_eq "each within two tries" \
	"$(echo "$out" | awk '$2 >= 1.2' | wc -l)" 0
t_assert_ge "per-try timeouts" \
	"$(t_status 's["proxy"]["upstream_rq_per_try_timeout"]')" 1
t_assert_ge "retries" "$(t_status 's["proxy"]["upstream_rq_retry"]')" 1

# ---- circuit breaking ---------------------------------------------------
# each worker holds maxConnections 1 and one pending: at most four
# requests go through at once, the rest are refused without waiting
pids=()
for i in $(seq 10); do
	t_ns curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
		--max-time 5 "http://$T_GW_IP/narrow/$i" >>"$T_DIR/narrow" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
cat "$T_DIR/narrow" >&2
t_assert_ge "refused at once (503 in < 0.5 s)" \
	"$(awk '$1 == 503 && $2 < 0.5' "$T_DIR/narrow" | wc -l)" 6
t_assert_eq "nothing else failed" \
	"$(awk '$1 != 503 && $1 != 200' "$T_DIR/narrow" | wc -l)" 0
t_assert_ge "overflow counted" \
	"$(t_status 's["proxy"]["upstream_rq_pending_overflow"]')" 6

# ---- fault injection ------------------------------------------------------
d0=$(t_status 's["proxy"]["fault_delays"]')
got=$(hits /fault 2000)
t_log "fault: $got"
aborts=$(echo "$got" | tr ' ' '\n' | awk -F: '$1 == 418 {print $2}')
t_assert_eq "aborts 30 % +- 3 (of 2000)" \
	"$(python3 -c "print(540 <= ${aborts:-0} <= 660)")" True
delays=$(( $(t_status 's["proxy"]["fault_delays"]') - d0 ))
t_assert_eq "delays 20 % +- 3 (of 2000): $delays" \
	"$(python3 -c "print(340 <= $delays <= 460)")" True
t_assert_eq "the rest went through" \
	"$(echo "$got" | tr ' ' '\n' | awk -F: '$1 != 418 && $1 != 200' | wc -l)" 0

# ---- the operator: drain, ready, weight --------------------------------
pids=()
rm -f "$T_DIR/inflight"
for i in $(seq 6); do
	t_ns curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 \
		"http://$T_GW_IP/delay/1500" >>"$T_DIR/inflight" &
	pids+=($!)
done
sleep 0.5
active=$(ep pool.internal 8082 'h["stats"]["rq_active"]')
t_assert_eq "drain" "$(code "{\"address\": \"$T_KERNEL_IP:8082\", \
\"host\": \"pool.internal\", \"state\": \"drain\"}")" 200
t_assert_eq "drained" "$(ep pool.internal 8082 'h["admin_state"]')" drain
for p in "${pids[@]}"; do wait "$p" || true; done
t_assert_eq "in-flight requests finished" \
	"$(sort "$T_DIR/inflight" | uniq -c | awk '{print $1 ":" $2}')" "6:200"
t_log "in flight on the drained endpoint when drained: $active"
before=$(ep pool.internal 8082 'h["stats"]["rq_total"]')
t_assert_eq "requests while drained" "$(hits / 60)" "200:60"
t_assert_eq "no new request to the drained endpoint" \
	"$(ep pool.internal 8082 'h["stats"]["rq_total"]')" "$before"
t_assert_eq "ready" "$(code "{\"address\": \"$T_KERNEL_IP:8082\", \
\"state\": \"ready\"}")" 200
hits / 60 >/dev/null
t_assert_ge "back in service" \
	"$(ep pool.internal 8082 'h["stats"]["rq_total"]')" $((before + 5))

checks=$(ep pool.internal 8083 'h["stats"]["hc_checks"]')
admin_post "{\"address\": \"$T_KERNEL_IP:8083\", \"host\": \"pool.internal\", \
\"state\": \"maint\"}" >/dev/null
sleep 1
t_assert_eq "maint: no probes" \
	"$(python3 -c "print($(ep pool.internal 8083 'h["stats"]["hc_checks"]') - $checks <= 1)")" True
admin_post "{\"address\": \"$T_KERNEL_IP:8083\", \"state\": \"ready\"}" \
	>/dev/null

a0=$(ep pool.internal 8081 'h["stats"]["rq_total"]')
b0=$(ep pool.internal 8082 'h["stats"]["rq_total"]')
c0=$(ep pool.internal 8083 'h["stats"]["rq_total"]')
t_assert_eq "weight" "$(code "{\"address\": \"$T_KERNEL_IP:8081\", \
\"host\": \"pool.internal\", \"weight\": 4}")" 200
t_assert_eq "weight shown" "$(ep pool.internal 8081 'h["weight"]')" 4
hits / 600 >/dev/null
share=$(python3 -c "
a = $(ep pool.internal 8081 'h["stats"]["rq_total"]') - $a0
b = $(ep pool.internal 8082 'h["stats"]["rq_total"]') - $b0
c = $(ep pool.internal 8083 'h["stats"]["rq_total"]') - $c0
print(round(a / (a + b + c), 3))")
t_assert_eq "weight 4 of 6 gets its share ($share)" \
	"$(python3 -c "print(0.55 <= $share <= 0.78)")" True

# ---- bad calls ----------------------------------------------------------
t_assert_eq "not JSON" "$(code '{"address": ')" 400
t_assert_eq "not an object" "$(code '[1]')" 400
t_assert_eq "unknown field" \
	"$(code "{\"address\": \"$T_KERNEL_IP:8081\", \"colour\": 1}")" 422
t_assert_eq "bad state" \
	"$(code "{\"address\": \"$T_KERNEL_IP:8081\", \"state\": \"off\"}")" 422
t_assert_eq "bad weight" \
	"$(code "{\"address\": \"$T_KERNEL_IP:8081\", \"weight\": 0}")" 422
t_assert_eq "bad address" "$(code '{"address": "1.2.3:80", "state": "drain"}')" 422
t_assert_eq "nothing to change" \
	"$(code "{\"address\": \"$T_KERNEL_IP:8081\"}")" 422
t_assert_eq "no such endpoint" \
	"$(code '{"address": "198.18.9.9:1", "state": "drain"}')" 404
t_assert_eq "GET refused" "$(t_ns curl -s -o /dev/null -w '%{http_code}' \
	"http://$T_ADMIN/api/v1/endpoints")" 405
head -c 2000000 /dev/zero >"$T_DIR/big"
t_assert_eq "huge body" "$(t_ns curl -s -o /dev/null -w '%{http_code}' \
	-X POST --data-binary @"$T_DIR/big" \
	"http://$T_ADMIN/api/v1/endpoints")" 413
t_assert_eq "nothing changed by them" \
	"$(ep pool.internal 8081 '"%s %d" % (h["admin_state"], h["weight"])')" \
	"ready 4"
t_assert_eq "still serving" "$(hits / 20)" "200:20"

# ---- metrics --------------------------------------------------------------
t_api /stats/prometheus >"$T_DIR/prom"
grep -q "^meshgw_endpoint_healthy{cluster=\"outbound|8080||pool.internal\",endpoint=\"$T_KERNEL_IP:8081\"} 1" \
	"$T_DIR/prom" || t_fail "no endpoint health series"
grep -q '^meshgw_endpoint_outlier_ejections_total{cluster="outbound|8080||flaky.internal"' \
	"$T_DIR/prom" || t_fail "no ejection series"
t_api /clusters | grep -q "^outbound|8080||pool.internal::$T_KERNEL_IP:8081::health_flags::healthy$" ||
	t_fail "/clusters text lacks the health flags"

# the hung backend's connections were cut, not leaked
t_sessions_drained
t_gw_stop
if grep -q 'not returned (leak)' "$GW_LOG"; then
	t_fail "mbufs leaked: $(grep 'leak' "$GW_LOG")"
fi
t_log "ok: clean exit"
