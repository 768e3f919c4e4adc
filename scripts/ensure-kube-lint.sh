#!/usr/bin/env bash
# Kubernetes manifest checkers for test/k8s/kube-score.test.ts and checkov.test.ts (source it).
# Installed once into a cache outside the checkout, then only put on PATH:
#   - kube-score (github.com/zegl/kube-score), the version below, from its Go module;
#   - checkov (PyPI), the version below, in a virtualenv; only its command goes on PATH. It
#     stands in for kube-linter, whose Go module (golang.stackrox.io/kube-linter) the Go module
#     proxy here does not serve (deploy/checkov-skips.yaml says so).
CENTRIFUGO_TS_KUBE_SCORE_VERSION="${CENTRIFUGO_TS_KUBE_SCORE_VERSION:-v1.20.0}"
CENTRIFUGO_TS_CHECKOV_VERSION="${CENTRIFUGO_TS_CHECKOV_VERSION:-3.3.30}"
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"

_ensure_kube_lint_log() { echo "ensure-kube-lint: $*" >&2; }

# $1 = cache dir name, $2 = module/cmd path@version, $3 = binary name. Builds into a temporary
# dir and renames it, so an interrupted build never passes for a finished one.
_ensure_kube_lint_build() {
  local dir="$CENTRIFUGO_TS_CACHE/$1" pkg="$2" bin="$3" tmp t0
  if [ ! -x "$dir/$bin" ]; then
    command -v go >/dev/null 2>&1 || { _ensure_kube_lint_log "go is needed to build $bin"; return 1; }
    mkdir -p "$CENTRIFUGO_TS_CACHE" || return 1
    rm -rf "$CENTRIFUGO_TS_CACHE/.$1-build."*
    tmp="$(mktemp -d "$CENTRIFUGO_TS_CACHE/.$1-build.XXXXXX")" || return 1
    t0=$(date +%s)
    _ensure_kube_lint_log "building $pkg (go install, once)"
    if ! GOBIN="$tmp" GOCACHE="$CENTRIFUGO_TS_CACHE/go-build" CGO_ENABLED=0 \
      go install -ldflags "-s -w" "$pkg" >&2; then
      rm -rf "$tmp"
      return 1
    fi
    rm -rf "$dir" && mv "$tmp" "$dir" || return 1
    _ensure_kube_lint_log "$bin built in $(( $(date +%s) - t0 ))s into $dir"
  fi
  export PATH="$dir:$PATH"
}

# checkov into a virtualenv at $CENTRIFUGO_TS_CACHE/checkov-<version>/venv. A venv records its
# own path, so it is built in place; the link bin/checkov, made last, marks it finished (an
# interrupted install has none and starts over), and keeps the venv's python off PATH.
_ensure_kube_lint_checkov() {
  local v="$CENTRIFUGO_TS_CHECKOV_VERSION" dir t0
  dir="$CENTRIFUGO_TS_CACHE/checkov-$v"
  if [ ! -x "$dir/bin/checkov" ]; then
    command -v python3 >/dev/null 2>&1 || { _ensure_kube_lint_log "python3 is needed for checkov"; return 1; }
    rm -rf "$dir" && mkdir -p "$dir/bin" || return 1
    t0=$(date +%s)
    _ensure_kube_lint_log "installing checkov $v from PyPI (once)"
    if ! { python3 -m venv "$dir/venv" && "$dir/venv/bin/pip" install --quiet \
      --disable-pip-version-check "checkov==$v" >&2; }; then
      rm -rf "$dir"
      return 1
    fi
    ln -s "$dir/venv/bin/checkov" "$dir/bin/checkov" || return 1
    _ensure_kube_lint_log "checkov $v installed in $(( $(date +%s) - t0 ))s into $dir"
  fi
  export PATH="$dir/bin:$PATH"
}

_ensure_kube_lint() {
  local v="$CENTRIFUGO_TS_KUBE_SCORE_VERSION"
  _ensure_kube_lint_build "kube-score-$v" "github.com/zegl/kube-score/cmd/kube-score@$v" kube-score \
    || _ensure_kube_lint_log "kube-score $v could not be built"
  _ensure_kube_lint_checkov || _ensure_kube_lint_log "checkov $CENTRIFUGO_TS_CHECKOV_VERSION could not be installed"
}

_ensure_kube_lint
unset -f _ensure_kube_lint _ensure_kube_lint_build _ensure_kube_lint_checkov _ensure_kube_lint_log
