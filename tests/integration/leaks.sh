#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Shutdown frees everything: run the gateway under valgrind, use every
# endpoint and the packet path (with packets parked in the neighbour queue
# at the moment of shutdown), SIGTERM, then require no definite or
# indirect leak, no memory error, and every mbuf back in the pool.
source "$(dirname "$0")/lib.sh"
PKI="$T_DIR/pki"
python3 "$MESHGW_SRC/tests/integration/tlscerts.py" "$PKI"
t_netns_create
# telemetry on: records, rings, the log file, the span exporter (toward a
# port nobody listens on: batches fail) all freed at shutdown
T_WORKERS=2 t_config_basic "  tls: {credentialsDir: $PKI/cred}
  telemetry:
    accessLog: {path: @DIR@/access.log}
    tracing: {sampling: 100, zipkin: \"127.0.0.1:9\"}
  testListeners:
  - {port: 7, mode: echo}
  - {port: 19, mode: source, bytes: 100000000}"
# and the proxy: a direct response, and a service nobody listens for
# (retried, probed once, ejected by outlier detection)
{
	t_yaml_gateway
	t_yaml_service gone gone.internal 8089
	cat <<YAML
---
apiVersion: meshgw.io/v1alpha1
kind: HealthCheck
metadata: {name: gone}
spec: {host: gone.internal, http: {path: /healthz}, interval: 1h}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: gone}
spec:
  host: gone.internal
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: tls}
spec:
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, serverCertificate: $PKI/shop-ec.crt, privateKey: $PKI/shop-ec.key}
  - port: {number: 8443, name: https-mtls, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: MUTUAL, credentialName: mtls-cred}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: ["*"]
  gateways: [edge, tls]
  http:
  - match: [{uri: {prefix: /gone}}]
    route: [{destination: {host: gone.internal}}]
  - directResponse: {status: 200, body: {string: ok}}
YAML
} >>"$T_DIR/meshgw.yaml"
nsenter --net="/run/netns/$T_NS" valgrind -q --leak-check=full \
	--show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
	--suppressions="$MESHGW_SRC/tests/integration/valgrind.supp" \
	"$MESHGW" --config "$T_DIR/meshgw.yaml" --state-dir "$T_DIR" \
	>"$GW_LOG" 2>&1 &
GW_PID=$!
t_tap_up
t_wait_ready
gw_mac=$(t_gw_mac)
t_ns ping -c 3 -i 0.2 -W 5 "$T_GW_IP" >/dev/null || t_fail "ping under valgrind"
t_pkt mg0 bad-ip-cksum --dst-mac "$gw_mac" --src "$T_KERNEL_IP" --dst "$T_GW_IP"
# replies to a host that never answers ARP wait in the neighbour queue
t_pkt mg0 echo --dst-mac "$gw_mac" --src "$T_NET.99" --dst "$T_GW_IP" --count 3
t_assert_eq "direct response under valgrind" \
	"$(t_ns curl -s --max-time 20 "http://$T_GW_IP/")" ok
t_assert_eq "refused upstream under valgrind" "$(t_ns curl -s -o /dev/null \
	-w '%{http_code}' --max-time 20 "http://$T_GW_IP/gone")" 503
# TLS: a request, a MUTUAL handshake refused, a ClientHello that is not
tcurl() { # HOST PORT [ARGS]
	t_ns curl -sS --max-time 20 --cacert "$PKI/ca.crt" \
		--resolve "$1:$2:$T_GW_IP" "${@:3}" "https://$1:$2/"
}
t_assert_eq "HTTPS under valgrind" "$(tcurl shop.example.test 443)" ok
t_assert_eq "MUTUAL with a client certificate under valgrind" \
	"$(tcurl mtls.example.test 8443 --cert "$PKI/client.crt" \
		--key "$PKI/client.key")" ok
tcurl mtls.example.test 8443 -o /dev/null 2>/dev/null &&
	t_fail "MUTUAL without a certificate"
t_ns curl -s --max-time 20 "http://$T_GW_IP:443/" -o /dev/null &&
	t_fail "plain HTTP on the TLS port"
