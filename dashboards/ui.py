"""Small layout pieces shared by the pages: KPI cards, messages, page header, grids.

Pure functions returning Dash components; no data access, no callbacks.
"""

from __future__ import annotations

import io

import dash_ag_grid as dag
import pandas as pd
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


def kpi_card(id_: str, rotulo: str, metrica: str | None, clicavel: bool = False) -> html.Div:
    """A KPI card: label (linked to its definition in the dicionário), value, change vs previous period.

    metrica None: an operational figure that is not a catalog KPI (monitor page), no link.
    clicavel: the value is a button that opens the order lines behind it (`<id>` n_clicks)."""
    titulo = (html.A(rotulo, href=f"/dicionario#dicionario-{metrica}", className="kpi-rotulo",
                     title="Ver definição no Dicionário de Métricas", id=f"{id_}-def")
              if metrica else html.Span(rotulo, className="kpi-rotulo-simples"))
    valor = (html.Div(fmt.VAZIO, id=id_, className="kpi-valor clicavel", n_clicks=0, role="button", tabIndex="0",
                      title="Clique para ver os pedidos por trás deste número")
             if clicavel else html.Div(fmt.VAZIO, id=id_, className="kpi-valor"))
    return html.Div(className="kpi", children=[titulo, valor, html.Div("", id=f"{id_}-var", className="kpi-var")])


def variacao(atual, anterior, quando: str = "vs período anterior", razao: bool = False) -> tuple[str, str]:
    """('+5,0% vs mês anterior', css class) for a KPI card; razao=True (a KPI that is itself a ratio,
    e.g. Margem %): the change in percentage points, '+1,2 p.p. vs mês anterior'."""
    if atual is None or anterior is None or pd.isna(atual) or pd.isna(anterior) or (not razao and not anterior):
        return f"sem base para comparar ({quando.removeprefix('vs ')})", "kpi-var neutro"
    if razao:
        delta = float(atual) - float(anterior)
        texto = fmt.variacao_pp(delta)
    else:
        delta = (float(atual) - float(anterior)) / abs(float(anterior)) * 100
        texto = fmt.variacao(delta)
    classe = "kpi-var alta" if delta > 0.05 else ("kpi-var baixa" if delta < -0.05 else "kpi-var neutro")
    return f"{texto} {quando}", classe


# ag-grid's own texts (pagination, filters, empty grid) in Portuguese
LOCALE_GRADE = {
    "noRowsToShow": "Nenhum dado para os filtros escolhidos.", "loadingOoo": "Carregando...",
    "page": "Página", "of": "de", "to": "a", "more": "mais", "firstPage": "Primeira página",
    "previousPage": "Página anterior", "nextPage": "Próxima página", "lastPage": "Última página",
    "pageSizeSelectorLabel": "Linhas por página:", "filterOoo": "Filtrar...", "equals": "Igual a",
    "notEqual": "Diferente de", "contains": "Contém", "notContains": "Não contém", "startsWith": "Começa com",
    "endsWith": "Termina com", "lessThan": "Menor que", "greaterThan": "Maior que",
    "lessThanOrEqual": "Menor ou igual a", "greaterThanOrEqual": "Maior ou igual a", "inRange": "Entre",
    "blank": "Vazio", "notBlank": "Preenchido", "andCondition": "E", "orCondition": "OU",
    "applyFilter": "Aplicar", "resetFilter": "Limpar", "clearFilter": "Limpar", "cancelFilter": "Cancelar",
    "ariaFilterValue": "Valor do filtro",
}


