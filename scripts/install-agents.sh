#!/usr/bin/env bash
# Installs the four real ACP agents of the real-agent test tier, at the
# versions pinned in tools/agents/<name>/package-lock.json, into a cache
# outside the clone (they are 100–350 MB each):
#   ${PASEO_AGENTS_DIR:-${XDG_CACHE_HOME:-~/.cache}/paseo-web/agents}/<name>
# An agent whose cache already matches its lock file is skipped. Prints each
# agent's install time and size, then the directory on the last line.
#   scripts/install-agents.sh [claude codex gemini opencode]
set -euo pipefail
cd "$(dirname "$0")/.."
root=${PASEO_AGENTS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/paseo-web/agents}
agents=("$@")
[[ ${#agents[@]} -gt 0 ]] || agents=(claude codex gemini opencode)
mkdir -p "$root"

say() { printf '\033[1magents:\033[0m %s\n' "$*" >&2; }

for name in "${agents[@]}"; do
  src=tools/agents/$name
  if [[ ! -f $src/package-lock.json ]]; then
    echo "agents: unknown agent '$name' (known: $(ls tools/agents | tr '\n' ' '))" >&2
    exit 2
  fi
  dest=$root/$name
  stamp=$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)
  if [[ -f $dest/.installed && $(cat "$dest/.installed") == "$stamp" ]]; then
    say "$name: up to date in $dest ($(du -sh "$dest" | cut -f1))"
    continue
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  t0=$(date +%s%N)
  # `npm install` with the lock file present installs the locked versions;
  # `npm ci` would refuse opencode's lock, which (an npm quirk) lists its
  # other platforms' optional binaries without entries. Install scripts stay
  # off (npm 11's default): none of the four needs one.
  if ! (cd "$dest" && npm install --no-audit --no-fund --loglevel=error >&2); then
    echo "agents: npm ci failed for $name (see above); is the npm registry reachable?" >&2
    exit 1
  fi
  echo "$stamp" > "$dest/.installed"
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  say "$name: installed in $((ms / 1000)).$(( (ms % 1000) / 100 )) s, $(du -sh "$dest" | cut -f1)"
done
echo "$root"
