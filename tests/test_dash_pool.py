"""The dashboards' connection pool and side-by-side queries: the same results as one query after
another, a dead database answered at once (no wait, no hang), a pool that recovers when the server
drops its connections (what a restart does), and workers that die or hang never block a page."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

pytest.importorskip("dash")

from dashboards import filters, queries  # noqa: E402
from dashboards.app import app  # noqa: E402,F401  (registers the pages)
from dashboards.pages import descontos, metas, monitor, vendas  # noqa: E402
from harness import db  # noqa: E402
from tests.dash_helpers import carregar  # noqa: E402


@pytest.fixture
def dw(fresh_dbs):
    queries.fechar_conexoes()
    queries.limpar_cache()
    carregar()
    yield fresh_dbs
    queries.fechar_conexoes()
    queries.limpar_cache()


FILTROS = [filters.Filtros(date(2024, 11, 1), date(2024, 11, 20)),
           filters.Filtros(date(2024, 10, 1), date(2024, 11, 20), regiao=("S",)),
           filters.Filtros(date(2024, 10, 1), date(2024, 10, 31), categoria=("informatica",), equipe=("T2",)),
           filters.Filtros(date(2024, 9, 1), date(2024, 11, 20), vendedor=("V1",))]


def _consultas(f):
    return [lambda: queries.kpis_vendas(f), lambda: queries.kpis_vendas(f.periodo_anterior()),
            lambda: queries.serie_vendas(f, "dia"), lambda: queries.serie_vendas(f, "mes"),
            *(lambda d=d: queries.quebra_vendas(f, d) for d in filters.DIMENSOES),
            lambda: queries.resumo_descontos(f), lambda: queries.campanhas(f), lambda: queries.metas(f.ate, f)]


def _igual(a, b):
    if hasattr(a, "equals"):
        return a.equals(b)
    return a == b


@pytest.mark.timeout(120)
def test_queries_side_by_side_give_what_one_after_another_gives(dw):
    for f in FILTROS:
        queries.limpar_cache()
        um_a_um = [c() for c in _consultas(f)]
        queries.limpar_cache()
        lado_a_lado = queries.em_paralelo(*_consultas(f))
        assert not any(isinstance(r, queries.Indisponivel) for r in um_a_um + lado_a_lado)
        assert all(_igual(a, b) for a, b in zip(um_a_um, lado_a_lado)), f
    # the pool never holds more connections than its size
    pool = next(iter(queries._pools.values()))
    assert len(pool._livres) <= queries.POOL_TAMANHO


@pytest.mark.timeout(60)
def test_a_dead_database_gives_the_message_at_once(dw, monkeypatch):
    queries.fechar_conexoes()
    queries.limpar_cache()
    with monkeypatch.context() as m:  # undone before fresh_dbs drops its databases
        m.setenv("WAREHOUSE_URL", "postgresql://bi_reader@127.0.0.1:9/nada?connect_timeout=2")
        t0 = time.monotonic()
        for pagina in (lambda: vendas.atualizar("?de=2024-10-01&ate=2024-11-20&vendedor=V1"),
                       lambda: metas.atualizar(""), lambda: descontos.atualizar(""),
                       lambda: monitor.atualizar("", 2)):
            saida = pagina()
            assert "indisponíveis" in saida[1].children and saida[0] == "dados indisponíveis"
        assert time.monotonic() - t0 < 5, "the pages waited for a database that refuses connections"
    queries.limpar_cache()
    assert vendas.atualizar("")[1] is None  # back: the pool of the live database works


@pytest.mark.timeout(120)
def test_pool_recovers_when_the_server_drops_its_connections(dw):
    antes = vendas.atualizar("?de=2024-10-01&ate=2024-11-20")
    assert antes[1] is None
    pool = next(iter(queries._pools.values()))
    assert pool._livres, "the callback's connections went back to the pool"
    # what a server restart does to every client: its session is terminated (FATAL 57P01)
    with db.connect("dw", "admin", autocommit=True) as admin:
        mortas = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE usename = 'bi_reader' AND datname = current_database()").fetchone()[0]
    assert mortas >= 1
    time.sleep(0.2)
    queries.limpar_cache()
    depois = vendas.atualizar("?de=2024-10-01&ate=2024-11-20")
    assert depois[1] is None, depois[1]          # no "dados indisponíveis": the query ran again on a new connection
    kpis = [i for i, nome in enumerate(vendas.SAIDAS) if nome.startswith(("kpi_", "var_"))]
    assert [depois[i] for i in kpis] == [antes[i] for i in kpis]
    for pagina in (metas.atualizar(""), descontos.atualizar(""), monitor.atualizar("")):
        assert pagina[0].startswith("dados atualizados")


def test_side_by_side_raises_what_a_call_raises():
    def falha():
        raise ValueError("bug")
    with pytest.raises(ValueError):
        queries.em_paralelo(lambda: 1, falha, lambda: 3)
    assert queries.em_paralelo(lambda: 1, lambda: 2, lambda: 3) == [1, 2, 3]
    assert queries.em_paralelo(lambda: 7) == [7]


@pytest.mark.timeout(30)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_killed_or_hung_workers_never_block_a_page(monkeypatch):
    # dash[testing] stops its test server by raising SystemExit in every thread it did not start
    def morto():
        raise SystemExit
    t0 = time.monotonic()
    saida = queries.em_paralelo(morto, lambda: "ok", morto, lambda: "ok2")
    assert isinstance(saida[0], queries.Indisponivel) and isinstance(saida[2], queries.Indisponivel)
    assert saida[1] == "ok" and saida[3] == "ok2" and time.monotonic() - t0 < 2
    # a call that never returns: the page gets Indisponivel at the deadline, not a hang
    monkeypatch.setattr(queries, "PRAZO_S", 0.3)
    preso = threading.Event()
    t0 = time.monotonic()
    saida = queries.em_paralelo(lambda: preso.wait(5), lambda: "ok")
    assert isinstance(saida[0], queries.Indisponivel) and saida[1] == "ok"
    assert time.monotonic() - t0 < 2
    preso.set()
    assert queries.em_paralelo(lambda: 1, lambda: 2) == [1, 2]  # nothing left behind: the next call works


@pytest.mark.timeout(30)
def test_a_full_pool_makes_the_next_borrower_wait_then_give_up(monkeypatch):
    pool = queries._Pool(1)
    monkeypatch.setattr(queries, "_abrir", lambda: _Falsa())
    with pool.conexao() as primeira:
        t0 = time.monotonic()
        with pytest.raises(queries.PoolEsgotado):
            with pool.conexao(espera=0.2):
                pass
        assert 0.15 < time.monotonic() - t0 < 2
    with pool.conexao() as de_novo:  # given back: reused
        assert de_novo is primeira
    pool.fechar()
    assert primeira.closed


class _Falsa:
    """Stands for a psycopg connection in the pool's bookkeeping."""

    closed = False
    broken = False

    class info:  # noqa: N801
        from psycopg.pq import TransactionStatus
        transaction_status = TransactionStatus.IDLE

    def close(self):
        self.closed = True
