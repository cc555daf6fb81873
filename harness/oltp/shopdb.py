"""Small helpers over the shop database shared by seed, advance and the Olist import:
the list of tables, emptiness check, truncation, streaming COPY, content checksums."""

from __future__ import annotations

from typing import Iterable, Sequence

import psycopg
from psycopg import sql

# every shop table with its primary key columns, in load order
SHOP_TABLES: dict[str, tuple[str, ...]] = {
    "regions": ("region_id",),
    "states": ("state",),
    "teams": ("team_id",),
    "sellers": ("seller_id",),
    "customers": ("customer_id",),
    "products": ("product_id",),
    "discounts": ("discount_id",),
    "orders": ("order_id",),
    "order_items": ("order_item_id",),
    "sales_targets": ("seller_id", "month"),
    "deleted_rows": ("deleted_row_id",),
}
# change logs of the type-2 source tables (oltp V002), written by triggers: emptied with the
# shop, not part of its content checksums (they record how the content came about)
HISTORY_TABLES: tuple[str, ...] = ("customers_history", "products_history", "sellers_history")
VOLATILE_COLUMNS = ("created_at", "updated_at")


def nonempty_tables(conn: psycopg.Connection) -> list[str]:
    """Shop tables holding at least one row (deleted_rows ignored)."""
    found = []
    for table in SHOP_TABLES:
        if table == "deleted_rows":
            continue
        query = sql.SQL("SELECT EXISTS (SELECT 1 FROM shop.{})").format(sql.Identifier(table))
        if conn.execute(query).fetchone()[0]:
            found.append(table)
    return found


def truncate_all(conn: psycopg.Connection) -> None:
    """Empty every shop table and change log (TRUNCATE fires no delete trigger: no tombstones)."""
    tables = sql.SQL(", ").join(sql.Identifier("shop", t) for t in (*SHOP_TABLES, *HISTORY_TABLES))
    conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(tables))


def copy_rows(cur: psycopg.Cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Stream rows into shop.<table> with COPY; returns the number of rows written."""
    stmt = sql.SQL("COPY shop.{} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    n = 0
    with cur.copy(stmt) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def table_checksums(conn: psycopg.Connection, *, include_deleted_rows: bool = False) -> dict[str, tuple[int, str]]:
    """(row count, md5 of every row's text ordered by primary key) per shop table, without
    created_at/updated_at (and the identity of deleted_rows), in UTC so the session's
    time zone does not matter. Equal checksums = equal contents."""
    conn.execute("SET TimeZone = 'UTC'")
    result = {}
    for table, key in SHOP_TABLES.items():
        if table == "deleted_rows" and not include_deleted_rows:
            continue
        skip = VOLATILE_COLUMNS + (("deleted_row_id",) if table == "deleted_rows" else ())
        cols = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'shop' AND table_name = %s "
            "ORDER BY ordinal_position", (table,))
            if r[0] not in skip]
        order = [sql.Identifier(c) for c in (cols if table == "deleted_rows" else key)]
        query = sql.SQL("SELECT count(*), coalesce(md5(string_agg(row({cols})::text, E'\\n' ORDER BY {order})), '') "
                        "FROM shop.{table}").format(
            cols=sql.SQL(", ").join(map(sql.Identifier, cols)),
            order=sql.SQL(", ").join(order), table=sql.Identifier(table))
        result[table] = tuple(conn.execute(query).fetchone())
    return result
