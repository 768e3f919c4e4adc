#!/usr/bin/env bash
# Puts Debian's prometheus and promtool on PATH (source it). The .deb is downloaded and
# unpacked into a cache outside the checkout, never installed, so no service starts and a
# second run costs nothing.
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"
prom_dir="$CENTRIFUGO_TS_CACHE/prometheus-deb"
if [ ! -x "$prom_dir/usr/bin/promtool" ]; then
  echo "ensure-prometheus: fetching Debian package prometheus into $prom_dir" >&2
  tmp="$(mktemp -d)"
  if ! (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1); then
    echo "ensure-prometheus: apt-get download failed, running apt-get update once" >&2
    apt-get update -qq >/dev/null 2>&1 || true
    (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1) \
      || { echo "ensure-prometheus: cannot download the prometheus package" >&2; rm -rf "$tmp"; return 1 2>/dev/null || exit 1; }
  fi
  rm -rf "$prom_dir" && mkdir -p "$prom_dir"
  dpkg-deb -x "$tmp"/prometheus_*.deb "$prom_dir"
  rm -rf "$tmp"
fi
export PATH="$prom_dir/usr/bin:$PATH"
echo "ensure-prometheus: $(promtool --version 2>&1 | head -1)" >&2
