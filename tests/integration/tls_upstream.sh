#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TLS toward upstreams, against nginx TLS backends on the kernel side.
# PASSTHROUGH: a TLS port routes by the ClientHello's SNI
# through VirtualService tls routes (an exact name to one backend, a
# wildcard split 50/50 between two); clients see the backends' own
# certificate (the gateway has none for those names); a 20 MB download
# through it matches its sha256; no SNI, an unknown SNI, bytes that are not
# TLS and a ClientHello that never completes are closed and counted, and a
# "*" route on another port takes a hello without SNI. Origination
# (DestinationRule tls): MUTUAL to an nginx that requires a client
# certificate (it sees ours and the SNI), sessions resumed on new upstream
# connections, 20 MB by sha256; a certificate not for the SNI and one
# without the listed subjectAltName get 503, and SIMPLE (no client
# certificate) gets nginx's 400.
source "$(dirname "$0")/lib.sh"

PKI="$T_DIR/pki"
python3 "$MESHGW_SRC/tests/integration/tlscerts.py" "$PKI"

T_WORKERS=2 t_netns_create
T_WORKERS=2 t_config_basic "  http: {requestHeadersTimeoutMs: 1500}"
cat >>"$T_DIR/meshgw.yaml" <<YAML
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: pass-a}
spec:
  hosts: [pass-a.internal]
  resolution: STATIC
  ports: [{number: 443, name: tls, protocol: TLS}]
  endpoints: [{address: $T_KERNEL_IP, ports: {tls: 9443}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: pass-b}
spec:
  hosts: [pass-b.internal]
  resolution: STATIC
  ports: [{number: 443, name: tls, protocol: TLS}]
  endpoints: [{address: $T_KERNEL_IP, ports: {tls: 9444}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  servers:
  - port: {number: 443, name: tls-pass, protocol: TLS}
    hosts: [pass.example.test, "*.pass.example.test"]
    tls: {mode: PASSTHROUGH}
  - port: {number: 8443, name: tls-any, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: PASSTHROUGH}
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: backend}
spec:
  hosts: [backend.internal, wrong.internal, simple.internal, sans.internal]
  resolution: STATIC
  ports: [{number: 443, name: https, protocol: HTTPS}]
  endpoints: [{address: $T_KERNEL_IP, ports: {https: 9445}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: backend}
spec:
  host: backend.internal
  trafficPolicy:
    connectionPool: {http: {maxRequestsPerConnection: 1}}
    tls:
      mode: MUTUAL
      clientCertificate: $PKI/client.crt
      privateKey: $PKI/client.key
      caCertificates: $PKI/ca.crt
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: wrong}
spec:
  host: wrong.internal
  trafficPolicy:
    tls:
      mode: MUTUAL
      clientCertificate: $PKI/client.crt
      privateKey: $PKI/client.key
      caCertificates: $PKI/ca.crt
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: simple}
spec:
  host: simple.internal
  trafficPolicy:
    tls: {mode: SIMPLE, caCertificates: $PKI/ca.crt, sni: backend.internal}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: sans}
spec:
  host: sans.internal
  trafficPolicy:
    tls:
      mode: MUTUAL
      clientCertificate: $PKI/client.crt
      privateKey: $PKI/client.key
      caCertificates: $PKI/ca.crt
      sni: backend.internal
      subjectAltNames: [other.internal]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: origin}
spec:
  hosts: ["*.origin.test"]
  gateways: [edge]
  http:
  - match: [{authority: {exact: wrong.origin.test}}]
    route: [{destination: {host: wrong.internal}}]
  - match: [{authority: {exact: simple.origin.test}}]
    route: [{destination: {host: simple.internal}}]
  - match: [{authority: {exact: sans.origin.test}}]
    route: [{destination: {host: sans.internal}}]
  - route: [{destination: {host: backend.internal}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: pass}
spec:
  hosts: [pass.example.test, "*.pass.example.test"]
  gateways: [edge]
  tls:
  - match: [{port: 443, sniHosts: [pass.example.test]}]
    route: [{destination: {host: pass-a.internal}}]
  - match: [{port: 443, sniHosts: ["*.pass.example.test"]}]
    route:
    - {destination: {host: pass-a.internal}, weight: 50}
    - {destination: {host: pass-b.internal}, weight: 50}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: any}
