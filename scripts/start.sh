#!/usr/bin/env bash
# Starts a centrifugo-ts node on the embedded in-memory engine from a fresh checkout:
# a current Node, the npm dependencies, a generated config.json on first run, then serve.
# Extra arguments go to the node (for example: --http_server.port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh
if [ ! -d node_modules ]; then
  echo "start: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f config.json ]; then
  node src/main.ts genconfig -c config.json
fi
# The node flags of src/node/runtime-flags.ts.
exec node --max-semi-space-size=4 src/main.ts -c config.json --health.enabled --prometheus.enabled "$@"
