# Sourced by the connector-list benchmarks once the server at $base answers: signs up
# the users they measure and sets
# - $empty: the bearer token of a user with no connection;
# - $configured: that of a user with the four config connectors saved (unverified);
# - $etag: the ETag of $empty's connector list;
# - $connected, when $connect_all names the bench_connect_all example's binary (which
#   needs $DATABASE_URL and $CONNECTORS_ENCRYPTION_KEY): that of a user with every
#   connector connected (the OAuth ones written through the store, the config ones
#   saved unverified).
# Prints the new user's bearer token, then its id.
signup_with_id() {
  curl -fs -X POST "$base/api/v1/auth/signup" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"correct horse battery\"}" \
    | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["token"]); print(a["user"]["id"])'
}
# The token alone (sed, not head: head would leave before the id is written, and the
# writer would die of a broken pipe).
signup() {
  signup_with_id "$1" | sed -n 1p
}
empty=$(signup empty@example.com)
configured=$(signup configured@example.com)
save_for() {
  curl -fs -X POST "$base/api/v1/connectors/$2/config?verify=false" \
    -H "Authorization: Bearer $1" -H 'content-type: application/json' -d "$3" >/dev/null
}
save_config_connectors() {
  local token=$1
  save() { save_for "$token" "$@"; }
  save smtp '{"host":"smtp.example.com","port":587,"security":"starttls","username":"ada","password":"bench-password","from":"ada@example.com"}'
  save twilio '{"account_sid":"AC0123456789abcdef0123456789abcdef","auth_token":"0123456789abcdef0123456789abcdef"}'
  save minio '{"endpoint":"https://s3.example.com","access_key":"bench-access","secret_key":"bench-secret-key","bucket":"bench"}'
  save hostinger '{"api_token":"hostinger-bench-token-0123456789"}'
}
save_config_connectors "$configured"
connected=""
if [ -n "${connect_all:-}" ]; then
  { read -r connected; read -r connected_id; } < <(signup_with_id connected@example.com)
  # Written behind the server's back first: the config saves then drop its view cache.
  "$connect_all" "$DATABASE_URL" "$connected_id"
  save_config_connectors "$connected"
  curl -fs -H "Authorization: Bearer $connected" "$base/api/v1/connectors" | python3 -c '
import json, sys
cards = json.load(sys.stdin)
cards = cards.get("connectors", cards) if isinstance(cards, dict) else cards
n = sum(card["connected"] for card in cards)
print(f"connected user: {n} of {len(cards)} connectors connected")'
fi
etag=$(curl -fsI -H "Authorization: Bearer $empty" "$base/api/v1/connectors" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
