#!/usr/bin/env bash
# The benchmarks (tests/bench): builds the Worker bundle (target/worker), the two baseline
# Workers (tests/empty-worker -> target/empty-worker, tests/baseline-worker ->
# target/baseline-worker) and the Spin components, then runs every scenario: /health vs an
# empty Worker under workerd, the authenticated order read vs a hand-written Worker under
# Miniflare's direct sockets (fresh and with 100,000 orders), and Spin. About 6-8 minutes
# with the defaults, builds included when warm.
#
#   scripts/bench.sh                         build, then measure with the defaults
#   scripts/bench.sh --no-build              measure what is built
#   scripts/bench.sh --only orders           one scenario (health, orders, orders-bulk, spin)
#   scripts/bench.sh --seconds 20 --rounds 10   options go to the bench binary (see --help)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

build=1
if [ "${1:-}" = "--no-build" ]; then
  build=0
  shift
fi

if [ "$build" = 1 ]; then
  echo "==> building target/worker, the baseline Workers and the Spin components" >&2
  mkdir -p target/bench
  log="$ROOT/target/bench/build.log"
  if ! {
    bash scripts/build-worker.sh &&
      (cd tests/empty-worker && worker-build --release --out-dir "$ROOT/target/empty-worker") &&
      (cd tests/baseline-worker && worker-build --release --out-dir "$ROOT/target/baseline-worker") &&
      bash scripts/build-spin.sh
  } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "build failed; full log: $log" >&2
    exit 1
  fi
fi

echo "==> running the benchmark" >&2
exec cargo run --quiet --release -p bench -- "$@"
