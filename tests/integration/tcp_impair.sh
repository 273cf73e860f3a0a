#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# meshgw's TCP on a bad network: its port drops 2 %, reorders 5 %,
# duplicates 1 % and delays 5 ms, both ways (the impairment stage; the
# kernel here has no netem). Data still arrives intact, every transfer
# completes, and the connections close.
source "$(dirname "$0")/lib.sh"

client() { t_ns python3 "$MESHGW_SRC/tests/integration/tcpclient.py" "$T_GW_IP" "$@" --timeout 60; }

t_netns_create
t_config_basic "    impairment:
      seed: 11
      rx: {dropPercent: 2, reorderPercent: 5, duplicatePercent: 1, delayMs: 5}
      tx: {dropPercent: 2, reorderPercent: 5, duplicatePercent: 1, delayMs: 5}
  testListeners:
  - {port: 7, mode: echo}
  - {port: 9, mode: discard}
  - {port: 19, mode: source, bytes: 8388608}"
t_gw_start
t_tap_up
t_wait_ready

# 256 MB each way: at 2 % loss and ~11 ms RTT a Reno/CUBIC flow is
# bounded near 1 MB/s (Mathis et al.), so this takes minutes
client echo 268435456 || t_fail "256 MB echo"
client source 8388608 || t_fail "8 MB source"
client discard 4194304 || t_fail "4 MB discard"
client echo 200000 --conns 20 || t_fail "20 parallel echoes"

t_assert_ge "impaired drops" "$(t_status 's["drops"]["by_reason"]["impair_drop"]')" 100
t_assert_ge "impaired reorders" "$(t_status 's["ports"][0]["impair_reorder"]')" 100
t_assert_ge "impaired duplicates" "$(t_status 's["ports"][0]["impair_dup"]')" 10
t_assert_ge "retransmitted segments" "$(t_status 's["tcp"]["retrans_segs"]')" 50
t_assert_ge "out-of-order segments kept" "$(t_status 's["tcp"]["ooo_segs"]')" 50
# no established connection was reset (a peer may still answer a late
# duplicate for a connection it already closed with a RST)
t_assert_eq "established connections reset" "$(t_status 's["tcp"]["estab_resets"]')" 0
# lost FINs and ACKs are retransmitted until every connection is closed
# (the source's tuple waits in the TIME-WAIT table)
for _ in $(seq 150); do
	[ "$(t_status 's["tcp"]["active_conns"]')" = 0 ] && break
	sleep 0.1
done
t_assert_eq "connections left" "$(t_status 's["tcp"]["active_conns"]')" 0
t_assert_eq "in TIME-WAIT" "$(t_status 's["tcp"]["time_wait"]')" 1
