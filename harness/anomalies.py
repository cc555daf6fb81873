"""KPI anomalies: detection after each load, one alert per new anomaly, the list of anomalies.

After a load-daily whose quality gate passed, `after_load` evaluates the days whose day x region
sales changed since the last evaluation (ctl.anomalia_dia_pendente, marked by a trigger on
mart.agg_pedidos_diarios in the transaction that changed them, so a blocked or failed run
loses none) with etl.detectar_anomalias_kpi: receita líquida, pedidos, ticket médio and margem %
of the whole shop and of each customer region, against the median of the same weekday of the
previous weeks. Thresholds, minimum volume and the method: the `anomalies` section of
metrics/catalog.yaml, rendered into docs/metricas.md.

Then every unexpected anomaly (not a seasonal peak or holiday) of the latest `alert_days` days of
sales that has not been alerted yet opens its own incident in audit.alert_event
(kind 'kpi_anomaly', key 'kpi_anomaly:<day>:<scope>:<kpi>'), through harness.alerts with warning
severity: one alert per anomaly, none for a rerun. An alert that no channel accepted is tried
again by the next run while the day is recent.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import date

import psycopg

from harness import alerts, db, logs, metrics, runs
from harness.errors import ConfigError

ALERT_KIND = "kpi_anomaly"


@dataclass(frozen=True)
class Detection:
    days: int            # days evaluated
    new: int             # anomalies new in this run
    undone: int          # anomalies of the evaluated days no longer found
    alerted: int         # alerts sent
    seconds: float


def settings(catalog: metrics.Catalog | None = None) -> dict | None:
    """The detection's configuration (the catalog's `anomalies` section) as the procedure takes it;
    None when the catalog has no such section (detection off)."""
    catalog = catalog or metrics.load_catalog()
    a = catalog.anomalies
    if a is None:
        return None
    kpis = {}
    for k in a.kpis:
        cfg = {"label": catalog.metric(k.name).label, "z_threshold": k.z_threshold}
        cfg.update({"min_change_pct": k.min_change_pct} if k.min_change_pct is not None
                   else {"min_difference": k.min_difference})
        cfg["min_orders"] = k.min_orders if k.min_orders is not None else a.min_orders
        kpis[k.name] = cfg
    return {"baseline_weeks": a.baseline_weeks, "search_weeks": a.search_weeks, "min_history": a.min_history,
            "min_orders": a.min_orders, "alert_days": a.alert_days, "kpis": kpis}


def detect(dw: psycopg.Connection, run_id: int, config: dict, days: list[date] | None = None) -> tuple[int, int, int]:
    """CALL the detection in the caller's transaction: (days evaluated, new anomalies, undone).
    days None: every pending day (ctl.anomalia_dia_pendente)."""
    row = dw.execute("CALL etl.detectar_anomalias_kpi(%s, %s::jsonb, %s::date[], NULL, NULL, NULL)",
                     (run_id, json.dumps(config), days)).fetchone()
    return row[0], row[1], row[2]


ALERTABLE = """
    SELECT a.anomalia_id, a.data, a.kpi, a.kpi_rotulo, a.observado, a.esperado, a.variacao_pct,
           coalesce(r.regiao_id, 'loja') AS escopo, coalesce(r.nome, 'Loja inteira') AS escopo_nome,
           d.nome_dia_semana, a.dias_base
    FROM dq.anomalia_kpi a
    JOIN dim.dim_data d ON d.data = a.data
    LEFT JOIN dim.dim_regiao r ON r.regiao_sk = a.regiao_sk
    WHERE NOT a.esperada AND a.alertada_em IS NULL AND a.desfeita_run_id IS NULL
      AND a.data > (SELECT max(p.data) FROM mart.agg_pedidos_diarios p WHERE p.data_sk > 0) - %(dias)s
    ORDER BY a.data, escopo_nome, a.kpi"""


def value_text(kpi: str, value) -> str:
    """A KPI value as managers read it (pt-BR): R$ for money, whole orders, % for the margin."""
    from dashboards import formatting as fmt   # plain functions, no Dash import

    if kpi == "pedidos":
        return fmt.numero(value)
    if kpi == "margem_percentual":
        return fmt.percentual(value)
    return fmt.moeda(value)


def sentence(row: dict) -> str:
    """An anomaly in words (digest, Monitor page): day, scope, KPI, observed vs expected, and why it was
    expected. row: a row of mart.vw_anomalias_kpi (or the same columns)."""
    from dashboards import formatting as fmt

    text = (f"{row['nome_dia_semana']}, {fmt.data(row['data'])} · {row['escopo_nome']} · {row['kpi_rotulo']}: "
            f"{value_text(row['kpi'], row['observado'])}, esperado {value_text(row['kpi'], row['esperado'])}")
    if row["variacao_pct"] is not None:
        text += f" ({fmt.variacao(row['variacao_pct'])})"
    if row.get("esperada"):
        text += f"; esperada pelo calendário: {row['motivo_esperado']}"
    return text


def describe(row: dict) -> str:
    """The alert's one line: 'aviso: anomalia de KPI' and the sentence, with its baseline."""
    return (f"aviso: anomalia de KPI · {sentence(row)} (mediana do mesmo dia da semana em "
            f"{row['dias_base']} semanas anteriores)")


