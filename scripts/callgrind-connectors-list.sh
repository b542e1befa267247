#!/usr/bin/env bash
# CPU instructions per request of GET /api/v1/connectors against GET /api/v1/healthz,
# counted by valgrind's callgrind: the same for the same binary and inputs whatever else
# the machine runs (unlike req/s on a shared 2-core box). The inverse ratio of the
# instruction counts is what a CPU-bound server's req/s ratio tends to.
# Users: "empty" (no connection) and "configured" (the four config connectors saved);
# "revalidating" sends the list's ETag (If-None-Match → 304).
# Run: bash scripts/callgrind-connectors-list.sh [path/to/reference-server] [requests]
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-}"
requests="${2:-2000}"
if [ -z "$binary" ]; then
  SKIP_FRONTEND_BUILD="${SKIP_FRONTEND_BUILD:-}" cargo build --release -p reference-server --quiet
  binary=target/release/reference-server
fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/bench.db" DATA_DIR="$work" BIND_ADDR="127.0.0.1:$port" \
  BACKEND_URL="$base" RUST_LOG=warn SIGNUPS_PER_MINUTE=1000 BACKGROUND_REFRESH=false

valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$binary" 2>"$work/valgrind.log" & server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
deadline=$(( $(date +%s) + 120 ))
until curl -fs "$base/api/v1/healthz" >/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "server did not start" >&2; exit 1; }
  sleep 0.2
done

# shellcheck source=scripts/lib/bench-users.sh
. scripts/lib/bench-users.sh

# N requests on one kept-alive connection; prints nothing.
load() {
  python3 - "$port" "$requests" "$@" <<'EOF'
import http.client, sys
port, count, path, headers = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
header_map = dict(h.split(": ", 1) for h in headers)
connection = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(count):
    connection.request("GET", path, headers=header_map)
    answer = connection.getresponse()
    answer.read()
    assert answer.status in (200, 304), answer.status
EOF
}
# Instructions of the whole process since the last zeroing.
measure() {
  local label=$1; shift
  load "$@"        # warm-up: caches filled, connections made
  callgrind_control --zero "$server" >/dev/null
  load "$@"
  callgrind_control --dump="$label" "$server" >/dev/null
  local file
  file=$(ls -t "$work"/callgrind.out.* | head -1)
  local total
  total=$(awk '/^summary:/ {print $2}' "$file")
  echo "$label $(( total / requests ))"
}
results=$(
  measure healthz /api/v1/healthz
  measure empty /api/v1/connectors "Authorization: Bearer $empty"
  measure configured /api/v1/connectors "Authorization: Bearer $configured"
  if [ -n "$etag" ]; then
    measure revalidating /api/v1/connectors "Authorization: Bearer $empty" "If-None-Match: $etag"
  fi
)
echo "binary: $binary ($requests requests each, instructions per request)"
python3 - "$results" <<'EOF'
import sys
rows = dict(line.split() for line in sys.argv[1].splitlines())
health = int(rows.pop("healthz"))
print(f"  healthz: {health:,}")
for label, count in rows.items():
    count = int(count)
    print(f"  connectors ({label}): {count:,} = {count / health:.2f}x healthz's instructions -> expected req/s ratio ~{health / count:.2f}")
EOF
