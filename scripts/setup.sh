#!/usr/bin/env bash
# Installs what Skiff needs and builds it. Debian packages only when root (and only the
# missing ones); npm packages when node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(etcd-server etcd-client iproute2 iptables wrk dnsperf containerd runc containernetworking-plugins nftables conntrack nginx busybox-static python3-prometheus-client python3-kubernetes)
# The live-pictures page is tested in headless Chromium (`skiff ui`); only the test build needs it.
if [ "${1:-}" = "--tests" ]; then debian_packages+=(chromium); fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for p in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -q
    # apt's own summary and progress lines show what is being fetched and set up.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    # Debian starts these as services on install; Skiff runs its own instances.
    for s in containerd etcd nginx; do
      systemctl disable --now "$s" >/dev/null 2>&1 || service "$s" stop >/dev/null 2>&1 || true
    done
  fi
fi

if [ -L node_modules ]; then
  # A worktree borrowing another checkout's packages: reinstalling would empty that one's.
  echo "setup: node_modules is a link; not reinstalling npm packages"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (better-sqlite3 builds from source: a few minutes; its compiler output follows)"
  npm ci --no-audit --no-fund --foreground-scripts --loglevel=http
fi

# `setup.sh --tests` also builds the tests, benchmarks and test support (kept out of the
# production build that `npm start` runs).
if [ "${1:-}" = "--tests" ]; then
  echo "setup: building (with tests)"
  npm run --silent build:test
else
  echo "setup: building"
  npm run --silent build
fi
