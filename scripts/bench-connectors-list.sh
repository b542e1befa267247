#!/usr/bin/env bash
# The connector list against healthz (SPEC §10, issue 18): five alternating pairs of
# wrk runs (-c32, 4 s each, server on core 0, wrk on core 1, release build, SQLite),
# median ratio and spread, for three users:
# - "empty": a user with no connection;
# - "configured": a user with the four config connectors saved;
# - "connected": a user with every connector connected (the OAuth ones written through
#   the store by the bench_connect_all example, as the callback does; SPEC §10: ≥ 0.5×);
# - "revalidating": the first user sending the list's ETag (If-None-Match → 304).
# Needs wrk (Debian: apt-get install -y wrk).
# Run: bash scripts/bench-connectors-list.sh [path/to/reference-server]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

binary="${1:-}"
if [ -z "$binary" ]; then
  SKIP_FRONTEND_BUILD="${SKIP_FRONTEND_BUILD:-}" cargo build --release -p reference-server --quiet
  binary=target/release/reference-server
fi
cargo build --release -p e2e-tests --example bench_connect_all --quiet
connect_all=target/release/examples/bench_connect_all
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/bench.db" DATA_DIR="$work" BIND_ADDR="127.0.0.1:$port" \
  BACKEND_URL="$base" RUST_LOG=warn SIGNUPS_PER_MINUTE=1000 \
  CONNECTORS_ENCRYPTION_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
# Every OAuth provider configured, so that each card is as a deployment shows it.
for provider in GOOGLE SLACK NOTION CALENDLY; do
  export "${provider}_CLIENT_ID=bench-client" "${provider}_CLIENT_SECRET=bench-secret"
done

taskset -c 0 "$binary" & server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
deadline=$(( $(date +%s) + 10 ))
until curl -fs "$base/api/v1/healthz" >/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "server did not start" >&2; exit 1; }
done

# shellcheck source=scripts/lib/bench-users.sh
. scripts/lib/bench-users.sh

rate() {
  taskset -c 1 wrk -t1 -c32 -d4s "$@" | awk '/Requests\/sec/ {print $2}'
}
pairs() {
  local label=$1; shift
  local ratios=()
  for _ in 1 2 3 4 5; do
    local health list
    health=$(rate "$base/api/v1/healthz")
    list=$(rate "$@" "$base/api/v1/connectors")
    ratios+=("$(python3 -c "print(f'{$list/$health:.3f}')")")
    echo "  $label: healthz $health req/s, connectors $list req/s"
  done
  python3 - "$label" "${ratios[@]}" <<'EOF'
import statistics, sys
label, ratios = sys.argv[1], sorted(float(r) for r in sys.argv[2:])
print(f"{label}: ratio connectors/healthz median {statistics.median(ratios):.2f} (spread {ratios[0]:.2f}..{ratios[-1]:.2f})")
EOF
}
echo "binary: $binary"
pairs empty -H "Authorization: Bearer $empty"
pairs configured -H "Authorization: Bearer $configured"
pairs connected -H "Authorization: Bearer $connected"
if [ -n "$etag" ]; then
  pairs revalidating -H "Authorization: Bearer $empty" -H "If-None-Match: $etag"
fi
