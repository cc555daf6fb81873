"""The daily load, reprocessing and the read-only views of it (plan, status).

`load_daily` runs every entity of harness.steps.ENTITIES in order, each in one
warehouse transaction: refill its staging tables from the shop (streamed COPY of the
rows changed since its watermark minus an overlap), CALL its procedure (screens,
MERGE, watermark, audit row). A failure stops the run, leaves every entity before it
committed and the failing one untouched; the next run resumes (committed entities
find nothing new, the rest load). Data never passes through Python whole.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import psycopg

from harness import anomalies, db, extract, logs, quality, runs
from harness.steps import (AGGREGATE_REFRESH, ENTITIES, GOALS_REFRESH, GOALS_REFRESH_AFTER, GROUP_REFRESH, Entity,
                           entity as entity_by_name)

DEFAULT_OVERLAP_MINUTES = 120  # must exceed the longest write transaction of the shop (late commits)
Progress = Callable[[str, str], None]  # (step, state) -> None; state: 'start' or 'done'


def overlap_minutes() -> int:
    return int(os.environ.get("HARNESS_OVERLAP_MINUTES", DEFAULT_OVERLAP_MINUTES))


@dataclass
class RunSummary:
    run_id: int
    status: str
    seconds: float
    entities: list[dict] = field(default_factory=list)
    checks: list = field(default_factory=list)      # quality.Result of this run

    @property
    def failed_checks(self) -> list:
        return [c for c in self.checks if c.status != "pass"]


def _window(dw: psycopg.Connection, shop: psycopg.Connection, e: Entity) -> dict:
    """(since, until] of an entity: since = watermark - overlap, until = the shop's clock now (the next
    watermark). The extraction queries compare it with updated_at, or for the change logs of customers,
    products and sellers with recorded_at (when a state was written, whatever its effective updated_at);
    both default to the writing transaction's start, so the overlap covers late commits alike."""
    row = dw.execute("SELECT watermark::text, (watermark - make_interval(mins => %s))::text "
                     "FROM ctl.etl_control WHERE entity = %s", (overlap_minutes(), e.name)).fetchone()
    watermark, since = row if row else ("-infinity", "-infinity")
    until = shop.execute("SELECT now()::text").fetchone()[0]
    return {"watermark": watermark, "since": since, "until": until}


def _snapshot_categories(dw: psycopg.Connection) -> None:
    """Before dim_produto's CALL: the category of every staged product already in the dimension."""
    dw.execute("""
        CREATE TEMP TABLE harness_pre_categories ON COMMIT DROP AS
        SELECT p.produto_sk, p.categoria, p.inferido FROM dim.dim_produto AS p
        WHERE p.produto_id IN (SELECT product_id FROM stg.products)""")


def _mark_recategorised_groups(dw: psycopg.Connection, run_id: int) -> None:
    """After dim_produto's CALL: the aggregate groups (seller-days) in which re-categorised products
    sold become pending (ctl.agg_grupos_pendentes; the category is recomputed with the seller-day)."""
    dw.execute("""
        INSERT INTO ctl.agg_grupos_pendentes (data_sk, regiao_sk, equipe_sk, vendedor_sk, run_id)
        SELECT DISTINCT f.data_sk, f.regiao_sk, f.equipe_sk, f.vendedor_sk, %(run)s
        FROM harness_pre_categories AS pre
        JOIN dim.dim_produto AS p ON p.produto_sk = pre.produto_sk
        JOIN fact.fact_vendas AS f ON f.produto_sk = p.produto_sk
        WHERE p.categoria IS DISTINCT FROM pre.categoria AND NOT f.eh_cancelado
        ON CONFLICT DO NOTHING""", {"run": run_id})


# the fact columns the aggregates and the reconciliation are computed from; etl.load_fact_vendas
# compares exactly these between the old and the new version of a line (RETURNING old/new) to decide
# that a line changed (its groups refreshed, its order reconciled): a line whose values here did not
# change (a status moving from shipped to delivered) changes nothing downstream. Kept in step with
# the procedure's list by tests/test_load.py.
AGGREGATED_COLUMNS = ("data_sk", "pedido_id", "cliente_sk", "produto_sk", "vendedor_sk", "equipe_sk", "regiao_sk", "desconto_sk",
                      "eh_cancelado", "quantidade_vendida", "quantidade_devolvida", "valor_bruto", "valor_desconto",
                      "valor_total_liquido", "custo_total", "valor_frete")


