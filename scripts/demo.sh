#!/usr/bin/env bash
# The main job on the embedded database, with demo data: install, create and migrate
# the databases, generate a demo shop the first time (scale 0.05: ~50k order lines over
# the three years up to yesterday, America/Sao_Paulo, so `harness doctor` and
# `harness check-sla` are green right after), run the daily load with its quality gates
# and show the warehouse's status, the KPI anomalies of the last 30 days and the managers'
# digest (written to a file). The server keeps running for dashboards and psql;
# `.venv/bin/harness db stop` stops it. Run it again: the second load finds nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/harness migrate
if [ "$(.venv/bin/harness db psql -d oltp -At -c 'SELECT count(*) FROM shop.orders')" = "0" ]; then
  .venv/bin/harness oltp seed --scale "${DEMO_SCALE:-0.05}" --seed 42
fi
.venv/bin/harness load-daily
.venv/bin/harness smoke
.venv/bin/harness status
.venv/bin/harness anomalies
.venv/bin/harness digest --out "${HARNESS_HOME:-.warehouse}/resumo-diario.html"
