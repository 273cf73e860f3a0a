#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ping from the kernel side of a TAP gets replies; the counters rise.
source "$(dirname "$0")/lib.sh"

t_start_basic

t_ns ping -c 5 -i 0.2 -W 2 "$T_GW_IP" >"$T_DIR/ping.out" ||
	t_fail "ping failed: $(cat "$T_DIR/ping.out")"
t_assert_eq "ping replies" "$(grep -c 'bytes from' "$T_DIR/ping.out")" 5

t_assert_eq "icmp_echo_rx" "$(t_status 's["ports"][0]["icmp_echo_rx"]')" 5
t_assert_eq "icmp_echo_tx" "$(t_status 's["ports"][0]["icmp_echo_tx"]')" 5
t_assert_ge "rx_packets" "$(t_status 's["ports"][0]["rx_packets"]')" 6
t_assert_ge "tx_packets" "$(t_status 's["ports"][0]["tx_packets"]')" 6
t_assert_ge "tx_bytes" "$(t_status 's["ports"][0]["tx_bytes"]')" $((5 * 98))
t_assert_eq "hw opackets match" \
	"$(t_status 's["ports"][0]["hw"]["opackets"] == s["ports"][0]["tx_packets"]')" True
t_assert_ge "busy loops" "$(t_status 's["workers"][0]["busy_loops"]')" 1
t_assert_ge "busy cycles" "$(t_status 's["workers"][0]["busy_cycles"]')" 1
t_assert_ge "idle cycles" "$(t_status 's["workers"][0]["idle_cycles"]')" 1
t_assert_eq "drops" "$(t_status 's["drops"]["total"]')" 0

# the same figures in Prometheus form
prom=$(t_api /stats/prometheus)
grep -qx 'meshgw_port_icmp_echo_rx_total{port="eth0"} 5' <<<"$prom" ||
	t_fail "prometheus lacks the echo counter"
grep -q '^meshgw_worker_busy_cycles_total{worker="0"} [1-9]' <<<"$prom" ||
	t_fail "prometheus lacks busy cycles"

# a large echo (1472 bytes of payload, a full 1500-byte packet)
t_ns ping -c 2 -i 0.2 -W 2 -s 1472 "$T_GW_IP" >/dev/null ||
	t_fail "full-MTU ping failed"
t_assert_eq "icmp_echo_tx after big pings" \
	"$(t_status 's["ports"][0]["icmp_echo_tx"]')" 7
