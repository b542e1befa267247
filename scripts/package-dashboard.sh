#!/usr/bin/env bash
# Builds the dashboard and copies it into reference-server/dashboard/, where the
# packaged crate carries it (so that `cargo install reference-server` serves it). Run
# before `cargo package` or `cargo publish` of reference-server; the copy is generated,
# ignored by git, never committed. Cargo counts it as uncommitted, so those need
# `--allow-dirty` once `git status` shows nothing else (package-check.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."
(cd frontend && npm ci --no-audit --no-fund && npm run build)
rm -rf reference-server/dashboard
cp -R frontend/dist reference-server/dashboard
echo "reference-server/dashboard: $(find reference-server/dashboard -type f | wc -l) files"