def alert_new(dw: psycopg.Connection, run_id: int, alert_days: int) -> int:
    """One alert per unexpected anomaly of the latest `alert_days` days not alerted yet; returns how many went out."""
    cur = dw.execute(ALERTABLE, {"dias": alert_days})
    cols = [c.name for c in cur.description]
    sent = 0
    for row in (dict(zip(cols, r)) for r in cur.fetchall()):
        key = f"{ALERT_KIND}:{row['data'].isoformat()}:{row['escopo']}:{row['kpi']}"
        if alerts.open_incident(ALERT_KIND, key, describe(row), run_id):  # warning: alerts.SEVERITY
            dw.execute("UPDATE dq.anomalia_kpi SET alertada_em = clock_timestamp() WHERE anomalia_id = %s",
                       (row["anomalia_id"],))
            sent += 1
    return sent


def after_load(run_id: int, config: dict) -> Detection:
    """Evaluate the pending days, commit, then alert (the harness calls it after a passing quality gate)."""
    started = time.perf_counter()
    with db.connect("dw", "etl", autocommit=True) as dw:
        with dw.transaction():
            days, new, undone = detect(dw, run_id, config)
        alerted = alert_new(dw, run_id, config["alert_days"])
    result = Detection(days, new, undone, alerted, round(time.perf_counter() - started, 3))
    logs.get_logger().info("kpi_anomalies_detected", **asdict(result))
    return result


STEP = "anomalias_kpi"


def after_gate(run, progress=None) -> Detection | None:
    """The load's call after its quality gate: detect and alert when the run is still 'succeeded'
    (a blocked run leaves its days pending for the next one). A database error fails the run at
    this step, like any other step (the days stay pending)."""
    if run.final_status != "succeeded":
        return None
    run.set_step(STEP)
    config = settings()
    if config is None:
        logs.get_logger().warning("kpi_anomalies_off", reason="metrics/catalog.yaml has no anomalies section")
        return None
    if progress:
        progress(STEP, "start")
    try:
        result = after_load(run.run_id, config)
    except psycopg.Error as exc:
        raise runs.fail_from_db_error(STEP, exc) from exc
    if progress:
        progress(STEP, "done")
    return result


LIST = """
    SELECT data, nome_dia_semana, escopo, regiao_id, escopo_nome, kpi, kpi_rotulo, observado, esperado,
           variacao_pct, desvio_robusto, direcao, esperada, motivo_esperado, alertada_em
    FROM mart.vw_anomalias_kpi
    WHERE (%(de)s::date IS NULL OR data >= %(de)s::date) AND (%(ate)s::date IS NULL OR data <= %(ate)s::date)
    ORDER BY data, escopo <> 'loja', escopo_nome, kpi"""


def list_anomalies(date_from: date | None = None, date_to: date | None = None) -> list[dict]:
    """The anomalies in force between two days (inclusive), as bi_reader reads them."""
    with db.connect("dw", "bi") as conn:
        cur = conn.execute(LIST, {"de": date_from, "ate": date_to})
        cols = [c.name for c in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def redetect(date_from: date, date_to: date) -> Detection:
    """Evaluate every day of [date_from, date_to] again (after a threshold change), in a run of its own
    (command 'anomalies', under the load lock), then alert like a load does."""
    if date_to < date_from:
        raise ConfigError(f"--to {date_to} is before --from {date_from}")
    config = settings()
    if config is None:
        raise ConfigError("metrics/catalog.yaml has no `anomalies` section: KPI anomaly detection is off")
    days = [date.fromordinal(d) for d in range(date_from.toordinal(), date_to.toordinal() + 1)]
    with runs.exclusive_run("anomalies", "manual", None, {"from": str(date_from), "to": str(date_to)}) as run:
        run.set_step(STEP)
        started = time.perf_counter()
        try:
            with db.connect("dw", "etl", autocommit=True) as dw:
                with dw.transaction():
                    evaluated, new, undone = detect(dw, run.run_id, config, days)
                alerted = alert_new(dw, run.run_id, config["alert_days"])
        except psycopg.Error as exc:
            raise runs.fail_from_db_error(STEP, exc) from exc
    return Detection(evaluated, new, undone, alerted, round(time.perf_counter() - started, 3))
