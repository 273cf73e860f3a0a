#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TLS termination with real clients (curl, openssl s_client, python's ssl)
# against a two-worker gateway: SNI picking exact, wildcard and default
# servers; ECDSA and RSA certificates side by side; ALPN; version and
# cipher limits; OCSP stapling; session resumption by ticket (TLS 1.2 and
# 1.3); MUTUAL with a good, a rogue, a SAN-mismatched and no client
# certificate, and x-forwarded-client-cert; OPTIONAL_MUTUAL; httpsRedirect; a 100 MB
# download and a 20 MB upload over TLS checked by sha256; plain HTTP and
# garbage on the TLS port; refused applies (mismatched key, expired
# certificate, missing file) that change nothing; and certificate files
# replaced on disk while a connection stays open on the old ones.
source "$(dirname "$0")/lib.sh"

PKI="$T_DIR/pki"
python3 "$MESHGW_SRC/tests/integration/tlscerts.py" "$PKI"
# the credential that gets rotated starts as a copy of shop-cred
cp -r "$PKI/cred/shop-cred" "$PKI/cred/rot-cred"

T_WORKERS=2 t_netns_create
T_WORKERS=2 t_config_basic "  tls: {credentialsDir: $PKI/cred}
  admin: {tokenFile: $T_DIR/token}"
echo "s3cret" >"$T_DIR/token"
AUTH=(-H "Authorization: Bearer s3cret")
t_yaml_service shop shop.internal 8081 >>"$T_DIR/meshgw.yaml"
cat >>"$T_DIR/meshgw.yaml" <<YAML
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  servers:
  - port: {number: 443, name: https-shop, protocol: HTTPS}
    hosts: [shop.example.test]
    tls:
      mode: SIMPLE
      tlsCertificates:
      - {serverCertificate: $PKI/shop-ec.crt, privateKey: $PKI/shop-ec.key}
      - {serverCertificate: $PKI/shop-rsa.crt, privateKey: $PKI/shop-rsa.key}
  - port: {number: 443, name: https-wild, protocol: HTTPS}
    hosts: ["*.example.test"]
    tls: {mode: SIMPLE, serverCertificate: $PKI/wild-ec.crt, privateKey: $PKI/wild-ec.key}
  - port: {number: 443, name: https-mtls, protocol: HTTPS}
    hosts: [mtls.example.test]
    tls:
      mode: MUTUAL
      credentialName: mtls-cred
      subjectAltNames: ["spiffe://cluster.local/ns/shop/sa/buyer"]
  - port: {number: 8443, name: https-opt, protocol: HTTPS}
    hosts: [shop.example.test]
    tls:
      mode: OPTIONAL_MUTUAL
      serverCertificate: $PKI/shop-ec.crt
      privateKey: $PKI/shop-ec.key
      caCertificates: $PKI/ca.crt
      minProtocolVersion: TLSV1_3
  - port: {number: 9443, name: https-old, protocol: HTTPS}
    hosts: ["*"]
    tls:
      mode: SIMPLE
      serverCertificate: $PKI/default-ec.crt
      privateKey: $PKI/default-ec.key
      maxProtocolVersion: TLSV1_2
      cipherSuites: [ECDHE-ECDSA-AES128-GCM-SHA256]
  - port: {number: 10443, name: https-rot, protocol: HTTPS}
    hosts: [rot.example.test]
    tls: {mode: SIMPLE, credentialName: rot-cred}
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
    tls: {httpsRedirect: true}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop}
spec:
  hosts: ["*"]
  gateways: [edge]
  http:
  - route: [{destination: {host: shop.internal}}]
YAML
t_gw_start
t_tap_up
t_wait_ready "${AUTH[@]}"
t_backend_start 8081 v1
st() { t_status "$1" "${AUTH[@]}"; }

GW=$T_GW_IP
# curl HOST PORT PATH [ARGS]: a name on a port of the gateway
tcurl() {
	local host=$1 port=$2 path=$3
	shift 3
	t_ns curl -sS --max-time 20 --cacert "$PKI/ca.crt" \
		--resolve "$host:$port:$GW" "$@" "https://$host:$port$path"
}
# the subject, signature type, ALPN, protocol and verification s_client saw
sclient() {
	t_ns timeout 10 openssl s_client -connect "$GW:$1" "${@:2}" \
		-CAfile "$PKI/ca.crt" </dev/null 2>&1 || true
}

