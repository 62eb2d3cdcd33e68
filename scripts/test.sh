#!/usr/bin/env bash
# Sets up the tool chain and runs every test: formatting and lints, native unit and whole-flow
# tests, wasm-bindgen tests (Node), the Spin component build, and the contract suite against
# wrangler dev and spin up (Spin from SPIN_BIN, PATH or ../shared/tools/spin; only a machine
# with none of them skips it, loudly). Prints wasm sizes at the end.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

# A cold build of everything below takes about 3 GB under target/; say so before it fails.
free_mb=$(df -Pm "$ROOT" 2>/dev/null | awk 'NR == 2 { print $4 }') || true
if [[ "$free_mb" =~ ^[0-9]+$ ]] && ((free_mb < 4096)); then
  echo "WARNING: only ${free_mb} MB free under $ROOT; a cold build needs about 3 GB." >&2
fi

bash scripts/setup.sh
# The contract suite runs on the Spin found here (it looks the same way itself when unset).
SPIN_BIN="$(bash scripts/find-spin.sh || true)"
export SPIN_BIN

step "cargo fmt --check"
cargo fmt --all -- --check

step "buf lint (proto/, STANDARD rules)"
node_modules/@bufbuild/buf-linux-x64/bin/buf lint

step "cargo clippy (native, Worker target, Spin target)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --locked --target wasm32-unknown-unknown -p adapter-cloudflare -p cloudflare-worker -p empty-worker -p baseline-worker -- -D warnings
cargo clippy --locked --target wasm32-wasip2 -p adapter-spin $(ls functions | sed 's/^/-p /') -- -D warnings

step "native tests"
cargo test --workspace --locked

step "wasm tests (wasm-bindgen-test under Node)"
cargo test --locked --target wasm32-unknown-unknown -p adapter-cloudflare

step "Spin components"
bash scripts/build-spin.sh

step "contract suite"
# Debug build: it shares every dependency with the native tests above (a release build of
# reqwest and tokio under the size-optimised, LTO release profile cost a minute cold).
cargo run --locked -p contract

step "sizes"
bash scripts/sizes.sh --no-build
