#!/usr/bin/env bash
# Soak: 1,000 Auto sessions on one modem object through the simulated BG96,
# 10 % of them hit by one random fault (a dropped, flipped or duplicated UART
# byte, a UART stall, a modem restart, a PDP drop, a "closed" URC), against a
# TLS 1.3-only echo server (Auto falls back to the host path) and a TLS 1.2
# echo server (offloaded); payloads compared. Stops after --seconds (default
# 1500) even when sessions remain. Exit status 1 when a wrong byte was
# delivered as good on the host path, a session without a fault failed (the
# library must recover by itself), or a session outlived its bound; a panic
# aborts it. Loopback only.
#
#   tools/soak.sh [--sessions N] [--fault-pct P] [--seconds S] [--seed X]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --host-only
exec cargo run -q --release -p modemtls-demo --bin soak -- --sessions 1000 --fault-pct 10 --seconds 1500 "$@"
