"""Vendas e Margem: KPI cards vs the previous period, trend by day/month, breakdowns."""

from __future__ import annotations

import logging

import dash
from dash import Input, Output, dcc, html, no_update

from dashboards import contexto, figures, formatting as fmt, queries, ui

dash.register_page(__name__, path="/", name="Vendas e Margem", title="Vendas e Margem")
log = logging.getLogger(__name__)

KPIS = [("receita", "Receita líquida", "receita_liquida", fmt.moeda),
        ("margem", "Margem bruta", "margem_bruta", fmt.moeda),
        ("margem_pct", "Margem %", "margem_percentual", fmt.percentual),
        ("pedidos", "Pedidos", "pedidos", fmt.numero),
        ("ticket", "Ticket médio", "ticket_medio", fmt.moeda)]
QUEBRAS = [("regiao", "Por região"), ("categoria", "Por categoria"), ("equipe", "Por equipe")]


def layout(**_query):
    return html.Div([
        ui.cabecalho("vendas", "Vendas e Margem", "Receita líquida, margem e pedidos no período, "
                     "comparados ao período anterior de mesma duração."),
        ui.aviso("vendas"),
        html.Div(id="vendas-periodo", className="subtitulo"),
        html.Div([ui.kpi_card(f"vendas-kpi-{k}", rotulo, metrica) for k, rotulo, metrica, _ in KPIS],
                 className="kpis"),
        html.Div(className="cartao", children=[
            html.Div(style={"display": "flex", "justifyContent": "space-between"}, children=[
                html.H2("Tendência"),
                dcc.RadioItems(id="vendas-grao", value="dia", inline=True,
                               options=[{"label": " por dia ", "value": "dia"}, {"label": " por mês", "value": "mes"}]),
            ]),
            ui.grafico("vendas-grafico-tendencia", 300),
        ]),
        html.Div(className="linha", children=[
            html.Div(className="cartao", children=[html.H2(titulo), ui.grafico(f"vendas-grafico-{d}", 280)])
            for d, titulo in QUEBRAS
        ]),
        html.Div(className="cartao", style={"marginTop": "12px"}, children=[
            html.H2("Por vendedor"),
            ui.grade("vendas-tabela", [
                {"field": "nome", "headerName": "Vendedor"},
                ui.col_moeda("receita", "Receita líquida", sort="desc"),
                ui.col_moeda("margem", "Margem bruta"),
                ui.col_pct("margem_pct", "Margem %"),
                ui.col_num("quantidade", "Itens vendidos"),
            ], "vendas_por_vendedor.csv", 300),
        ]),
    ])


def atualizar(search, grao="dia"):
    """URL filters -> every output of the page. Never raises: errors become a message on the page."""
    def saida_vazia(ctx_, msg):  # the blank figure only when needed (~15 ms)
        vazio = figures.vazio("")
        return (ctx_, ui.mensagem(msg), "", *([fmt.VAZIO] * 5), *([""] * 5),
                *(["kpi-var neutro"] * 5), vazio, vazio, vazio, vazio, [])
    try:
        c = contexto.preparar(search)
        if c.erro:
            return saida_vazia(c.atualizado, c.erro)
        f = c.filtros
        grao_ok = grao if grao in ("dia", "mes") else "dia"
        # side by side, the costliest first (with a fine filter the KPI cards count orders over the lines)
        atual, anterior, serie, vendedores, *por_quebra = queries.em_paralelo(
            lambda: queries.kpis_vendas(f), lambda: queries.kpis_vendas(f.periodo_anterior()),
            lambda: queries.serie_vendas(f, grao_ok), lambda: queries.quebra_vendas(f, "vendedor"),
            *(lambda d=d: queries.quebra_vendas(f, d) for d, _ in QUEBRAS))
        quebras = dict(zip((d for d, _ in QUEBRAS), por_quebra))
        resultados = [atual, anterior, serie, vendedores, *quebras.values()]
        falha = next((r for r in resultados if isinstance(r, queries.Indisponivel)), None)
        if falha:
            return saida_vazia(c.atualizado, falha.mensagem)
        aviso = None if atual["pedidos"] else ui.mensagem(
            "Nenhuma venda no período e filtros escolhidos.", "info")
        valores = [fn(atual[k]) for k, _, _, fn in KPIS]
        variacoes = [ui.variacao(atual[k], anterior[k]) for k, _, _, _ in KPIS]
        tabela = vendedores.assign(margem_pct=(vendedores["margem"] / vendedores["receita"] * 100).round(2)) \
            .to_dict("records") if not vendedores.empty else []
        return (c.atualizado, aviso,
                f"Período: {contexto.descricao_periodo(f)} · comparado a {contexto.descricao_periodo(f.periodo_anterior())}",
                *valores, *(v[0] for v in variacoes), *(v[1] for v in variacoes),
                figures.com_anomalias(figures.tendencia(serie, grao), serie,
                                      queries.anomalias_tendencia(f) if grao_ok == "dia" else None),
                *(figures.barras(quebras[d]) for d, _ in QUEBRAS), tabela)
    except Exception:  # last resort: a message, never a stack trace in the page
        log.exception("vendas: callback failed")
        return saida_vazia(no_update, "Não foi possível montar a página. Tente novamente.")


dash.callback(
    Output("vendas-atualizado", "children"), Output("vendas-aviso", "children"), Output("vendas-periodo", "children"),
    *[Output(f"vendas-kpi-{k}", "children") for k, *_ in KPIS],
    *[Output(f"vendas-kpi-{k}-var", "children") for k, *_ in KPIS],
    *[Output(f"vendas-kpi-{k}-var", "className") for k, *_ in KPIS],
    Output("vendas-grafico-tendencia", "figure"),
    *[Output(f"vendas-grafico-{d}", "figure") for d, _ in QUEBRAS],
    Output("vendas-tabela", "rowData"),
    Input("url", "search"), Input("vendas-grao", "value"),
)(atualizar)


def exportar(n_clicks):
    return bool(n_clicks)


dash.callback(Output("vendas-tabela", "exportDataAsCsv"), Input("vendas-tabela-csv", "n_clicks"),
              prevent_initial_call=True)(exportar)
