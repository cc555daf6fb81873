"""Content fingerprints of the warehouse and the shop, to prove reruns change nothing.

Warehouse rows are compared on natural keys (surrogate keys and lineage columns depend
on the order rows arrived in, which is not what idempotency is about)."""

from __future__ import annotations

import psycopg

# SCD2 dimensions (V020): the version columns are part of the content (a rerun that opened a
# version must show), and facts name the version they are bound to.
VERSION = "valido_de, valido_ate, eh_atual, versao"

WAREHOUSE = {
    "dim_regiao": "SELECT regiao_id, nome, inferido FROM dim.dim_regiao",
    "dim_equipe": "SELECT e.equipe_id, e.nome, r.regiao_id, e.inferido FROM dim.dim_equipe e JOIN dim.dim_regiao r USING (regiao_sk)",
    "dim_vendedor": "SELECT v.vendedor_id, v.nome, e.equipe_id, v.cidade, v.uf, v.inferido, v.valido_de, v.valido_ate, "
                    "v.eh_atual, v.versao FROM dim.dim_vendedor v "
                    "JOIN dim.dim_equipe e USING (equipe_sk)",
    "dim_cliente": "SELECT c.cliente_id, c.nome, c.cidade, c.uf, r.regiao_id, c.segmento, c.inferido, c.valido_de, "
                   "c.valido_ate, c.eh_atual, c.versao FROM dim.dim_cliente c "
                   "JOIN dim.dim_regiao r USING (regiao_sk)",
    "dim_produto": "SELECT produto_id, nome, categoria, preco_lista, custo_unitario, inferido, valido_de, valido_ate, "
                   "eh_atual, versao FROM dim.dim_produto",
    "dim_desconto": "SELECT desconto_id, codigo, campanha, tipo, valor, inferido FROM dim.dim_desconto",
    "fact_vendas": "SELECT f.item_pedido_id, f.pedido_id, f.linha, f.data_sk, c.cliente_id, p.produto_id, v.vendedor_id, "
                   "e.equipe_id, r.regiao_id, d.desconto_id, f.status, f.eh_cancelado, f.quantidade_vendida, "
                   "f.quantidade_devolvida, f.preco_unitario, f.valor_bruto, f.valor_desconto, f.valor_total_liquido, "
                   "f.custo_total, c.versao AS cv, p.versao AS pv, v.versao AS vv FROM fact.fact_vendas f JOIN dim.dim_cliente c USING (cliente_sk) "
                   "JOIN dim.dim_produto p USING (produto_sk) JOIN dim.dim_vendedor v USING (vendedor_sk) "
                   "JOIN dim.dim_equipe e ON e.equipe_sk = f.equipe_sk JOIN dim.dim_regiao r ON r.regiao_sk = f.regiao_sk "
                   "JOIN dim.dim_desconto d USING (desconto_sk)",
    "fact_descontos": "SELECT f.item_pedido_id, d.desconto_id, f.valor_bruto, f.valor_desconto_aplicado, "
                      "f.valor_com_desconto, f.custo_total FROM fact.fact_descontos f JOIN dim.dim_desconto d USING (desconto_sk)",
    "fact_metas": "SELECT f.vendedor_id, f.mes, e.equipe_id, f.valor_meta, v.versao FROM fact.fact_metas f "
                  "JOIN dim.dim_equipe e USING (equipe_sk) JOIN dim.dim_vendedor v ON v.vendedor_sk = f.vendedor_sk",
}


def current_state(query: str) -> str:
    """The same content without history: current versions only, no version columns, facts
    without the version they are bound to."""
    return (f"SELECT to_jsonb(q) - 'valido_de' - 'valido_ate' - 'eh_atual' - 'versao' - 'cv' - 'pv' - 'vv' "
            f"FROM ({query}) q WHERE coalesce((to_jsonb(q) ->> 'eh_atual')::boolean, true)")


def warehouse(conn: psycopg.Connection, history: bool = True) -> dict[str, tuple[int, str]]:
    """history=True (the default) compares every version and the version each fact is bound to.
    Since oltp V002 the shop keeps a change log of customers, products and sellers, and a
    warehouse rebuilt from it reproduces the history of an incremental one (docs/scd2.md), so
    that is the comparison a rebuild must pass. history=False compares the current state only:
    what a rebuild can know when the change log does not cover the period (a shop migrated to
    V002 after the warehouse had already recorded versions, or a truncated change log)."""
    out = {}
    for name, query in WAREHOUSE.items():
        query = query if history else current_state(query)
        out[name] = conn.execute(
            f"SELECT count(*), md5(coalesce(string_agg(q::text, ',' ORDER BY q::text), '')) FROM ({query}) q").fetchone()
    return out


def raw_tables(conn: psycopg.Connection, schemas: tuple[str, ...] = ("dim", "fact")) -> dict[str, tuple[int, str]]:
    """Every column of every table, lineage included: a rerun must not even restamp rows."""
    tables = [r[0] for r in conn.execute(
        "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname = ANY(%s) ORDER BY 1", (list(schemas),))]
    return {t: conn.execute(f"SELECT count(*), md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM {t} x").fetchone()
            for t in tables}
