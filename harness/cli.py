"""The `harness` command line: a thin layer that parses options, calls one function of
a plain module, and maps the module's errors to an exit code and a one-line message."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated, Optional

import typer
from rich.table import Table

from harness import db, migrate as migrate_mod
from harness.config import ROLES, load_settings
from harness.clitools import err, out, run  # noqa: F401  (shared with sub-command modules)

app = typer.Typer(
    help="Run the e-commerce analytics warehouse: database, migrations, loads, quality, dashboards.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # rich tracebacks print local variables, connection strings included
)
db_app = typer.Typer(help="Manage and inspect the database server (embedded unless WAREHOUSE_URL is set).",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")
from harness.cli_oltp import oltp_app  # noqa: E402  (sub-command group in its own module)

app.add_typer(oltp_app, name="oltp")


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
def migrate(dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be applied; change nothing.")] = False) -> None:
    """Create databases and roles, apply new versioned migrations, re-apply changed procedures and views."""
    report = run(migrate_mod.migrate, dry_run=dry_run)
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
