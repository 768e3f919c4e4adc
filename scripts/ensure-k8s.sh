#!/usr/bin/env bash
# Builds a real Kubernetes API server for the operator and Helm chart tests (source it).
# There is no cluster here: tests start kube-apiserver + etcd themselves, envtest-style
# (test/k8s/harness.ts). This builds, once, from their Go modules into a cache outside the
# checkout:
#   - kube-apiserver and kubectl from k8s.io/kubernetes (each staging module pinned with a
#     replace to the matching v0.X.Y), and etcd at the version that Kubernetes release's own
#     go.mod requires, all in one Go module so they share one compile; kube-controller-manager,
#     kube-scheduler and kubelet too, in the same `go build`, for the real single-node cluster
#     of test/k8s/real-cluster.ts (scripts/ensure-kubelet.sh adds what else it needs);
#   - helm from helm.sh/helm/v3.
# Exports KUBEBUILDER_ASSETS (the dir with kube-apiserver, etcd, kubectl, and the three above)
# and puts kubectl and
# helm first on PATH. A cold build takes many minutes on 2 cores; a warm one costs nothing.
CENTRIFUGO_TS_K8S_VERSION="${CENTRIFUGO_TS_K8S_VERSION:-v1.34.4}"
CENTRIFUGO_TS_HELM_VERSION="${CENTRIFUGO_TS_HELM_VERSION:-v3.22.0}"
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"

_ensure_k8s_log() { echo "ensure-k8s: $*" >&2; }

# go with the settings every build here uses: a build cache of its own under the cache (so
# an interrupted build resumes where it stopped), go.mod/go.sum updated as needed, no cgo.
_ensure_k8s_go() {
  GOCACHE="$CENTRIFUGO_TS_CACHE/go-build" GOFLAGS="${GOFLAGS:-} -mod=mod" CGO_ENABLED=0 \
    go "$@"
}

# kube-apiserver, kubectl, kube-controller-manager, kube-scheduler, kubelet and etcd into $1.
_ensure_k8s_build_kube() {
  local out="$1" v="$CENTRIFUGO_TS_K8S_VERSION" mod gomod staging minor etcd_v t0 date
  mod="$out/.mod"
  mkdir -p "$mod" || return 1
  t0=$(date +%s)
  _ensure_k8s_log "downloading k8s.io/kubernetes $v"
  local dl
  dl=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$v" 2>&1)
  gomod=$(echo "$dl" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  [ -n "$gomod" ] && [ -f "$gomod" ] \
    || { _ensure_k8s_log "no go.mod for k8s.io/kubernetes@$v: $dl"; return 1; }
  # v1.34.4 -> v0.34.4: the tag every staging module (k8s.io/api, k8s.io/apiserver, ...) has.
  minor="${v#v1.}"
  staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/.*#\1#p' "$gomod")
  [ -n "$staging" ] || { _ensure_k8s_log "no staging replaces in $gomod"; return 1; }
  etcd_v=$(sed -n 's#^[[:space:]]*go\.etcd\.io/etcd/server/v3 \(v[^ ]*\).*#\1#p' "$gomod" | head -1)
  [ -n "$etcd_v" ] || { _ensure_k8s_log "k8s.io/kubernetes@$v names no etcd server version"; return 1; }
  {
    echo "module centrifugo-ts/k8s-tools"
    echo
    sed -n 's/^go \(.*\)/go \1/p' "$gomod" | head -1
    echo
    echo "require ("
    echo "	k8s.io/kubernetes $v"
    echo "	go.etcd.io/etcd/server/v3 $etcd_v"
    echo ")"
    echo
    echo "replace ("
    for m in $staging; do echo "	$m => $m v0.$minor"; done
    echo ")"
  } >"$mod/go.mod"
  # What hack/lib/version.sh stamps, so /version and kubectl report the real release.
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local ldflags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*}"
    ldflags="$ldflags -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  _ensure_k8s_log "building kube-apiserver, kubectl, kube-controller-manager, kube-scheduler" \
    "and kubelet $v (go build; the longest step)"
  (cd "$mod" && _ensure_k8s_go build -ldflags "$ldflags" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubelet >&2) || return 1
  _ensure_k8s_log "Kubernetes $v built in $(( $(date +%s) - t0 ))s; building etcd $etcd_v"
  (cd "$mod" && _ensure_k8s_go build -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3 >&2) \
    || return 1
  echo "$etcd_v" >"$out/etcd.version"
  rm -rf "$mod"
}

