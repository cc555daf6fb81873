"""The scheduled jobs as a scheduler sees them: run, then alert or recover.

`load-daily` opens an incident (and alerts once) when the load fails or a blocking
quality check fails, and closes it with a recovery message when a later run succeeds.
"""

from __future__ import annotations

from datetime import date

from harness import alerts, load
from harness.errors import AlreadyRunning, HarnessError, QualityGateFailed


def load_daily_job(business_date: date | None = None, trigger: str = "manual", progress=None) -> load.RunSummary:
    alerts.channels()  # a malformed HARNESS_ALERT_URLS is refused before the run, not found at alert time
    try:
        summary = load.load_daily(business_date, trigger, progress)
    except AlreadyRunning:
        raise
    except HarnessError as exc:
        alerts.open_incident("load_failed", "load_failed", "a carga diária falhou",
                             getattr(exc, "run_id", None), getattr(exc, "step", None), str(exc))
        raise
    if summary.status == "blocked":
        failed = [r.check.name for r in summary.checks if r.blocking]
        detail = blocking_detail(summary.checks)
        alerts.close_incidents(("load_failed",), summary.run_id)
        alerts.open_incident("quality_blocked", "quality_blocked",
                             f"verificação de qualidade bloqueante falhou: {', '.join(failed)}",
                             summary.run_id, "quality", detail)
        raise QualityGateFailed(f"run {summary.run_id} blocked by quality checks: {detail} "
                                f"(offending rows in dq.check_failed_row)")
    alerts.close_incidents(("load_failed", "quality_blocked"), summary.run_id)
    return summary


SHOWN_ROWS = 5   # offending rows named per blocking check in the alert (all of them stay in dq.check_failed_row)


def blocking_detail(checks: list) -> str:
    """One line per blocking check: an error's message, or how many rows offend and the first few
    (for the reject-share gate: entity, rule and count of the top rules)."""
    parts = []
    for r in checks:
        if not r.blocking:
            continue
        if r.status == "error":
            parts.append(f"{r.check.name}: erro ao executar a verificação: {r.message}")
            continue
        shown = "; ".join(", ".join(f"{k} {v}" for k, v in row.items()) for row in r.offending[:SHOWN_ROWS])
        more = f" (e mais {len(r.offending) - SHOWN_ROWS})" if len(r.offending) > SHOWN_ROWS else ""
        parts.append(f"{r.check.name}: {len(r.offending)} linha(s): {shown}{more}")
    return " | ".join(parts)
