#!/usr/bin/env bash
# What test/e2e needs beyond the other ensure-* scripts (source it):
#  - a Prometheus server with Kubernetes service discovery: Debian's package is built without
#    it, so one is built once from its Go module with only that discovery compiled in
#    (-tags remove_all_sd,enable_kubernetes_sd) into a cache outside the checkout, and
#    exported as CENTRIFUGO_TS_PROMETHEUS (promtool stays Debian's);
#  - a Docker engine when one can run (scripts/ensure-docker.sh; best effort).
# Prometheus 3.16.0 is Go module version v0.316.0.
CENTRIFUGO_TS_PROMETHEUS_VERSION="${CENTRIFUGO_TS_PROMETHEUS_VERSION:-v0.316.0}"
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"

_ensure_e2e_prometheus() {
  local v="$CENTRIFUGO_TS_PROMETHEUS_VERSION" dir tmp t0 release
  dir="$CENTRIFUGO_TS_CACHE/prometheus-k8s-$v"
  if [ ! -x "$dir/prometheus" ]; then
    command -v go >/dev/null 2>&1 \
      || { echo "ensure-e2e: go is needed to build prometheus" >&2; return 1; }
    # v0.316.0 -> 3.16.0, for `prometheus --version`.
    release="3.$(echo "$v" | sed -E 's/^v0\.3([0-9]{2})\.([0-9]+).*/\1.\2/' | sed 's/^0//')"
    echo "ensure-e2e: building prometheus $release with Kubernetes discovery into $dir" \
      "(go install, a few minutes the first time)" >&2
    t0=$(date +%s)
    mkdir -p "$CENTRIFUGO_TS_CACHE"
    rm -rf "$CENTRIFUGO_TS_CACHE"/.prometheus-build.*
    tmp="$(mktemp -d "$CENTRIFUGO_TS_CACHE/.prometheus-build.XXXXXX")"
    if ! GOBIN="$tmp" GOCACHE="$CENTRIFUGO_TS_CACHE/go-build" CGO_ENABLED=0 go install \
      -tags remove_all_sd,enable_kubernetes_sd \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=$release -X github.com/prometheus/common/version.Branch=module" \
      "github.com/prometheus/prometheus/cmd/prometheus@$v" >&2; then
      echo "ensure-e2e: building prometheus failed" >&2
      rm -rf "$tmp"
      return 1
    fi
    rm -rf "$dir" && mv "$tmp" "$dir"
    echo "ensure-e2e: prometheus built in $(( $(date +%s) - t0 ))s" >&2
  fi
  export CENTRIFUGO_TS_PROMETHEUS="$dir/prometheus"
  echo "ensure-e2e: $("$CENTRIFUGO_TS_PROMETHEUS" --version 2>&1 | head -1) with Kubernetes discovery at $CENTRIFUGO_TS_PROMETHEUS" >&2
}

_ensure_e2e_prometheus || { unset -f _ensure_e2e_prometheus; return 1 2>/dev/null || exit 1; }
unset -f _ensure_e2e_prometheus
. "$(dirname "${BASH_SOURCE[0]}")/ensure-docker.sh"
