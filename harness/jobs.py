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
        alerts.close_incidents(("load_failed",), summary.run_id)
        alerts.open_incident("quality_blocked", "quality_blocked",
                             f"verificação de qualidade bloqueante falhou: {', '.join(failed)}",
                             summary.run_id, "quality", "; ".join(
                                 f"{r.check.name}: {len(r.offending)} linha(s)" for r in summary.checks if r.blocking))
        raise QualityGateFailed(f"run {summary.run_id} blocked by quality checks: {', '.join(failed)} "
                                f"(offending rows in dq.check_failed_row)")
    alerts.close_incidents(("load_failed", "quality_blocked"), summary.run_id)
    return summary
