"""KPI anomalies and the daily digest on generated data, end to end.

One generated shop (a year of orders ending on a Sunday, busy enough for regions to be judged),
loaded; then through the shop and `load-daily`: a Monday whose orders of one region are cut by
70 %, a rerun, a later change of that Monday, and the days up to the generator's Black Friday.
What the warehouse flags is compared with an independent computation from the shop (medians and
MADs in Python over the generator's own calendar); alerts are caught by a local webhook, the
digest by a local SMTP server, and every number of the mail is recomputed from `mart` as bi_reader.
"""

from __future__ import annotations

import email
import io
import re
import statistics
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from psycopg import sql
from typer.testing import CliRunner

from dashboards import formatting as FMT   # plain functions (no Dash)
from harness import db, digest, load, metrics
from harness.anomalies import value_text
from harness.cli import app
from harness.oltp import advance, reference, seed
from tests import receivers, reconcile

END = date(2025, 11, 16)                     # the seeded history ends on a Sunday
CUT_DAY = date(2025, 11, 17)                 # the Monday advanced and cut
CUT_REGION = "NE"                            # about a quarter of the orders: the whole shop moves ~19 %
BLACK_FRIDAY = reference.black_friday(2025)  # 2025-11-28
DIGEST_DAY = date(2025, 11, 21)              # its week holds the cut Monday and the first Black Friday days
SP = ZoneInfo("America/Sao_Paulo")


