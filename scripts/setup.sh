#!/usr/bin/env bash
# Installs the pinned tool chain from the package registries only (Rust's, crates.io, npm, PyPI
# and Debian's), skipping
# whatever is already present at the right version. Safe to run repeatedly; quick when done.
#
#   scripts/setup.sh            everything needed to build, run and test
#
# Installs: rustup targets wasm32-unknown-unknown + wasm32-wasip2, worker-build, wasm-bindgen-cli
# (at the exact wasm-bindgen version in Cargo.lock), wasm-bindgen-test-runner, and the npm tools in
# package.json (wrangler, binaryen's wasm-opt, esbuild, Node 22 for wrangler, Swagger UI, ReDoc,
# playwright-core), schemathesis, opentelemetry-proto and standardwebhooks (PyPI, in .tools/venv) and Debian's Chromium, and reports the
# Spin CLI scripts/find-spin.sh finds (unpacking ../shared/tools/spin when that is the one).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }

# Root installs system packages itself; anyone else through sudo.
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
apt_install() {
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

step "Rust components and targets"
installed_components="$(rustup component list --installed)"
for component in rustfmt clippy; do
  grep -q "^$component" <<<"$installed_components" || rustup component add "$component"
done
installed_targets="$(rustup target list --installed)"
for target in wasm32-unknown-unknown wasm32-wasip2; do
  grep -qx "$target" <<<"$installed_targets" || rustup target add "$target"
done

# Installs a crate's binaries with `cargo install` unless `$bin --version` already reports $version.
cargo_install() {
  local crate="$1" version="$2" bin="$3"
  if command -v "$bin" >/dev/null && "$bin" --version 2>/dev/null | grep -qE "(^| )${version//./\\.}\$"; then
    echo "$crate $version: present"
  else
    cargo install "$crate" --version "=$version" --force
  fi
}

step "Cargo tools"
cargo_install worker-build "$WORKER_BUILD_VERSION" worker-build
wasm_bindgen_version="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)"
[ -n "$wasm_bindgen_version" ] || { echo "wasm-bindgen not found in Cargo.lock" >&2; exit 1; }
cargo_install wasm-bindgen-cli "$wasm_bindgen_version" wasm-bindgen

step "npm tools (package-lock.json)"
stamp=node_modules/.setup-stamp
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(sha256sum package-lock.json | cut -d' ' -f1)" ]; then
  echo "node_modules matches package-lock.json"
else
  npm ci --no-audit --no-fund --loglevel=error
  sha256sum package-lock.json | cut -d' ' -f1 >"$stamp"
fi
step "Python tools (schemathesis $SCHEMATHESIS_VERSION)"
if [ -x "$SCHEMATHESIS_BIN" ] && "$SCHEMATHESIS_BIN" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
  echo "schemathesis $SCHEMATHESIS_VERSION: present"
else
  # Debian's python3 needs python3-venv for this; pyenv/python.org builds have it.
  python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
  python3 -m venv "$ROOT/.tools/venv"
  "$ROOT/.tools/venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

step "Python tools (opentelemetry-proto $OTEL_PROTO_VERSION, the suite's OTLP receiver)"
if "$PYTHON_BIN" -c "import importlib.metadata as m, sys; sys.exit(m.version('opentelemetry-proto') != '$OTEL_PROTO_VERSION')" 2>/dev/null; then
  echo "opentelemetry-proto $OTEL_PROTO_VERSION: present"
else
  "$ROOT/.tools/venv/bin/pip" install --quiet --disable-pip-version-check "opentelemetry-proto==$OTEL_PROTO_VERSION"
fi

step "Python tools (standardwebhooks $STANDARDWEBHOOKS_VERSION, the suite's webhook receiver)"
if "$PYTHON_BIN" -c "import importlib.metadata as m, sys; sys.exit(m.version('standardwebhooks') != '$STANDARDWEBHOOKS_VERSION')" 2>/dev/null; then
  echo "standardwebhooks $STANDARDWEBHOOKS_VERSION: present"
else
  "$ROOT/.tools/venv/bin/pip" install --quiet --disable-pip-version-check "standardwebhooks==$STANDARDWEBHOOKS_VERSION"
fi

step "Chromium (docs browser test)"
if [ -x "$CHROMIUM_BIN" ]; then
  echo "chromium: present"
else
  apt_install chromium
fi

step "Spin CLI (SPIN_BIN, PATH, or ../shared/tools/spin)"
if spin_bin=$(bash scripts/find-spin.sh); then
  "$spin_bin" --version
else
  echo "no Spin CLI: the contract suite will run on wrangler dev only (install Spin >= 4.1, see README)"
fi

"$NODE22" --version
"$WASM_OPT_BIN" --version
"$ESBUILD_BIN" --version
echo "setup complete"
