#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Two workers, two TAP queues: whatever queue the kernel picks, ARP and
# echo work, and a neighbour learnt by one worker reaches the other.
source "$(dirname "$0")/lib.sh"

T_WORKERS=2 t_start_basic
gw_mac=$(t_gw_mac)
t_assert_eq "workers" "$(t_status 'len(s["workers"])')" 2

# The gateway must resolve the kernel side itself (static entry here).
t_ns ip neigh replace "$T_GW_IP" lladdr "$gw_mac" dev mg0 nud permanent
t_ns ping -c 20 -i 0.05 -W 3 "$T_GW_IP" >"$T_DIR/ping.out" ||
	t_fail "ping with two workers: $(tail -3 "$T_DIR/ping.out")"
# a second flow (other ICMP id) may land on the other queue
t_ns ping -c 20 -i 0.05 -W 3 "$T_GW_IP" >/dev/null || t_fail "second ping"
t_assert_eq "echo replies" "$(t_status 's["ports"][0]["icmp_echo_tx"]')" 40

# every worker knows the kernel side, though one heard its ARP reply
t_assert_eq "neighbour on both workers" \
	"$(t_status 'sorted(n["worker"] for n in s["neighbours"] if n["ip"] == "'"$T_KERNEL_IP"'" and n["state"] == "reachable")')" \
	"[0, 1]"
t_assert_eq "nbr_sync_lost" "$(t_status 's["ports"][0]["nbr_sync_lost"]')" 0
t_assert_eq "drops" "$(t_status 's["drops"]["total"]')" 0
t_assert_eq "rss (TAP has none)" "$(t_status 's["ports"][0]["offloads"]["rss_steered"]')" False
# TCP is steered to the worker that owns each flow: the kernel spreads
# 64 flows over both TAP queues, so some arrive at the wrong worker and
# are handed over; every SYN (no listener on 80) ends on its owner.
t_pkt mg0 tcp-syn --dst-mac "$gw_mac" --src "$T_KERNEL_IP" --dst "$T_GW_IP" \
	--sport 41000 --count 64
sleep 0.3
t_assert_ge "flow_redirect_tx" "$(t_status 's["ports"][0]["flow_redirect_tx"]')" 1
t_assert_eq "redirects received" "$(t_status 's["ports"][0]["flow_redirect_rx"]')" \
	"$(t_status 's["ports"][0]["flow_redirect_tx"]')"
t_assert_eq "segments ended on their owner" \
	"$(t_status 's["drops"]["by_reason"]["tcp_no_conn"]')" 64
t_assert_ge "rcu grace periods" "$(t_status 's["rcu"]["grace_periods"]')" 1
