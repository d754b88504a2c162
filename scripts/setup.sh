#!/usr/bin/env bash
# Installs what a fresh machine lacks (it has the Rust toolchain, Node 20 with
# npm, Python 3 and gcc). Idempotent: every step is skipped when already done.
#   scripts/setup.sh build   — what building and running needs
#   scripts/setup.sh test    — that, plus what the tests need
# Versions are pinned: Cargo.lock, tools/package-lock.json (binaryen 132),
# end2end/package-lock.json (Playwright); see ../ARCHITECTURE.md "Build".
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-build}

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "setup: need root for: $*" >&2; exit 1
  fi
}

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

if [[ ! -x tools/node_modules/.bin/wasm-opt || ! -x tools/node_modules/.bin/esbuild ]]; then
  say "installing binaryen (wasm-opt) and esbuild from npm into tools/"
  npm ci --prefix tools --no-audit --no-fund
fi

if [[ $what == test ]]; then
  for component in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
      say "adding the $component component"
      rustup component add "$component"
    fi
  done
  if [[ ! -x /usr/bin/chromium ]]; then
    say "installing Debian's chromium (browsers are never downloaded by Playwright)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if [[ ! -d end2end/node_modules/@playwright/test ]]; then
    say "installing the end-to-end test packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
fi
say "ready ($what)"