# helm into $1. Stamped as Helm's Makefile stamps its releases: its version, and the
# Kubernetes version of the client-go it is built with, which `helm template` and `helm lint`
# assume when not given --kube-version (unstamped they assume 1.20, and a chart asking for a
# newer one fails to render offline).
_ensure_k8s_build_helm() {
  local out="$1" v="$CENTRIFUGO_TS_HELM_VERSION" gomod client_go minor ldflags pkg
  _ensure_k8s_log "building helm $v (go install)"
  gomod=$(go mod download -json "helm.sh/helm/v3@$v" 2>/dev/null \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  client_go=$(sed -n 's#^[[:space:]]*k8s\.io/client-go \(v[^ ]*\).*#\1#p' "$gomod" 2>/dev/null | head -1)
  [ -n "$client_go" ] || { _ensure_k8s_log "no client-go version in helm $v's go.mod"; return 1; }
  minor=$(echo "$client_go" | cut -d. -f2)   # v0.37.0 -> 37, i.e. Kubernetes 1.37
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$v -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ldflags="$ldflags -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"
  done
  GOBIN="$out" _ensure_k8s_go install -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$v" >&2
}

# $1 = name, $2 = final dir, $3 = builder function, $4 = a binary that proves a finished build.
# Builds into a temporary dir and renames it, so an interrupted build never leaves a dir that
# the check would take for a finished one.
_ensure_k8s_cached() {
  local name="$1" dir="$2" build="$3" probe="$4" tmp t0
  [ -x "$dir/$probe" ] && return 0
  command -v go >/dev/null 2>&1 || { _ensure_k8s_log "go is needed to build $name"; return 1; }
  mkdir -p "$CENTRIFUGO_TS_CACHE" || return 1
  rm -rf "$CENTRIFUGO_TS_CACHE/.$name-build."*  # left by an interrupted build
  tmp="$(mktemp -d "$CENTRIFUGO_TS_CACHE/.$name-build.XXXXXX")" || return 1
  t0=$(date +%s)
  if ! "$build" "$tmp"; then
    _ensure_k8s_log "building $name failed after $(( $(date +%s) - t0 ))s"
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$dir" && mv "$tmp" "$dir" || return 1
  _ensure_k8s_log "$name built in $(( $(date +%s) - t0 ))s into $dir"
}

_ensure_k8s() {
  local kube_dir="$CENTRIFUGO_TS_CACHE/k8s-$CENTRIFUGO_TS_K8S_VERSION"
  # -k8s: stamped with its Kubernetes version (see _ensure_k8s_build_helm); a dir without the
  # suffix holds an unstamped build of an earlier version of this script.
  local helm_dir="$CENTRIFUGO_TS_CACHE/helm-$CENTRIFUGO_TS_HELM_VERSION-k8s"
  local t0
  t0=$(date +%s)
  if [ ! -x "$kube_dir/kubelet" ] || [ ! -x "$helm_dir/helm" ]; then
    _ensure_k8s_log "building the Kubernetes test tools once into $CENTRIFUGO_TS_CACHE" \
      "(cold: about 7 minutes on 2 cores, module downloads included)"
  fi
  _ensure_k8s_cached "k8s-$CENTRIFUGO_TS_K8S_VERSION" "$kube_dir" _ensure_k8s_build_kube kubelet \
    || return 1
  _ensure_k8s_cached "helm-$CENTRIFUGO_TS_HELM_VERSION-k8s" "$helm_dir" _ensure_k8s_build_helm helm \
    || return 1
  export KUBEBUILDER_ASSETS="$kube_dir"
  export PATH="$helm_dir:$kube_dir:$PATH"
  _ensure_k8s_log "kube-apiserver $("$kube_dir/kube-apiserver" --version 2>&1 | head -1)," \
    "etcd $(cat "$kube_dir/etcd.version" 2>/dev/null)," \
    "kubectl $("$kube_dir/kubectl" version --client 2>/dev/null | head -1)," \
    "helm $("$helm_dir/helm" version --short 2>/dev/null) in KUBEBUILDER_ASSETS=$kube_dir" \
    "($(( $(date +%s) - t0 ))s)"
}

if ! _ensure_k8s; then
  unset -f _ensure_k8s _ensure_k8s_cached _ensure_k8s_build_helm _ensure_k8s_build_kube \
    _ensure_k8s_go _ensure_k8s_log
  return 1 2>/dev/null || exit 1
fi
unset -f _ensure_k8s _ensure_k8s_cached _ensure_k8s_build_helm _ensure_k8s_build_kube \
  _ensure_k8s_go _ensure_k8s_log
