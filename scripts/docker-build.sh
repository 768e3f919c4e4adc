#!/usr/bin/env bash
# Builds the centrifugo-ts image with the OCI labels filled in (version from package.json,
# the git commit, the build date). Prints the image tag on stdout.
#
#   scripts/docker-build.sh                 # base: a local FROM-scratch Node (no registry here)
#   NODE_IMAGE=node:24.21.0-trixie-slim scripts/docker-build.sh   # base: the official image
#
# Env: NODE_IMAGE (unset: build one locally with scripts/docker-base-image.sh),
# IMAGE (default centrifugo-ts:<version>). --network host: the dependency stage runs `npm ci`,
# and a daemon started with --bridge=none (as on this project's machines) has no other network.
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(node -p 'require("./package.json").version')"
image="${IMAGE:-centrifugo-ts:$version}"
base="${NODE_IMAGE:-$(scripts/docker-base-image.sh)}"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
# Behind a TLS-intercepting proxy, npm in the dependency stage must trust its CA: the CAs added
# to this machine (Debian's /usr/local/share/ca-certificates), or NPM_CA_FILE.
ca_args=()
ca_file="${NPM_CA_FILE:-}"
if [ -z "$ca_file" ] && compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  ca_file=$(mktemp)
  trap 'rm -f "$ca_file"' EXIT
  cat /usr/local/share/ca-certificates/*.crt >"$ca_file"
fi
[ -n "$ca_file" ] && ca_args=(--build-arg "NPM_CONFIG_CA=$(cat "$ca_file")")
echo "docker-build: $image from $base" >&2
docker build --quiet --network host "${ca_args[@]}" \
  --build-arg "NODE_IMAGE=$base" \
  --build-arg "VERSION=$version" \
  --build-arg "REVISION=$revision" \
  --build-arg "CREATED=$created" \
  -t "$image" . >&2
echo "$image"
