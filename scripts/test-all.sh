#!/usr/bin/env bash
# The whole test suite on a fresh machine: pinned pnpm, dependencies, a running
# Docker engine and the local test images, then `pnpm turbo test` (what a
# contributor who already has Docker and the images runs directly).
set -euo pipefail
cd "$(dirname "$0")/.."

# First of all: no earlier run's report may be counted if a set-up step fails.
rm -rf packages/*/.test-results apps/*/.test-results

PNPM_VERSION=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi
pnpm install --frozen-lockfile
bash scripts/ensure-docker.sh
bash docker/test-images/build.sh
pnpm turbo test --concurrency=1 --continue
