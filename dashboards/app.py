"""The Dash shell: navigation, the global filter bar, the page container.

Pages (dashboards/pages/*.py) register themselves; this module only wires the global
filters to the URL query string, which is the single source of truth every page reads
(so a view can be bookmarked, shared, and survives navigation between pages).
Run with `harness dashboards` (debug off: no dev tools, no stack traces in responses).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import dash
from dash import Input, Output, ctx, dcc, html, no_update

from dashboards import filters, queries, serving

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent

app = dash.Dash(
    "dashboards",  # the package name: pages import as dashboards.pages.<name>
    use_pages=True,
    pages_folder=str(HERE / "pages"),
    assets_folder=str(HERE / "assets"),
    title="Vendas e metas — painel",
    suppress_callback_exceptions=True,  # page components exist only while their page is shown
    update_title=None,
)
server = app.server
serving.configurar(server)  # compression and cache headers, whatever server runs the app

PAGINAS = [("/", "Vendas e Margem"), ("/metas", "Metas e Atingimento"), ("/descontos", "Descontos e ROI"),
           ("/monitor", "Monitor ETL"), ("/dicionario", "Dicionário de Métricas")]
_DROPDOWNS = [("regiao", "Região"), ("categoria", "Categoria"), ("equipe", "Equipe"), ("vendedor", "Vendedor")]
# pages whose content the global filters change (Monitor and Dicionário are not filtered)
PAGINAS_FILTRADAS = ("/", "/metas", "/descontos")
DICAS = {"regiao": "Vendas: região do cliente. Metas: região da equipe do vendedor. "
                    "\"Não informado\": pedidos cujo cliente não tem região conhecida.",
         "equipe": "Equipe do vendedor na data da venda (metas: no 1º dia do mês)."}
# dcc.Dropdown's own texts, in Portuguese ({num_selected} is filled in by the component)
ROTULOS_DROPDOWN = {"select_all": "Selecionar todos", "deselect_all": "Limpar seleção",
                    "selected_count": "{num_selected} selecionados", "search": "Buscar",
                    "clear_search": "Limpar busca", "clear_selection": "Limpar seleção",
                    "no_options_found": "Nenhuma opção encontrada"}


def _barra_filtros() -> html.Div:
    itens = [html.Div(className="filtro filtro-periodo", children=[
        html.Label("Período", htmlFor="filtro-periodo"),
        dcc.DatePickerRange(id="filtro-periodo", display_format="DD/MM/YYYY", first_day_of_week=1,
                            start_date_placeholder_text="início", end_date_placeholder_text="fim",
                            minimum_nights=0, clearable=True, month_format="MMMM YYYY"),
    ])]
    for nome, rotulo in _DROPDOWNS:
        itens.append(html.Div(className="filtro", title=DICAS.get(nome), children=[
            html.Label(rotulo, htmlFor=f"filtro-{nome}"),
            dcc.Dropdown(id=f"filtro-{nome}", multi=True, placeholder="Todas" if nome != "vendedor" else "Todos",
                         options=[], value=[], labels=ROTULOS_DROPDOWN, maxHeight=260),
        ]))
    return html.Div(className="filtros-area", id="filtro-area", children=[
        # on a phone the filters fold behind this button (CSS shows it only on narrow screens)
        html.Button("Filtros", id="filtro-alternar", className="botao filtro-alternar", n_clicks=0,
                    **{"aria-expanded": "false", "aria-controls": "filtro-barra"}),
        html.Div(itens, className="filtros", id="filtro-barra"),
    ])


app.layout = html.Div([
    dcc.Location(id="url", refresh="callback-nav"),
    html.Div(className="topo", children=[
        html.Span("Painel Comercial", className="marca"),
        html.Nav(className="nav", children=[
            dcc.Link(rotulo, href=caminho, id=f"nav-{(caminho.strip('/') or 'vendas')}") for caminho, rotulo in PAGINAS
        ]),
    ]),
    _barra_filtros(),
    html.Main(dash.page_container, className="conteudo"),
])


def barra_visivel(pathname, n_cliques):
    """The filter bar only on pages it filters; on a phone it opens and closes with its button.
    (The browser runs BARRA_VISIVEL_JS, the same rule, without a round trip.)"""
    atual = pathname if isinstance(pathname, str) else "/"
    if atual not in PAGINAS_FILTRADAS:
        return "filtros-area oculta", "false"
    aberta = bool(n_cliques) and n_cliques % 2 == 1
    return ("filtros-area aberta" if aberta else "filtros-area"), ("true" if aberta else "false")


BARRA_VISIVEL_JS = """function (pathname, n) {
    if (!%s.includes(pathname || "/")) { return ["filtros-area oculta", "false"]; }
    const aberta = Boolean(n) && n %% 2 === 1;
    return [aberta ? "filtros-area aberta" : "filtros-area", aberta ? "true" : "false"];
}""" % json.dumps(list(PAGINAS_FILTRADAS))
dash.clientside_callback(BARRA_VISIVEL_JS, Output("filtro-area", "className"), Output("filtro-alternar", "aria-expanded"),
                         Input("url", "pathname"), Input("filtro-alternar", "n_clicks"))


def links_navegacao(search, pathname):
    """Every navigation link keeps the current query string, so filters follow the user.
    (The browser runs LINKS_JS, the same rule, without a round trip.)"""
    sufixo = search if isinstance(search, str) and len(search) <= filters.MAX_QUERY else ""
    atual = pathname if isinstance(pathname, str) else "/"
    hrefs = [f"{caminho}{sufixo}" for caminho, _ in PAGINAS]
    classes = ["ativo" if atual == caminho else "" for caminho, _ in PAGINAS]
    return (*hrefs, *classes)


LINKS_JS = """function (search, pathname) {
    const caminhos = %s;
    const sufixo = (typeof search === "string" && search.length <= %d) ? search : "";
    const atual = typeof pathname === "string" ? pathname : "/";
    return caminhos.map((c) => c + sufixo).concat(caminhos.map((c) => (c === atual ? "ativo" : "")));
}""" % (json.dumps([c for c, _ in PAGINAS]), filters.MAX_QUERY)
dash.clientside_callback(
    LINKS_JS,
    [Output(f"nav-{(c.strip('/') or 'vendas')}", "href") for c, _ in PAGINAS]
    + [Output(f"nav-{(c.strip('/') or 'vendas')}", "className") for c, _ in PAGINAS],
    Input("url", "search"), Input("url", "pathname"),
)


def opcoes_filtros():
    """Dropdown options from the mart (label = name, value = natural key); empty when unavailable."""
    conhecidos = queries.opcoes()
    if isinstance(conhecidos, queries.Indisponivel):
        return [[] for _ in _DROPDOWNS]
    return [[{"label": rotulo, "value": valor} for valor, rotulo in sorted(conhecidos[d].items(), key=lambda x: x[1])]
            for d, _ in _DROPDOWNS]


def sincronizar(search, de, ate, regiao, categoria, equipe, vendedor):
    """URL -> filter bar (page load, back/forward) or filter bar -> URL (the user changed a filter).

    Options and values are set together (a value arriving before its option would be dropped).
    Returns (url search, de, ate, regiao, categoria, equipe, vendedor, *options)."""
    vazio = (no_update,) * 10
    if ctx.triggered_id == "url" or ctx.triggered_id is None:
        opcoes = opcoes_filtros()
        try:
            f = filters.de_url(search)
            conhecidos = queries.opcoes()
            if not isinstance(conhecidos, queries.Indisponivel):
                filters.validar(f, conhecidos)  # an unknown value stays in the URL: the page explains it
        except filters.FiltroInvalido:
            return (no_update, *(no_update,) * 6, *opcoes)  # the page shows the message
        ultima = queries.atualizacao()
        ultima = None if isinstance(ultima, queries.Indisponivel) else ultima["dados_ate"]
        p = filters.resolver_periodo(f, ultima)
        return (no_update, p.de.isoformat(), p.ate.isoformat(), list(f.regiao), list(f.categoria),
                list(f.equipe), list(f.vendedor), *opcoes)
    try:
        f = filters.montar(de, ate, regiao, categoria, equipe, vendedor)
    except filters.FiltroInvalido:
        return (no_update, *vazio)
    novo = filters.para_url(f, search)
    return (novo if novo != (search or "") else no_update, *vazio)


dash.callback(
    Output("url", "search"), Output("filtro-periodo", "start_date"), Output("filtro-periodo", "end_date"),
    *[Output(f"filtro-{d}", "value") for d, _ in _DROPDOWNS],
    *[Output(f"filtro-{d}", "options") for d, _ in _DROPDOWNS],
    Input("url", "search"), Input("filtro-periodo", "start_date"), Input("filtro-periodo", "end_date"),
    *[Input(f"filtro-{d}", "value") for d, _ in _DROPDOWNS],
)(sincronizar)


@server.errorhandler(Exception)
def _erro_interno(err):  # pragma: no cover - last resort; Dash callbacks catch their own errors
    """Never a stack trace or SQL text in a response: log it, answer a short message."""
    from werkzeug.exceptions import HTTPException

    if isinstance(err, HTTPException):
        return err
    log.exception("unhandled error in the dashboards")
    return {"erro": "Erro interno do painel. A equipe de dados foi avisada pelo log."}, 500
