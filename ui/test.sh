#!/usr/bin/env bash
# The Control Room's unit tests, once (no watch mode).
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  npm ci --no-audit --no-fund
  touch node_modules
fi
exec npx --no-install vitest run
