"""`harness anomalies` and `harness digest`: KPI anomalies and the managers' daily mail."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Optional

import typer

from harness.clitools import err, out, run

def _day(value: datetime | None):
    return value.date() if value else None


def anomalies(
    date_from: Annotated[Optional[datetime], typer.Option("--from", formats=["%Y-%m-%d"],
                         help="First day, YYYY-MM-DD; default: 29 days before --to.")] = None,
    date_to: Annotated[Optional[datetime], typer.Option("--to", formats=["%Y-%m-%d"],
                       help="Last day, YYYY-MM-DD; default: the last day with sales.")] = None,
    detect: Annotated[bool, typer.Option("--detect", help="Evaluate the days of --from..--to again first "
                                         "(after a threshold change in metrics/catalog.yaml); alerts like a load.")] = False,
) -> None:
    """List the KPI anomalies (receita líquida, pedidos, ticket médio, margem %) of the whole shop and of each
    region, observed vs expected; load-daily detects them on the days it changed (docs/metricas.md)."""
    from harness import anomalies as anomalies_mod, db

    last = _day(date_to)
    if last is None:
        with run(db.connect, "dw", "bi") as conn:
            last = conn.execute("SELECT dados_ate FROM mart.vw_atualizacao").fetchone()[0]
        if last is None:
            err.print("error: the warehouse holds no sales yet: run `harness load-daily` first")
            raise typer.Exit(2)
    first = _day(date_from) or last - timedelta(days=29)
    if detect:
        result = run(anomalies_mod.redetect, first, last)
        out.print(f"{result.days} day(s) evaluated: {result.new} new anomaly(ies), {result.undone} undone, "
                  f"{result.alerted} alert(s) sent in {result.seconds:.2f}s")
    rows = run(anomalies_mod.list_anomalies, first, last)
    from dashboards import formatting as fmt

    out.print(f"KPI anomalies {first:%Y-%m-%d} .. {last:%Y-%m-%d} (observed vs expected)",
              highlight=False)
    for r in rows:
        if r["esperada"]:
            status = f"expected: {r['motivo_esperado']}"
        elif r["alertada_em"] is not None:
            status = f"alerted {r['alertada_em']:%Y-%m-%d %H:%M}"
        else:
            status = "not alerted"
        out.print(f"  {r['data']:%Y-%m-%d %a}  {r['escopo_nome']}  {r['kpi_rotulo']}: "
                  f"{anomalies_mod.value_text(r['kpi'], r['observado'])} vs "
                  f"{anomalies_mod.value_text(r['kpi'], r['esperado'])} ({fmt.variacao(r['variacao_pct'])}, "
                  f"robust z {fmt.numero(r['desvio_robusto'], 1)})  {status}", highlight=False, soft_wrap=True)
    unexpected = sum(1 for r in rows if not r["esperada"])
    out.print(f"{len(rows)} anomaly(ies): {unexpected} unexpected, {len(rows) - unexpected} expected by the calendar")


def digest(
    date: Annotated[Optional[datetime], typer.Option("--date", formats=["%Y-%m-%d"],
                    help="Business day, YYYY-MM-DD; default: the last day with sales.")] = None,
    to: Annotated[Optional[list[str]], typer.Option("--to", help="apprise URL of a recipient (repeatable), e.g. "
                  "mailto://user:pass@host?to=a@b; default: HARNESS_DIGEST_URLS.")] = None,
    output: Annotated[Optional[Path], typer.Option("--out", help="Write the HTML (chart embedded) to this file "
                      "instead of sending it.")] = None,
) -> None:
    """The managers' daily mail in pt-BR: the day's KPIs vs the same weekday of last week and the month's goal,
    sellers furthest behind and ahead of pace, KPI anomalies, the data status and a 30-day revenue chart."""
    from harness import digest as digest_mod

    result = run(digest_mod.run_digest, _day(date), to or None, output)
    if output:
        out.print(f"digest of {result.day:%Y-%m-%d} written to {output}")
    else:
        out.print(f"digest of {result.day:%Y-%m-%d} sent to {result.recipients} channel(s)")
