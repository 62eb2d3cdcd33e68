#!/usr/bin/env bash
# Linker hook for Spin components (wasm32-wasip2), named by `--wasm-ld-path` in .cargo/config.toml.
# wasm-component-ld calls this instead of wasm-ld: link the core module with the toolchain's
# wasm-ld, shrink it with binaryen's wasm-opt (pinned in package.json), and hand it back to
# wasm-component-ld, which turns it into the component.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

# The toolchain's wasm-ld: next to wasm-component-ld (rustc puts its directory on PATH).
lld_dir="$(dirname "$(command -v wasm-component-ld)")"
"$lld_dir/gcc-ld/wasm-ld" "$@"

out="" prev=""
for arg in "$@"; do
  [[ "$prev" == "-o" ]] && out="$arg"
  prev="$arg"
done
[[ -n "$out" ]] || { echo "wasm-ld-opt.sh: no -o in the wasm-ld arguments" >&2; exit 1; }
# Debug builds keep their debug info and link fast.
[[ "$out" == */debug/* ]] && exit 0

if [[ ! -f "$WASM_OPT_BIN" ]]; then
  echo "wasm-ld-opt.sh: $WASM_OPT_BIN missing (run scripts/setup.sh); component left unoptimised" >&2
  [[ "${CI:-}" == "true" ]] && exit 1
  exit 0
fi
node="$NODE22"
[[ -x "$node" ]] || node=node
# binaryen's npm wasm-opt is a Node script. Features: those rustc enables for wasm32-wasip2.
"$node" "$WASM_OPT_BIN" -Oz --converge \
  --enable-bulk-memory --enable-multivalue --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext \
  "$out" -o "$out"
