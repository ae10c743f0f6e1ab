#!/usr/bin/env bash
# Runs one libFuzzer binary for a while on a temporary copy of its seed corpus, so the corpus
# in the repository is never modified. Used by the fuzz smoke tests and by bench/run.
#   run_fuzzer.sh BINARY SEED_DIR SECONDS ARTIFACT_DIR [DICTIONARY]
# Exits non-zero when the binary is missing or the fuzzer finds a crash, a leak or a hang
# (an input that runs over 10 s); the input that did it is left in ARTIFACT_DIR.
set -euo pipefail
binary=$1 seeds=$2 seconds=$3 artifacts=$4 dict=${5:-}

if [[ ! -x "$binary" ]]; then
  echo "run_fuzzer: $binary does not exist: build the clang preset first" \
       "(cmake --build --preset clang; ./x test and ./x bench do it)" >&2
  exit 1
fi
if [[ ! -d "$seeds" ]]; then
  echo "run_fuzzer: no seed corpus at $seeds" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/coolflow-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$seeds/." "$work/"
mkdir -p "$artifacts"

args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
      -artifact_prefix="$artifacts/")
if [[ -n "$dict" ]]; then
  args+=(-dict="$dict")
fi

status=0
"$binary" "${args[@]}" "$work" || status=$?
if ((status != 0)); then
  echo "run_fuzzer: $(basename "$binary") failed (exit $status); the input is in $artifacts/" >&2
  echo "  reproduce with: $binary $artifacts/<crash-file>" >&2
fi
exit "$status"
