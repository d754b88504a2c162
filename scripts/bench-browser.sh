#!/usr/bin/env bash
# The browser benchmark (BENCHMARKS.md, "Browser"): never part of the test
# command. Builds the release bundle, prints the wasm size, then runs
# end2end/bench in Debian's Chromium against real daemons; the figures go
# to stdout and to end2end/bench-browser.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
cargo xtask build --release
cargo xtask size
cd end2end
npx playwright test --config playwright.bench.config.ts "$@"
