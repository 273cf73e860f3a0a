#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A SYN flood past the listener's backlog (spoofed sources that never
# answer) does not keep a legitimate client out: once the backlog is full,
# meshgw answers SYNs with cookies and keeps no state, and the client's
# ACK opens its connection.
source "$(dirname "$0")/lib.sh"

t_netns_create
t_config_basic "  tcp:
    synBacklog: 16
  testListeners:
  - {port: 7, mode: echo}"
t_gw_start
t_tap_up
gw_mac=$(t_gw_mac)
for i in $(seq 100 103); do
	t_pkt mg0 tcp-syn --dst-mac "$gw_mac" --src "$T_NET.$i" --dst "$T_GW_IP" \
		--dport 7 --sport 10000 --count 100
done
sleep 0.3
t_assert_ge "SYN cookies sent" "$(t_status 's["tcp"]["syncookies_sent"]')" 300
t_assert_eq "half-open connections kept (the backlog)" \
	"$(t_status 's["tcp"]["active_conns"]')" 16

t_ns python3 "$MESHGW_SRC/tests/integration/tcpclient.py" "$T_GW_IP" echo 1048576 ||
	t_fail "legitimate client during the flood"
t_assert_ge "connections opened by a cookie" "$(t_status 's["tcp"]["syncookies_valid"]')" 1
