#!/usr/bin/env bash
# Builds the monoclaw-runtime image (docker/Dockerfile) from this checkout.
#
#   docker/build-runtime.sh                  base node:20-bookworm-slim, tag monoclaw-runtime:latest
#   BASE_IMAGE=monoclaw-test/node:20 docker/build-runtime.sh     base made by docker/test-images/build.sh
#   TAG=monoclaw-runtime:dev docker/build-runtime.sh
#
# Steps: build the published packages, `pnpm pack` each (workspace:^ ranges
# become real versions), `npm install --omit=dev` the tarballs into a scratch
# context (the same tree `npm i monoclaw @monoclaw/mom` gives a user; npm needs
# the registry for third-party dependencies, the Docker build needs nothing),
# then `docker build` with that context. Install scripts are not run (pnpm
# ignores the same optional native builds: cpu-features, ssh2).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=${BASE_IMAGE:-node:20-bookworm-slim}
TAG=${TAG:-monoclaw-runtime:latest}
PACKAGES=(@monoclaw/core @monoclaw/backend-host @monoclaw/backend-docker monoclaw @monoclaw/mom)

log() { printf '[build-runtime] %s\n' "$*" >&2; }

ctx=$(mktemp -d "${TMPDIR:-/tmp}/monoclaw-runtime.XXXXXX")
trap 'rm -rf "$ctx"' EXIT

filters=()
for pkg in "${PACKAGES[@]}"; do filters+=(--filter "$pkg"); done
log "building ${PACKAGES[*]}"
pnpm turbo build "${filters[@]}" --output-logs=errors-only >&2

mkdir -p "$ctx/tarballs" "$ctx/context/app"
for pkg in "${PACKAGES[@]}"; do
  pnpm --filter "$pkg" pack --pack-destination "$ctx/tarballs" >/dev/null
done
log "packed: $(cd "$ctx/tarballs" && ls | tr '\n' ' ')"

printf '{ "name": "monoclaw-runtime", "private": true }\n' >"$ctx/context/app/package.json"
(cd "$ctx/context/app" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
  "$ctx"/tarballs/*.tgz >&2)
log "docker build -t $TAG (base $BASE_IMAGE)"
# --network none: the RUN steps only check and trim what was copied in (dependencies are installed above).
DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} docker build --network none --force-rm --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$TAG" \
  -f docker/Dockerfile "$ctx/context" >"$ctx/build.log" 2>&1 \
  || { tail -40 "$ctx/build.log" >&2; exit 1; }
log "built $TAG ($(docker image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%.0f MB", $1/1e6}'))"