def _refresh_aggregates(dw: psycopg.Connection, run_id: int, whole_days: set[date]) -> tuple[set[date], set[date]]:
    """Inside fact_vendas' transaction, after its CALL: bring the aggregates up to date; returns the
    days refreshed whole and the days of the groups refreshed (for the quality gate).

    Whole days (etl.refresh_agg_vendas_diarias): `whole_days` (a reprocess window) and the days a
    load left in ctl.agg_refresh_pending (a dimension load re-bound or re-categorised their lines,
    or the first load of the fact). Then the groups of every line the fact load changed
    (ctl.agg_grupos_pendentes, etl.refresh_agg_vendas_grupos), minus those whole days."""
    if dw.execute("SELECT to_regprocedure(%s) IS NULL", (f"{AGGREGATE_REFRESH}(bigint,date,date)",)).fetchone()[0]:
        return whole_days, set()
    whole = whole_days | {r[0] for r in dw.execute("DELETE FROM ctl.agg_refresh_pending RETURNING data").fetchall()}
    grouped = {r[0] for r in dw.execute(
        "SELECT d.data FROM (SELECT DISTINCT data_sk FROM ctl.agg_grupos_pendentes) AS g "
        "JOIN dim.dim_data AS d USING (data_sk)").fetchall()}
    for first, last in _ranges(sorted(whole)):
        dw.execute(f"CALL {AGGREGATE_REFRESH}(%s, %s, %s)", (run_id, first, last))  # removes their days' groups
    if grouped - whole:
        dw.execute(f"CALL {GROUP_REFRESH}(%s)", (run_id,))
    return whole, grouped


def _changed(dw: psycopg.Connection) -> set[tuple[date, str]]:
    """After fact_vendas' CALL: the (day, order) of every line whose aggregated or reconciled figures may
    have changed in this run: every new line, and the old and new day and order of every line deleted
    or whose aggregated columns changed, as etl.load_fact_vendas listed them from its RETURNING old/new
    (pg_temp.etl_fact_vendas_alteradas; empty on the bulk path, whose days wait whole in
    ctl.agg_refresh_pending)."""
    rows = dw.execute("SELECT DISTINCT d.data, a.pedido_id FROM pg_temp.etl_fact_vendas_alteradas AS a "
                      "JOIN dim.dim_data AS d USING (data_sk)").fetchall()
    return {(r[0], r[1]) for r in rows}


# more changed orders than this (a first load, a catch-up): their days are reconciled whole instead
# (past quality.DAYS_QUERY_LIMIT days, by the full-history query), cheaper than a list this long
PENDING_ORDERS_LIMIT = 100_000


def _owe_reconciliation(dw: psycopg.Connection, run_id: int, changes: set[tuple[date, str]],
                        whole_days: set[date], refreshed: frozenset[date] | set[date] = frozenset()) -> None:
    """Record what the quality gate of this run (and of later runs, until they match) checks (V090):
    the changed orders, their days marked por_pedido; whole days when asked (a reprocess; lines
    re-bound by a dimension load, which the checks must read) or when the change is too large to
    list. `refreshed`: days whose aggregates were rewritten; those with no changed order (groups of a
    product re-categorised in place) are owed with no order, so the aggregate check (%(datas)s)
    reads them while the reconciliation and the fact-line checks, which they did not move, do not."""
    orders = {o for _, o in changes}
    if len(orders) > PENDING_ORDERS_LIMIT:
        whole_days, orders = whole_days | {d for d, _ in changes}, set()
    by_order = ({d for d, _ in changes} | set(refreshed)) - whole_days
    # a day owed whole stays whole when orders of it are added (por_pedido AND ...)
    dw.execute("INSERT INTO ctl.reconcile_pending (data, run_id, por_pedido) "
               "SELECT d, %s, p FROM unnest(%s::date[], %s::boolean[]) AS u (d, p) "
               "ON CONFLICT (data) DO UPDATE SET por_pedido = ctl.reconcile_pending.por_pedido AND EXCLUDED.por_pedido",
               (run_id, sorted(whole_days) + sorted(by_order), [False] * len(whole_days) + [True] * len(by_order)))
    dw.execute("INSERT INTO ctl.reconcile_pending_order (pedido_id, run_id) SELECT unnest(%s::text[]), %s "
               "ON CONFLICT (pedido_id) DO NOTHING", (sorted(orders), run_id))


