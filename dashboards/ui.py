"""Small layout pieces shared by the pages: KPI cards, messages, page header, grids.

Pure functions returning Dash components; no data access, no callbacks.
"""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from dashboards import formatting as fmt


def cabecalho(prefixo: str, titulo: str, subtitulo: str) -> html.Div:
    """Page title, a one-line purpose and the 'dados atualizados até' badge (filled by a callback)."""
    return html.Div(className="cabecalho", children=[
        html.Div([html.H1(titulo), html.P(subtitulo, className="subtitulo")]),
        html.Span(id=f"{prefixo}-atualizado", className="atualizado"),
    ])


def aviso(prefixo: str) -> html.Div:
    return html.Div(id=f"{prefixo}-aviso", className="aviso-area")


def mensagem(texto: str | None, tipo: str = "erro"):
    """A readable message box (erro | info); None -> nothing."""
    if not texto:
        return None
    return html.Div(texto, className=f"mensagem mensagem-{tipo}", role="alert")


def kpi_card(id_: str, rotulo: str, metrica: str | None) -> html.Div:
    """A KPI card: label (linked to its definition in the dicionário), value, change vs previous period.

    metrica None: an operational figure that is not a catalog KPI (monitor page), no link."""
    titulo = (html.A(rotulo, href=f"/dicionario#dicionario-{metrica}", className="kpi-rotulo",
                     title="Ver definição no Dicionário de Métricas", id=f"{id_}-def")
              if metrica else html.Span(rotulo, className="kpi-rotulo-simples"))
    return html.Div(className="kpi", children=[
        titulo,
        html.Div(fmt.VAZIO, id=id_, className="kpi-valor"),
        html.Div("", id=f"{id_}-var", className="kpi-var"),
    ])


def variacao(atual, anterior) -> tuple[str, str]:
    """('+5,0% vs período anterior', css class) for a KPI card."""
    if atual is None or anterior is None or not anterior:
        return "sem base no período anterior", "kpi-var neutro"
    pct = (float(atual) - float(anterior)) / abs(float(anterior)) * 100
    classe = "kpi-var alta" if pct > 0.05 else ("kpi-var baixa" if pct < -0.05 else "kpi-var neutro")
    return f"{fmt.variacao(pct)} vs período anterior", classe


def grade(id_: str, colunas: list[dict], arquivo: str, altura: int = 360) -> html.Div:
    """A sortable ag-grid with a CSV export button (`<id>-csv`)."""
    return html.Div(className="grade", children=[
        html.Div(className="grade-barra", children=[
            html.Button("Exportar CSV", id=f"{id_}-csv", className="botao", n_clicks=0)]),
        dag.AgGrid(id=id_, columnDefs=colunas, rowData=[], className="ag-theme-alpine",
                   defaultColDef={"sortable": True, "resizable": True, "filter": True},
                   dashGridOptions={"animateRows": False, "domLayout": "autoHeight",
                                    "localeText": {"noRowsToShow": "Nenhum dado para os filtros escolhidos."}},
                   csvExportParams={"fileName": arquivo, "columnSeparator": ";"},
                   columnSize="responsiveSizeToFit", style={"minHeight": "120px"}),
    ])


def col_moeda(campo: str, titulo: str, **extra) -> dict:
    return {"field": campo, "headerName": titulo, "type": "rightAligned",
            "valueFormatter": {"function": "BRL(params.value)"}, **extra}


def col_pct(campo: str, titulo: str, **extra) -> dict:
    return {"field": campo, "headerName": titulo, "type": "rightAligned",
            "valueFormatter": {"function": "PCT(params.value)"}, **extra}


def col_num(campo: str, titulo: str, **extra) -> dict:
    return {"field": campo, "headerName": titulo, "type": "rightAligned",
            "valueFormatter": {"function": "NUM(params.value)"}, **extra}


def grafico(id_: str, altura: int = 340) -> dcc.Loading:
    return dcc.Loading(dcc.Graph(id=id_, config={"displaylogo": False, "displayModeBar": False, "locale": "pt-BR"},
                                 style={"height": f"{altura}px"}), type="dot", delay_show=300)