def dw_rows(query: str, params=None, role: str = "admin") -> list[dict]:
    with db.connect("dw", role) as conn:
        cur = conn.execute(query, params)
        cols = [c.name for c in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def anomaly_rows(day: date | None = None) -> dict[tuple, dict]:
    """(day, scope, kpi) -> row of dq.anomalia_kpi (undone rows included)."""
    rows = dw_rows("SELECT a.*, coalesce(r.regiao_id, 'loja') AS escopo FROM dq.anomalia_kpi a "
                   "LEFT JOIN dim.dim_regiao r USING (regiao_sk) WHERE %(d)s::date IS NULL OR a.data = %(d)s",
                   {"d": day})
    return {(r["data"], r["escopo"], r["kpi"]): r for r in rows}


def cut_orders(day: date, region: str, share: float) -> int:
    """Delete `share` of the day's orders of customers of `region` from the shop (lines first)."""
    with db.connect("oltp", "owner") as conn:
        ids = [r[0] for r in conn.execute(
            "SELECT o.order_id FROM shop.orders o JOIN shop.customers c USING (customer_id) "
            "JOIN shop.states s ON s.state = c.state "
            "WHERE s.region_id = %s AND (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date = %s ORDER BY 1",
            (region, day))]
        gone = ids[:round(len(ids) * share)]
        conn.execute("DELETE FROM shop.order_items WHERE order_id = ANY(%s)", (gone,))
        conn.execute("DELETE FROM shop.orders WHERE order_id = ANY(%s)", (gone,))
    return len(gone)


# ------------------------------------------------------------------ the independent computation
def generator_peak(day: date) -> bool:
    """A day the generator (harness/oltp/reference.py day_weight) gives a seasonal factor: Black Friday
    week, December, the ten days before Mother's Day. The January lull is not a peak."""
    bf, md = reference.black_friday(day.year), reference.mothers_day(day.year)
    return -7 <= (day - bf).days <= 3 or day.month == 12 or 0 <= (md - day).days <= 10


def predicted(day: date) -> dict[tuple, dict]:
    """What the catalog's rules flag on `day`, computed in Python from the shop: (scope, kpi) ->
    observed, expected (median) and MAD, for the whole shop and every region."""
    cfg = metrics.load_catalog().anomalies
    holidays = {r["data"] for r in dw_rows("SELECT data FROM dim.dim_data WHERE eh_feriado AND ano IN (2024, 2025)")}
    base = [d for d in (day - timedelta(weeks=k) for k in range(1, cfg.search_weeks + 1))
            if not generator_peak(d) and d not in holidays][:cfg.baseline_weeks]
    out = {}
    with db.connect("oltp", "etl") as shop:
        regions = [r[0] for r in shop.execute("SELECT region_id FROM shop.regions ORDER BY 1")]
        for scope in [None, *regions]:
            by_day = reconcile.sales_kpis_by_day(shop, data_inicio=base[-1], data_fim=day, regiao=scope)
            volume = statistics.median(by_day.get(d, {}).get("pedidos") or 0 for d in base)
            for k in cfg.kpis:
                values = [by_day[d][k.name] for d in base if d in by_day and by_day[d][k.name] is not None]
                observed = by_day.get(day, {}).get(k.name)
                if k.name in ("pedidos", "receita_liquida") and observed is None:
                    observed = 0
                if len(values) < cfg.min_history or observed is None or volume < (k.min_orders or cfg.min_orders):
                    continue
                med = statistics.median(values)
                mad = statistics.median(abs(v - med) for v in values)
                dev = abs(Decimal(observed) - Decimal(med))
                minimum = (Decimal(str(k.min_change_pct)) / 100 * abs(Decimal(med)) if k.min_change_pct is not None
                           else Decimal(str(k.min_difference)))
                if dev and (mad == 0 or dev >= Decimal(str(k.z_threshold)) * Decimal("1.4826") * Decimal(mad)) \
                        and dev >= minimum:
                    out[(scope or "loja", k.name)] = {"observado": observed, "esperado": med, "mad": mad}
    return out


def assert_matches_prediction(day: date) -> dict[tuple, dict]:
    got = {(s, k): r for (d, s, k), r in anomaly_rows(day).items() if r["desfeita_run_id"] is None}
    want = predicted(day)
    assert set(got) == set(want), f"{day}: warehouse {sorted(got)} != shop {sorted(want)}"
    for key, w in want.items():
        for col in ("observado", "esperado", "mad"):
            assert reconcile.close(got[key][col], w[col], Decimal("0.0000001")), (day, key, col, got[key][col], w[col])
    return got


# ------------------------------------------------------------------ the scenario, run once
@pytest.fixture(scope="module")
def scenario(template_dbs):
    tag = f"{template_dbs[0]}_anom"
    names = {"dw": f"{tag}_dw", "oltp": f"{tag}_oltp"}
    with db.connect("postgres", "admin", autocommit=True) as conn:
        for key, template in zip(("dw", "oltp"), template_dbs):
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER dw_owner").format(
                sql.Identifier(names[key]), sql.Identifier(template)))
    with pytest.MonkeyPatch.context() as mp, receivers.webhook_sink() as (hook_url, hooks):
        mp.setenv("HARNESS_DW_DB", names["dw"])
        mp.setenv("HARNESS_OLTP_DB", names["oltp"])
        mp.setenv("HARNESS_ALERT_URLS", hook_url)
        s: dict = {"dbs": names}

        def step(name, run):
            s[name] = {"summary": run, "alerts": list(hooks), "rows": anomaly_rows()}
            hooks.clear()

        seed.seed(scale=0.08, seed=21, end_date=END, years=1)
        step("first", load.load_daily())
        advance.advance(days=1, seed=1)
        s["cut_orders"] = cut_orders(CUT_DAY, CUT_REGION, 0.7)
        step("cut", load.load_daily())
        s["cut_predicted"] = assert_matches_prediction(CUT_DAY)
        step("rerun", load.load_daily())
        with db.connect("oltp", "owner") as conn:   # a later change of the cut Monday, in another region
            conn.execute("UPDATE shop.orders SET status = 'canceled' WHERE order_id = (SELECT o.order_id FROM shop.orders o "
                         "JOIN shop.customers c USING (customer_id) WHERE c.state = 'SP' AND o.status <> 'canceled' "
                         "AND (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date = %s ORDER BY 1 LIMIT 1)", (CUT_DAY,))
        step("changed", load.load_daily())
        advance.advance(days=(BLACK_FRIDAY - CUT_DAY).days, seed=2)
        step("black_friday", load.load_daily())
        s["bf_predicted"] = assert_matches_prediction(BLACK_FRIDAY)
        # a run blocked by the quality gate (a warehouse line of the latest week altered behind the loader's
        # back) after a new day: its days stay pending; the next passing run evaluates them
        advance.advance(days=1, seed=3)
        line = "(SELECT item_pedido_id FROM fact.fact_vendas WHERE data_sk = 20251127 AND NOT eh_cancelado ORDER BY 1 LIMIT 1)"
        with db.connect("dw", "admin") as conn:
            conn.execute(f"UPDATE fact.fact_vendas SET custo_total = custo_total + 1 WHERE item_pedido_id = {line}")
        step("blocked", load.load_daily())
        s["blocked"]["pending"] = [r["data"] for r in dw_rows("SELECT data FROM ctl.anomalia_dia_pendente ORDER BY 1")]
        with db.connect("dw", "admin") as conn:
            conn.execute(f"UPDATE fact.fact_vendas SET custo_total = custo_total - 1 WHERE item_pedido_id = {line}")
        step("recovered", load.load_daily())
        s["recovered"]["pending"] = [r["data"] for r in dw_rows("SELECT data FROM ctl.anomalia_dia_pendente")]
        yield s
    with db.connect("postgres", "admin", autocommit=True) as conn:
        for name in names.values():
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def on_scenario(scenario, monkeypatch):
    """The scenario's databases (in their final state) for a test that reads them."""
    monkeypatch.setenv("HARNESS_DW_DB", scenario["dbs"]["dw"])
    monkeypatch.setenv("HARNESS_OLTP_DB", scenario["dbs"]["oltp"])
    monkeypatch.delenv("HARNESS_ALERT_URLS", raising=False)
    return scenario


