#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The test command: install what is missing, build, run every test
# (unit and integration suites). Needs root for the integration suite
# (network namespaces, TAP devices). Extra arguments go to `meson test`
# (e.g. --suite unit, or a test name).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
if [ ! -f build/build.ninja ]; then
	meson setup build
fi
ninja -C build
# Integration tests poll with idle sleeps, so two at a time fit two cores.
meson test -C build --print-errorlogs --num-processes 2 "$@"
