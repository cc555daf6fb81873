"""harness migrate against a real server: creation, no-op rerun, checksums, repeatables,
rollback of a broken file, dry run, and concurrent runs."""

from __future__ import annotations

import shutil
import threading
import uuid

import psycopg
import pytest
from psycopg import sql

from harness import db, migrate
from harness.errors import MigrationError
from harness.paths import database_dir, migrations_dir


@pytest.fixture
def project(tmp_path, template_dbs, monkeypatch):
    """A copy of the project's SQL and a pair of brand-new database names."""
    shutil.copytree(migrations_dir(), tmp_path / "migrations")
    shutil.copytree(database_dir(), tmp_path / "database")
    tag = f"m{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("HARNESS_DW_DB", f"{tag}_dw")
    monkeypatch.setenv("HARNESS_OLTP_DB", f"{tag}_oltp")
    yield tmp_path
    with db.connect("postgres", "admin", autocommit=True) as conn:
        for name in (f"{tag}_dw", f"{tag}_oltp"):
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def scripts(root):
    return migrate.discover(root / "migrations", root / "database")


def history(which="dw"):
    with db.connect(which, "admin") as conn:
        return conn.execute(
            "SELECT script, checksum, type FROM ctl.schema_migrations ORDER BY installed_rank").fetchall()


def test_empty_server_gets_databases_schemas_and_history(project):
    report = migrate.migrate(scripts=scripts(project))
    assert set(report.created_databases) == {db.database_name("dw", db.load_settings()),
                                             db.database_name("oltp", db.load_settings())}
    with db.connect("dw", "admin") as conn:
        schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace")}
        owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()").fetchone()[0]
    assert {"stg", "dim", "fact", "mart", "ctl", "audit", "dq", "etl"} <= schemas
    assert owner == "dw_owner"
    applied = [r[0] for r in history()]
    expected = [s.name for s in scripts(project) if s.target == "dw"]
    assert applied == expected


def test_second_run_is_a_noop(project):
    migrate.migrate(scripts=scripts(project))
    before = history()
    report = migrate.migrate(scripts=scripts(project))
    assert report.up_to_date
    assert history() == before


def test_dry_run_changes_nothing(project):
    report = migrate.migrate(dry_run=True, scripts=scripts(project))
    assert report.pending and not report.applied
    with db.connect("postgres", "admin") as conn:
        exists = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                              (db.database_name("dw", db.load_settings()),)).fetchone()[0]
    assert exists == 0


def test_edited_applied_migration_is_refused_naming_the_file(project):
    migrate.migrate(scripts=scripts(project))
    path = project / "migrations" / "dw" / "V001__schemas_and_grants.sql"
    path.write_text(path.read_text() + "\n-- an innocent-looking edit\n")
    with pytest.raises(MigrationError, match="V001__schemas_and_grants.sql was changed after it was applied"):
        migrate.migrate(scripts=scripts(project))


def test_edited_procedure_file_reapplies_only_that_file(project):
    procs = project / "database" / "procs"
    procs.mkdir(exist_ok=True)
    (procs / "etl.zz_probe_a.sql").write_text(
        "CREATE OR REPLACE PROCEDURE etl.zz_probe_a() LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;\n")
    (procs / "etl.zz_probe_b.sql").write_text(
        "CREATE OR REPLACE PROCEDURE etl.zz_probe_b() LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;\n")
    migrate.migrate(scripts=scripts(project))
    (procs / "etl.zz_probe_a.sql").write_text(
        "CREATE OR REPLACE PROCEDURE etl.zz_probe_a() LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$;\n")
    report = migrate.migrate(scripts=scripts(project))
    assert [s.path.name for s in report.applied] == ["etl.zz_probe_a.sql"]
    with db.connect("dw", "admin") as conn:
        body = conn.execute("SELECT prosrc FROM pg_proc WHERE proname = 'zz_probe_a'").fetchone()[0]
    assert "PERFORM 1" in body


def test_broken_migration_rolls_back_and_names_file_and_line(project):
    migrate.migrate(scripts=scripts(project))
    before = history()
    (project / "migrations" / "dw" / "V900__broken.sql").write_text(
        "CREATE TABLE ctl.half_done (id int);\n"
        "INSERT INTO ctl.half_done VALUES (1);\n"
        "\n"
        "SELECT * FROM ctl.no_such_table;\n")
    with pytest.raises(MigrationError) as excinfo:
        migrate.migrate(scripts=scripts(project))
    message = str(excinfo.value)
    assert "V900__broken.sql, line 4" in message and "no_such_table" in message
    assert history() == before
    with db.connect("dw", "admin") as conn:
        assert conn.execute("SELECT to_regclass('ctl.half_done')").fetchone()[0] is None


def test_syntax_error_line_inside_a_multiline_statement(project):
    migrate.migrate(scripts=scripts(project))
    (project / "migrations" / "dw" / "V901__typo.sql").write_text(
        "-- header\n"
        "CREATE TABLE ctl.typo (\n"
        "    id int,\n"
        "    name textt\n"
        ");\n")
    with pytest.raises(MigrationError, match=r"V901__typo.sql, line 4: type \"textt\" does not exist"):
        migrate.migrate(scripts=scripts(project))