# ------------------------------------------------------------------ the calendar
def test_calendar_peaks_are_the_generators(template_dbs):
    rows = dw_rows("SELECT data, eh_pico_sazonal, nome_pico_sazonal FROM dim.dim_data WHERE ano BETWEEN 2023 AND 2026")
    marked = {r["data"] for r in rows if r["eh_pico_sazonal"]}
    seasonal = {r["data"] for r in rows
                if abs(reference.day_weight(r["data"], r["data"]) / reference.WEEKDAY_WEIGHTS[r["data"].weekday()]
                       / (0.88 if r["data"].month == 1 or (r["data"].month == 2 and r["data"].day < 20) else 1) - 1) > 1e-9}
    assert seasonal <= marked, sorted(seasonal - marked)[:5]
    assert {(d.month, d.day) for d in marked - seasonal} == {(12, 23)}   # retail's Christmas season, flat in the generator
    names = {r["data"]: r["nome_pico_sazonal"] for r in rows}
    assert names[date(2025, 11, 28)] == "Black Friday" and names[date(2025, 12, 1)] == "Cyber Monday"
    assert names[date(2025, 5, 11)] == "Dia das Mães" and names[date(2025, 12, 26)] == "Fim de ano"


# ------------------------------------------------------------------ detection and alerts
def test_the_cut_region_day_is_flagged_and_alerted_once(scenario):
    assert scenario["cut_orders"] >= 30
    new = {k: r for k, r in scenario["cut"]["rows"].items() if r["detectada_run_id"] == scenario["cut"]["summary"].run_id}
    assert set(new) == {(CUT_DAY, CUT_REGION, "pedidos")}, sorted(new)
    row = new[(CUT_DAY, CUT_REGION, "pedidos")]
    assert row["variacao_pct"] < -60 and not row["esperada"] and row["alertada_em"] is not None
    assert set(scenario["cut_predicted"]) == {(CUT_REGION, "pedidos")}   # the shop's own numbers say the same
    alerts = scenario["cut"]["alerts"]
    assert len(alerts) == 1 and alerts[0]["type"] == "warning"
    text = alerts[0]["title"] + alerts[0]["message"]
    for part in ("anomalia de KPI", "Nordeste", "Pedidos", "17/11/2025", FMT.numero(row["observado"]),
                 f"esperado {FMT.numero(row['esperado'])}", "docs/runbook.md#anomalia-de-kpi"):
        assert part in text, part
    entity = {e["entity"]: e for e in scenario["cut"]["summary"].entities}["anomalias_kpi"]
    assert entity["rows_inserted"] == 1


