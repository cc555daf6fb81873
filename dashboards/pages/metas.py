"""Metas e Atingimento: are my sellers on target this month? (journey 1) — the answer first.

The month: the month of the URL's final date when the URL has one, else the latest month with goals
(up to the latest data). A month in progress speaks of pace ("no ritmo"); a closed month of the
result ("meta atingida / não atingida"). With many sellers the chart shows the 15 furthest behind
(or the 15 best) and the ranking table, paged and sortable, has all of them.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date

import dash
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboards import contexto, drill, figures, filters, formatting as fmt, queries, ui

dash.register_page(__name__, path="/metas", name="Metas e Atingimento", title="Metas e Atingimento")
log = logging.getLogger(__name__)
KPIS = ["meta", "realizado", "atingimento", "falta", "ritmo"]
COLUNAS_TABELA = [
    {"field": "posicao", "headerName": "#", "maxWidth": 80, "minWidth": 70},
    {"field": "vendedor_nome", "headerName": "Vendedor", "minWidth": 160},
    {"field": "equipe_nome", "headerName": "Equipe", "minWidth": 140},
    ui.col_moeda("valor_meta", "Meta", minWidth=120), ui.col_moeda("valor_realizado", "Realizado", minWidth=120),
    ui.col_pct("pct_atingimento", "Atingimento"), ui.col_moeda("falta", "Quanto falta", minWidth=120),
    {"field": "situacao", "headerName": "Situação", "minWidth": 140},
]
SAIDAS = ["atualizado", "aviso", "resposta", "resposta_classe", "banner", "banner_classe",
          *[f"kpi_{k}" for k in KPIS], *[f"var_{k}" for k in KPIS], "rotulo_falta", "rotulo_ritmo",
          "grafico_vendedores", "grafico_equipes", "tabela", "titulo_grafico", "mes"]


def layout(**_query):
    return html.Div([
        ui.cabecalho("metas", "Metas e Atingimento", "Meta x realizado do mês por vendedor e equipe: quem "
                     "está no ritmo e quem precisa de um plano. Região = região da equipe do vendedor."),
        ui.banner("metas"),
        ui.aviso("metas"),
        html.Div(id="metas-resposta", className="resposta"),
        html.Div(className="kpis", children=[
            ui.kpi_card("metas-kpi-meta", "Meta do mês", "valor_meta"),
            ui.kpi_card("metas-kpi-realizado", "Realizado", "valor_realizado", clicavel=True),
            ui.kpi_card("metas-kpi-atingimento", "% de atingimento", "atingimento_meta"),
            html.Div(className="kpi", children=[html.Span("Quanto falta (R$)", id="metas-rotulo-falta",
                                                          className="kpi-rotulo-simples"),
                                                html.Div(fmt.VAZIO, id="metas-kpi-falta", className="kpi-valor"),
                                                html.Div("", id="metas-kpi-falta-var", className="kpi-var")]),
            html.Div(className="kpi", children=[html.Span("Ritmo esperado hoje", id="metas-rotulo-ritmo",
                                                          className="kpi-rotulo-simples"),
                                                html.Div(fmt.VAZIO, id="metas-kpi-ritmo", className="kpi-valor"),
                                                html.Div("", id="metas-kpi-ritmo-var", className="kpi-var")]),
        ]),
        html.Div(className="cartao", children=[
            html.Div(className="seletor", style={"justifyContent": "space-between"}, children=[
                html.H2(id="metas-titulo-grafico", children="Atingimento por vendedor"),
                dcc.RadioItems(id="metas-recorte", value="atrasados", inline=True, options=[
                    {"label": " mais distantes da meta ", "value": "atrasados"},
                    {"label": " melhores", "value": "melhores"}]),
            ]),
            ui.grafico("metas-grafico-vendedores", None)]),
        html.Div(className="cartao", style={"marginTop": "12px"}, children=[
            html.H2("Meta x realizado por equipe"), ui.grafico("metas-grafico-equipes", 280)]),
        ui.detalhe("metas"),
        html.Div(className="cartao", style={"marginTop": "12px"}, children=[
            html.H2("Ranking do mês (todos os vendedores; clique no título de uma coluna para ordenar)"),
            ui.grade("metas-tabela", COLUNAS_TABELA, "metas_ranking.csv", paginas=25)]),
        dcc.Store(id="metas-mes"),
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
    """A seller's status: in a closed month the result, in a month in progress the pace."""
    if pct is None or pd.isna(pct):
        return "Sem meta"
    if pct >= 100:
        return "Meta atingida"
    if ritmo >= 100:
        return "Meta não atingida"
    return "No ritmo" if pct >= ritmo else "Abaixo do ritmo"


def _vendedores(n: int) -> str:
    return f"{fmt.numero(n)} {'vendedor' if n == 1 else 'vendedores'}"


