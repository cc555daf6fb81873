"""Quality gates (RF-14): a catalog of checks run after every load, results kept per run.

A check is a file `database/checks/<name>.sql` whose header declares its severity and
description and whose query returns the offending rows (no rows = pass). Two checks
compare the shop with the warehouse and so run in Python over two connections:
`reconciliacao_diaria` (revenue, cost, quantity and orders per day, exact) and
`atualidade_fatos` (each fact holds the shop's latest day/month).
A failing `block` check fails the run; a failing `warn` check is recorded and reported.
The shop side of both counts only the rows the load's screens accept (harness/screens.py splices
the screens' one statement, etl.regra_linha_venda / etl.regra_meta, into the shop queries), and the
warehouse side leaves out lines with an open reject (they keep their last good version): a shop
row the load quarantines never makes a check fail or error.

Incremental gate (what load-daily runs), so the gate costs what the change costs:
- reconciliation compares, order by order, the orders the loads changed
  (ctl.reconcile_pending_order, written in the fact_vendas transaction), whole the days recorded
  as such (ctl.reconcile_pending with por_pedido = false: a reprocess, a catch-up), and whole the
  latest RECENT_DAYS days of the shop (rows committed late, behind the watermark, show up there);
- the SQL checks whose header says `-- scope: days` read only what the loads changed. Their
  query receives `%(dias)s` (integer[] of data_sk: the days owed whole) with `%(pedidos)s`
  (text[]: the orders owed), which fact-line checks read as `data_sk = ANY(dias) OR pedido_id =
  ANY(pedidos)`; and `%(datas)s` (date[]: every owed day), for checks comparing whole days or
  months. All three are NULL in a full run. A run that changed nothing checks nothing there.
Pending days and orders leave ctl only once they reconcile. `harness quality` checks every day;
run it weekly (deploy/ has it) to catch what no load touched.
Why orders and not days: a daily load changes about a thousand orders spread over 30-40 days
(returns and cancellations of old orders), and re-adding every order of those days in the shop
took 1.2-2 s at scale 1 and grows with the size of a day (V090); the fact-line checks read 61k
lines of those days instead of the 5k of those orders.
"""

from __future__ import annotations

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from harness import db, screens
from harness.errors import ConfigError
from harness.paths import database_dir

