"""The `harness` command line: a thin layer that parses options, calls one function of
a plain module, and maps the module's errors to an exit code and a one-line message."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from harness import clitools, db, migrate as migrate_mod
from harness.config import load_settings
from harness.clitools import err, out, run  # noqa: F401  (shared with sub-command modules)


class _HarnessApp(typer.Typer):
    """The root command: every failure ends as one line on stderr and an exit code
    (harness.clitools.main); only --debug / HARNESS_DEBUG=1 shows a traceback."""

    def __call__(self, *args, **kwargs):
        kwargs.setdefault("prog_name", "harness")
        code = clitools.main(lambda **extra: super(_HarnessApp, self).__call__(*args, **kwargs, **extra))
        sys.exit(code)


app = _HarnessApp(
    help="Run the e-commerce analytics warehouse: database, migrations, loads, quality, dashboards.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # rich tracebacks print local variables, connection strings included
)


@app.callback()
def _root(debug: Annotated[bool, typer.Option("--debug", help="On an unexpected error, print the full "
                                              "(redacted) traceback on stderr too; same as HARNESS_DEBUG=1.")] = False
          ) -> None:
    """Run the e-commerce analytics warehouse: database, migrations, loads, quality, dashboards."""
    if debug:
        os.environ["HARNESS_DEBUG"] = "1"

db_app = typer.Typer(help="Manage and inspect the database server (embedded unless WAREHOUSE_URL is set).",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")
from harness.cli_oltp import oltp_app  # noqa: E402  (sub-command group in its own module)

app.add_typer(oltp_app, name="oltp")
from harness.cli_dashboards import dashboards  # noqa: E402

app.command()(dashboards)
from harness.cli_docs import docs_app  # noqa: E402

app.add_typer(docs_app, name="docs")
from harness.cli_bench import bench  # noqa: E402

app.command()(bench)
from harness.cli_anomalies import anomalies, digest  # noqa: E402

app.command()(anomalies)
app.command()(digest)


Database = Annotated[str, typer.Option("--database", "-d", help="dw (warehouse), oltp (shop) or postgres.")]
Role = Annotated[str, typer.Option("--role", "-r", help="admin, owner, etl or bi.")]


# ---------------------------------------------------------------- db
@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostgreSQL (no-op when it is already running)."""
    status = run(db.start_embedded)
    out.print(f"embedded PostgreSQL running: pid {status.pid}, data {status.pgdata}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL (fast shutdown: open sessions are rolled back)."""
    stopped = run(db.stop_embedded)
    out.print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the server runs, where its data is, and which version it is."""
    settings = load_settings()
    if not settings.embedded:
        with run(db.connect, "postgres", "admin") as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        out.print(f"external PostgreSQL {version} at {db.safe_target(db.conninfo('postgres'))}")
        return
    status = db.embedded_status(settings)
    if not status.running:
        out.print(f"embedded PostgreSQL is not running (data {status.pgdata}); `harness db start` starts it")
        raise typer.Exit(1)
    with run(db.connect, "postgres", "admin") as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    out.print(f"embedded PostgreSQL {version} running: pid {status.pid}, data {status.pgdata}, "
              f"socket {status.socket_dir}")


@db_app.command("url")
def db_url(database: Database = "dw", role: Role = "admin") -> None:
    """Print the connection string for a database and role (passwords are never printed)."""
    info = run(db.conninfo, database, role)
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    parts = {k: v for k, v in conninfo_to_dict(info).items() if k != "password"}
    print(make_conninfo(**parts))


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context, database: Database = "dw", role: Role = "admin") -> None:
    """Open psql on a database as a role; extra arguments go to psql (e.g. -c 'select 1')."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    parts = conninfo_to_dict(run(db.conninfo, database, role))
    env = dict(os.environ)
    if parts.get("password"):
        env["PGPASSWORD"] = str(parts.pop("password"))  # never on the command line
    cmd = [str(db.embedded_bin("psql")), "-X", "-d", make_conninfo(**parts), *ctx.args]
    raise typer.Exit(subprocess.call(cmd, env=env))


# ---------------------------------------------------------------- migrate
@app.command()
def migrate(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be applied; change nothing.")] = False,
    lock_timeout: Annotated[float, typer.Option(min=0, help="Seconds to wait for another migrate to finish "
                                                "before giving up with exit code 4.")] = 300,
    allow_out_of_order: Annotated[bool, typer.Option(
        "--allow-out-of-order", help="Apply a pending migration numbered below the highest applied one "
                                     "(a hotfix); refused without this flag.")] = False,
) -> None:
    """Create databases and roles, apply new versioned migrations, re-apply changed procedures and views.

    Refuses a history that no longer matches the files (an applied migration missing or renamed,
    a new one numbered below the highest applied). Exit codes: 0 done, 1 a migration failed,
    2 history refused, 4 another migrate held the lock for --lock-timeout seconds."""
    def waiting(message: str) -> None:
        sys.stderr.write(message + "\n")  # one line, unwrapped: scheduler logs keep it whole
        sys.stderr.flush()

    report = run(migrate_mod.migrate, dry_run=dry_run, lock_timeout=lock_timeout,
                 allow_out_of_order=allow_out_of_order, on_wait=waiting)
    verb = "would create" if dry_run else "created"
    for name in report.created_roles:
        out.print(f"{verb} role {name}")
    for name in report.created_databases:
        out.print(f"{verb} database {name}")
    scripts = report.pending if dry_run else report.applied
    for script in scripts:
        label = f"V{script.version}" if script.kind == "V" else "repeatable"
        out.print(f"{'would apply' if dry_run else 'applied'} {label:>10}  {script.name}")
    if report.up_to_date:
        out.print("database is up to date: nothing to apply")


# ---------------------------------------------------------------- load


def _progress():
    """A progress callback printing a line per step start and end on stderr (cron logs stay readable)."""
    started: dict[str, float] = {}

    def report(step: str, state: str) -> None:
        if state == "start":
            started[step] = time.perf_counter()
            err.print(f"  {step} ...", highlight=False)
        else:
            err.print(f"  {step} done in {time.perf_counter() - started.get(step, time.perf_counter()):.2f}s",
                      highlight=False)
    return report


def _print_summary(summary) -> None:
    table = Table(title=f"run {summary.run_id}: {summary.status} in {summary.seconds:.2f}s")
    # rebound: fact rows a type-2 dimension load moved to another version of their key
    for col in ("entity", "read", "inserted", "updated", "deleted", "unchanged", "rejected", "rebound", "seconds"):
        table.add_column(col, justify="left" if col == "entity" else "right", no_wrap=True,
                         overflow="fold" if col == "entity" else "ellipsis")
    for row in summary.entities:
        table.add_row(row["entity"], *(str(row[k]) for k in ("rows_read", "rows_inserted", "rows_updated",
                      "rows_deleted", "rows_unchanged", "rows_rejected", "rows_rebound", "seconds")))
    out.print(table)


@app.command("load-daily")
def load_daily(
    date: Annotated[Optional[datetime], typer.Option("--date", formats=["%Y-%m-%d"],
                    help="Business day this run is for (recorded for the SLA); default: yesterday.")] = None,
    trigger: Annotated[str, typer.Option(help="Who started it: manual, schedule, simulate.")] = "manual",
) -> None:
    """The main job: extract every source table's changes since its watermark and load dimensions then facts.

    Runs the quality gates after loading. Exit codes: 0 succeeded, 1 failed, 3 blocked by a quality
    check, 4 another run holds the lock, 5 database unreachable. Alerts on failure (HARNESS_ALERT_URLS)."""
    from harness import jobs, runs

    if trigger not in runs.TRIGGERS:
        raise typer.BadParameter(f"{trigger!r} is not one of {', '.join(runs.TRIGGERS)}", param_hint="--trigger")
    business = date.date() if date else None
    summary = run(jobs.load_daily_job, business, trigger, _progress())
    _print_summary(summary)
    _print_checks(summary.checks)


def _print_checks(results) -> None:
    failed = [r for r in results if r.status != "pass"]
    out.print(f"quality: {len(results) - len(failed)} of {len(results)} checks passed")
    for r in failed:
        out.print(f"  [{'red' if r.check.severity == 'block' else 'yellow'}]{r.status}[/] {r.check.name} "
                  f"({r.check.severity}): {len(r.offending)} offending row(s) {r.message or ''}")
        for row in r.offending[:5]:   # e.g. the reject-share gate's top rules and counts
            out.print("      " + ", ".join(f"{k} {v}" for k, v in row.items()), highlight=False)


@app.command()
def reprocess(
    date_from: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day, YYYY-MM-DD.")],
    date_to: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, YYYY-MM-DD.")],
    entity: Annotated[Optional[str], typer.Option(help="Only this entity (e.g. fact_vendas); default: every fact.")] = None,
) -> None:
    """Replace a window of the warehouse from the shop, atomically per entity, recording per-day
    KPI checksums before and after (audit.reprocess_checksum) as evidence."""
    from harness import load

    summary = run(load.reprocess, date_from.date(), date_to.date(), entity, "manual", _progress())
    _print_summary(summary)
    evidence = load.reprocess_evidence(summary.run_id)
    changed = [e for e in evidence if not e["igual"]]
    out.print(f"{len(evidence)} entity-days checked, {len(changed)} changed by the reprocess")
    for e in changed[:20]:
        out.print(f"  {e['entity']} {e['dia']}: receita {e['receita_antes']} -> {e['receita_depois']}, "
                  f"linhas {e['linhas_antes']} -> {e['linhas_depois']}")


@app.command()
def plan() -> None:
    """Show each entity's extraction window and how many source rows it would read; changes nothing."""
    from harness import load

    table = Table(title="load plan")
    for col in ("entity", "watermark", "reads since", "until", "source rows"):
        table.add_column(col)
    for row in run(load.plan):
        table.add_row(row["entity"], row["watermark"], row["since"], row["until"],
                      ", ".join(f"{k}: {v}" for k, v in row["rows"].items()))
    out.print(table)


@app.command()
def status(limit: Annotated[int, typer.Option(min=1, help="How many recent runs to show.")] = 10) -> None:
    """Last runs, the latest run's entities, watermarks, data freshness and open rejects by rule."""
    from harness import load

    info = run(load.status, limit)
    runs_table = Table(title="recent runs")
    for col in ("run", "command", "status", "business day", "started", "seconds", "failed step", "error"):
        runs_table.add_column(col)
    for r in info["runs"]:
        runs_table.add_row(str(r["run_id"]), r["command"], r["status"], str(r["business_date"] or ""),
                           f"{r['started_at']:%Y-%m-%d %H:%M:%S}", str(r["seconds"]), r["failed_step"] or "",
                           (r["error_message"] or "")[:80])
    out.print(runs_table)
    if info["entities"]:
        _print_summary(type("S", (), {"run_id": info["runs"][0]["run_id"], "status": info["runs"][0]["status"],
                                      "seconds": float(info["runs"][0]["seconds"]), "entities": info["entities"]}))
    wm = Table(title="watermarks")
    for col in ("entity", "watermark", "last run"):
        wm.add_column(col)
    for r in info["watermarks"]:
        wm.add_row(r["entity"], r["watermark"], str(r["last_run_id"] or ""))
    out.print(wm)
    fresh = info["freshness"]
    out.print(f"data up to {fresh['ultima_venda'] or '-'}; last successful load finished {fresh['ultima_carga_ok'] or '-'}")
    if info["open_rejects"]:
        rej = Table(title="open rejects (source rows kept out until fixed at the source; `harness db psql` "
                          "-c 'SELECT * FROM audit.vw_rejeicoes_abertas' lists them)")
        for col in ("entity", "rule", "rows", "oldest"):
            rej.add_column(col, justify="right" if col == "rows" else "left", no_wrap=True)
        for r in info["open_rejects"]:
            rej.add_row(r["entity"], r["rule"], str(r["rows"]), f"{r['oldest']:%Y-%m-%d %H:%M}")
        out.print(rej)
    else:
        out.print("open rejects: none")


# ---------------------------------------------------------------- quality, smoke, sla
@app.command()
def quality(run_id: Annotated[Optional[int], typer.Option(help="Attach results to this run; default: the latest run.")] = None,
            check: Annotated[Optional[list[str]], typer.Option(help="Only these checks (repeatable).")] = None) -> None:
    """Run the quality checks (database/checks/*.sql plus shop-vs-warehouse reconciliation and freshness)
    over every day of the warehouse; load-daily runs the same checks over the days it changed only.

    Exit code 3 when a blocking check fails; failing rows are kept in dq.check_failed_row."""
    from harness import errors, load, quality as quality_mod

    if check:
        valid = [c.name for c in run(quality_mod.load_catalog)]
        unknown = [c for c in check if c not in valid]
        if unknown:
            raise typer.BadParameter(f"unknown check {', '.join(map(repr, unknown))}; valid checks: "
                                     f"{', '.join(sorted(valid))}", param_hint="--check")
    if run_id is None:
        runs_ = run(load.status, 1)["runs"]
        if not runs_:
            clitools.print_error("no run yet: run `harness load-daily` first")
            raise typer.Exit(2)
        run_id = runs_[0]["run_id"]
    results = run(quality_mod.run_checks, run_id, check)
    _print_checks(results)
    if any(r.blocking for r in results):
        raise typer.Exit(errors.QualityGateFailed.exit_code)


@app.command()
def smoke() -> None:
    """After a load: the latest business day is in every fact, every mart view answers as bi_reader,
    key totals are plausible. Exit code 1 when any line fails; a day whose revenue or margin is far
    outside its history (or a 100 % margin) is a warning (WARN), printed with exit code 0."""
    from harness import smoke as smoke_mod

    lines = run(smoke_mod.run_smoke)
    for line in lines:
        mark = "[green]ok[/]  " if line.ok else ("[yellow]WARN[/]" if line.warning else "[red]FAIL[/]")
        out.print(f"{mark}  {line.name}: {line.detail}", highlight=False)
    if any(line.fails for line in lines):
        raise typer.Exit(1)


@app.command("check-sla")
def check_sla() -> None:
    """Check that yesterday's data was loaded by 08:00 America/Sao_Paulo (HARNESS_SLA_HOUR, HARNESS_SLA_TZ);
    alerts once per missed day, also when the scheduled run never happened. Exit code 1 on a breach."""
    from harness import sla

    result = run(sla.check_sla)
    out.print(("[green]SLA ok[/]: " if result.ok else "[red]SLA breach[/]: ") + result.message, highlight=False)
    if not result.ok:
        raise typer.Exit(1)


# ---------------------------------------------------------------- simulate
@app.command()
def simulate(
    days: Annotated[int, typer.Option(min=1, help="How many business days to run.")] = 10,
    start: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"],
                     help="First day, YYYY-MM-DD; default: the day after the shop's last order.")] = None,
    bad_rows: Annotated[float, typer.Option(help="Share of bad rows injected into the shop each day.")] = 0.01,
    fail_on_day: Annotated[int, typer.Option(help="Day on which a transient failure is injected (0: none).")] = 3,
) -> None:
    """Run N business days unattended (CA-01): advance the shop, load-daily with quality gates, smoke test;
    one transient failure is injected and recovered by a retry. Exit code 1 if any day ends failed."""
    from harness import simulate as sim

    table = Table(title=f"simulation of {days} business days")
    for col in ("day", "status", "attempts", "fact rows", "rejected", "seconds", "checks", "smoke"):
        table.add_column(col)

    def on_day(r) -> None:
        err.print(f"  {r.day:%d/%m/%Y}: {r.status} ({r.seconds}s)", highlight=False)

    results = run(sim.simulate, days, start.date() if start else None, bad_rows, fail_on_day or None, 7, on_day)
    for r in results:
        table.add_row(f"{r.day:%d/%m/%Y}", r.status, str(r.attempts), str(r.rows), str(r.rejected), str(r.seconds),
                      f"{r.checks_passed}/{r.checks_total}", "ok" if r.smoke_ok else "FAIL")
    out.print(table)
    for r in results:
        for note in r.notes:
            out.print(f"  {r.day:%d/%m/%Y}: {note}", highlight=False)
    if any(r.status != "succeeded" for r in results):
        raise typer.Exit(1)


