#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# 10,000 concurrent connections: all open at once (the gauge shows them),
# each used (a distinct message echoed back), all closed; afterwards the
# active-connection gauge is back to 0. Two workers.
source "$(dirname "$0")/lib.sh"

N=10000
t_netns_create
T_WORKERS=2 T_MEMORY=512 t_config_basic "  testListeners:
  - {port: 7, mode: echo}"
t_gw_start
t_tap_up
ulimit -n $((N + 1024))
nsenter --net="/run/netns/$T_NS" python3 "$MESHGW_SRC/tests/integration/tcpmany.py" \
	"$T_GW_IP" 7 $N "$T_DIR/all-up" --hold 3 --timeout 90 >"$T_DIR/many.out" 2>&1 &
client=$!
for _ in $(seq 600); do
	[ -f "$T_DIR/all-up" ] && break
	kill -0 "$client" 2>/dev/null || break
	sleep 0.1
done
[ -f "$T_DIR/all-up" ] || t_fail "connections did not all come up: $(cat "$T_DIR/many.out")"
# the client is up once it has each SYN-ACK; meshgw counts a connection
# once the client's ACK is in, which a loaded machine may hold back a
# moment (the client holds them all 3 s)
for _ in $(seq 25); do
	[ "$(t_status 's["tcp"]["active_conns"]')" = $N ] && break
	sleep 0.1
done
t_assert_eq "connections open at once" "$(t_status 's["tcp"]["active_conns"]')" $N
set +e
wait "$client"
rc=$?
set -e
t_assert_eq "every connection echoed" "$rc:$(tail -1 "$T_DIR/many.out")" "0:echoed $N of $N"
for _ in $(seq 100); do
	[ "$(t_status 's["tcp"]["active_conns"]')" = 0 ] && break
	sleep 0.1
done
t_assert_eq "connections left" "$(t_status 's["tcp"]["active_conns"]')" 0
t_assert_eq "passive opens" "$(t_status 's["tcp"]["passive_opens"]')" $N
