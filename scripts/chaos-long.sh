#!/usr/bin/env bash
# The long forms of the chaos and load tests (RELIABILITY.md, BENCHMARKS.md):
# the same Playwright specs as the test command, with a longer chaos phase
# (CHAOS_DURATION, default 120 s) and a longer streaming phase
# (LOAD_DURATION, default 60 s). Never part of the test command. Each run's
# figures line (seed, kills, items compared / lost / duplicated; channels,
# rows, RSS and CPU per channel) is printed and appended to
# ${CHAOS_REPORT:-$target/chaos-report.txt} and ${LOAD_REPORT:-…/load-report.txt}.
#
#   scripts/chaos-long.sh              # chaos 120 s, then load 60 s
#   scripts/chaos-long.sh chaos        # one of them
#   CHAOS_SEED=<n> scripts/chaos-long.sh chaos   # replays a kill schedule
#   CHAOS_RUNS=5 scripts/chaos-long.sh chaos     # five runs, fresh seeds
#
# Needs the release build (`cargo xtask build --release`) in
# ${CARGO_TARGET_DIR:-target}. On a shared machine: `nice -n 10 …`.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=$(realpath "${CARGO_TARGET_DIR:-target}")
export CHAOS_DURATION=${CHAOS_DURATION:-120}
export LOAD_DURATION=${LOAD_DURATION:-60}
export CHAOS_REPORT=${CHAOS_REPORT:-$target_dir/chaos-report.txt}
export LOAD_REPORT=${LOAD_REPORT:-$target_dir/load-report.txt}
which=("$@")
[[ ${#which[@]} -gt 0 ]] || which=(chaos load)
cd end2end
for what in "${which[@]}"; do
  case $what in
    chaos)
      for ((run = 1; run <= ${CHAOS_RUNS:-1}; run++)); do
        echo "== chaos, ${CHAOS_DURATION} s (run $run) =="
        npx playwright test tests/chaos.spec.ts --reporter=list
      done
      ;;
    load)
      echo "== load, ${LOAD_DURATION} s of streaming =="
      npx playwright test tests/load.spec.ts --reporter=list
      ;;
    *) echo "unknown test $what (chaos, load)" >&2; exit 2 ;;
  esac
done
echo "figures appended to $CHAOS_REPORT and $LOAD_REPORT"