def grade(id_: str, colunas: list[dict], arquivo: str, altura: int = 360, paginas: int | None = None) -> html.Div:
    """A sortable ag-grid with a CSV export button (`<id>-csv`, answered by the page with `exportar_csv`
    through the dcc.Download `<id>-download`). Headers wrap instead of being cut; columns keep a minimum
    width and the grid scrolls sideways inside its card on a narrow screen. paginas: rows per page."""
    opcoes = {"animateRows": False, "domLayout": "autoHeight", "localeText": LOCALE_GRADE,
              "suppressMovableColumns": True}
    if paginas:
        opcoes.update(pagination=True, paginationPageSize=paginas, paginationPageSizeSelector=False)
    return html.Div(className="grade", children=[
        html.Div(className="grade-barra", children=[
            html.Button("Exportar CSV", id=f"{id_}-csv", className="botao", n_clicks=0,
                        title="Arquivo para o Excel: separador ';', números com vírgula decimal"),
            dcc.Download(id=f"{id_}-download")]),
        dag.AgGrid(id=id_, columnDefs=colunas, rowData=[], className="ag-theme-alpine",
                   defaultColDef={"sortable": True, "resizable": True, "filter": True, "minWidth": 110,
                                  "wrapHeaderText": True, "autoHeaderHeight": True},
                   dashGridOptions=opcoes, columnSize="responsiveSizeToFit", style={"minHeight": "120px"}),
    ])


def csv_excel(linhas: list[dict] | pd.DataFrame, colunas: list[dict], arquivo: str) -> dict:
    """A CSV for Excel in Portuguese (the documented export format, docs/runbook.md): UTF-8 with BOM,
    ';' between fields, numbers as numbers with a decimal comma and no thousands separator
    (201511,42), dates as dd/mm/aaaa, the grid's column titles as the header. dcc.Download's dict."""
    df = pd.DataFrame(linhas)
    campos = [c["field"] for c in colunas if c.get("field") in df.columns]
    df = df[campos].copy() if campos else pd.DataFrame(columns=[c["field"] for c in colunas])
    for campo in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[campo]) or df[campo].map(
                lambda v: hasattr(v, "isoformat") and not isinstance(v, str)).any():
            df[campo] = [fmt.data(v) if v is not None and not pd.isna(v) else "" for v in df[campo]]
    df.columns = [next(c.get("headerName", c["field"]) for c in colunas if c["field"] == f) for f in df.columns]
    buf = io.StringIO()
    df.to_csv(buf, sep=";", decimal=",", index=False, float_format="%.2f", lineterminator="\r\n")
    return {"content": "\ufeff" + buf.getvalue(), "filename": arquivo, "type": "text/csv"}


def col_moeda(campo: str, titulo: str, **extra) -> dict:
    return {"field": campo, "headerName": titulo, "type": "rightAligned",
            "valueFormatter": {"function": "BRL(params.value)"}, **extra}


def col_pct(campo: str, titulo: str, **extra) -> dict:
    return {"field": campo, "headerName": titulo, "type": "rightAligned",
            "valueFormatter": {"function": "PCT(params.value)"}, **extra}


def col_num(campo: str, titulo: str, **extra) -> dict:
    return {"field": campo, "headerName": titulo, "type": "rightAligned",
            "valueFormatter": {"function": "NUM(params.value)"}, **extra}


def col_duracao(campo: str, titulo: str, **extra) -> dict:
    """Seconds shown as '1,4 s' / '2 min 05 s' (the number stays a number for sorting and export)."""
    return {"field": campo, "headerName": titulo, "type": "rightAligned",
            "valueFormatter": {"function": "DURACAO(params.value)"}, **extra}


def col_razao(campo: str, titulo: str, **extra) -> dict:
    """A ratio shown as '9,0x' (ROI), as on the charts."""
    return {"field": campo, "headerName": titulo, "type": "rightAligned",
            "valueFormatter": {"function": "RAZAO(params.value)"}, **extra}


def grafico(id_: str, altura: int | None = 340) -> dcc.Loading:
    """A chart; altura None: the figure's own height (charts that grow with their bars)."""
    estilo = {"height": f"{altura}px"} if altura else {}
    return dcc.Loading(dcc.Graph(id=id_, config={"displaylogo": False, "displayModeBar": False, "locale": "pt-BR",
                                                 "responsive": True},
                                 style=estilo), type="dot", delay_show=300)


def banner(prefixo: str) -> html.Div:
    """The confidence banner of a business page (filled by `texto_banner`)."""
    return html.Div(id=f"{prefixo}-banner", className="banner", role="status")


