#!/usr/bin/env bash
# Puts Debian's redis-server on PATH (source it) and exports CENTRIFUGO_TS_REDIS_SERVER. The
# .debs (redis-tools holds the server binary, plus the two libraries it needs beyond a base
# system) are unpacked into a cache outside the checkout, never installed, so no service
# starts and a second run costs nothing. A wrapper points the loader at the unpacked libraries.
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"
redis_dir="$CENTRIFUGO_TS_CACHE/redis-deb"
if [ ! -x "$redis_dir/bin/redis-server" ]; then
  echo "ensure-redis: fetching Debian packages redis-tools, libjemalloc2, liblzf1 into $redis_dir" >&2
  redis_tmp="$(mktemp -d)"
  redis_pkgs="redis-tools libjemalloc2 liblzf1"
  if ! (cd "$redis_tmp" && apt-get download $redis_pkgs >/dev/null 2>&1); then
    echo "ensure-redis: apt-get download failed, running apt-get update once" >&2
    apt-get update -qq >/dev/null 2>&1 || true
    (cd "$redis_tmp" && apt-get download $redis_pkgs >/dev/null 2>&1) \
      || { echo "ensure-redis: cannot download $redis_pkgs" >&2; rm -rf "$redis_tmp"; return 1 2>/dev/null || exit 1; }
  fi
  rm -rf "$redis_dir" && mkdir -p "$redis_dir/root" "$redis_dir/bin"
  for deb in "$redis_tmp"/*.deb; do dpkg-deb -x "$deb" "$redis_dir/root"; done
  rm -rf "$redis_tmp"
  cat >"$redis_dir/bin/redis-server.tmp" <<WRAP
#!/bin/sh
LD_LIBRARY_PATH="$redis_dir/root/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$redis_dir/root/usr/bin/redis-check-rdb" "\$@"
WRAP
  # Debian's redis-server is redis-check-rdb under another name: the binary picks its role
  # from argv[0], so the wrapper runs it through a symlink named redis-server.
  ln -sf redis-check-rdb "$redis_dir/root/usr/bin/redis-server"
  sed -i "s#usr/bin/redis-check-rdb#usr/bin/redis-server#" "$redis_dir/bin/redis-server.tmp"
  chmod +x "$redis_dir/bin/redis-server.tmp" && mv "$redis_dir/bin/redis-server.tmp" "$redis_dir/bin/redis-server"
fi
export PATH="$redis_dir/bin:$PATH"
export CENTRIFUGO_TS_REDIS_SERVER="$redis_dir/bin/redis-server"
echo "ensure-redis: $("$CENTRIFUGO_TS_REDIS_SERVER" --version 2>&1 | head -1)" >&2
