#!/usr/bin/env bash
# The refresh storm at scale as real OS processes (SPEC §10, issue 18): builds the
# release server, then runs tests/benches/storm_processes.rs, which starts 8 of them on
# one new PostgreSQL database behind a statement-counting proxy and sends 1,000
# concurrent callers over 100 grants, first on valid tokens, then on expired ones with
# rotating refresh tokens (fake Google answering in 100 ms).
# Needs PostgreSQL at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
# Shape: STORM_PROCESSES, STORM_CALLERS, STORM_GRANTS, STORM_PROVIDER_MS.
# Run: bash scripts/bench-storm-processes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_FRONTEND_BUILD="${SKIP_FRONTEND_BUILD:-}" cargo build --release -p reference-server --quiet
# 1,000 callers, the fake provider's 1,000 connections and the proxy's, in one process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
STORM_SERVER="$PWD/target/release/reference-server" \
  cargo bench -p e2e-tests --bench storm_processes --quiet
