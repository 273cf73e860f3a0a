#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# SIGTERM (and SIGINT) stop the gateway with status 0 within a second and
# leave nothing behind: no TAP, no DPDK runtime folder.
source "$(dirname "$0")/lib.sh"

t_start_basic
t_ns ping -c 1 -W 2 "$T_GW_IP" >/dev/null || t_fail "ping failed"
rundir="/var/run/dpdk/meshgw-$GW_PID"
[ -d "$rundir" ] || t_fail "no runtime folder $rundir while running"

start=$(date +%s%N)
kill -TERM "$GW_PID"
set +e
wait "$GW_PID"
rc=$?
set -e
ms=$((($(date +%s%N) - start) / 1000000))
GW_PID=""
t_assert_eq "exit status after SIGTERM" "$rc" 0
[ "$ms" -lt 1000 ] || t_fail "SIGTERM took $ms ms"
t_log "ok: stopped in $ms ms"
[ ! -e "$rundir" ] || t_fail "runtime folder $rundir left behind"
if t_ns ip link show mg0 >/dev/null 2>&1; then
	t_fail "TAP mg0 left behind"
fi

# SIGINT too, with two workers
T_WORKERS=2 t_config_basic
t_gw_start
t_tap_up
t_wait_ready
kill -INT "$GW_PID"
set +e
wait "$GW_PID"
rc=$?
set -e
GW_PID=""
t_assert_eq "exit status after SIGINT" "$rc" 0
grep -q "signal 2: shutting down" "$GW_LOG" || t_fail "SIGINT not logged"
