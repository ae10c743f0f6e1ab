#!/usr/bin/env bash
# The Control Room's browser tests against a real hub, broker and simulated room.
#   COOLFLOW_BIN        the coolflow binary (default: build/debug/apps/coolflow)
#   COOLFLOW_ARTIFACTS  where the screenshots go (default: ui/e2e/artifacts)
set -euo pipefail
cd "$(dirname "$0")/.."
./build.sh
if [[ ! -x /usr/bin/chromium ]]; then
  echo "ui/e2e: /usr/bin/chromium is missing; install Debian's: apt-get install -y chromium" >&2
  exit 1
fi
exec node --test --test-reporter=spec e2e/
