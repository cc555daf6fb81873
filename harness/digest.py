"""`harness digest`: the managers' daily mail about one business day, in pt-BR.

Everything in it is read from the `mart` views as bi_reader (the same numbers the dashboards
show): the day's KPIs against the same weekday of the week before (mart.vw_pedidos_diarios), the
month-to-date goal and the sellers furthest behind and ahead of pace (mart.vw_metas_atingimento
and mart.vendas_periodo_vendedor up to the day), the KPI anomalies of the week
(mart.vw_anomalias_kpi), the data status in one line (mart.vw_atualizacao and
mart.vw_verificacoes_qualidade) and a chart of the last 30 days' revenue.

The chart is a PNG drawn by matplotlib with its Agg backend: a raster library in the wheel, with
its own fonts, that needs no display, no browser and no network. Plotly's image export (kaleido)
drives a headless Chromium instead: it works offline only where a Chromium is installed (Debian's
here), starts a browser for every export, and would make the scheduled job depend on a browser
on the server (figures in docs/benchmarks.md).

Sent through apprise (the alert library): an HTML body with the chart as a file attachment; for
e-mail (mailto://, mailtos://) the attachment is embedded inline (apprise's `inline=yes`, added to
the URL when absent) and the body shows it with <img src="cid:...">. `--out` writes the HTML with the
chart embedded as a data: URI instead of sending it.
"""

from __future__ import annotations

import base64
import calendar
import io
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from harness import db, logs
from harness.errors import ConfigError, HarnessError

CHART_NAME = "receita_30_dias.png"
CHART_DAYS = 30
SELLERS_SHOWN = 3
ANOMALY_DAYS = 7
TIMEZONE = ZoneInfo("America/Sao_Paulo")
DIAS_SEMANA = ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"]


class DigestNotSent(HarnessError):
    exit_code = 1


# ------------------------------------------------------------------ the queries (bi_reader, mart only)
STATUS = """
    SELECT a.dados_ate, a.ultima_carga_ok, a.status_ultima_execucao,
           (SELECT count(*) FROM mart.vw_verificacoes_qualidade v
            WHERE v.run_id = (SELECT max(x.run_id) FROM mart.vw_verificacoes_qualidade x)
              AND v.severidade = 'warn' AND v.status <> 'pass') AS avisos
    FROM mart.vw_atualizacao a"""

DAY_KPIS = """
    SELECT data, sum(valor_total_liquido) AS receita, sum(pedidos) AS pedidos,
           sum(valor_total_liquido) / NULLIF(sum(pedidos), 0) AS ticket,
           sum(valor_total_liquido - custo_total) * 100.0 / NULLIF(sum(valor_total_liquido), 0) AS margem_pct
    FROM mart.vw_pedidos_diarios
    WHERE data = ANY(%(dias)s::date[])
    GROUP BY data"""

# goal of the month and what each seller with a goal sold from its 1st day to the day (every version
# of the seller, by vendedor_id, as the goal attainment counts it)
SELLERS = """
    WITH feito AS (
        SELECT vendedor_id, sum(valor_total_liquido) AS realizado
        FROM mart.vendas_periodo_vendedor(%(mes)s, %(dia)s)
        GROUP BY vendedor_id
    )
    SELECT m.vendedor_id, m.vendedor_nome, m.equipe_nome, m.valor_meta, coalesce(f.realizado, 0) AS realizado,
           coalesce(f.realizado, 0) * 100.0 / NULLIF(m.valor_meta, 0) AS atingimento
    FROM mart.vw_metas_atingimento m
    LEFT JOIN feito f USING (vendedor_id)
    WHERE m.mes = %(mes)s"""

ANOMALIES = """
    SELECT data, nome_dia_semana, escopo, escopo_nome, kpi, kpi_rotulo, observado, esperado, variacao_pct,
           esperada, motivo_esperado
    FROM mart.vw_anomalias_kpi
    WHERE data BETWEEN %(de)s AND %(ate)s
    ORDER BY data DESC, escopo <> 'loja', escopo_nome, kpi"""

