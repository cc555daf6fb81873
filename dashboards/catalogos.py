"""Human labels for what the pages show of the ETL: run statuses, commands and quality checks.

A check is named by a short label; its full description comes from the check catalog
(database/checks/*.sql headers, read by harness.quality.load_catalog), so a new check shows its
catalog description until it is given a short label here. No raw name ('membros_inferidos_abertos
(warn)') reaches a page.
"""

from __future__ import annotations

import re
from functools import lru_cache

STATUS_EXECUCAO = {"succeeded": "concluída", "failed": "falhou", "blocked": "foi bloqueada pela qualidade",
                   "running": "está em execução", "stale": "foi abandonada"}
SEVERIDADE = {"block": "bloqueia a carga", "warn": "aviso"}
COMANDOS = {"load-daily": "carga diária", "quality": "verificação completa", "smoke": "teste rápido",
            "check-sla": "verificação do prazo", "reprocess": "reprocessamento", "load-full": "carga completa"}

ROTULOS_VERIFICACAO = {
    "agregado_confere_com_fato": "Agregados dos painéis diferentes do fato de vendas",
    "anomalia_de_volume": "Volume de vendas da carga fora do normal",
    "atingimento_confere_com_metas": "Atingimento de metas diferente do recálculo",
    "chaves_naturais_duplicadas": "Chaves repetidas em dimensões ou fatos",
    "conservacao_de_linhas": "Linhas lidas não conferem com as carregadas e rejeitadas",
    "consistencia_descontos": "Descontos inconsistentes com as vendas",
    "definicoes_suspensas": "Índices ou chaves estrangeiras não recriados",
    "devolucoes_excedem_vendas": "Devoluções maiores que as vendas",
    "membro_desconhecido_com_chave": "Vendas sem cliente, produto, vendedor ou data conhecidos",
    "membros_inferidos_abertos": "Clientes, produtos ou vendedores ainda não recebidos da loja",
    "metas_cobrem_vendedores": "Vendedores com vendas e sem meta no mês",
    "orfaos_fatos": "Vendas apontando para cadastros inexistentes",
    "reconciliacao_diaria": "Totais diários diferentes entre a loja e o warehouse",
    "atualidade_fatos": "Warehouse sem o último dia da loja",
}


@lru_cache(maxsize=1)
def _descricoes() -> dict[str, str]:
    try:
        from harness import quality

        return {c.name: c.description for c in (*quality.PYTHON_CHECKS, *quality.load_catalog())}
    except (ImportError, OSError, ValueError):
        return {}


def descricao_verificacao(nome: str) -> str:
    """The check's description from the catalog ('' when unknown)."""
    return _descricoes().get(nome, "")


def rotulo_verificacao(nome: str) -> str:
    """Short Portuguese label of a quality check: the label above, else the catalog description's
    first sentence without its parentheses, else the name with spaces."""
    if nome in ROTULOS_VERIFICACAO:
        return ROTULOS_VERIFICACAO[nome]
    texto = descricao_verificacao(nome)
    if texto:
        texto = re.sub(r"\s*\([^)]*\)", "", texto).split(": ")[0].split(". ")[0].rstrip(".")
        return texto[:90]
    return nome.replace("_", " ").capitalize()
