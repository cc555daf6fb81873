"""Drill-through: the order lines a click opens add up to the number that was clicked (KPI card, trend
point, region / category / team / coupon bar, a seller's goal), they are exactly the known data set's
lines, and their CSV export carries numbers as numbers (';', decimal comma)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

pytest.importorskip("dash")

from dashboards import drill, formatting as fmt, queries  # noqa: E402
from dashboards.app import app  # noqa: E402,F401  (registers the pages)
from dashboards.pages import descontos, metas, vendas  # noqa: E402
from tests import dashdata as d  # noqa: E402
from tests.dash_helpers import carregar  # noqa: E402

PERIODO = "?de=2024-10-01&ate=2024-11-20"


@pytest.fixture(scope="module")
def dw(template_dbs):
    """One loaded copy of the warehouse for the module (the tests only read)."""
    import os

    from psycopg import sql

    from harness import db

    nome = f"{template_dbs[0]}_drill"
    with db.connect("postgres", "admin", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER dw_owner").format(
            sql.Identifier(nome), sql.Identifier(template_dbs[0])))
    antes = os.environ["HARNESS_DW_DB"]
    os.environ["HARNESS_DW_DB"] = nome
    queries.fechar_conexoes()
    carregar()
    try:
        yield nome
    finally:
        queries.fechar_conexoes()
        queries.limpar_cache()
        os.environ["HARNESS_DW_DB"] = antes
        with db.connect("postgres", "admin", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(nome)))


def _saida(pagina, search):
    return dict(zip(pagina.SAIDAS, pagina.atualizar(search), strict=True))


def _clique(fig, rotulo=None, indice=None):
    """What Dash sends as clickData for a bar (by its y label) or a point (by index)."""
    serie = fig["data"][0]
    i = list(serie["y"]).index(rotulo) if rotulo is not None else indice
    ponto = {"customdata": serie["customdata"][i], "y": serie["y"][i]}
    return {"points": [ponto]}


def _abrir(recorte):
    estilo, titulo, resumo, linhas, guardado = drill.abrir(recorte)
    assert estilo == {"display": "block"} and guardado == recorte
    return titulo, resumo, linhas


def _soma(linhas, campo="valor_total_liquido"):
    return sum(Decimal(str(r[campo])) for r in linhas)


def test_kpi_cards_open_the_lines_that_make_them(dw):
    saida = _saida(vendas, PERIODO)
    titulo, resumo, linhas = _abrir(drill.recorte_do_clique(PERIODO, "kpi", None))
    esperadas = d.vendas_no_periodo(date(2024, 10, 1), date(2024, 11, 20))
    assert sorted(r["item_pedido_id"] for r in linhas) == sorted(x.item for x in esperadas)
    assert fmt.moeda(_soma(linhas)) == saida["kpi_receita"]
    assert fmt.moeda(_soma(linhas, "margem_bruta")) == saida["kpi_margem"]
    assert fmt.numero(len({r["pedido_id"] for r in linhas})) == saida["kpi_pedidos"]
    assert f"receita líquida {saida['kpi_receita']}" in resumo and titulo == "Pedidos de 01/10/2024 a 20/11/2024"
    # every column a manager needs, read from the mart
    assert {"pedido_id", "data", "vendedor_nome", "produto_nome", "quantidade_vendida", "valor_bruto",
            "valor_desconto", "valor_total_liquido", "margem_bruta"} <= set(linhas[0])


@pytest.mark.parametrize("grao", ["dia", "mes"])
def test_a_trend_point_opens_its_day_or_month(dw, grao):
    search = PERIODO + ("&grao=mes" if grao == "mes" else "")
    fig = _saida(vendas, search)["tendencia"]
    i = 5 if grao == "dia" else 1  # 6 October / November (up to the 20th)
    titulo, _, linhas = _abrir(drill.recorte_do_clique(search, grao, _clique(fig, indice=i)))
    assert _soma(linhas) == pytest.approx(Decimal(str(fig["data"][0]["y"][i])))
    de, ate = (date(2024, 10, 6), date(2024, 10, 6)) if grao == "dia" else (date(2024, 11, 1), date(2024, 11, 20))
    assert _soma(linhas) == sum(x.liquido for x in d.vendas_no_periodo(de, ate))
    assert ("06/10/2024" in titulo) if grao == "dia" else ("novembro de 2024" in titulo)


@pytest.mark.parametrize("dimensao, rotulo, filtro", [
    ("regiao", "Sul", {"regiao": ["S"]}), ("categoria", "moveis", {"categoria": ["moveis"]}),
    ("equipe", "Equipe Nordeste", {"equipe": ["T3"]}),
])
def test_a_bar_opens_its_member(dw, dimensao, rotulo, filtro):
    search = PERIODO + "&regiao=SE&regiao=S" if dimensao != "regiao" else PERIODO
    fig = _saida(vendas, search)[f"quebra_{dimensao}"]
    titulo, _, linhas = _abrir(drill.recorte_do_clique(search, "barra", _clique(fig, rotulo), dimensao))
    base = {"regiao": ["SE", "S"]} if dimensao != "regiao" else {}
    esperadas = d.vendas_no_periodo(date(2024, 10, 1), date(2024, 11, 20), **{**base, **filtro})
    assert sorted(r["item_pedido_id"] for r in linhas) == sorted(x.item for x in esperadas)
    barra = fig["data"][0]
    i = list(barra["y"]).index(rotulo)
    assert fmt.moeda(_soma(linhas)) == barra["customdata"][i][1]  # the bar's own value (its hover text)
    assert rotulo in titulo


def test_a_coupon_bar_and_the_discount_cards_open_discounted_lines(dw):
    saida = _saida(descontos, PERIODO)
    _, _, linhas = _abrir(drill.recorte_do_clique(PERIODO, "barra", _clique(saida["roi"], "Black Friday (BF10)"),
                                                  "cupom"))
    bf = [x for x in d.vendas_no_periodo(date(2024, 10, 1), date(2024, 11, 20)) if x.desconto_sk == 1]
    assert sorted(r["item_pedido_id"] for r in linhas) == sorted(x.item for x in bf)
    _, _, com = _abrir({"search": PERIODO, "origem": "com_desconto"})
    assert fmt.moeda(_soma(com, "valor_desconto")) == saida["kpi_desconto"]
    assert fmt.moeda(_soma(com)) == saida["kpi_receita_com"]


def test_a_sellers_goal_bar_and_the_realised_card_open_the_goal_lines(dw):
    saida = _saida(metas, "?ate=2024-11-20")
    fig = saida["grafico_vendedores"]
    ana = next(y for y in fig["data"][0]["y"] if y.startswith("Ana Souza"))
    recorte_ana = drill.recorte_meta(date(2024, 11, 1), [_clique(fig, ana)["points"][0]["customdata"][0]], ana)
    _, _, linhas = _abrir(recorte_ana)
    realizado_ana = next(r["valor_realizado"] for r in saida["tabela"] if r["vendedor_id"] == "V1")
    assert _soma(linhas) == pytest.approx(Decimal(str(realizado_ana)))
    # the whole month of the seller, whatever the region of the customer
    assert _soma(linhas) == sum(x.liquido for x in d.vendas_no_periodo(date(2024, 11, 1), date(2024, 11, 30),
                                                                           vendedor=["V1"]))
    # the Realizado card sums every seller shown
    _, _, todas = _abrir(drill.recorte_meta(date(2024, 11, 1), [r["vendedor_id"] for r in saida["tabela"]], "todos"))
    assert fmt.moeda(_soma(todas)) == saida["kpi_realizado"]


def test_a_click_on_something_else_changes_nothing(dw):
    assert drill.recorte_do_clique(PERIODO, "barra", {"points": [{"customdata": ["x" * 500]}]}, "regiao") is None
    assert drill.recorte_do_clique(PERIODO, "barra", {"points": []}, "regiao") is None
    assert drill.recorte_do_clique(PERIODO, "barra", _clique({"data": [{"y": ["a"], "customdata": [["SE"]]}]}, "a"),
                                   "coluna; DROP TABLE x") is None
    assert drill.abrir(None) == drill.FECHADO
    with pytest.raises(KeyError):
        queries.linhas_detalhe(drill.filters.Filtros(date(2024, 10, 1), date(2024, 10, 2)), {"1=1; --": "x"})


def test_drill_csv_has_numbers_as_numbers(dw):
    recorte = drill.recorte_do_clique(PERIODO, "kpi", None)
    arquivo = drill.exportar(1, recorte)
    assert arquivo["filename"] == "pedidos.csv" and arquivo["content"].startswith("\ufeff")
    linhas = list(csv.DictReader(io.StringIO(arquivo["content"].lstrip("\ufeff")), delimiter=";"))
    total = sum(Decimal(r["Receita líquida"].replace(",", ".")) for r in linhas)
    assert total == sum(x.liquido for x in d.vendas_no_periodo(date(2024, 10, 1), date(2024, 11, 20)))
    assert all("R$" not in r["Receita líquida"] and "." not in r["Receita líquida"] for r in linhas)
    assert linhas[0]["Data"] == "01/10/2024"
