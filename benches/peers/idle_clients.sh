#!/usr/bin/env bash
# Resident memory of 1,000 idle, logged-in clients in one process, against
# the paperplane-testserver binary (release builds).
# Usage: benches/peers/idle_clients.sh [COUNT]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
count="${1:-1000}"
ulimit -n 8192 2>/dev/null || true
cargo build -q --release -p paperplane-testserver -p paperplane-peer-benches --bin idle_clients --bin paperplane-testserver
target="${CARGO_TARGET_DIR:-$root/target}/release"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$target/paperplane-testserver" --rsa-pub-out "$work/server.pem" > "$work/out" &
server=$!
for _ in $(seq 1 100); do grep -q '^ready$' "$work/out" 2>/dev/null && break; sleep 0.1; done
addr="$(awk '$1 == "dc" && $2 == "2" { print $3 }' "$work/out")"
"$target/idle_clients" "$addr" "$work/server.pem" "$count"
