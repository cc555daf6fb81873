#!/usr/bin/env bash
# Installs what the warehouse needs on a fresh Debian/Ubuntu machine, into ./.venv.
#   scripts/setup.sh            runtime only
#   scripts/setup.sh --test     also the test tools: pgTAP, Chromium and its driver, pytest
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"

if [ "$want_test" = 1 ]; then
  debs=(postgresql-15-pgtap chromium chromium-driver)
  missing=()
  for pkg in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> installing Debian packages: ${missing[*]}"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
extras="dash"
[ "$want_test" = 1 ] && extras="dash,test"
echo "==> installing the harness package (.[${extras}])"
.venv/bin/pip install -q --disable-pip-version-check -e ".[${extras}]"
