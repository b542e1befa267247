#!/usr/bin/env bash
# Load benchmarks of the reference server (SPEC §10), on loopback only:
# - start-up time with migrations on a new SQLite database;
# - idle RSS, then RSS after 100k requests;
# - authenticated GET /api/v1/connectors against GET /api/v1/healthz (req/s),
#   the server pinned to core 0 and wrk to core 1.
# Needs wrk (Debian: apt-get install -y wrk). Run: bash scripts/bench-http.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

SKIP_FRONTEND_BUILD="${SKIP_FRONTEND_BUILD:-}" cargo build --release -p reference-server --quiet
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/bench.db" DATA_DIR="$work" BIND_ADDR="127.0.0.1:$port" \
  BACKEND_URL="$base" RUST_LOG=warn LOGIN_ATTEMPTS_PER_MINUTE=1000

start=$(date +%s%N)
taskset -c 0 target/release/reference-server & server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
until curl -fs "$base/api/v1/healthz" >/dev/null; do
  [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 10000 ] || { echo "server did not start" >&2; exit 1; }
done
ready=$(( ($(date +%s%N) - start) / 1000000 ))
echo "start-up with migrations on a new SQLite database (to first healthz answer): ${ready} ms"

sleep 1
echo "idle RSS: $(( $(awk '/VmRSS/ {print $2}' /proc/$server/status) / 1024 )) MB"

token=$(curl -fs -X POST "$base/api/v1/auth/signup" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"correct horse battery"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

total=0
run() {
  local out
  out=$(taskset -c 1 wrk -t1 -c16 -d"${DURATION:-10s}" "$@")
  total=$(( total + $(echo "$out" | awk '/requests in/ {print $1}') ))
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}
health=$(run "$base/api/v1/healthz")
connectors=$(run -H "Authorization: Bearer $token" "$base/api/v1/connectors")
echo "GET /api/v1/healthz:    $health req/s"
echo "GET /api/v1/connectors: $connectors req/s (authenticated)"
python3 -c "print(f'ratio connectors/healthz: {$connectors/$health:.2f} (target >= 0.5)')"
while [ "$total" -lt 100000 ]; do run "$base/api/v1/healthz" >/dev/null; done
echo "RSS after $total requests: $(( $(awk '/VmRSS/ {print $2}' /proc/$server/status) / 1024 )) MB"