def test_a_rerun_and_a_later_change_of_the_day_add_nothing(scenario, on_scenario):
    cut_row = scenario["cut"]["rows"][(CUT_DAY, CUT_REGION, "pedidos")]
    assert scenario["rerun"]["rows"] == scenario["cut"]["rows"] and scenario["rerun"]["alerts"] == []
    assert "anomalias_kpi" not in {e["entity"] for e in scenario["rerun"]["summary"].entities}  # no day changed
    changed = scenario["changed"]
    again = changed["rows"][(CUT_DAY, CUT_REGION, "pedidos")]
    assert again["anomalia_id"] == cut_row["anomalia_id"] and again["avaliada_run_id"] == changed["summary"].run_id
    assert again["alertada_em"] == cut_row["alertada_em"] and changed["alerts"] == []
    assert set(changed["rows"]) == set(scenario["cut"]["rows"])
    opened = dw_rows("SELECT incident_key FROM audit.alert_event WHERE kind = 'kpi_anomaly' AND event = 'aberto'")
    assert [i["incident_key"] for i in opened if "2025-11-17" in i["incident_key"]] == [
        f"kpi_anomaly:2025-11-17:{CUT_REGION}:pedidos"]


def test_black_friday_is_flagged_as_expected_not_alerted(scenario):
    bf = {k: r for k, r in scenario["black_friday"]["rows"].items() if k[0] == BLACK_FRIDAY}
    assert (BLACK_FRIDAY, "loja", "pedidos") in bf and bf[(BLACK_FRIDAY, "loja", "pedidos")]["variacao_pct"] > 100
    assert all(r["esperada"] and r["motivo_esperado"] == "Black Friday" and r["alertada_em"] is None for r in bf.values())
    week = [r for (d, _, _), r in scenario["black_friday"]["rows"].items() if -7 <= (d - BLACK_FRIDAY).days <= 0]
    assert all(r["esperada"] for r in week)
    for alert in scenario["black_friday"]["alerts"]:   # whatever else alerted that run was unexpected
        assert "28/11/2025" not in alert["title"] and "Black Friday" not in alert["message"]


def test_black_friday_opened_no_incident(on_scenario):
    assert dw_rows("SELECT incident_key FROM audit.alert_event WHERE incident_key LIKE %s", ("%:2025-11-28:%",)) == []


def test_first_load_records_old_anomalies_without_alerting_them(scenario):
    first = scenario["first"]
    rows = first["rows"].values()
    assert any(r["esperada"] and r["motivo_esperado"] == "Dia das Mães" for r in rows)   # May 2025, in the history
    recent = END - timedelta(days=metrics.load_catalog().anomalies.alert_days)
    assert all(r["alertada_em"] is None for r in rows if r["data"] <= recent)
    assert len(first["alerts"]) == sum(1 for r in rows if r["alertada_em"] is not None)


def test_a_blocked_run_leaves_its_days_pending_for_the_next(scenario):
    blocked, recovered = scenario["blocked"], scenario["recovered"]
    assert blocked["summary"].status == "blocked"
    assert "anomalias_kpi" not in {e["entity"] for e in blocked["summary"].entities}
    assert BLACK_FRIDAY + timedelta(days=1) in blocked["pending"]
    assert recovered["summary"].status == "succeeded" and recovered["pending"] == []
    evaluated = {e["entity"]: e for e in recovered["summary"].entities}["anomalias_kpi"]
    assert evaluated["rows_read"] >= len(blocked["pending"]) * 4   # each pending day: at least the shop's 4 KPIs


def test_cli_lists_the_anomalies(on_scenario):
    result = CliRunner().invoke(app, ["anomalies", "--from", "2025-11-17", "--to", "2025-11-17"])
    assert result.exit_code == 0, result.output
    assert "Nordeste" in result.output and "Pedidos" in result.output and "1 anomaly(ies): 1 unexpected" in result.output


