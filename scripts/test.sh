#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every *.test.js under dist/.
# Cluster tests need root (they create network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
node scripts/check-imports.mjs
mapfile -t files < <(find dist/src dist/test -name '*.test.js' | sort)
exec node --test --test-concurrency=2 --test-timeout=600000 "${files[@]}"
