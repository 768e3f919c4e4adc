#!/usr/bin/env bash
# Puts Debian's PostgreSQL server binaries (initdb, postgres) on PATH (source it) and exports
# CENTRIFUGO_TS_PG_BIN. Tests make their own cluster in a temporary folder on a free port; the
# package's own cluster and service are never used, so the install keeps any service from
# starting (policy-rc.d answers 101 while apt runs). A second run only finds the binaries.
pg_find() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
pg_bin="$(pg_find)"
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "ensure-postgres: installing Debian package postgresql" >&2
  pg_policy_added=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    pg_policy_added=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2 \
    || { apt-get update -qq >/dev/null 2>&1 || true
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2; }
  [ -n "$pg_policy_added" ] && rm -f /usr/sbin/policy-rc.d
  pg_bin="$(pg_find)"
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "ensure-postgres: no initdb after installing postgresql" >&2
    return 1 2>/dev/null || exit 1
  fi
fi
export PATH="$pg_bin:$PATH"
export CENTRIFUGO_TS_PG_BIN="$pg_bin"
echo "ensure-postgres: $("$pg_bin/postgres" --version) at $pg_bin" >&2
