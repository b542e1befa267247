#!/usr/bin/env bash
# Installs what the test suites need and this machine lacks, and nothing else:
#
#   - Debian packages: chromium (the browser journeys), sqlite3 (a journey reads the
#     server's database file), openssl (the SMTP tests make a TLS certificate),
#     espeak-ng (speaks the order the browser's fake microphone plays), libopus0 (the
#     fake Realtime peer decodes the microphone's Opus with it);
#   - Python packages, in a virtual environment under the project (.venv-test/, ignored
#     by git; scripts/test.sh puts its bin/ first on PATH): aiosmtpd (the SMTP peer),
#     schemathesis, standardwebhooks (the webhook receiver's signature check),
#     pocketsphinx (the fake Realtime peer's speech recogniser, its English model inside);
#   - s3s-fs 0.14.1, the signature-checking S3 peer of the minio tests, built into
#     .tools/bin (ignored by git; scripts/test.sh puts it on PATH);
#   - the npm packages of frontend/ and tests/e2e/ (npm ci when node_modules is missing
#     or older than package-lock.json).
#
# Idempotent: a second run installs nothing and takes about a second. Each install says
# what it installs and why; anything it cannot do ends the run with one line saying so.
# scripts/test.sh runs it first; run it alone to prepare a machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

# To add a Debian package: one line "package|why|command that succeeds when present".
DEBIAN_PACKAGES=(
  "chromium|headless browser of the browser journeys (tests/e2e)|[ -x /usr/bin/chromium ]"
  "sqlite3|a browser journey reads the server's SQLite file with it|command -v sqlite3"
  "openssl|the SMTP tests make a self-signed TLS certificate with it|command -v openssl"
  "libopus0|the fake Realtime peer decodes the browser's Opus microphone audio with it (tests/e2e/fakes/recognise.py)|ldconfig -p | grep -q 'libopus\\.so\\.0'"
  "espeak-ng|speaks the spoken order the browser's fake microphone plays (tests/e2e/spoken-order.test.mjs)|command -v espeak-ng"
)

# To add a Python package: one line "requirement|why" (pinned: installed when the venv
# lacks this exact version).
PYTHON_PACKAGES=(
  "aiosmtpd==1.4.6|the real SMTP server, with AUTH, of the SMTP connector tests"
  "schemathesis==4.32.5|fuzzes every operation of the OpenAPI document (scripts/schemathesis.sh)"
  "prometheus-client==0.26.0|the Prometheus text-format parser of the /metrics tests (tests/prometheus/parse.py)"
  "standardwebhooks==1.1.0|the official Standard Webhooks library: tests/webhook-receiver verifies the server's webhook signatures with it"
  "pocketsphinx==5.1.1|the fake Realtime peer recognises the spoken order with it, English model included (tests/e2e/fakes/recognise.py)"
)

S3S_FS_VERSION=0.14.1
VENV="$ROOT/.venv-test"
TOOLS="$ROOT/.tools"
installed=0

fail() {
  echo "setup-test-deps: $*" >&2
  exit 1
}

announce() {
  echo "== installing $*"
  installed=1
}

# --- tools that cannot be installed from here -------------------------------------------
command -v cargo >/dev/null || fail "cargo not found: install Rust 1.94+ (rustup) first"
command -v node >/dev/null && command -v npm >/dev/null ||
  fail "node and npm not found: install Node.js 20+ with npm first"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || fail "Node.js $(node --version) is too old: install Node.js 20+"

# --- Debian packages --------------------------------------------------------------------
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
missing_debs=()
why_debs=()
for entry in "${DEBIAN_PACKAGES[@]}"; do
  IFS='|' read -r package why probe <<<"$entry"
  if [ "$package" = chromium ] && [ "$chromium" != /usr/bin/chromium ]; then
    # A browser of the user's choice: not installed from here, just checked.
    [ -x "$chromium" ] || fail "CHROMIUM_PATH=$chromium is not an executable file"
    continue
  fi
  bash -c "$probe" >/dev/null 2>&1 && continue
  missing_debs+=("$package")
  why_debs+=("$package: $why")
