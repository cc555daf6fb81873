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

import atexit
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TypeVar

import pandas as pd
import psycopg
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import FloatLoader

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
# A small pool per process and target database: at most POOL_TAMANHO read-only bi_reader
# connections, kept open between callbacks. Hand-written (about 60 lines) rather than
# psycopg_pool.ConnectionPool, because that pool opens connections in background worker threads,
# and dash[testing]'s server runner kills every thread started during a browser test when it stops
# the server (KillerThread.kill injects SystemExit into each): measured, a psycopg_pool pool opened
# by a page callback under that runner could no longer grow after the kill, and every request for a
# new connection waited for its whole timeout. The same kill, on a shared ThreadPoolExecutor's
# workers, left futures queued with no live worker: the hang of the reverted thread pool. Here
# everything happens in the thread that asks: a connection is opened by the borrower (a dead
# database fails at once, with its own error), checked when it comes back (a broken one is closed),
# and every wait has a timeout.
POOL_TAMANHO = 4            # connections per process and database (the pages run at most this many queries at once)
ESPERA_CONEXAO_S = 10.0     # longest wait for a free connection when every one is busy
CONNECT_TIMEOUT_S = 5       # libpq connect_timeout (its default is to wait forever on an unreachable host)


class PoolEsgotado(psycopg.OperationalError):
    """No connection came free within ESPERA_CONEXAO_S (a database error like any other for the pages)."""


class _Pool:
    """At most `tamanho` connections to one database; idle ones are reused, most recent first."""

    def __init__(self, tamanho: int):
        self._livres: list[psycopg.Connection] = []
        self._vagas = threading.BoundedSemaphore(tamanho)
        self._lock = threading.Lock()
        self.fechado = False

    @contextmanager
    def conexao(self, espera: float = ESPERA_CONEXAO_S):
        if not self._vagas.acquire(timeout=espera):
            raise PoolEsgotado(f"no free dashboard connection after {espera:.0f} s")
        conn = None
        try:
            with self._lock:
                conn = self._livres.pop() if self._livres else None
            if conn is None or conn.closed or conn.broken:
                conn = _abrir()
            yield conn
        finally:
            try:
                if conn is not None:
                    self._devolver(conn)
            finally:
                self._vagas.release()

    def _devolver(self, conn: psycopg.Connection) -> None:
        saudavel = not (conn.closed or conn.broken) and conn.info.transaction_status == TransactionStatus.IDLE
        with self._lock:
            if saudavel and not self.fechado:
                self._livres.append(conn)
                return
        _fechar(conn)

    def descartar_livres(self) -> None:
        """Close the idle connections (after one was found broken: the server restarted, they all are)."""
        with self._lock:
            livres, self._livres = self._livres, []
        for conn in livres:
            _fechar(conn)

    def fechar(self) -> None:
        """Close the idle connections now; the borrowed ones are closed when they come back."""
        self.fechado = True
        self.descartar_livres()


