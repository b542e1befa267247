#!/usr/bin/env bash
# Packages every publishable crate the way `cargo publish` would (core, store,
# providers, realtime-secret, voice-tools, server, in dependency order, unpublished
# workspace dependencies resolved locally): catches a dependency cycle, a missing
# README or licence file, or metadata crates.io refuses. `--verify` also builds each
# packaged crate from its .crate file (slow: about ten minutes on two cores).
set -euo pipefail
cd "$(dirname "$0")/.."
verify="--no-verify"
if [ "${1:-}" = "--verify" ]; then verify=""; fi
# Cargo counts the generated reference-server/dashboard/ as uncommitted: check that
# nothing else is, then let it through.
if [ -n "$(git status --porcelain)" ]; then
  echo "uncommitted changes: commit them before packaging" >&2
  git status --short >&2
  exit 1
fi
# The server's package carries the built dashboard, so that `cargo install` serves it.
bash scripts/package-dashboard.sh
cargo package --workspace --locked --allow-dirty $verify \
  --exclude example-embed-axum --exclude example-custom-connector --exclude e2e-tests
ls target/package/*.crate
if ! tar tzf target/package/reference-server-*.crate | grep '/dashboard/index.html$' > /dev/null; then
  echo "the reference-server package lacks dashboard/index.html" >&2
  exit 1
fi