spec:
  hosts: ["*"]
  gateways: [edge]
  tls:
  - match: [{port: 8443, sniHosts: ["*"]}]
    route: [{destination: {host: pass-b.internal}}]
YAML
t_gw_start
t_tap_up
t_api /config_dump >"$T_DIR/dump.json"
python3 - "$T_DIR/dump.json" <<'PY' || t_fail "resources not applied"
import json, sys
d = json.load(open(sys.argv[1]))
bad = [(r["kind"], r["metadata"]["name"], r["status"])
       for r in d["resources"] if r["status"]["state"] != "applied"]
assert not bad, bad
PY

# nginx: two TLS servers with the passthrough names' certificate,
# answering "a" and "b", and a 20 MB file
mkdir -p "$T_DIR/www"
head -c 20000000 /dev/urandom >"$T_DIR/www/big.bin"
want=$(sha256sum "$T_DIR/www/big.bin" | cut -d' ' -f1)
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
    ssl_certificate $PKI/pass-ec.crt;
    ssl_certificate_key $PKI/pass-ec.key;
    server {
        listen $T_KERNEL_IP:9443 ssl;
        root $T_DIR/www;
        location = /who { return 200 "a\n"; }
    }
    server {
        listen $T_KERNEL_IP:9444 ssl;
        root $T_DIR/www;
        location = /who { return 200 "b\n"; }
    }
    # origination: a client certificate is required
    server {
        listen $T_KERNEL_IP:9445 ssl;
        ssl_certificate $PKI/backend-ec.crt;
        ssl_certificate_key $PKI/backend-ec.key;
        ssl_client_certificate $PKI/ca.crt;
        ssl_verify_client on;
        root $T_DIR/www;
        location = /who {
            return 200 "\$ssl_client_s_dn \$ssl_session_reused \$ssl_server_name\n";
        }
    }
}
EOC
# ip netns exec execs nginx: $! is the server, stopped by the hook
ip netns exec "$T_NS" nginx -c "$T_DIR/nginx.conf" -e "$T_DIR/nginx-error.log" &
T_BACKEND_PIDS+=($!)
for _ in $(seq 50); do
	t_ns curl -sk -o /dev/null "https://$T_KERNEL_IP:9443/who" && break
	sleep 0.1
done

GW=$T_GW_IP
tcurl() { # HOST PORT PATH [ARGS]
	local host=$1 port=$2 path=$3
	shift 3
	t_ns curl -sS --max-time 20 --cacert "$PKI/ca.crt" \
		--resolve "$host:$port:$GW" "$@" "https://$host:$port$path"
}
sclient() {
	t_ns timeout 10 openssl s_client -connect "$GW:$1" "${@:2}" \
		-CAfile "$PKI/ca.crt" </dev/null 2>&1 || true
}
px() { t_status "s[\"proxy\"][\"$1\"]"; }

t_log "PASSTHROUGH: the backend's certificate, routed by SNI"
t_assert_eq "exact SNI" "$(tcurl pass.example.test 443 /who)" a
out=$(sclient 443 -servername pass.example.test)
echo "$out" | grep -q 'subject=.*CN = pass.example.test' || t_fail "not the backend's certificate: $out"
echo "$out" | grep -q 'Verify return code: 0 (ok)' || t_fail "not verified: $out"
t_log "ok: the client verified the backend's own certificate"

t_log "weighted split of a wildcard route"
na=0 nb=0
for i in $(seq 40); do
	case $(tcurl "w$i.pass.example.test" 443 /who) in
	a) na=$((na + 1)) ;;
	b) nb=$((nb + 1)) ;;
	*) t_fail "request $i: no answer" ;;
	esac
done
t_log "50/50: a $na, b $nb"
t_assert_ge "to a" "$na" 8
t_assert_ge "to b" "$nb" 8

t_log "20 MB through the tunnel"
got=$(tcurl pass.example.test 443 /big.bin | sha256sum | cut -d' ' -f1)
t_assert_eq "sha256" "$got" "$want"