t_log "httpsRedirect"
out=$(t_ns curl -s --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' \
	-H 'Host: shop.example.test:80' "http://$GW/x?y=1")
t_assert_eq "redirect" "$out" "301 https://shop.example.test/x?y=1"

t_log "termination: forwarded headers, client certificate header sanitised"
out=$(tcurl shop.example.test 443 /hello -H 'x-forwarded-client-cert: forged')
python3 - "$out" <<'PY'
import json, sys
h = json.loads(sys.argv[1])["headers"]
assert h["x-forwarded-proto"] == "https", h
assert "x-forwarded-client-cert" not in h, h
PY
t_log "ok: x-forwarded-proto https, forged XFCC removed"

t_log "SNI: exact, wildcard, default"
# the CN of the certificate a handshake got
cn() { sclient "$@" | sed -n 's/^subject=.*CN = //p'; }
t_assert_eq "exact SNI" "$(cn 443 -servername shop.example.test)" shop.example.test
t_assert_eq "wildcard SNI" "$(cn 443 -servername api.example.test)" "*.example.test"
t_assert_eq "no SNI: the port's first server" "$(cn 443 -noservername)" shop.example.test
t_assert_eq "unknown SNI: the port's first server" "$(cn 443 -servername other.test)" shop.example.test
t_assert_eq "'*' host" "$(cn 9443 -servername whatever.test)" default.test
t_assert_eq "another server's host over this server's handshake" \
	"$(tcurl shop.example.test 443 /x -H 'Host: api.example.test' -o /dev/null -w '%{http_code}')" 404
t_assert_eq "its own host" \
	"$(tcurl api.example.test 443 /x -o /dev/null -w '%{http_code}')" 200

t_log "ECDSA and RSA side by side"
out=$(sclient 443 -servername shop.example.test -sigalgs ECDSA+SHA256)
echo "$out" | grep -q 'Peer signature type: ECDSA' || t_fail "no ECDSA: $out"
out=$(sclient 443 -servername shop.example.test -sigalgs RSA-PSS+SHA256)
echo "$out" | grep -q 'public key is 2048 bit' || t_fail "no RSA: $out"
out=$(sclient 443 -servername shop.example.test -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)
echo "$out" | grep -q 'Cipher is ECDHE-RSA-AES128-GCM-SHA256' || t_fail "no RSA suite: $out"
t_log "ok: ECDSA, RSA-PSS and an RSA TLS 1.2 suite from one server"

t_log "OCSP stapling"
out=$(sclient 443 -servername shop.example.test -status -sigalgs ECDSA+SHA256)
echo "$out" | grep -q 'OCSP Response Status: successful' || t_fail "no staple: $out"
echo "$out" | grep -q 'Cert Status: good' || t_fail "staple: $out"
out=$(sclient 443 -servername shop.example.test -status -sigalgs RSA-PSS+SHA256)
echo "$out" | grep -q 'OCSP response: no response sent' ||
	t_fail "a staple for the RSA certificate, which has none: $out"
t_log "ok: the ECDSA certificate's response stapled, none for the RSA one"

t_log "ALPN"
sclient 443 -servername shop.example.test -alpn h2,http/1.1 | grep -q 'ALPN protocol: http/1.1' ||
	t_fail "http/1.1 not agreed"
sclient 443 -servername shop.example.test -alpn h2 | grep -q 'No ALPN negotiated' ||
	t_fail "h2 alone must agree nothing"
t_log "ok: http/1.1 picked, h2 alone gets none"

t_log "versions and suites"
sclient 443 -servername shop.example.test -tls1_2 | grep -q 'New, TLSv1.2' ||
	t_fail "TLS 1.2 refused"
sclient 443 -servername shop.example.test -tls1_3 | grep -q 'New, TLSv1.3' ||
	t_fail "TLS 1.3 refused"
sclient 8443 -servername shop.example.test -tls1_2 | grep -q 'Cipher is (NONE)' ||
	t_fail "TLS 1.2 accepted above minProtocolVersion TLSV1_3"
sclient 9443 -tls1_3 | grep -q 'Cipher is (NONE)' ||
	t_fail "TLS 1.3 accepted under maxProtocolVersion TLSV1_2"
sclient 9443 -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384 | grep -q 'Cipher is (NONE)' ||
	t_fail "a suite outside cipherSuites accepted"
sclient 9443 -tls1_2 | grep -q 'Cipher is ECDHE-ECDSA-AES128-GCM-SHA256' ||
	t_fail "the configured suite was not used"
t_log "ok: min/max versions and cipherSuites enforced"

t_log "resumption by session ticket, shared by both workers"
for v in -tls1_2 -tls1_3; do
	rm -f "$T_DIR/sess"
	# stdin open a moment: a TLS 1.3 ticket comes after the handshake
	sleep 0.5 | t_ns timeout 10 openssl s_client -connect "$GW:443" \
		-servername shop.example.test $v -sess_out "$T_DIR/sess" \
		-CAfile "$PKI/ca.crt" >/dev/null 2>&1 || true
	reused=0
	for _ in 1 2 3 4; do
		sclient 443 -servername shop.example.test $v -sess_in "$T_DIR/sess" |
			grep -q '^Reused' && reused=$((reused + 1))
	done
	t_assert_eq "resumed $v (4 new connections)" "$reused" 4
done
t_assert_ge "resumed handshakes counted" "$(st 's["tls"]["resumed"]')" 8

t_log "MUTUAL"
out=$(tcurl mtls.example.test 443 /who --cert "$PKI/client.crt" --key "$PKI/client.key")
python3 - "$out" <<'PY'
import json, sys
x = json.loads(sys.argv[1])["headers"]["x-forwarded-client-cert"]
assert x.startswith("Hash=") and len(x.split(";")[0]) == 5 + 64, x
assert 'Subject="CN=client,O=meshgw test"' in x, x
assert "URI=spiffe://cluster.local/ns/shop/sa/buyer" in x, x
PY
t_log "ok: client certificate accepted, XFCC carries Hash, Subject and URI"
for c in none rogue client2; do
	if [ $c = none ]; then args=(); else args=(--cert "$PKI/$c.crt" --key "$PKI/$c.key"); fi
	if tcurl mtls.example.test 443 /who "${args[@]}" -o /dev/null 2>/dev/null; then
		t_fail "MUTUAL accepted client certificate '$c'"
	fi
done
t_assert_ge "no certificate counted" "$(st 's["tls"]["no_certificate"]')" 1
t_assert_ge "bad certificates counted" "$(st 's["tls"]["bad_certificate"]')" 2
t_log "ok: no, rogue and SAN-mismatched client certificates refused"

t_log "OPTIONAL_MUTUAL"
out=$(tcurl shop.example.test 8443 /opt)
echo "$out" | grep -q x-forwarded-client-cert && t_fail "XFCC without a certificate"
out=$(tcurl shop.example.test 8443 /opt --cert "$PKI/client2.crt" --key "$PKI/client2.key")
echo "$out" | grep -q 'URI=spiffe://cluster.local/ns/other/sa/x' || t_fail "no XFCC: $out"
t_log "ok: without and with a client certificate"

t_log "bulk: 100 MB down, 20 MB up"
want=$(t_ns curl -s "http://$T_KERNEL_IP:8081/bytes/100000000" | sha256sum)
got=$(tcurl shop.example.test 443 /bytes/100000000 | sha256sum)
t_assert_eq "100 MB download over TLS" "$got" "$want"
head -c 20000000 /dev/urandom >"$T_DIR/up.bin"
want=$(sha256sum "$T_DIR/up.bin" | cut -d' ' -f1)
out=$(tcurl shop.example.test 443 /sha256 -X POST -T "$T_DIR/up.bin")
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["length"] == 20000000 and d["sha256"] == sys.argv[2], d' \
	"$out" "$want" || t_fail "upload: $out"
t_log "ok: 20 MB upload over TLS"

t_log "not TLS on a TLS port"
bad0=$(st 's["tls"]["bad_hello"]')
t_ns curl -s --max-time 5 "http://$GW:443/" -o /dev/null && t_fail "plain HTTP answered"
t_ns python3 - "$GW" <<'PY' || t_fail "garbage: the gateway did not close"
import socket, sys
s = socket.create_connection((sys.argv[1], 443), timeout=5)
s.sendall(b"\x16\x03\x01\x00\x05garbage")
assert s.recv(100) == b""   # closed without an answer
PY
t_assert_ge "bad ClientHellos counted" "$(st 's["tls"]["bad_hello"]')" $((bad0 + 2))
tcurl shop.example.test 443 /still -o /dev/null || t_fail "gateway hurt by bad input"

t_log "refused applies change nothing"
put_gw() { # NAME CERT KEY: an apply of a one-server Gateway
	python3 - "$1" "$2" "$3" <<'PY' >"$T_DIR/gw.json"
import json, sys
print(json.dumps([{"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
  "metadata": {"name": sys.argv[1], "namespace": "default"},
  "spec": {"servers": [{"port": {"number": 11443, "name": "x", "protocol": "HTTPS"},
    "hosts": ["x.example.test"],
    "tls": {"mode": "SIMPLE", "serverCertificate": sys.argv[2], "privateKey": sys.argv[3]}}]}}]))
PY
	t_api_raw -o "$T_DIR/apply.out" -w '%{http_code}' "${AUTH[@]}" -X POST \
		-H 'Content-Type: application/json' --data-binary @"$T_DIR/gw.json" \
		"http://$T_ADMIN/apis/apply"
}
v0=$(st 's["config"]["version"]')
for bad in "mismatch.crt mismatch.key does not match" \
	"expired.crt expired.key expired on" \
	"missing.crt shop-ec.key cannot read"; do
	set -- $bad
	code=$(put_gw bad "$PKI/$1" "$PKI/$2")
	t_assert_eq "apply with $1: status" "$code" 422
	grep -q "$3" "$T_DIR/apply.out" || t_fail "apply $1: $(cat "$T_DIR/apply.out")"
	grep -q '"/spec/servers/0/tls/serverCertificate"' "$T_DIR/apply.out" ||
		t_fail "apply $1: no field: $(cat "$T_DIR/apply.out")"
done
t_assert_eq "config version after refused applies" "$(st 's["config"]["version"]')" "$v0"
t_ns curl -s --max-time 2 "http://$GW:11443/" -o /dev/null && t_fail "port 11443 open"
code=$(put_gw good "$PKI/wild-ec.crt" "$PKI/wild-ec.key")
t_assert_eq "good apply" "$code" 200
# the handshake works; no VirtualService binds the new Gateway: 404
t_assert_eq "new HTTPS port serves" \
	"$(tcurl x.example.test 11443 /new -o /dev/null -w '%{http_code}')" 404

t_log "certificate files replaced on disk"
# a connection opened before the change keeps working after it
ip netns exec "$T_NS" python3 - "$GW" "$PKI/ca.crt" "$T_DIR/go" >"$T_DIR/held.out" 2>&1 <<'PY' &
import os, socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.check_hostname = False  # the rotated credential is another name's
s = ctx.wrap_socket(socket.create_connection((sys.argv[1], 10443)),
                    server_hostname="rot.example.test")
def get():
    s.sendall(b"GET /held HTTP/1.1\r\nHost: rot.example.test\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    n = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
    while len(body) < n:
        body += s.recv(65536)
    return head.split(b"\r\n")[0].decode()
print("first", get(), s.getpeercert()["subject"], flush=True)
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
print("second", get(), flush=True)
PY
HELD=$!
for _ in $(seq 50); do grep -q first "$T_DIR/held.out" && break; sleep 0.1; done
grep -q "first HTTP/1.1 200" "$T_DIR/held.out" || t_fail "held connection: $(cat "$T_DIR/held.out")"
t_assert_eq "rotated server before" "$(cn 10443 -servername rot.example.test)" shop.example.test
# a key that does not match first: refused, the old files keep serving
cp "$PKI/wild-ec.crt" "$PKI/cred/rot-cred/tls.crt.new"
mv "$PKI/cred/rot-cred/tls.crt.new" "$PKI/cred/rot-cred/tls.crt"
for _ in $(seq 60); do
	[ "$(st 's["config"]["cert_reloads_refused"]')" -ge 1 ] && break
	sleep 0.1
done
t_assert_ge "mismatched files refused" "$(st 's["config"]["cert_reloads_refused"]')" 1
t_assert_eq "refused files not used" "$(cn 10443 -servername rot.example.test)" shop.example.test
# then the matching key: taken
cp "$PKI/wild-ec.key" "$PKI/cred/rot-cred/tls.key.new"
mv "$PKI/cred/rot-cred/tls.key.new" "$PKI/cred/rot-cred/tls.key"
for _ in $(seq 60); do
	[ "$(st 's["config"]["cert_reloads"]')" -ge 1 ] && break
	sleep 0.1
done
t_assert_ge "certificate reloads" "$(st 's["config"]["cert_reloads"]')" 1
t_assert_eq "new files used" "$(cn 10443 -servername rot.example.test)" "*.example.test"
touch "$T_DIR/go"
wait "$HELD" || t_fail "held connection failed: $(cat "$T_DIR/held.out")"
grep -q "second HTTP/1.1 200" "$T_DIR/held.out" || t_fail "held: $(cat "$T_DIR/held.out")"
t_log "ok: new handshakes get the new certificate, the open connection goes on"

t_status 's["tls"]' "${AUTH[@]}" >&2
for _ in $(seq 50); do
	[ "$(st 's["tls"]["active"]')" = 0 ] && break
	sleep 0.1
done
t_assert_eq "TLS connections left" "$(st 's["tls"]["active"]')" 0
t_gw_stop
