#!/usr/bin/env bash
# ensure_go_tool NAME PACKAGE VERSION: builds a Go command once with `go install` into
# $CENTRIFUGO_TS_CACHE/NAME-VERSION (outside the checkout) and puts it first on PATH, so a
# second run costs nothing. Sourced by the ensure-*.sh scripts of tools built from Go modules.
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"
ensure_go_tool() {
  local name="$1" package="$2" version="$3"
  local dir="$CENTRIFUGO_TS_CACHE/$name-$version" binary="${package##*/}"
  if [ ! -x "$dir/$binary" ]; then
    command -v go >/dev/null 2>&1 \
      || { echo "ensure-$name: go is needed to build $binary" >&2; return 1; }
    echo "ensure-$name: building $package@$version into $dir (go install)" >&2
    local start tmp
    start=$(date +%s)
    mkdir -p "$CENTRIFUGO_TS_CACHE"
    # Built into a temporary dir and renamed, so an interrupted build never leaves a binary
    # that the check above would take for a finished one.
    tmp="$(mktemp -d "$CENTRIFUGO_TS_CACHE/.$name-build.XXXXXX")"
    if ! GOBIN="$tmp" go install "$package@$version" >&2; then
      echo "ensure-$name: go install failed" >&2
      rm -rf "$tmp"
      return 1
    fi
    rm -rf "$dir" && mv "$tmp" "$dir"
    echo "ensure-$name: built in $(( $(date +%s) - start ))s" >&2
  fi
  export PATH="$dir:$PATH"
}
