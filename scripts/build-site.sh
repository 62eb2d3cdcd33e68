#!/usr/bin/env bash
# Assembles the static site (target/site): the OpenAPI document, the Swagger UI and ReDoc pages,
# and GraphiQL, with their assets from the pinned npm packages (served by the API itself, no CDN).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
site=target/site
rm -rf "$site"
mkdir -p "$site/docs" "$site/redoc" "$site/graphiql"
cp docs/openapi.json "$site/openapi.json"
cp docs/site/docs/* "$site/docs/"
for file in swagger-ui-bundle.js swagger-ui.css oauth2-redirect.html oauth2-redirect.js; do
  cp "node_modules/swagger-ui-dist/$file" "$site/docs/"
done
cp docs/site/redoc/* "$site/redoc/"
cp node_modules/redoc/bundles/redoc.standalone.js "$site/redoc/"
# GraphiQL 3 (UMD) on React 18, for GET /graphql from a browser.
cp docs/site/graphiql/* "$site/graphiql/"
cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css "$site/graphiql/"
cp node_modules/react/umd/react.production.min.js node_modules/react-dom/umd/react-dom.production.min.js "$site/graphiql/"