def _load_entity(run: runs.Run, dw: psycopg.Connection, shop: psycopg.Connection, e: Entity,
                 reprocess: tuple[date, date] | None = None, staged: dict | None = None) -> dict:
    """Load one entity in one transaction; returns the window it loaded.

    staged: entity name -> window, for the entities this run has already loaded. An entity that
    reuses another's staging (Entity.reuses_staging_of) and starts from the same watermark takes
    that entity's rows, still in stg (committed with it), and its `until`, instead of extracting
    them again: the same lines, so the two facts stay in step (1M lines, ~20 s, at scale 1)."""
    run.set_step(e.name)
    window = _window(dw, shop, e)
    donor = (staged or {}).get(e.reuses_staging_of) if e.reuses_staging_of and not reprocess else None
    reuse = donor is not None and donor["since"] == window["since"]
    if reuse:
        window = {**window, "until": donor["until"]}
    with dw.transaction():
        if reuse:
            pass  # stg holds exactly the donor's window
        elif reprocess and e.kind == "fact":
            params = {"date_from": reprocess[0], "date_to": reprocess[1]}
            for source in e.window_sources:
                extract.copy_into_staging(shop, dw, source, params, window=True)
        else:
            params = {"since": "-infinity" if reprocess else window["since"], "until": window["until"]}
            for source in e.sources:
                extract.copy_into_staging(shop, dw, source, params)
        if e.name == "dim_produto":
            _snapshot_categories(dw)
        if reprocess and e.kind == "fact":
            _record_checksums(dw, run.run_id, e, reprocess, "antes")
            dw.execute(f"CALL {e.procedure}(%s, %s::timestamptz, %s, %s)",
                       (run.run_id, window["watermark"], reprocess[0], reprocess[1]))
            _record_checksums(dw, run.run_id, e, reprocess, "depois")
        else:
            dw.execute(f"CALL {e.procedure}(%s, %s::timestamptz)", (run.run_id, window["until"]))
        if e.name == "dim_produto":
            _mark_recategorised_groups(dw, run.run_id)
        if e.name == "fact_vendas":
            changes = _changed(dw)
            whole = set()
            if reprocess:  # lines absent from the window were deleted: every day of it may have changed
                whole = {reprocess[0] + timedelta(days=i) for i in range((reprocess[1] - reprocess[0]).days + 1)}
            # same transaction: the aggregate never lags the fact. Refreshed whole: the reprocess window,
            # days a dimension load re-bound lines on, the first load's days; those are owed whole too
            whole, grouped = _refresh_aggregates(dw, run.run_id, whole)
            days = whole | grouped   # days whose figures may have changed
            _owe_reconciliation(dw, run.run_id, changes, whole, days)
        if e.name in GOALS_REFRESH_AFTER:  # same transaction: goal attainment never lags goals or sales
            _refresh_goals(dw, run.run_id, e.name, days if e.name == "fact_vendas" else set())
    return window


def _refresh_goals(dw: psycopg.Connection, run_id: int, entity: str, days: set[date]) -> None:
    """Recompute mart.agg_metas_mensais for the months of `days` (sales changed) and for every
    month whose goals changed (the procedure finds those itself). Skipped when the step changed
    nothing: no day for fact_vendas; no row written or re-bound for dim_vendedor / fact_metas
    (a rerun with nothing new pays nothing)."""
    if entity == "fact_vendas":
        if not days:
            return
    elif not dw.execute("SELECT coalesce(sum(rows_inserted + rows_updated + rows_deleted + rows_rebound), 0) > 0 "
                        "FROM audit.etl_run_entity WHERE run_id = %s AND entity = %s", (run_id, entity)).fetchone()[0]:
        return
    if dw.execute("SELECT to_regprocedure(%s) IS NULL", (f"{GOALS_REFRESH}(bigint,date[])",)).fetchone()[0]:
        return
    dw.execute(f"CALL {GOALS_REFRESH}(%s, %s::date[])", (run_id, sorted({d.replace(day=1) for d in days})))


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for d in days:
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


