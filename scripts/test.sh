#!/usr/bin/env bash
# Runs every test suite: Rust (unit, integration, end-to-end against fake providers,
# SQLite and PostgreSQL), the dashboard's Vitest suite, the check that the dashboard's
# generated API types match the server's OpenAPI document, schemathesis, and the
# browser journeys in headless Chromium.
#
# First installs what the tests need and the machine lacks (scripts/setup-test-deps.sh:
# Chromium, sqlite3, espeak-ng, libopus0, aiosmtpd and pocketsphinx in .venv-test/,
# s3s-fs in .tools/, the npm packages), so
# on a fresh machine this alone is enough. Still needs: Rust, Node.js 20+ with npm, and
# PostgreSQL reachable at TEST_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/postgres). CHROMIUM_PATH (default /usr/bin/chromium)
# picks another browser.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-deps.sh
# The test peers: the venv's python3 (with aiosmtpd) and s3s-fs come first.
export PATH="$PWD/.venv-test/bin:$PWD/.tools/bin:$PATH"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -n "${CARGO_TARGET_DIR:-}" ] && [ -z "${E2E_SERVER_BIN:-}" ]; then
  # The browser journeys look for the server under ./target unless told otherwise.
  case "$CARGO_TARGET_DIR" in
    /*) export E2E_SERVER_BIN="$CARGO_TARGET_DIR/debug/reference-server" ;;
    *) export E2E_SERVER_BIN="$PWD/$CARGO_TARGET_DIR/debug/reference-server" ;;
  esac
fi

echo "== frontend: unit tests, build"
(cd frontend && npm test && npm run build)

echo "== rust: every crate's tests"
# The dashboard was just built; the server's build script need not build it again.
SKIP_FRONTEND_BUILD=1 cargo test --workspace --all-features --locked

echo "== dashboard API types: frontend/src/api-types.ts matches the server's OpenAPI document"
SKIP_FRONTEND_BUILD=1 bash scripts/check-api-types.sh

echo "== schemathesis: every operation of the OpenAPI document, fuzzed (about 2.5 minutes)"
SKIP_FRONTEND_BUILD=1 bash scripts/schemathesis.sh

if [ -d tests/e2e ]; then
  echo "== browser journeys (headless Chromium)"
  SKIP_FRONTEND_BUILD=1 cargo build -p reference-server --locked
  (cd tests/e2e && npm test)
fi
