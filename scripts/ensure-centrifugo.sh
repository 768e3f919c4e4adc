#!/usr/bin/env bash
# Builds real Centrifugo once from its Go module into a cache outside the checkout and exports
# (source it):
#   CENTRIFUGO_TS_CENTRIFUGO               the binary
#   CENTRIFUGO_TS_CENTRIFUGO_API_PROTO     Centrifugo's own server API proto (internal/apiproto)
#   CENTRIFUGO_TS_CENTRIFUGO_CLIENT_PROTO  the full client.proto of the protocol module that
#                                          Centrifugo's go.mod pins
# test/compat compares this node with that binary and decodes both with those files; the
# side-by-side benchmarks (bench/centrifugo.sh) use the same build.
#
# v6.9.1 is the newest v6 the Go module proxy served here on 2026-11-23 (its version list is
# refused; v6.9.2, v6.9.3 and v6.10.0 were asked for and refused). It needs Go >= 1.26; with
# an older Go, GOTOOLCHAIN=go1.27.3 makes the go command fetch an approved toolchain.
CENTRIFUGO_TS_CENTRIFUGO_VERSION="${CENTRIFUGO_TS_CENTRIFUGO_VERSION:-${CENTRIFUGO_VERSION:-v6.9.1}}"
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"

ensure_centrifugo() {
  local version="$CENTRIFUGO_TS_CENTRIFUGO_VERSION"
  local dir="$CENTRIFUGO_TS_CACHE/centrifugo-$version"
  local mod="github.com/centrifugal/centrifugo/v6"
  command -v go >/dev/null 2>&1 \
    || { echo "ensure-centrifugo: go is needed (module source and build)" >&2; return 1; }
  # The module source: where api.proto and go.mod are, and what the fallback build compiles.
  # From the module cache when present, so a warm machine needs no network.
  local src
  src="$(cd /tmp && go mod download -json "$mod@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$src" ] && [ -f "$src/main.go" ] \
    || { echo "ensure-centrifugo: no module source for $mod@$version" >&2; return 1; }
  if [ ! -x "$dir/centrifugo" ]; then
    echo "ensure-centrifugo: building $mod@$version into $dir (a few minutes)" >&2
    local start tmp
    start=$(date +%s)
    mkdir -p "$CENTRIFUGO_TS_CACHE"
    # Build into a temporary dir and rename, so an interrupted build never leaves a binary
    # that the check above would take for a finished one.
    tmp="$(mktemp -d "$CENTRIFUGO_TS_CACHE/.centrifugo-build.XXXXXX")"
    local ldflags="-X $mod/internal/build.Version=${version#v}"
    # `go install MOD@VERSION` first. It also asks the proxy for the module's version list (to
    # look for a deprecation notice), which the proxy here refuses with 403, so then the same
    # module version is built from the module cache with its own go.sum.
    if ! (cd "$tmp" && GOBIN="$tmp" go install -trimpath -ldflags "$ldflags" "$mod@$version" >&2); then
      echo "ensure-centrifugo: go install failed; building the downloaded module instead" >&2
      if ! (cd "$src" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "$ldflags" \
        -o "$tmp/centrifugo" . >&2); then
        echo "ensure-centrifugo: go build failed" >&2
        rm -rf "$tmp"
        return 1
      fi
    fi
    chmod 755 "$tmp"
    rm -rf "$dir" && mv "$tmp" "$dir"
    echo "ensure-centrifugo: built in $(( $(date +%s) - start ))s" >&2
  fi
  # The protocol module version comes from Centrifugo's own go.mod, so the client.proto that
  # decodes its frames is the one it was built with.
  local proto_version proto_src
  proto_version="$(sed -n 's/^[[:space:]]*github.com\/centrifugal\/protocol \(v[^ ]*\).*/\1/p' "$src/go.mod" | head -1)"
  [ -n "$proto_version" ] \
    || { echo "ensure-centrifugo: no github.com/centrifugal/protocol in $src/go.mod" >&2; return 1; }
  proto_src="$(cd /tmp && go mod download -json "github.com/centrifugal/protocol@$proto_version" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -f "$proto_src/client.proto" ] \
    || { echo "ensure-centrifugo: no client.proto in protocol@$proto_version" >&2; return 1; }
  export CENTRIFUGO_TS_CENTRIFUGO="$dir/centrifugo"
  export CENTRIFUGO_TS_CENTRIFUGO_API_PROTO="$src/internal/apiproto/api.proto"
  export CENTRIFUGO_TS_CENTRIFUGO_CLIENT_PROTO="$proto_src/client.proto"
  echo "ensure-centrifugo: $("$CENTRIFUGO_TS_CENTRIFUGO" version 2>&1 | head -1) at $CENTRIFUGO_TS_CENTRIFUGO," \
    "client.proto of protocol@$proto_version" >&2
}

if ! ensure_centrifugo; then
  unset -f ensure_centrifugo
  return 1 2>/dev/null || exit 1
fi
unset -f ensure_centrifugo
