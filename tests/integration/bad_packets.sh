#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Malformed and unsupported packets are dropped, each under its own named
# reason, and change nothing else: ping still works afterwards.
source "$(dirname "$0")/lib.sh"

t_start_basic
gw_mac=$(t_gw_mac)
t_ns ping -c 1 -W 2 "$T_GW_IP" >/dev/null || t_fail "first ping failed"

send() { t_pkt mg0 "$1" --dst-mac "${3:-$gw_mac}" --src "$T_KERNEL_IP" \
	--dst "${4:-$T_GW_IP}" --count "$2"; }
send bad-ip-cksum 3
send fragment 2
send ttl0 1
send bad-version 1
send bad-total-len 1
send bad-icmp-cksum 2
send icmp-timestamp 1
send udp 1
send unknown-ethertype 1
send echo 1 02:00:00:00:00:99 # another host's MAC
send echo 1 "$gw_mac" "$T_NET.50" # another host's IP
sleep 0.5

drop() { t_status 's["drops"]["by_reason"]["'"$1"'"]'; }
t_assert_eq "ip4_bad_checksum" "$(drop ip4_bad_checksum)" 3
t_assert_eq "ip4_fragment" "$(drop ip4_fragment)" 2
t_assert_eq "ip4_ttl_zero" "$(drop ip4_ttl_zero)" 1
t_assert_eq "ip4_bad_version" "$(drop ip4_bad_version)" 1
t_assert_eq "ip4_bad_total_len" "$(drop ip4_bad_total_len)" 1
t_assert_eq "icmp_bad_checksum" "$(drop icmp_bad_checksum)" 2
t_assert_eq "icmp_unhandled_type" "$(drop icmp_unhandled_type)" 1
t_assert_eq "ip4_unknown_proto" "$(drop ip4_unknown_proto)" 1
t_assert_eq "l2_unknown_ethertype" "$(drop l2_unknown_ethertype)" 1
t_assert_eq "l2_not_for_us" "$(drop l2_not_for_us)" 1
t_assert_eq "ip4_not_for_us" "$(drop ip4_not_for_us)" 1
t_assert_eq "total" "$(t_status 's["drops"]["total"]')" 15
t_assert_eq "per-port view agrees" \
	"$(t_status 's["ports"][0]["drops"]["ip4_bad_checksum"]')" 3
t_assert_eq "worker view agrees" "$(t_status 's["workers"][0]["drops"]')" 15
t_assert_eq "echo replies (only the good ping)" \
	"$(t_status 's["ports"][0]["icmp_echo_tx"]')" 1
grep -qx 'meshgw_drops_total{port="eth0",reason="ip4_bad_checksum"} 3' \
	<<<"$(t_api /stats/prometheus)" || t_fail "prometheus drop counter"

t_ns ping -c 3 -i 0.2 -W 2 "$T_GW_IP" >/dev/null || t_fail "ping after bad packets"
t_assert_eq "gateway still ready" "$(t_api /ready)" LIVE
