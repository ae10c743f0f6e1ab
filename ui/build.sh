#!/usr/bin/env bash
# Builds the Control Room into ui/dist. Idempotent: with nothing changed it only compares
# file times and returns.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '\033[1mui:\033[0m %s\n' "$*" >&2; }

# npm ci replaces node_modules wholesale, so run it only when the lock file moved on.
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  log "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
  touch node_modules
fi

# Everything the bundle is made from; a newer one means dist is out of date.
stale() {
  [[ ! -f dist/index.html ]] && return 0
  [[ -n $(find src index.html vite.config.ts package-lock.json tsconfig.json -newer dist/index.html -print -quit) ]]
}

if stale; then
  log "type-checking and building ui/dist"
  npx --no-install tsc --noEmit -p .
  npx --no-install vite build --logLevel warn
  # vite copies index.html with its original time; mark the build as done now.
  touch dist/index.html
else
  log "ui/dist is up to date"
fi
