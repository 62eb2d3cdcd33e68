#!/usr/bin/env bash
# Prints the path of a Spin CLI (>= 4.1, runs spin-sdk 7 components), looking in order at:
#   1. $SPIN_BIN
#   2. `spin` on PATH
#   3. ../shared/tools/spin/install.sh beside the project (unpacks a Spin built for these
#      machines into a cache directory once; CI machines have it)
# Prints nothing and exits 1 when none is found. Users install Spin with the official
# installer (see README).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -n "${SPIN_BIN:-}" ]; then
  [ -x "$SPIN_BIN" ] || { echo "find-spin.sh: SPIN_BIN=$SPIN_BIN is not executable" >&2; exit 1; }
  echo "$SPIN_BIN"
elif command -v spin >/dev/null 2>&1; then
  command -v spin
elif [ -x "$root/../shared/tools/spin/install.sh" ] || [ -f "$root/../shared/tools/spin/install.sh" ]; then
  bash "$root/../shared/tools/spin/install.sh"
else
  exit 1
fi