# connections alive at shutdown: one whose echo is never read (data held
# in both directions), one source stream nobody reads (full send queue),
# one proxy session holding half a request head, one TLS session holding
# half a request head, one TLS connection with half a ClientHello
nsenter --net="/run/netns/$T_NS" python3 -c '
import socket, sys, time
a = socket.create_connection((sys.argv[1], 7)); a.sendall(b"x" * 200000)
b = socket.create_connection((sys.argv[1], 19))
c = socket.create_connection((sys.argv[1], 80))
c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nX-Half: ")
import ssl
ctx = ssl.create_default_context(cafile=sys.argv[2]); ctx.check_hostname = False
d = ctx.wrap_socket(socket.create_connection((sys.argv[1], 443)))
d.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nX-Half: ")
e = socket.create_connection((sys.argv[1], 443))
e.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
time.sleep(30)' "$T_GW_IP" "$PKI/ca.crt" &
holder=$!
hold_stop() { kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; }
T_CLEANUP_HOOKS+=(hold_stop)
for _ in $(seq 100); do
	[ "$(t_status 's["tcp"]["active_conns"]')" = 5 ] && break
	sleep 0.1
done
t_assert_eq "connections open at shutdown" "$(t_status 's["tcp"]["active_conns"]')" 5
t_assert_eq "proxy sessions open at shutdown" \
	"$(t_status 's["proxy"]["active_sessions"]')" 3
t_assert_eq "TLS connections open at shutdown" \
	"$(t_status 's["tls"]["active"]')" 2
t_api /api/v1/status >/dev/null
t_api /stats/prometheus >/dev/null
t_api /clusters >/dev/null
t_api "/clusters?format=json" >/dev/null
t_api /ui >/dev/null
t_api /ui/data >/dev/null
# a new weight: a balancer built, published, the old one retired
t_ns curl -sf --max-time 20 -X POST --data-binary \
	"{\"address\": \"$T_KERNEL_IP:8089\", \"weight\": 3}" \
	"http://$T_ADMIN/api/v1/endpoints" >/dev/null || t_fail "weight"
t_ns curl -sf --max-time 20 -X POST --data-binary \
	"{\"address\": \"$T_KERNEL_IP:8089\", \"weight\": 5}" \
	"http://$T_ADMIN/api/v1/endpoints" >/dev/null || t_fail "weight"
t_api /config_dump >/dev/null
t_api_raw "http://$T_ADMIN/nope" >/dev/null
# configuration changes through the resource API, while the half-read
# session holds the first snapshot: a new route and port (the weight set
# above carried into the new health state), a refused change, a delete
api_code() { t_ns curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$@"; }
cat >"$T_DIR/change.yaml" <<'YAML'
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: extra}
spec:
  servers: [{port: {number: 8088, name: http-extra, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: ["*"]
  gateways: [edge, extra]
  http:
  - match: [{uri: {prefix: /gone}}]
    route: [{destination: {host: gone.internal}}]
  - directResponse: {status: 200, body: {string: changed}}
YAML
t_assert_eq "apply under valgrind" "$(api_code -X POST --data-binary \
	@"$T_DIR/change.yaml" "http://$T_ADMIN/apis/apply")" 200
t_assert_eq "the new route under valgrind" \
	"$(t_ns curl -s --max-time 20 "http://$T_GW_IP:8088/")" changed
sed 's/number: 8088/number: 0/' "$T_DIR/change.yaml" >"$T_DIR/bad.yaml"
t_assert_eq "a refused apply under valgrind" "$(api_code -X POST \
	--data-binary @"$T_DIR/bad.yaml" "http://$T_ADMIN/apis/apply")" 422
t_assert_eq "delete under valgrind" "$(api_code -X DELETE \
	"http://$T_ADMIN/apis/networking.istio.io/v1/namespaces/default/gateways/extra")" 200
t_assert_eq "a malformed body under valgrind" "$(api_code -X POST \
	--data-binary '{"items": [' "http://$T_ADMIN/apis/apply")" 400

kill -TERM "$GW_PID"
set +e
wait "$GW_PID"
rc=$?
set -e
GW_PID=""
t_assert_eq "exit status under valgrind" "$rc" 0
grep -q "mbuf pool: all [0-9]* mbufs returned" "$GW_LOG" ||
	t_fail "mbufs not all returned: $(grep 'mbuf pool' "$GW_LOG")"
if grep -q "==[0-9]*==" "$GW_LOG"; then
	t_fail "valgrind findings: $(grep '==[0-9]*==' "$GW_LOG" | head -30)"
fi
# the direct response, the refused upstream, HTTPS, MUTUAL, the new route
t_assert_ge "access log lines written under valgrind" \
	"$(wc -l <"$T_DIR/access.log")" 5
t_log "ok: no leaks, no memory errors, all mbufs returned"
