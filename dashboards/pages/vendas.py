"""Vendas e Margem: KPI cards vs the comparison period, trend by day/month, breakdowns, drill-through."""

from __future__ import annotations

import logging

import dash
from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboards import contexto, drill, figures, filters, formatting as fmt, queries, ui

dash.register_page(__name__, path="/", name="Vendas e Margem", title="Vendas e Margem")
log = logging.getLogger(__name__)

# (key, label, catalog metric, format, is a ratio: its change is in percentage points, opens the lines)
KPIS = [("receita", "Receita líquida", "receita_liquida", fmt.moeda, False, True),
        ("margem", "Margem bruta", "margem_bruta", fmt.moeda, False, True),
        ("margem_pct", "Margem %", "margem_percentual", fmt.percentual, True, False),
        ("pedidos", "Pedidos", "pedidos", fmt.numero, False, True),
        ("ticket", "Ticket médio", "ticket_medio", fmt.moeda, False, False),
        ("devolucao", "Taxa de devolução", "taxa_devolucao", fmt.percentual, True, False)]
QUEBRAS = [("regiao", "Por região do cliente"), ("categoria", "Por categoria"), ("equipe", "Por equipe")]
NOTA_REGIAO = ("\"Não informado\": vendas cujo cliente não tem região conhecida (pedido sem cliente, ou cliente "
               "ainda não recebido da loja, completado numa próxima carga). Pode ser escolhido no filtro Região.")
COLUNAS_TABELA = [
    {"field": "nome", "headerName": "Vendedor", "minWidth": 160},
    ui.col_moeda("receita", "Receita líquida", sort="desc", minWidth=130),
    ui.col_moeda("margem", "Margem bruta", minWidth=120),
    ui.col_pct("margem_pct", "Margem %"),
    ui.col_num("quantidade", "Itens vendidos"),
]
# the outputs of `atualizar`, in order (tests read them by name)
SAIDAS = ["atualizado", "aviso", "periodo", "banner", "banner_classe",
          *[f"kpi_{k}" for k, *_ in KPIS], *[f"var_{k}" for k, *_ in KPIS], *[f"classe_{k}" for k, *_ in KPIS],
          "tendencia", *[f"quebra_{d}" for d, _ in QUEBRAS], "tabela", "grao"]


def layout(**_query):
    return html.Div([
        ui.cabecalho("vendas", "Vendas e Margem", "Receita líquida, margem e pedidos no período, comparados ao "
                     "período anterior. Região = região do cliente."),
        ui.banner("vendas"),
        ui.aviso("vendas"),
        html.Div(id="vendas-periodo", className="subtitulo"),
        html.Div([ui.kpi_card(f"vendas-kpi-{k}", rotulo, metrica, clicavel=abre)
                  for k, rotulo, metrica, _, _, abre in KPIS], className="kpis"),
        html.Div(className="cartao", children=[
            html.Div(className="seletor", style={"justifyContent": "space-between"}, children=[
                html.H2("Tendência (clique num ponto para ver os pedidos)"),
                dcc.RadioItems(id="vendas-grao", value="dia", inline=True,
                               options=[{"label": " por dia ", "value": "dia"}, {"label": " por mês", "value": "mes"}]),
            ]),
            ui.grafico("vendas-grafico-tendencia", 300),
        ]),
        html.Div(className="linha", children=[
            html.Div(className="cartao", children=[
                html.H2(titulo), ui.grafico(f"vendas-grafico-{d}", None),
                *([html.P(NOTA_REGIAO, className="nota", id="vendas-nota-regiao")] if d == "regiao" else [])])
            for d, titulo in QUEBRAS
        ]),
        ui.detalhe("vendas"),
        html.Div(className="cartao", style={"marginTop": "12px"}, children=[
            html.H2("Por vendedor"), ui.grade("vendas-tabela", COLUNAS_TABELA, "vendas_por_vendedor.csv", paginas=25),
        ]),
    ])


def atualizar(search, grao=None):
    """URL filters -> every output of the page (SAIDAS). grao: the trend's grain, else the URL's
    (`?grao=mes`). Never raises: errors become a message on the page."""
    grao_ok = grao if grao in ("dia", "mes") else filters.opcao(search, "grao")

    def saida_vazia(c, msg):  # the blank figure only when needed (~15 ms)
        vazio = figures.vazio("")
        banner, classe = (c.banner, c.banner_classe) if c else ([], "banner")
        return (c.atualizado if c else no_update, ui.mensagem(msg), "", banner, classe, *([fmt.VAZIO] * len(KPIS)),
                *([""] * len(KPIS)), *(["kpi-var neutro"] * len(KPIS)), vazio, vazio, vazio, vazio, [], grao_ok)
    c = None
    try:
        c = contexto.preparar(search)
        if c.erro:
            return saida_vazia(c, c.erro)
        f = c.filtros
        ant = f.periodo_anterior()
        # side by side, the costliest first (with a fine filter the KPI cards count orders over the lines)
        atual, anterior, serie, vendedores, dev, dev_ant, *por_quebra = queries.em_paralelo(
            lambda: queries.kpis_vendas(f), lambda: queries.kpis_vendas(ant),
            lambda: queries.serie_vendas(f, grao_ok), lambda: queries.quebra_vendas(f, "vendedor"),
            lambda: queries.devolucoes(f), lambda: queries.devolucoes(ant),
            *(lambda d=d: queries.quebra_vendas(f, d) for d, _ in QUEBRAS))
        quebras = dict(zip((d for d, _ in QUEBRAS), por_quebra))
        resultados = [atual, anterior, serie, vendedores, dev, dev_ant, *quebras.values()]
        falha = next((r for r in resultados if isinstance(r, queries.Indisponivel)), None)
        if falha:
            return saida_vazia(c, falha.mensagem)
        atual = {**atual, "devolucao": dev["taxa_pct"]}
        anterior = {**anterior, "devolucao": dev_ant["taxa_pct"]}
        aviso = None if atual["pedidos"] else ui.mensagem("Nenhuma venda no período e filtros escolhidos.", "info")
        quando = f.descricao_anterior()
        valores = [fn(atual[k]) for k, _, _, fn, _, _ in KPIS]
        variacoes = [ui.variacao(atual[k], anterior[k], quando, razao) for k, _, _, _, razao, _ in KPIS]
        tabela = vendedores.assign(margem_pct=(vendedores["margem"] / vendedores["receita"] * 100).round(2)) \
            .to_dict("records") if not vendedores.empty else []
        periodo = (f"Período: {contexto.descricao_periodo(f)} · comparado a {contexto.descricao_periodo(ant)} · "
                   "região = região do cliente")
        return (c.atualizado, aviso, periodo, c.banner, c.banner_classe,
                *valores, *(v[0] for v in variacoes), *(v[1] for v in variacoes),
                figures.com_anomalias(figures.tendencia(serie, grao_ok), serie,
                                      queries.anomalias_tendencia(f) if grao_ok == "dia" else None),
                *(figures.barras(quebras[d], d) for d, _ in QUEBRAS), tabela, grao_ok)
    except Exception:  # last resort: a message, never a stack trace in the page
        log.exception("vendas: callback failed")
        return saida_vazia(c, "Não foi possível montar a página. Tente novamente.")


