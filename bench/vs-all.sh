#!/usr/bin/env bash
# Runs every side-by-side scenario (bench/vs-*.ts) with its defaults, then the report.
# About 20 minutes; each scenario first waits (bounded) for the load average to drop below 1.5.
#   bash bench/vs-all.sh [scenario ...]     # e.g. bash bench/vs-all.sh fanout api
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-nats.sh >/dev/null
bash bench/centrifugo.sh >/dev/null
scenarios=("$@")
[[ ${#scenarios[@]} -gt 0 ]] || scenarios=(idle fanout api cross-node reconnect slow)
for s in "${scenarios[@]}"; do
  echo "=== vs-$s (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  node "bench/vs-$s.ts"
done
node bench/vs-report.ts
