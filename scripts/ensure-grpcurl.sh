#!/usr/bin/env bash
# Puts grpcurl first on PATH and exports CENTRIFUGO_TS_GRPCURL (source it). Reflection is
# checked with it (test/node/grpc-grpcurl.test.ts): grpcurl builds its descriptors with
# protobuf-go, which refuses what protobuf's rules refuse.
CENTRIFUGO_TS_GRPCURL_VERSION="${CENTRIFUGO_TS_GRPCURL_VERSION:-v1.9.3}"
. "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"
if ensure_go_tool grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl "$CENTRIFUGO_TS_GRPCURL_VERSION"; then
  export CENTRIFUGO_TS_GRPCURL="$(command -v grpcurl)"
  echo "ensure-grpcurl: $("$CENTRIFUGO_TS_GRPCURL" --version 2>&1 | head -1) at $CENTRIFUGO_TS_GRPCURL" >&2
else
  return 1 2>/dev/null || exit 1
fi
