"""RNF-06: bi_reader reads mart, dim and fact only and can write nowhere."""

from __future__ import annotations

import psycopg
import pytest

from harness import db


def test_bi_reader_reads_mart_view(template_dbs):
    with db.connect("dw", "bi") as conn:
        row = conn.execute("SELECT versao FROM mart.vw_versao_warehouse").fetchone()
    assert row[0] >= 1


@pytest.mark.parametrize("schema_table", ["ctl.schema_migrations"])
def test_bi_reader_cannot_select_internal_tables(template_dbs, schema_table):
    with db.connect("dw", "bi") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"SELECT * FROM {schema_table}")


def _tables(schemas):
    with db.connect("dw", "admin") as conn:
        return [f"{s}.{t}" for s, t in conn.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s) ORDER BY 1, 2",
            (list(schemas),))]


def test_bi_reader_cannot_read_stg_audit_ctl(template_dbs):
    with db.connect("dw", "admin") as conn:
        schemas = [r[0] for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname IN ('stg','audit','ctl','dq','etl')")]
    assert {"stg", "audit", "ctl"} <= set(schemas)
    for schema in schemas:
        with db.connect("dw", "bi") as conn:
            allowed = conn.execute("SELECT has_schema_privilege(%s, 'USAGE')", (schema,)).fetchone()[0]
        assert not allowed, f"bi_reader may use schema {schema}"


WRITES = [
    "INSERT INTO {t} DEFAULT VALUES",
    "UPDATE {t} SET {c} = {c}",
    "DELETE FROM {t}",
    "TRUNCATE {t}",
]


def bi_without_read_only_guard():
    """bi_reader in an explicitly read-write session, so only the grants stand in the way.

    (bi_reader's sessions cannot default to read-only: the login event trigger of V009
    writes an audit row in the login transaction, which a read-only default would refuse.)"""
    conn = db.connect("dw", "bi", autocommit=True)
    conn.execute("SET default_transaction_read_only = off")
    return conn


def test_bi_reader_cannot_write_anywhere(template_dbs):
    with db.connect("dw", "admin") as conn:
        targets = conn.execute(
            "SELECT c.table_schema || '.' || c.table_name, min(c.column_name) FROM information_schema.columns c "
            "WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema', 'public') GROUP BY 1 ORDER BY 1").fetchall()
    assert targets, "there must be tables to try"
    with bi_without_read_only_guard() as conn:
        for table, column in targets:
            for template in WRITES:
                with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.WrongObjectType,
                                    psycopg.errors.ObjectNotInPrerequisiteState)):
                    conn.execute(template.format(t=table, c=column))


def test_bi_reader_cannot_create_objects(template_dbs):
    with bi_without_read_only_guard() as conn:
        for stmt in ("CREATE TABLE mart.x (id int)", "CREATE TABLE public.x (id int)",
                     "CREATE SCHEMA x", "CREATE TEMP TABLE x (id int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(stmt)


def test_bi_reader_cannot_connect_to_the_shop(template_dbs):
    with pytest.raises(Exception, match="permission denied|not have CONNECT"):
        db.connect("oltp", "bi").close()


def test_every_login_is_audited_without_credentials(template_dbs):
    with db.connect("dw", "bi") as conn:
        pid = conn.info.backend_pid
    with db.connect("dw", "admin") as conn:
        rows = conn.execute("SELECT role_name, database_name FROM audit.connection_login_events WHERE backend_pid = %s"
                            " ORDER BY login_id DESC LIMIT 1", (pid,)).fetchall()
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'audit' "
            "AND table_name = 'connection_login_events'")]
    assert rows == [("bi_reader", db.database_name("dw", db.load_settings()))]
    assert not any("pass" in c or "secret" in c for c in columns)
