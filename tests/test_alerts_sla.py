"""Alerts really arrive (local webhook and SMTP sinks), once per incident, with a recovery
message; the SLA check tells a late load from a run that never happened."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from harness import db, jobs, sla
from harness.errors import QualityGateFailed
from harness.runs import RunFailed
from tests import receivers

SP = ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def sinks(monkeypatch):
    with receivers.webhook_sink() as (hook_url, hooks), receivers.smtp_sink() as (mail_url, mails):
        monkeypatch.setenv("HARNESS_ALERT_URLS", f"{hook_url} {mail_url}")
        yield hooks, mails


def dw(query, params=()):
    with db.connect("dw", "admin", autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


def test_failed_run_alerts_once_and_recovers(shop, sinks):
    hooks, mails = sinks
    dw("ALTER TABLE fact.fact_metas ADD CONSTRAINT sabotage CHECK (valor_meta < 0) NOT VALID")
    with pytest.raises(RunFailed):
        jobs.load_daily_job()
    assert len(hooks) == 1 and len(mails) == 1
    message = hooks[0]["message"]
    run_id = dw("SELECT max(run_id) FROM audit.etl_run")[0][0]
    assert f"run_id: {run_id}" in message and "fact_metas" in message and "docs/runbook.md#carga-falhou" in message
    assert "a carga diária falhou" in mails[0]
    with pytest.raises(RunFailed):
        jobs.load_daily_job()  # a retry of the same incident
    assert len(hooks) == 1 and len(mails) == 1
    assert dw("SELECT occurrences FROM audit.alert_incident WHERE incident_key = 'load_failed'") == [(2,)]
    dw("ALTER TABLE fact.fact_metas DROP CONSTRAINT sabotage")
    jobs.load_daily_job()
    assert len(hooks) == 2 and "resolvido" in hooks[1]["title"]
    assert len(mails) == 2


def test_blocking_quality_check_fails_the_run_and_alerts(shop, sinks, monkeypatch):
    hooks, _ = sinks
    monkeypatch.setenv("HARNESS_OVERLAP_MINUTES", "0")  # so the hidden change below is not re-read
    jobs.load_daily_job()
    with db.connect("oltp", "owner") as conn:  # a shop change the warehouse will not see: reconciliation breaks
        conn.execute("ALTER TABLE shop.order_items DISABLE TRIGGER order_items_touch")
        conn.execute("UPDATE shop.order_items SET quantity = quantity + 1 WHERE order_item_id = 'O030-1'")  # latest week
        conn.execute("ALTER TABLE shop.order_items ENABLE TRIGGER order_items_touch")
    with pytest.raises(QualityGateFailed, match="reconciliacao_diaria"):
        jobs.load_daily_job()
    assert dw("SELECT status, failed_step FROM audit.etl_run ORDER BY run_id DESC LIMIT 1") == [("blocked", "quality")]
    assert len(hooks) == 1 and "reconciliacao_diaria" in hooks[0]["message"]
    kept = dw("SELECT row_data ->> 'medida' FROM dq.check_failed_row WHERE check_name = 'reconciliacao_diaria'")
    assert {"receita", "quantidade", "custo"} <= {r[0] for r in kept}


def _run_at(finished: datetime, status="succeeded", business_date=None):
    dw("INSERT INTO audit.etl_run (command, status, business_date, started_at, finished_at) VALUES "
       "('load-daily', %s, %s, %s, %s)", (status, business_date, finished - timedelta(minutes=5), finished))


def test_sla_met(fresh_dbs, sinks):
    now = datetime(2025, 3, 12, 9, 0, tzinfo=SP)
    _run_at(datetime(2025, 3, 12, 2, 0, tzinfo=SP))
    result = sla.check_sla(now)
    assert result.ok and result.day.isoformat() == "2025-03-11"
    assert sinks[0] == []


def test_sla_breach_when_load_was_late_alerts_once(fresh_dbs, sinks):
    hooks, mails = sinks
    now = datetime(2025, 3, 12, 9, 30, tzinfo=SP)
    _run_at(datetime(2025, 3, 12, 9, 10, tzinfo=SP))
    result = sla.check_sla(now)
    assert not result.ok and result.kind == "sla_breach" and "09:10" in result.message
    sla.check_sla(now + timedelta(minutes=10))
    assert len(hooks) == 1 and len(mails) == 1 and "sla-nao-cumprido" in hooks[0]["message"]


def test_sla_run_missing_when_the_schedule_never_ran(fresh_dbs, sinks):
    _run_at(datetime(2025, 3, 11, 2, 0, tzinfo=SP))  # the day before's run only
    result = sla.check_sla(datetime(2025, 3, 12, 8, 1, tzinfo=SP))
    assert result.kind == "run_missing" and "não rodou" in result.message
    assert len(sinks[0]) == 1


def test_sla_before_the_deadline_looks_at_the_day_before(fresh_dbs, sinks):
    _run_at(datetime(2025, 3, 11, 3, 0, tzinfo=SP))
    result = sla.check_sla(datetime(2025, 3, 12, 7, 59, tzinfo=SP))
    assert result.ok and result.day.isoformat() == "2025-03-10"


def test_no_alert_channel_configured_is_not_an_error(shop, monkeypatch):
    monkeypatch.delenv("HARNESS_ALERT_URLS", raising=False)
    dw("ALTER TABLE fact.fact_metas ADD CONSTRAINT sabotage CHECK (valor_meta < 0) NOT VALID")
    with pytest.raises(RunFailed):
        jobs.load_daily_job()
    assert dw("SELECT notified FROM audit.alert_incident") == [(False,)]