ANALYZE_FRACTION = 0.1   # as autovacuum's default analyze scale factor


def _analyze_changed_tables(dw: psycopg.Connection, run_id: int) -> list[str]:
    """ANALYZE every table this run changed by more than ANALYZE_FRACTION of its size (or never
    analyzed), so what runs next (quality gate, dashboards) is planned on real statistics instead of
    waiting for autovacuum. Dimensions and facts: their entity rows of audit.etl_run_entity (dim_* and
    fact_* are tables of those schemas). The mart aggregates share one audit row ('agg_vendas_diarias'
    counts daily and monthly rows together), which analyzed every small aggregate on every daily run
    (~80 ms at scale 1 for tables that had changed a few rows): they are judged by their own count of
    rows modified since their last ANALYZE (pg_stat_user_tables, autovacuum's measure), after this
    connection's pending counts are flushed (the ETL's loads ran on this connection)."""
    dw.execute("SELECT pg_stat_force_next_flush()")   # flushed when this statement's transaction ends
    rows = dw.execute("""
        WITH changed AS (
            SELECT split_part(entity, '_', 1) AS schema_name, entity, rows_inserted + rows_updated + rows_deleted AS changes
            FROM audit.etl_run_entity
            WHERE run_id = %(run)s AND rows_inserted + rows_updated + rows_deleted > 0 AND entity NOT LIKE 'agg\\_%%'
        )
        SELECT format('%%I.%%I', n.nspname, c.relname)
        FROM changed AS ch
        JOIN pg_namespace AS n ON n.nspname = ch.schema_name
        JOIN pg_class AS c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p') AND c.relname = ch.entity
        WHERE c.reltuples < 0 OR ch.changes > %(fraction)s * c.reltuples
        UNION
        SELECT format('%%I.%%I', s.schemaname, s.relname)
        FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
        WHERE s.schemaname = 'mart' AND s.n_mod_since_analyze > 0
          AND (c.reltuples < 0 OR s.n_mod_since_analyze > %(fraction)s * c.reltuples)""",
                      {"run": run_id, "fraction": ANALYZE_FRACTION}).fetchall()
    tables = sorted(r[0] for r in rows)
    for table in tables:
        dw.execute(f"ANALYZE {table}")  # names from the catalog, quoted by format(%I)
    return tables


def _run_entities(run: runs.Run, entities: list[Entity], reprocess: tuple[date, date] | None,
                  progress: Progress | None) -> None:
    log = logs.get_logger()
    # autocommit: each `with dw.transaction()` below is a real transaction, committed on exit
    with db.connect("dw", "etl", autocommit=True) as dw, db.connect("oltp", "etl", autocommit=True) as shop:
        staged: dict[str, dict] = {}
        for e in entities:
            if progress:
                progress(e.name, "start")
            started = time.perf_counter()
            try:
                staged[e.name] = _load_entity(run, dw, shop, e, reprocess, staged)
            except psycopg.Error as exc:
                raise runs.fail_from_db_error(e.name, exc) from exc
            log.info("entity_loaded", entity=e.name, seconds=round(time.perf_counter() - started, 3))
            if progress:
                progress(e.name, "done")
        analyzed = _analyze_changed_tables(dw, run.run_id)
        if analyzed:
            log.info("tables_analyzed", tables=analyzed)


