"""The load order, as data: which staging tables feed which procedure, dimensions first.

Each entity is loaded in one warehouse transaction: its staging tables are truncated
and refilled from the shop, then its procedure runs (MERGE + watermark + audit row).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    name: str                      # ctl.etl_control.entity and audit.etl_run_entity.entity
    sources: tuple[str, ...]       # stg tables, each filled by database/extract/<source>.sql
    kind: str                      # 'dim' or 'fact'
    window_sources: tuple[str, ...] = ()  # reprocess: database/extract/<source>__window.sql
    reuses_staging_of: str | None = None  # same sources as this earlier entity: take its staged rows
                                          # when both start from the same watermark (harness.load)

    @property
    def procedure(self) -> str:
        return f"etl.load_{self.name}"


ENTITIES: tuple[Entity, ...] = (
    Entity("dim_regiao", ("regions",), "dim"),
    Entity("dim_equipe", ("teams",), "dim"),
    Entity("dim_vendedor", ("sellers",), "dim"),
    Entity("dim_cliente", ("customers",), "dim"),
    Entity("dim_produto", ("products",), "dim"),
    Entity("dim_desconto", ("discounts",), "dim"),
    Entity("fact_vendas", ("order_lines", "deleted_rows"), "fact", ("order_lines", "deleted_rows")),
    Entity("fact_descontos", ("order_lines", "deleted_rows"), "fact", ("order_lines", "deleted_rows"),
           reuses_staging_of="fact_vendas"),
    Entity("fact_metas", ("sales_targets", "deleted_rows"), "fact", ("sales_targets", "deleted_rows")),
)

# Called inside fact_vendas' transaction with the days whose sales changed, so the
# dashboards' aggregate commits with the fact (database/procs/etl.refresh_agg_vendas_diarias.sql).
AGGREGATE_REFRESH = "etl.refresh_agg_vendas_diarias"    # whole days (first load, reprocess, re-bound days)
GROUP_REFRESH = "etl.refresh_agg_vendas_grupos"         # the groups of the lines the fact load changed

# Goal attainment per seller x month (database/procs/etl.refresh_agg_metas_mensais.sql), called in
# the transaction of each entity that can change it: goals re-bound to another seller version
# (dim_vendedor), sales (fact_vendas, after the aggregates: it reads the seller roll-up), goals.
GOALS_REFRESH = "etl.refresh_agg_metas_mensais"
GOALS_REFRESH_AFTER = ("dim_vendedor", "fact_vendas", "fact_metas")


def entity(name: str) -> Entity:
    for e in ENTITIES:
        if e.name == name:
            return e
    raise KeyError(name)
