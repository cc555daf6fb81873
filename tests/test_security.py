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


# ---------------------------------------------------------------- who can lock, who can rewrite the audit

OLD_LOAD_KEY, OLD_MIGRATE_KEY = 0x6C6F6164, 0x6861726E   # the advisory lock keys the harness once used


def test_bi_reader_connects_to_the_warehouse_only(template_dbs):
    for which in ("postgres", "oltp"):
        with pytest.raises(Exception, match="permission denied|CONNECT"):
            db.connect(which, "bi").close()
    from psycopg.conninfo import make_conninfo

    with pytest.raises(psycopg.OperationalError, match="permission denied|CONNECT"):
        psycopg.connect(make_conninfo(db.conninfo("dw", "bi"), dbname="template1")).close()


def test_bi_reader_cannot_take_the_load_or_migrate_lock(template_dbs):
    with db.connect("dw", "bi") as conn:
        for table in ("ctl.load_lock", "ctl.migrate_lock"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {table} FOR UPDATE NOWAIT")
            conn.rollback()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"LOCK TABLE {table} IN ACCESS SHARE MODE")
            conn.rollback()


def test_bi_reader_cannot_block_load_daily_or_migrate(shop):
    """bi_reader holding every lock it can take (the keys the harness once used as advisory locks,
    in an open transaction) holds back neither a load nor a migrate."""
    from harness import load, migrate

    with db.connect("dw", "bi") as bi:
        bi.execute("SELECT pg_advisory_lock(%s), pg_advisory_lock(%s)", (OLD_LOAD_KEY, OLD_MIGRATE_KEY))
        for dimension in ("dim.dim_cliente", "dim.dim_produto", "dim.dim_vendedor"):  # the type-2 check's old keys
            bi.execute("SELECT pg_advisory_lock(hashtext('etl.scd2_sem_sobreposicao'), %s::regclass::oid::integer)",
                       (dimension,))
        bi.execute("SELECT count(*) FROM mart.vw_monitor_etl").fetchone()   # and reads, as a dashboard does
        assert load.load_daily().status == "succeeded"
        assert migrate.migrate(lock_timeout=5).up_to_date
        bi.rollback()


def test_etl_writer_cannot_update_delete_or_truncate_any_audit_table(template_dbs):
    with db.connect("dw", "admin") as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = 'audit' ORDER BY 1")]
    assert {"audit.etl_run", "audit.rejected_rows", "audit.connection_login_events", "audit.alert_event"} <= set(tables)
    with db.connect("dw", "etl", autocommit=True) as conn:
        for table in tables:
            column = conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                                  "AND NOT attisdropped AND attidentity = '' ORDER BY attnum LIMIT 1",
                                  (table,)).fetchone()[0]
            for stmt in (f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}", f"TRUNCATE {table}"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(stmt)


def test_etl_writer_cannot_rewrite_history_the_way_it_once_could(shop):
    """The reproduction: in one transaction, turn failed runs into succeeded and delete login events."""
    from harness import load

    load.load_daily()
    with db.connect("dw", "admin", autocommit=True) as admin:
        admin.execute("INSERT INTO audit.etl_run (command, status) VALUES ('load-daily', 'failed'), "
                      "('load-daily', 'failed')")
        before = admin.execute("SELECT status, count(*) FROM audit.etl_run GROUP BY 1 ORDER BY 1").fetchall()
        logins = admin.execute("SELECT count(*) FROM audit.connection_login_events").fetchone()[0]
    with db.connect("dw", "etl") as etl:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            etl.execute("UPDATE audit.etl_run SET status = 'succeeded' WHERE status = 'failed'")
        etl.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            etl.execute("DELETE FROM audit.connection_login_events")
        etl.rollback()
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):   # ended runs stay ended
            etl.execute("SELECT audit.fn_encerrar_execucao(run_id, 'succeeded') FROM audit.etl_run "
                        "WHERE status = 'failed' LIMIT 1")
        etl.rollback()
    with db.connect("dw", "admin") as admin:
        assert admin.execute("SELECT status, count(*) FROM audit.etl_run GROUP BY 1 ORDER BY 1").fetchall() == before
        assert admin.execute("SELECT count(*) FROM audit.connection_login_events").fetchone()[0] >= logins


def test_audit_tables_created_later_are_insert_only_for_etl_writer(fresh_dbs):
    """The default privileges of schema audit: a new table (another migration's) gives etl_writer
    SELECT and INSERT only."""
    with db.connect("dw", "owner", autocommit=True) as owner:
        owner.execute("CREATE TABLE audit.zz_probe (id int)")
        privileges = owner.execute(
            "SELECT array_agg(p ORDER BY p) FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p "
            "WHERE has_table_privilege('etl_writer', 'audit.zz_probe', p)").fetchone()[0]
    assert privileges == ["INSERT", "SELECT"]
