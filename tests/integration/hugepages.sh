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

# With hugepages reserved, the same gateway runs on them and gives them
# back on exit. The reservation is this test's own and is restored.
hp_before=$(cat /proc/sys/vm/nr_hugepages)
hp_restore() { echo "$hp_before" >/proc/sys/vm/nr_hugepages; }
T_CLEANUP_HOOKS+=(hp_restore)
free_before=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
echo $((hp_before + 100)) >/proc/sys/vm/nr_hugepages
if [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -lt $((free_before + 100)) ]; then
	t_log "SKIP: cannot reserve 100 more 2 MB hugepages here"
	exit 0
fi
t_config_write <<'EOF2'
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata:
  name: huge
spec:
  hugepages: true
  memoryMB: 128
  idleSleepUs: 100
  ports:
  - name: eth0
    device: net_tap0,iface=mg0
    address: @GW_IP@/24
EOF2
t_gw_start
t_tap_up
t_wait_ready
t_ns ping -c 2 -i 0.2 -W 2 "$T_GW_IP" >/dev/null || t_fail "ping on hugepages"
in_use=$((free_before + 100 - $(awk '/HugePages_Free/ {print $2}' /proc/meminfo)))
t_assert_ge "hugepages in use while running" "$in_use" 32
kill -TERM "$GW_PID"
wait "$GW_PID" || t_fail "exit status on hugepages"
GW_PID=""
t_assert_eq "hugepages given back" \
	"$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" $((free_before + 100))