SERIES = """
    SELECT data, sum(valor_total_liquido) AS receita
    FROM mart.vw_pedidos_diarios
    WHERE data BETWEEN %(de)s AND %(ate)s
    GROUP BY data ORDER BY data"""


def _rows(conn, query: str, params: dict | None = None) -> list[dict]:
    cur = conn.execute(query, params)
    cols = [c.name for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


@dataclass
class Digest:
    day: date
    status: dict
    kpis: dict                  # date -> row of DAY_KPIS (the day and the same weekday a week before)
    sellers: list[dict]         # every seller with a goal in the day's month, with attainment and pace
    anomalies: list[dict]
    series: list[dict]          # data, receita of the last CHART_DAYS days
    pace: Decimal | None = None        # % of the month elapsed at the end of the day
    goal: dict = field(default_factory=dict)

    @property
    def week_before(self) -> date:
        return self.day - timedelta(days=7)

    def behind(self) -> list[dict]:
        ranked = [s for s in self.sellers if s["atingimento"] is not None]
        return sorted(ranked, key=lambda s: (s["vs_ritmo"], s["vendedor_nome"]))[:SELLERS_SHOWN]

    def ahead(self) -> list[dict]:
        ranked = [s for s in self.sellers if s["atingimento"] is not None]
        return sorted(ranked, key=lambda s: (-s["vs_ritmo"], s["vendedor_nome"]))[:SELLERS_SHOWN]


def pace(day: date) -> Decimal:
    """Share of the month elapsed at the end of `day`, in % (the Metas page's 'ritmo esperado')."""
    return Decimal(day.day) * 100 / calendar.monthrange(day.year, day.month)[1]


def collect(day: date | None = None) -> Digest:
    """Read everything the mail says, as bi_reader, for business day `day` (default: the last day with sales)."""
    with db.connect("dw", "bi") as conn:
        status = _rows(conn, STATUS)[0]
        day = day or status["dados_ate"]
        if day is None:
            raise ConfigError("the warehouse holds no sales yet: run `harness load-daily` first")
        if status["dados_ate"] is None or day > status["dados_ate"]:
            raise ConfigError(f"no sales loaded for {day:%Y-%m-%d} yet (data up to {status['dados_ate']})")
        week_before = day - timedelta(days=7)
        kpis = {r["data"]: r for r in _rows(conn, DAY_KPIS, {"dias": [day, week_before]})}
        month = day.replace(day=1)
        sellers = _rows(conn, SELLERS, {"mes": month, "dia": day})
        anomalies = _rows(conn, ANOMALIES, {"de": day - timedelta(days=ANOMALY_DAYS - 1), "ate": day})
        series = _rows(conn, SERIES, {"de": day - timedelta(days=CHART_DAYS - 1), "ate": day})
    ritmo = pace(day)
    for s in sellers:
        s["vs_ritmo"] = None if s["atingimento"] is None else s["atingimento"] - ritmo
    meta = sum((s["valor_meta"] for s in sellers), Decimal(0))
    feito = sum((s["realizado"] for s in sellers), Decimal(0))
    goal = {"meta": meta, "realizado": feito, "atingimento": feito * 100 / meta if meta else None,
            "esperado": meta * ritmo / 100, "diferenca": feito - meta * ritmo / 100}
    return Digest(day, status, kpis, sellers, anomalies, series, ritmo, goal)


# ------------------------------------------------------------------ the chart
def chart_png(d: Digest) -> bytes:
    """Daily revenue of the last CHART_DAYS days as a PNG; days with a whole-shop anomaly are circled
    (red: unexpected, grey: a seasonal peak or holiday)."""
    import matplotlib

    matplotlib.use("Agg")   # raster only: no display, no browser, no network
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from dashboards import formatting as fmt

    days = [r["data"] for r in d.series]
    values = [float(r["receita"]) for r in d.series]
    fig = Figure(figsize=(8, 3), dpi=100)
    ax = fig.add_subplot()
    ax.plot(days, values, color="#1f4e79", linewidth=2, marker="o", markersize=3)
    ax.fill_between(days, values, color="#7fa7cf", alpha=0.25)
    marked = {}
    for a in d.anomalies:
        if a["escopo"] == "loja":
            marked[a["data"]] = marked.get(a["data"], True) and bool(a["esperada"])
    by_day = dict(zip(days, values))
    for day, expected in marked.items():
        if day in by_day:
            ax.plot([day], [by_day[day]], marker="o", markersize=11, markerfacecolor="none",
                    markeredgewidth=2, color="#8795a1" if expected else "#c0392b")
    ax.set_title(f"Receita líquida por dia, {fmt.data(days[0]) if days else ''} a {fmt.data(d.day)}",
                 fontsize=11, loc="left")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.moeda_compacta(v)))
    ax.xaxis.set_major_formatter(DateFormatter("%d/%m"))
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#e9edf2")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# ------------------------------------------------------------------ the HTML
TEMPLATE = """<!DOCTYPE html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>{{ assunto }}</title></head>
<body style="font-family: 'Segoe UI', Roboto, Arial, sans-serif; color: #1c2733; max-width: 760px;">
<h1 style="font-size: 20px; margin-bottom: 4px;">Resumo de vendas · {{ dia_longo }}</h1>
<p style="color: #5b6b7b; margin-top: 0;" id="situacao">{{ situacao }}</p>

<h2 style="font-size: 16px;">O dia comparado ao mesmo dia da semana anterior</h2>
<table id="kpis" style="border-collapse: collapse;" cellpadding="6">
<tr style="background: #f2f5f8;"><th align="left">Indicador</th><th align="right">{{ dia_curto }}</th>
<th align="right">{{ semana_antes_curto }}</th><th align="right">Variação</th></tr>
{% for k in kpis %}<tr><td>{{ k.rotulo }}</td><td align="right" style="white-space: nowrap;">{{ k.hoje }}</td><td align="right" style="white-space: nowrap;">{{ k.antes }}</td>
<td align="right" style="white-space: nowrap;">{{ k.variacao }}</td></tr>
{% endfor %}</table>

<h2 style="font-size: 16px;">Meta do mês: {{ mes }}</h2>
<p id="meta">{{ meta }}</p>

<h2 style="font-size: 16px;">Vendedores em relação ao ritmo da meta</h2>
{% for titulo, lista, ident in vendedores %}<p style="margin-bottom: 2px;"><strong>{{ titulo }}</strong></p>
{% if lista %}<table id="{{ ident }}" style="border-collapse: collapse;" cellpadding="4">
<tr style="background: #f2f5f8;"><th align="left">Vendedor</th><th align="left">Equipe</th><th align="right">Meta</th>
<th align="right">Realizado</th><th align="right">Atingimento</th><th align="right">Em relação ao ritmo</th></tr>
{% for s in lista %}<tr><td>{{ s.nome }}</td><td>{{ s.equipe }}</td><td align="right" style="white-space: nowrap;">{{ s.meta }}</td>
<td align="right" style="white-space: nowrap;">{{ s.realizado }}</td><td align="right" style="white-space: nowrap;">{{ s.atingimento }}</td><td align="right" style="white-space: nowrap;">{{ s.vs_ritmo }}</td></tr>
{% endfor %}</table>{% else %}<p>Nenhum vendedor com meta neste mês.</p>{% endif %}
{% endfor %}

<h2 style="font-size: 16px;">Anomalias de KPI nos últimos {{ dias_anomalias }} dias</h2>
{% if anomalias %}<ul id="anomalias">
{% for a in anomalias %}<li>{{ a }}</li>
{% endfor %}</ul>{% else %}<p id="anomalias">Nenhuma anomalia de KPI nos últimos {{ dias_anomalias }} dias.</p>{% endif %}

<h2 style="font-size: 16px;">Receita líquida dos últimos {{ dias_grafico }} dias</h2>
<img src="{{ grafico }}" alt="{{ grafico_alt }}" width="800" height="300" style="max-width: 100%;">
<p style="color: #5b6b7b; font-size: 12px;">Círculo vermelho: anomalia da loja inteira; cinza: esperada pelo
calendário (pico sazonal ou feriado). Números das views mart (os mesmos dos painéis); definições no dicionário de
métricas (docs/metricas.md).</p>
</body></html>
"""


