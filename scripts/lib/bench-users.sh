# Sourced by the connector-list benchmarks once the server at $base answers: signs up
# the two users they measure and sets
# - $empty: the bearer token of a user with no connection;
# - $configured: that of a user with the four config connectors saved (unverified);
# - $etag: the ETag of $empty's connector list.
signup() {
  curl -fs -X POST "$base/api/v1/auth/signup" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"correct horse battery\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
empty=$(signup empty@example.com)
configured=$(signup configured@example.com)
save() {
  curl -fs -X POST "$base/api/v1/connectors/$1/config?verify=false" \
    -H "Authorization: Bearer $configured" -H 'content-type: application/json' -d "$2" >/dev/null
}
save smtp '{"host":"smtp.example.com","port":587,"security":"starttls","username":"ada","password":"bench-password","from":"ada@example.com"}'
save twilio '{"account_sid":"AC0123456789abcdef0123456789abcdef","auth_token":"0123456789abcdef0123456789abcdef"}'
save minio '{"endpoint":"https://s3.example.com","access_key":"bench-access","secret_key":"bench-secret-key","bucket":"bench"}'
save hostinger '{"api_token":"hostinger-bench-token-0123456789"}'
etag=$(curl -fsI -H "Authorization: Bearer $empty" "$base/api/v1/connectors" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
