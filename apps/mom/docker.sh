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
#                                             but then mom cannot install tools or reach git hosts;
#                                             "allowlist": only MOM_EGRESS_ALLOW, see the egress block below)
#   MOM_EGRESS_ALLOW        with allowlist: comma-separated hosts ("*.github.com", "pypi.org:443")
#   MOM_EGRESS_DENY         with allowlist: comma-separated hosts refused even when allowed
#   MOM_EGRESS_PROXY_IMAGE  with allowlist: image with node that runs the proxy (default: node:20-alpine)
#   MOM_EGRESS_UPSTREAM_CA  with allowlist: PEM file of CAs the proxy trusts upstream besides the system's
#                           (a TLS-inspecting company proxy); only with MOM_SECRETS does the proxy look into TLS
#   MOM_SECRETS             with allowlist: secrets by name, "NAME=host,host;NAME2=host", e.g.
#                           "GITHUB_TOKEN=api.github.com,github.com;NPM_TOKEN=registry.npmjs.org". Only names and
#                           hosts are recorded (a label of the proxy), never a value: mom reads each NAME from her
#                           own environment at start and gives it to the proxy, which puts it into credential
#                           headers of HTTPS requests to those hosts only; commands see a placeholder under NAME.
#                           The hosts must be in MOM_EGRESS_ALLOW too.
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
MOM_MEMORY (2g), MOM_CPUS (2), MOM_PIDS (512), MOM_NETWORK (default bridge; 'none' for no network;
'allowlist' for only the hosts of MOM_EGRESS_ALLOW, through an egress proxy).
With MOM_NETWORK=allowlist: MOM_EGRESS_ALLOW and MOM_EGRESS_DENY (comma-separated hosts),
MOM_EGRESS_PROXY_IMAGE (node:20-alpine), MOM_EGRESS_UPSTREAM_CA (PEM file), and
MOM_SECRETS="NAME=host,host;NAME2=host": secrets by name. docker.sh records names and hosts only;
mom reads each value from her own environment at start (export NAME=... before starting her), the
proxy puts it into requests to those hosts only, and commands see a placeholder.
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
  [ -z "${MOM_SECRETS:-}" ] || [ "$NETWORK" = allowlist ] \
    || die "MOM_SECRETS needs MOM_NETWORK=allowlist (the egress proxy is what puts a secret into requests): set MOM_NETWORK=allowlist and MOM_EGRESS_ALLOW"
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
  if [ "$NETWORK" = allowlist ]; then
    egress_create
    set -- "$@" $(egress_sandbox_args)
  elif [ -n "$NETWORK" ]; then set -- "$@" --network "$NETWORK"; fi
  if ! docker run "$@" "$IMAGE" tail -f /dev/null >/dev/null; then
    # never leave a half-created container behind
    docker rm -f "$NAME" >/dev/null 2>&1 || true
    egress_remove
    die "could not create container '$NAME' from image '$IMAGE' (is the image available? try: docker pull $IMAGE)"
  fi
  echo "Container '$NAME' is running ($IMAGE), $data_dir is mounted at /workspace."
  echo "Run mom with: mom --sandbox=docker:$NAME $data_dir"
}

cmd_start() {
  require_exists
  egress_start
  docker start "$NAME" >/dev/null || die "could not start container '$NAME'"
  echo "Container '$NAME' is running."
}

cmd_stop() {
  require_exists
  docker stop "$NAME" >/dev/null || die "could not stop container '$NAME'"
  egress_stop
  echo "Container '$NAME' is stopped."
}

cmd_remove() {
  require_exists
  docker rm -f "$NAME" >/dev/null || die "could not remove container '$NAME'"
  egress_remove
  echo "Container '$NAME' is removed (the data directory is untouched)."
}

