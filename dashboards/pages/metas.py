"""Metas e Atingimento: are my sellers on target this month? (journey 1) — the answer first."""

from __future__ import annotations

import calendar
import logging
from datetime import date

import dash
import pandas as pd
from dash import Input, Output, html, no_update

from dashboards import contexto, figures, formatting as fmt, queries, ui

dash.register_page(__name__, path="/metas", name="Metas e Atingimento", title="Metas e Atingimento")
log = logging.getLogger(__name__)


def layout(**_query):
    return html.Div([
        ui.cabecalho("metas", "Metas e Atingimento", "Meta x realizado do mês por vendedor e equipe: "
                     "quem está no ritmo e quem precisa de um plano de recuperação."),
        ui.aviso("metas"),
        html.Div(id="metas-resposta", className="resposta"),
        html.Div(className="kpis", children=[
            ui.kpi_card("metas-kpi-meta", "Meta do mês", "valor_meta"),
            ui.kpi_card("metas-kpi-realizado", "Realizado", "valor_realizado"),
            ui.kpi_card("metas-kpi-atingimento", "% de atingimento", "atingimento_meta"),
            ui.kpi_card("metas-kpi-ritmo", "Ritmo esperado hoje", None),
        ]),
        html.Div(className="cartao", children=[
            html.H2("Atingimento por vendedor (vermelho: fora do ritmo; verde: meta atingida)"),
            ui.grafico("metas-grafico-vendedores", 380)]),
        html.Div(className="cartao", style={"marginTop": "12px"}, children=[
            html.H2("Meta x realizado por equipe"), ui.grafico("metas-grafico-equipes", 280)]),
        html.Div(className="linha", children=[
            html.Div(className="cartao", children=[html.H2("Ranking do mês"), ui.grade("metas-tabela", [
                {"field": "posicao", "headerName": "#", "maxWidth": 70},
                {"field": "vendedor_nome", "headerName": "Vendedor"},
                {"field": "equipe_nome", "headerName": "Equipe"},
                ui.col_moeda("valor_meta", "Meta"), ui.col_moeda("valor_realizado", "Realizado"),
                ui.col_pct("pct_atingimento", "Atingimento"),
                {"field": "situacao", "headerName": "Situação"},
            ], "metas_ranking.csv", 300)]),
        ]),
    ])


def ritmo_esperado(mes: date, dados_ate: date | None) -> float:
    """% of the month elapsed up to the latest data day: 100 for a closed month, 0 for a future one."""
    dias = calendar.monthrange(mes.year, mes.month)[1]
    if dados_ate is None or (dados_ate.year, dados_ate.month) > (mes.year, mes.month):
        return 100.0
    if (dados_ate.year, dados_ate.month) < (mes.year, mes.month):
        return 0.0
    return dados_ate.day / dias * 100


def situacao(pct, ritmo: float) -> str:
    if pct is None or pd.isna(pct):
        return "Sem meta"
    if pct >= 100:
        return "Meta atingida"
    return "No ritmo" if pct >= ritmo else "Fora do ritmo"


def _resposta(df: pd.DataFrame, mes: date, ritmo: float, dados_ate):
    fora = df[df["situacao"] == "Fora do ritmo"].sort_values("pct_atingimento")
    ok = len(df) - len(fora)
    quando = (f"dia {dados_ate.day} de {calendar.monthrange(mes.year, mes.month)[1]}, ritmo esperado "
              f"{fmt.percentual(ritmo)}" if 0 < ritmo < 100 else ("mês fechado" if ritmo >= 100 else "mês não iniciado"))
    return [
        html.Div(f"{ok} de {len(df)} vendedores no ritmo ou com a meta atingida", className="grande"),
        html.Div(f"{fmt.mes_ano(mes).capitalize()} ({quando}). "
                 + (f"{len(fora)} fora do ritmo:" if len(fora) else "Ninguém fora do ritmo."), className="subtitulo"),
        html.Div(className="chips", children=[
            html.Span(f"{r.vendedor_nome} · {fmt.percentual(r.pct_atingimento)}", className="chip chip-fora")
            for r in fora.itertuples()]),
    ], ("resposta ruim" if len(fora) else "resposta bom")


def atualizar(search):
    """URL filters -> the page (month = month of the period's last day). Never raises."""
    vazio = figures.vazio("")

    def falha(atualizado, msg):
        return (atualizado, ui.mensagem(msg), "", "resposta", *([fmt.VAZIO] * 4), *([""] * 4), vazio, vazio, [])
    try:
        c = contexto.preparar(search)
        if c.erro:
            return falha(c.atualizado, c.erro)
        f = c.filtros
        mes = f.ate.replace(day=1)
        df = queries.metas(mes, f)
        if isinstance(df, queries.Indisponivel):
            return falha(c.atualizado, df.mensagem)
        if df.empty:
            return falha(c.atualizado, f"Nenhuma meta cadastrada para {fmt.mes_ano(mes)} com os filtros escolhidos.")
        ritmo = ritmo_esperado(mes, c.dados_ate)
        df = df.assign(situacao=[situacao(p, ritmo) for p in df["pct_atingimento"]])
        df = df.sort_values(["pct_atingimento", "vendedor_nome"], ascending=[False, True]).reset_index(drop=True)
        df["posicao"] = df.index + 1
        meta, realizado = df["valor_meta"].sum(), df["valor_realizado"].sum()
        pct = realizado / meta * 100 if meta else None
        equipes = df.groupby("equipe_nome", as_index=False)[["valor_meta", "valor_realizado"]].sum()
        equipes["pct_atingimento"] = equipes["valor_realizado"] / equipes["valor_meta"] * 100
        resposta, classe = _resposta(df, mes, ritmo, c.dados_ate)
        aviso = ui.mensagem("O filtro de categoria não se aplica às metas (a meta é do vendedor, "
                            "em todas as categorias).", "info") if f.categoria else None
        return (c.atualizado, aviso, resposta, classe,
                fmt.moeda(meta), fmt.moeda(realizado), fmt.percentual(pct), fmt.percentual(ritmo),
                fmt.mes_ano(mes), f"até {fmt.data(c.dados_ate)}", situacao(pct, ritmo),
                "fração do mês decorrida",
                figures.atingimento(df, ritmo), figures.meta_vs_realizado(equipes), df.to_dict("records"))
    except Exception:
        log.exception("metas: callback failed")
        return falha(no_update, "Não foi possível montar a página. Tente novamente.")


dash.callback(
    Output("metas-atualizado", "children"), Output("metas-aviso", "children"),
    Output("metas-resposta", "children"), Output("metas-resposta", "className"),
    *[Output(f"metas-kpi-{k}", "children") for k in ("meta", "realizado", "atingimento", "ritmo")],
    *[Output(f"metas-kpi-{k}-var", "children") for k in ("meta", "realizado", "atingimento", "ritmo")],
    Output("metas-grafico-vendedores", "figure"), Output("metas-grafico-equipes", "figure"),
    Output("metas-tabela", "rowData"),
    Input("url", "search"),
)(atualizar)

dash.callback(Output("metas-tabela", "exportDataAsCsv"), Input("metas-tabela-csv", "n_clicks"),
              prevent_initial_call=True)(lambda n: bool(n))
