#!/usr/bin/env bash
# The main job, no hardware: a simulated BG96 (UART 115200 baud, 100 ms
# network round trip) and local TLS servers; HTTPS GETs in Auto mode, each
# step printed with its time: the capability check, the offload attempt and
# its classified failure, the host TLS handshake, the response, the cache.
# Extra arguments go to the demo: --baud N (0 = unthrottled), --rtt-ms N.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --host-only
exec cargo run -q --release -p modemtls-demo -- "$@"
