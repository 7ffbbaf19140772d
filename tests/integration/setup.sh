#!/usr/bin/env bash
# Installs the npm packages the integration tests drive (ws, peerjs, y-webrtc, peer,
# playwright-core, and esbuild to bundle y-webrtc for the browser) into
# tests/integration/node_modules, from the lock file when present.
set -euo pipefail
cd "$(dirname "$0")"
[[ -f package.json ]] || exit 0
if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
