#!/usr/bin/env bash
# The faults soak with paperplane and with Telethon as the client, side by
# side: the same test server, the same fault proxy schedule (same seed).
# Usage: interop/telethon/soak_side_by_side.sh [SEED] [CLIENTS] [MESSAGES] [PACE_MS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${PAPERPLANE_VENV:-$root/target/interop-venv}"
seed="${1:-42}" clients="${2:-3}" messages="${3:-300}" pace="${4:-50}"

if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install -q -r "$here/requirements.txt"
cargo build -q --release -p paperplane-testserver --bins
cargo build -q --release -p paperplane --example faults_soak
target="${CARGO_TARGET_DIR:-$root/target}/release"

work="$(mktemp -d)"
cleanup() { kill "${server:-}" "${proxy:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

bot="soak_bot=777900:AAHsoak"
"$target/paperplane-testserver" --listen 127.0.0.1:0 --rsa-pub-out "$work/server.pem" \
  --bot "$bot" > "$work/server.out" &
server=$!
for _ in $(seq 1 100); do grep -q '^ready$' "$work/server.out" 2>/dev/null && break; sleep 0.1; done
dc2="$(awk '$1 == "dc" && $2 == "2" { print $3 }' "$work/server.out")"

run() { # NAME COMMAND...
  local name="$1"; shift
  "$target/paperplane-fault-proxy" --route "127.0.0.1:0=$dc2" --seed "$seed" > "$work/proxy-$name.out" &
  proxy=$!
  for _ in $(seq 1 100); do grep -q '^ready$' "$work/proxy-$name.out" 2>/dev/null && break; sleep 0.1; done
  local via; via="$(awk '$1 == "route" { print $2 }' "$work/proxy-$name.out")"
  local result
  result="$("$@" --dc "2=$via" --rsa-key "$work/server.pem" --workdir "$work/soak" \
    --seed "$seed" --clients "$clients" --messages "$messages" --max-seconds 240 \
    --bot "$bot" --proxy-pid "$proxy" --pace-ms "$pace" | tail -1)"
  kill -TERM "$proxy"; wait "$proxy" || true
  echo "$name: $result; $(tail -1 "$work/proxy-$name.out")"
}

run paperplane "$target/examples/faults_soak"
run telethon "$venv/bin/python" "$here/soak.py"
