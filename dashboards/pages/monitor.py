"""Monitor ETL: recent runs, status, durations, rows per entity, rejected rows, failed checks, freshness,
and the open rejects by rule (source rows kept out of the warehouse until fixed at the source)."""

from __future__ import annotations

import logging

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

from dashboards import contexto, figures, formatting as fmt, queries, ui

dash.register_page(__name__, path="/monitor", name="Monitor ETL", title="Monitor ETL")
log = logging.getLogger(__name__)
KPIS = ["status", "dados", "carga", "rejeitadas", "verificacoes"]
DIAS_ANOMALIAS = 30


def layout(**_query):
    return html.Div([
        ui.cabecalho("monitor", "Monitor ETL", "Execuções recentes da carga diária: situação, duração, "
                     "linhas por entidade, rejeições e verificações de qualidade reprovadas."),
        ui.aviso("monitor"),
        html.Div(className="kpis", children=[
            ui.kpi_card("monitor-kpi-status", "Última execução", None),
            ui.kpi_card("monitor-kpi-dados", "Dados até", None),
            ui.kpi_card("monitor-kpi-carga", "Última carga com sucesso", None),
            ui.kpi_card("monitor-kpi-rejeitadas", "Linhas rejeitadas (última)", None),
            ui.kpi_card("monitor-kpi-verificacoes", "Verificações reprovadas (última)", None),
        ]),
        html.Div(className="linha", children=[
            html.Div(className="cartao", children=[html.H2("Duração das execuções"),
                                                   ui.grafico("monitor-grafico-duracoes", 280)]),
            html.Div(className="cartao", children=[
                html.Div(style={"display": "flex", "justifyContent": "space-between", "alignItems": "center"},
                         children=[html.H2("Linhas por entidade"),
                                   dcc.Dropdown(id="monitor-execucao", clearable=False, style={"width": "220px"})]),
                ui.grafico("monitor-grafico-entidades", 280)]),
        ]),
        html.Div(className="cartao", style={"marginTop": "12px"}, children=[
            html.H2(f"Anomalias de KPI nos últimos {DIAS_ANOMALIAS} dias"), html.Div(id="monitor-anomalias")]),
        html.Div(className="cartao", style={"marginTop": "12px"}, children=[
            html.H2("Execuções recentes"),
            ui.grade("monitor-tabela", [
                {"field": "run_id", "headerName": "Execução", "maxWidth": 110},
                {"field": "status_pt", "headerName": "Situação"},
                {"field": "data_negocio_br", "headerName": "Dia de negócio"},
                {"field": "inicio_br", "headerName": "Início"},
                ui.col_duracao("duracao_s", "Duração"), ui.col_num("linhas_lidas", "Linhas lidas"),
                ui.col_num("linhas_rejeitadas", "Rejeitadas"),
                {"field": "verificacoes_reprovadas_nomes", "headerName": "Verificações reprovadas"},
                {"field": "etapa_falha", "headerName": "Etapa com falha"}, {"field": "erro", "headerName": "Erro"},
            ], "monitor_execucoes.csv", 300),
        ]),
        html.Div(className="cartao", style={"marginTop": "12px"}, children=[
            html.H2("Rejeições abertas por regra"),
            html.P("Linhas da loja que as regras de triagem mantêm fora do warehouse até serem corrigidas na "
                   "origem; cada linha conta uma vez, e sai daqui quando a correção é carregada."),
            html.Div(id="monitor-rejeicoes-aviso"),
            ui.grade("monitor-rejeicoes", [
                {"field": "entidade", "headerName": "Entidade"},
                {"field": "regra", "headerName": "Regra"},
                ui.col_num("linhas", "Linhas"),
                {"field": "primeira_br", "headerName": "Mais antiga"},
                {"field": "ultima_br", "headerName": "Mais recente"},
            ], "monitor_rejeicoes_abertas.csv", 220),
        ]),
    ])


def rejeicoes(_search=None):
    """Open rejects by rule for the grid, and a message when there are none or the data is unavailable."""
    try:
        dados = queries.rejeicoes_abertas()
        if isinstance(dados, queries.Indisponivel):
            return [], ui.mensagem(dados.mensagem)
        if dados.empty:
            return [], ui.mensagem("Nenhuma rejeição aberta: toda linha rejeitada já foi corrigida e carregada.", "info")
        linhas = dados.assign(primeira_br=[fmt.data_hora(t) for t in dados["primeira_em"]],
                              ultima_br=[fmt.data_hora(t) for t in dados["ultima_em"]]
                              ).drop(columns=["primeira_em", "ultima_em"])
        return linhas.to_dict("records"), None
    except Exception:
        log.exception("monitor: open rejects failed")
        return [], ui.mensagem("Não foi possível ler as rejeições abertas. Tente novamente.")


