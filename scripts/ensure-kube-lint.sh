#!/usr/bin/env bash
# Kubernetes manifest checkers for test/k8s/kube-score.test.ts (source it). Built once from
# their Go modules into a cache outside the checkout, then only put on PATH:
#   - kube-score (github.com/zegl/kube-score), the version below;
#   - kube-linter (golang.stackrox.io/kube-linter): its module host is not on this project's
#     Go module allowlist, so the module proxy refuses it; it is tried (cheaply: one look-up)
#     and, when refused, skipped with the reason printed. deploy/kube-score-ignores.yaml says
#     the same.
CENTRIFUGO_TS_KUBE_SCORE_VERSION="${CENTRIFUGO_TS_KUBE_SCORE_VERSION:-v1.20.0}"
CENTRIFUGO_TS_KUBE_LINTER_VERSION="${CENTRIFUGO_TS_KUBE_LINTER_VERSION:-v0.7.6}"
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

_ensure_kube_lint() {
  local v="$CENTRIFUGO_TS_KUBE_SCORE_VERSION" lv="$CENTRIFUGO_TS_KUBE_LINTER_VERSION"
  _ensure_kube_lint_build "kube-score-$v" "github.com/zegl/kube-score/cmd/kube-score@$v" kube-score \
    || _ensure_kube_lint_log "kube-score $v could not be built"
  if go list -m "golang.stackrox.io/kube-linter@$lv" >/dev/null 2>&1; then
    _ensure_kube_lint_build "kube-linter-$lv" "golang.stackrox.io/kube-linter/cmd/kube-linter@$lv" \
      kube-linter || _ensure_kube_lint_log "kube-linter $lv could not be built"
  else
    _ensure_kube_lint_log "kube-linter skipped: the Go module proxy does not serve golang.stackrox.io/kube-linter here"
  fi
}

_ensure_kube_lint
unset -f _ensure_kube_lint _ensure_kube_lint_build _ensure_kube_lint_log
