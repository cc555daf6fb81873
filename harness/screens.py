"""The load's screens, read from their one statement for the shop-side checks.

The rules that decide whether a shop row is acceptable live in SQL functions of the warehouse
(database/procs/etl.regra_linha_venda.sql, etl.regra_meta.sql), which the load procedures call.
The quality checks must compare the warehouse with exactly the shop rows those rules accept, but
they run their shop-side queries on the shop database, where the warehouse's functions do not
exist (and where the harness may only read). So the function's body, one CASE expression over
parameters named like the staged columns, is spliced into the shop queries in place of a marker
`/*regra:<function>*/`, where a subquery exposes columns of those names. One statement of each
rule, read by both sides.
"""

from __future__ import annotations

import functools
import re
from datetime import date

import psycopg

from harness.paths import database_dir

MARKER = re.compile(r"/\*regra:(etl\.[a-z_]+)\*/")
BODY = re.compile(r"\bRETURN\s+(CASE\b.*\bEND)\s*;", re.S)
# the maximum value of a numeric(14,2) fact measure (fact_vendas.valor_bruto, custo_total)
MEASURE_MAX = 999_999_999_999.99


@functools.cache
def rule_expression(function: str) -> str:
    """The CASE expression of etl.<function> (its file in database/procs), parenthesised."""
    text = (database_dir() / "procs" / f"{function}.sql").read_text(encoding="utf-8")
    match = BODY.search(text)
    if not match or ";" in match.group(1):
        raise ValueError(f"{function}: the function body must be `RETURN CASE ... END;` with no ';' inside")
    body = re.sub(r"--[^\n]*", "", match.group(1))   # comments out: the expression is spliced into one line's context
    return f"({body})"


def splice(sql: str) -> str:
    """`sql` with every /*regra:etl.x*/ marker replaced by etl.x's CASE expression."""
    if not MARKER.search(sql):
        raise ValueError("no /*regra:...*/ marker in the query: it would not apply the load's screens")
    return MARKER.sub(lambda m: rule_expression(m.group(1)), sql)


def calendar(dw: psycopg.Connection) -> dict[str, date]:
    """The calendar's first and last day (dim.dim_data): the date screens' bounds."""
    first, last = dw.execute("SELECT min(data), max(data) FROM dim.dim_data WHERE data_sk > 0").fetchone()
    return {"data_min": first, "data_max": last}
