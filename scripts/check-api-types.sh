#!/usr/bin/env bash
# Checks that the dashboard's API types (frontend/src/api-types.ts) are what
# openapi-typescript generates from the OpenAPI document the server serves
# (GET /api/v1/openapi.json): the server is built and started on a free port with a
# throw-away DATA_DIR and SQLite database, its document fetched, the types generated
# and compared. Fails with the difference when they drifted.
#
#   bash scripts/check-api-types.sh          check (scripts/test.sh runs this)
#   bash scripts/check-api-types.sh --write  regenerate frontend/src/api-types.ts
#
# Needs the npm packages of frontend/ (scripts/setup-test-deps.sh) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

generator="frontend/node_modules/.bin/openapi-typescript"
[ -x "$generator" ] || { echo "check-api-types.sh: $generator not found: run bash scripts/setup-test-deps.sh" >&2; exit 1; }
committed="frontend/src/api-types.ts"

SKIP_FRONTEND_BUILD="${SKIP_FRONTEND_BUILD:-}" cargo build -p reference-server --locked --quiet
server_bin="${CARGO_TARGET_DIR:-target}/debug/reference-server"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
server_pid=""
trap 'kill ${server_pid:-} 2>/dev/null; rm -rf "$work"' EXIT

DATABASE_URL="sqlite://$work/types.db" DATA_DIR="$work" BIND_ADDR="127.0.0.1:$port" \
  BACKEND_URL="$base" RUST_LOG="${RUST_LOG:-warn}" \
  "$server_bin" > "$work/server.log" 2>&1 &
server_pid=$!
deadline=$(( $(date +%s) + 30 ))
until curl -fs "$base/api/v1/healthz" >/dev/null; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  [ "$(date +%s)" -lt "$deadline" ] || { echo "check-api-types.sh: the server did not start within 30 s" >&2; exit 1; }
  sleep 0.1
done
curl -fs "$base/api/v1/openapi.json" -o "$work/openapi.json"

# Free-form objects (JSON Schemas, config values) as `Record<string, unknown>`.
"$generator" "$work/openapi.json" --empty-objects-unknown -o "$work/api-types.ts" >/dev/null 2>"$work/generator.log" ||
  { cat "$work/generator.log" >&2; exit 1; }

if [ "${1:-}" = "--write" ]; then
  cp "$work/api-types.ts" "$committed"
  echo "check-api-types.sh: wrote $committed"
elif ! diff -u "$committed" "$work/api-types.ts"; then
  echo "check-api-types.sh: $committed differs from what the server's OpenAPI document generates (above);" >&2
  echo "  regenerate it with: bash scripts/check-api-types.sh --write" >&2
  exit 1
else
  echo "check-api-types.sh: $committed matches the server's OpenAPI document"
fi
