"""harness doctor tells a healthy installation from a broken one, line by line."""

from __future__ import annotations

import subprocess
import sys

from harness import db, doctor, load



def by_aspect():
    return {line.aspect: line for line in doctor.diagnose()}


def test_healthy_installation(shop):
    """A fresh installation after its first load is green, SLA included: the days whose deadline
    passed before the warehouse existed are not judged (the state right after scripts/demo.sh)."""
    load.load_daily()
    lines = by_aspect()
    assert {a for a, line in lines.items() if not line.ok} == set(), lines
    assert "bi_reader só lê" in lines["papéis e permissões"].detail
    assert "instalado" in lines["SLA"].detail
    for command in (["doctor"], ["check-sla"]):
        result = subprocess.run([sys.executable, "-m", "harness.cli", *command], capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, (command, result.stdout, result.stderr)


def test_sla_is_judged_for_days_after_the_installation(shop):
    """The installation date does not excuse later days: a warehouse installed long ago with no
    run for yesterday is a breach (run_missing)."""
    from harness import sla

    with db.connect("dw", "admin", autocommit=True) as conn:
        conn.execute("UPDATE ctl.schema_migrations SET applied_at = now() - interval '30 days'")
    result = sla.evaluate()
    assert not result.ok and result.kind == "run_missing"


def test_problems_are_reported_with_what_to_do(fresh_dbs):
    with db.connect("dw", "admin", autocommit=True) as conn:
        conn.execute("GRANT INSERT ON fact.fact_vendas TO bi_reader")
        conn.execute("DELETE FROM ctl.schema_migrations WHERE script LIKE '%%mart.vw_versao_warehouse%%'")
    lines = by_aspect()
    assert not lines["papéis e permissões"].ok and "escrever em 1 tabela" in lines["papéis e permissões"].detail
    assert not lines["migrações"].ok and lines["migrações"].fix == "harness migrate"
    assert not lines["última carga"].ok
