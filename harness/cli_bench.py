"""`harness bench`: the performance suite (code in bench/suite.py), on a private embedded server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from harness.clitools import err, out, run


def bench(
    scale: Annotated[float, typer.Option(help="Shop size: 1 = about 1,000,000 order lines (scale 1 takes about 6 minutes on 2 cores, scale 10 about an hour).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the JSON result and the private server.")] = Path("bench-results"),
    repeat: Annotated[int, typer.Option(min=1, help="Timed runs per query (p50/p95).")] = 20,
    seed: Annotated[int, typer.Option(help="Random seed of the generated shop.")] = 42,
    doc: Annotated[Optional[Path], typer.Option(help="Markdown file whose section for this scale is rewritten.")] = None,
    no_doc: Annotated[bool, typer.Option("--no-doc", help="Write only the JSON file.")] = False,
    keep_home: Annotated[bool, typer.Option("--keep-home", help="Keep the private server's data directory (stopped).")] = False,
    browser_repeat: Annotated[int, typer.Option(min=0, help="First visits and filter changes per page in headless "
                                                           "Chromium against the production server (0: no browser section).")] = 5,
    baseline: Annotated[Optional[Path], typer.Option(
        exists=True, dir_okay=False,
        help="JSON of a scale-1 run (bench-scale-1.json): the daily load is compared with it per changed row "
             "(issue 9: scale 10 / scale 1 under 1.5).")] = None,
) -> None:
    """Benchmark generation, the initial load vs its floor, a daily load, a no-op rerun, every dashboard and
    standard query (p50/p95), each page in headless Chromium (first visit, filter change) and peak memory, in one run on a private embedded server (stopped at the end).
    Writes <out>/bench-scale-S.json and the scale's table in docs/benchmarks.md."""
    from bench import suite

    target = None if no_doc else (doc or suite.DEFAULT_DOC)
    result = run(suite.run, scale, out_dir, repeat=repeat, seed=seed, doc=target, keep_home=keep_home,
                 baseline=baseline, browser_repeat=browser_repeat, log=lambda msg: err.print(msg, highlight=False))
    for name, t in result["targets"].items():
        if isinstance(t, dict):
            out.print(f"{'[green]met[/]   ' if t['met'] else '[red]missed[/]'} {name}: {t['value']} (target {t['target']})",
                      highlight=False)
    out.print(f"wrote {result['json_path']}" + (f" and {target}" if target else ""))
