"""Streaming extraction: shop rows flow from `COPY (query) TO STDOUT` on the shop into
`COPY stg.x FROM STDIN` on the warehouse, in chunks, never held whole in memory.

Streaming COPY was chosen over postgres_fdw: it works when the shop is on another
server with only a read-only login (no extension or user mapping to install there),
it needs no password stored in the warehouse catalog, and it keeps the warehouse
side of an entity's load (stg refill + MERGE + watermark + audit) in one transaction.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from harness.paths import database_dir


def extraction_query(source: str, window: bool = False) -> str:
    name = f"{source}__window.sql" if window else f"{source}.sql"
    path: Path = database_dir() / "extract" / name
    return path.read_text(encoding="utf-8").strip().rstrip(";")


def copy_into_staging(shop: psycopg.Connection, warehouse: psycopg.Connection, source: str,
                      params: dict, window: bool = False) -> int:
    """TRUNCATE stg.<source> and refill it from the shop; returns the rows copied.

    Runs inside the caller's warehouse transaction (nothing is committed here)."""
    query = extraction_query(source, window)
    target = sql.Identifier("stg", source)
    warehouse.execute(sql.SQL("TRUNCATE {}").format(target))
    with shop.cursor() as src, warehouse.cursor() as dst:
        with src.copy(sql.SQL("COPY ({}) TO STDOUT").format(sql.SQL(query)), params) as out, \
             dst.copy(sql.SQL("COPY {} FROM STDIN").format(target)) as into:
            for chunk in out:
                into.write(chunk)
    return warehouse.execute(sql.SQL("SELECT count(*) FROM {}").format(target)).fetchone()[0]


def count_rows(shop: psycopg.Connection, source: str, params: dict, window: bool = False) -> int:
    """How many rows an extraction would read (for `harness plan`)."""
    query = extraction_query(source, window)
    return shop.execute(sql.SQL("SELECT count(*) FROM ({}) AS q").format(sql.SQL(query)), params).fetchone()[0]
