#!/usr/bin/env bash
# Sets up the tool chain, builds every function as a Spin component and serves them with
# `spin up` on http://127.0.0.1:3000 (PORT to change it): local SQLite under .spin/, the local
# secrets of .dev.vars (shared with `make dev`), migrations applied by the components on their
# first SQL statement. Spin comes from SPIN_BIN, `spin` on PATH, or ../shared/tools/spin.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh
spin=$(bash scripts/find-spin.sh) || {
  echo "dev-spin.sh: no Spin CLI found. Install Spin >= 4.1 with the official installer:" >&2
  echo "  curl -fsSL https://spinframework.dev/downloads/install.sh | bash" >&2
  echo "then put it on PATH or set SPIN_BIN." >&2
  exit 1
}
bash scripts/dev-secrets.sh
bash scripts/build-spin.sh
# .dev.vars holds NAME=value lines; Spin reads variables as SPIN_VARIABLE_<NAME>.
while IFS='=' read -r name value; do
  [ -n "$name" ] && [ "${name#\#}" = "$name" ] && export "SPIN_VARIABLE_$name=$value"
done <.dev.vars
port="${PORT:-3000}"
echo "serving on http://127.0.0.1:$port (Ctrl-C stops; state in .spin/)"
exec "$spin" up --from spin.toml --listen "127.0.0.1:$port" --state-dir .spin
