#!/usr/bin/env bash
# Runs every side-by-side scenario (bench/vs-*.ts) with its defaults, then the report.
# About 30 minutes; each scenario first waits (bounded) for the load average to drop below 1.5.
#   bash bench/vs-all.sh [scenario ...]     # e.g. bash bench/vs-all.sh fanout api
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-nats.sh >/dev/null
bash bench/centrifugo.sh >/dev/null
scenarios=("$@")
[[ ${#scenarios[@]} -gt 0 ]] || scenarios=(idle fanout fanout-10k api cross-node reconnect slow)
for s in "${scenarios[@]}"; do
  echo "=== vs-$s (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  case "$s" in
    # S2 at 10k subscribers: ten times the messages per publication, so a tenth of the rates.
    fanout-10k) node bench/vs-fanout.ts --subscribers 10000 --rates 5,10,20,40,80,160,320 ;;
    *) node "bench/vs-$s.ts" ;;
  esac
done
node bench/vs-report.ts
