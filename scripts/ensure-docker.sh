#!/usr/bin/env bash
# Makes a Docker engine answer, for the e2e test's container runtime (source it). Best effort:
# when none can run, it says why and returns 0, and test/e2e runs its process runtime only.
#
# An engine that already answers is used as is. Otherwise Debian's docker.io is installed if
# missing and dockerd started as this project's machines allow: --storage-driver=vfs (no
# overlayfs here), no bridge and no iptables (containers use the host network), its data under
# the cache (images and build layers survive between runs), its socket private (DOCKER_HOST is
# exported). The dockerd started here is stopped when the sourcing shell exits.
CENTRIFUGO_TS_CACHE="${CENTRIFUGO_TS_CACHE:-$HOME/.cache/centrifugo-ts}"

_ensure_docker_log() { echo "ensure-docker: $*" >&2; }

_ensure_docker() {
  if docker info >/dev/null 2>&1; then
    _ensure_docker_log "Docker engine $(docker info --format '{{.ServerVersion}}' 2>/dev/null) already answers"
    return 0
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    _ensure_docker_log "installing Debian's docker.io"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null 2>&1; then
      apt-get update -qq >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null 2>&1 \
        || { _ensure_docker_log "cannot install docker.io: no container runtime"; return 0; }
    fi
  fi
  local run="$CENTRIFUGO_TS_CACHE/dockerd-run" data="$CENTRIFUGO_TS_CACHE/docker" i
  mkdir -p "$run" "$data"
  # One of ours that another shell started still answers on its private socket: share it
  # rather than stop it under that shell's tests (it stops with the shell that started it).
  if DOCKER_HOST="unix://$run/docker.sock" docker info >/dev/null 2>&1; then
    export DOCKER_HOST="unix://$run/docker.sock"
    _ensure_docker_log "Docker engine of another run answers at $DOCKER_HOST: using it"
    return 0
  fi
  # A dockerd of ours left by a killed run holds the pidfile and data dir: stop it first.
  if [ -f "$run/dockerd.pid" ] && kill -0 "$(cat "$run/dockerd.pid")" 2>/dev/null; then
    kill "$(cat "$run/dockerd.pid")" 2>/dev/null
    for i in $(seq 1 50); do kill -0 "$(cat "$run/dockerd.pid")" 2>/dev/null || break; sleep 0.2; done
  fi
  dockerd --storage-driver=vfs --iptables=false --ip-masq=false --bridge=none \
    --data-root="$data" --exec-root="$run/exec" --pidfile="$run/dockerd.pid" \
    --host="unix://$run/docker.sock" >"$run/dockerd.log" 2>&1 &
  _ensure_docker_pid=$!
  export DOCKER_HOST="unix://$run/docker.sock"
  for i in $(seq 1 100); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$_ensure_docker_pid" 2>/dev/null || break
    sleep 0.2
  done
  if ! docker info >/dev/null 2>&1; then
    _ensure_docker_log "dockerd did not start (tail of $run/dockerd.log below): no container runtime"
    tail -5 "$run/dockerd.log" >&2
    kill "$_ensure_docker_pid" 2>/dev/null
    unset DOCKER_HOST _ensure_docker_pid
    return 0
  fi
  _ensure_docker_log "started dockerd $(docker info --format '{{.ServerVersion}}') (vfs, pid $_ensure_docker_pid, DOCKER_HOST=$DOCKER_HOST)"
  # On exit: stop it, and drop the network namespace mount it leaves behind.
  # shellcheck disable=SC2064
  trap "kill $_ensure_docker_pid 2>/dev/null; wait $_ensure_docker_pid 2>/dev/null; umount '$run/exec/netns/default' 2>/dev/null" EXIT
}

_ensure_docker
unset -f _ensure_docker _ensure_docker_log
