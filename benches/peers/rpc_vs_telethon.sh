#!/usr/bin/env bash
# paperplane and Telethon side by side: round trips per second of
# help.getNearestDc against one paperplane-testserver process (release
# build), 1 and 256 requests in flight, alternating three rounds.
# Usage: benches/peers/rpc_vs_telethon.sh [REQUESTS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
requests="${1:-20000}"
venv="${PAPERPLANE_VENV:-$root/target/interop-venv}"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install -q -r "$root/interop/telethon/requirements.txt"

cargo build -q --release -p paperplane-testserver -p paperplane-peer-benches --bin rpc_load --bin paperplane-testserver
target="${CARGO_TARGET_DIR:-$root/target}/release"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$target/paperplane-testserver" --rsa-pub-out "$work/server.pem" > "$work/out" &
server=$!
for _ in $(seq 1 100); do grep -q '^ready$' "$work/out" 2>/dev/null && break; sleep 0.1; done
addr="$(awk '$1 == "dc" && $2 == "2" { print $3 }' "$work/out")"

for round in 1 2 3; do
  for inflight in 1 256; do
    n=$requests; [ "$inflight" = 1 ] && n=$((requests / 4))
    p=$("$target/rpc_load" "$addr" "$work/server.pem" "$inflight" "$n")
    t=$("$venv/bin/python" "$here/telethon/rpc_load.py" "${addr%:*}" "${addr##*:}" "$work/server.pem" "$inflight" "$n")
    echo "round $round: $p"
    echo "round $round: $t"
    pr=${p##*rps=}; tr=${t##*rps=}
    echo "round $round: inflight=$inflight ratio paperplane/telethon = $(python3 -c "print(f'{$pr/$tr:.2f}x')")"
  done
done
