#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of outside bytes (fuzz/fuzz_targets/),
# SECONDS each (default 60), starting from the checked-in corpora
# (fuzz/corpus/<target>/, which tools/test.sh replays on every run):
#
#   tools/fuzz.sh [SECONDS] [--merge]
#
# --merge folds the inputs that found new coverage into fuzz/corpus/ (commit
# them); without it they stay in target/fuzz-new/. Prints executions per
# target. Uses cargo-fuzz (installed when missing) on the machine's stable
# toolchain with RUSTC_BOOTSTRAP=1 and no sanitizer (so no nightly toolchain
# is needed; the harnesses assert their own invariants). A crash
# stops the run and leaves the input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=60
merge=0
for a in "$@"; do
    case "$a" in
        --merge) merge=1 ;;
        *) secs=$a ;;
    esac
done
command -v cargo-fuzz >/dev/null || cargo install -q cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^modemtls-fuzz$')
summary=()
for t in $targets; do
    new=target/fuzz-new/$t
    mkdir -p "$new" "fuzz/corpus/$t"
    echo "==> $t for ${secs}s"
    log=$(mktemp)
    (cd fuzz && cargo fuzz run --sanitizer none "$t" "../$new" "../fuzz/corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) 2>&1 | tee "$log" | tail -3
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    summary+=("$(printf '%-14s %12s executions in %ss' "$t" "${runs:-?}" "$secs")")
    rm -f "$log"
    if ((merge)); then
        (cd fuzz && cargo fuzz run --sanitizer none "$t" "../fuzz/corpus/$t" "../$new" -- -merge=1) >/dev/null 2>&1
    fi
done
echo
printf '%s\n' "${summary[@]}"
