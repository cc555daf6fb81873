"""What every page callback does first: read freshness and open warnings, parse and validate the URL filters."""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboards import filters, formatting as fmt, queries, ui


@dataclass
class Contexto:
    filtros: filters.Filtros | None   # resolved (period filled in) and validated; None on error
    atualizado: str                   # "dados atualizados até dd/mm/aaaa"
    erro: str | None                  # a message for the page, or None
    dados_ate: object = None
    conhecidos: dict | None = None
    banner: list = field(default_factory=list)   # the confidence banner's children
    banner_classe: str = "banner"


def preparar(search) -> Contexto:
    at, conhecidos, alertas = queries.em_paralelo(queries.atualizacao, queries.opcoes, queries.alertas_abertos)
    if isinstance(at, queries.Indisponivel):
        banner, classe = ui.texto_banner(None, None)
        return Contexto(None, "dados indisponíveis", at.mensagem, banner=banner, banner_classe=classe)
    banner, classe = ui.texto_banner(at, None if isinstance(alertas, queries.Indisponivel) else alertas)
    texto = (f"dados atualizados até {fmt.data(at['dados_ate'])}" if at["dados_ate"]
             else "ainda não há dados carregados")

    def com_erro(msg, conhecidos_=None):
        return Contexto(None, texto, msg, at["dados_ate"], conhecidos_, banner, classe)
    try:
        f = filters.de_url(search)
    except filters.FiltroInvalido as err:
        return com_erro(f"Filtro inválido: {err}")
    if isinstance(conhecidos, queries.Indisponivel):
        return com_erro(conhecidos.mensagem)
    try:
        filters.validar(f, conhecidos)
    except filters.FiltroInvalido as err:
        return com_erro(f"Filtro inválido: {err}", conhecidos)
    return Contexto(filters.resolver_periodo(f, at["dados_ate"]), texto, None, at["dados_ate"], conhecidos,
                    banner, classe)


def descricao_periodo(f: filters.Filtros) -> str:
    return f"{fmt.data(f.de)} a {fmt.data(f.ate)}"