t_log "no route: closed without a handshake"
before=$(px passthrough_no_route)
out=$(sclient 443 -noservername)
echo "$out" | grep -q 'subject=' && t_fail "no SNI got a certificate: $out"
out=$(sclient 443 -servername other.test)
echo "$out" | grep -q 'subject=' && t_fail "unknown SNI got a certificate: $out"
t_assert_eq "no-route closes" "$(px passthrough_no_route)" $((before + 2))

t_log "'*' route: any SNI and none"
t_assert_eq "any SNI" "$(tcurl whatever.test 8443 /who -k)" b
out=$(sclient 8443 -noservername)
echo "$out" | grep -q 'subject=.*CN = pass.example.test' || t_fail "no SNI on '*': $out"

t_log "not TLS, and a hello that never completes"
before=$(px passthrough_bad_hello)
out=$(t_ns curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://$GW:443/" || true)
t_assert_eq "plain HTTP on the TLS port" "$out" 000
t_assert_eq "bad hello counted" "$(px passthrough_bad_hello)" $((before + 1))
t0=$(date +%s%N)
out=$(t_ns timeout 10 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 443))
s.sendall(bytes([0x16, 3, 1, 2, 0, 1]))
n = 0
while True:
    b = s.recv(4096)
    if not b:
        break
    n += len(b)
print(n)' "$GW")
t1=$(date +%s%N)
t_assert_eq "bytes back for half a hello" "$out" 0
ms=$(((t1 - t0) / 1000000))
[ "$ms" -ge 1000 ] && [ "$ms" -lt 9000 ] || t_fail "closed after $ms ms"
t_assert_eq "hello timeouts" "$(px passthrough_hello_timeout)" 1

t_log "origination: MUTUAL to nginx requiring a client certificate"
ocurl() { t_ns curl -sS --max-time 20 -H "Host: $1" "${@:3}" "http://$GW$2"; }
out=$(ocurl api.origin.test /who)
case $out in
"CN=client,O=meshgw test "?" backend.internal") ;;
*) t_fail "origination: $out" ;;
esac
t_log "ok: nginx saw the client certificate and SNI backend.internal"
# one request per upstream connection: the later handshakes resume
for i in $(seq 8); do
	ocurl api.origin.test /who >>"$T_DIR/reused.out"
done
t_assert_ge "resumed at nginx" "$(grep -c ' r backend.internal' "$T_DIR/reused.out")" 4
t_assert_ge "resumed at the gateway" "$(t_status 's["tls"]["upstream_resumed"]')" 4
got=$(ocurl api.origin.test /big.bin | sha256sum | cut -d' ' -f1)
t_assert_eq "20 MB over originated TLS" "$got" "$want"

t_log "origination failures: wrong name, unlisted SAN, no client certificate"
t_assert_eq "certificate not for the SNI" \
	"$(ocurl wrong.origin.test /who -o /dev/null -w '%{http_code}')" 503
t_assert_eq "subjectAltNames not matched" \
	"$(ocurl sans.origin.test /who -o /dev/null -w '%{http_code}')" 503
t_assert_ge "bad upstream certificates" "$(t_status 's["tls"]["upstream_bad_certificate"]')" 2
t_assert_eq "SIMPLE: nginx wants a client certificate" \
	"$(ocurl simple.origin.test /who -o /dev/null -w '%{http_code}')" 400

t_assert_ge "passthrough connections" "$(px passthrough_cx)" 44
t_sessions_drained
# Istio's TCP metrics for the tunnels: every one opened is closed, and the
# 20 MB download counts as bytes sent to the client
t_api /stats/prometheus | python3 -c '
import re, sys
v = {}
for line in sys.stdin:
    m = re.match(r"(istio_tcp_\w+)\{.*destination_service=\"pass-a.internal\".*\} (\d+)$", line)
    if m:
        v[m.group(1)] = v.get(m.group(1), 0) + int(m.group(2))
print(v)
assert v["istio_tcp_connections_opened_total"] >= 3, v
assert v["istio_tcp_connections_opened_total"] == v["istio_tcp_connections_closed_total"], v
assert v["istio_tcp_sent_bytes_total"] >= 20 * 1000 * 1000, v
assert v["istio_tcp_received_bytes_total"] > 0, v
' || t_fail "Istio TCP metrics"
t_log "ok: Istio TCP metrics of the passthrough tunnels"
t_gw_stop
