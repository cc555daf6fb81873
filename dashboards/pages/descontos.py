"""Descontos e ROI: coupon/campaign usage, revenue with vs without discount, ROI, margin impact (journey 2)."""

from __future__ import annotations

import logging

import dash
from dash import Input, Output, State, ctx, html, no_update

from dashboards import contexto, drill, figures, formatting as fmt, queries, ui

dash.register_page(__name__, path="/descontos", name="Descontos e ROI", title="Descontos e ROI")
log = logging.getLogger(__name__)
KPIS = ["desconto", "receita_com", "receita_sem", "roi", "margem_com", "margem_sem"]
RAZOES = {"margem_com", "margem_sem"}   # ratios: their change is in percentage points
COLUNAS_TABELA = [
    {"field": "campanha", "headerName": "Campanha", "minWidth": 140}, {"field": "cupom", "headerName": "Cupom"},
    ui.col_num("usos", "Pedidos com o cupom"), ui.col_moeda("desconto", "Desconto concedido", minWidth=120),
    ui.col_moeda("receita", "Receita com desconto", sort="desc", minWidth=130),
    ui.col_moeda("margem", "Margem bruta", minWidth=120), ui.col_pct("margem_pct", "Margem %"),
    ui.col_razao("roi", "ROI (receita por R$ 1 de desconto)"),
]
SAIDAS = ["atualizado", "aviso", "periodo", "banner", "banner_classe", *[f"kpi_{k}" for k in KPIS],
          *[f"var_{k}" for k in KPIS], *[f"classe_{k}" for k in KPIS], "comparacao", "roi", "tabela"]


def layout(**_query):
    return html.Div([
        ui.cabecalho("descontos", "Descontos e ROI", "Uso de cupons e campanhas, receita com e sem desconto, "
                     "retorno de cada real concedido e impacto na margem."),
        ui.banner("descontos"),
        ui.aviso("descontos"),
        html.Div(id="descontos-periodo", className="subtitulo"),
        html.Div(className="kpis", children=[
            ui.kpi_card("descontos-kpi-desconto", "Desconto concedido", "desconto_aplicado", clicavel=True),
            ui.kpi_card("descontos-kpi-receita_com", "Receita com desconto", "receita_com_desconto", clicavel=True),
            ui.kpi_card("descontos-kpi-receita_sem", "Receita sem desconto", "receita_sem_desconto"),
            ui.kpi_card("descontos-kpi-roi", "ROI de desconto", "roi_desconto"),
            ui.kpi_card("descontos-kpi-margem_com", "Margem % com desconto", "margem_com_desconto_percentual"),
            ui.kpi_card("descontos-kpi-margem_sem", "Margem % sem desconto", "margem_percentual"),
        ]),
        html.Div(className="linha", children=[
            html.Div(className="cartao", children=[html.H2("Receita e margem: com x sem desconto"),
                                                   ui.grafico("descontos-grafico-comparacao", 300)]),
            html.Div(className="cartao", children=[html.H2("ROI por campanha e cupom (receita por R$ 1 de desconto; "
                                                           "clique numa barra para ver os pedidos)"),
                                                   ui.grafico("descontos-grafico-roi", None)]),
        ]),
        ui.detalhe("descontos"),
        html.Div(className="cartao", style={"marginTop": "12px"}, children=[
            html.H2("Campanhas e cupons"),
            ui.grade("descontos-tabela", COLUNAS_TABELA, "descontos_campanhas.csv", 280),
        ]),
    ])


def _resumo(resumo):
    """Sums with and without discount of a resumo_descontos frame: (com, sem) dicts."""
    def lado(flag):
        if resumo.empty:
            return {}
        parte = resumo[resumo["com_desconto"].astype(bool) == flag].sum(numeric_only=True)
        return {k: float(v) for k, v in parte.items()}
    return lado(True), lado(False)


def _kpis(com, sem) -> dict:
    def pct(s):
        return s["margem"] / s["receita"] * 100 if s.get("receita") else None
    desconto = com.get("desconto") or 0.0
    return {"desconto": desconto, "receita_com": com.get("receita") or 0.0, "receita_sem": sem.get("receita") or 0.0,
            "roi": (com.get("receita") or 0.0) / desconto if desconto else None,
            "margem_com": pct(com), "margem_sem": pct(sem)}


