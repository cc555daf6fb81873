"""Drill-through: what a click on a chart or a KPI card asks for, and the card that answers it.

A click becomes a `recorte` (JSON-able dict kept in the page's dcc.Store): the period and filters
of the page (its URL) narrowed by what was clicked (a day or month of the trend, a region,
category, team, seller or coupon bar). `abrir` reads the order lines behind it from the mart
(queries.linhas_detalhe, as bi_reader, parameterized) and fills the detail card; their sums are the
number that was clicked (tests/test_dash_drill.py).
"""

from __future__ import annotations

import calendar
from datetime import date

from dash import no_update

from dashboards import contexto, filters, formatting as fmt, queries, ui

FECHADO = ({"display": "none"}, "", "", [], None)
ROTULOS = {"regiao": "região", "categoria": "categoria", "equipe": "equipe", "vendedor": "vendedor", "cupom": "cupom"}


def recorte_do_clique(search, origem: str, clique: dict | None, dimensao: str | None = None) -> dict | None:
    """The recorte of a click: origem 'kpi' (the whole page), 'dia'/'mes' (a trend point, its date in
    customdata), or 'barra' (a bar of `dimensao`, its key in customdata[0])."""
    recorte = {"search": search if isinstance(search, str) else "", "origem": origem}
    if origem == "kpi":
        return recorte
    try:
        ponto = (clique or {}).get("points", [])[0]
    except (IndexError, AttributeError, TypeError):
        return None
    dado = ponto.get("customdata")
    valor = dado[0] if isinstance(dado, list) else dado
    if not isinstance(valor, str) or len(valor) > filters.MAX_VALOR:
        return None
    if origem in ("dia", "mes"):
        try:
            recorte["dia"] = date.fromisoformat(valor[:10]).isoformat()
        except ValueError:
            return None
    elif origem == "barra" and dimensao in ROTULOS:
        recorte["dimensao"], recorte["valor"] = dimensao, valor
        recorte["rotulo"] = str(ponto.get("y") or ponto.get("label") or valor)[:120]
    else:
        return None
    return recorte


def recorte_meta(mes: date, vendedores: list[str], rotulo: str) -> dict:
    """The lines behind goal attainment: every non-cancelled line of these sellers in the month,
    whatever the region, category or team (how mart.vw_metas_atingimento counts valor_realizado)."""
    return {"origem": "meta", "mes": mes.replace(day=1).isoformat(), "vendedores": sorted(set(vendedores))[:2000],
            "rotulo": rotulo[:120]}


def consultar(recorte: dict):
    """(title, filters, the lines' data frame | Indisponivel | error text) of a recorte."""
    if recorte.get("origem") == "meta":
        try:
            inicio = date.fromisoformat(recorte["mes"])
        except (KeyError, TypeError, ValueError):
            return "", None, "Recorte inválido."
        fim = inicio.replace(day=calendar.monthrange(inicio.year, inicio.month)[1])
        vendedores = tuple(str(v)[:filters.MAX_VALOR] for v in recorte.get("vendedores") or [])
        f = filters.Filtros(de=inicio, ate=fim, vendedor=vendedores)
        titulo = f"Pedidos de {fmt.mes_ano(inicio)} · {recorte.get('rotulo') or 'vendedores'}"
        return titulo, f, queries.linhas_detalhe(f) if vendedores else queries.Indisponivel("Nenhum vendedor.")
    c = contexto.preparar(recorte.get("search", ""))
    if c.erro:
        return "", None, c.erro
    f = c.filtros
    titulo = f"Pedidos de {contexto.descricao_periodo(f)}"
    corte = {}
    if recorte.get("origem") in ("dia", "mes"):
        dia = date.fromisoformat(recorte["dia"])
        if recorte["origem"] == "mes":
            de = max(f.de, dia.replace(day=1))
            ate = min(f.ate, dia.replace(day=calendar.monthrange(dia.year, dia.month)[1]))
            titulo = f"Pedidos de {fmt.mes_ano(dia)} ({fmt.data(de)} a {fmt.data(ate)})"
        else:
            de = ate = dia
            titulo = f"Pedidos de {fmt.data(dia)}"
        f = f.com_periodo(de, ate)
    elif recorte.get("origem") == "barra":
        corte = {recorte["dimensao"]: recorte["valor"]}
        titulo += f" · {ROTULOS[recorte['dimensao']]} {recorte.get('rotulo') or recorte['valor']}"
    elif recorte.get("origem") == "com_desconto":
        corte = {"com_desconto": True}
        titulo += " com desconto"
    return titulo, f, queries.linhas_detalhe(f, corte)


def abrir(recorte: dict | None):
    """(style, title, summary, rowData, recorte) of the detail card; closed when recorte is None."""
    if not recorte:
        return FECHADO
    titulo, _f, df = consultar(recorte)
    if isinstance(df, str):
        return {"display": "block"}, "Pedidos", ui.mensagem(df), [], recorte
    if isinstance(df, queries.Indisponivel):
        return {"display": "block"}, titulo, ui.mensagem(df.mensagem), [], recorte
    cortado = len(df) > queries.MAX_LINHAS_DETALHE
    df = df.head(queries.MAX_LINHAS_DETALHE)
    pedidos = df["pedido_id"].nunique()
    resumo = (f"{fmt.numero(len(df))} linhas de {fmt.numero(pedidos)} pedidos (sem cancelados) · receita líquida "
              f"{fmt.moeda(df['valor_total_liquido'].sum())} · margem bruta {fmt.moeda(df['margem_bruta'].sum())} · "
              f"desconto {fmt.moeda(df['valor_desconto'].sum())}")
    if cortado:
        resumo = (f"Mais de {fmt.numero(queries.MAX_LINHAS_DETALHE)} linhas: mostrando as primeiras "
                  f"{fmt.numero(queries.MAX_LINHAS_DETALHE)}; escolha um período ou filtro menor para ver todas. ") + resumo
    return {"display": "block"}, titulo, resumo, df.to_dict("records"), recorte


def exportar(n_cliques, recorte):
    """The detail card's lines as the documented CSV."""
    if not n_cliques or not recorte:
        return no_update
    _titulo, _f, df = consultar(recorte)
    if isinstance(df, (str, queries.Indisponivel)):
        return no_update
    return ui.csv_excel(df.head(queries.MAX_LINHAS_DETALHE), ui.COLUNAS_DETALHE, "pedidos.csv")
