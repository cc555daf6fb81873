"""Dicionário de Métricas: the KPI catalog, searchable; every KPI card links here (#dicionario-<id>)."""

from __future__ import annotations

import logging
import unicodedata

import dash
from dash import Input, Output, dcc, html, no_update

from dashboards import contexto, queries, ui

dash.register_page(__name__, path="/dicionario", name="Dicionário de Métricas", title="Dicionário de Métricas")
log = logging.getLogger(__name__)


def _sem_acento(texto: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", texto) if not unicodedata.combining(c)).lower()


def _metrica(m: dict) -> html.Div:
    return html.Div(id=f"dicionario-{m.get('id')}", className="metrica", children=[
        html.H2(m.get("nome", m.get("id"))),
        html.P(m.get("definicao") or m.get("descricao") or ""),
        html.Dl([item for chave, rotulo in (("formula", "Fórmula"), ("sql", "SQL"), ("unidade", "Unidade"),
                                             ("fonte", "Fonte"), ("grao", "Grão"), ("filtros", "Filtros"),
                                             ("responsavel", "Responsável"))
                 if m.get(chave) for item in (html.Dt(rotulo),
                                              html.Dd(html.Code(m[chave]) if chave in ("sql", "fonte")
                                                      else str(m[chave])))]),
    ])


def layout(**_query):
    # rendered in the layout (not by a callback) so the #anchor of a KPI card link exists on arrival
    catalogo = queries.catalogo()
    corpo = (ui.mensagem(catalogo.mensagem) if isinstance(catalogo, queries.Indisponivel)
             else [_metrica(m) for m in catalogo])
    return html.Div([
        ui.cabecalho("dicionario", "Dicionário de Métricas", "A definição única de cada indicador, usada pelas "
                     "views, pelos painéis e pela documentação."),
        ui.aviso("dicionario"),
        dcc.Input(id="dicionario-busca", type="search", placeholder="Buscar métrica (ex.: margem, ROI, meta)",
                  className="busca", debounce=False, maxLength=100),
        html.Div(id="dicionario-lista", children=corpo),
    ])


def filtrar(busca, search=None):
    """Search box + URL -> (freshness, message, the matching metrics). Never raises."""
    try:
        c = contexto.preparar(search)
        catalogo = queries.catalogo()
        if isinstance(catalogo, queries.Indisponivel):
            return c.atualizado, ui.mensagem(catalogo.mensagem), []
        termo = _sem_acento(busca.strip()) if isinstance(busca, str) else ""
        achadas = [m for m in catalogo if not termo or termo in _sem_acento(" ".join(str(v) for v in m.values()))]
        aviso = None if achadas else ui.mensagem(f"Nenhuma métrica encontrada para “{busca[:100]}”.", "info")
        return c.atualizado, aviso, [_metrica(m) for m in achadas]
    except Exception:
        log.exception("dicionario: callback failed")
        return no_update, ui.mensagem("Não foi possível montar a página. Tente novamente."), []


dash.callback(
    Output("dicionario-atualizado", "children"), Output("dicionario-aviso", "children"),
    Output("dicionario-lista", "children"),
    Input("dicionario-busca", "value"), Input("url", "search"),
)(filtrar)

# the page is drawn in the browser after it loads, so the browser's own jump to #dicionario-<id> finds
# nothing: scroll to the metric once the list is there (and mark it, as :target would)
dash.clientside_callback(
    """function (_lista, hash) {
        if (!hash || hash.length < 2) { return window.dash_clientside.no_update; }
        const alvo = document.getElementById(decodeURIComponent(hash.slice(1)));
        if (alvo) {
            alvo.scrollIntoView({block: "start"});
            document.querySelectorAll(".metrica.destaque").forEach((m) => m.classList.remove("destaque"));
            alvo.classList.add("destaque");
        }
        return window.dash_clientside.no_update;
    }""",
    Output("dicionario-lista", "className"), Input("dicionario-lista", "children"), Input("url", "hash"),
)
