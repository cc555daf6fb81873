#!/usr/bin/env bash
# The main job on the embedded database: install, create and migrate the databases,
# then show the warehouse's status. The server keeps running for dashboards and psql;
# `.venv/bin/harness db stop` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/harness migrate
.venv/bin/harness db status