dash.callback(
    Output("vendas-atualizado", "children"), Output("vendas-aviso", "children"), Output("vendas-periodo", "children"),
    Output("vendas-banner", "children"), Output("vendas-banner", "className"),
    *[Output(f"vendas-kpi-{k}", "children") for k, *_ in KPIS],
    *[Output(f"vendas-kpi-{k}-var", "children") for k, *_ in KPIS],
    *[Output(f"vendas-kpi-{k}-var", "className") for k, *_ in KPIS],
    Output("vendas-grafico-tendencia", "figure"),
    *[Output(f"vendas-grafico-{d}", "figure") for d, _ in QUEBRAS],
    Output("vendas-tabela", "rowData"), Output("vendas-grao", "value"),
    Input("url", "search"),
)(atualizar)


def grao_na_url(grao, search):
    """The trend's grain goes into the URL (bookmarks, back/forward); the page redraws from the URL.
    (The browser runs the same rule as GRAO_NA_URL_JS, without a round trip to the server.)"""
    novo = filters.com_opcao(search, "grao", grao if grao in ("dia", "mes") else "dia")
    return novo if novo != (search or "") else no_update


GRAO_NA_URL_JS = """function (grao, search) {
    const p = new URLSearchParams(search || "");
    p.delete("grao");
    if (grao === "mes") { p.append("grao", "mes"); }
    const novo = p.toString() ? "?" + p.toString() : "";
    return novo === (search || "") ? window.dash_clientside.no_update : novo;
}"""
dash.clientside_callback(GRAO_NA_URL_JS, Output("url", "search", allow_duplicate=True), Input("vendas-grao", "value"),
                         State("url", "search"), prevent_initial_call=True)


def detalhar(*args):
    """A click on a trend point, a bar or a KPI value -> the order lines behind it; a filter change or
    'Fechar' closes the card."""
    *_cliques, search = args
    gatilho = ctx.triggered_id
    if gatilho in (None, "url", "vendas-detalhe-fechar"):
        return drill.FECHADO
    if isinstance(gatilho, str) and gatilho.startswith("vendas-kpi-"):
        return drill.abrir(drill.recorte_do_clique(search, "kpi", None))
    valores = dict(zip(["tendencia", *[d for d, _ in QUEBRAS]], _cliques[:1 + len(QUEBRAS)]))
    if gatilho == "vendas-grafico-tendencia":
        return drill.abrir(drill.recorte_do_clique(search, filters.opcao(search, "grao"), valores["tendencia"]))
    dimensao = gatilho.removeprefix("vendas-grafico-")
    return drill.abrir(drill.recorte_do_clique(search, "barra", valores.get(dimensao), dimensao))


dash.callback(
    Output("vendas-detalhe", "style"), Output("vendas-detalhe-titulo", "children"),
    Output("vendas-detalhe-resumo", "children"), Output("vendas-detalhe-tabela", "rowData"),
    Output("vendas-detalhe-recorte", "data"),
    Input("vendas-grafico-tendencia", "clickData"), *[Input(f"vendas-grafico-{d}", "clickData") for d, _ in QUEBRAS],
    *[Input(f"vendas-kpi-{k}", "n_clicks") for k, *_, abre in KPIS if abre],
    Input("vendas-detalhe-fechar", "n_clicks"), Input("url", "search"),
    prevent_initial_call=True,
)(detalhar)


def exportar(n_clicks, linhas):
    """The seller table as the documented CSV (numbers as numbers)."""
    return ui.csv_excel(linhas or [], COLUNAS_TABELA, "vendas_por_vendedor.csv") if n_clicks else no_update


dash.callback(Output("vendas-tabela-download", "data"), Input("vendas-tabela-csv", "n_clicks"),
              State("vendas-tabela", "rowData"), prevent_initial_call=True)(exportar)
dash.callback(Output("vendas-detalhe-tabela-download", "data"), Input("vendas-detalhe-tabela-csv", "n_clicks"),
              State("vendas-detalhe-recorte", "data"), prevent_initial_call=True)(drill.exportar)