MAX_KEPT_ROWS = 1000
DEFAULT_MAX_REJECT_SHARE = 0.01   # new rejects above 1 % of what a run read (rows or value) block it
RECENT_DAYS = 7
DAYS_QUERY_LIMIT = 60   # more days than this: the checks read every day (hash joins beat long day lists)
HEADER = re.compile(r"^--\s*(check|severity|description|scope):\s*(.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Check:
    name: str
    severity: str
    description: str
    sql: str | None = None      # None: a Python check comparing shop and warehouse
    scope: str | None = None    # 'days': reads only the gate's days when incremental


@dataclass
class Result:
    check: Check
    status: str                 # pass, fail, error
    offending: list[dict] = field(default_factory=list)
    figure: Decimal | None = None
    message: str | None = None
    seconds: float = 0.0

    @property
    def blocking(self) -> bool:
        return self.status != "pass" and self.check.severity == "block"


PYTHON_CHECKS = (
    Check("reconciliacao_diaria", "block",
          "Receita, custo, quantidade e pedidos por dia iguais na loja (OLTP) e no warehouse, ao centavo."),
    Check("atualidade_fatos", "block",
          "Cada fato tem o último dia (vendas, descontos) ou mês (metas) presente na loja."),
)


def load_catalog(folder: Path | None = None) -> list[Check]:
    checks = []
    for path in sorted((folder or database_dir() / "checks").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        meta = dict(HEADER.findall(text))
        if meta.get("check") != path.stem or meta.get("severity") not in ("block", "warn") or not meta.get("description"):
            raise ValueError(f"{path}: header must give '-- check: {path.stem}', '-- severity: block|warn' and a description")
        scope = meta.get("scope", "").strip() or None
        if scope not in (None, "days") or (scope == "days") != ("%(dias)s" in text or "%(datas)s" in text):
            raise ValueError(f"{path}: '-- scope: days' and the %(dias)s or %(datas)s parameter go together")
        if ("%(dias)s" in text) != ("%(pedidos)s" in text):  # dias alone would miss the days owed by order
            raise ValueError(f"{path}: %(dias)s (days owed whole) needs %(pedidos)s (orders owed) beside it")
        checks.append(Check(path.stem, meta["severity"], meta["description"].strip(), text, scope))
    return checks + list(PYTHON_CHECKS)


def _rows(cur: psycopg.Cursor) -> list[dict]:
    cols = [c.name for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def max_reject_share() -> float:
    """HARNESS_MAX_REJECT_SHARE: the share (0..1) of a run's rows or value its new rejects may reach."""
    raw = os.environ.get("HARNESS_MAX_REJECT_SHARE", "").strip()
    if not raw:
        return DEFAULT_MAX_REJECT_SHARE
    try:
        share = float(raw)
    except ValueError:
        raise ConfigError(f"HARNESS_MAX_REJECT_SHARE must be a number between 0 and 1, got {raw!r}") from None
    if not 0 <= share <= 1:
        raise ConfigError(f"HARNESS_MAX_REJECT_SHARE must be between 0 and 1 (0.01 = 1 %), got {raw!r}")
    return share


def _data_sks(days: list | None) -> list[int] | None:
    """Days as dim_data.data_sk (yyyymmdd), the key fact_vendas is indexed on; None stays None (every day)."""
    return None if days is None else [d.year * 10000 + d.month * 100 + d.day for d in days]


@dataclass(frozen=True)
class Pending:
    """What loads changed and no passing gate has reconciled yet (ctl.reconcile_pending, V090)."""
    whole_days: list            # days owed whole (a reprocess, a catch-up, lines re-bound)
    order_days: list            # days whose changes are the listed orders (por_pedido)
    orders: list[str]           # ctl.reconcile_pending_order

    @property
    def days(self) -> list:
        return sorted(set(self.whole_days) | set(self.order_days))


def _pending(dw: psycopg.Connection) -> Pending:
    rows = dw.execute("SELECT data, por_pedido FROM ctl.reconcile_pending ORDER BY data").fetchall()
    orders = [r[0] for r in dw.execute("SELECT pedido_id FROM ctl.reconcile_pending_order ORDER BY 1")]
    return Pending([d for d, by_order in rows if not by_order], [d for d, by_order in rows if by_order], orders)


def shop_query(name: str) -> str:
    """A shop-side query of database/checks/reconcile/ with the load's screens spliced in."""
    return screens.splice((database_dir() / "checks" / "reconcile" / name).read_text(encoding="utf-8"))


def shop_latest(shop: psycopg.Connection, calendar: dict) -> tuple:
    """(latest day of a non-cancelled order with an acceptable line, latest month of an acceptable
    target) in the shop, under the load's screens: an order dated infinity is no day the warehouse owes."""
    return tuple(shop.execute(shop_query("shop_latest.sql"), calendar).fetchone())


def _recent_days(shop: psycopg.Connection, calendar: dict) -> list:
    """The latest RECENT_DAYS days of the shop (up to its latest acceptable day), where rows
    committed late show up."""
    day = shop_latest(shop, calendar)[0]
    return [day - timedelta(days=i) for i in range(RECENT_DAYS)] if day else []


def _check_params(run_id: int, pending: Pending | None) -> dict:
    """Parameters of the SQL checks: what is pending, or NULL (every day) in a full run."""
    share = max_reject_share()
    if pending is None or len(pending.days) > DAYS_QUERY_LIMIT:
        # a first load or a catch-up: whole-table plans beat long day lists
        return {"run_id": run_id, "datas": None, "dias": None, "pedidos": None, "max_reject_share": share}
    return {"run_id": run_id, "datas": pending.days, "dias": _data_sks(pending.whole_days), "pedidos": pending.orders,
            "max_reject_share": share}


def _differences(source: dict, target: dict, keys: tuple[str, ...], measures: tuple[str, ...]) -> list[dict]:
    """Rows where the shop's and the warehouse's figures differ; `keys` name the row (day, or order and day)."""
    offending = []
    for key in sorted(set(source) | set(target), key=str):
        s, t = source.get(key, {}), target.get(key, {})
        for measure in measures:
            if s.get(measure) != t.get(measure):
                offending.append({**{k: (s or t).get(k) for k in keys}, "medida": measure,
                                  "loja": s.get(measure), "warehouse": t.get(measure)})
    return offending


def _reconcile(dw: psycopg.Connection, shop: psycopg.Connection, days: list | None = None,
               orders: list[str] | None = None) -> list[dict]:
    """Compare per-day figures of `days` (None: every day) and per-order figures of `orders`; the
    shop side counts the lines the load's screens accept (screens.splice), the warehouse side
    leaves out lines with an open reject."""
    folder = database_dir() / "checks" / "reconcile"
    calendar = screens.calendar(dw)
    offending = []
    if days is None or days:
        if days is None or len(days) > DAYS_QUERY_LIMIT:
            source_rows = shop.execute(shop_query("shop_daily.sql"), calendar)
        else:
            source_rows = shop.execute(shop_query("shop_daily__days.sql"), {"days": days, **calendar})
        wanted = None if days is None else set(days)
        source = {r["dia"]: r for r in _rows(source_rows) if wanted is None or r["dia"] in wanted}
        target = {r["dia"]: r for r in _rows(dw.execute((folder / "warehouse_daily.sql").read_text(),
                                                         {"dias": _data_sks(days)}))}
        offending += _differences(source, target, ("dia",), ("receita", "custo", "quantidade", "pedidos"))
    if orders:
        source = {(r["pedido"], r["dia"]): r for r in _rows(
            shop.execute(shop_query("shop_orders.sql"), {"orders": orders, **calendar}))}
        target = {(r["pedido"], r["dia"]): r for r in _rows(
            dw.execute((folder / "warehouse_orders.sql").read_text(), {"orders": orders}))}
        offending += _differences(source, target, ("pedido", "dia"), ("receita", "custo", "quantidade"))
    return offending


def _reconciled(dw: psycopg.Connection, pending: Pending | None) -> None:
    """A passing reconciliation: what it compared is no longer owed (a full one owes nothing)."""
    with dw.transaction():
        dw.execute("DELETE FROM ctl.reconcile_pending WHERE %(all)s OR data = ANY(%(days)s)",
                   {"all": pending is None, "days": pending.days if pending else []})
        dw.execute("DELETE FROM ctl.reconcile_pending_order WHERE %(all)s OR pedido_id = ANY(%(orders)s)",
                   {"all": pending is None, "orders": pending.orders if pending else []})


def _freshness(dw: psycopg.Connection, shop: psycopg.Connection) -> list[dict]:
    """Each fact holds the shop's latest acceptable day (sales) and month (targets); and a fact left
    empty while its shop table holds rows never passes (a load that turned a non-empty source into
    zero fact rows)."""
    # the shop side walks an index backwards from the calendar's last day (shop_latest.sql)
    shop_day, shop_month = shop_latest(shop, screens.calendar(dw))
    shop_lines, shop_targets = shop.execute(
        "SELECT EXISTS (SELECT 1 FROM shop.order_items), EXISTS (SELECT 1 FROM shop.sales_targets)").fetchone()
    dw_day, dw_month, dw_lines, dw_targets = dw.execute(
        "SELECT (SELECT d.data FROM dim.dim_data d WHERE d.data_sk = "
        "        (SELECT max(f.data_sk) FROM fact.fact_vendas f WHERE NOT f.eh_cancelado)), "
        "(SELECT max(mes) FROM fact.fact_metas), "
        "EXISTS (SELECT 1 FROM fact.fact_vendas), EXISTS (SELECT 1 FROM fact.fact_metas)").fetchone()
    out = []
    if shop_day is not None and (dw_day is None or dw_day < shop_day):
        out.append({"fato": "fact_vendas", "ultimo_dia_loja": shop_day, "ultimo_dia_warehouse": dw_day})
    elif shop_lines and not dw_lines:
        out.append({"fato": "fact_vendas", "problema": "a loja tem linhas de pedido e o fato está vazio"})
    if shop_month is not None and (dw_month is None or dw_month < shop_month):
        out.append({"fato": "fact_metas", "ultimo_mes_loja": shop_month, "ultimo_mes_warehouse": dw_month})
    elif shop_targets and not dw_targets:
        out.append({"fato": "fact_metas", "problema": "a loja tem metas e o fato está vazio"})
    return out


GATE_WORKERS = 2   # checks run two at a time (they only read, each stores its own result): 2 cores


def run_checks(run_id: int, only: list[str] | None = None, incremental: bool = False) -> list[Result]:
    """Run the catalog (or some checks) for a run; store results and offending rows. Returns the
    results in catalog order.

    incremental: check only pending and recent days (see the module docstring).
    The checks are independent reads, so they run on GATE_WORKERS threads, each with its own
    connections to both databases (a psycopg connection serves one thread at a time); the longest,
    the reconciliation (shop and warehouse), is started first, beside the SQL checks. At scale 1
    the daily gate went from about 0.45 to 0.3 s of wall clock."""
    catalog = [c for c in load_catalog() if not only or c.name in only]
    if not catalog:
        return []
    with db.connect("dw", "etl", autocommit=True) as dw:
        pending = _pending(dw) if incremental else None
    params = _check_params(run_id, pending)
    local = threading.local()
    opened: list[psycopg.Connection] = []
    lock = threading.Lock()

    def run_one(check: Check) -> Result:
        if not hasattr(local, "dw"):
            local.dw = db.connect("dw", "etl", autocommit=True)
            local.shop = db.connect("oltp", "etl", autocommit=True)
            with lock:
                opened.extend((local.dw, local.shop))
        return _run_check(check, local.dw, local.shop, run_id, params, pending)

    order = sorted(catalog, key=lambda c: c.sql is not None)   # Python checks (reconciliation) first
    try:
        with ThreadPoolExecutor(max_workers=min(GATE_WORKERS, len(catalog)), thread_name_prefix="gate") as pool:
            done = dict(zip((c.name for c in order), pool.map(run_one, order)))
    finally:
        for conn in opened:
            conn.close()
    return [done[c.name] for c in catalog]


def _run_check(check: Check, dw: psycopg.Connection, shop: psycopg.Connection, run_id: int, params: dict,
               pending: Pending | None) -> Result:
    """One check: its offending rows (or its error), timed and stored."""
    started = time.perf_counter()
    try:
        if check.sql is not None:
            uses = {k: v for k, v in params.items() if f"%({k})s" in check.sql}
            offending = _rows(dw.execute(check.sql if uses else check.sql.encode(), uses or None))
        elif check.name == "reconciliacao_diaria":
            offending = (_reconcile(dw, shop, sorted(set(pending.whole_days) | set(_recent_days(shop, screens.calendar(dw)))),
                                    pending.orders) if pending else _reconcile(dw, shop))
            if not offending:
                _reconciled(dw, pending)
        else:
            offending = _freshness(dw, shop)
        result = Result(check, "fail" if offending else "pass", offending, Decimal(len(offending)))
    except psycopg.Error as exc:
        result = Result(check, "error", message=f"{exc.diag.message_primary or exc} [SQLSTATE {exc.sqlstate}]")
    result.seconds = time.perf_counter() - started
    _store(dw, run_id, result)
    return result


def _store(dw: psycopg.Connection, run_id: int, result: Result) -> None:
    with dw.transaction():
        dw.execute(
            "INSERT INTO dq.check_result (run_id, check_name, severity, status, offending_rows, figure, message, seconds)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (run_id, check_name) DO UPDATE SET"
            " status = EXCLUDED.status, offending_rows = EXCLUDED.offending_rows, figure = EXCLUDED.figure,"
            " message = EXCLUDED.message, checked_at = clock_timestamp(), seconds = EXCLUDED.seconds",
            (run_id, result.check.name, result.check.severity, result.status, len(result.offending),
             result.figure, result.message, round(result.seconds, 3)))
        dw.execute("DELETE FROM dq.check_failed_row WHERE run_id = %s AND check_name = %s", (run_id, result.check.name))
        if result.offending:
            with dw.cursor() as cur:
                cur.executemany(
                    "INSERT INTO dq.check_failed_row (run_id, check_name, row_number, row_data) VALUES (%s, %s, %s, %s)",
                    [(run_id, result.check.name, i + 1, Jsonb(row, dumps=_dumps))
                     for i, row in enumerate(result.offending[:MAX_KEPT_ROWS])])


def _dumps(obj) -> str:
    import json

    return json.dumps(obj, default=str)
