#!/usr/bin/env bash
# The public API check: lists the public API of every publishable library crate with
# cargo-public-api (from each crate's rustdoc JSON, all features on, as docs.rs builds
# it) and compares it with the listing committed under api/<crate>.txt, so that a
# change of the API, and above all a break, is seen in review instead of by users.
#
#   bash scripts/public-api.sh           # check: prints the diff and exits 1 on a change
#   bash scripts/public-api.sh --write   # accept: rewrites api/*.txt
#
# A line removed or changed in a listing is a semver break (before 1.0: a minor bump,
# with a "Breaking" entry in CHANGELOG.md); a line added is a new item. The listings
# leave out blanket impls (`impl<T> From<T> for T`, …) and auto traits (`Send`, `Sync`,
# `Unpin`, …), which only add noise, and keep every other trait impl, derived ones
# included: dropping a `Clone` or a `From` breaks callers too.
#
# reference-server is left out on purpose: its library exists for its own binary and
# tests (every module is `pub` so tests reach it); its contract is the HTTP API
# (openapi.json, checked by scripts/check-api-types.sh and schemathesis), the CLI and
# the environment variables, not its Rust items.
#
# Rustdoc JSON is still unstable: the stable toolchain emits it with RUSTC_BOOTSTRAP=1.
# That changes the compiler's fingerprint, so the documentation is built in its own
# target directory (target/public-api), which keeps the normal build's cache intact.
# The cargo-public-api version below reads the JSON format of rustc 1.95 (format
# version 57); when a newer rustc moves the format past it, cargo-public-api says it
# cannot parse the file: raise the pinned version (its README's compatibility table
# names the first version reading each format).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_PUBLIC_API_VERSION="0.52.0"
CRATES=(connectors-core connectors-providers connectors-store realtime-secret voice-tools)

write=false
case "${1:-}" in
  "") ;;
  --write) write=true ;;
  *)
    echo "usage: bash scripts/public-api.sh [--write]" >&2
    exit 2
    ;;
esac

if [ "$(cargo public-api --version 2>/dev/null || true)" != "cargo-public-api $CARGO_PUBLIC_API_VERSION" ]; then
  echo "== installing cargo-public-api $CARGO_PUBLIC_API_VERSION (a few minutes, once)"
  cargo install --locked "cargo-public-api@$CARGO_PUBLIC_API_VERSION"
fi

target_dir="${CARGO_TARGET_DIR:-target}/public-api"
listings="$(mktemp -d)"
trap 'rm -rf "$listings"' EXIT

for crate in "${CRATES[@]}"; do
  RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$target_dir" \
    cargo rustdoc --quiet --locked -p "$crate" --all-features --lib \
    -- -Z unstable-options --output-format json
  json="$target_dir/doc/${crate//-/_}.json"
  if ! cargo public-api --rustdoc-json "$json" -ss --color=never > "$listings/$crate.txt"; then
    echo "cargo-public-api $CARGO_PUBLIC_API_VERSION could not read $json: if rustc" \
      "changed its rustdoc JSON format, raise CARGO_PUBLIC_API_VERSION in $0" >&2
    exit 1
  fi
done

if $write; then
  mkdir -p api
  for crate in "${CRATES[@]}"; do
    cp "$listings/$crate.txt" "api/$crate.txt"
    echo "api/$crate.txt: $(grep -c . "api/$crate.txt") lines"
  done
  exit 0
fi

changed=()
for crate in "${CRATES[@]}"; do
  if [ ! -f "api/$crate.txt" ]; then
    echo "api/$crate.txt is missing" >&2
    changed+=("$crate")
  elif ! diff -u --label "api/$crate.txt (committed)" --label "$crate (this tree)" \
    "api/$crate.txt" "$listings/$crate.txt"; then
    changed+=("$crate")
  fi
done

if [ ${#changed[@]} -gt 0 ]; then
  cat >&2 <<EOF

The public API of ${changed[*]} differs from api/: review the diff above.
Lines marked - were removed or changed: that breaks users (a semver break; say so
under "Breaking" in CHANGELOG.md). Lines marked + are new items. To accept the
change, run: bash scripts/public-api.sh --write, and commit api/.
EOF
  exit 1
fi
echo "public API unchanged (${CRATES[*]})"
