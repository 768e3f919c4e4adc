#!/usr/bin/env bash
# Puts h2spec (the HTTP/2 conformance checker) first on PATH and exports CENTRIFUGO_TS_H2SPEC
# (source it). The gRPC port's own HTTP/2 is checked against it (test/attack/h2-h2spec.test.ts).
# v2.2.1 is h2spec's last release; the Go proxy serves it as +incompatible (no go.mod).
CENTRIFUGO_TS_H2SPEC_VERSION="${CENTRIFUGO_TS_H2SPEC_VERSION:-v2.2.1+incompatible}"
. "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"
if ensure_go_tool h2spec github.com/summerwind/h2spec/cmd/h2spec "$CENTRIFUGO_TS_H2SPEC_VERSION"; then
  export CENTRIFUGO_TS_H2SPEC="$(command -v h2spec)"
  echo "ensure-h2spec: $("$CENTRIFUGO_TS_H2SPEC" --version 2>&1 | head -1) at $CENTRIFUGO_TS_H2SPEC" >&2
else
  return 1 2>/dev/null || exit 1
fi
