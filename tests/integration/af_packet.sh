#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The same port code on another driver: net_af_packet on a veth pair
# (offloads off on the kernel peer, as af_packet needs), with two workers
# on two queue pairs. ping and ARP work; nothing is dropped.
source "$(dirname "$0")/lib.sh"

t_netns_create
t_ns ip link add mgv-gw type veth peer name mgv-k
t_ns ip link set mgv-gw up
t_ns ethtool -K mgv-k tx off tso off gso off >/dev/null
t_config_write <<'EOF2'
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata:
  name: afp
spec:
  workers: 2
  memoryMB: 128
  idleSleepUs: 100
  ports:
  - name: veth
    device: net_af_packet0,iface=mgv-gw,qpairs=2
    address: @GW_IP@/24
EOF2
t_gw_start
t_ns ip addr add "$T_KERNEL_IP/24" dev mgv-k
t_ns ip link set mgv-k up
t_wait_ready
t_assert_eq "driver" "$(t_status 's["ports"][0]["driver"]')" net_af_packet

t_ns ping -c 5 -i 0.2 -W 2 "$T_GW_IP" >"$T_DIR/ping.out" ||
	t_fail "ping over af_packet: $(cat "$T_DIR/ping.out")"
t_assert_eq "echo replies" "$(t_status 's["ports"][0]["icmp_echo_tx"]')" 5
t_ns arping -c 2 -w 3 -I mgv-k "$T_GW_IP" >/dev/null || t_fail "arping over af_packet"
t_assert_eq "drops" "$(t_status 's["drops"]["total"]')" 0
