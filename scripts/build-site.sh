#!/usr/bin/env bash
# Assembles the static site (target/site): the OpenAPI document, and the Swagger UI and ReDoc
# pages with their assets from the pinned npm packages (served by the API itself, no CDN).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
site=target/site
rm -rf "$site"
mkdir -p "$site/docs" "$site/redoc"
cp docs/openapi.json "$site/openapi.json"
cp docs/site/docs/* "$site/docs/"
for file in swagger-ui-bundle.js swagger-ui.css oauth2-redirect.html oauth2-redirect.js; do
  cp "node_modules/swagger-ui-dist/$file" "$site/docs/"
done
cp docs/site/redoc/* "$site/redoc/"
cp node_modules/redoc/bundles/redoc.standalone.js "$site/redoc/"
