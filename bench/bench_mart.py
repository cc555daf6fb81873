"""Time the dashboard / standard queries on whatever warehouse HARNESS_DW_DB points at.

Not a test: run it by hand after a load at scale (issue 6 "Speed": < 100 ms at 1M lines).

    .venv/bin/python bench/bench_mart.py [-n 20] [--from 2024-01-01 --to 2024-12-31] [--role bi]

For every standard query in database/queries/ (default parameters: the whole period found
in mart.vw_atualizacao / the aggregate) and a few catalog metrics (line view and aggregate
forms), it runs N timed executions after one warm-up and prints p50/p95/max in ms, plus the
row counts of fact_vendas and the aggregates so the numbers can be read against the scale.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import db, metrics, queries  # noqa: E402

TARGET_MS = 100.0


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def _time(fn, n: int) -> list[float]:
    fn()  # warm-up (plans, cache)
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="timed runs per query (default 20)")
    parser.add_argument("--from", dest="start", type=date.fromisoformat, help="data_inicio (default: first day)")
    parser.add_argument("--to", dest="end", type=date.fromisoformat, help="data_fim (default: last day)")
    parser.add_argument("--role", default="bi", help="role to run as (default bi = bi_reader)")
    args = parser.parse_args()

    with db.connect("dw", args.role, autocommit=True) as conn:
        lines = conn.execute("SELECT count(*) FROM mart.vw_vendas").fetchone()[0]
        agg = conn.execute("SELECT count(*), min(data), max(data) FROM mart.agg_vendas_diarias "
                           "WHERE data > '0001-01-01'").fetchone()
        start = args.start or agg[1] or date(2024, 1, 1)
        end = args.end or agg[2] or date(2024, 12, 31)
        print(f"warehouse {db.safe_target(db.conninfo('dw', args.role))}: {lines} order lines, "
              f"{agg[0]} aggregate rows, period {start} .. {end}, {args.n} runs each\n")
        period = {"data_inicio": start, "data_fim": end}
        jobs = []
        for q in queries.list_queries():
            jobs.append((f"query {q.name}", lambda q=q: queries.run_query(q.name, period, conn=conn)))
        catalog = metrics.load_catalog()
        for name in ("receita_liquida", "margem_percentual", "pedidos", "clientes_ativos", "atingimento_meta",
                     "roi_desconto"):
            m = catalog.metric(name)
            jobs.append((f"metric {name} ({m.source})",
                         lambda name=name: metrics.compute(conn, catalog, name, **period)))
            if m.sql_agg:
                jobs.append((f"metric {name} (aggregate)",
                             lambda name=name: metrics.compute(conn, catalog, name, use_aggregate=True, **period)))
        for table in ("mart.vw_atualizacao", "mart.vw_monitor_etl"):
            jobs.append((f"select {table}", lambda t=table: conn.execute(f"SELECT * FROM {t} LIMIT 200").fetchall()))

        width = max(len(label) for label, _ in jobs)
        print(f"{'what':<{width}}  {'p50 ms':>8}  {'p95 ms':>8}  {'max ms':>8}")
        slow = 0
        for label, fn in jobs:
            ms = _time(fn, args.n)
            p50, p95 = statistics.median(ms), _percentile(ms, 95)
            flag = "" if p95 < TARGET_MS else "  > target"
            slow += bool(flag)
            print(f"{label:<{width}}  {p50:8.1f}  {p95:8.1f}  {max(ms):8.1f}{flag}")
        print(f"\n{slow} of {len(jobs)} over {TARGET_MS:.0f} ms at p95 (line-view metrics are expected to be slower "
              "than the aggregate forms at scale)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
