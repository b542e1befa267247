#!/usr/bin/env bash
# Runs every test suite: Rust (unit, integration, end-to-end against fake providers,
# SQLite and PostgreSQL), the dashboard's Vitest suite, and the browser journeys in
# headless Chromium.
#
# Needs: PostgreSQL reachable at TEST_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/postgres), Node.js 20+ with npm, and Chromium at
# CHROMIUM_PATH (default /usr/bin/chromium) for the browser journeys.
set -euo pipefail
cd "$(dirname "$0")/.."

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

echo "== frontend: install, unit tests, build"
(cd frontend && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test && npm run build)

echo "== rust: every crate's tests"
# The dashboard was just built; the server's build script need not build it again.
SKIP_FRONTEND_BUILD=1 cargo test --workspace --all-features --locked

if [ -d tests/e2e ]; then
  echo "== browser journeys (headless Chromium)"
  if [ ! -x "$CHROMIUM_PATH" ]; then
    echo "Chromium not found at $CHROMIUM_PATH: install it (Debian: apt-get install -y chromium)" >&2
    exit 1
  fi
  SKIP_FRONTEND_BUILD=1 cargo build -p reference-server --locked
  (cd tests/e2e && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test)
fi