# ------------------------------------------------------------------ dashboards
def test_vendas_trend_marks_anomalies_and_monitor_lists_them(on_scenario):
    pytest.importorskip("dash")
    import pandas as pd
    import plotly.graph_objects as go

    import dashboards.app  # noqa: F401  (registers the pages)
    from dashboards import queries
    from dashboards.pages import monitor, vendas
    from harness.anomalies import sentence

    cut = anomaly_rows(CUT_DAY)[(CUT_DAY, CUT_REGION, "pedidos")]   # as it is now (later cancellations moved it)
    queries.fechar_conexoes()
    queries.limpar_cache()
    try:
        def marks(search):
            out = vendas.atualizar(search)
            trend = next(o for o in out if isinstance(o, dict) and any(t.get("name") == "Anomalias de KPI"
                                                                         for t in o.get("data", [])))
            go.Figure(trend)   # what Plotly accepts
            series = trend["data"][0]
            revenue = dict(zip(pd.to_datetime(series["x"]), series["y"]))
            m = next(t for t in trend["data"] if t["name"] == "Anomalias de KPI")
            assert all(day == x.date().isoformat() for (day, _), x in zip(m["customdata"], pd.to_datetime(m["x"])))
            return {x: (y, text, color) for x, y, (_, text), color in zip(pd.to_datetime(m["x"]), m["y"], m["customdata"],
                                                                            m["marker"]["line"]["color"])}, revenue

        region, revenue = marks("?de=2025-11-01&ate=2025-11-28&regiao=NE")
        y, text, color = region[pd.Timestamp(CUT_DAY)]
        assert y == revenue[pd.Timestamp(CUT_DAY)] and color == "#c0392b"
        assert f"Pedidos: observado {FMT.numero(cut['observado'])}, esperado {FMT.numero(cut['esperado'])}" in text
        shop, _ = marks("?de=2025-11-01&ate=2025-11-28")
        assert pd.Timestamp(CUT_DAY) not in shop   # the whole shop had no anomaly that Monday
        _, bf_text, bf_color = shop[pd.Timestamp(BLACK_FRIDAY)]
        assert "esperada pelo calendário: Black Friday" in bf_text and bf_color == "#8795a1"
        several = vendas.atualizar("?de=2025-11-01&ate=2025-11-28&regiao=NE&regiao=SE")
        assert not any(isinstance(o, dict) and any(t.get("name") == "Anomalias de KPI" for t in o.get("data", []))
                       for o in several)   # a sum of regions is not what anomalies are computed for

        items = [li.children for li in monitor.anomalias("").children]
        view = dw_rows("SELECT * FROM mart.vw_anomalias_kpi WHERE data = %s AND kpi = 'pedidos' AND escopo = 'regiao'",
                       (CUT_DAY,), role="bi")
        assert sentence(view[0]) + " (alerta enviado)" in items
        assert any("Black Friday" in i for i in items)
    finally:
        queries.fechar_conexoes()
        queries.limpar_cache()


# ------------------------------------------------------------------ the digest
NUMBER = re.compile(r"-?R\$ [\d.]+,\d{2}|\d{2}/\d{2}/\d{4}(?: \d{2}:\d{2})?|[+-]?\d[\d.]*(?:,\d+)?(?:%| p\.p\.)?")


def numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


class _Mail(HTMLParser):
    """Text of every element of the digest's HTML, by the id of its nearest identified ancestor."""

    def __init__(self):
        super().__init__()
        self.stack: list[str | None] = []                   # id in force, per open element
        self.tags: list[str] = []                           # open elements
        self.parts: list[tuple[str | None, str, str]] = []   # (id, tag, text)
        self.alt = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.alt = attrs.get("alt")
            return
        if tag in ("br", "meta"):
            return
        self.stack.append(attrs.get("id") or (self.stack[-1] if self.stack else None))
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if tag not in ("img", "br", "meta") and self.stack:
            self.stack.pop()
            self.tags.pop()

    def handle_data(self, data):
        if data.strip():
            self.parts.append((self.stack[-1] if self.stack else None, self.tags[-1] if self.tags else "", data.strip()))


