"""harness doctor tells a healthy installation from a broken one, line by line."""

from __future__ import annotations

from harness import db, doctor, load



def by_aspect():
    return {line.aspect: line for line in doctor.diagnose()}


def test_healthy_installation(shop):
    load.load_daily()
    lines = by_aspect()
    assert {a for a, line in lines.items() if not line.ok} <= {"SLA"}  # SLA depends on the hour the test runs
    assert "bi_reader só lê" in lines["papéis e permissões"].detail


def test_problems_are_reported_with_what_to_do(fresh_dbs):
    with db.connect("dw", "admin", autocommit=True) as conn:
        conn.execute("GRANT INSERT ON fact.fact_vendas TO bi_reader")
        conn.execute("DELETE FROM ctl.schema_migrations WHERE script LIKE '%%mart.vw_versao_warehouse%%'")
    lines = by_aspect()
    assert not lines["papéis e permissões"].ok and "escrever em 1 tabela" in lines["papéis e permissões"].detail
    assert not lines["migrações"].ok and lines["migrações"].fix == "harness migrate"
    assert not lines["última carga"].ok
