"""Alerts (RF-16) through apprise: one alert per incident and channel, none for its retries,
one recovery ("resolvido") message when it clears.

Channels are apprise URLs (webhook `json://host/path`, e-mail `mailto://...`, Slack,
Teams, ...) in `HARNESS_ALERT_URLS`, space-separated; a malformed one is a configuration
error (exit code 2) found before the job runs. Incidents are insert-only events in
audit.alert_event (an episode opens, repeats, is resolved) and every delivery attempt to
every channel is a row of audit.alert_delivery, so deduplication survives across
processes and each channel is handled on its own: a channel that failed is retried on the
next run (the next load-daily or check-sla), the others are not alerted twice, and a
channel that got the alert gets the "resolvido" too. A failed delivery is logged at
warning. If the incident cannot be recorded (the warehouse is unreachable, or the
configuration is refused, e.g. a malformed OLTP_URL) the alert is sent to every channel
without deduplication (better twice than never). Titles, bodies and stored errors are redacted.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import psycopg

from harness import db, logs
from harness.errors import ConfigError, HarnessError
from harness.redact import redact

RUNBOOK = "docs/runbook.md"
RUNBOOK_SECTIONS = {
    "load_failed": "#carga-falhou",
    "quality_blocked": "#verificacao-de-qualidade-bloqueante-falhou",
    "sla_breach": "#sla-nao-cumprido",
    "run_missing": "#sla-nao-cumprido",
    "database_down": "#banco-fora-do-ar-ou-inacessivel",
    "kpi_anomaly": "#anomalia-de-kpi",
}
# apprise's notify type per incident kind (the icon/colour a channel shows); failures otherwise
SEVERITY = {"kpi_anomaly": "warning"}
DEFAULT_SEVERITY = "failure"
RESOLVED_SEVERITY = "success"


@dataclass(frozen=True)
class Channel:
    url: str           # the apprise URL, secrets included: never stored nor logged
    label: str         # the URL with its secrets masked (apprise privacy mode, then harness.redact)
    channel_id: str    # stable identity of the URL, without revealing it

    def send(self, title: str, body: str, severity: str = DEFAULT_SEVERITY) -> tuple[bool, str | None]:
        """Deliver to this channel only: (delivered, why not). severity: an apprise notify type."""
        import apprise

        app = apprise.Apprise()
        app.add(self.url)
        with apprise.LogCapture(level=apprise.logging.WARNING) as captured:
            try:
                ok = bool(app.notify(title=title, body=body, notify_type=severity))
            except Exception as exc:  # noqa: BLE001 - a plugin failing is this channel's failure only
                return False, redact(f"{type(exc).__name__}: {exc}")[:500]
            problems = captured.getvalue().strip()
        if ok:
            return True, None
        lines = [line.split(" - ", 2)[-1] for line in problems.splitlines() if line.strip()]
        return False, redact("; ".join(lines) or "the channel refused the notification")[:500]


def alert_urls() -> list[str]:
    return [u for u in os.environ.get("HARNESS_ALERT_URLS", "").split() if u]


def channels() -> list[Channel]:
    """The channels of HARNESS_ALERT_URLS; ConfigError (exit code 2) naming the entry, never its text,
    when one is not a URL apprise can use."""
    urls = alert_urls()
    if not urls:
        return []
    import apprise

    found = []
    for number, url in enumerate(urls, start=1):
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            scheme = url.split("://", 1)[0] if "://" in url else ""
            what = f"scheme {scheme!r}" if scheme.isidentifier() else "no scheme://"
            raise ConfigError(f"HARNESS_ALERT_URLS: entry {number} of {len(urls)} is not a valid apprise URL "
                              f"({what}); see https://github.com/caronc/apprise/wiki")
        label = redact(plugin.url(privacy=True).split("?", 1)[0])
        found.append(Channel(url, label, hashlib.sha256(url.encode()).hexdigest()[:16]))
    return found


def _channels_or_none() -> list[Channel]:
    try:
        return channels()
    except ConfigError as exc:  # checked when the job started; changed since: alert what can be alerted
        logs.get_logger().warning("alert_channels_invalid", error=str(exc))
        return []


def _body(kind: str, summary: str, run_id: int | None, step: str | None, error: str | None) -> str:
    lines = [summary]
    if run_id is not None:
        lines.append(f"run_id: {run_id}")
    if step:
        lines.append(f"etapa com falha: {step}")
    if error:
        lines.append(f"erro: {error}")
    lines.append(f"o que fazer: {RUNBOOK}{RUNBOOK_SECTIONS.get(kind, '')}")
    return redact("\n".join(lines))


# messages still owed to a channel: the alert of every open episode, and the "resolvido" of a
# resolved episode whose alert the channel got; '*' = delivered everywhere (rows from before
# per-channel deliveries)
PENDING = """
SELECT e.event_id, e.event, e.kind, e.title, e.body
FROM audit.alert_event e
WHERE e.event IN ('aberto', 'resolvido')
  AND NOT EXISTS (SELECT 1 FROM audit.alert_delivery d
                  WHERE d.event_id = e.event_id AND d.ok AND d.channel_id IN (%(channel)s, '*'))
  AND CASE WHEN e.event = 'aberto'
           THEN NOT EXISTS (SELECT 1 FROM audit.alert_event r WHERE r.episode = e.event_id AND r.event = 'resolvido')
           ELSE EXISTS (SELECT 1 FROM audit.alert_delivery d
                        WHERE d.event_id = e.episode AND d.ok AND d.channel_id IN (%(channel)s, '*'))
      END
