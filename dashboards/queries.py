"""The one data-access module of the dashboards.

- Reads only `mart` views and aggregates, as `bi_reader` (`harness.db.connect("dw", "bi")`),
  in a read-only session with a statement timeout.
- Every query is a literal string with psycopg placeholders; filter lists go in as
  `= ANY(%s)` arrays, never into the SQL text.
- Results of a query + parameters are cached for `CACHE_SECONDS` (an LRU keyed by the
  database, the SQL text, the normalized parameter tuple and a time bucket), so a
  repeated filter combination does not touch the database.
- A database that is down or a failing query never raises into a callback: the public
  functions return `Indisponivel(mensagem)` (a typed "unavailable" result) instead.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TypeVar

import pandas as pd
import psycopg

from harness import db
from harness.errors import HarnessError

from dashboards.filters import DIMENSOES, Filtros

log = logging.getLogger(__name__)
CACHE_SECONDS = 60
STATEMENT_TIMEOUT_MS = 15000
T = TypeVar("T")


@dataclass(frozen=True)
class Indisponivel:
    """The data could not be read; `mensagem` is meant for the page (no SQL, no stack trace)."""

    mensagem: str = "Dados indisponíveis no momento: o banco de dados não respondeu. Tente novamente em instantes."


Resultado = T | Indisponivel  # type: ignore[misc]


# ------------------------------------------------------------------ connections
_local = threading.local()


def _alvo() -> tuple[str, str]:
    """(cache key of the target database, conninfo); the key holds no password."""
    info = db.conninfo("dw", "bi")
    return db.safe_target(info), info


def _conexao(chave: str) -> psycopg.Connection:
    """One read-only bi_reader connection per thread and target database, reopened when broken."""
    conns: dict = getattr(_local, "conns", None) or {}
    _local.conns = conns
    conn = conns.get(chave)
    if conn is not None and not conn.closed and not conn.broken:
        return conn
    conn = db.connect("dw", "bi", autocommit=True)
    conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    conn.execute(f"SET statement_timeout = {int(STATEMENT_TIMEOUT_MS)}")
    conns[chave] = conn
    return conn


def fechar_conexoes() -> None:
    """Close this thread's connections (tests call it before dropping their database)."""
    for conn in (getattr(_local, "conns", None) or {}).values():
        try:
            conn.close()
        except psycopg.Error:
            pass
    _local.conns = {}


def limpar_cache() -> None:
    _consulta.cache_clear()


@lru_cache(maxsize=512)
def _consulta(alvo: str, sql: str, params: tuple, _bucket: int) -> tuple[tuple[str, ...], tuple[tuple, ...]]:
    """Run one query (params: sorted (name, value) pairs); raises on failure (exceptions are not cached)."""
    conn = _conexao(alvo)
    try:
        cur = conn.execute(sql, {k: list(v) if isinstance(v, tuple) else v for k, v in params})
    except psycopg.Error:
        if conn.broken or conn.closed:
            _local.conns.pop(alvo, None)
        raise
    cols = tuple(c.name for c in cur.description or ())
    return cols, tuple(cur.fetchall())


def _congelar(value):
    """Parameters must be hashable for the cache: lists become tuples (psycopg adapts them back)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _linhas(sql: str, params: dict | None = None) -> pd.DataFrame | Indisponivel:
    """Run a query through the cache; a data frame, or Indisponivel when the database fails."""
    chave = tuple(sorted((k, _congelar(v)) for k, v in (params or {}).items()))
    try:
        alvo, _ = _alvo()
        cols, rows = _consulta(alvo, sql, chave, int(time.time() // CACHE_SECONDS))
    except (HarnessError, psycopg.Error) as err:
        log.warning("dashboard query failed: %s: %s", type(err).__name__, str(err).splitlines()[0] if str(err) else "")
        return Indisponivel()
    return pd.DataFrame.from_records(list(rows), columns=list(cols))


def _arr(valores: tuple[str, ...]) -> list[str] | None:
    """A filter list as a query parameter: None means 'no filter' (`%s IS NULL OR col = ANY(%s)`)."""
    return list(valores) if valores else None
