#!/usr/bin/env bash
# Every test: the Rust workspace, then Telethon (an independent MTProto
# client, installed from PyPI into a local virtualenv) against the local
# test server.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test
interop/telethon/run.sh
