#!/usr/bin/env bash
# Builds release wasm and prints bytes (raw and gzip -9) for each Spin component and for the
# Worker bundle, against the budgets (Spin component <= 150 kB gzip, GraphQL <= 700 kB, Worker <= 1 MB gzip).
# Also checks that every Spin component exports the wasi:http handler (a component built
# without its entry point would otherwise pass silently).
#   scripts/sizes.sh              build, then report
#   scripts/sizes.sh --no-build   report on what is built
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

if [ "${1:-}" != "--no-build" ]; then
  bash scripts/build-spin.sh >/dev/null
  bash scripts/build-worker.sh >/dev/null 2>&1
fi

SPIN_BUDGET=150000
# The GraphQL component carries async-graphql (parser, validation, introspection).
GRAPHQL_BUDGET=700000
WORKER_BUDGET=1000000
status=0
row() { # name file budget
  local raw gz verdict
  raw=$(stat -c %s "$2")
  gz=$(gzip -9c "$2" | wc -c)
  if [ "$gz" -le "$3" ]; then verdict="ok"; else verdict="OVER BUDGET"; fi
  printf '%-28s %10s %10s %10s  %s\n' "$1" "$raw" "$gz" "$3" "$verdict"
}

printf '%-28s %10s %10s %10s\n' "artifact" "raw B" "gzip B" "budget"
for manifest in functions/*/Cargo.toml; do
  name=$(basename "$(dirname "$manifest")")
  wasm="target/wasm32-wasip2/release/$name.wasm"
  [ -f "$wasm" ] || { echo "missing $wasm (run scripts/build-spin.sh)"; status=1; continue; }
  budget=$SPIN_BUDGET
  [ "$name" = graphql ] && budget=$GRAPHQL_BUDGET
  row "spin:$name" "$wasm" "$budget"
  if ! grep -qa 'wasi:http/handler@0.3.0' "$wasm"; then
    echo "  ERROR: $wasm does not export wasi:http/handler (missing export_component!?)"
    status=1
  fi
done
row "worker:index_bg.wasm" target/worker/index_bg.wasm "$WORKER_BUDGET"
row "worker:index.js" target/worker/index.js "$WORKER_BUDGET"
total_gz=$(cat target/worker/index_bg.wasm target/worker/index.js | gzip -9c | wc -c)
printf '%-28s %10s %10s %10s\n' "worker:total" "-" "$total_gz" "$WORKER_BUDGET"
exit $status
