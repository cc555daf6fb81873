"""The metric catalog (metrics/catalog.yaml): load, validate, query, document.

One definition per KPI (DESIGN section 4, PRD 11.1). `load_catalog()` checks the file's
shape (required keys, unique snake_case names, known formats and filters, sources that
map every allowed filter, NULLIF in every division) and raises CatalogError listing every
problem. `metric_query()` builds the parameterized SELECT for a metric and a set of
filters (filter values are bind parameters; the expression itself comes from the
reviewed catalog file). `render_docs()` renders docs/metricas.md from the catalog with
the Jinja2 template docs/templates/metricas.md.j2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from psycopg import sql

from harness.errors import HarnessError
from harness.paths import project_dir

FORMATS = ("brl", "percent", "ratio", "integer")
FILTERS = ("periodo", "regiao", "categoria", "equipe", "vendedor")
REQUIRED = ("name", "label", "description", "formula", "source", "sql", "unit", "format", "grain",
            "filters", "owner")
OPTIONAL = ("sql_agg",)
AGG_SOURCE = "mart.vw_vendas_diarias"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
SOURCE = re.compile(r"^mart\.[a-z][a-z0-9_]*$")


class CatalogError(HarnessError):
    exit_code = 2


def catalog_path() -> Path:
    return project_dir() / "metrics" / "catalog.yaml"


def docs_path() -> Path:
    return project_dir() / "docs" / "metricas.md"


def template_dir() -> Path:
    return project_dir() / "docs" / "templates"


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    description: str
    formula: str
    source: str
    sql: str
    unit: str
    format: str
    grain: str
    filters: tuple[str, ...]
    owner: str
    sql_agg: str | None = None


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    period_grain: str                 # 'day' or 'month'
    filters: dict[str, str]           # filter name -> column


@dataclass(frozen=True)
class AnomalyKpi:
    name: str                         # a metric of the catalog, one of ANOMALY_KPIS
    z_threshold: float
    min_change_pct: float | None      # smallest deviation, % of the expected value ...
    min_difference: float | None      # ... or in the metric's unit (exactly one of the two)
    min_orders: float | None = None   # this KPI's minimum volume (None: the section's)


@dataclass(frozen=True)
class Anomalies:
    """The `anomalies` section: KPI anomaly detection (harness/anomalies.py)."""
    description: str
    baseline_weeks: int
    search_weeks: int
    min_history: int
    min_orders: float
    alert_days: int
    kpis: tuple[AnomalyKpi, ...]


@dataclass(frozen=True)
class Catalog:
    version: int
    rules: list[dict[str, str]]
    sources: dict[str, Source]
    metrics: list[Metric] = field(default_factory=list)
    anomalies: Anomalies | None = None

    def metric(self, name: str) -> Metric:
        for m in self.metrics:
            if m.name == name:
                return m
        raise CatalogError(f"unknown metric {name!r}; known: {', '.join(m.name for m in self.metrics)}")

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.metrics]


# the KPIs etl.detectar_anomalias_kpi can compute from the day x region aggregate
ANOMALY_KPIS = ("receita_liquida", "pedidos", "ticket_medio", "margem_percentual")
ANOMALY_INTEGERS = ("baseline_weeks", "search_weeks", "min_history", "alert_days")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate_anomalies(section: Any, metric_names: set[str]) -> list[str]:
    """Every problem of the `anomalies` section (empty list: valid)."""
    if not isinstance(section, dict):
        return ["anomalies must be a mapping"]
    problems = []
    known = {"description", "min_orders", "kpis", *ANOMALY_INTEGERS}
    problems += [f"anomalies: unknown key {k!r}" for k in section if k not in known]
    problems += [f"anomalies: missing {k!r}" for k in sorted(known) if k not in section]
    for key in ANOMALY_INTEGERS:
        if key in section and (not isinstance(section[key], int) or isinstance(section[key], bool) or section[key] < 1):
            problems.append(f"anomalies: {key} must be a whole number >= 1")
    if "min_orders" in section and (not _number(section["min_orders"]) or section["min_orders"] < 0):
        problems.append("anomalies: min_orders must be a number >= 0")
    weeks, search, history = (section.get(k) for k in ("baseline_weeks", "search_weeks", "min_history"))
    if all(isinstance(v, int) for v in (weeks, search, history)):
        if search < weeks:
            problems.append("anomalies: search_weeks must be >= baseline_weeks")
        if history > weeks:
            problems.append("anomalies: min_history must be <= baseline_weeks")
    kpis = section.get("kpis")
    if not isinstance(kpis, dict) or not kpis:
        return problems + ["anomalies: kpis must be a non-empty mapping"]
    for name, cfg in kpis.items():
        where = f"anomalies: kpi {name!r}"
        if name not in ANOMALY_KPIS:
            problems.append(f"{where} is not one of {', '.join(ANOMALY_KPIS)}")
        elif name not in metric_names:
            problems.append(f"{where} is not a metric of the catalog")
        if not isinstance(cfg, dict):
            problems.append(f"{where} must be a mapping")
            continue
        problems += [f"{where}: unknown key {k!r}" for k in cfg
                     if k not in ("z_threshold", "min_change_pct", "min_difference", "min_orders")]
        if "min_orders" in cfg and (not _number(cfg["min_orders"]) or cfg["min_orders"] < 0):
            problems.append(f"{where}: min_orders must be a number >= 0")
        if not _number(cfg.get("z_threshold")) or cfg["z_threshold"] <= 0:
            problems.append(f"{where}: z_threshold must be a number > 0")
        minimum = [k for k in ("min_change_pct", "min_difference") if k in cfg]
        if len(minimum) != 1:
            problems.append(f"{where}: give exactly one of min_change_pct and min_difference")
        elif not _number(cfg[minimum[0]]) or cfg[minimum[0]] < 0:
            problems.append(f"{where}: {minimum[0]} must be a number >= 0")
    return problems


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def validate(data: Any) -> list[str]:
    """Every problem of a parsed catalog, as readable messages (empty list: valid)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return ["the catalog must be a mapping with version, rules, sources and metrics"]
    for key in ("version", "rules", "sources", "metrics"):
        if key not in data:
            problems.append(f"missing top-level key {key!r}")
    sources = data.get("sources") or {}
    if not isinstance(sources, dict):
        problems.append("sources must be a mapping")
        sources = {}
    for name, src in sources.items():
        if not SOURCE.match(str(name)):
            problems.append(f"source {name!r}: must be a mart object (mart.<name>)")
        if not isinstance(src, dict):
            problems.append(f"source {name!r}: must be a mapping")
            continue
        if src.get("period_grain") not in ("day", "month"):
            problems.append(f"source {name!r}: period_grain must be day or month")
        filters = src.get("filters") or {}
        for f, col in (filters.items() if isinstance(filters, dict) else []):
            if f not in FILTERS:
                problems.append(f"source {name!r}: unknown filter {f!r} (allowed: {', '.join(FILTERS)})")
            if not NAME.match(str(col)):
                problems.append(f"source {name!r}: filter {f!r} maps to a non-column {col!r}")
    for i, rule in enumerate(data.get("rules") or []):
        if not isinstance(rule, dict) or not all(rule.get(k) for k in ("id", "title", "text")):
            problems.append(f"rule #{i + 1}: needs id, title and text")
    metrics = data.get("metrics") or []
    if not isinstance(metrics, list) or not metrics:
        problems.append("metrics must be a non-empty list")
        metrics = []
    seen: set[str] = set()
    for i, m in enumerate(metrics):
        where = f"metric #{i + 1}"
        if not isinstance(m, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        name = m.get("name")
        if name:
            where = f"metric {name!r}"
        for key in REQUIRED:
            if m.get(key) in (None, "", []):
                problems.append(f"{where}: missing {key!r}")
        for key in m:
            if key not in REQUIRED and key not in OPTIONAL:
                problems.append(f"{where}: unknown key {key!r}")
        if name is not None:
            if not NAME.match(str(name)):
                problems.append(f"{where}: name must be snake_case")
            if name in seen:
                problems.append(f"{where}: duplicate name")
            seen.add(str(name))
        if m.get("format") is not None and m.get("format") not in FORMATS:
            problems.append(f"{where}: format {m.get('format')!r} is not one of {', '.join(FORMATS)}")
        source = m.get("source")
        if source is not None and source not in sources:
            problems.append(f"{where}: source {source!r} is not declared under sources")
        filters = m.get("filters") or []
        if not isinstance(filters, list):
            problems.append(f"{where}: filters must be a list")
            filters = []
        for f in filters:
            if f not in FILTERS:
                problems.append(f"{where}: unknown filter {f!r} (allowed: {', '.join(FILTERS)})")
            elif source in sources and f not in ((sources[source] or {}).get("filters") or {}):
                problems.append(f"{where}: filter {f!r} has no column in source {source}")
        for key in ("sql", "sql_agg"):
            expr = _text(m.get(key))
            if not expr:
                continue
            if ";" in expr or "--" in expr:
                problems.append(f"{where}: {key} must be one expression (no ';' or comments)")
            if "/" in expr and "NULLIF" not in expr.upper():
                problems.append(f"{where}: {key} divides without NULLIF")
        if m.get("sql_agg") and AGG_SOURCE not in sources:
            problems.append(f"{where}: sql_agg needs source {AGG_SOURCE} declared")
    if "anomalies" in data:
        problems += validate_anomalies(data["anomalies"], {str(m.get("name")) for m in metrics if isinstance(m, dict)})
    return problems


def load_catalog(path: Path | None = None) -> Catalog:
    path = path or catalog_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CatalogError(f"cannot read the metric catalog {path}: {err}") from err
    problems = validate(data)
    if problems:
        raise CatalogError(f"invalid metric catalog {path}: " + "; ".join(problems))
    sources = {name: Source(name, _text(s.get("description")), s["period_grain"], dict(s.get("filters") or {}))
               for name, s in data["sources"].items()}
    metrics = [Metric(name=m["name"], label=_text(m["label"]), description=_text(m["description"]),
                      formula=_text(m["formula"]), source=m["source"], sql=_text(m["sql"]),
                      unit=_text(m["unit"]), format=m["format"], grain=_text(m["grain"]),
                      filters=tuple(m["filters"]), owner=_text(m["owner"]),
                      sql_agg=_text(m.get("sql_agg")) or None)
               for m in data["metrics"]]
    rules = [{k: _text(v) for k, v in r.items()} for r in data["rules"]]
    anomalies = None
    if "anomalies" in data:
        a = data["anomalies"]
        anomalies = Anomalies(_text(a["description"]), a["baseline_weeks"], a["search_weeks"], a["min_history"],
                              a["min_orders"], a["alert_days"],
                              tuple(AnomalyKpi(name, cfg["z_threshold"], cfg.get("min_change_pct"), cfg.get("min_difference"),
                                               cfg.get("min_orders"))
                                    for name, cfg in a["kpis"].items()))
    return Catalog(int(data["version"]), rules, sources, metrics, anomalies)


# ---------------------------------------------------------------- queries
def metric_query(catalog: Catalog, name: str, *, data_inicio: date | None = None, data_fim: date | None = None,
                 use_aggregate: bool = False, **filters: str | None) -> tuple[sql.Composed, dict[str, Any]]:
    """SELECT <expression> AS <name> FROM <source> WHERE <filters>, with bind parameters.

    Filters: periodo through data_inicio/data_fim (inclusive; on a monthly source, the months
    that intersect the period), and regiao/categoria/equipe/vendedor (ids, categoria by name).
    A filter the metric does not allow raises CatalogError. use_aggregate evaluates sql_agg
    over mart.vw_vendas_diarias instead (only for metrics that have it)."""
    metric = catalog.metric(name)
    if use_aggregate:
        if not metric.sql_agg:
            raise CatalogError(f"metric {name} has no pre-aggregated form (sql_agg)")
        source, expr = catalog.sources[AGG_SOURCE], metric.sql_agg
    else:
        source, expr = catalog.sources[metric.source], metric.sql
    conds: list[sql.Composable] = []
    params: dict[str, Any] = {}
    wanted = {k: v for k, v in filters.items() if v is not None}
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise CatalogError(f"unknown filter(s) {sorted(unknown)}; allowed: {', '.join(FILTERS)}")
    if data_inicio is not None or data_fim is not None:
        wanted["periodo"] = True
    for f in wanted:
        if f not in metric.filters:
            raise CatalogError(f"metric {name} cannot be filtered by {f} (allowed: {', '.join(metric.filters)})")
    if data_inicio is not None:
        col = sql.Identifier(source.filters["periodo"])
        start = (sql.SQL("date_trunc('month', %(data_inicio)s::date)::date") if source.period_grain == "month"
                 else sql.SQL("%(data_inicio)s::date"))
        conds.append(sql.SQL("{} >= {}").format(col, start))
        params["data_inicio"] = data_inicio
    if data_fim is not None:
        conds.append(sql.SQL("{} <= %(data_fim)s::date").format(sql.Identifier(source.filters["periodo"])))
        params["data_fim"] = data_fim
    for f in ("regiao", "categoria", "equipe", "vendedor"):
        if wanted.get(f) is not None:
            conds.append(sql.SQL("{} = {}").format(sql.Identifier(source.filters[f]), sql.Placeholder(f)))
            params[f] = str(wanted[f])
    schema, table = source.name.split(".", 1)
    query = sql.SQL("SELECT {expr} AS {alias} FROM {src}").format(
        expr=sql.SQL(expr), alias=sql.Identifier(metric.name), src=sql.Identifier(schema, table))
    if conds:
        query = query + sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conds)
    return query, params


