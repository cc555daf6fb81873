"""What every page callback does first: read freshness, parse and validate the URL filters."""

from __future__ import annotations

from dataclasses import dataclass

from dashboards import filters, formatting as fmt, queries


@dataclass
class Contexto:
    filtros: filters.Filtros | None   # resolved (period filled in) and validated; None on error
    atualizado: str                   # "dados atualizados até dd/mm/aaaa"
    erro: str | None                  # a message for the page, or None
    dados_ate: object = None
    conhecidos: dict | None = None


def preparar(search) -> Contexto:
    at, conhecidos = queries.em_paralelo(queries.atualizacao, queries.opcoes)  # both needed, independent
    if isinstance(at, queries.Indisponivel):
        return Contexto(None, "dados indisponíveis", at.mensagem)
    texto = (f"dados atualizados até {fmt.data(at['dados_ate'])}" if at["dados_ate"]
             else "ainda não há dados carregados")
    try:
        f = filters.de_url(search)
    except filters.FiltroInvalido as err:
        return Contexto(None, texto, f"Filtro inválido: {err}", at["dados_ate"])
    if isinstance(conhecidos, queries.Indisponivel):
        return Contexto(None, texto, conhecidos.mensagem, at["dados_ate"])
    try:
        filters.validar(f, conhecidos)
    except filters.FiltroInvalido as err:
        return Contexto(None, texto, f"Filtro inválido: {err}", at["dados_ate"], conhecidos)
    return Contexto(filters.resolver_periodo(f, at["dados_ate"]), texto, None, at["dados_ate"], conhecidos)


def descricao_periodo(f: filters.Filtros) -> str:
    return f"{fmt.data(f.de)} a {fmt.data(f.ate)}"