def _fmt():
    from dashboards import formatting as fmt   # plain functions, no Dash import
    return fmt


def long_day(day: date) -> str:
    return f"{DIAS_SEMANA[day.weekday()]}, {_fmt().data(day)}"


def _pp(value) -> str:
    """A signed difference in percentage points: +1,2 p.p."""
    fmt = _fmt()
    if value is None:
        return fmt.VAZIO
    text = fmt.numero(abs(value), 1)
    return f"{'+' if value > 0 else '-' if value < 0 and text != '0,0' else ''}{text} p.p."


def _change(now, before) -> str:
    fmt = _fmt()
    if now is None or before is None or not before:
        return "sem base"
    return fmt.variacao((Decimal(now) - Decimal(before)) * 100 / abs(Decimal(before)))


LAST_RUN = {"failed": "a última execução falhou", "blocked": "a última execução foi bloqueada pelas verificações",
            "running": "há uma execução em andamento", "stale": "a última execução foi interrompida"}


def status_line(d: Digest) -> str:
    fmt = _fmt()
    s = d.status
    last = s["ultima_carga_ok"]
    warnings = int(s["avisos"] or 0)
    parts = [f"dados até {fmt.data(s['dados_ate'])}",
             "última carga com sucesso " + (fmt.data_hora(last.astimezone(TIMEZONE)) if last else "nenhuma"),
             f"{warnings} aviso{'s' if warnings != 1 else ''} de qualidade em aberto"]
    if s["status_ultima_execucao"] not in (None, "succeeded"):
        parts.append(LAST_RUN.get(s["status_ultima_execucao"], f"última execução: {s['status_ultima_execucao']}"))
    return "Situação dos dados: " + " · ".join(parts) + "."