def _abrir() -> psycopg.Connection:
    conn = db.connect("dw", "bi", autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    try:
        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        conn.execute(f"SET statement_timeout = {int(STATEMENT_TIMEOUT_MS)}")
    except BaseException:
        _fechar(conn)
        raise
    # numeric columns arrive as float (what pandas and plotly take): parsed once from the server's
    # text, the same value float(Decimal(text)) gave; exact sums are done in SQL
    conn.adapters.register_loader("numeric", FloatLoader)
    return conn


def _fechar(conn: psycopg.Connection) -> None:
    try:
        conn.close()
    except psycopg.Error:
        pass


_pools: dict[str, _Pool] = {}
_pools_lock = threading.Lock()


def _pool(alvo: str) -> _Pool:
    """The pool of the target database, created on first use. One target at a time: a new one (tests
    switch databases; a server never does) closes the pools of the others."""
    with _pools_lock:
        pool = _pools.get(alvo)
        if pool is not None:
            return pool
        antigos = list(_pools.values())
        _pools.clear()
        pool = _pools[alvo] = _Pool(POOL_TAMANHO)
    for velho in antigos:
        velho.fechar()
    return pool


def _alvo() -> tuple[str, str]:
    """(cache key of the target database, conninfo); the key holds no password."""
    info = db.conninfo("dw", "bi")
    return db.safe_target(info), info


def fechar_conexoes() -> None:
    """Close every pooled connection (tests call it before dropping their database; also at exit)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.fechar()


def _esquecer_pools_no_filho() -> None:
    """After fork: the child must not use, nor close, the parent's sockets (closing would end the
    parent's sessions); it starts with no pool and opens its own connections."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


os.register_at_fork(after_in_child=_esquecer_pools_no_filho)
atexit.register(fechar_conexoes)


def limpar_cache() -> None:
    _consulta.cache_clear()


@lru_cache(maxsize=512)
def _consulta(alvo: str, sql: str, params: tuple, _bucket: int) -> tuple[tuple[str, ...], tuple[tuple, ...]]:
    """Run one query (params: sorted (name, value) pairs) on a pooled connection; raises on failure
    (exceptions are not cached). A connection found broken (the server restarted since it was
    opened) is dropped with the other idle ones and the query runs once more on a new connection:
    the queries only read."""
    valores = {k: list(v) if isinstance(v, tuple) else v for k, v in params}
    pool = _pool(alvo)
    for tentativa in (1, 2):
        with pool.conexao() as conn:
            try:
                # prepare=False: planned with its own values every time (see harness.queries._execute)
                cur = conn.execute(sql, valores, prepare=False)
                cols = tuple(c.name for c in cur.description or ())
                return cols, tuple(cur.fetchall())
            except psycopg.OperationalError:
                if not conn.broken or tentativa == 2:
                    raise
        pool.descartar_livres()
    raise AssertionError("unreachable")


def _congelar(value):
    """Parameters must be hashable for the cache: lists become tuples (psycopg adapts them back)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _balde_do_cache() -> int:
    """The time bucket of the cache key: results expire when the clock enters the next
    CACHE_SECONDS window (a fixed window, so two calls may straddle its edge and both query)."""
    return int(time.time() // CACHE_SECONDS)


def _linhas(sql: str, params: dict | None = None) -> pd.DataFrame | Indisponivel:
    """Run a query through the cache; a data frame, or Indisponivel when the database fails."""
    chave = tuple(sorted((k, _congelar(v)) for k, v in (params or {}).items()))
    try:
        alvo, _ = _alvo()
        cols, rows = _consulta(alvo, sql, chave, _balde_do_cache())
    except (HarnessError, psycopg.Error) as err:
        log.warning("dashboard query failed: %s: %s", type(err).__name__, str(err).splitlines()[0] if str(err) else "")
        return Indisponivel()
    return pd.DataFrame.from_records(list(rows), columns=list(cols))  # numeric columns are float (see _abrir)


# ------------------------------------------------------------------ a page's queries side by side
PARALELO = POOL_TAMANHO
PRAZO_S = STATEMENT_TIMEOUT_MS / 1000 + ESPERA_CONEXAO_S + CONNECT_TIMEOUT_S + 5  # never wait longer


def em_paralelo(*chamadas):
    """Run zero-argument callables side by side; their results in the same order.

    The queries of a page are independent, and psycopg releases the GIL while it waits for the
    server. The threads are started for this call and end with it (at most PARALELO, taking the
    calls in turn): nothing outlives the call, so nothing can be left behind by a fork or by a test
    runner that kills the threads it did not start. Each call already turns a database failure into
    Indisponivel; any other exception is raised here, as it would have been one after another. A
    call still running after PRAZO_S gives Indisponivel (its thread ends with its statement timeout)."""
    if len(chamadas) < 2:
        return [c() for c in chamadas]
    resultados: list = [None] * len(chamadas)
    feitos = [False] * len(chamadas)
    pendentes = list(range(len(chamadas)))
    lock = threading.Lock()

    def trabalhar():
        while True:
            with lock:
                if not pendentes:
                    return
                i = pendentes.pop(0)
            try:
                resultados[i] = (True, chamadas[i]())
            except Exception as err:  # noqa: BLE001  (re-raised in the caller's thread below)
                resultados[i] = (False, err)
            feitos[i] = True

    threads = [threading.Thread(target=trabalhar, name=f"painel-consulta-{n}", daemon=True)
               for n in range(min(PARALELO, len(chamadas)))]
    for t in threads:
        t.start()
    prazo = time.monotonic() + PRAZO_S
    for t in threads:
        t.join(max(0.0, prazo - time.monotonic()))
    saida = []
    for i, pronto in enumerate(feitos):
        if not pronto:  # still running past the deadline, or its thread was killed
            log.warning("dashboard query %d of %d did not finish in %.0f s", i + 1, len(chamadas), PRAZO_S)
            saida.append(Indisponivel())
            continue
        ok, valor = resultados[i]
        if not ok:
            raise valor
        saida.append(valor)
    return saida


def _arr(valores: tuple[str, ...]) -> list[str] | None:
    """A filter list as a query parameter: None means 'no filter' (`%s IS NULL OR col = ANY(%s)`)."""
    return sorted(set(valores)) if valores else None  # normalized: the same combination, the same cache key


def _sk(dia: date | None) -> int | None:
    """dim_data.data_sk of a day (yyyymmdd): lets a period reach fact_vendas' data_sk index."""
    return None if dia is None else dia.year * 10000 + dia.month * 100 + dia.day


def _params(f: Filtros) -> dict:
    return {"de": f.de, "ate": f.ate, "de_sk": _sk(f.de), "ate_sk": _sk(f.ate),
            **{d: _arr(getattr(f, d)) for d in DIMENSOES}}


def _fino(f: Filtros) -> bool:
    """A filter on category, team or seller: order counts cannot come from the day x region tables
    (an order can span categories, teams and sellers), and the sums need the full-grain aggregates."""
    return bool(f.categoria or f.equipe or f.vendedor)


def _um_vendedor(f: Filtros) -> bool:
    """One seller and no category filter: the seller sources' `pedidos` (V041: each order counted once
    per seller) is then exactly the number of distinct orders, whatever the region/team filters (an
    order has one day, one customer region, and its seller one team that day). It reads a few rows per
    month whatever the seller's volume; the lines (mart.vendas_linhas) grow with it (20-80 ms for one
    seller over three years at scale 1, either way; the line view took ~200 ms)."""
    return len(set(f.vendedor)) == 1 and not f.categoria


# the same filter for every sales source (each exposes data, regiao_id, categoria, equipe_id, vendedor_id)
_FILTRO = """
    data BETWEEN %(de)s AND %(ate)s
    AND (%(regiao)s::text[] IS NULL OR regiao_id = ANY(%(regiao)s::text[]))
    AND (%(categoria)s::text[] IS NULL OR categoria = ANY(%(categoria)s::text[]))
    AND (%(equipe)s::text[] IS NULL OR equipe_id = ANY(%(equipe)s::text[]))
    AND (%(vendedor)s::text[] IS NULL OR vendedor_id = ANY(%(vendedor)s::text[]))"""

# Exact distinct order counts under a category/team/seller filter need the lines: mart.vendas_linhas
# gives vw_vendas' lines and values for the columns used here, with the period on fact_vendas'
# data_sk index and without vw_vendas' as-is-now joins (a GiST probe per line, 12 joins to plan).
_LINHAS = "mart.vendas_linhas(%(de)s, %(ate)s)"

# Pages filtered at most by region read mart.vw_pedidos_diarios (day x region, ~5 rows per day).
_FILTRO_REGIAO = """
    data BETWEEN %(de)s AND %(ate)s
    AND (%(regiao)s::text[] IS NULL OR regiao_id = ANY(%(regiao)s::text[]))"""


_COLUNA = {"regiao": "regiao_id", "categoria": "categoria", "equipe": "equipe_id", "vendedor": "vendedor_id"}
# Sales sources, cheapest first: (FROM, dimensions it can filter and group by, has a `data` per row).
# The period functions read whole months from a monthly roll-up (V042) and only the edge days from
# the daily table; the day x region table holds ~5 rows per day; the daily full-grain view is the
# fallback for a category filter combined with a team/seller one (or a daily trend filtered so).
_FONTES = (
    ("mart.vw_pedidos_diarios", ("regiao",), True),
    ("mart.vendas_periodo_categoria(%(de)s, %(ate)s)", ("regiao", "categoria"), False),
    ("mart.vendas_periodo_vendedor(%(de)s, %(ate)s)", ("regiao", "equipe", "vendedor"), False),
    ("mart.vw_vendas_diarias", DIMENSOES, True),
)


def _fonte(f: Filtros, agrupa: tuple[str, ...] = (), por_dia: bool = False) -> tuple[str, str, str]:
    """(FROM, WHERE, month expression) of the cheapest source that can filter by f and group by
    `agrupa` (and by day when `por_dia`): sums of additive measures only (never order counts)."""
    precisa = set(agrupa) | {d for d in DIMENSOES if getattr(f, d)}
    for fonte, dims, diaria in _FONTES:
        if precisa <= set(dims) and (diaria or not por_dia):
            break
    where = ["data BETWEEN %(de)s AND %(ate)s"] if diaria else ["true"]
    where += [f"(%({d})s::text[] IS NULL OR {_COLUNA[d]} = ANY(%({d})s::text[]))" for d in dims]
    mes = "date_trunc('month', data::timestamp)::date" if diaria else "mes"  # timestamp: immutable, cheap
    return fonte, "\n    AND ".join(where), mes


# ------------------------------------------------------------------ freshness and filter options
def atualizacao() -> dict | Indisponivel:
    """{'dados_ate': date|None, 'ultima_carga_ok': timestamptz|None, 'status_ultima_execucao': str|None}."""
    df = _linhas("SELECT dados_ate, ultima_carga_ok, status_ultima_execucao FROM mart.vw_atualizacao")
    if isinstance(df, Indisponivel):
        return df
    if df.empty:
        return {"dados_ate": None, "ultima_carga_ok": None, "status_ultima_execucao": None}
    row = df.iloc[0]
    return {k: (None if pd.isna(row[k]) else row[k]) for k in df.columns}


def opcoes() -> dict[str, dict[str, str]] | Indisponivel:
    """Known filter values: dimension -> {value: label}, from mart.vw_opcoes_filtro (the dimensions)."""
    df = _linhas("SELECT dimensao, valor, rotulo FROM mart.vw_opcoes_filtro ORDER BY 1, 3")
    if isinstance(df, Indisponivel):
        return df
    out: dict[str, dict[str, str]] = {d: {} for d in DIMENSOES}
    for dim, valor, rotulo in df.itertuples(index=False):
        if valor is not None:
            out[dim].setdefault(valor, rotulo or valor)
    return out


# ------------------------------------------------------------------ sales
def kpis_vendas(f: Filtros) -> dict | Indisponivel:
    """Receita líquida, margem bruta, margem %, pedidos, ticket médio (cancelled lines excluded)."""
    if _um_vendedor(f):  # the seller's distinct orders add up over days, months, regions and its team
        fonte, where, _ = _fonte(f)
        sql = f"""
        SELECT coalesce(sum(valor_total_liquido), 0) AS receita,
               coalesce(sum(margem_bruta), 0) AS margem,
               coalesce(sum(pedidos), 0) AS pedidos
        FROM {fonte} WHERE {where}"""
    elif _fino(f):  # exact distinct orders of the matching lines
        sql = f"""
        SELECT coalesce(sum(valor_total_liquido), 0) AS receita,
               coalesce(sum(valor_total_liquido - custo_total), 0) AS margem,
               count(DISTINCT pedido_id) AS pedidos
        FROM {_LINHAS}
        WHERE NOT eh_cancelado AND {_FILTRO}"""
    else:  # an order has one day and one region: pedidos adds up over days and regions
        sql = f"""
        SELECT coalesce(sum(valor_total_liquido), 0) AS receita,
               coalesce(sum(margem_bruta), 0) AS margem,
               coalesce(sum(pedidos), 0) AS pedidos
        FROM mart.vw_pedidos_diarios
        WHERE {_FILTRO_REGIAO}"""
    df = _linhas(sql, _params(f))
    if isinstance(df, Indisponivel):
        return df
    receita, margem, pedidos = df.iloc[0]["receita"], df.iloc[0]["margem"], int(df.iloc[0]["pedidos"])
    return {"receita": receita, "margem": margem,
            "margem_pct": (margem / receita * 100) if receita else None,
            "pedidos": pedidos, "ticket": (receita / pedidos) if pedidos else None}


def serie_vendas(f: Filtros, grao: str) -> pd.DataFrame | Indisponivel:
    """Revenue and margin per day or month ('dia' | 'mes') from the cheapest aggregate (see _fonte)."""
    if grao not in ("dia", "mes"):
        raise ValueError(grao)
    fonte, where, mes = _fonte(f, por_dia=(grao == "dia"))
    periodo = "data" if grao == "dia" else mes
    sql = f"""
        SELECT {periodo} AS periodo, sum(valor_total_liquido) AS receita, sum(margem_bruta) AS margem
        FROM {fonte} WHERE {where}
        GROUP BY 1 ORDER BY 1"""
    return _linhas(sql, _params(f))


_QUEBRAS = {"regiao": ("regiao_id", "regiao_nome"), "categoria": ("categoria", "categoria"),
            "equipe": ("equipe_id", "equipe_nome"), "vendedor": ("vendedor_id", "vendedor_nome")}


def quebra_vendas(f: Filtros, dimensao: str) -> pd.DataFrame | Indisponivel:
    """Revenue, margin and margin % by one dimension (regiao | categoria | equipe | vendedor)."""
    chave, nome = _QUEBRAS[dimensao]  # KeyError for anything else: never a column name from outside
    fonte, filtro, _ = _fonte(f, (dimensao,))
    return _linhas(f"""
        SELECT {chave} AS chave, min({nome}) AS nome, sum(valor_total_liquido) AS receita,
               sum(margem_bruta) AS margem, sum(quantidade_vendida) AS quantidade
        FROM {fonte} WHERE {filtro}
        GROUP BY 1 ORDER BY receita DESC""", _params(f))


# ------------------------------------------------------------------ goals
def metas(mes: date, f: Filtros) -> pd.DataFrame | Indisponivel:
    """Goal vs actual per seller for one month (category does not apply: goals are per seller)."""
    return _linhas("""
        SELECT vendedor_id, vendedor_nome, equipe_id, equipe_nome, regiao_id, regiao_nome,
               valor_meta, valor_realizado, atingimento_pct AS pct_atingimento
        FROM mart.vw_metas_atingimento
        WHERE mes = %(mes)s
          AND (%(regiao)s::text[] IS NULL OR regiao_id = ANY(%(regiao)s::text[]))
          AND (%(equipe)s::text[] IS NULL OR equipe_id = ANY(%(equipe)s::text[]))
          AND (%(vendedor)s::text[] IS NULL OR vendedor_id = ANY(%(vendedor)s::text[]))
        ORDER BY atingimento_pct DESC NULLS LAST, vendedor_nome""",
                   {"mes": mes.replace(day=1), "regiao": _arr(f.regiao), "equipe": _arr(f.equipe),
                    "vendedor": _arr(f.vendedor)})


# ------------------------------------------------------------------ discounts
def resumo_descontos(f: Filtros) -> pd.DataFrame | Indisponivel:
    """Revenue, margin and orders of lines with and without a discount (cancelled excluded)."""
    if _fino(f):
        return _linhas(f"""
        SELECT (valor_desconto > 0) AS com_desconto,
               sum(valor_total_liquido) AS receita, sum(valor_total_liquido - custo_total) AS margem,
               sum(valor_bruto) AS valor_bruto, sum(valor_desconto) AS desconto,
               count(DISTINCT pedido_id) AS pedidos
        FROM {_LINHAS}
        WHERE NOT eh_cancelado AND {_FILTRO}
        GROUP BY 1 ORDER BY 1 DESC""", _params(f))
    # day x region: pedidos_com/sem_desconto count orders with at least one line with/without a
    # discount (exact, additive over days and regions); a side with no line gives no row, as above
    return _linhas(f"""
        WITH t AS (
            SELECT sum(receita_com_desconto) AS rc, sum(custo_com_desconto) AS cc,
                   sum(valor_bruto_com_desconto) AS bc, sum(valor_desconto_com_desconto) AS dc,
                   sum(pedidos_com_desconto) AS pc,
                   sum(valor_total_liquido) AS r, sum(custo_total) AS c, sum(valor_bruto) AS b,
                   sum(valor_desconto) AS d, sum(pedidos_sem_desconto) AS ps
            FROM mart.vw_pedidos_diarios WHERE {_FILTRO_REGIAO}
        )
        SELECT true AS com_desconto, rc AS receita, rc - cc AS margem, bc AS valor_bruto, dc AS desconto,
               pc AS pedidos
        FROM t WHERE pc > 0
        UNION ALL
        SELECT false, r - rc, (r - c) - (rc - cc), b - bc, d - dc, ps
        FROM t WHERE ps > 0
        ORDER BY 1 DESC""", _params(f))


def campanhas(f: Filtros) -> pd.DataFrame | Indisponivel:
    """Per campaign and coupon: uses (orders), discount applied, revenue with discount, margin, ROI.

    mart.vw_descontos_campanhas is monthly and cannot take the filters: with at most a region
    filter this reads mart.vw_descontos_diarios (day x region x coupon), with a category/team/seller
    filter the lines (mart.vendas_linhas); same definitions as the catalog's desconto_aplicado
    (valor_desconto of discounted lines) and roi_desconto."""
    if _fino(f):
        return _linhas(f"""
        SELECT campanha, cupom, count(DISTINCT pedido_id) AS usos,
               sum(valor_desconto) AS desconto, sum(valor_total_liquido) AS receita,
               sum(valor_total_liquido - custo_total) AS margem,
               sum(valor_total_liquido) / nullif(sum(valor_desconto), 0) AS roi
        FROM {_LINHAS}
        WHERE NOT eh_cancelado AND valor_desconto > 0 AND {_FILTRO}
        GROUP BY 1, 2 ORDER BY receita DESC""", _params(f))
    # day x region x coupon: an order has one coupon, so its orders add up over days and regions
    return _linhas(f"""
        SELECT campanha, cupom, sum(pedidos) AS usos,
               sum(valor_desconto) AS desconto, sum(valor_total_liquido) AS receita,
               sum(margem_bruta) AS margem,
               sum(valor_total_liquido) / nullif(sum(valor_desconto), 0) AS roi
        FROM mart.vw_descontos_diarios
        WHERE {_FILTRO_REGIAO}
        GROUP BY 1, 2 ORDER BY receita DESC""", _params(f))


# ------------------------------------------------------------------ ETL monitor
def execucoes(limite: int = 20) -> pd.DataFrame | Indisponivel:
    """The latest runs with status, duration, totals over entities and their failed quality checks."""
    runs = _linhas("""
        SELECT run_id, comando, gatilho, status, data_negocio, iniciado_em, terminado_em, duracao_s,
               etapa_falha, erro, coalesce(sum(linhas_lidas), 0) AS linhas_lidas,
               coalesce(sum(linhas_rejeitadas), 0) AS linhas_rejeitadas
        FROM mart.vw_monitor_etl
        GROUP BY run_id, comando, gatilho, status, data_negocio, iniciado_em, terminado_em, duracao_s,
                 etapa_falha, erro
        ORDER BY iniciado_em DESC, run_id DESC LIMIT %(limite)s""", {"limite": int(limite)})
    if isinstance(runs, Indisponivel) or runs.empty:
        return runs
    checks = _linhas("""
        SELECT run_id, count(*) AS verificacoes_reprovadas,
               array_agg(verificacao ORDER BY verificacao) AS verificacoes,
               array_agg(severidade ORDER BY verificacao) AS severidades
        FROM mart.vw_verificacoes_qualidade
        WHERE status <> 'pass' AND run_id = ANY(%(runs)s::bigint[])
        GROUP BY run_id""", {"runs": [int(r) for r in runs["run_id"]]})
    if isinstance(checks, Indisponivel):
        return checks
    from dashboards import catalogos  # human labels from the check catalog, never raw names

    checks["verificacoes_reprovadas_nomes"] = [
        "; ".join(f"{catalogos.rotulo_verificacao(n)} ({catalogos.SEVERIDADE.get(g, g)})" for n, g in zip(ns, gs))
        for ns, gs in zip(checks["verificacoes"], checks["severidades"])]
    checks = checks.drop(columns=["verificacoes", "severidades"])
    out = runs.merge(checks, on="run_id", how="left")
    out["verificacoes_reprovadas"] = out["verificacoes_reprovadas"].fillna(0).astype(int)
    out["verificacoes_reprovadas_nomes"] = out["verificacoes_reprovadas_nomes"].fillna("")
    return out


def entidades_execucao(run_id: int) -> pd.DataFrame | Indisponivel:
    """Rows per entity of one run."""
    return _linhas("""
        SELECT entidade, linhas_lidas, linhas_inseridas, linhas_atualizadas, linhas_excluidas,
               linhas_inalteradas, linhas_rejeitadas, entidade_duracao_s
        FROM mart.vw_monitor_etl WHERE run_id = %(run_id)s AND entidade IS NOT NULL
        ORDER BY entidade""", {"run_id": int(run_id)})


def rejeicoes_abertas() -> pd.DataFrame | Indisponivel:
    """Open rejects by entity and rule (source rows the screens keep out until fixed), largest first."""
    return _linhas("""
        SELECT entidade, regra, linhas, primeira_em, ultima_em
        FROM mart.vw_rejeicoes_abertas
        ORDER BY linhas DESC, entidade, regra""")


# ------------------------------------------------------------------ metric catalog (a file, not the database)
@lru_cache(maxsize=2)
def _catalogo_lido(_mtime_ns: int):
    """The parsed and validated catalog, read again only when the file changes (keyed by its mtime)."""
    from harness import metrics

    return metrics.load_catalog()


def catalogo() -> list[dict] | Indisponivel:
    """The KPI catalog (metrics/catalog.yaml through harness.metrics.load_catalog), as plain dicts
    with Portuguese keys for the Dicionário page."""
    try:
        from harness import metrics

        cat = _catalogo_lido(metrics.catalog_path().stat().st_mtime_ns)
    except (HarnessError, OSError, ValueError) as err:
        log.warning("metric catalog unreadable: %s", err)
        return Indisponivel("O dicionário de métricas não pôde ser lido.")
    return [{"id": m.name, "nome": m.label, "definicao": m.description, "formula": m.formula,
             "sql": m.sql, "unidade": m.unit, "fonte": m.source, "grao": m.grain,
             "filtros": ", ".join(m.filters), "responsavel": m.owner} for m in cat.metrics]


# ------------------------------------------------------------------ returns
def devolucoes(f: Filtros) -> dict | Indisponivel:
    """Items sold and returned in the period (non-cancelled lines; the catalog's taxa_devolucao)."""
    fonte, where, _ = _fonte(f)
    df = _linhas(f"""
        SELECT coalesce(sum(quantidade_vendida), 0) AS vendidos, coalesce(sum(quantidade_devolvida), 0) AS devolvidos
        FROM {fonte} WHERE {where}""", _params(f))
    if isinstance(df, Indisponivel):
        return df
    vendidos, devolvidos = float(df.iloc[0]["vendidos"]), float(df.iloc[0]["devolvidos"])
    return {"vendidos": vendidos, "devolvidos": devolvidos,
            "taxa_pct": devolvidos / vendidos * 100 if vendidos else None}


# ------------------------------------------------------------------ goals: which month
def mes_metas_padrao(ate: date | None = None) -> date | None | Indisponivel:
    """The Metas page's default month: the latest month with goals up to `ate`'s month (the latest
    data), else the latest month with goals at all; None when there is no goal."""
    df = _linhas("""
        SELECT coalesce(max(mes) FILTER (WHERE %(ate)s::date IS NULL OR mes <= %(ate)s::date), max(mes)) AS mes
        FROM mart.vw_metas_atingimento""", {"ate": ate})
    if isinstance(df, Indisponivel):
        return df
    mes = df.iloc[0]["mes"]
    return None if mes is None or pd.isna(mes) else mes


# ------------------------------------------------------------------ confidence of the data
def alertas_abertos() -> dict | Indisponivel:
    """What the confidence banner says is open: the quality checks that did not pass in the latest run
    that ran them (name, severity, rows), and the rows the latest load rejected.

    The single place the pages read open warnings from. Rejects are the latest run's rejected-row
    count (mart.vw_monitor_etl): when the mart exposes the open rejects themselves (audit.rejected_rows
    deduplicated), read that here and every page's banner follows."""
    checks = _linhas("""
        SELECT verificacao, severidade, status, linhas_com_problema, mensagem
        FROM mart.vw_verificacoes_qualidade
        WHERE run_id = (SELECT max(run_id) FROM mart.vw_verificacoes_qualidade) AND status <> 'pass'
        ORDER BY severidade, verificacao""")
    rejeitadas = _linhas("""
        SELECT run_id, coalesce(sum(linhas_rejeitadas), 0) AS linhas
        FROM mart.vw_monitor_etl
        WHERE run_id = (SELECT max(run_id) FROM mart.vw_monitor_etl WHERE entidade IS NOT NULL)
        GROUP BY run_id""")
    for r in (checks, rejeitadas):
        if isinstance(r, Indisponivel):
            return r
    return {"verificacoes": checks.to_dict("records"),
            "rejeitadas": int(rejeitadas.iloc[0]["linhas"]) if not rejeitadas.empty else 0,
            "run_rejeicoes": int(rejeitadas.iloc[0]["run_id"]) if not rejeitadas.empty else None}


# ------------------------------------------------------------------ drill-through: the lines behind a number
MAX_LINHAS_DETALHE = 20000
_DETALHE_COLUNAS = {  # what a click may narrow by -> column of mart.vw_vendas (never a name from outside)
    "regiao": "regiao_id", "categoria": "categoria", "equipe": "equipe_id", "vendedor": "vendedor_id",
    "cupom": "cupom",
}


def linhas_detalhe(f: Filtros, recorte: dict | None = None) -> pd.DataFrame | Indisponivel:
    """The non-cancelled order lines behind a number of the pages: the period and filters of `f`,
    narrowed by `recorte` ({'regiao'|'categoria'|'equipe'|'vendedor'|'cupom': value,
    'com_desconto': bool}); at most MAX_LINHAS_DETALHE + 1 lines (the caller says when cut).
    Read from mart.vw_vendas (period on its data_sk, which reaches fact_vendas' index)."""
    recorte = recorte or {}
    params = {**_params(f), "limite": MAX_LINHAS_DETALHE + 1}
    extra = []
    for chave, valor in recorte.items():
        if chave in _DETALHE_COLUNAS:
            extra.append(f"AND {_DETALHE_COLUNAS[chave]} = %(r_{chave})s")
            params[f"r_{chave}"] = str(valor)
        elif chave == "com_desconto":
            extra.append("AND (valor_desconto > 0) = %(r_com_desconto)s")
            params["r_com_desconto"] = bool(valor)
        else:
            raise KeyError(chave)
    return _linhas(f"""
        SELECT pedido_id, item_pedido_id, data, regiao_nome, vendedor_nome, equipe_nome, produto_nome, categoria,
               cupom, quantidade_vendida, quantidade_devolvida, valor_bruto, valor_desconto,
               valor_total_liquido, custo_total, valor_total_liquido - custo_total AS margem_bruta
        FROM mart.vw_vendas
        WHERE NOT eh_cancelado
          AND data_sk BETWEEN %(de_sk)s AND %(ate_sk)s AND {_FILTRO}
          {' '.join(extra)}
        ORDER BY data, pedido_id, item_pedido_id
        LIMIT %(limite)s""", params)


def linhas_meta_vendedor(vendedor_id: str, mes: date) -> pd.DataFrame | Indisponivel:
    """The lines behind a seller's realised goal: every non-cancelled line of the seller in the month,
    whatever the region, category or team (mart.vw_metas_atingimento.valor_realizado)."""
    inicio = mes.replace(day=1)
    fim = (inicio + pd.offsets.MonthEnd(0)).date()
    return linhas_detalhe(Filtros(de=inicio, ate=fim, vendedor=(vendedor_id,)))


# ------------------------------------------------------------------ KPI anomalies
_ANOMALIAS = """
    SELECT data, nome_dia_semana, escopo, regiao_id, escopo_nome, kpi, kpi_rotulo, observado, esperado,
           variacao_pct, esperada, motivo_esperado, alertada_em
    FROM mart.vw_anomalias_kpi
    WHERE data BETWEEN %(de)s AND %(ate)s
      AND (%(escopo)s::text IS NULL OR escopo = %(escopo)s::text)
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
    ORDER BY data DESC, escopo <> 'loja', escopo_nome, kpi"""


def anomalias(de: date, ate: date) -> pd.DataFrame | Indisponivel:
    """Every KPI anomaly (whole shop and regions) between two days, newest first (Monitor page)."""
    return _linhas(_ANOMALIAS, {"de": de, "ate": ate, "escopo": None, "regiao": None})


def anomalias_tendencia(f: Filtros) -> pd.DataFrame | Indisponivel | None:
    """The anomalies of the series the Vendas trend draws: the whole shop's without filters, one region's
    with exactly that region; None when the trend is of something anomalies are not computed for (several
    regions, a category, team or seller)."""
    if _fino(f) or len(set(f.regiao)) > 1:
        return None
    regiao = f.regiao[0] if f.regiao else None
    return _linhas(_ANOMALIAS, {"de": f.de, "ate": f.ate, "escopo": "regiao" if regiao else "loja", "regiao": regiao})
