#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The gateway resolves next hops itself: the kernel never ARPs (static
# neighbour entry), so the echo reply waits in the neighbour queue until
# the gateway's own ARP request is answered. A next hop that never answers
# costs three requests, then its queued packet is dropped as nbr_unresolved.
source "$(dirname "$0")/lib.sh"

t_start_basic
gw_mac=$(t_gw_mac)
t_ns ip neigh replace "$T_GW_IP" lladdr "$gw_mac" dev mg0 nud permanent

t_ns ping -c 3 -i 0.2 -W 3 "$T_GW_IP" >/dev/null ||
	t_fail "ping through gateway-side resolution failed"
t_assert_ge "arp_tx_request" "$(t_status 's["ports"][0]["arp_tx_request"]')" 1
t_assert_ge "arp_rx_reply" "$(t_status 's["ports"][0]["arp_rx_reply"]')" 1
t_assert_eq "arp_rx_request (kernel never asked)" \
	"$(t_status 's["ports"][0]["arp_rx_request"]')" 0
t_assert_eq "icmp_echo_tx" "$(t_status 's["ports"][0]["icmp_echo_tx"]')" 3

# an echo from an on-link address nobody owns: the reply cannot be sent
before=$(t_status 's["ports"][0]["arp_tx_request"]')
t_pkt mg0 echo --dst-mac "$gw_mac" --src "$T_NET.99" --dst "$T_GW_IP" --count 2
sleep 0.5
t_assert_eq "pending entry" \
	"$(t_status '[(n["state"], n["queued"]) for n in s["neighbours"] if n["ip"] == "'"$T_NET.99"'"]')" \
	"[('incomplete', 2)]"
for _ in $(seq 60); do
	[ "$(t_status 's["drops"]["by_reason"]["nbr_unresolved"]')" = 2 ] && break
	sleep 0.1
done
t_assert_eq "nbr_unresolved" "$(t_status 's["drops"]["by_reason"]["nbr_unresolved"]')" 2
t_assert_eq "ARP requests for the silent host" \
	"$(($(t_status 's["ports"][0]["arp_tx_request"]') - before))" 3
t_assert_eq "entry removed" \
	"$(t_status 'len([n for n in s["neighbours"] if n["ip"] == "'"$T_NET.99"'"])')" 0

# an off-link source is answered through the configured gateway
t_ns ip addr add 198.19.200.1/32 dev mg0
t_ns ping -c 2 -i 0.2 -W 3 -I 198.19.200.1 "$T_GW_IP" >/dev/null ||
	t_fail "off-link source not answered through the gateway"
