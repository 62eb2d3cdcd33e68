#!/usr/bin/env bash
# Benchmarks the shared middleware on the Cloudflare Worker: builds the Worker bundle
# (target/worker) and the empty baseline Worker (tests/empty-worker -> target/empty-worker),
# then runs the load generator (tests/bench), which serves both under workerd itself (not
# wrangler dev) on loopback and prints requests/s, p50/p99 and wasm bytes (raw, gzip -9).
# About 1-2 minutes with the binary's defaults (builds included).
#
#   scripts/bench.sh                         build, then measure with the defaults
#   scripts/bench.sh --no-build              measure the bundles already built
#   scripts/bench.sh --edge-headers          requests as Cloudflare's edge passes them
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
  echo "==> building target/worker and target/empty-worker" >&2
  mkdir -p target/bench
  log="$ROOT/target/bench/build.log"
  if ! {
    bash scripts/build-worker.sh &&
      (cd tests/empty-worker && worker-build --release --out-dir "$ROOT/target/empty-worker")
  } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "build failed; full log: $log" >&2
    exit 1
  fi
fi

echo "==> running the benchmark" >&2
exec cargo run --quiet --release -p bench -- "$@"