# ---------------------------------------------------------------- backup
@app.command()
def backup(file: Annotated[Path, typer.Argument(help="Archive to write (tar of pg_dump custom-format dumps).")]) -> None:
    """Back up the shop and the warehouse databases into one archive file."""
    from harness import backup as backup_mod

    manifest = run(backup_mod.backup, file)
    out.print(f"backup written to {file}: {', '.join(d['name'] for d in manifest['databases'].values())}")


@app.command()
def restore(file: Annotated[Path, typer.Argument(help="Archive written by `harness backup`.")]) -> None:
    """Restore a backup into a server where the databases do not exist yet (a fresh server)."""
    from harness import backup as backup_mod

    manifest = run(backup_mod.restore, file)
    out.print(f"restored {', '.join(d['name'] for d in manifest['databases'].values())} from {file}")


# ---------------------------------------------------------------- doctor
@app.command()
def doctor() -> None:
    """Check configuration, connectivity, server version, pgTAP, roles and grants, migrations,
    the last run and the SLA; one line each with what to do. Exit code 1 if anything is wrong."""
    from harness import doctor as doctor_mod

    lines = run(doctor_mod.diagnose)
    for line in lines:
        mark = "[green]ok[/]     " if line.ok else "[red]problem[/]"
        out.print(f"{mark} {line.aspect}: {line.detail}" + ("" if line.ok else f"  -> {line.fix}"), highlight=False)
    if not all(line.ok for line in lines):
        raise typer.Exit(1)


# ---------------------------------------------------------------- test
@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def test(ctx: typer.Context) -> None:
    """Run every test (pytest over tests/ and the pgTAP files database/tests/test_*.sql) on throwaway
    databases of a separate embedded server; extra arguments go to pytest (e.g. -k migrate -x)."""
    from harness import testing

    raise typer.Exit(run(testing.run_tests, list(ctx.args)))


def main() -> None:  # pragma: no cover - console-script entry for `python -m harness`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