def kpi_rows(d: Digest) -> list[dict]:
    fmt = _fmt()
    today, before = d.kpis.get(d.day, {}), d.kpis.get(d.week_before, {})
    out = []
    for key, label, show in (("receita", "Receita líquida", fmt.moeda), ("pedidos", "Pedidos", fmt.numero),
                             ("ticket", "Ticket médio", fmt.moeda), ("margem_pct", "Margem bruta (%)", fmt.percentual)):
        now, then = today.get(key), before.get(key)
        if key == "margem_pct":
            change = _pp(now - then) if now is not None and then is not None else "sem base"
        else:
            change = _change(now, then)
        out.append({"rotulo": label, "hoje": show(now), "antes": show(then), "variacao": change})
    return out


def goal_text(d: Digest) -> str:
    fmt = _fmt()
    g = d.goal
    if not g["meta"]:
        return "Nenhuma meta cadastrada para este mês."
    days_in_month = calendar.monthrange(d.day.year, d.day.month)[1]
    position = "acima" if g["diferenca"] >= 0 else "abaixo"
    return (f"Realizado até {fmt.data(d.day)}: {fmt.moeda(g['realizado'])} de {fmt.moeda(g['meta'])} de meta "
            f"({fmt.percentual(g['atingimento'])}). Ritmo esperado no dia {d.day.day} de {days_in_month}: "
            f"{fmt.percentual(d.pace)} da meta ({fmt.moeda(g['esperado'])}): {fmt.moeda(abs(g['diferenca']))} "
            f"{position} do ritmo.")