def texto_banner(at: dict | None, alertas: dict | None, monitor_href: str = "/monitor"):
    """(children, className) of the confidence banner: data as of, the last load's status, the open
    quality warnings and rejected rows in words, a link to the Monitor."""
    from dashboards import catalogos

    if at is None:
        return [html.Span("Não foi possível saber a situação dos dados agora.")], "banner falha"
    partes = [html.Strong(f"Dados até {fmt.data(at.get('dados_ate'))}" if at.get("dados_ate")
                          else "Ainda não há dados carregados")]
    status = at.get("status_ultima_execucao")
    classe = "banner"
    if status == "succeeded":
        partes.append(html.Span(f"última carga concluída em {fmt.data_hora(at['ultima_carga_ok'])}"
                                if at.get("ultima_carga_ok") is not None else "última carga concluída"))
    elif status:
        partes.append(html.Span(f"a última carga {catalogos.STATUS_EXECUCAO.get(status, status)}: os números "
                                "podem estar desatualizados", className="banner-alerta"))
        classe = "banner falha" if status in ("failed", "blocked") else "banner atencao"
    avisos = (alertas or {}).get("verificacoes") or []
    rejeitadas = (alertas or {}).get("rejeitadas") or 0
    if avisos:
        nomes = "; ".join(catalogos.rotulo_verificacao(v["verificacao"]) for v in avisos[:3])
        mais = f" e mais {len(avisos) - 3}" if len(avisos) > 3 else ""
        partes.append(html.Span(f"{len(avisos)} {'aviso' if len(avisos) == 1 else 'avisos'} de qualidade em aberto: "
                                f"{nomes}{mais}"))
        classe = classe if classe != "banner" else "banner atencao"
    if rejeitadas:
        partes.append(html.Span(f"{fmt.numero(rejeitadas)} {'linha rejeitada' if rejeitadas == 1 else 'linhas rejeitadas'}"
                                " na última carga (fora dos totais)"))
        classe = classe if classe != "banner" else "banner atencao"
    if not avisos and not rejeitadas and status == "succeeded":
        partes.append(html.Span("nenhum aviso de qualidade em aberto"))
    partes.append(dcc.Link("ver no Monitor ETL", href=monitor_href, className="banner-link"))
    return partes, classe


def detalhe(prefixo: str) -> html.Div:
    """The drill-through card: the order lines behind a clicked number (filled by the page)."""
    colunas = COLUNAS_DETALHE
    return html.Div(id=f"{prefixo}-detalhe", className="detalhe", style={"display": "none"}, children=[
        html.Div(className="detalhe-topo", children=[
            html.H2(id=f"{prefixo}-detalhe-titulo"),
            html.Button("Fechar", id=f"{prefixo}-detalhe-fechar", className="botao", n_clicks=0)]),
        html.P(id=f"{prefixo}-detalhe-resumo", className="subtitulo"),
        dcc.Store(id=f"{prefixo}-detalhe-recorte"),
        grade(f"{prefixo}-detalhe-tabela", colunas, "pedidos.csv", paginas=50),
    ])


COLUNAS_DETALHE = [
    {"field": "pedido_id", "headerName": "Pedido", "minWidth": 120},
    {"field": "data", "headerName": "Data", "minWidth": 100, "valueFormatter": {"function": "DATA(params.value)"}},
    {"field": "vendedor_nome", "headerName": "Vendedor", "minWidth": 150},
    {"field": "produto_nome", "headerName": "Produto", "minWidth": 170},
    {"field": "categoria", "headerName": "Categoria", "minWidth": 130},
    {"field": "regiao_nome", "headerName": "Região do cliente", "minWidth": 120},
    {"field": "cupom", "headerName": "Cupom"},
    col_num("quantidade_vendida", "Qtd."), col_num("quantidade_devolvida", "Devolvida"),
    col_moeda("valor_bruto", "Valor bruto", minWidth=120), col_moeda("valor_desconto", "Desconto"),
    col_moeda("valor_total_liquido", "Receita líquida", minWidth=130), col_moeda("custo_total", "Custo"),
    col_moeda("margem_bruta", "Margem bruta", minWidth=120),
]
