#!/usr/bin/env bash
# Runs every benchmark one after another, the same way each time, and writes
# their Markdown sections to bench/RESULTS.md. Needs a build and, for the
# Docker benchmark, the engine and the test images:
#   pnpm turbo build && bash scripts/ensure-docker.sh && bash docker/test-images/build.sh
# Run it on an otherwise idle machine: the figures are medians, but a busy
# machine still moves them.
set -euo pipefail
cd "$(dirname "$0")/.."

out=bench/RESULTS.md
tmp=$(mktemp)
{
  echo "# Benchmark results"
  echo
  echo "Written by \`bash bench/run-all.sh\` on $(date -u +%Y-%m-%d) on a $(nproc)-core machine"
  echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), Node $(node --version)),"
  echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg). Every figure is a median"
  echo "(p95 where shown) of repeated runs, against baselines measured in the same run."
  echo
  for script in host-backend docker-backend docker-ssh agent cli-agent mom-load; do
    echo "[bench] $script" >&2
    node "bench/$script.mjs"
    echo
  done
} >"$tmp"
mv "$tmp" "$out"
echo "[bench] wrote $out" >&2
