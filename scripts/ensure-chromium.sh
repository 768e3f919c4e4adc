#!/usr/bin/env bash
# Makes sure Debian's chromium is installed and exports CENTRIFUGO_TS_CHROMIUM (source it).
# The admin UI tests drive it headless through playwright-core, which downloads no browser of
# its own. Installed once with apt-get (the package manager is the cache): a second run that
# finds a working /usr/bin/chromium costs nothing.
chromium_bin="${CENTRIFUGO_TS_CHROMIUM:-/usr/bin/chromium}"
if ! "$chromium_bin" --version >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium (apt-get)" >&2
  chromium_start=$(date +%s)
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; then
    echo "ensure-chromium: apt-get install failed, running apt-get update once" >&2
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
      || { echo "ensure-chromium: cannot install chromium" >&2; return 1 2>/dev/null || exit 1; }
  fi
  chromium_bin=/usr/bin/chromium
  echo "ensure-chromium: installed in $(( $(date +%s) - chromium_start ))s" >&2
fi
export CENTRIFUGO_TS_CHROMIUM="$chromium_bin"
echo "ensure-chromium: $("$CENTRIFUGO_TS_CHROMIUM" --version 2>/dev/null | head -1) at $CENTRIFUGO_TS_CHROMIUM" >&2