cmd_status() {
  s="$(state)"
  if [ -z "$s" ]; then
    echo "Container '$NAME' does not exist. Create it: ./docker.sh create <data-dir>"
    exit 1
  fi
  echo "Container '$NAME': $s, image $(docker container inspect --format '{{.Config.Image}}' "$NAME"), /workspace <- $(workspace_mount)"
  egress_status
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

# ---- egress allow-list (MOM_NETWORK=allowlist) -------------------------------
# The same enforcement as MonoClaw's terminal.docker.network: allowlist
# (packages/backend-docker/src/egress): the sandbox joins only an --internal
# network whose bridge has no address; its one other member is MonoClaw's egress
# proxy (plain Node, @monoclaw/backend-docker's egressProxySource()), also on
# docker's bridge. The policy is kept in a label of the proxy and written into the
# proxy's tmpfs on create and start (the proxy refuses everything until then).
EGRESS_NET="$NAME-egress"
EGRESS_PROXY="$NAME-egress-proxy"
EGRESS_STATE=/run/monoclaw-egress

egress_exists() { docker container inspect "$EGRESS_PROXY" >/dev/null 2>&1; }

# The proxy's program, one file of plain Node, as MonoClaw runs it (egressProxySource of @monoclaw/backend-docker).
egress_proxy_program() {
  (cd "$(dirname "$0")" && node --input-type=module -e \
    'import { egressProxySource } from "@monoclaw/backend-docker"; process.stdout.write(egressProxySource())') \
    || die "MOM_NETWORK=allowlist needs node and @monoclaw/backend-docker next to docker.sh (npm install @monoclaw/mom)"
}

egress_create() {
  command -v node >/dev/null 2>&1 || die "MOM_NETWORK=allowlist needs node on this machine (it writes the proxy's policy)"
  secrets="$(egress_secret_bindings)" || exit 1
  [ -n "${MOM_EGRESS_ALLOW:-}" ] || echo "docker.sh: MOM_EGRESS_ALLOW is empty: the sandbox can reach nothing (set e.g. MOM_EGRESS_ALLOW=registry.npmjs.org,*.github.com)" >&2
  program="$(egress_proxy_program)"
  policy="$(node -e 'const list = (v) => (v || "").split(",").map((s) => s.trim()).filter(Boolean); const allow = list(process.argv[2]);
    const policy = { sandbox: process.argv[1], made_by: "docker.sh", allow, config_allow: allow, deny: list(process.argv[3]), allow_private: [], host_addresses: [] };
    const caFile = process.argv[4];
    if (caFile) {
      let ca = "";
      try { ca = require("node:fs").readFileSync(caFile, "utf8"); } catch (error) { console.error(`docker.sh: MOM_EGRESS_UPSTREAM_CA: cannot read ${caFile} (${error.code}): point it at a PEM file`); process.exit(1); }
      if (!ca.includes("-----BEGIN CERTIFICATE-----")) { console.error(`docker.sh: MOM_EGRESS_UPSTREAM_CA: ${caFile} holds no PEM certificate: point it at a PEM file`); process.exit(1); }
      policy.upstream_ca = ca;
    }
    process.stdout.write(JSON.stringify(policy))' \
    "$NAME" "${MOM_EGRESS_ALLOW:-}" "${MOM_EGRESS_DENY:-}" "${MOM_EGRESS_UPSTREAM_CA:-}")" || exit 1
  docker network inspect "$EGRESS_NET" >/dev/null 2>&1 || docker network create --internal \
    -o com.docker.network.bridge.inhibit_ipv4=true --label monoclaw.mom=egress "$EGRESS_NET" >/dev/null \
    || die "could not create the internal network '$EGRESS_NET'"
  [ "$(docker network inspect -f '{{.Internal}}' "$EGRESS_NET")" = true ] || die "network '$EGRESS_NET' exists but is not internal: remove it (docker network rm $EGRESS_NET)"
  subnet="$(docker network inspect -f '{{(index .IPAM.Config 0).Subnet}}' "$EGRESS_NET")"
  docker rm -f "$EGRESS_PROXY" >/dev/null 2>&1 || true
  docker create --name "$EGRESS_PROXY" --label monoclaw.mom=egress-proxy --label "monoclaw.mom.egress-policy=$policy" \
    --label "monoclaw.mom.egress-secrets=$secrets" \
    --user 65534:65534 --cap-drop ALL --security-opt no-new-privileges --read-only --pids-limit 256 --memory 256m \
    --tmpfs "$EGRESS_STATE:rw,noexec,nosuid,nodev,size=1m,mode=0700,uid=65534,gid=65534" \
    --restart unless-stopped --network "$EGRESS_NET" --network-alias monoclaw-egress-proxy \
    -e "MONOCLAW_EGRESS_LISTEN_SUBNET=$subnet" -e "MONOCLAW_EGRESS_STATE_DIR=$EGRESS_STATE" \
    "${MOM_EGRESS_PROXY_IMAGE:-node:20-alpine}" node -e "$program" >/dev/null \
    || die "could not create the egress proxy '$EGRESS_PROXY' (is ${MOM_EGRESS_PROXY_IMAGE:-node:20-alpine} available?)"
  docker network connect bridge "$EGRESS_PROXY" || die "could not connect the egress proxy to docker's bridge"
  egress_start
}

# MOM_SECRETS as JSON, {"NAME":["host",...]}: names and hosts, never a value. A "host" that is not
# a host name (a value written by mistake, NAME=ghp_...) is refused without being repeated.
egress_secret_bindings() {
  node -e 'const fail = (why) => { console.error(`docker.sh: MOM_SECRETS: ${why}; write NAME=host[,host...] separated by ";", e.g. MOM_SECRETS="GITHUB_TOKEN=api.github.com,github.com" (only names and hosts: mom reads each value from her own environment)`); process.exit(1); };
    // Variables commands need for themselves: a placeholder under one of these names would break them (or their proxy).
    const reserved = /^(PATH|HOME|USER|SHELL|PWD|LD_[A-Z0-9_]*|MONOCLAW_[A-Z0-9_]*|(HTTPS?|ALL|NO)_PROXY|SSL_CERT_(FILE|DIR)|CURL_CA_BUNDLE|REQUESTS_CA_BUNDLE|GIT_SSL_CAINFO|NODE_EXTRA_CA_CERTS|NODE_OPTIONS)$/i;
    // A host name whose last label is a top-level domain: a token (even a JWT, whose segments are dotted) is not one.
    const isHost = (host) => {
      const match = /^(\*\.)?([A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+)(:[0-9]{1,5})?$/.exec(host);
      const labels = match ? match[2].split(".") : [];
      return labels.length > 0 && /^([A-Za-z]{2,63}|xn--[A-Za-z0-9-]+)$/.test(labels[labels.length - 1]) && !labels.some((label) => label.startsWith("eyJ"));
    };
    const allow = (process.argv[2] || "").split(",").map((s) => s.trim()).filter(Boolean);
    const bindings = {};
    for (const entry of (process.argv[1] || "").split(";").map((s) => s.trim()).filter(Boolean)) {
      const at = entry.indexOf("=");
      const name = (at < 0 ? entry : entry.slice(0, at)).trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail("an entry does not start with a variable name");
      if (reserved.test(name)) fail(`${name} is a variable commands need for themselves (PATH, HOME, the proxy and CA variables, MONOCLAW_*), not a secret`);
      if (name in bindings) fail(`${name} is named twice`);
      const value = process.env[name] || "";
      if (value.length >= 8 && entry.includes(value)) fail(`the value of ${name} is written in it (nothing was recorded)`);
      const hosts = at < 0 ? [] : entry.slice(at + 1).split(",").map((s) => s.trim()).filter(Boolean);
      if (hosts.length === 0) fail(`${name} names no host it may be sent to`);
      if (!hosts.every(isHost)) fail(`${name} is bound to something that is not a host name (api.github.com, *.github.com, host:port)`);
      // The proxy refuses a host that is not allowed before it looks for a secret (ports aside: allow covers 443 and 80).
      const bare = (rule) => rule.toLowerCase().replace(/:[0-9]+$/, "");
      const allowed = (host) => allow.some((rule) => bare(rule) === bare(host) || (bare(rule).startsWith("*.") && bare(host).endsWith(bare(rule).slice(1))));
      const refused = hosts.find((host) => !allowed(host));
      if (refused !== undefined) fail(`${name} is bound to ${refused}, which MOM_EGRESS_ALLOW does not allow, so the proxy would refuse every request to it: add ${refused} to MOM_EGRESS_ALLOW`);
      bindings[name] = hosts;
    }
    process.stdout.write(JSON.stringify(bindings))' "${MOM_SECRETS:-}" "${MOM_EGRESS_ALLOW:-}"
}

# The sandbox's network and proxy variables (tools that ignore them have no route at all).
egress_sandbox_args() {
  url=http://monoclaw-egress-proxy:3128
  printf -- '--network %s --dns 192.0.2.1' "$EGRESS_NET"
  for var in HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy; do printf -- ' -e %s=%s' "$var" "$url"; done
  printf -- ' -e NO_PROXY=localhost,127.0.0.1 -e no_proxy=localhost,127.0.0.1'
}

# Starts the proxy and writes its policy (a start wipes its tmpfs), then waits until it applied it.
# A proxy that runs with a policy keeps it: mom may have given it the secrets' values.
egress_start() {
  egress_exists || return 0
  if [ "$(docker container inspect -f '{{.State.Running}}' "$EGRESS_PROXY")" = true ] \
    && docker exec -u 65534:65534 "$EGRESS_PROXY" test -s "$EGRESS_STATE/applied" 2>/dev/null; then return 0; fi
  docker start "$EGRESS_PROXY" >/dev/null || die "could not start the egress proxy '$EGRESS_PROXY'"
  docker container inspect -f '{{index .Config.Labels "monoclaw.mom.egress-policy"}}' "$EGRESS_PROXY" \
    | docker exec -i -u 65534:65534 "$EGRESS_PROXY" sh -c "cat >$EGRESS_STATE/policy.new && mv $EGRESS_STATE/policy.new $EGRESS_STATE/policy.json" \
    || die "could not write the egress proxy's policy"
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    docker exec "$EGRESS_PROXY" sh -c "kill -HUP 1; test -s $EGRESS_STATE/applied" 2>/dev/null && return 0
    sleep 0.25
  done
  die "the egress proxy '$EGRESS_PROXY' did not load its policy (docker logs $EGRESS_PROXY)"
}

egress_stop() { if egress_exists; then docker stop -t 1 "$EGRESS_PROXY" >/dev/null || true; fi; }

egress_remove() {
  docker rm -f "$EGRESS_PROXY" >/dev/null 2>&1 || true
  docker network rm "$EGRESS_NET" >/dev/null 2>&1 || true
}

egress_status() {
  egress_exists || return 0
  echo "Egress proxy '$EGRESS_PROXY': $(docker container inspect -f '{{.State.Status}}' "$EGRESS_PROXY"), policy $(docker container inspect -f '{{index .Config.Labels "monoclaw.mom.egress-policy"}}' "$EGRESS_PROXY")"
  secrets="$(docker container inspect -f '{{index .Config.Labels "monoclaw.mom.egress-secrets"}}' "$EGRESS_PROXY")"
  [ -z "$secrets" ] || [ "$secrets" = "{}" ] || echo "Secrets (values from mom's environment at her start): $secrets"
}
# ---- end of the egress block ---------------------------------------------------

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
