#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Active open: meshgw connects to a Linux listener from its workers'
# ephemeral port slices (two workers), sends a checked pattern and closes;
# a port nobody listens on is refused (RST) and counted as a failed attempt.
source "$(dirname "$0")/lib.sh"

t_netns_create
T_WORKERS=2 t_config_basic "  testClients:
  - {address: @KERNEL_IP@, port: 5001, bytes: 4194304, connections: 8}
  - {address: @KERNEL_IP@, port: 5002, bytes: 10, connections: 2}"
# the listener first; meshgw's SYNs wait for ARP and retry until it is up
nsenter --net="/run/netns/$T_NS" python3 "$MESHGW_SRC/tests/integration/tcpserver.py" \
	0.0.0.0 5001 8 4194304 >"$T_DIR/server.out" 2>&1 &
server=$!
srv_stop() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
T_CLEANUP_HOOKS+=(srv_stop)
t_gw_start
t_tap_up
set +e
wait "$server"
rc=$?
set -e
server=""
t_assert_eq "Linux listener got 8 correct streams" "$rc:$(tail -1 "$T_DIR/server.out")" "0:8 ok of 8"
t_assert_eq "active opens" "$(t_status 's["tcp"]["active_opens"]')" 10
for _ in $(seq 50); do
	[ "$(t_status 's["tcp"]["attempt_fails"]')" = 2 ] && break
	sleep 0.1
done
t_assert_eq "refused attempts" "$(t_status 's["tcp"]["attempt_fails"]')" 2
