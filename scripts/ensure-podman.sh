#!/usr/bin/env bash
# Makes sure rootful Podman answers on unix:///run/podman/podman.sock with the
# local test images in its store, for the Podman conformance and lifecycle
# tests. Idempotent; run as root after the Docker engine and the test images
# exist (scripts/test-all.sh does).
#
# Debian bookworm's podman 4.3.1 does not start a container on this kind of
# machine with its defaults; the drop-in below fixes each failure:
#   - "container-init binary not found"  -> catatonit (HostConfig.Init)
#   - "error setting rlimit type 7"      -> default_ulimits within `ulimit -H`
#   - crun refuses hybrid cgroups (v1)   -> runtime = "runc"
#   - no systemd                         -> cgroupfs, file event logger
# The drop-in lives in /etc/containers/containers.conf.d/, which only Podman
# reads: the Docker engine is not touched.
#
# Rootless Podman: a user `monoclaw-podman` with subuid/subgid ranges gets its
# own API socket at /run/user/<uid>/podman/podman.sock when user namespaces
# work here; when they do not, the exact error is printed and the script still
# succeeds (rootful Podman is what the tests need).
set -euo pipefail

log() { printf '[ensure-podman] %s\n' "$*" >&2; }

ROOTFUL_SOCKET=/run/podman/podman.sock
ROOTLESS_USER=monoclaw-podman
TEST_IMAGES=(monoclaw-test/busybox:latest monoclaw-test/debian:bookworm)
CONF_DIR=/etc/containers/containers.conf.d
CONF_FILE=$CONF_DIR/50-monoclaw.conf

if [ "$(id -u)" != 0 ]; then
  log "this is not root: install podman and catatonit, then start \`podman system service --time=0 unix://$ROOTFUL_SOCKET\` as root"
  exit 1
fi

missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v catatonit >/dev/null 2>&1 || [ -x /usr/libexec/podman/catatonit ] || missing+=(catatonit)
command -v newuidmap >/dev/null 2>&1 || missing+=(uidmap)
# crun only for podman-engine-hints.test.ts, which provokes "crun refuses hybrid cgroups" on a Podman service of its own.
command -v crun >/dev/null 2>&1 || missing+=(crun)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" runc >/dev/null
fi

INIT_PATH=$(command -v catatonit || echo /usr/libexec/podman/catatonit)
# Podman's defaults ask for more open files/processes than this machine's hard
# limits allow; ask for at most the hard limit (and no more than Podman's own
# default of 1048576 files / 4096 processes).
clamp() { local hard=$1 wanted=$2; if [ "$hard" = unlimited ] || [ "$hard" -ge "$wanted" ]; then echo "$wanted"; else echo "$hard"; fi; }
NOFILE=$(clamp "$(ulimit -Hn)" 1048576)
NPROC=$(clamp "$(ulimit -Hu)" 4096)

mkdir -p "$CONF_DIR"
conf=$(cat <<EOF
# Written by MonoClaw's scripts/ensure-podman.sh.
[containers]
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=$NPROC:$NPROC"]
init_path = "$INIT_PATH"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
)
if [ "$(cat "$CONF_FILE" 2>/dev/null)" != "$conf" ]; then
  printf '%s\n' "$conf" >"$CONF_FILE"
  log "wrote $CONF_FILE (nofile=$NOFILE nproc=$NPROC, runc, cgroupfs)"
  # A running service read the old settings.
  if [ -f /run/podman/monoclaw-service.pid ]; then
    kill "$(cat /run/podman/monoclaw-service.pid)" 2>/dev/null || true
    rm -f /run/podman/monoclaw-service.pid
    sleep 1
  fi
fi

answers() { curl -fsS --max-time 3 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }

if ! answers "$ROOTFUL_SOCKET"; then
  log "starting the rootful API service on unix://$ROOTFUL_SOCKET"
  mkdir -p /run/podman /var/log
  rm -f "$ROOTFUL_SOCKET"
  # From /: conmon needs the service's working directory for as long as it runs (a CI clone may go away).
  (cd / && exec nohup podman system service --time=0 "unix://$ROOTFUL_SOCKET") </dev/null >/var/log/monoclaw-podman.log 2>&1 &
  echo $! >/run/podman/monoclaw-service.pid
  for _ in $(seq 1 60); do
    answers "$ROOTFUL_SOCKET" && break
    sleep 1
  done
fi
answers "$ROOTFUL_SOCKET" || { log "the Podman service did not start; see /var/log/monoclaw-podman.log"; tail -20 /var/log/monoclaw-podman.log >&2; exit 1; }

# The test images come from the Docker engine (docker/test-images/build.sh);
# `podman load` keeps their names (docker.io/monoclaw-test/... is not added).
for image in "${TEST_IMAGES[@]}"; do
  docker_id=$(docker image inspect --format '{{.Id}}' "$image")
  podman_id=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  if [ "sha256:$podman_id" != "$docker_id" ] && [ "$podman_id" != "$docker_id" ]; then
    log "loading $image into Podman's store"
    docker save "$image" | podman load -q >/dev/null
  fi
done

# Rootless: best effort, with the evidence printed when it cannot run here.
if ! id "$ROOTLESS_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/sh "$ROOTLESS_USER"
fi
rootless_uid=$(id -u "$ROOTLESS_USER")
grep -q "^$ROOTLESS_USER:" /etc/subuid 2>/dev/null || echo "$ROOTLESS_USER:200000:65536" >>/etc/subuid
grep -q "^$ROOTLESS_USER:" /etc/subgid 2>/dev/null || echo "$ROOTLESS_USER:200000:65536" >>/etc/subgid
runtime_dir=/run/user/$rootless_uid
install -d -m 700 -o "$ROOTLESS_USER" -g "$ROOTLESS_USER" "$runtime_dir"
rootless_socket=$runtime_dir/podman/podman.sock
as_rootless() { runuser -u "$ROOTLESS_USER" -- env HOME="$(getent passwd "$ROOTLESS_USER" | cut -d: -f6)" XDG_RUNTIME_DIR="$runtime_dir" "$@"; }
if answers "$rootless_socket"; then
  log "rootless service already answers on unix://$rootless_socket"
elif probe=$(as_rootless podman unshare true 2>&1); then
  log "starting the rootless API service on unix://$rootless_socket"
  as_rootless mkdir -p "$runtime_dir/podman"
  (cd / && exec runuser -u "$ROOTLESS_USER" -- env HOME="$(getent passwd "$ROOTLESS_USER" | cut -d: -f6)" XDG_RUNTIME_DIR="$runtime_dir" nohup podman system service --time=0 "unix://$rootless_socket") </dev/null >/var/log/monoclaw-podman-rootless.log 2>&1 &
  for _ in $(seq 1 30); do
    answers "$rootless_socket" && break
    sleep 1
  done
  answers "$rootless_socket" || log "rootless service did not answer; see /var/log/monoclaw-podman-rootless.log"
else
  log "rootless Podman cannot run here (\`podman unshare true\` as $ROOTLESS_USER): $probe"
fi
if answers "$rootless_socket" && ! as_rootless podman image exists monoclaw-test/busybox:latest; then
  log "loading monoclaw-test/busybox:latest into $ROOTLESS_USER's store"
  docker save monoclaw-test/busybox:latest | as_rootless podman load -q >/dev/null
fi

log "rootful Podman ready: $(podman version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || podman version --format '{{.Version}}')"
