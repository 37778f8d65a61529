#!/bin/sh
# mom's Docker sandbox: one long-lived, hardened container (all capabilities
# dropped but a package manager's few, no-new-privileges, process limit, init)
# that sees only the data directory, mounted at /workspace. mom attaches to it with
#   mom --sandbox=docker:mom-sandbox <data-dir>
#
# Usage: ./docker.sh create <data-dir> | start | stop | remove | status | shell
#
# Environment:
#   MOM_CONTAINER  container name            (default: mom-sandbox)
#   MOM_IMAGE      image                     (default: alpine:latest)
#   MOM_MEMORY     memory limit              (default: 2g)
#   MOM_CPUS       CPU limit                 (default: 2)
#   MOM_PIDS       process limit             (default: 512)
#   MOM_NETWORK    docker network to join    (default: docker's bridge; "none" cuts the network off,
#                                             but then mom cannot install tools or reach git hosts)
set -eu

NAME="${MOM_CONTAINER:-mom-sandbox}"
IMAGE="${MOM_IMAGE:-alpine:latest}"
MEMORY="${MOM_MEMORY:-2g}"
CPUS="${MOM_CPUS:-2}"
PIDS="${MOM_PIDS:-512}"
NETWORK="${MOM_NETWORK:-}"

die() {
  echo "docker.sh: $*" >&2
  exit 1
}

usage() {
  cat <<EOF
Usage: ./docker.sh <command>

  create <data-dir>  Create and start the container '$NAME' with <data-dir> mounted at /workspace
  start              Start the existing container
  stop               Stop the container (installed tools and files stay)
  remove             Remove the container (tools installed in it are lost; the data dir stays)
  status             Show whether the container exists, runs, and what it mounts (exit 0 only when running)
  shell              Open a shell in the container

Environment: MOM_CONTAINER (default mom-sandbox), MOM_IMAGE (default alpine:latest),
MOM_MEMORY (2g), MOM_CPUS (2), MOM_PIDS (512), MOM_NETWORK (default bridge; 'none' for no network).
EOF
}

command -v docker >/dev/null 2>&1 || die "the docker command is not installed (see https://docs.docker.com/engine/install/)"

# Prints the container's state (running, exited, created...) or nothing when it does not exist.
state() {
  docker container inspect --format '{{.State.Status}}' "$NAME" 2>/dev/null || true
}

# Prints the host directory mounted at /workspace, or nothing.
workspace_mount() {
  docker container inspect --format '{{range .Mounts}}{{if eq .Destination "/workspace"}}{{.Source}}{{end}}{{end}}' "$NAME" 2>/dev/null || true
}

require_exists() {
  [ -n "$(state)" ] || die "container '$NAME' does not exist. Create it: ./docker.sh create <data-dir>"
}

cmd_create() {
  [ $# -ge 1 ] && [ -n "$1" ] || die "create needs the data directory: ./docker.sh create <data-dir>"
  [ -z "$(state)" ] || die "container '$NAME' already exists ($(state), mounts $(workspace_mount)). Use './docker.sh start', or './docker.sh remove' first to recreate it."
  mkdir -p "$1" || die "cannot create the data directory '$1'"
  data_dir="$(cd "$1" && pwd -P)"
  # As hardened as a container MonoClaw manages (packages/backend-docker's container-spec.ts): every
  # capability dropped but the few a package manager needs as root (chown/chmod of files it does not
  # own, apt's switch to _apt) and KILL (ending a timed-out command's processes), no-new-privileges,
  # a process limit and an init that reaps zombies.
  set -- --detach --name "$NAME" \
    --label "monoclaw.mom=sandbox" \
    --init \
    --restart unless-stopped \
    --memory "$MEMORY" --cpus "$CPUS" --pids-limit "$PIDS" \
    --cap-drop ALL \
    --cap-add CHOWN --cap-add DAC_OVERRIDE --cap-add FOWNER --cap-add SETUID --cap-add SETGID --cap-add KILL \
    --security-opt no-new-privileges \
    --volume "$data_dir:/workspace" \
    --workdir /workspace
  if [ -n "$NETWORK" ]; then set -- "$@" --network "$NETWORK"; fi
  if ! docker run "$@" "$IMAGE" tail -f /dev/null >/dev/null; then
    # never leave a half-created container behind
    docker rm -f "$NAME" >/dev/null 2>&1 || true
    die "could not create container '$NAME' from image '$IMAGE' (is the image available? try: docker pull $IMAGE)"
  fi
  echo "Container '$NAME' is running ($IMAGE), $data_dir is mounted at /workspace."
  echo "Run mom with: mom --sandbox=docker:$NAME $data_dir"
}

cmd_start() {
  require_exists
  docker start "$NAME" >/dev/null || die "could not start container '$NAME'"
  echo "Container '$NAME' is running."
}

cmd_stop() {
  require_exists
  docker stop "$NAME" >/dev/null || die "could not stop container '$NAME'"
  echo "Container '$NAME' is stopped."
}

cmd_remove() {
  require_exists
  docker rm -f "$NAME" >/dev/null || die "could not remove container '$NAME'"
  echo "Container '$NAME' is removed (the data directory is untouched)."
}

cmd_status() {
  s="$(state)"
  if [ -z "$s" ]; then
    echo "Container '$NAME' does not exist. Create it: ./docker.sh create <data-dir>"
    exit 1
  fi
  echo "Container '$NAME': $s, image $(docker container inspect --format '{{.Config.Image}}' "$NAME"), /workspace <- $(workspace_mount)"
  if [ "$s" != "running" ]; then
    echo "Start it: ./docker.sh start"
    exit 1
  fi
}

cmd_shell() {
  require_exists
  [ "$(state)" = "running" ] || die "container '$NAME' is not running. Start it: ./docker.sh start"
  if [ -t 0 ]; then tty="-it"; else tty="-i"; fi
  if docker exec "$NAME" sh -c 'command -v bash' >/dev/null 2>&1; then
    exec docker exec $tty -w /workspace "$NAME" bash
  fi
  exec docker exec $tty -w /workspace "$NAME" sh
}

[ $# -ge 1 ] || { usage >&2; exit 1; }
cmd="$1"
shift
case "$cmd" in
  create) cmd_create "$@" ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  remove | rm) cmd_remove ;;
  status) cmd_status ;;
  shell) cmd_shell ;;
  -h | --help | help) usage ;;
  *) usage >&2; die "unknown command '$cmd'" ;;
esac
