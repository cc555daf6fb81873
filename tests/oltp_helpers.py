"""Helpers of the shop tests: a second private shop database, table checksums."""

from __future__ import annotations

import contextlib
import itertools
import os

from psycopg import sql

from harness import db
from harness.oltp.shopdb import table_checksums

_extra = itertools.count()


@contextlib.contextmanager
def another_shop(template_dbs, monkeypatch):
    """A second migrated shop database (copy of the session template), current while inside."""
    name = f"{template_dbs[1]}_x{os.getpid()}_{next(_extra)}"
    previous = os.environ["HARNESS_OLTP_DB"]
    with db.connect("postgres", "admin", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER dw_owner").format(
            sql.Identifier(name), sql.Identifier(template_dbs[1])))
    monkeypatch.setenv("HARNESS_OLTP_DB", name)
    try:
        yield name
    finally:
        monkeypatch.setenv("HARNESS_OLTP_DB", previous)
        with db.connect("postgres", "admin", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def checksums(include_deleted_rows: bool = False) -> dict:
    with db.connect("oltp", "admin") as conn:
        return table_checksums(conn, include_deleted_rows=include_deleted_rows)


def one(query: str, params=None):
    with db.connect("oltp", "admin") as conn:
        return conn.execute(query, params).fetchone()[0]


def rows(query: str, params=None) -> list:
    with db.connect("oltp", "admin") as conn:
        return conn.execute(query, params).fetchall()
