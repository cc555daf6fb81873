"""Shared helpers of the dashboard tests: load the known data set, checksum the star schema."""

from __future__ import annotations

from harness import db

from tests import dashdata

TABELAS = ["dim.dim_data", "dim.dim_regiao", "dim.dim_equipe", "dim.dim_vendedor", "dim.dim_cliente",
           "dim.dim_produto", "dim.dim_desconto", "fact.fact_vendas", "fact.fact_metas", "fact.fact_descontos"]


def carregar() -> None:
    from dashboards import queries

    with db.connect("dw", "admin") as conn:
        dashdata.insert_all(conn)
        # the mart aggregate is kept by its refresh procedure (as the loader does after the facts)
        conn.execute("CALL etl.refresh_agg_vendas_diarias(3, %s, %s)", (dashdata.PRIMEIRO_DIA, dashdata.ULTIMO_DIA))
        conn.execute("CALL etl.refresh_agg_metas_mensais(3)")   # goal attainment (V070): every goal is new
        conn.commit()
    queries.limpar_cache()


def checksum() -> dict[str, str]:
    """md5 over every row of every dim/fact table (and the row count), as the administrator."""
    out = {}
    with db.connect("dw", "admin", autocommit=True) as conn:
        for t in TABELAS:
            out[t] = conn.execute(f"SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') "
                                  f"FROM {t} x").fetchone()[0]
    return out
