#!/usr/bin/env bash
# Builds a Node base image locally, for machines that reach no image registry (this project's
# machines and CI): `FROM scratch` plus the Node binary, the shared libraries it links, npm
# (from the npm registry), a non-root `node` user (uid 1000) and a /tmp. It is laid out as the
# official node images are (/usr/local/bin/node, /usr/local/lib/node_modules/npm), so the
# Dockerfile works unchanged on either; pass it as the base:
#
#   scripts/docker-base-image.sh                       # prints the tag it built
#   docker build --network host --build-arg NODE_IMAGE=centrifugo-ts-node-base:24.21.0 .
#
# Where a registry is reachable, skip this: the Dockerfile's default base is the official
# slim image. It has no shell, so the Dockerfile only uses exec-form RUN.
#
# Env: NODE_BIN (default: `node` on PATH), CENTRIFUGO_TS_NPM_VERSION (default 11.19.1),
# CENTRIFUGO_TS_BASE_IMAGE (the tag; default centrifugo-ts-node-base:<node version>).
# Rebuilds only when the tag is missing (FORCE=1 rebuilds).
#
#   scripts/docker-base-image.sh --rootfs DIR   # only lays the files out in DIR (no Docker):
#   (test/k8s/image.ts builds the image for containerd from it)
set -euo pipefail

CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"
NPM_VERSION="${CENTRIFUGO_TS_NPM_VERSION:-11.19.1}"
node_bin="${NODE_BIN:-$(command -v node)}"
node_bin="$(readlink -f "$node_bin")"
node_version="$("$node_bin" -p process.versions.node)"
tag="${CENTRIFUGO_TS_BASE_IMAGE:-centrifugo-ts-node-base:$node_version}"
log() { echo "docker-base-image: $*" >&2; }
rootfs_only=""
if [ "${1:-}" = --rootfs ]; then
  rootfs_only="${2:?--rootfs needs a directory}"
elif [ "${FORCE:-0}" != 1 ] && docker image inspect "$tag" >/dev/null 2>&1; then
  log "$tag already built"
  echo "$tag"
  exit 0
fi

# npm, once, from the npm registry (its tarball bundles its own dependencies).
npm_tgz="$CENTRIFUGO_TS_CACHE/npm-$NPM_VERSION.tgz"
if [ ! -f "$npm_tgz" ]; then
  mkdir -p "$CENTRIFUGO_TS_CACHE"
  tmp_pack="$(mktemp -d)"
  (cd "$tmp_pack" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  mv "$tmp_pack"/npm-*.tgz "$npm_tgz"
  rm -rf "$tmp_pack"
fi

if [ -n "$rootfs_only" ]; then
  root="$rootfs_only"
else
  ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' EXIT
  root="$ctx/rootfs"
fi
mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules/npm" "$root/etc" \
  "$root/root" "$root/home/node" "$root/tmp"
chmod 1777 "$root/tmp"
chown 1000:1000 "$root/home/node"
cp "$node_bin" "$root/usr/local/bin/node"
# The dynamic loader and every library the binary links, at the paths it names them by.
for lib in $(ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
  cp -L --parents "$lib" "$root/"
done
tar -xzf "$npm_tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
node:x:1000:1000:node:/home/node:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
node:x:1000:
nogroup:x:65534:
EOF
echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
if [ -n "$rootfs_only" ]; then
  log "laid out node $node_version and npm $NPM_VERSION in $root"
  exit 0
fi
cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin NODE_VERSION=$node_version
LABEL org.opencontainers.image.title="node (local base for centrifugo-ts)" \\
      org.opencontainers.image.version="$node_version" \\
      org.opencontainers.image.description="FROM scratch: the Node $node_version binary, its libraries and npm $NPM_VERSION"
CMD ["node"]
EOF
log "building $tag from $node_bin (node $node_version, npm $NPM_VERSION)"
docker build --quiet -t "$tag" "$ctx" >&2
echo "$tag"