def compute(conn, catalog: Catalog, name: str, **kwargs) -> Any:
    """The value of one metric (None when it has no base, e.g. a division by zero)."""
    query, params = metric_query(catalog, name, **kwargs)
    return conn.execute(query, params).fetchone()[0]


# ---------------------------------------------------------------- docs
FORMAT_LABELS = {"brl": "R$ (reais)", "percent": "percentual (já multiplicado por 100)",
                 "ratio": "razão (número decimal)", "integer": "número inteiro"}
FILTER_LABELS = {"periodo": "período", "regiao": "região", "categoria": "categoria", "equipe": "equipe",
                 "vendedor": "vendedor"}


def render_docs(catalog: Catalog | None = None) -> str:
    import jinja2

    catalog = catalog or load_catalog()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir())), autoescape=False,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    text = env.get_template("metricas.md.j2").render(
        catalog=catalog, format_labels=FORMAT_LABELS, filter_labels=FILTER_LABELS)
    return text.rstrip("\n") + "\n"


def write_docs(output: Path | None = None, catalog: Catalog | None = None) -> Path:
    output = output or docs_path()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_docs(catalog), encoding="utf-8")
    return output


def docs_are_current(output: Path | None = None, catalog: Catalog | None = None) -> bool:
    output = output or docs_path()
    return output.exists() and output.read_text(encoding="utf-8") == render_docs(catalog)
