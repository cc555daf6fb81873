"""The freshness SLA (RNF-02): data of day D loaded by D+1 08:00 America/Sao_Paulo.

`check_sla` looks at the most recent day whose deadline has passed and asks whether a
load-daily run that started after that day ended succeeded before the deadline. It
tells a late or failed load (`sla_breach`) from a scheduled run that never happened
(`run_missing`), alerts once per day and kind, and closes the incident when met.
A day whose deadline passed before the warehouse existed (its first `harness migrate`,
the oldest row of ctl.schema_migrations) is not judged: a fresh installation, such as
the demo, has not missed anything yet.
Hour and time zone: HARNESS_SLA_HOUR (default 8) and HARNESS_SLA_TZ.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from harness import alerts, db


@dataclass
class SlaResult:
    day: date
    deadline: datetime
    ok: bool
    kind: str | None        # None, 'sla_breach' or 'run_missing'
    message: str


def sla_settings() -> tuple[int, ZoneInfo]:
    return int(os.environ.get("HARNESS_SLA_HOUR", "8")), ZoneInfo(os.environ.get("HARNESS_SLA_TZ", "America/Sao_Paulo"))


def evaluate(now: datetime | None = None) -> SlaResult:
    hour, tz = sla_settings()
    local = (now or datetime.now(tz)).astimezone(tz)
    day = local.date() - timedelta(days=1 if local.time() >= time(hour) else 2)
    window_start = datetime.combine(day + timedelta(days=1), time(0), tz)
    deadline = datetime.combine(day + timedelta(days=1), time(hour), tz)
    with db.connect("dw", "etl", autocommit=True) as conn:
        installed = conn.execute("SELECT min(applied_at) FROM ctl.schema_migrations").fetchone()[0]
        runs = conn.execute(
            "SELECT run_id, status, finished_at FROM audit.etl_run WHERE command = 'load-daily' "
            "AND (business_date = %s OR (business_date IS NULL AND started_at >= %s)) ORDER BY run_id",
            (day, window_start)).fetchall()
    if installed is not None and installed > deadline:
        return SlaResult(day, deadline, True, None,
                         f"warehouse instalado em {installed.astimezone(tz):%d/%m/%Y %H:%M}, depois do prazo de "
                         f"{day:%d/%m/%Y} ({deadline:%d/%m/%Y %H:%M}): o SLA vale a partir dos dados de "
                         f"{_first_day_judged(installed, hour, tz):%d/%m/%Y}")
    on_time = [r for r in runs if r[1] == "succeeded" and r[2] is not None and r[2] <= deadline]
    if on_time:
        return SlaResult(day, deadline, True, None, f"dados de {day:%d/%m/%Y} carregados às "
                         f"{on_time[0][2].astimezone(tz):%H:%M} (run {on_time[0][0]}), antes de {deadline:%H:%M}")
    if not runs:
        return SlaResult(day, deadline, False, "run_missing",
                         f"nenhuma execução de load-daily para {day:%d/%m/%Y} até {deadline:%d/%m/%Y %H:%M}: "
                         "o agendamento não rodou")
    late = [r for r in runs if r[1] == "succeeded"]
    detail = (f"carga terminou às {late[0][2].astimezone(tz):%d/%m/%Y %H:%M} (run {late[0][0]})" if late
              else f"{len(runs)} execução(ões), nenhuma com sucesso (última: run {runs[-1][0]}, {runs[-1][1]})")
    return SlaResult(day, deadline, False, "sla_breach",
                     f"SLA de {day:%d/%m/%Y} não cumprido (prazo {deadline:%d/%m/%Y %H:%M}): {detail}")


def _first_day_judged(installed: datetime, hour: int, tz: ZoneInfo) -> date:
    """The first day whose deadline (the next day at `hour`) comes after the installation."""
    local = installed.astimezone(tz)
    return local.date() - timedelta(days=1 if local.time() < time(hour) else 0)


def check_sla(now: datetime | None = None) -> SlaResult:
    """Evaluate and alert (once per day and kind) or close the SLA incidents."""
    alerts.channels()  # a malformed HARNESS_ALERT_URLS is a configuration error before anything else
    result = evaluate(now)
    if result.ok:
        alerts.close_incidents(("sla_breach", "run_missing"))
    else:
        alerts.open_incident(result.kind, f"{result.kind}:{result.day.isoformat()}", result.message)
    return result
