#!/usr/bin/env bash
# Installs everything the tests need, then runs every test (pytest + pgTAP) on a
# throwaway embedded PostgreSQL, and stops that server whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test

export HARNESS_TEST_HOME="${HARNESS_TEST_HOME:-$PWD/.warehouse-test}"
stop_server() { HARNESS_HOME="$HARNESS_TEST_HOME" .venv/bin/harness db stop >/dev/null 2>&1 || true; }
trap stop_server EXIT
.venv/bin/harness test "$@"
