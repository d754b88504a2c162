#!/usr/bin/env bash
# Runs every test tier and exits non-zero on the first failure:
# formatting, clippy (server and wasm builds), unit and integration tests,
# the release build, and the Playwright suite in Debian's Chromium.
# Each tier's wall time is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

started=$(date +%s)
declare -a report=()
tier() {
  local name=$1; shift
  local t0; t0=$(date +%s)
  printf '\n\033[1m== %s ==\033[0m\n' "$name"
  "$@"
  local dt=$(( $(date +%s) - t0 ))
  report+=("$(printf '%-28s %4d s' "$name" "$dt")")
  printf '\033[1m-- %s: %d s\033[0m\n' "$name" "$dt"
}

tier "setup" scripts/setup.sh test
tier "fmt" cargo fmt --all --check
tier "clippy (server)" cargo clippy --all-targets --locked -- -D warnings
tier "clippy (wasm)" cargo clippy --locked -p frontend -p app --target wasm32-unknown-unknown -- -D warnings
tier "unit + integration tests" cargo test --locked
tier "release build" cargo xtask build --release
tier "wasm size" cargo xtask size
tier "browser (Playwright)" bash -c 'cd end2end && npx playwright test'

printf '\n\033[1mTier times\033[0m\n'
printf '  %s\n' "${report[@]}"
printf '  %-28s %4d s\n' "total" "$(( $(date +%s) - started ))"
