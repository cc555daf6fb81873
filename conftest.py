"""Test fixtures shared by tests/ (pytest) and database/tests/ (pgTAP through pytest-pgtap).

The session gets its own embedded server (HARNESS_TEST_HOME, default ./.warehouse-test)
and a pair of databases named after the session, built by `harness migrate` itself,
with pgTAP loaded. Tests that change data use `fresh_dbs`, a copy of those databases
made with CREATE DATABASE ... TEMPLATE (a file copy, well under a second).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parent
_counter = itertools.count()


def _session_tag() -> str:
    return f"t{os.getpid()}"


def pytest_configure(config):
    home = os.environ.get("HARNESS_TEST_HOME") or str(ROOT / ".warehouse-test")
    os.environ["HARNESS_HOME"] = home
    for var in ("WAREHOUSE_URL", "OLTP_URL"):  # tests always run on their own embedded server
        os.environ.pop(var, None)
    os.environ["HARNESS_DW_DB"] = f"{_session_tag()}_dw"
    os.environ["HARNESS_OLTP_DB"] = f"{_session_tag()}_oltp"


@pytest.fixture(scope="session")
def template_dbs():
    """Migrated session databases (with pgTAP in the warehouse); dropped at the end."""
    from harness import db, migrate, pgtap

    migrate.migrate()
    pgtap.load_pgtap("dw")
    names = (os.environ["HARNESS_DW_DB"], os.environ["HARNESS_OLTP_DB"])
    yield names
    with db.connect("postgres", "admin", autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def pgtap_connection(template_dbs):
    """pytest-pgtap's connection: a copy of the session's warehouse, as the administrator.

    A copy, because a template database cannot have open connections: holding one on
    the template would make every later `fresh_dbs` fail."""
    from psycopg.conninfo import make_conninfo

    from harness import db

    name = f"{template_dbs[0]}_pgtap"
    with db.connect("postgres", "admin", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER dw_owner").format(
            sql.Identifier(name), sql.Identifier(template_dbs[0])))
    try:
        with psycopg.connect(make_conninfo(db.conninfo("dw", "admin"), dbname=name), autocommit=True) as conn:
            yield conn
    finally:
        with db.connect("postgres", "admin", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def fresh_dbs(template_dbs, monkeypatch):
    """A private copy of the migrated shop and warehouse databases for one test."""
    from harness import db

    tag = f"{_session_tag()}_{next(_counter)}"
    copies = {"dw": f"{tag}_dw", "oltp": f"{tag}_oltp"}
    from harness.migrate import set_database_privileges

    with db.connect("postgres", "admin", autocommit=True) as conn:
        for key, template in zip(("dw", "oltp"), template_dbs):
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER dw_owner").format(
                sql.Identifier(copies[key]), sql.Identifier(template)))
        set_database_privileges(conn, copies["dw"], copies["oltp"])  # a copy does not inherit them
    monkeypatch.setenv("HARNESS_DW_DB", copies["dw"])
    monkeypatch.setenv("HARNESS_OLTP_DB", copies["oltp"])
    yield copies
    with db.connect("postgres", "admin", autocommit=True) as conn:
        for name in copies.values():
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


_ran: set[str] = set()


def pytest_runtest_logreport(report):
    """Count pgTAP files that really ran, so a run that skipped them all can fail."""
    if report.when == "call" and ".sql" in report.nodeid and report.outcome in ("passed", "failed"):
        _ran.add(report.nodeid.split("::")[0])


def pytest_sessionfinish(session, exitstatus):
    """pytest-pgtap skips SQL tests silently when it has no database; that must fail the run."""
    selected = [i for i in getattr(session, "items", []) if str(getattr(i, "path", "")).endswith(".sql")]
    required = session.config.getoption("pgtap_required")
    if exitstatus == 0 and not _ran and (selected or required):
        session.exitstatus = 1
        print("\nerror: no pgTAP test file ran (none collected, or all skipped for want of a database)")


def pytest_addoption(parser):
    parser.addoption("--pgtap-required", action="store_true", default=False,
                     help="fail the run when no pgTAP file ran (harness test sets it on a full run)")