def expected_digest(day: date) -> dict[str, list[str]]:
    """The digest's numbers recomputed from mart as bi_reader with the catalog's definitions, in mail order."""
    import calendar

    cat = metrics.load_catalog()
    week_before = day - timedelta(days=7)
    month = day.replace(day=1)
    pace = Decimal(day.day) * 100 / calendar.monthrange(day.year, day.month)[1]
    with db.connect("dw", "bi") as conn:
        kpi = {d: {m: metrics.compute(conn, cat, m, data_inicio=d, data_fim=d)
                   for m in ("receita_liquida", "pedidos", "ticket_medio", "margem_percentual")} for d in (day, week_before)}
        fresh = conn.execute("SELECT dados_ate FROM mart.vw_atualizacao").fetchone()[0]
        last_ok = conn.execute("SELECT max(terminado_em) FROM mart.vw_monitor_etl WHERE status = 'succeeded'").fetchone()[0]
        warnings = conn.execute(
            "SELECT count(*) FROM mart.vw_verificacoes_qualidade WHERE severidade = 'warn' AND status <> 'pass' "
            "AND run_id = (SELECT max(run_id) FROM mart.vw_verificacoes_qualidade)").fetchone()[0]
        goal = metrics.compute(conn, cat, "valor_meta", data_inicio=month, data_fim=day)
        sellers = [dict(zip(("id", "nome", "equipe", "meta"), r)) for r in conn.execute(
            "SELECT vendedor_id, vendedor_nome, equipe_nome, valor_meta FROM mart.vw_metas_atingimento WHERE mes = %s",
            (month,))]
        done = dict(conn.execute("SELECT vendedor_id, sum(valor_total_liquido) FROM mart.vw_vendas_diarias "
                                 "WHERE data BETWEEN %s AND %s GROUP BY 1", (month, day)).fetchall())
        anomalies = dw_rows("SELECT * FROM mart.vw_anomalias_kpi WHERE data BETWEEN %s AND %s "
                            "ORDER BY data DESC, escopo <> 'loja', escopo_nome, kpi", (day - timedelta(days=6), day), "bi")
        total = conn.execute("SELECT sum(valor_total_liquido) FROM mart.vw_vendas_diarias WHERE data BETWEEN %s AND %s",
                             (day - timedelta(days=29), day)).fetchone()[0]
    for s in sellers:
        s["feito"] = done.get(s["id"], Decimal(0))
        s["pct"] = s["feito"] * 100 / s["meta"]
        s["ritmo"] = s["pct"] - pace
    done_total = sum(s["feito"] for s in sellers)

    def pp(v):
        t = FMT.numero(abs(v), 1)
        return f"{'+' if v > 0 else '-' if v < 0 else ''}{t} p.p."

    def change(a, b):
        return FMT.variacao((Decimal(a) - Decimal(b)) * 100 / abs(Decimal(b)))

    kpis = []
    for name, show in (("receita_liquida", FMT.moeda), ("pedidos", FMT.numero), ("ticket_medio", FMT.moeda),
                       ("margem_percentual", FMT.percentual)):
        a, b = kpi[day][name], kpi[week_before][name]
        kpis += [show(a), show(b), pp(a - b) if name == "margem_percentual" else change(a, b)]
    ranked = sorted(sellers, key=lambda s: (s["ritmo"], s["nome"]))

    def rows(chosen):
        return [x for s in chosen for x in (FMT.moeda(s["meta"]), FMT.moeda(s["feito"]), FMT.percentual(s["pct"]),
                                            pp(s["ritmo"]))] + [n for s in chosen for n in numbers(s["equipe"] + s["nome"])]

    expected_value = goal * pace / 100
    return {
        "situacao": [FMT.data(fresh), FMT.data_hora(last_ok.astimezone(SP)), str(warnings)],
        "kpis": [FMT.data(day), FMT.data(week_before), *kpis],
        "meta": [FMT.data(day), FMT.moeda(done_total), FMT.moeda(goal), FMT.percentual(done_total * 100 / goal),
                 str(day.day), str(calendar.monthrange(day.year, day.month)[1]), FMT.percentual(pace),
                 FMT.moeda(expected_value), FMT.moeda(abs(done_total - expected_value))],
        "sellers": rows(ranked[:3]) + rows(sorted(sellers, key=lambda s: (-s["ritmo"], s["nome"]))[:3]),
        "anomalias": [x for a in anomalies for x in [FMT.data(a["data"]), *numbers(
            f"{value_text(a['kpi'], a['observado'])} {value_text(a['kpi'], a['esperado'])} "
            f"{FMT.variacao(a['variacao_pct']) if a['variacao_pct'] is not None else ''}")]],
        "alt": [FMT.data(day - timedelta(days=29)), FMT.data(day), FMT.moeda(total)],
        "anomaly_rows": anomalies,
    }


