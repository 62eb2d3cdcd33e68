#!/usr/bin/env bash
# Sets up the tool chain, applies migrations to the local D1 database and serves the Worker on
# http://127.0.0.1:8787 with wrangler dev (workerd, local D1 and KV under .wrangler/state).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/dev-secrets.sh
# No terminal on stdin: wrangler applies without asking (a "no" would serve an empty database).
scripts/wrangler d1 migrations apply DB --local </dev/null
exec scripts/wrangler dev --local --ip 127.0.0.1 --port "${PORT:-8787}" --show-interactive-dev-session=false
