#!/usr/bin/env bash
# The main job, no hardware: a simulated BG96 and local TLS servers; prints
# each step, the path chosen and why. Extra arguments go to the demo
# (e.g. --baud 115200 to throttle the simulated UART).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
exec cargo run -q --release -p modemtls-demo -- "$@"
