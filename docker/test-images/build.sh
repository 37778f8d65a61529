#!/usr/bin/env bash
# Builds the local images the tests use. No registry is reachable on the
# project's machines, so every image is made from Debian packages:
#   monoclaw-test/busybox:latest   busybox-static rootfs: sh only, like Alpine (~2 MB)
#   monoclaw-test/debian:bookworm  debootstrap --variant=minbase: bash, coreutils, apt
#   monoclaw-test/node:20          the debian image plus this machine's Node 20 and npm,
#                                  laid out like the public node:20-bookworm-slim; the
#                                  base docker/build-runtime.sh builds monoclaw-runtime on
#   monoclaw-test/debian-clients:bookworm
#                                  the debian image plus git, python3 and ca-certificates
#                                  (the egress tests' git-over-HTTPS and urllib clients)
# It also installs the host tools tests run beside the engine (busybox, sshd,
# and zsh and fish for the CLI's completion-script tests).
# An image that already exists is kept (delete it to rebuild).
set -euo pipefail

log() { printf '[test-images] %s\n' "$*" >&2; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
need_pkg() {
  command -v "$1" >/dev/null 2>&1 || [ -e "$2" ] && return 0
  log "installing Debian package $3"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "$3" >/dev/null
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The host's busybox too: core's shell-session tests run busybox sh on the host.
need_pkg busybox /bin/busybox busybox-static

# The shells whose completion scripts `monoclaw completion` prints.
need_pkg zsh /usr/bin/zsh zsh
need_pkg fish /usr/bin/fish fish

# OpenSSH's sshd: backend-docker's ssh:// engine test starts its own on
# 127.0.0.1. The package's system service must not start (or listen on :22):
# policy-rc.d answers "not now" during the install, as in Docker images.
if [ ! -x /usr/sbin/sshd ]; then
  added_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && added_policy=1
  fi
  need_pkg sshd /usr/sbin/sshd openssh-server
  [ -z "$added_policy" ] || rm -f /usr/sbin/policy-rc.d
fi

if ! have_image monoclaw-test/busybox:latest; then
  root="$work/busybox"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root" "$root/workspace"
  cp "$(readlink -f /bin/busybox)" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["/bin/sh"]' - monoclaw-test/busybox:latest >/dev/null
  log "built monoclaw-test/busybox:latest"
fi

if ! have_image monoclaw-test/debian:bookworm; then
  need_pkg debootstrap /usr/sbin/debootstrap debootstrap
  root="$work/debian"
  log "debootstrap bookworm (one to two minutes)"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["/bin/bash"]' - monoclaw-test/debian:bookworm >/dev/null
  log "built monoclaw-test/debian:bookworm"
fi

if ! have_image monoclaw-test/node:20; then
  node_bin=$(readlink -f "$(command -v node)")
  node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
  [ "$node_major" = 20 ] || { log "monoclaw-test/node:20 needs Node 20 on this machine, found $("$node_bin" --version)"; exit 1; }
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  ctx="$work/node"
  mkdir -p "$ctx/usr/local/bin" "$ctx/usr/local/lib/node_modules"
  cp "$node_bin" "$ctx/usr/local/bin/node"
  cp -a "$npm_dir" "$ctx/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/usr/local/bin/npx"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM monoclaw-test/debian:bookworm
COPY usr/ /usr/
ENV NODE_VERSION=NODE_VERSION_PLACEHOLDER
CMD ["node"]
DOCKERFILE
  sed -i "s/NODE_VERSION_PLACEHOLDER/$("$node_bin" -p process.versions.node)/" "$ctx/Dockerfile"
  docker build -q -t monoclaw-test/node:20 "$ctx" >"$work/node-build.log" 2>&1 \
    || { tail -30 "$work/node-build.log" >&2; exit 1; }
  docker run --rm --network none monoclaw-test/node:20 node -e 'process.exit(0)' \
    || { log "monoclaw-test/node:20 was built but node does not run in it"; exit 1; }
  log "built monoclaw-test/node:20 (node $("$node_bin" --version))"
fi

# git, python3 and ca-certificates on top of the debian image, installed by
# this machine's apt into a chroot (never through container networking). Only
# what the install added or changed (ctime after the copy) goes into a layer
# over monoclaw-test/debian:bookworm, so the two share their base.
if ! have_image monoclaw-test/debian-clients:bookworm; then
  started=$(date +%s)
  root="$work/clients"
  mkdir -p "$root"
  base=$(docker create monoclaw-test/debian:bookworm true)
  exported=0
  docker export "$base" | tar -C "$root" -x || exported=$?
  docker rm "$base" >/dev/null
  [ "$exported" = 0 ] || { log "could not export monoclaw-test/debian:bookworm for the clients image"; exit 1; }
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  touch "$work/clients.copied"
  sleep 1 # ctime has one-second granularity on some filesystems
  export DEBIAN_FRONTEND=noninteractive
  { chroot "$root" apt-get update -qq && chroot "$root" apt-get install -y -qq --no-install-recommends git python3 ca-certificates; } \
    >"$work/clients-apt.log" 2>&1 || { tail -30 "$work/clients-apt.log" >&2; exit 1; }
  # The layer: what dpkg wrote, without apt's downloads and lists, the chroot's
  # own files, or documentation and translations (about 20 MB no test reads).
  (cd "$root" && find . -cnewer "$work/clients.copied" \( -type f -o -type l -o -type d \) \
    | grep -Ev '^\./(var/cache/apt|var/lib/apt/lists|var/log|tmp|usr/share/(doc|man|locale)|etc/resolv\.conf|etc/hostname|etc/hosts|\.dockerenv)(/|$)' \
    | grep -vx '\.' | LC_ALL=C sort >"$work/clients.files")
  ctx="$work/clients-ctx"
  mkdir -p "$ctx"
  tar -C "$root" --no-recursion -T "$work/clients.files" -cf "$ctx/added.tar"
  printf 'FROM monoclaw-test/debian:bookworm\nADD added.tar /\n' >"$ctx/Dockerfile"
  docker build --network none -q -t monoclaw-test/debian-clients:bookworm "$ctx" >"$work/clients-build.log" 2>&1 \
    || { tail -30 "$work/clients-build.log" >&2; exit 1; }
  docker run --rm --network none monoclaw-test/debian-clients:bookworm sh -c 'git --version && python3 -c "import ssl, urllib.request" && test -s /etc/ssl/certs/ca-certificates.crt' >/dev/null \
    || { log "monoclaw-test/debian-clients:bookworm was built but git, python3 or the CA bundle does not work in it"; exit 1; }
  log "built monoclaw-test/debian-clients:bookworm in $(($(date +%s) - started)) s"
fi

log "ready: $(docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^monoclaw-test/' | tr '\n' ' ')"
