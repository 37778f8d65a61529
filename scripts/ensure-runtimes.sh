#!/usr/bin/env bash
# Registers the OCI runtimes the tests use with the running Docker engine:
# gVisor's runsc from Debian's package. Debian's runsc (release 20221219) cannot
# set up networking in the engine's network namespace on this machine ("cannot
# run with network enabled in root network namespace"), so it is registered
# with --network=none: a runsc sandbox has no network at all, whatever
# terminal.docker.network says (doctor says so). Idempotent; the engine
# re-reads its runtimes on SIGHUP, no restart.
set -euo pipefail

log() { printf '[ensure-runtimes] %s\n' "$*" >&2; }

if [ ! -x /usr/bin/runsc ]; then
  log "installing Debian's runsc (gVisor)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq runsc >/dev/null
fi

if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; then
  log "runsc already registered"
  exit 0
fi

config=/etc/docker/daemon.json
mkdir -p /etc/docker
node - "$config" <<'JS'
const fs = require("node:fs");
const file = process.argv[2];
const current = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
current.runtimes = { ...(current.runtimes ?? {}), runsc: { path: "/usr/bin/runsc", runtimeArgs: ["--network=none"] } };
fs.writeFileSync(file, JSON.stringify(current, null, 2) + "\n");
JS
log "registering runsc in $config"
kill -HUP "$(pidof dockerd)"
for _ in $(seq 1 30); do
  docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"' && { log "runsc registered"; exit 0; }
  sleep 1
done
log "dockerd did not pick up runsc; see /var/log/monoclaw-dockerd.log"
exit 1
