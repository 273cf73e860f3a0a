#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ARP for the gateway's address is answered with the port's MAC; the
# sender is learnt; ARP for another address is not answered.
source "$(dirname "$0")/lib.sh"

t_start_basic
gw_mac=$(t_gw_mac | tr 'A-F' 'a-f')

t_ns arping -c 3 -w 5 -I mg0 "$T_GW_IP" >"$T_DIR/arping.out" ||
	t_fail "arping got no reply: $(cat "$T_DIR/arping.out")"
grep -qi "$gw_mac" "$T_DIR/arping.out" ||
	t_fail "reply does not carry the port MAC $gw_mac: $(cat "$T_DIR/arping.out")"
t_assert_ge "arp_rx_request" "$(t_status 's["ports"][0]["arp_rx_request"]')" 3
t_assert_ge "arp_tx_reply" "$(t_status 's["ports"][0]["arp_tx_reply"]')" 3

# the kernel side is in the neighbour table, reachable, with its MAC
t_assert_eq "learnt neighbour" \
	"$(t_status '[(n["ip"], n["mac"].lower(), n["state"]) for n in s["neighbours"]]')" \
	"[('$T_KERNEL_IP', '$T_KERNEL_MAC', 'reachable')]"

# an address that is not ours gets no answer, and is counted
if t_ns arping -c 2 -w 2 -I mg0 "$T_NET.77" >/dev/null; then
	t_fail "the gateway answered ARP for $T_NET.77"
fi
t_assert_ge "arp_not_for_us" "$(t_status 's["drops"]["by_reason"]["arp_not_for_us"]')" 2

# the kernel's own neighbour entry for the gateway carries the port MAC
t_ns ping -c 1 -W 2 "$T_GW_IP" >/dev/null || t_fail "ping failed"
t_ns ip neigh show "$T_GW_IP" dev mg0 | grep -qi "$gw_mac" ||
	t_fail "kernel neighbour entry: $(t_ns ip neigh show dev mg0)"