done
# The virtual environment needs Python 3 with venv and ensurepip (Debian: python3-venv).
if ! command -v python3 >/dev/null; then
  missing_debs+=(python3 python3-venv)
  why_debs+=("python3, python3-venv: the Python test peers run in a virtual environment")
elif [ ! -x "$VENV/bin/python3" ] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  missing_debs+=(python3-venv)
  why_debs+=("python3-venv: the Python test peers run in a virtual environment")
fi

if [ "${#missing_debs[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null ||
    fail "missing ${missing_debs[*]} and no apt-get here: install them with your package manager"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      fail "missing Debian packages ${missing_debs[*]}: run as root, or first: sudo apt-get install -y ${missing_debs[*]}"
    fi
  fi
  for why in "${why_debs[@]}"; do announce "$why (Debian package)"; done
  log="$(mktemp)"
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${sudo[@]}" apt-get update -q && "${sudo[@]}" apt-get install -y -q "${missing_debs[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -f "$log"
    fail "apt-get install ${missing_debs[*]} failed (its last lines above)"
  fi
  rm -f "$log"
fi

# --- Python packages, in .venv-test/ ----------------------------------------------------
if [ ! -x "$VENV/bin/python3" ] || ! "$VENV/bin/python3" -c '' 2>/dev/null; then
  announce "a Python virtual environment at .venv-test/ (keeps the test peers out of the system's site-packages)"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || fail "python3 -m venv .venv-test failed (Debian: apt-get install python3-venv)"
fi
requirements=()
for entry in "${PYTHON_PACKAGES[@]}"; do requirements+=("${entry%%|*}"); done
# The pinned requirements the venv does not hold at exactly that version.
missing="$("$VENV/bin/python3" - "${requirements[@]}" <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version

def held(requirement):
    name, wanted = requirement.split("==")
    try:
        return version(name) == wanted
    except PackageNotFoundError:
        return False

print(" ".join(r for r in sys.argv[1:] if not held(r)))
EOF
)" || fail "could not read the packages of .venv-test/ (delete it and run again)"
read -ra missing_py <<<"$missing"
if [ "${#missing_py[@]}" -gt 0 ]; then
  for entry in "${PYTHON_PACKAGES[@]}"; do
    for requirement in "${missing_py[@]}"; do
      if [ "${entry%%|*}" = "$requirement" ]; then
        announce "$requirement into .venv-test/ (${entry#*|})"
      fi
    done
  done
  "$VENV/bin/python3" -m pip install -q --disable-pip-version-check "${missing_py[@]}" ||
    fail "pip install ${missing_py[*]} into .venv-test/ failed"
fi

# --- s3s-fs, into .tools/bin ------------------------------------------------------------
if [ ! -x "$TOOLS/bin/s3s-fs" ] && ! command -v s3s-fs >/dev/null; then
  announce "s3s-fs $S3S_FS_VERSION into .tools/bin (the signature-checking S3 server of the minio tests; one build of a few minutes)"
  cargo install --quiet --root "$TOOLS" "s3s-fs@$S3S_FS_VERSION" --features binary --locked ||
    fail "cargo install s3s-fs@$S3S_FS_VERSION --features binary --locked failed"
fi

# --- npm packages -----------------------------------------------------------------------
for dir in frontend tests/e2e; do
  [ -f "$dir/package-lock.json" ] || continue
  # npm ci writes node_modules/.package-lock.json: older than the lock file means stale.
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    announce "the npm packages of $dir/ (npm ci: node_modules is missing or older than package-lock.json)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed in $dir/"
  fi
done

[ "$installed" -eq 1 ] || echo "== test dependencies: all present (scripts/setup-test-deps.sh)"
