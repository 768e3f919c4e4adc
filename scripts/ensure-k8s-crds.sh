#!/usr/bin/env bash
# CRDs of other projects that the operator's children may be (source it): the Gateway API's
# standard channel (HTTPRoute), from its Go module sigs.k8s.io/gateway-api, which ships them
# under config/crd/standard. Fetched once through the Go module proxy into the module cache;
# exports CENTRIFUGO_TS_GATEWAY_API_CRDS (the directory) for test/operator/traffic.test.ts.
CENTRIFUGO_TS_GATEWAY_API_VERSION="${CENTRIFUGO_TS_GATEWAY_API_VERSION:-v1.6.1}"

_ensure_k8s_crds() {
  local mod="sigs.k8s.io/gateway-api@$CENTRIFUGO_TS_GATEWAY_API_VERSION" json dir
  command -v go >/dev/null 2>&1 || { echo "ensure-k8s-crds: go is needed" >&2; return 1; }
  json=$(cd /tmp && go mod download -json "$mod" 2>&1) \
    || { echo "ensure-k8s-crds: go mod download $mod failed: $json" >&2; return 1; }
  dir=$(echo "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [ -f "$dir/config/crd/standard/gateway.networking.k8s.io_httproutes.yaml" ] \
    || { echo "ensure-k8s-crds: no HTTPRoute CRD in $dir" >&2; return 1; }
  export CENTRIFUGO_TS_GATEWAY_API_CRDS="$dir/config/crd/standard"
  echo "ensure-k8s-crds: Gateway API $CENTRIFUGO_TS_GATEWAY_API_VERSION CRDs at $CENTRIFUGO_TS_GATEWAY_API_CRDS" >&2
}

_ensure_k8s_crds
unset -f _ensure_k8s_crds
