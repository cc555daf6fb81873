"""Descontos e ROI: coupon/campaign usage, revenue with vs without discount, ROI, margin impact (journey 2)."""

from __future__ import annotations

import logging

import dash
from dash import Input, Output, html, no_update

from dashboards import contexto, figures, formatting as fmt, queries, ui

dash.register_page(__name__, path="/descontos", name="Descontos e ROI", title="Descontos e ROI")
log = logging.getLogger(__name__)
KPIS = ["desconto", "receita_com", "receita_sem", "roi", "margem_com", "margem_sem"]


def layout(**_query):
    return html.Div([
        ui.cabecalho("descontos", "Descontos e ROI", "Uso de cupons e campanhas, receita com e sem desconto, "
                     "retorno de cada real concedido e impacto na margem."),
        ui.aviso("descontos"),
        html.Div(id="descontos-periodo", className="subtitulo"),
        html.Div(className="kpis", children=[
            ui.kpi_card("descontos-kpi-desconto", "Desconto concedido", "desconto_aplicado"),
            ui.kpi_card("descontos-kpi-receita_com", "Receita com desconto", "receita_com_desconto"),
            ui.kpi_card("descontos-kpi-receita_sem", "Receita sem desconto", "receita_sem_desconto"),
            ui.kpi_card("descontos-kpi-roi", "ROI de desconto", "roi_desconto"),
            ui.kpi_card("descontos-kpi-margem_com", "Margem % com desconto", "margem_com_desconto_percentual"),
            ui.kpi_card("descontos-kpi-margem_sem", "Margem % sem desconto", "margem_percentual"),
        ]),
        html.Div(className="linha", children=[
            html.Div(className="cartao", children=[html.H2("Receita e margem: com x sem desconto"),
                                                   ui.grafico("descontos-grafico-comparacao", 300)]),
            html.Div(className="cartao", children=[html.H2("ROI por campanha e cupom (receita por R$ 1 de desconto)"),
                                                   ui.grafico("descontos-grafico-roi", 300)]),
        ]),
        html.Div(className="cartao", style={"marginTop": "12px"}, children=[
            html.H2("Campanhas e cupons"),
            ui.grade("descontos-tabela", [
                {"field": "campanha", "headerName": "Campanha"}, {"field": "cupom", "headerName": "Cupom"},
                ui.col_num("usos", "Pedidos com o cupom"), ui.col_moeda("desconto", "Desconto concedido"),
                ui.col_moeda("receita", "Receita com desconto", sort="desc"), ui.col_moeda("margem", "Margem bruta"),
                ui.col_pct("margem_pct", "Margem %"),
                {"field": "roi", "headerName": "ROI", "type": "rightAligned",
                 "valueFormatter": {"function": "NUM(Math.round(params.value * 10) / 10)"}},
            ], "descontos_campanhas.csv", 280),
        ]),
    ])


def atualizar(search):
    """URL filters -> the page. Never raises."""
    def falha(atualizado, msg):  # the blank figure only when needed (~15 ms)
        vazio = figures.vazio("")
        return (atualizado, ui.mensagem(msg), "", *([fmt.VAZIO] * 6), *([""] * 6), vazio, vazio, [])
    try:
        c = contexto.preparar(search)
        if c.erro:
            return falha(c.atualizado, c.erro)
        f = c.filtros
        resumo, camp = queries.em_paralelo(lambda: queries.resumo_descontos(f), lambda: queries.campanhas(f))
        for r in (resumo, camp):
            if isinstance(r, queries.Indisponivel):
                return falha(c.atualizado, r.mensagem)
        com = resumo[resumo["com_desconto"]].sum(numeric_only=True) if not resumo.empty else None
        sem = resumo[~resumo["com_desconto"].astype(bool)].sum(numeric_only=True) if not resumo.empty else None

        def val(s, k):
            return None if s is None or k not in s else float(s[k])

        def pct(s):
            return val(s, "margem") / val(s, "receita") * 100 if val(s, "receita") else None
        desconto = val(com, "desconto") or 0.0
        roi = (val(com, "receita") or 0.0) / desconto if desconto else None
        valores = [fmt.moeda(desconto), fmt.moeda(val(com, "receita") or 0), fmt.moeda(val(sem, "receita") or 0),
                   fmt.numero(roi, 1) + "x" if roi is not None else fmt.VAZIO, fmt.percentual(pct(com)),
                   fmt.percentual(pct(sem))]
        notas = [f"{fmt.numero(val(com, 'pedidos') or 0)} pedidos com desconto",
                 f"bruto {fmt.moeda(val(com, 'valor_bruto') or 0)}",
                 f"{fmt.numero(val(sem, 'pedidos') or 0)} pedidos sem desconto",
                 "receita com desconto ÷ desconto concedido",
                 "impacto: " + (fmt.numero((pct(com) or 0) - (pct(sem) or 0), 1) + " p.p." if pct(com) is not None
                                and pct(sem) is not None else fmt.VAZIO), ""]
        tabela = camp.assign(margem_pct=camp["margem"] / camp["receita"] * 100).to_dict("records") if not camp.empty else []
        aviso = None if not resumo.empty else ui.mensagem("Nenhuma venda no período e filtros escolhidos.", "info")
        return (c.atualizado, aviso, f"Período: {contexto.descricao_periodo(f)}", *valores, *notas,
                figures.com_sem_desconto(resumo), figures.roi_campanhas(camp), tabela)
    except Exception:
        log.exception("descontos: callback failed")
        return falha(no_update, "Não foi possível montar a página. Tente novamente.")


dash.callback(
    Output("descontos-atualizado", "children"), Output("descontos-aviso", "children"),
    Output("descontos-periodo", "children"),
    *[Output(f"descontos-kpi-{k}", "children") for k in KPIS],
    *[Output(f"descontos-kpi-{k}-var", "children") for k in KPIS],
    Output("descontos-grafico-comparacao", "figure"), Output("descontos-grafico-roi", "figure"),
    Output("descontos-tabela", "rowData"),
    Input("url", "search"),
)(atualizar)

dash.callback(Output("descontos-tabela", "exportDataAsCsv"), Input("descontos-tabela-csv", "n_clicks"),
              prevent_initial_call=True)(lambda n: bool(n))
