#!/usr/bin/env bash
# Runs Telethon (pinned, from PyPI, in a local virtualenv) against the
# paperplane-testserver binary: connects over every transport, then a bot
# and test-number users sign in and chat (one following PHONE_MIGRATE), then
# it goes through the server's MTProxy endpoint (a simple and a dd secret).
# Usage: interop/telethon/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${PAPERPLANE_VENV:-$root/target/interop-venv}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r "$here/requirements.txt"

cargo build -q -p paperplane-testserver
bin="${CARGO_TARGET_DIR:-$root/target}/debug/paperplane-testserver"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

bot_token="123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
simple_secret="0123456789abcdef0123456789abcdef"
dd_secret="dd00112233445566778899aabbccddeeff"
"$bin" --listen 127.0.0.1:0 --rsa-pub-out "$work/server.pem" --bot "echo_bot=$bot_token" \
  --proxy-secret "$simple_secret" --proxy-secret "$dd_secret" > "$work/out" &
server=$!
for _ in $(seq 1 100); do
  grep -q '^ready$' "$work/out" 2>/dev/null && break
  sleep 0.1
done
grep -q '^ready$' "$work/out" || { echo "server did not start"; exit 1; }
addr="$(awk '$1 == "dc" && $2 == "2" { print $3 }' "$work/out")"
proxy="$(awk '$1 == "proxy" { print $2 }' "$work/out")"
"$venv/bin/python" "$here/connect.py" "${addr%:*}" "${addr##*:}" "$work/server.pem"
"$venv/bin/python" "$here/chat.py" "${addr%:*}" "${addr##*:}" "$work/server.pem" echo_bot "$bot_token"
"$venv/bin/python" "$here/proxy.py" "${proxy%:*}" "${proxy##*:}" "$work/server.pem" \
  "$simple_secret" "$dd_secret" "$bot_token"