def _summary(run_id: int, started: float) -> RunSummary:
    with db.connect("dw", "etl") as dw:
        status = dw.execute("SELECT status FROM audit.etl_run WHERE run_id = %s", (run_id,)).fetchone()[0]
        cur = dw.execute(
            "SELECT entity, rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged, rows_rejected, rows_rebound, "
            "round(extract(epoch FROM finished_at - started_at)::numeric, 3) AS seconds "
            "FROM audit.etl_run_entity WHERE run_id = %s ORDER BY finished_at", (run_id,))
        cols = [c.name for c in cur.description]
        entities = [dict(zip(cols, r)) for r in cur.fetchall()]
    return RunSummary(run_id, status, round(time.perf_counter() - started, 3), entities)


def load_daily(business_date: date | None = None, trigger: str = "manual",
               progress: Progress | None = None) -> RunSummary:
    """The main job: load every entity's changes since its watermark."""
    started = time.perf_counter()
    with runs.exclusive_run("load-daily", trigger, business_date,
                            {"overlap_minutes": overlap_minutes()}) as run:
        _run_entities(run, list(ENTITIES), None, progress)
        checks = _quality_gate(run, progress)
        anomalies.after_gate(run, progress)   # KPI anomalies of the changed days, once the gate passed
    summary = _summary(run.run_id, started)
    summary.checks = checks
    return summary


def _quality_gate(run: runs.Run, progress: Progress | None) -> list:
    """Run the quality catalog; a failing blocking check ends the run as 'blocked'."""
    run.set_step("quality")
    if progress:
        progress("quality", "start")
    results = quality.run_checks(run.run_id, incremental=True)
    if progress:
        progress("quality", "done")
    blocking = [r.check.name for r in results if r.blocking]
    if blocking:
        run.final_status = "blocked"
        logs.get_logger().error("quality_gate_blocked", checks=blocking)
    return results


def reprocess(date_from: date, date_to: date, entity: str | None = None, trigger: str = "manual",
              progress: Progress | None = None) -> RunSummary:
    """Replace a date window of the facts (or one entity) from the shop, atomically per entity."""
    if date_to < date_from:
        from harness.errors import ConfigError
        raise ConfigError(f"--to {date_to} is before --from {date_from}")
    try:
        chosen = [entity_by_name(entity)] if entity else [e for e in ENTITIES if e.kind == "fact"]
    except KeyError:
        from harness.errors import ConfigError
        raise ConfigError(f"unknown entity {entity!r}; one of: {', '.join(e.name for e in ENTITIES)}") from None
    started = time.perf_counter()
    with runs.exclusive_run("reprocess", trigger, None,
                            {"from": str(date_from), "to": str(date_to), "entity": entity}) as run:
        _run_entities(run, chosen, (date_from, date_to), progress)
    return _summary(run.run_id, started)


CHECKSUM_SQL = {
    "fact_vendas": """
        SELECT d.data, count(*), coalesce(sum(valor_total_liquido) FILTER (WHERE NOT eh_cancelado), 0),
               coalesce(sum(custo_total) FILTER (WHERE NOT eh_cancelado), 0), coalesce(sum(quantidade_vendida), 0),
               md5(string_agg(concat_ws('|', item_pedido_id, status, quantidade_vendida, quantidade_devolvida,
                   valor_bruto, valor_desconto, custo_total, cliente_sk, produto_sk, vendedor_sk), ',' ORDER BY item_pedido_id))
        FROM fact.fact_vendas f JOIN dim.dim_data d USING (data_sk)
        WHERE d.data BETWEEN %(f)s AND %(t)s GROUP BY d.data""",
    "fact_descontos": """
        SELECT d.data, count(*), coalesce(sum(valor_com_desconto), 0), coalesce(sum(valor_desconto_aplicado), 0), 0,
               md5(string_agg(concat_ws('|', item_pedido_id, desconto_sk, valor_bruto, valor_desconto_aplicado),
                   ',' ORDER BY item_pedido_id))
        FROM fact.fact_descontos f JOIN dim.dim_data d USING (data_sk)
        WHERE d.data BETWEEN %(f)s AND %(t)s GROUP BY d.data""",
    "fact_metas": """
        SELECT mes, count(*), coalesce(sum(valor_meta), 0), 0, 0,
               md5(string_agg(concat_ws('|', vendedor_id, valor_meta, vendedor_sk, equipe_sk), ',' ORDER BY vendedor_id))
        FROM fact.fact_metas WHERE mes BETWEEN date_trunc('month', %(f)s::date) AND %(t)s GROUP BY mes""",
}


