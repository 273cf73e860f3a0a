#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# testssl.sh (Debian's) against an HTTPS listener with an ECDSA and an RSA
# certificate from the test CA: no finding rated HIGH or CRITICAL
# (protocols, suites, vulnerabilities, certificates), SSLv2 to TLS 1.1 not
# offered, TLS 1.2 and 1.3 offered, and the gateway still serving after
# the scan's malformed and aborted handshakes. The report is kept as a test
# artifact (testssl.json in the build's meson-logs folder when run by
# meson, else in the temp folder, which is removed).
source "$(dirname "$0")/lib.sh"

command -v testssl >/dev/null || t_fail "testssl (Debian package testssl.sh) is not installed"
PKI="$T_DIR/pki"
python3 "$MESHGW_SRC/tests/integration/tlscerts.py" "$PKI"
t_netns_create
t_config_basic
cat >>"$T_DIR/meshgw.yaml" <<YAML
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.example.test]
    tls:
      mode: SIMPLE
      tlsCertificates:
      - {serverCertificate: $PKI/shop-ec.crt, privateKey: $PKI/shop-ec.key}
      - {serverCertificate: $PKI/shop-rsa.crt, privateKey: $PKI/shop-rsa.key}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop}
spec:
  hosts: [shop.example.test]
  gateways: [edge]
  http:
  - directResponse: {status: 200, body: {string: ok}}
YAML
t_gw_start
t_tap_up

report="$T_DIR/testssl.json"
t_log "testssl.sh (about a minute)"
# --ip: the name resolves nowhere else; --add-ca: the test CA is trusted;
# testssl exits with the number of findings it judged, not a failure
t_ns timeout 600 testssl --quiet --color 0 --warnings off --sneaky \
	--add-ca "$PKI/ca.crt" --ip "$T_GW_IP" --jsonfile-pretty "$report" \
	"https://shop.example.test/" >"$T_DIR/testssl.txt" 2>&1 || true
[ -s "$report" ] || t_fail "no report: $(tail -20 "$T_DIR/testssl.txt")"
if [ -n "${MESON_BUILD_ROOT:-}" ] && [ -d "${MESON_BUILD_ROOT}/meson-logs" ]; then
	cp "$report" "$MESON_BUILD_ROOT/meson-logs/testssl.json"
fi
python3 - "$report" <<'PY' || t_fail "testssl findings (report above)"
import collections, json, sys
doc = json.load(open(sys.argv[1]))
scan = doc["scanResult"][0]
found = {}
sev = collections.Counter()
bad = []
for section, items in scan.items():
    if not isinstance(items, list):
        continue
    for it in items:
        if not isinstance(it, dict) or "severity" not in it:
            continue
        sev[it["severity"]] += 1
        found[it["id"]] = it["finding"]
        if it["severity"] in ("HIGH", "CRITICAL"):
            bad.append("%s %s: %s" % (it["severity"], it["id"], it["finding"]))
print("testssl severities:", dict(sev), file=sys.stderr)
for b in bad:
    print("  " + b, file=sys.stderr)
for proto in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
    if not found.get(proto, "").startswith("not offered"):
        bad.append("%s: %s" % (proto, found.get(proto)))
for proto in ("TLS1_2", "TLS1_3"):
    if not found.get(proto, "").startswith("offered"):
        bad.append("%s: %s" % (proto, found.get(proto)))
if scan.get("protocols") is None and not found:
    bad.append("empty report")
sys.exit(1 if bad else 0)
PY
t_log "ok: no HIGH or CRITICAL finding; only TLS 1.2 and 1.3 offered"
t_assert_eq "still serving after the scan" "$(t_ns curl -s --max-time 10 \
	--cacert "$PKI/ca.crt" --resolve "shop.example.test:443:$T_GW_IP" \
	https://shop.example.test/)" ok
t_gw_stop