def test_concurrent_migrations_serialize(project):
    (project / "migrations" / "dw" / "V902__slow.sql").write_text(
        "SELECT pg_sleep(1);\nCREATE TABLE ctl.slow_probe (id int);\n")
    errors, reports = [], []

    def worker():
        try:
            reports.append(migrate.migrate(scripts=scripts(project)))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    applied = sorted(len(r.applied) for r in reports)
    assert applied[0] == 0 and applied[1] > 0  # one did the work, the other found it done
    names = [r[0] for r in history()]
    assert len(names) == len(set(names))


def test_server_older_than_17_is_refused(monkeypatch):
    from harness.errors import ConfigError

    class Fake:
        class info:
            server_version = 160004

        def close(self):
            pass

    monkeypatch.setattr(psycopg, "connect", lambda *a, **k: Fake())
    monkeypatch.setattr(db, "_checked_versions", set())
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://someone@db.example.invalid:5432/x")
    with pytest.raises(ConfigError, match="PostgreSQL 16.4; this warehouse needs PostgreSQL 17 or newer"):
        db.connect("dw", "admin")


# ---------------------------------------------------------------- history integrity and the lock

def test_applied_migration_file_missing_is_refused_naming_it(project):
    migrate.migrate(scripts=scripts(project))
    (project / "migrations" / "dw" / "V033__audit_rows_rebound.sql").unlink()
    with pytest.raises(migrate.MigrationHistoryError, match=r"migrations/dw/V033__audit_rows_rebound.sql was "
                                                              r"applied but its file is missing"):
        migrate.migrate(scripts=scripts(project))
    with pytest.raises(migrate.MigrationHistoryError):   # the dry run (and so doctor) says the same
        migrate.migrate(dry_run=True, scripts=scripts(project))


def test_applied_migration_file_renamed_is_refused_naming_both_names(project):
    migrate.migrate(scripts=scripts(project))
    dw = project / "migrations" / "dw"
    (dw / "V033__audit_rows_rebound.sql").rename(dw / "V033__renamed.sql")
    with pytest.raises(migrate.MigrationHistoryError) as excinfo:
        migrate.migrate(scripts=scripts(project))
    assert ("V33 was applied as migrations/dw/V033__audit_rows_rebound.sql but the file is now "
            "migrations/dw/V033__renamed.sql") in str(excinfo.value)
    assert excinfo.value.exit_code == 2


def test_pending_version_below_the_highest_applied_needs_allow_out_of_order(project):
    migrate.migrate(scripts=scripts(project))
    before = history()
    (project / "migrations" / "dw" / "V006__hotfix.sql").write_text("CREATE TABLE ctl.hotfix_probe (id int);\n")
    with pytest.raises(migrate.MigrationHistoryError, match=r"migrations/dw/V006__hotfix.sql numbered below the "
                                                              r"highest applied version V\d+"):
        migrate.migrate(scripts=scripts(project))
    assert history() == before
    report = migrate.migrate(scripts=scripts(project), allow_out_of_order=True)
    assert [s.path.name for s in report.applied] == ["V006__hotfix.sql"]
    assert migrate.migrate(scripts=scripts(project)).up_to_date   # applied: no longer pending


def test_migrate_waiting_on_the_lock_says_so_and_gives_up_with_exit_code_4(project):
    """The CLI: another migrate holds the lock -> a line saying so, then exit 4 after --lock-timeout."""
    import os
    import subprocess
    import sys

    migrate.migrate(scripts=scripts(project))
    with db.connect("dw", "owner") as holder:
        holder.execute("SELECT * FROM ctl.migrate_lock FOR UPDATE")
        holder_pid = holder.info.backend_pid
        env = {**os.environ, "HARNESS_PROJECT_DIR": str(project)}
        result = subprocess.run([sys.executable, "-m", "harness.cli", "migrate", "--lock-timeout", "1"],
                                capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 4, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("waiting for the migrate lock") and f"pid {holder_pid}" in lines[0]
    assert lines[-1].startswith("error: another harness migrate held the migrate lock for 1 s")
    assert "Traceback" not in result.stderr


def test_migrate_closes_the_maintenance_databases_to_public(template_dbs):
    with db.connect("postgres", "admin") as conn:
        open_to_public = conn.execute(
            "SELECT datname FROM pg_database, aclexplode(coalesce(datacl, acldefault('d', datdba))) a "
            "WHERE datname IN ('postgres', 'template1') AND a.grantee = 0 AND a.privilege_type = 'CONNECT'").fetchall()
    assert open_to_public == []


def test_a_readers_open_transaction_fails_the_file_it_blocks_instead_of_hanging(project):
    """bi_reader (a dashboard) with an open transaction on a view a migrate must replace: the file
    fails after the lock timeout, naming itself and why; nothing is applied; the next migrate works."""
    migrate.migrate(scripts=scripts(project))
    view = project / "database" / "views" / "mart.vw_versao_warehouse.sql"
    view.write_text(view.read_text() + "\n-- changed\n")
    with db.connect("dw", "bi") as bi:
        bi.execute("SELECT * FROM mart.vw_versao_warehouse").fetchall()   # its transaction stays open
        with pytest.raises(MigrationError, match=r"mart.vw_versao_warehouse.sql, line \d+: .*lock timeout.*"
                                                 r"another session"):
            migrate.migrate(scripts=scripts(project), lock_timeout=1)
    report = migrate.migrate(scripts=scripts(project), lock_timeout=1)
    assert [s.path.name for s in report.applied] == ["mart.vw_versao_warehouse.sql"]
