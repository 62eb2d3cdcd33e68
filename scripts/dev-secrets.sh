#!/usr/bin/env bash
# Writes .dev.vars (gitignored) with fresh local secrets, once: an Ed25519 signing key and the
# auth secret. `wrangler dev` reads the file itself; scripts/dev-spin.sh passes the same values
# to `spin up` as SPIN_VARIABLE_*.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
if [ ! -f .dev.vars ]; then
  random_b64url() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
  {
    echo "JWT_SIGNING_KEYS=dev-$(date +%Y%m%d):$(random_b64url)"
    echo "AUTH_SECRET=$(random_b64url)"
  } >.dev.vars
  echo "wrote .dev.vars with fresh local secrets"
fi
