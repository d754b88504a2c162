#!/usr/bin/env bash
# The long form of the fuzz targets (RELIABILITY.md): every target of the
# protocol decoders, the daemon's inbound frame handling and the hub's
# decode/mirror API on PASEO_FUZZ_CASES inputs (default ten million each),
# built with the `fuzz` profile (optimised, overflow checks and debug
# assertions on). Never part of the test command. Each target's figures
# (inputs, crashes, seconds, rate, seed) are printed and appended to
# ${PASEO_FUZZ_REPORT:-target/fuzz-report.txt}.
#
#   scripts/fuzz-long.sh                 # all targets, 10 M inputs each
#   PASEO_FUZZ_CASES=1000000 scripts/fuzz-long.sh hub   # one crate
#   PASEO_FUZZ_SEED=<seed> ...           # replays a run (the seed is printed)
#
# A crash fails the script with the smallest failing input proptest found.
# On a shared machine run it as `nice -n 19 scripts/fuzz-long.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PASEO_FUZZ_CASES=${PASEO_FUZZ_CASES:-10000000}
target_dir=${CARGO_TARGET_DIR:-target}
export PASEO_FUZZ_REPORT=${PASEO_FUZZ_REPORT:-$target_dir/fuzz-report.txt}
crates=("$@")
[[ ${#crates[@]} -gt 0 ]] || crates=(protocol daemon hub)

for crate in "${crates[@]}"; do
  case $crate in
    protocol) args=(--test protocol) ;;
    daemon | hub) args=(--lib) ;;
    *) echo "unknown crate $crate (protocol, daemon, hub)" >&2; exit 2 ;;
  esac
  echo "== fuzz $crate: $PASEO_FUZZ_CASES inputs per target =="
  cargo test --locked --profile fuzz -p "$crate" "${args[@]}" fuzz_ -- \
    --nocapture --test-threads=1
done
echo "figures appended to $PASEO_FUZZ_REPORT"