def _record_checksums(dw: psycopg.Connection, run_id: int, e: Entity, window: tuple[date, date], phase: str) -> None:
    dw.execute(
        "INSERT INTO audit.reprocess_checksum (run_id, entity, dia, linhas, receita, custo, quantidade, checksum, fase) "
        f"SELECT %(run)s, %(entity)s, x.*, %(phase)s FROM ({CHECKSUM_SQL[e.name]}) AS x",
        {"run": run_id, "entity": e.name, "phase": phase, "f": window[0], "t": window[1]})


def reprocess_evidence(run_id: int) -> list[dict]:
    """Per-day before/after checksums of a reprocess run, with whether each day changed."""
    with db.connect("dw", "etl") as dw:
        cur = dw.execute("""
            SELECT coalesce(a.entity, b.entity) AS entity, coalesce(a.dia, b.dia) AS dia,
                   a.receita AS receita_antes, b.receita AS receita_depois,
                   a.linhas AS linhas_antes, b.linhas AS linhas_depois,
                   a.checksum IS NOT DISTINCT FROM b.checksum AS igual
            FROM (SELECT * FROM audit.reprocess_checksum WHERE run_id = %(r)s AND fase = 'antes') a
            FULL JOIN (SELECT * FROM audit.reprocess_checksum WHERE run_id = %(r)s AND fase = 'depois') b
                   ON a.entity = b.entity AND a.dia = b.dia
            ORDER BY 1, 2""", {"r": run_id})
        cols = [c.name for c in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def plan() -> list[dict]:
    """Each entity's window and how many source rows it would read; changes nothing."""
    out = []
    with db.connect("dw", "etl", autocommit=True) as dw, db.connect("oltp", "etl", autocommit=True) as shop:
        for e in ENTITIES:
            window = _window(dw, shop, e)
            params = {"since": window["since"], "until": window["until"]}
            counts = {s: extract.count_rows(shop, s, params) for s in e.sources}
            out.append({"entity": e.name, "watermark": window["watermark"], "since": window["since"],
                        "until": window["until"], "rows": counts})
    return out


def status(limit: int = 10) -> dict:
    """Last runs, the entities of the latest one, watermarks, data freshness and open rejects by rule."""
    with db.connect("dw", "etl") as dw:
        def rows(query, params=()):
            cur = dw.execute(query, params)
            cols = [c.name for c in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]

        result = {
            "runs": rows("SELECT run_id, command, status, business_date, started_at, "
                         "round(extract(epoch FROM coalesce(finished_at, clock_timestamp()) - started_at)::numeric, 1) AS seconds, "
                         "failed_step, error_message FROM audit.etl_run ORDER BY run_id DESC LIMIT %s", (limit,)),
            "watermarks": rows("SELECT entity, watermark::text AS watermark, last_run_id FROM ctl.etl_control ORDER BY entity"),
            "freshness": rows("SELECT (SELECT max(d.data) FROM fact.fact_vendas f JOIN dim.dim_data d USING (data_sk) "
                              "WHERE f.data_sk > 0) AS ultima_venda, (SELECT max(finished_at) FROM audit.etl_run "
                              "WHERE status = 'succeeded') AS ultima_carga_ok")[0],
        }
        # rejects whose source row is still bad (audit.vw_rejeicoes_abertas), by rule
        result["open_rejects"] = rows(
            "SELECT entity, rule, count(*) AS rows, min(rejected_at) AS oldest, max(rejected_at) AS newest "
            "FROM audit.vw_rejeicoes_abertas GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2")
        last = result["runs"][0]["run_id"] if result["runs"] else None
        result["entities"] = rows(
            "SELECT entity, rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged, rows_rejected, rows_rebound, "
            "round(extract(epoch FROM finished_at - started_at)::numeric, 3) AS seconds "
            "FROM audit.etl_run_entity WHERE run_id = %s ORDER BY finished_at", (last,)) if last else []
    return result
