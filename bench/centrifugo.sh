#!/usr/bin/env bash
# Prints the path of real Centrifugo v6, built once (scripts/ensure-centrifugo.sh holds the
# one build path). The side-by-side benchmarks (bench/vs-*.ts) call this.
#
#   bash bench/centrifugo.sh            # builds (first time only), prints the binary path
#   CENTRIFUGO_VERSION=v6.9.1 bash bench/centrifugo.sh
set -euo pipefail
. "$(dirname "$0")/../scripts/ensure-centrifugo.sh"
echo "${CENTRIFUGO_TS_CENTRIFUGO}"
