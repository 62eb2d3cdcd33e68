#!/usr/bin/env bash
# Builds the static site and the Cloudflare Worker (target/worker/) with the locally installed
# wasm-bindgen, wasm-opt and esbuild (never downloaded). wrangler runs this as its build command.
set -euo pipefail
source "$(dirname "$0")/env.sh"
# worker-build falls back to downloading a missing tool from GitHub: refuse instead.
for tool in "$WASM_BINDGEN_BIN" "$WASM_OPT_BIN" "$ESBUILD_BIN"; do
  [ -x "$tool" ] || { echo "build-worker.sh: $tool missing; run scripts/setup.sh" >&2; exit 1; }
done
bash "$ROOT/scripts/build-site.sh"
cd "$ROOT/shared/cloudflare-worker"
exec worker-build --release --out-dir "$ROOT/target/worker"
