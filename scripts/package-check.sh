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
cargo package --workspace --locked $verify \
  --exclude example-embed-axum --exclude example-custom-connector --exclude e2e-tests
ls target/package/*.crate
