#!/usr/bin/env bash
# What the real single-node cluster of test/k8s/real-cluster.ts needs beyond
# scripts/ensure-k8s.sh, which builds kubelet, kube-controller-manager and kube-scheduler with
# kube-apiserver (source this one after it):
#  - Debian's containerd and runc (the container runtime), and containernetworking-plugins
#    (bridge, host-local and loopback: the pod network lives in a network namespace the test
#    creates), installed with apt-get when missing;
#  - the pause image, containerd's sandbox_image: a small Go program (it holds the
#    pod's namespaces, reaps zombies, exits on SIGTERM) in a FROM-scratch image archive that
#    `ctr images import` reads. No registry is reachable here, so it is built, once, into the
#    cache outside the checkout.
# Exports CENTRIFUGO_TS_PAUSE_IMAGE (the archive; its manifest names the tag) and
# CENTRIFUGO_TS_CNI_BIN (the plugins' dir). Best effort: what cannot be installed is said, and
# the test reports it (and fails under CENTRIFUGO_TS_REQUIRE_TOOLS=1 when this machine could
# have run it: see test/k8s/real-cluster.ts, realClusterSupport).
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"
CENTRIFUGO_TS_PAUSE_VERSION=1

_ensure_kubelet_log() { echo "ensure-kubelet: $*" >&2; }

_ensure_kubelet_packages() {
  local missing=()
  command -v containerd >/dev/null 2>&1 || missing+=(containerd)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  [ "${#missing[@]}" -eq 0 ] && return 0
  _ensure_kubelet_log "installing Debian's ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
      || { _ensure_kubelet_log "cannot install ${missing[*]}"; return 1; }
  fi
  # Debian starts the packaged containerd as a service where systemd runs; the tests start
  # their own, with their own socket and state, and never use that one.
}

# The pause program and its image archive (Docker's `docker save` layout) into $1.
_ensure_kubelet_build_pause() {
  local out="$1" src tag layer_sum config config_sum
  src="$out/src"
  mkdir -p "$src" "$out/rootfs" || return 1
  cat >"$src/go.mod" <<'EOF'
module centrifugo-ts/pause

go 1.22
EOF
  cat >"$src/main.go" <<'EOF'
// pause: the first process of every pod sandbox. It holds the pod's namespaces, reaps the
// zombies it inherits as PID 1 of a shared PID namespace, and exits 0 on SIGINT or SIGTERM.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
EOF
  (cd "$src" && GOCACHE="$CENTRIFUGO_TS_CACHE/go-build" CGO_ENABLED=0 GOFLAGS=-mod=mod \
    go build -trimpath -ldflags "-s -w" -o "$out/rootfs/pause" .) || return 1
  tag="centrifugo-ts.local/pause:$CENTRIFUGO_TS_PAUSE_VERSION"
  mkdir -p "$out/archive/layer" || return 1
  tar --create --file "$out/archive/layer/layer.tar" --directory "$out/rootfs" \
    --owner=0 --group=0 --numeric-owner --mtime=@0 pause || return 1
  layer_sum=$(sha256sum "$out/archive/layer/layer.tar" | cut -d' ' -f1)
  mv "$out/archive/layer" "$out/archive/$layer_sum"
  config=$(printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$layer_sum")
  config_sum=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
  printf '%s' "$config" >"$out/archive/$config_sum.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
    "$config_sum" "$tag" "$layer_sum" >"$out/archive/manifest.json"
  tar --create --file "$out/pause-image.tar" --directory "$out/archive" \
    --owner=0 --group=0 --numeric-owner --mtime=@0 \
    manifest.json "$config_sum.json" "$layer_sum/layer.tar" || return 1
  rm -rf "$out/archive" "$src"
}

_ensure_kubelet() {
  local t0 dir tmp
  t0=$(date +%s)
  _ensure_kubelet_packages || return 0
  dir="$CENTRIFUGO_TS_CACHE/pause-$CENTRIFUGO_TS_PAUSE_VERSION"
  if [ ! -f "$dir/pause-image.tar" ]; then
    command -v go >/dev/null 2>&1 || { _ensure_kubelet_log "go is needed to build pause"; return 0; }
    _ensure_kubelet_log "building the pause image once into $dir"
    mkdir -p "$CENTRIFUGO_TS_CACHE"
    rm -rf "$CENTRIFUGO_TS_CACHE"/.pause-build.*
    tmp="$(mktemp -d "$CENTRIFUGO_TS_CACHE/.pause-build.XXXXXX")"
    if ! _ensure_kubelet_build_pause "$tmp"; then
      _ensure_kubelet_log "building the pause image failed"
      rm -rf "$tmp"
      return 0
    fi
    rm -rf "$dir" && mv "$tmp" "$dir"
  fi
  export CENTRIFUGO_TS_PAUSE_IMAGE="$dir/pause-image.tar"
  export CENTRIFUGO_TS_CNI_BIN=/usr/lib/cni
  _ensure_kubelet_log "$(containerd --version 2>/dev/null | cut -d' ' -f1,3)," \
    "$(runc --version 2>/dev/null | head -1), CNI plugins in $CENTRIFUGO_TS_CNI_BIN," \
    "pause image $CENTRIFUGO_TS_PAUSE_IMAGE ($(( $(date +%s) - t0 ))s)"
}

_ensure_kubelet
unset -f _ensure_kubelet _ensure_kubelet_build_pause _ensure_kubelet_packages _ensure_kubelet_log
