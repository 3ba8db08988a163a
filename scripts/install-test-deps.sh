#!/usr/bin/env bash
# Installs the Debian packages the interop and browser tests run against, when they are missing.
# Runs as root on a fresh Debian 12 machine (CI); elsewhere it uses sudo when it can.
# Services the packages ship are not started: every test starts its own peer on 127.0.0.1 and stops it.
set -euo pipefail

PACKAGES=(
  prometheus                  # prometheus 2.42 and promtool
  prometheus-pushgateway
  prometheus-node-exporter
  prometheus-alertmanager
  python3-prometheus-client
  victoria-metrics
  chromium                    # the browser for the UI tests (driven by playwright-core)
  zstd                        # compresses WAL records the way Prometheus 3.x's zstd option does
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: missing ${missing[*]} and no apt-get here; install them or run on Debian 12" >&2
  exit 1
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "install-test-deps: missing ${missing[*]}; run as root (or with sudo) to install them" >&2
    exit 1
  fi
fi

echo "install-test-deps: installing ${missing[*]}"
# Keep the packages' init scripts from starting daemons on their default ports.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod 755 "$policy"
  added_policy=1
fi
cleanup() { if [ "$added_policy" = 1 ]; then "${SUDO[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# In case a package started its daemon anyway (no policy support), stop it: tests need the ports.
for svc in prometheus prometheus-pushgateway prometheus-node-exporter prometheus-alertmanager victoria-metrics; do
  "${SUDO[@]}" service "$svc" stop >/dev/null 2>&1 || true
done
echo "install-test-deps: done"
