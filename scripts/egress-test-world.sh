#!/usr/bin/env bash
# The egress tests' world, all on this machine (run as root; idempotent):
#
#   namespace monoclaw-egress-engine    a second dockerd WITH iptables (so an
#                                       --internal network is really isolated),
#                                       socket unix:///run/monoclaw-egress-docker.sock
#        198.18.0.1/24  (veth)
#             |
#        198.18.0.2/24  (veth)
#   namespace monoclaw-egress-internet  DNS on 198.19.0.53, HTTP :80/:8080 and
#                                       HTTPS :443 on 198.19.0.10/.11/.12, a UDP
#                                       sink on 198.19.0.10:9999 (internet.mjs),
#                                       git over dumb HTTP(S) at /git/hello.git
#
# Neither namespace has a default route, nor any route but to the other one:
# no packet can leave the machine. Every address used is in 198.18.0.0/15
# (benchmarking range) and exists only inside these namespaces. The main
# engine (--iptables=false, host network) is never given a bridge network.
# What the fake internet saw is recorded under /run/monoclaw-egress-world/.
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE_NS=monoclaw-egress-engine
INTERNET_NS=monoclaw-egress-internet
STATE=/run/monoclaw-egress-world
SOCK=/run/monoclaw-egress-docker.sock
EDOCKER=(docker -H "unix://$SOCK")
TEST_IMAGES=(monoclaw-test/busybox:latest monoclaw-test/debian:bookworm monoclaw-test/node:20 monoclaw-test/debian-clients:bookworm)
CURL_IMAGE=monoclaw-egress-test/curl:bookworm

log() { printf '[egress-world] %s\n' "$*" >&2; }
need_cmd() {
  command -v "$1" >/dev/null 2>&1 && return 0
  log "installing Debian package $2"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
}

[ "$(id -u)" = 0 ] || { log "must run as root (it creates network namespaces and a second dockerd)"; exit 1; }
need_cmd ip iproute2
need_cmd nsenter util-linux
need_cmd openssl openssl
need_cmd iptables iptables
need_cmd curl curl
need_cmd git git
command -v dockerd >/dev/null 2>&1 || { log "dockerd missing: run scripts/ensure-docker.sh first"; exit 1; }
mkdir -p "$STATE"

# --- namespaces and the veth between them -----------------------------------
for ns in "$ENGINE_NS" "$INTERNET_NS"; do
  [ -e "/var/run/netns/$ns" ] || ip netns add "$ns"
  ip -n "$ns" link set lo up
done
if ! ip -n "$ENGINE_NS" link show mceg-eng >/dev/null 2>&1; then
  ip link del mceg-eng 2>/dev/null || true
  ip link add mceg-eng type veth peer name mceg-inet
  ip link set mceg-eng netns "$ENGINE_NS"
  ip link set mceg-inet netns "$INTERNET_NS"
fi
ip -n "$ENGINE_NS" addr replace 198.18.0.1/24 dev mceg-eng
ip -n "$ENGINE_NS" link set mceg-eng up
ip -n "$INTERNET_NS" addr replace 198.18.0.2/24 dev mceg-inet
ip -n "$INTERNET_NS" link set mceg-inet up
for address in 198.19.0.10 198.19.0.11 198.19.0.12 198.19.0.53; do
  ip -n "$INTERNET_NS" addr replace "$address/32" dev lo
done
ip -n "$ENGINE_NS" route replace 198.19.0.0/16 via 198.18.0.2 dev mceg-eng
# The internet answers the engine's bridges (masqueraded to 198.18.0.1 anyway).
ip -n "$INTERNET_NS" route replace 198.18.0.0/16 via 198.18.0.1 dev mceg-inet 2>/dev/null || true

# Prove it: no default route, and every route stays inside 198.18.0.0/15 or the namespace itself.
for ns in "$ENGINE_NS" "$INTERNET_NS"; do
  if ip -n "$ns" route show | grep -q '^default'; then log "namespace $ns has a default route: refusing to go on"; exit 1; fi
  if ip -n "$ns" -6 route show | grep -q '^default'; then log "namespace $ns has an IPv6 default route: refusing to go on"; exit 1; fi
done

# --- the test CA and the fake internet's servers -----------------------------
if [ ! -s "$STATE/ca-cert.pem" ] || [ ! -s "$STATE/server-cert.pem" ]; then
  log "making the test CA"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=MonoClaw egress test world CA" \
    -keyout "$STATE/ca-key.pem" -out "$STATE/ca-cert.pem" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=allowed.test" \
    -keyout "$STATE/server-key.pem" -out "$STATE/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=DNS:allowed.test,DNS:*.allowed.test,DNS:denied.test,DNS:other.test,DNS:*.rebind.test,DNS:loopback.test,DNS:metadata.test\n' >"$STATE/san.ext"
  openssl x509 -req -in "$STATE/server.csr" -CA "$STATE/ca-cert.pem" -CAkey "$STATE/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$STATE/san.ext" -out "$STATE/server-cert.pem" >/dev/null 2>&1
fi

