#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# hugepages: true without enough reserved hugepages is a clear error, and
# a missing token file or a busy admin port stop startup with a message.
source "$(dirname "$0")/lib.sh"

t_netns_create
t_config_write <<'EOF2'
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata:
  name: huge
spec:
  hugepages: true
  memoryMB: 65536
EOF2
set +e
nsenter --net="/run/netns/$T_NS" "$MESHGW" --config "$T_DIR/meshgw.yaml" >"$T_DIR/out" 2>&1
rc=$?
set -e
t_assert_eq "exit status" "$rc" 1
grep -q "hugepages: true, but only .* MB of hugepages are free" "$T_DIR/out" ||
	t_fail "unclear hugepage error: $(cat "$T_DIR/out")"

t_config_basic "  admin:
    tokenFile: @DIR@/no-such-token"
set +e
nsenter --net="/run/netns/$T_NS" "$MESHGW" --config "$T_DIR/meshgw.yaml" >"$T_DIR/out" 2>&1
rc=$?
set -e
t_assert_eq "missing token file" "$rc" 2
grep -q "no-such-token: No such file" "$T_DIR/out" || t_fail "$(cat "$T_DIR/out")"

# admin port already taken inside the namespace
nsenter --net="/run/netns/$T_NS" python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",15000)); s.listen(); time.sleep(30)' &
holder=$!
sleep 0.5
t_config_basic
set +e
timeout 20 nsenter --net="/run/netns/$T_NS" "$MESHGW" --config "$T_DIR/meshgw.yaml" >"$T_DIR/out" 2>&1
rc=$?
set -e
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
t_assert_eq "busy admin port" "$rc" 1
grep -q "admin API: cannot listen on 127.0.0.1:15000" "$T_DIR/out" ||
	t_fail "$(cat "$T_DIR/out")"