def seller_rows(rows: list[dict]) -> list[dict]:
    fmt = _fmt()
    return [{"nome": s["vendedor_nome"], "equipe": s["equipe_nome"], "meta": fmt.moeda(s["valor_meta"]),
             "realizado": fmt.moeda(s["realizado"]), "atingimento": fmt.percentual(s["atingimento"]),
             "vs_ritmo": _pp(s["vs_ritmo"])} for s in rows]


def subject(d: Digest) -> str:
    return f"Resumo de vendas · {long_day(d.day)}"


def render_html(d: Digest, image_src: str) -> str:
    import jinja2

    from harness.anomalies import sentence

    fmt = _fmt()
    total = sum((r["receita"] for r in d.series), Decimal(0))
    alt = (f"Gráfico da receita líquida diária de {fmt.data(d.series[0]['data']) if d.series else fmt.VAZIO} a "
           f"{fmt.data(d.day)}: {fmt.moeda(total)} no período")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(
        assunto=subject(d), dia_longo=long_day(d.day), situacao=status_line(d),
        dia_curto=f"{fmt.data(d.day)} ({DIAS_SEMANA[d.day.weekday()][:3]})",
        semana_antes_curto=f"{fmt.data(d.week_before)} ({DIAS_SEMANA[d.week_before.weekday()][:3]})",
        kpis=kpi_rows(d), mes=fmt.mes_ano(d.day.replace(day=1)), meta=goal_text(d),
        vendedores=[("Mais atrás do ritmo", seller_rows(d.behind()), "atras"),
                    ("Mais à frente do ritmo", seller_rows(d.ahead()), "frente")],
        anomalias=[sentence(a) for a in d.anomalies], dias_anomalias=ANOMALY_DAYS,
        dias_grafico=CHART_DAYS, grafico=image_src, grafico_alt=alt)


# ------------------------------------------------------------------ sending
def digest_urls() -> list[str]:
    return [u for u in os.environ.get("HARNESS_DIGEST_URLS", "").split() if u]


def with_inline(url: str) -> str:
    """An e-mail URL gets apprise's inline=yes (the chart shown in the body), unless it says otherwise."""
    scheme = url.split("://", 1)[0].lower()
    if scheme not in ("mailto", "mailtos") or "inline=" in url:
        return url
    return url + ("&" if "?" in url else "?") + "inline=yes"


@dataclass(frozen=True)
class Result:
    day: date
    recipients: int
    html: str


def run_digest(day: date | None = None, urls: list[str] | None = None, output: Path | None = None) -> Result:
    """Build the digest of `day`; write it to `output`, or else send it to `urls` (or HARNESS_DIGEST_URLS)."""
    targets = urls if urls is not None else digest_urls()
    if output is None and not targets:
        raise ConfigError("no recipient: give --to URL (repeatable) or set HARNESS_DIGEST_URLS, or --out FILE.html")
    d = collect(day)
    png = chart_png(d)
    log = logs.get_logger()
    if output is not None:
        html = render_html(d, "data:image/png;base64," + base64.b64encode(png).decode())
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(html, encoding="utf-8")
        log.info("digest_written", day=d.day, path=str(output))
        return Result(d.day, 0, html)
    import apprise

    html = render_html(d, f"cid:{CHART_NAME}")
    app = apprise.Apprise()
    for url in targets:
        if not app.add(with_inline(url)):
            raise ConfigError("a --to / HARNESS_DIGEST_URLS entry is not a valid apprise URL")   # never echo it: secrets
    with tempfile.TemporaryDirectory(prefix="harness-digest-") as folder:
        path = Path(folder) / CHART_NAME
        path.write_bytes(png)
        ok = app.notify(title=subject(d), body=html, body_format=apprise.NotifyFormat.HTML,
                        attach=apprise.AppriseAttachment(str(path)))
    log.info("digest_sent" if ok else "digest_failed", day=d.day, channels=len(targets))
    if not ok:
        raise DigestNotSent(f"the digest of {d.day:%Y-%m-%d} was not accepted by any of {len(targets)} channel(s)")
    return Result(d.day, len(targets), html)