# A bare repository the fake internet serves over dumb HTTP (GET of its files,
# after `git update-server-info`): one commit, fixed author and dates.
if [ ! -s "$STATE/git/hello.git/info/refs" ]; then
  log "making the git repository the fake internet serves"
  src=$(mktemp -d)
  printf 'hello from the egress test world over git\n' >"$src/hello.txt"
  (
    cd "$src"
    export GIT_AUTHOR_NAME=world GIT_AUTHOR_EMAIL=world@allowed.test GIT_COMMITTER_NAME=world GIT_COMMITTER_EMAIL=world@allowed.test
    export GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z
    git init -q -b main . && git add hello.txt && git commit -q -m "hello"
  )
  rm -rf "$STATE/git/hello.git"
  mkdir -p "$STATE/git"
  git clone -q --bare "$src" "$STATE/git/hello.git"
  git -C "$STATE/git/hello.git" repack -q -a -d
  git -C "$STATE/git/hello.git" update-server-info
  rm -rf "$src"
fi

# The running fake internet is replaced when internet.mjs changed since it
# started (its records are kept: tests tell theirs apart by nonce).
internet_up() { [ -s "$STATE/internet.pid" ] && kill -0 "$(cat "$STATE/internet.pid")" 2>/dev/null; }
internet_code=$(sha256sum scripts/egress-world/internet.mjs | cut -d' ' -f1)
if internet_up && [ "$(cat "$STATE/internet.code" 2>/dev/null)" != "$internet_code" ]; then
  log "restarting the fake internet (internet.mjs changed)"
  old=$(cat "$STATE/internet.pid")
  kill "$old"
  for _ in $(seq 1 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
  rm -f "$STATE/internet.pid"
else
  if ! internet_up; then : >"$STATE/dns.log"; : >"$STATE/http.log"; : >"$STATE/udp.log"; fi
fi
if ! internet_up; then
  log "starting the fake internet (DNS, HTTP, HTTPS, UDP sink, git)"
  touch "$STATE/dns.log" "$STATE/http.log" "$STATE/udp.log"
  nohup ip netns exec "$INTERNET_NS" node scripts/egress-world/internet.mjs "$STATE" >"$STATE/internet.out" 2>&1 &
  pid=$!
  echo "$pid" >"$STATE/internet.pid"
  for _ in $(seq 1 50); do grep -q "\"started\":true,\"pid\":$pid}" "$STATE/internet.log" 2>/dev/null && break; sleep 0.1; done
  internet_up || { log "the fake internet did not start"; cat "$STATE/internet.out" >&2; exit 1; }
  echo "$internet_code" >"$STATE/internet.code"
fi

# --- the second engine -------------------------------------------------------
engine_up() { "${EDOCKER[@]}" info >/dev/null 2>&1; }
if ! engine_up; then
  log "starting the egress test engine in namespace $ENGINE_NS"
  mkdir -p /var/lib/monoclaw-egress-docker /run/monoclaw-egress-docker-exec
  # nsenter, not `ip netns exec`: the latter remounts /sys and dockerd then finds no devices cgroup.
  nohup nsenter --net="/var/run/netns/$ENGINE_NS" dockerd \
    --data-root /var/lib/monoclaw-egress-docker \
    --exec-root /run/monoclaw-egress-docker-exec \
    --pidfile /run/monoclaw-egress-docker.pid \
    -H "unix://$SOCK" \
    --bip 198.18.64.1/24 \
    --default-address-pool base=198.18.128.0/17,size=24 \
    --dns 198.19.0.53 \
    --cgroup-parent monoclaw-egress \
    >/var/log/monoclaw-egress-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do engine_up && break; sleep 1; done
  engine_up || { log "the egress test engine did not start; see /var/log/monoclaw-egress-dockerd.log"; tail -20 /var/log/monoclaw-egress-dockerd.log >&2; exit 1; }
fi

for image in "${TEST_IMAGES[@]}"; do
  "${EDOCKER[@]}" image inspect "$image" >/dev/null 2>&1 && continue
  log "loading $image into the egress test engine"
  docker save "$image" | "${EDOCKER[@]}" load >/dev/null
done

# curl in a Debian image without a network: this machine's curl and the
# libraries it links (both bookworm), copied onto the test Debian image.
if ! "${EDOCKER[@]}" image inspect "$CURL_IMAGE" >/dev/null 2>&1; then
  log "building $CURL_IMAGE"
  ctx=$(mktemp -d)
  mkdir -p "$ctx/rootfs/usr/bin"
  cp "$(command -v curl)" "$ctx/rootfs/usr/bin/curl"
  for lib in $(ldd "$(command -v curl)" | awk '/=>/ { print $3 }'); do
    # Merged /usr: /lib is a symlink in the image, and COPY onto it would replace it.
    dest=$lib
    case "$dest" in /lib/*) dest=/usr$dest ;; esac
    mkdir -p "$ctx/rootfs$(dirname "$dest")"
    cp -L "$lib" "$ctx/rootfs$dest"
  done
  printf 'FROM monoclaw-test/debian:bookworm\nCOPY rootfs/ /\n' >"$ctx/Dockerfile"
  "${EDOCKER[@]}" build --network none -q -t "$CURL_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
fi

log "ready: engine unix://$SOCK, fake internet records in $STATE"
