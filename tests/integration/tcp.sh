#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# meshgw's TCP against Linux's through a TAP: bulk data both ways with
# sha256-checked contents (echo), a pattern stream (source), a sink
# (discard), many connections at once; then every connection is closed and
# nothing was dropped. Runs with one worker and again with two (flows
# redirected to their owner).
source "$(dirname "$0")/lib.sh"

client() { t_ns python3 "$MESHGW_SRC/tests/integration/tcpclient.py" "$T_GW_IP" "$@"; }

run_round() {
	local workers=$1
	T_WORKERS=$workers t_config_basic "  testListeners:
  - {port: 7, mode: echo}
  - {port: 9, mode: discard}
  - {port: 19, mode: source, bytes: 16777216}"
	t_gw_start
	t_tap_up
	t_wait_ready

	# 256 MB each way with one worker, 32 MB with two
	client echo $((workers == 1 ? 268435456 : 33554432)) --timeout 60 ||
		t_fail "bulk echo ($workers worker(s))"
	client source 16777216 || t_fail "16 MB source ($workers worker(s))"
	client discard 8388608 || t_fail "8 MB discard ($workers worker(s))"
	client echo 100000 --conns 50 || t_fail "50 parallel echoes ($workers worker(s))"

	t_assert_ge "passive opens" "$(t_status 's["tcp"]["passive_opens"]')" 53
	t_assert_eq "resets received" "$(t_status 's["tcp"]["rst_rx"]')" 0
	# echo and discard close passively; the source closes first and
	# leaves its tuple in the TIME-WAIT table, without a control block
	for _ in $(seq 50); do
		[ "$(t_status 's["tcp"]["active_conns"]')" = 0 ] && break
		sleep 0.1
	done
	t_assert_eq "connections left" "$(t_status 's["tcp"]["active_conns"]')" 0
	t_assert_eq "in TIME-WAIT" "$(t_status 's["tcp"]["time_wait"]')" 1
	# a segment the peer resent though it had arrived (its timers raced
	# our delayed ACK) is old when it comes: dropped as out of window; a
	# window update Linux sends after we closed (LAST_ACK done) finds no
	# connection and gets the RST that RFC 9293 prescribes.
	# With two workers, a flow's segments can take two paths: the TAP
	# first hashes a flow to any queue (the redirect ring brings it to its
	# owner), then steers it to the queue its replies leave by. Segments in
	# flight at the switch arrive reordered: stale ACKs fail PAWS, fall
	# outside the window, or come after the connection closed (answered
	# with a RST, as RFC 9293 says); nothing else may be dropped
	t_assert_eq "drops by reason" \
		"$(t_status '{k: v for k, v in s["drops"]["by_reason"].items() if v and k not in ("tcp_out_of_window", "tcp_no_conn") and not ('"$workers"' > 1 and k == "tcp_paws")}')" "{}"
	if [ "$workers" -gt 1 ]; then
		t_assert_ge "segments redirected to their owner" \
			"$(t_status 's["ports"][0]["flow_redirect_tx"]')" 1
	fi
	kill -TERM "$GW_PID"
	wait "$GW_PID" || t_fail "exit status"
	GW_PID=""
}

t_netns_create
run_round 1
run_round 2
