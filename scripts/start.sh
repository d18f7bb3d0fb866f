#!/usr/bin/env bash
# Quick start: install what is missing, build, and run a server on the embedded SQLite store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bin/skiff server "$@"
