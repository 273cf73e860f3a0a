#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The same port code on net_memif: meshgw is the memif server; DPDK's
# testpmd is the client and forwards between the memif and a TAP (io mode),
# so the kernel's ping and arping reach meshgw over shared memory.
source "$(dirname "$0")/lib.sh"

command -v dpdk-testpmd >/dev/null || t_fail "dpdk-testpmd missing (package dpdk)"
t_netns_create
sock="$T_DIR/memif.sock"
t_config_write <<EOF2
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata:
  name: memif
spec:
  memoryMB: 128
  idleSleepUs: 100
  ports:
  - name: mem0
    device: net_memif0,role=server,id=0,socket=$sock,socket-abstract=no
    address: @GW_IP@/24
EOF2
t_gw_start
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || t_fail "no memif socket"

tp_pid=""
tp_stop() {
	if [ -n "$tp_pid" ]; then
		kill -INT "$tp_pid" 2>/dev/null
		wait "$tp_pid" 2>/dev/null
		rm -rf "/var/run/dpdk/tp-$$"
	fi
}
T_CLEANUP_HOOKS+=(tp_stop)
nsenter --net="/run/netns/$T_NS" dpdk-testpmd --lcores=0@0,1@0 --no-huge \
	-m 128 --no-shconf --file-prefix="tp-$$" --no-pci \
	--vdev="net_memif0,role=client,id=0,socket=$sock,socket-abstract=no" \
	--vdev=net_tap0,iface=mgm0 --log-level=*:warning -- \
	--forward-mode=io --auto-start --stats-period=5 --nb-cores=1 \
	--total-num-mbufs=4096 >"$T_DIR/testpmd.log" 2>&1 &
tp_pid=$!
t_tap_up mgm0
t_wait_ready
t_assert_eq "driver" "$(t_status 's["ports"][0]["driver"]')" net_memif
for _ in $(seq 50); do
	[ "$(t_status 's["ports"][0]["link"]["up"]')" = True ] && break
	sleep 0.1
done
t_assert_eq "memif link up" "$(t_status 's["ports"][0]["link"]["up"]')" True

t_ns ping -c 5 -i 0.2 -W 3 "$T_GW_IP" >"$T_DIR/ping.out" ||
	t_fail "ping over memif: $(cat "$T_DIR/ping.out"; tail -20 "$T_DIR/testpmd.log")"
t_assert_eq "echo replies" "$(t_status 's["ports"][0]["icmp_echo_tx"]')" 5
t_assert_eq "drops" "$(t_status 's["drops"]["total"]')" 0
