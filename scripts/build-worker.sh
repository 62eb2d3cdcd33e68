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
worker-build --release --out-dir "$ROOT/target/worker"
# The optimisation worker-build would run (its flags: -O and the wasm features workerd
# supports), without the function-names section unless WORKER_KEEP_NAMES=1 (see the Worker's
# Cargo.toml).
features=(mutable-globals sign-ext nontrapping-float-to-int bulk-memory multivalue reference-types exception-handling)
args=(-O "${features[@]/#/--enable-}")
[ "${WORKER_KEEP_NAMES:-0}" = 1 ] && args+=(--debuginfo)
wasm="$ROOT/target/worker/index_bg.wasm"
"$WASM_OPT_BIN" "$wasm" -o "$wasm.opt" "${args[@]}"
mv "$wasm.opt" "$wasm"
