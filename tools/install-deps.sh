#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install every Debian 12 package that meshgw's build, tests and demo need.
# Idempotent: packages already present are left alone, and apt is not
# touched at all when nothing is missing. Needs root (or sudo) when it has
# something to install.
set -euo pipefail

PACKAGES=(
	# build
	build-essential meson ninja-build pkg-config
	libdpdk-dev dpdk dpdk-dev libssl-dev libhyperscan-dev libyaml-dev
	libjansson-dev libcmocka-dev libmicrohttpd-dev
	# differential fuzzing and benchmark peer of lib/http
	libhttp-parser-dev
	# lib/route: capture groups for uriRegexRewrite (Hyperscan has none)
	libpcre2-dev
	# fuzzing (libFuzzer) and sanitizers
	clang libclang-rt-14-dev
	# tests and demo: namespaces, real clients
	iproute2 ethtool iputils-ping iputils-arping util-linux procps curl
	python3 valgrind ca-certificates
	# TLS tests: the test PKI (tests/integration/tlscerts.py), s_client
	python3-cryptography openssl testssl.sh
	# proxy tests and tools/bench/proxy.sh: a real backend, a real load
	# generator, and the peers meshgw is measured against
	nginx-light wrk haproxy
	# L4 tests: a real TCP and UDP throughput tool through both L4 paths
	iperf3
	# observability tests: promtool checks /stats/prometheus, headless
	# Chromium loads the stats page
	prometheus chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null |
		grep -qx installed; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