def _resposta(df: pd.DataFrame, mes: date, ritmo: float, dados_ate):
    fechado = ritmo >= 100
    ruins = df[df["situacao"].isin(["Abaixo do ritmo", "Meta não atingida"])].sort_values("pct_atingimento")
    ok = len(df) - len(ruins)
    if fechado:
        grande = f"{fmt.numero(ok)} de {_vendedores(len(df))} atingiram a meta"
        quando = "mês fechado"
        lista = f"{fmt.numero(len(ruins))} não atingiram:" if len(ruins) else "Todos atingiram a meta."
    else:
        grande = f"{fmt.numero(ok)} de {_vendedores(len(df))} no ritmo ou com a meta atingida"
        quando = (f"mês em andamento: dia {dados_ate.day} de {calendar.monthrange(mes.year, mes.month)[1]}, "
                  f"ritmo esperado {fmt.percentual(ritmo)}" if ritmo > 0 else "mês ainda sem vendas")
        lista = f"{fmt.numero(len(ruins))} abaixo do ritmo:" if len(ruins) else "Ninguém abaixo do ritmo."
    mostrar = ruins.head(12)
    chips = [html.Span(f"{r.vendedor_nome} · {fmt.percentual(r.pct_atingimento)}", className="chip chip-fora")
             for r in mostrar.itertuples()]
    if len(ruins) > len(mostrar):
        chips.append(html.Span(f"e mais {fmt.numero(len(ruins) - len(mostrar))} (veja o ranking)", className="chip"))
    return [html.Div(grande, className="grande"),
            html.Div(f"{fmt.mes_ano(mes).capitalize()} ({quando}). {lista}", className="subtitulo"),
            html.Div(className="chips", children=chips)], ("resposta ruim" if len(ruins) else "resposta bom")


def _mes(c, search) -> date | None | queries.Indisponivel:
    """The URL's final date's month when the URL sets a period, else the latest month with goals."""
    f = filters.de_url(search)  # already validated by contexto.preparar
    if f.ate or f.de:
        return c.filtros.ate.replace(day=1)
    return queries.mes_metas_padrao(c.dados_ate)


def atualizar(search, recorte="atrasados"):
    """URL filters -> the page (SAIDAS). Never raises."""
    c = None

    def falha(msg, tipo="erro", mes=None, realizado=None):
        vazio = figures.vazio("")
        banner, classe = (c.banner, c.banner_classe) if c else ([], "banner")
        valores, notas = [fmt.VAZIO] * len(KPIS), [""] * len(KPIS)
        if realizado is not None:  # no goal to compare with, but the month's sales are known
            valores[1], notas[1] = fmt.moeda(realizado), "vendas do mês (sem meta para comparar)"
        return (c.atualizado if c else no_update, ui.mensagem(msg, tipo), "", "resposta oculta", banner, classe,
                *valores, *notas, "Quanto falta (R$)", "Ritmo esperado hoje",
                figures.vazio("Sem metas para este mês.") if tipo == "info" else vazio,
                figures.vazio("Sem metas para este mês.") if tipo == "info" else vazio, [],
                "Atingimento por vendedor", mes)
    try:
        c = contexto.preparar(search)
        if c.erro:
            return falha(c.erro)
        f = c.filtros
        mes = _mes(c, search)
        if isinstance(mes, queries.Indisponivel):
            return falha(mes.mensagem)
        if mes is None:
            return falha("Ainda não há metas cadastradas. Quando a loja enviar as metas dos vendedores, elas "
                         "aparecem aqui depois da próxima carga.", "info")
        df = queries.metas(mes, f)
        if isinstance(df, queries.Indisponivel):
            return falha(df.mensagem)
        if df.empty:
            ultimo = queries.mes_metas_padrao(c.dados_ate)
            dica = (f" O último mês com metas é {fmt.mes_ano(ultimo)}." if isinstance(ultimo, date) and ultimo != mes
                    else "")
            fim = mes.replace(day=calendar.monthrange(mes.year, mes.month)[1])
            vendas = queries.kpis_vendas(filters.Filtros(mes, fim, equipe=f.equipe, vendedor=f.vendedor))
            return falha(f"Não há metas cadastradas para {fmt.mes_ano(mes)} com os filtros escolhidos.{dica}",
                         "info", mes.isoformat(),
                         None if isinstance(vendas, queries.Indisponivel) else vendas["receita"])
        ritmo = ritmo_esperado(mes, c.dados_ate)
        fechado = ritmo >= 100
        df = df.assign(situacao=[situacao(p, ritmo) for p in df["pct_atingimento"]],
                       falta=(df["valor_meta"] - df["valor_realizado"]).clip(lower=0))
        df = df.sort_values(["pct_atingimento", "vendedor_nome"], ascending=[False, True],
                            na_position="last").reset_index(drop=True)
        df["posicao"] = df.index + 1
        meta, realizado = float(df["valor_meta"].sum()), float(df["valor_realizado"].sum())
        pct = realizado / meta * 100 if meta else None
        falta = max(0.0, meta - realizado)
        equipes = df.groupby("equipe_nome", as_index=False)[["valor_meta", "valor_realizado"]].sum()
        equipes["pct_atingimento"] = equipes["valor_realizado"] / equipes["valor_meta"].where(equipes["valor_meta"] != 0) * 100
        resposta, classe = _resposta(df, mes, ritmo, c.dados_ate)
        aviso = ui.mensagem("O filtro de categoria não se aplica às metas (a meta é do vendedor, "
                            "em todas as categorias).", "info") if f.categoria else None
        n = len(df)
        titulo = ("Atingimento por vendedor" if n <= figures.MAX_VENDEDORES_GRAFICO else
                  f"Atingimento: {figures.MAX_VENDEDORES_GRAFICO} de {_vendedores(n)} "
                  f"({'os melhores' if recorte == 'melhores' else 'os mais distantes da meta'}; todos no ranking)")
        if fechado:
            rotulo_falta, rotulo_ritmo = "Faltou para a meta (R$)", "Situação do mês"
            valor_ritmo, nota_ritmo = "Mês fechado", f"{fmt.mes_ano(mes)} encerrado"
            nota_falta = "meta atingida" if falta == 0 else "diferença entre meta e realizado"
        else:
            rotulo_falta, rotulo_ritmo = "Quanto falta (R$)", "Ritmo esperado hoje"
            valor_ritmo = fmt.percentual(ritmo)
            nota_ritmo = f"até {fmt.data(c.dados_ate)}: fração do mês decorrida"
            dias_restantes = calendar.monthrange(mes.year, mes.month)[1] - c.dados_ate.day
            nota_falta = (f"{fmt.moeda(falta / dias_restantes)} por dia nos {dias_restantes} dias restantes"
                          if falta and dias_restantes > 0 else ("meta atingida" if falta == 0 else ""))
        return (c.atualizado, aviso, resposta, classe, c.banner, c.banner_classe,
                fmt.moeda(meta), fmt.moeda(realizado), fmt.percentual(pct), fmt.moeda(falta), valor_ritmo,
                fmt.mes_ano(mes), f"vendas de {_vendedores(n)} no mês",
                situacao(pct, ritmo), nota_falta, nota_ritmo, rotulo_falta, rotulo_ritmo,
                figures.atingimento(df, ritmo, recorte), figures.meta_vs_realizado(equipes), df.to_dict("records"),
                titulo, mes.isoformat())
    except Exception:
        log.exception("metas: callback failed")
        return falha("Não foi possível montar a página. Tente novamente.")


