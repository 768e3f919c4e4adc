#!/usr/bin/env bash
# Builds real Centrifugo v6 once from its Go module, cached outside the checkout, and prints
# the binary's path. The side-by-side benchmarks (bench/vs-centrifugo/*.ts) call this.
#
#   bash bench/centrifugo.sh            # builds (first time only), prints the binary path
#   CENTRIFUGO_VERSION=v6.9.1 bash bench/centrifugo.sh
#
# v6.9.1 is the newest v6 the Go module proxy served here on 2026-11-23 (its version list is
# refused; v6.9.2, v6.9.3 and v6.10.0 were asked for and refused). It needs Go >= 1.26; with
# an older Go, GOTOOLCHAIN=go1.27.3 makes the go command fetch an approved toolchain.
set -euo pipefail
VERSION="${CENTRIFUGO_VERSION:-v6.9.1}"
DIR="${HOME}/.cache/centrifugo-ts/centrifugo-${VERSION}"
BIN="${DIR}/centrifugo"
if [[ ! -x "${BIN}" ]]; then
  command -v go >/dev/null || { echo "centrifugo.sh: go not found" >&2; exit 1; }
  mkdir -p "${DIR}"
  echo "centrifugo.sh: building github.com/centrifugal/centrifugo/v6@${VERSION} into ${DIR} (a few minutes)" >&2
  MOD="github.com/centrifugal/centrifugo/v6"
  LDFLAGS="-X ${MOD}/internal/build.Version=${VERSION#v}"
  # `go install MOD@VERSION` first. It also asks the proxy for the module's version list (to
  # look for a deprecation notice), which the proxy here refuses with 403, so then the same
  # module version is downloaded and built from the module cache with its own go.sum.
  if ! (cd "${DIR}" && GOBIN="${DIR}" go install -trimpath -ldflags "${LDFLAGS}" "${MOD}@${VERSION}"); then
    echo "centrifugo.sh: go install failed; building the downloaded module instead" >&2
    SRC="$(cd "${DIR}" && go mod download -json "${MOD}@${VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [[ -n "${SRC}" && -f "${SRC}/main.go" ]] || { echo "centrifugo.sh: no module source" >&2; exit 1; }
    (cd "${SRC}" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "${LDFLAGS}" -o "${BIN}.tmp" .)
    mv "${BIN}.tmp" "${BIN}"
  fi
fi
echo "${BIN}"