ORDER BY e.event_id
"""


def deliver_pending(conn: psycopg.Connection, chosen: list[Channel] | None = None) -> dict[int, int]:
    """Send every message a channel is owed, recording each attempt; returns event_id -> channels
    that took it now."""
    log = logs.get_logger()
    delivered: dict[int, int] = {}
    for channel in _channels_or_none() if chosen is None else chosen:
        for event_id, event, kind, title, body in conn.execute(PENDING, {"channel": channel.channel_id}).fetchall():
            ok, why = channel.send(title or "", body or "", _severity(kind, event))
            conn.execute("INSERT INTO audit.alert_delivery (event_id, channel, channel_id, ok, error) "
                         "VALUES (%s, %s, %s, %s, %s)", (event_id, channel.label, channel.channel_id, ok, why))
            if ok:
                delivered[event_id] = delivered.get(event_id, 0) + 1
                log.info("alert_delivered", event_id=event_id, message=event, channel=channel.label)
            else:
                log.warning("alert_delivery_failed", event_id=event_id, message=event, channel=channel.label,
                            error=why)
    return delivered


def _severity(kind: str | None, event: str = "aberto") -> str:
    return RESOLVED_SEVERITY if event == "resolvido" else SEVERITY.get(kind or "", DEFAULT_SEVERITY)


def _send_everywhere(title: str, body: str, severity: str = DEFAULT_SEVERITY) -> bool:
    """Without the warehouse: every channel, no record, no deduplication."""
    log = logs.get_logger()
    sent = False
    for channel in _channels_or_none():
        ok, why = channel.send(title, body, severity)
        sent |= ok
        if not ok:
            log.warning("alert_delivery_failed", channel=channel.label, error=why, recorded=False)
    return sent


def open_incident(kind: str, key: str, summary: str, run_id: int | None = None,
                  step: str | None = None, error: str | None = None) -> bool:
    """Record an occurrence of an incident; alert each channel that has not had this episode's alert
    (retrying channels that failed before). Returns whether a channel took the alert now."""
    title = redact(f"[warehouse] {summary}")
    body = _body(kind, summary, run_id, step, error)
    if not alert_urls():
        logs.get_logger().warning("alert_not_sent", reason="HARNESS_ALERT_URLS is empty", title=title)
    try:
        with db.connect("dw", "etl", autocommit=True) as conn:
            episode, _is_new = conn.execute("SELECT * FROM audit.fn_abrir_incidente(%s, %s, %s, %s, %s, %s)",
                                            (key, kind, run_id, redact(summary), title, body)).fetchone()
            return deliver_pending(conn).get(episode, 0) > 0
    except (psycopg.Error, HarnessError) as exc:  # no warehouse to record it in: alert without deduplication
        why = ("configuração inválida" if isinstance(exc, ConfigError) else "o warehouse não respondeu")
        return _send_everywhere(title, body + f"\n({why}: alerta enviado sem deduplicação)", _severity(kind))


def close_incidents(kinds: tuple[str, ...], run_id: int | None = None) -> list[str]:
    """Resolve the open incidents of these kinds; each channel that got an incident's alert gets one
    "resolvido" (retried on later runs if it fails). Also delivers whatever else is owed."""
    closed = []
    with db.connect("dw", "etl", autocommit=True) as conn:
        open_keys = conn.execute(
            "SELECT DISTINCT ON (incident_key) incident_key, event, summary FROM audit.alert_event "
            "WHERE kind = ANY(%s) ORDER BY incident_key, event_id DESC", (list(kinds),)).fetchall()
        for key, event, summary in open_keys:
            if event == "resolvido":
                continue
            resolved = conn.execute(
                "SELECT audit.fn_resolver_incidente(%s, %s, %s, %s)",
                (key, run_id, redact(f"[warehouse] resolvido: {summary}"),
                 redact(f"Incidente resolvido: {summary}\nrun_id: {run_id}\nchave: {key}"))).fetchone()[0]
            if resolved is not None:
                closed.append(key)
        deliver_pending(conn)
    return closed


def incidents(conn: psycopg.Connection) -> list[dict]:
    """Every episode with its state and deliveries (for `harness doctor`, tests and operators)."""
    cur = conn.execute("""
        SELECT a.incident_key, a.kind, a.event_id AS episode, a.at AS opened_at, a.summary,
               (SELECT count(*) FROM audit.alert_event o WHERE o.episode = a.event_id AND o.event <> 'resolvido')
                   AS occurrences,
               (SELECT r.at FROM audit.alert_event r WHERE r.episode = a.event_id AND r.event = 'resolvido')
                   AS resolved_at,
               (SELECT count(DISTINCT d.channel_id) FROM audit.alert_delivery d WHERE d.event_id = a.event_id AND d.ok)
                   AS channels_alerted,
               (SELECT count(DISTINCT d.channel_id) FROM audit.alert_delivery d
                 JOIN audit.alert_event r ON r.event_id = d.event_id
                 WHERE r.episode = a.event_id AND r.event = 'resolvido' AND d.ok) AS channels_resolved,
               (SELECT count(*) FROM audit.alert_delivery d WHERE d.event_id = a.event_id AND NOT d.ok)
                   AS failed_attempts
        FROM audit.alert_event a WHERE a.event = 'aberto' ORDER BY a.event_id""")
    cols = [c.name for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