dash.callback(
    Output("metas-atualizado", "children"), Output("metas-aviso", "children"),
    Output("metas-resposta", "children"), Output("metas-resposta", "className"),
    Output("metas-banner", "children"), Output("metas-banner", "className"),
    *[Output(f"metas-kpi-{k}", "children") for k in KPIS],
    *[Output(f"metas-kpi-{k}-var", "children") for k in KPIS],
    Output("metas-rotulo-falta", "children"), Output("metas-rotulo-ritmo", "children"),
    Output("metas-grafico-vendedores", "figure"), Output("metas-grafico-equipes", "figure"),
    Output("metas-tabela", "rowData"), Output("metas-titulo-grafico", "children"), Output("metas-mes", "data"),
    Input("url", "search"), Input("metas-recorte", "value"),
)(atualizar)


def detalhar(clique, n_realizado, _fechar, _search, linhas, mes):
    """A seller's bar -> the seller's lines of the month; the Realizado card -> the lines of every seller
    shown (their sum is the card's value)."""
    gatilho = ctx.triggered_id
    if gatilho not in ("metas-grafico-vendedores", "metas-kpi-realizado") or not mes or not linhas:
        return drill.FECHADO
    try:
        mes_d = date.fromisoformat(mes)
    except (TypeError, ValueError):
        return drill.FECHADO
    if gatilho == "metas-kpi-realizado":
        return drill.abrir(drill.recorte_meta(mes_d, [r["vendedor_id"] for r in linhas], "vendedores da página"))
    try:
        ponto = clique["points"][0]
        vendedor = ponto["customdata"][0]
    except (KeyError, IndexError, TypeError):
        return drill.FECHADO
    if vendedor not in {r["vendedor_id"] for r in linhas}:
        return drill.FECHADO
    return drill.abrir(drill.recorte_meta(mes_d, [vendedor], str(ponto.get("y") or vendedor)))


dash.callback(
    Output("metas-detalhe", "style"), Output("metas-detalhe-titulo", "children"),
    Output("metas-detalhe-resumo", "children"), Output("metas-detalhe-tabela", "rowData"),
    Output("metas-detalhe-recorte", "data"),
    Input("metas-grafico-vendedores", "clickData"), Input("metas-kpi-realizado", "n_clicks"),
    Input("metas-detalhe-fechar", "n_clicks"), Input("url", "search"),
    State("metas-tabela", "rowData"), State("metas-mes", "data"),
    prevent_initial_call=True,
)(detalhar)

dash.callback(Output("metas-tabela-download", "data"), Input("metas-tabela-csv", "n_clicks"),
              State("metas-tabela", "rowData"), prevent_initial_call=True)(
    lambda n, linhas: ui.csv_excel(linhas or [], COLUNAS_TABELA, "metas_ranking.csv") if n else no_update)
dash.callback(Output("metas-detalhe-tabela-download", "data"), Input("metas-detalhe-tabela-csv", "n_clicks"),
              State("metas-detalhe-recorte", "data"), prevent_initial_call=True)(drill.exportar)
