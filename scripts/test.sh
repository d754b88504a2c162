#!/usr/bin/env bash
# Runs every test tier and exits non-zero on the first failure:
# formatting, clippy (server and wasm builds), unit and integration tests,
# the real-agent tier (Claude Code, Codex, Gemini CLI and OpenCode, pinned,
# installed into a cache outside the clone, against the fake LLM), the
# release build, and the Playwright suite in Debian's Chromium.
# Each tier's wall time is printed.
# PASEO_SKIP_REAL_AGENTS=1 skips the real-agent tier (say so when you do).
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
agents_dir=
install_agents() { agents_dir=$(scripts/install-agents.sh | tail -n 1); }
real_agents() {
  PASEO_AGENTS_DIR="$agents_dir" cargo test --locked -p daemon --test real_agents -- \
    --ignored --test-threads="${PASEO_REAL_AGENT_THREADS:-2}"
}
if [[ ${PASEO_SKIP_REAL_AGENTS:-} == 1 ]]; then
  printf '\n\033[1m== real agents: SKIPPED (PASEO_SKIP_REAL_AGENTS=1) ==\033[0m\n'
  report+=("real agents                  SKIPPED")
else
  tier "real agents (install)" install_agents
  tier "real agents" real_agents
fi
tier "release build" cargo xtask build --release
tier "wasm size" cargo xtask size
tier "browser (Playwright)" bash -c 'cd end2end && npx playwright test'

printf '\n\033[1mTier times\033[0m\n'
printf '  %s\n' "${report[@]}"
printf '  %-28s %4d s\n' "total" "$(( $(date +%s) - started ))"
