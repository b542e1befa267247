#!/usr/bin/env bash
# Starts the reference server N times (default 200) with no configuration in a new empty
# folder each time (only BIND_ADDR is set, to a free port), waits for /api/v1/healthz
# (polling, 10 s deadline), stops it, and counts the starts that failed. The first
# command of the README must never fail: this is how we know (issue 17).
# Run: bash scripts/fresh-starts.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-200}"
SKIP_FRONTEND_BUILD="${SKIP_FRONTEND_BUILD:-}" cargo build --release -p reference-server --quiet
binary="$PWD/target/release/reference-server"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=0
total_ms=0
for run in $(seq 1 "$runs"); do
  folder="$work/$run"
  mkdir "$folder"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  start=$(date +%s%N)
  (cd "$folder" && BIND_ADDR="127.0.0.1:$port" RUST_LOG=warn exec "$binary" >"$folder/log" 2>&1) &
  server=$!
  ready=""
  while kill -0 "$server" 2>/dev/null; do
    if curl -fs "http://127.0.0.1:$port/api/v1/healthz" >/dev/null 2>&1; then ready=1; break; fi
    [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 10000 ] || break
  done
  if [ -n "$ready" ]; then
    total_ms=$(( total_ms + ($(date +%s%N) - start) / 1000000 ))
    kill "$server"; wait "$server" 2>/dev/null || true
  else
    failed=$((failed + 1))
    kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
    echo "start $run failed: $(tail -1 "$folder/log")" >&2
  fi
  rm -rf "$folder"
done
ok=$((runs - failed))
echo "fresh starts: $runs, failed: $failed, mean time to first healthz: $(( ok > 0 ? total_ms / ok : 0 )) ms"
[ "$failed" -eq 0 ]