def atualizar(search):
    """URL filters -> the page (SAIDAS), compared with the previous period. Never raises."""
    c = None

    def falha(msg):  # the blank figure only when needed (~15 ms)
        vazio = figures.vazio("")
        banner, classe = (c.banner, c.banner_classe) if c else ([], "banner")
        return (c.atualizado if c else no_update, ui.mensagem(msg), "", banner, classe, *([fmt.VAZIO] * 6),
                *([""] * 6), *(["kpi-var neutro"] * 6), vazio, vazio, [])
    try:
        c = contexto.preparar(search)
        if c.erro:
            return falha(c.erro)
        f = c.filtros
        ant = f.periodo_anterior()
        resumo, camp, resumo_ant = queries.em_paralelo(lambda: queries.resumo_descontos(f),
                                                       lambda: queries.campanhas(f),
                                                       lambda: queries.resumo_descontos(ant))
        for r in (resumo, camp, resumo_ant):
            if isinstance(r, queries.Indisponivel):
                return falha(r.mensagem)
        com, sem = _resumo(resumo)
        atual, anterior = _kpis(com, sem), _kpis(*_resumo(resumo_ant))
        valores = [fmt.moeda(atual["desconto"]), fmt.moeda(atual["receita_com"]), fmt.moeda(atual["receita_sem"]),
                   fmt.numero(atual["roi"], 1) + "x" if atual["roi"] is not None else fmt.VAZIO,
                   fmt.percentual(atual["margem_com"]), fmt.percentual(atual["margem_sem"])]
        quando = f.descricao_anterior()
        variacoes = [ui.variacao(atual[k], anterior[k], quando, k in RAZOES) for k in KPIS]
        if atual["margem_com"] is not None and atual["margem_sem"] is not None:  # the impact of discounts
            variacoes[4] = (f"{variacoes[4][0]} · impacto {fmt.variacao_pp(atual['margem_com'] - atual['margem_sem'])}"
                            " vs sem desconto", variacoes[4][1])
        tabela = camp.assign(margem_pct=camp["margem"] / camp["receita"] * 100).to_dict("records") if not camp.empty else []
        aviso = None if not resumo.empty else ui.mensagem("Nenhuma venda no período e filtros escolhidos.", "info")
        periodo = (f"Período: {contexto.descricao_periodo(f)} · comparado a {contexto.descricao_periodo(ant)} · "
                   "região = região do cliente")
        return (c.atualizado, aviso, periodo, c.banner, c.banner_classe, *valores,
                *(v[0] for v in variacoes), *(v[1] for v in variacoes),
                figures.com_sem_desconto(resumo), figures.roi_campanhas(camp), tabela)
    except Exception:
        log.exception("descontos: callback failed")
        return falha("Não foi possível montar a página. Tente novamente.")


dash.callback(
    Output("descontos-atualizado", "children"), Output("descontos-aviso", "children"),
    Output("descontos-periodo", "children"), Output("descontos-banner", "children"),
    Output("descontos-banner", "className"),
    *[Output(f"descontos-kpi-{k}", "children") for k in KPIS],
    *[Output(f"descontos-kpi-{k}-var", "children") for k in KPIS],
    *[Output(f"descontos-kpi-{k}-var", "className") for k in KPIS],
    Output("descontos-grafico-comparacao", "figure"), Output("descontos-grafico-roi", "figure"),
    Output("descontos-tabela", "rowData"),
    Input("url", "search"),
)(atualizar)

def detalhar(clique, _n_desconto, _n_receita, _fechar, search):
    """A coupon's bar -> its order lines; the discount or revenue-with-discount card -> every discounted line."""
    gatilho = ctx.triggered_id
    if gatilho in ("descontos-kpi-desconto", "descontos-kpi-receita_com"):
        return drill.abrir({"search": search if isinstance(search, str) else "", "origem": "com_desconto"})
    if gatilho == "descontos-grafico-roi":
        return drill.abrir(drill.recorte_do_clique(search, "barra", clique, "cupom"))
    return drill.FECHADO


dash.callback(
    Output("descontos-detalhe", "style"), Output("descontos-detalhe-titulo", "children"),
    Output("descontos-detalhe-resumo", "children"), Output("descontos-detalhe-tabela", "rowData"),
    Output("descontos-detalhe-recorte", "data"),
    Input("descontos-grafico-roi", "clickData"), Input("descontos-kpi-desconto", "n_clicks"),
    Input("descontos-kpi-receita_com", "n_clicks"), Input("descontos-detalhe-fechar", "n_clicks"),
    Input("url", "search"), prevent_initial_call=True,
)(detalhar)

dash.callback(Output("descontos-tabela-download", "data"), Input("descontos-tabela-csv", "n_clicks"),
              State("descontos-tabela", "rowData"), prevent_initial_call=True)(
    lambda n, linhas: ui.csv_excel(linhas or [], COLUNAS_TABELA, "descontos_campanhas.csv") if n else no_update)
dash.callback(Output("descontos-detalhe-tabela-download", "data"), Input("descontos-detalhe-tabela-csv", "n_clicks"),
              State("descontos-detalhe-recorte", "data"), prevent_initial_call=True)(drill.exportar)
