"""Alerts really arrive (local webhook and SMTP sinks), once per incident, with a recovery
message; the SLA check tells a late load from a run that never happened."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from harness import alerts, db, jobs, sla
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
    with db.connect("dw", "admin") as conn:
        [incident] = alerts.incidents(conn)
    assert (incident["incident_key"], incident["occurrences"], incident["channels_alerted"]) == ("load_failed", 2, 2)
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


@pytest.fixture
def installed_long_ago(fresh_dbs):
    """The SLA judges only days whose deadline came after the warehouse's first migrate: these
    tests play days of 2025, so the warehouse must be older than that."""
    dw("UPDATE ctl.schema_migrations SET applied_at = '2025-01-01 00:00-03'")
    return fresh_dbs


def _run_at(finished: datetime, status="succeeded", business_date=None):
    dw("INSERT INTO audit.etl_run (command, status, business_date, started_at, finished_at) VALUES "
       "('load-daily', %s, %s, %s, %s)", (status, business_date, finished - timedelta(minutes=5), finished))


def test_sla_met(installed_long_ago, sinks):
    now = datetime(2025, 3, 12, 9, 0, tzinfo=SP)
    _run_at(datetime(2025, 3, 12, 2, 0, tzinfo=SP))
    result = sla.check_sla(now)
    assert result.ok and result.day.isoformat() == "2025-03-11"
    assert sinks[0] == []


def test_sla_breach_when_load_was_late_alerts_once(installed_long_ago, sinks):
    hooks, mails = sinks
    now = datetime(2025, 3, 12, 9, 30, tzinfo=SP)
    _run_at(datetime(2025, 3, 12, 9, 10, tzinfo=SP))
    result = sla.check_sla(now)
    assert not result.ok and result.kind == "sla_breach" and "09:10" in result.message
    sla.check_sla(now + timedelta(minutes=10))
    assert len(hooks) == 1 and len(mails) == 1 and "sla-nao-cumprido" in hooks[0]["message"]


def test_sla_run_missing_when_the_schedule_never_ran(installed_long_ago, sinks):
    _run_at(datetime(2025, 3, 11, 2, 0, tzinfo=SP))  # the day before's run only
    result = sla.check_sla(datetime(2025, 3, 12, 8, 1, tzinfo=SP))
    assert result.kind == "run_missing" and "não rodou" in result.message
    assert len(sinks[0]) == 1


def test_sla_before_the_deadline_looks_at_the_day_before(installed_long_ago, sinks):
    _run_at(datetime(2025, 3, 11, 3, 0, tzinfo=SP))
    result = sla.check_sla(datetime(2025, 3, 12, 7, 59, tzinfo=SP))
    assert result.ok and result.day.isoformat() == "2025-03-10"


def test_no_alert_channel_configured_is_not_an_error(shop, monkeypatch):
    monkeypatch.delenv("HARNESS_ALERT_URLS", raising=False)
    dw("ALTER TABLE fact.fact_metas ADD CONSTRAINT sabotage CHECK (valor_meta < 0) NOT VALID")
    with pytest.raises(RunFailed):
        jobs.load_daily_job()
    assert dw("SELECT incident_key, event FROM audit.alert_event") == [("load_failed", "aberto")]
    assert dw("SELECT count(*) FROM audit.alert_delivery") == [(0,)]  # no channel: nothing delivered


def _deliveries():
    return dw("SELECT e.event, d.channel, d.ok FROM audit.alert_delivery d JOIN audit.alert_event e USING (event_id) "
              "ORDER BY d.delivery_id")


def test_one_dead_channel_is_retried_and_breaks_neither_dedupe_nor_recovery(shop, monkeypatch):
    """Two channels, one down: the live one gets one alert and one "resolvido"; the dead one is tried
    again on each run until it takes what it is owed; every failure is recorded and logged at warning."""
    from harness.config import load_settings

    port = receivers.free_port()
    dead_url = f"json://127.0.0.1:{port}/alert"
    log_file = load_settings().log_dir / "harness.jsonl"
    log_start = log_file.stat().st_size if log_file.exists() else 0
    dw("ALTER TABLE fact.fact_metas ADD CONSTRAINT sabotage CHECK (valor_meta < 0) NOT VALID")
    with receivers.webhook_sink() as (live_url, live):
        monkeypatch.setenv("HARNESS_ALERT_URLS", f"{live_url} {dead_url}")
        for _ in range(2):                                   # the failure, then its retry
            with pytest.raises(RunFailed):
                jobs.load_daily_job()
        assert len(live) == 1 and "a carga diária falhou" in live[0]["title"]      # deduplicated
        assert [(e, ok) for e, _, ok in _deliveries()] == [("aberto", True), ("aberto", False), ("aberto", False)]
        with receivers.webhook_sink(port) as (_, revived):   # the dead channel comes back
            with pytest.raises(RunFailed):
                jobs.load_daily_job()
            assert len(revived) == 1 and "a carga diária falhou" in revived[0]["title"]   # what it was owed
            assert len(live) == 1
        dw("ALTER TABLE fact.fact_metas DROP CONSTRAINT sabotage")
        jobs.load_daily_job()                                # recovery while the channel is down again
        assert len(live) == 2 and "resolvido" in live[1]["title"]
        with receivers.webhook_sink(port) as (_, revived):
            jobs.load_daily_job()                            # the next run brings it its "resolvido"
            assert len(revived) == 1 and "resolvido" in revived[0]["title"]
            jobs.load_daily_job()                            # nothing owed any more
            assert len(revived) == 1 and len(live) == 2
    with db.connect("dw", "admin") as conn:
        [incident] = alerts.incidents(conn)
    assert incident["occurrences"] == 3 and incident["resolved_at"] is not None
    assert (incident["channels_alerted"], incident["channels_resolved"]) == (2, 2)
    deliveries = _deliveries()
    assert sum(1 for _, _, ok in deliveries if not ok) == 3   # aberto twice, resolvido once
    assert {channel for _, channel, _ in deliveries} == {live_url.split("?")[0], dead_url}
    with log_file.open() as f:
        f.seek(log_start)
        events = [json.loads(line) for line in f if line.strip()]
    failures = [e for e in events if e["event"] == "alert_delivery_failed"]
    assert len(failures) == 3 and all(e["level"] == "warning" and e["channel"] == dead_url for e in failures)


def test_alert_payloads_and_audit_hold_no_secret(shop, monkeypatch):
    """An error whose text carries a connection string's password: masked in the audit row, the
    log and the alert, and the alert channel's own token never reaches the audit."""
    from harness import load
    from harness.config import load_settings
    from harness.errors import HarnessError

    secret = "Qw3-leak-me-not"
    token = "tok-Zz9yXw8vU7tS6r"

    def failing(*_args, **_kwargs):
        raise HarnessError(f"fact_vendas failed: could not reach postgresql://etl:{secret}@db.example:5432/dw "
                           f"(password={secret})")

    monkeypatch.setattr(load, "_run_entities", failing)
    log_file = load_settings().log_dir / "harness.jsonl"
    log_start = log_file.stat().st_size if log_file.exists() else 0
    with receivers.webhook_sink() as (url, hooks):
        monkeypatch.setenv("HARNESS_ALERT_URLS", f"{url}?token={token}")
        with pytest.raises(HarnessError):
            jobs.load_daily_job()
    assert len(hooks) == 1 and "postgresql://etl:****@db.example:5432/dw" in hooks[0]["message"]
    audit = dw("SELECT (SELECT string_agg(r::text, ' ') FROM audit.etl_run r) || "
               "(SELECT string_agg(e::text, ' ') FROM audit.alert_event e) || "
               "(SELECT string_agg(d::text, ' ') FROM audit.alert_delivery d)")[0][0]
    with log_file.open() as f:
        f.seek(log_start)
        logged = f.read()
    for text in (json.dumps(hooks), audit, logged):
        assert secret not in text and token not in text
    assert "etl:****@" in audit


def test_a_refused_configuration_still_alerts_without_the_secret(shop, monkeypatch):
    """A malformed OLTP_URL: load-daily refuses (exit code 2) and the alert still goes out, naming
    the variable, without deduplication (the incident cannot be recorded) and without the password."""
    from harness.errors import ConfigError

    secret = "Rt5-bracket-s3cret"
    with receivers.webhook_sink() as (url, hooks):
        monkeypatch.setenv("HARNESS_ALERT_URLS", url)
        monkeypatch.setenv("OLTP_URL", f"postgresql://etl:{secret}@[bad")
        with pytest.raises(ConfigError, match="OLTP_URL") as excinfo:
            jobs.load_daily_job()
    assert excinfo.value.exit_code == 2 and secret not in str(excinfo.value)
    assert len(hooks) == 1 and "OLTP_URL" in hooks[0]["message"] and "configuração inválida" in hooks[0]["message"]
    assert secret not in json.dumps(hooks)
    monkeypatch.delenv("OLTP_URL")
    assert dw("SELECT count(*) FROM audit.etl_run") == [(0,)]
