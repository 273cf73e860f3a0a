#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A peer that stops reading for 30 s: its window closes, meshgw keeps
# probing it (persist), and when it reads again the transfer completes
# with every byte right.
source "$(dirname "$0")/lib.sh"

t_netns_create
t_config_basic "  testListeners:
  - {port: 19, mode: source, bytes: 4194304}"
t_gw_start
t_tap_up
t_ns python3 "$MESHGW_SRC/tests/integration/tcpclient.py" "$T_GW_IP" source 4194304 \
	--pause 30 --rcvbuf 32768 --timeout 60 ||
	t_fail "transfer after 30 s of zero window"
t_assert_ge "window probes (RTO-driven persist)" "$(t_status 's["tcp"]["rto_timeouts"]')" 3
t_assert_eq "resets" "$(t_status 's["tcp"]["rst_tx"] + s["tcp"]["rst_rx"]')" 0
