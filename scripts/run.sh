#!/usr/bin/env bash
# Builds (release) and runs paseo-web at http://127.0.0.1:3000 with the
# embedded local daemon on 127.0.0.1:6767. Extra arguments go to paseo-web
# (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cargo xtask build --release
target=${CARGO_TARGET_DIR:-target}
exec "$target/release/paseo-web" --site-root "$target/site" "$@"