def test_digest_mail_arrives_with_its_chart_and_every_number_from_mart(on_scenario):
    import matplotlib.image

    with receivers.smtp_sink(raw=True) as (url, mails):
        result = digest.run_digest(DIGEST_DAY, [url])
    assert result.recipients == 1 and len(mails) == 1
    msg = email.message_from_bytes(mails[0])
    subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
    assert subject == "Resumo de vendas · sexta-feira, 21/11/2025"
    html = next(p for p in msg.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    png = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    assert png["Content-ID"] == "<receita_30_dias.png>" and png.get_content_disposition() == "inline"
    assert html.count('src="cid:receita_30_dias.png"') == 1
    image = matplotlib.image.imread(io.BytesIO(png.get_payload(decode=True)), format="png")
    assert image.shape[:2] == (300, 800) and image.std() > 0.05   # a drawn chart, not a blank
    parsed = _Mail()
    parsed.feed(html)
    by_id: dict[str | None, list[str]] = {}
    for ident, tag, text in parsed.parts:
        by_id.setdefault(ident if tag not in ("h1", "h2", "title") else tag, []).append(text)
    want = expected_digest(DIGEST_DAY)
    got = {k: numbers(" ".join(v)) for k, v in by_id.items()}
    assert got["situacao"] == want["situacao"]
    assert got["kpis"] == want["kpis"]
    assert got["meta"] == want["meta"]
    assert sorted(got["atras"] + got["frente"]) == sorted(want["sellers"])
    assert got["anomalias"] == want["anomalias"]
    assert numbers(parsed.alt) == want["alt"]
    # the cut Monday (unexpected) and the first Black Friday days (expected) are in the week's list
    assert any(a["data"] == CUT_DAY and not a["esperada"] for a in want["anomaly_rows"])
    assert any(a["esperada"] for a in want["anomaly_rows"])
    # nothing else in the mail carries a number: title and headings hold the day, the month's year
    # ("Meta do mês: novembro de 2025") and the fixed periods ("últimos 7 dias", "últimos 30 dias") only
    others = {k: v for k, v in got.items() if k not in ("situacao", "kpis", "meta", "atras", "frente", "anomalias")}
    assert sorted(n for v in others.values() for n in v) == sorted(["21/11/2025", "21/11/2025", "2025", "7", "30"]), others


def test_digest_cli_writes_html_or_refuses_without_recipients(on_scenario, tmp_path, monkeypatch):
    target = tmp_path / "digest.html"
    result = CliRunner().invoke(app, ["digest", "--date", "2025-11-21", "--out", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert "data:image/png;base64," in text and "Resumo de vendas · sexta-feira, 21/11/2025" in text
    monkeypatch.delenv("HARNESS_DIGEST_URLS", raising=False)
    refused = CliRunner().invoke(app, ["digest"])
    assert refused.exit_code == 2 and "no recipient" in refused.output
    future = CliRunner().invoke(app, ["digest", "--date", "2026-03-01", "--out", str(target)])
    assert future.exit_code == 2 and "no sales loaded for 2026-03-01" in future.output
