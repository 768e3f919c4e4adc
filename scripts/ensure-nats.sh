#!/usr/bin/env bash
# Puts a current nats-server first on PATH and exports CENTRIFUGO_TS_NATS_SERVER (source it).
# Debian's nats-server is 2.9.10; the engine is tested against a current release, built once
# from its Go module into a cache outside the checkout, so a second run costs nothing.
CENTRIFUGO_TS_NATS_VERSION="${CENTRIFUGO_TS_NATS_VERSION:-v2.15.2}"
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"
nats_dir="$CENTRIFUGO_TS_CACHE/nats-server-$CENTRIFUGO_TS_NATS_VERSION"
if [ ! -x "$nats_dir/nats-server" ]; then
  command -v go >/dev/null 2>&1 \
    || { echo "ensure-nats: go is needed to build nats-server" >&2; return 1 2>/dev/null || exit 1; }
  echo "ensure-nats: building nats-server $CENTRIFUGO_TS_NATS_VERSION into $nats_dir" \
    "(go install, takes a minute or more)" >&2
  nats_start=$(date +%s)
  # Build into a temporary dir and rename, so an interrupted build never leaves a binary
  # that the check above would take for a finished one.
  mkdir -p "$CENTRIFUGO_TS_CACHE"
  nats_tmp="$(mktemp -d "$CENTRIFUGO_TS_CACHE/.nats-build.XXXXXX")"
  if ! GOBIN="$nats_tmp" go install "github.com/nats-io/nats-server/v2@$CENTRIFUGO_TS_NATS_VERSION" >&2; then
    echo "ensure-nats: go install failed" >&2
    rm -rf "$nats_tmp"
    return 1 2>/dev/null || exit 1
  fi
  rm -rf "$nats_dir" && mv "$nats_tmp" "$nats_dir"
  echo "ensure-nats: built in $(( $(date +%s) - nats_start ))s" >&2
fi
export PATH="$nats_dir:$PATH"
export CENTRIFUGO_TS_NATS_SERVER="$nats_dir/nats-server"
echo "ensure-nats: $("$CENTRIFUGO_TS_NATS_SERVER" --version 2>&1 | head -1) at $CENTRIFUGO_TS_NATS_SERVER" >&2
