#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A broken configuration exits 2 and names file:line:column; a valid one
# passes --check-config; the shipped conf/ is valid.
source "$(dirname "$0")/lib.sh"

"$MESHGW" --check-config "$MESHGW_SRC/conf" >"$T_DIR/out" 2>&1 ||
	t_fail "conf/ is invalid: $(cat "$T_DIR/out")"
t_log "ok: conf/ is valid"

t_config_write "$T_DIR/bad.yaml" <<'EOF2'
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata:
  name: broken
spec:
  workers: 2
  ports:
  - name: eth0
    device: net_tap0,iface=mgbad
    address: 198.18.0.2/24
    mtu: 70000
EOF2
set +e
"$MESHGW" --config "$T_DIR/bad.yaml" >"$T_DIR/out" 2>&1
rc=$?
set -e
t_assert_eq "exit status for a broken config" "$rc" 2
grep -q "$T_DIR/bad.yaml:11:10: .*mtu" "$T_DIR/out" ||
	t_fail "error does not name bad.yaml:11:10 and mtu: $(cat "$T_DIR/out")"
t_log "ok: $(head -1 "$T_DIR/out")"

set +e
"$MESHGW" --check-config "$T_DIR/bad.yaml" >/dev/null 2>&1
rc=$?
"$MESHGW" --check-config "$T_DIR/does-not-exist.yaml" >"$T_DIR/out" 2>&1
rc2=$?
"$MESHGW" --bogus-flag >/dev/null 2>&1
rc3=$?
set -e
t_assert_eq "--check-config on a broken config" "$rc" 2
t_assert_eq "--check-config on a missing file" "$rc2" 2
grep -q "does-not-exist.yaml" "$T_DIR/out" || t_fail "missing file not named"
t_assert_eq "unknown flag" "$rc3" 2

# YAML syntax error
printf 'apiVersion: meshgw.io/v1alpha1\nkind: Dataplane\nmetadata: {name: x\n' \
	>"$T_DIR/syntax.yaml"
set +e
"$MESHGW" --config "$T_DIR/syntax.yaml" >"$T_DIR/out" 2>&1
rc=$?
set -e
t_assert_eq "exit status for a YAML syntax error" "$rc" 2
grep -q "syntax.yaml:[0-9]*:[0-9]*:" "$T_DIR/out" ||
	t_fail "syntax error without position: $(cat "$T_DIR/out")"
# nothing was started
[ -z "$(ls /var/run/dpdk 2>/dev/null | grep "meshgw-" || true)" ] ||
	t_log "note: other meshgw runtime folders exist (parallel tests)"
