#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io when no
# engine is installed, starts dockerd when none is running, then waits for it.
# dockerd runs with --iptables=false --ip-masq=false so bridge containers in
# tests have no route to any outside network.
set -euo pipefail

log() { printf '[ensure-docker] %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then
  log "engine already running"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    log "dockerd is not installed and this is not root: install Docker (https://docs.docker.com/engine/install/) and re-run"
    exit 1
  fi
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    log "no engine is running and this is not root: start Docker (systemctl start docker) and re-run"
    exit 1
  fi
  log "starting dockerd"
  mkdir -p /var/log
  nohup dockerd --iptables=false --ip-masq=false >/var/log/monoclaw-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
fi

docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/monoclaw-dockerd.log"; tail -20 /var/log/monoclaw-dockerd.log >&2; exit 1; }
log "engine ready: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
