#!/usr/bin/env bash
# Fuzzes every operation of the server's OpenAPI document with schemathesis, as a
# signed-in user (bearer token), uploads included, for a bounded time, and fails on any
# 5xx, any answer the document does not describe (status, content type, headers, body
# schema; every error answer is documented as `{"error":{"code","message"}}`, so a
# non-JSON error fails), a bad input accepted, an authenticated operation answering
# without credentials, a wrong method not answered 405. The checks, and the few left
# out with their reasons, are in scripts/schemathesis.toml.
# Skipped operation: POST /auth/logout, which would end the session the run uses.
#
# Needs schemathesis in .venv-test/ (scripts/setup-test-deps.sh installs it).
#   SCHEMATHESIS_SECONDS=150   time budget of the fuzzing (default 150)
#   SCHEMATHESIS_SEED=…        replay a run
set -euo pipefail
cd "$(dirname "$0")/.."

st=".venv-test/bin/st"
[ -x "$st" ] || { echo "schemathesis.sh: $st not found: run bash scripts/setup-test-deps.sh" >&2; exit 1; }

SKIP_FRONTEND_BUILD="${SKIP_FRONTEND_BUILD:-}" cargo build -p reference-server --locked --quiet
server_bin="${CARGO_TARGET_DIR:-target}/debug/reference-server"
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
fake_port=$(free_port)
base="http://127.0.0.1:$port"
fake="http://127.0.0.1:$fake_port"

# The providers, faked so that every operation can answer without a 5xx: OpenAI mints
# client secrets; every other provider call (credential checks of config connectors) is
# refused with a 401, which the server answers 422.
python3 - "$fake_port" <<'PY' &
import json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Fake(BaseHTTPRequestHandler):
    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        if self.command == "POST" and self.path == "/v1/realtime/client_secrets":
            status, body = 200, {"value": "ek_fuzz", "expires_at": int(time.time()) + 60, "session": {}}
        else:
            status, body = 401, {"error": "invalid_token", "message": "invalid token"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Fake).serve_forever()
PY
fake_pid=$!
server_pid=""
trap 'kill $fake_pid ${server_pid:-} 2>/dev/null; rm -rf "$work"' EXIT

oauth_env=()
for provider in GOOGLE SLACK NOTION CALENDLY; do
  oauth_env+=("${provider}_CLIENT_ID=fuzz-client" "${provider}_CLIENT_SECRET=fuzz-secret"
    "${provider}_AUTH_URL=$fake/auth" "${provider}_TOKEN_URL=$fake/token"
    "${provider}_REVOKE_URL=$fake/revoke" "${provider}_API_URL=$fake")
done
env "${oauth_env[@]}" DATABASE_URL="sqlite://$work/fuzz.db" DATA_DIR="$work" \
  BIND_ADDR="127.0.0.1:$port" BACKEND_URL="$base" RUST_LOG="${RUST_LOG:-warn}" \
  CONNECTORS_ENCRYPTION_KEY="$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')" \
  OPENAI_API_KEY=sk-fuzz OPENAI_BASE_URL="$fake/v1" TWILIO_API_URL="$fake" HOSTINGER_API_URL="$fake" \
  BLOCK_PRIVATE_TARGETS=true HTTP_TIMEOUT_SECONDS=2 \
  "$server_bin" > "$work/server.log" 2>&1 &
server_pid=$!
deadline=$(( $(date +%s) + 30 ))
until curl -fs "$base/api/v1/healthz" >/dev/null; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  [ "$(date +%s)" -lt "$deadline" ] || { echo "schemathesis.sh: the server did not start" >&2; exit 1; }
  sleep 0.1
done

token=$(curl -fs -X POST "$base/api/v1/auth/signup" -H 'content-type: application/json' \
  -d '{"email":"fuzz@example.com","password":"correct horse battery"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

seed=()
[ -n "${SCHEMATHESIS_SEED:-}" ] && seed=(--seed "$SCHEMATHESIS_SEED")
status=0
"$st" --config-file scripts/schemathesis.toml run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --exclude-path /api/v1/auth/logout \
  --max-time "${SCHEMATHESIS_SECONDS:-150}" \
  --no-color "${seed[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "== server log (last 50 lines)" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
