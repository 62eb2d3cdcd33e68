#!/usr/bin/env bash
# Builds every function crate as its own Spin component (target/wasm32-wasip2/release/<name>.wasm).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/build-site.sh
packages=()
for manifest in functions/*/Cargo.toml; do
  packages+=(-p "$(basename "$(dirname "$manifest")")")
done
cargo build --target wasm32-wasip2 --release "${packages[@]}"
