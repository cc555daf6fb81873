"""Alerts (RF-16) through apprise: one alert when an incident opens, none for its retries,
one recovery message when it clears.

Channels are apprise URLs (webhook `json://host/path`, e-mail `mailto://...`, Slack,
Teams, ...) in `HARNESS_ALERT_URLS`, space-separated. Incidents live in
audit.alert_incident, so deduplication survives across processes; if the warehouse
itself is unreachable the alert is sent without deduplication (better twice than never).
"""

from __future__ import annotations

import os

import psycopg

from harness import db, logs
from harness.errors import DatabaseUnavailable

RUNBOOK = "docs/runbook.md"
RUNBOOK_SECTIONS = {
    "load_failed": "#carga-falhou",
    "quality_blocked": "#verificacao-de-qualidade-bloqueante-falhou",
    "sla_breach": "#sla-nao-cumprido",
    "run_missing": "#sla-nao-cumprido",
    "database_down": "#banco-fora-do-ar-ou-inacessivel",
    "kpi_anomaly": "#anomalia-de-kpi",
}


def alert_urls() -> list[str]:
    return [u for u in os.environ.get("HARNESS_ALERT_URLS", "").split() if u]


def send(title: str, body: str, severity: str | None = None) -> bool:
    """Send to every configured channel; True when at least one accepted it. severity: an apprise
    notify type ('warning' for KPI anomalies); None keeps apprise's default."""
    urls = alert_urls()
    log = logs.get_logger()
    if not urls:
        log.warning("alert_not_sent", reason="HARNESS_ALERT_URLS is empty", title=title)
        return False
    import apprise

    app = apprise.Apprise()
    for url in urls:
        app.add(url)
    ok = bool(app.notify(title=title, body=body, **({"notify_type": severity} if severity else {})))
    log.info("alert_sent" if ok else "alert_failed", title=title, channels=len(urls))
    return ok


def _body(kind: str, summary: str, run_id: int | None, step: str | None, error: str | None) -> str:
    lines = [summary]
    if run_id is not None:
        lines.append(f"run_id: {run_id}")
    if step:
        lines.append(f"etapa com falha: {step}")
    if error:
        lines.append(f"erro: {error}")
    lines.append(f"o que fazer: {RUNBOOK}{RUNBOOK_SECTIONS.get(kind, '')}")
    return "\n".join(lines)


def open_incident(kind: str, key: str, summary: str, run_id: int | None = None,
                  step: str | None = None, error: str | None = None, severity: str | None = None) -> bool:
    """Record an incident; alert only if it was not already open. Returns whether an alert went out."""
    title = f"[warehouse] {summary}"
    body = _body(kind, summary, run_id, step, error)
    try:
        with db.connect("dw", "etl", autocommit=True) as conn:
            row = conn.execute(
                "INSERT INTO audit.alert_incident (incident_key, kind, first_run_id, last_run_id, summary)"
                " VALUES (%s, %s, %s, %s, %s)"
                " ON CONFLICT (incident_key) DO UPDATE SET last_seen_at = clock_timestamp(),"
                "   occurrences = audit.alert_incident.occurrences + 1, last_run_id = EXCLUDED.last_run_id"
                " RETURNING notified, closed_at IS NOT NULL", (key, kind, run_id, run_id, summary)).fetchone()
            notified, closed = row
            if closed:  # the same incident came back after it cleared: a new incident
                conn.execute("UPDATE audit.alert_incident SET closed_at = NULL, opened_at = clock_timestamp(),"
                             " occurrences = 1, notified = false, recovery_notified = false, first_run_id = %s"
                             " WHERE incident_key = %s", (run_id, key))
                notified = False
            if notified:
                return False
            sent = send(title, body, severity)
            conn.execute("UPDATE audit.alert_incident SET notified = %s WHERE incident_key = %s", (sent, key))
            return sent
    except (psycopg.Error, DatabaseUnavailable):  # the warehouse is down: alert without deduplication
        return send(title, body + "\n(o warehouse não respondeu: alerta enviado sem deduplicação)", severity)


def close_incidents(kinds: tuple[str, ...], run_id: int | None = None) -> list[str]:
    """Close open incidents of these kinds, sending one recovery message each."""
    closed = []
    with db.connect("dw", "etl", autocommit=True) as conn:
        rows = conn.execute(
            "UPDATE audit.alert_incident SET closed_at = clock_timestamp(), last_run_id = coalesce(%s, last_run_id)"
            " WHERE kind = ANY(%s) AND closed_at IS NULL RETURNING incident_key, kind, summary, notified",
            (run_id, list(kinds))).fetchall()
        for key, kind, summary, notified in rows:
            if notified:
                sent = send(f"[warehouse] resolvido: {summary}",
                            f"Incidente resolvido: {summary}\nrun_id: {run_id}\nchave: {key}")
                conn.execute("UPDATE audit.alert_incident SET recovery_notified = %s WHERE incident_key = %s", (sent, key))
            closed.append(key)
    return closed
