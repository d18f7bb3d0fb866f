#!/usr/bin/env bash
# Runs a benchmark (default: all of bench/*.ts) inside a network namespace made for it, with
# only loopback, removed afterwards even on failure. Usage: npm run bench -- [api] [args...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests >/dev/null
name="${1:-api}"
shift || true
ns="skiff-bench-$$"
ip netns add "$ns"
trap 'ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null; ip netns del "$ns" 2>/dev/null || true' EXIT
ip -n "$ns" link set lo up
# nsenter joins only the network namespace: `ip netns exec` also remounts /sys, which hides the
# cgroup tree that containerd and runc need (bench/pod-startup runs a real node).
nsenter --net="/run/netns/$ns" node "dist/bench/$name.js" "$@"
