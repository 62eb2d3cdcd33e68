#!/usr/bin/env bash
# Builds the static site and the Cloudflare Worker (target/worker/) with the locally installed
# wasm-bindgen, wasm-opt and esbuild (never downloaded). wrangler runs this as its build command.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$ROOT/scripts/build-site.sh"
cd "$ROOT/shared/cloudflare-worker"
exec worker-build --release --out-dir "$ROOT/target/worker"
