"""Standard queries (PRD section 2, RF-10): `database/queries/<name>.sql`, each reading only
mart views/aggregates, with named psycopg parameters (%(data_inicio)s, %(data_fim)s and
optional filters written as `(%(regiao)s::text IS NULL OR regiao_id = %(regiao)s)`).

`list_queries()` describes them (name, description from the header, parameters);
`run_query(name, params)` runs one as bi_reader (or on a given connection): every
parameter the file uses is bound (optional ones default to NULL), so a value is always
data, never SQL. Unknown query names and parameters are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from pathlib import Path
from typing import Any

import sqlparse

from harness.errors import HarnessError
from harness.paths import database_dir

REQUIRED = ("data_inicio", "data_fim")
PARAM = re.compile(r"%\((\w+)\)s")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class QueryError(HarnessError):
    exit_code = 2


@dataclass(frozen=True)
class StandardQuery:
    name: str
    path: Path
    description: str
    params: tuple[str, ...]          # every named parameter, in order of first use

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p in REQUIRED)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p not in REQUIRED)


def queries_dir() -> Path:
    return database_dir() / "queries"


def _describe(path: Path) -> StandardQuery:
    text = path.read_text(encoding="utf-8")
    header = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        body = line[2:].strip()
        if body.startswith("params:"):
            break
        header.append(body)
    params = tuple(dict.fromkeys(PARAM.findall(_executable(path, path.stat().st_mtime_ns))))
    return StandardQuery(path.stem, path, " ".join(header), params)


def list_queries() -> list[StandardQuery]:
    return [_describe(p) for p in sorted(queries_dir().glob("*.sql"))]


def get_query(name: str) -> StandardQuery:
    if not NAME.match(name or ""):
        raise QueryError(f"invalid query name {name!r}")
    path = queries_dir() / f"{name}.sql"
    if not path.is_file():
        known = ", ".join(q.name for q in list_queries())
        raise QueryError(f"unknown standard query {name!r}; known: {known}")
    return _describe(path)


def bind(query: StandardQuery, params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - set(query.params)
    if unknown:
        raise QueryError(f"query {query.name} has no parameter(s) {sorted(unknown)}; "
                         f"it takes {', '.join(query.params)}")
    missing = [p for p in query.required if params.get(p) is None]
    if missing:
        raise QueryError(f"query {query.name} needs {', '.join(missing)}")
    for p in query.required:
        if isinstance(params[p], str):
            try:
                params = {**params, p: date.fromisoformat(params[p])}
            except ValueError:
                raise QueryError(f"{p} must be a date (aaaa-mm-dd), got {params[p]!r}") from None
    return {p: params.get(p) for p in query.params}


def run_query(name: str, params: dict[str, Any], conn=None) -> tuple[list[str], list[tuple]]:
    """(column names, rows) of a standard query; on bi_reader unless a connection is given."""
    query = get_query(name)
    values = bind(query, params)
    if conn is None:
        from harness import db

        with db.connect("dw", "bi") as own:
            return _execute(own, query, values)
    return _execute(conn, query, values)


@lru_cache(maxsize=64)
def _executable(path: Path, _mtime_ns: int) -> str:
    """The file without comments ("margem %" in a comment would be taken for a placeholder);
    cached per file version, since sqlparse takes tens of milliseconds."""
    return sqlparse.format(path.read_text(encoding="utf-8"), strip_comments=True).strip()


def _execute(conn, query: StandardQuery, values: dict[str, Any]) -> tuple[list[str], list[tuple]]:
    # prepare=False: never a server-side prepared statement, so every run is planned with its own
    # values (custom plan). psycopg prepares a query after 5 runs and PostgreSQL may then switch to a
    # generic plan, which cannot prune the branches a NULL filter switches off nor fold the period
    # into index bounds (measured: the 6th run of receita_por_* took 13 s instead of 0.2 s).
    cur = conn.execute(_executable(query.path, query.path.stat().st_mtime_ns), values, prepare=False)
    return [c.name for c in cur.description], cur.fetchall()
