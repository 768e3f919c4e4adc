#!/usr/bin/env bash
# CRDs of other projects that the operator's children may be (source it), each from the Go
# module of its project, which ships them: the Gateway API's standard channel (HTTPRoute,
# sigs.k8s.io/gateway-api, config/crd/standard) and KEDA's (ScaledObject,
# github.com/kedacore/keda/v2, config/crd/bases). Fetched once through the Go module proxy
# into the module cache; exports CENTRIFUGO_TS_GATEWAY_API_CRDS and CENTRIFUGO_TS_KEDA_CRDS
# (directories) for test/operator/traffic.test.ts and autoscaling.test.ts.
CENTRIFUGO_TS_GATEWAY_API_VERSION="${CENTRIFUGO_TS_GATEWAY_API_VERSION:-v1.6.1}"
CENTRIFUGO_TS_KEDA_VERSION="${CENTRIFUGO_TS_KEDA_VERSION:-v2.21.0}"

# $1 = module@version, $2 = dir inside it, $3 = a file that must be there; prints the dir.
_ensure_k8s_crds_dir() {
  local json dir
  json=$(cd /tmp && go mod download -json "$1" 2>&1) \
    || { echo "ensure-k8s-crds: go mod download $1 failed: $json" >&2; return 1; }
  dir=$(echo "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [ -f "$dir/$2/$3" ] || { echo "ensure-k8s-crds: no $3 in $dir/$2" >&2; return 1; }
  echo "$dir/$2"
}

_ensure_k8s_crds() {
  local dir
  command -v go >/dev/null 2>&1 || { echo "ensure-k8s-crds: go is needed" >&2; return 1; }
  dir=$(_ensure_k8s_crds_dir "sigs.k8s.io/gateway-api@$CENTRIFUGO_TS_GATEWAY_API_VERSION" \
    config/crd/standard gateway.networking.k8s.io_httproutes.yaml) || return 1
  export CENTRIFUGO_TS_GATEWAY_API_CRDS="$dir"
  dir=$(_ensure_k8s_crds_dir "github.com/kedacore/keda/v2@$CENTRIFUGO_TS_KEDA_VERSION" \
    config/crd/bases keda.sh_scaledobjects.yaml) || return 1
  export CENTRIFUGO_TS_KEDA_CRDS="$dir"
  echo "ensure-k8s-crds: Gateway API $CENTRIFUGO_TS_GATEWAY_API_VERSION at $CENTRIFUGO_TS_GATEWAY_API_CRDS, KEDA $CENTRIFUGO_TS_KEDA_VERSION at $CENTRIFUGO_TS_KEDA_CRDS" >&2
}

_ensure_k8s_crds
unset -f _ensure_k8s_crds _ensure_k8s_crds_dir