def atualizar(search, run_escolhido=None):
    """Runs and freshness (the sales filters do not apply here). Never raises."""
    vazio = figures.vazio("")

    def falha(atualizado, msg):
        return (atualizado, ui.mensagem(msg), *([fmt.VAZIO] * 5), *([""] * 5), vazio, vazio, [], [], None)
    try:
        c, runs = queries.em_paralelo(lambda: contexto.preparar(search), lambda: queries.execucoes(20))
        if isinstance(c, queries.Indisponivel):  # the context did not finish in time
            return falha("dados indisponíveis", c.mensagem)
        at = queries.atualizacao()  # read by contexto.preparar: from the cache
        for r in (at, runs):
            if isinstance(r, queries.Indisponivel):
                return falha(c.atualizado, r.mensagem)
        if runs.empty:
            return falha(c.atualizado, "Nenhuma execução da carga registrada ainda.")
        ids = [int(r) for r in runs["run_id"]]
        escolhido = run_escolhido if isinstance(run_escolhido, int) and run_escolhido in ids else ids[0]
        entidades = queries.entidades_execucao(escolhido)
        if isinstance(entidades, queries.Indisponivel):
            return falha(c.atualizado, entidades.mensagem)
        ultima = runs.iloc[0]
        tabela = runs.assign(
            status_pt=[figures.STATUS_PT.get(s, s) for s in runs["status"]],
            data_negocio_br=[fmt.data(d) for d in runs["data_negocio"]],
            inicio_br=[fmt.data_hora(t) for t in runs["iniciado_em"]],
        ).drop(columns=["iniciado_em", "terminado_em", "data_negocio"]).to_dict("records")
        valores = [figures.STATUS_PT.get(ultima["status"], ultima["status"]), fmt.data(at["dados_ate"]),
                   fmt.data_hora(at["ultima_carga_ok"]) if at["ultima_carga_ok"] is not None else fmt.VAZIO,
                   fmt.numero(ultima["linhas_rejeitadas"]), fmt.numero(ultima["verificacoes_reprovadas"] or 0)]
        notas = [f"execução #{int(ultima['run_id'])} em {fmt.data_hora(ultima['iniciado_em'])}",
                 "último dia com vendas", "", "", ultima["verificacoes_reprovadas_nomes"] or ""]
        opcoes = [{"label": f"#{i} ({figures.STATUS_PT.get(s, s)})", "value": i} for i, s in zip(ids, runs["status"])]
        erro = ui.mensagem(f"Última execução falhou na etapa {ultima['etapa_falha'] or '?'}: {ultima['erro'] or ''}",
                           "erro") if ultima["status"] == "failed" else c.erro and ui.mensagem(c.erro)
        return (c.atualizado, erro, *valores, *notas, figures.duracoes(runs), figures.linhas_entidades(entidades),
                tabela, opcoes, escolhido)
    except Exception:
        log.exception("monitor: callback failed")
        return falha(no_update, "Não foi possível montar a página. Tente novamente.")


dash.callback(
    Output("monitor-atualizado", "children"), Output("monitor-aviso", "children"),
    *[Output(f"monitor-kpi-{k}", "children") for k in KPIS],
    *[Output(f"monitor-kpi-{k}-var", "children") for k in KPIS],
    Output("monitor-grafico-duracoes", "figure"), Output("monitor-grafico-entidades", "figure"),
    Output("monitor-tabela", "rowData"), Output("monitor-execucao", "options"), Output("monitor-execucao", "value"),
    Input("url", "search"), Input("monitor-execucao", "value"),
)(atualizar)


def _csv_da_grade(grade: str, arquivo: str) -> None:
    """The grid's rows as the documented Excel CSV (ui.csv_excel), built on the server."""
    dash.callback(Output(f"{grade}-download", "data"), Input(f"{grade}-csv", "n_clicks"),
                  State(grade, "rowData"), State(grade, "columnDefs"), prevent_initial_call=True)(
        lambda n, linhas, colunas: ui.csv_excel(linhas or [], colunas or [], arquivo) if n else no_update)


_csv_da_grade("monitor-tabela", "monitor_execucoes.csv")
_csv_da_grade("monitor-rejeicoes", "monitor_rejeicoes_abertas.csv")

dash.callback(Output("monitor-rejeicoes", "rowData"), Output("monitor-rejeicoes-aviso", "children"),
              Input("url", "search"))(rejeicoes)


def anomalias(_search=None):
    """The KPI anomalies of the last DIAS_ANOMALIAS days of data, in words (its own callback). Never raises."""
    from datetime import timedelta

    from harness.anomalies import sentence

    try:
        at = queries.atualizacao()
        if isinstance(at, queries.Indisponivel):
            return ui.mensagem(at.mensagem)
        if at["dados_ate"] is None:
            return html.P("Nenhuma venda carregada ainda.")
        ate = at["dados_ate"]
        df = queries.anomalias(ate - timedelta(days=DIAS_ANOMALIAS - 1), ate)
        if isinstance(df, queries.Indisponivel):
            return ui.mensagem(df.mensagem)
        if df.empty:
            return html.P(f"Nenhuma anomalia de KPI nos últimos {DIAS_ANOMALIAS} dias.")
        itens = []
        for row in df.to_dict("records"):
            situacao = (" (alerta enviado)" if row["alertada_em"] is not None and not pd.isna(row["alertada_em"])
                        else "" if row["esperada"] else " (sem alerta)")
            itens.append(html.Li(sentence(row) + situacao, className="anomalia-esperada" if row["esperada"] else "anomalia"))
        return html.Ul(itens, id="monitor-anomalias-lista")
    except Exception:
        log.exception("monitor: anomalies callback failed")
        return ui.mensagem("Não foi possível listar as anomalias. Tente novamente.")


dash.callback(Output("monitor-anomalias", "children"), Input("url", "search"))(anomalias)
