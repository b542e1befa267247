#!/usr/bin/env bash
# Lists every function under reference-server/src/routes/ with its length in lines
# (signature to closing brace), longest first, and fails when one is over the limit
# (default 15): handlers extract, call one service, answer.
#   bash scripts/handler-lengths.sh [limit]
set -euo pipefail
cd "$(dirname "$0")/.."
limit="${1:-15}"
awk -v limit="$limit" '
  # A function starts at a line declaring it and ends at the first line, at the same
  # indentation, that closes its brace (rustfmt puts it there).
  !name && match($0, /^( *)(pub(\([a-z]+\))? )?(async )?fn [a-z_0-9]+/) {
    indent = $0; sub(/[^ ].*/, "", indent)
    name = $0; sub(/^.*fn /, "", name); sub(/[^a-z_0-9].*/, "", name)
    start = FNR
    if ($0 ~ /}$/ && $0 ~ /{/) { print FNR - start + 1, FILENAME ":" start, name; name = "" }
    next
  }
  name && $0 == indent "}" { print FNR - start + 1, FILENAME ":" start, name; name = "" }
' reference-server/src/routes/*.rs | sort -rn | awk -v limit="$limit" '
  { print; if ($1 > limit) over++ }
  END { if (over) { print over " function(s) over " limit " lines" > "/dev/stderr"; exit 1 } }
'
