#!/usr/bin/env bash
# RSS of the release server during and after a burst of anonymous signups (SPEC §10:
# <= 100 MB during and after 10 parallel loops), with SIGNUPS_PER_MINUTE set high so
# that what is measured is the bound on password hashing, not the rate limit.
#
# Run: bash scripts/bench-signup-rss.sh
#   LOOPS=10 PER_LOOP=30   size of the burst (default: 10 loops of 30 signups)
#   MALLOC_ARENA_MAX=2     passed through to the server, to compare glibc arenas
set -euo pipefail
cd "$(dirname "$0")/.."

loops="${LOOPS:-10}"
per_loop="${PER_LOOP:-30}"

SKIP_FRONTEND_BUILD="${SKIP_FRONTEND_BUILD:-}" cargo build --release -p reference-server --quiet
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/bench.db" DATA_DIR="$work" BIND_ADDR="127.0.0.1:$port" \
  BACKEND_URL="$base" RUST_LOG=warn SIGNUPS_PER_MINUTE=1000000

target/release/reference-server & server=$!
sampler=""
trap 'kill $server ${sampler:-} 2>/dev/null; rm -rf "$work"' EXIT
deadline=$(( $(date +%s) + 30 ))
until curl -fs "$base/api/v1/healthz" >/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "server did not start" >&2; exit 1; }
  sleep 0.05
done

rss_mb() { echo $(( $(awk '/VmRSS/ {print $2}' "/proc/$server/status") / 1024 )); }
echo "server: pid $server${MALLOC_ARENA_MAX:+, MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX}"
echo "RSS idle before the burst: $(rss_mb) MB"

# Sample RSS every 100 ms while the burst runs; the highest sample is the peak.
( peak=0
  while kill -0 "$server" 2>/dev/null; do
    now=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
    [ "$now" -gt "$peak" ] && { peak=$now; echo "$peak" > "$work/peak"; }
    sleep 0.1
  done ) & sampler=$!

signup_loop() {
  local loop=$1 i status failures=0
  for i in $(seq 1 "$per_loop"); do
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/auth/signup" \
      -H 'content-type: application/json' \
      -d "{\"email\":\"burst-$loop-$i-$RANDOM@example.com\",\"password\":\"correct horse battery\"}")
    [ "$status" = 201 ] || failures=$((failures + 1))
  done
  echo "$failures" > "$work/failures-$loop"
}

start=$(date +%s%N)
pids=()
for loop in $(seq 1 "$loops"); do signup_loop "$loop" & pids+=($!); done
wait "${pids[@]}"
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
failed=$(cat "$work"/failures-* | awk '{ n += $1 } END { print n }')
total=$(( loops * per_loop ))
echo "burst: $loops loops x $per_loop signups = $total in ${elapsed} ms ($failed not 201)"
echo "RSS peak during the burst: $(( $(cat "$work/peak") / 1024 )) MB"
echo "RSS right after the burst: $(rss_mb) MB"
sleep 5
echo "RSS 5 s after the burst (idle): $(rss_mb) MB"
