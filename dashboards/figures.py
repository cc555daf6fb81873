"""Figure builders: pure functions from a data frame to a Plotly figure dict (no data access).

Numbers in Brazilian format: `separators=",."` makes Plotly write 1.234,56; hover texts
use the same formatting module as the KPI cards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboards import formatting as fmt

AZUL, AZUL_CLARO, VERDE, VERMELHO, AMARELO, CINZA = "#1f4e79", "#7fa7cf", "#1b7f3b", "#c0392b", "#d69e2e", "#8795a1"
STATUS_CORES = {"succeeded": VERDE, "failed": VERMELHO, "blocked": AMARELO, "running": AZUL_CLARO, "stale": CINZA}
STATUS_PT = {"succeeded": "sucesso", "failed": "falhou", "blocked": "bloqueada", "running": "em execução",
             "stale": "abandonada"}


# Figures are plain dicts ({"data": [...], "layout": {...}}), which dcc.Graph takes as they are.
# go.Figure validated every property and deep-copied the template into each figure: 25-50 ms per
# figure, most of a page callback's time. The dicts carry exactly what go.Figure(...).to_plotly_json()
# gave (tests/test_dash_figures.py checks every builder against go.Figure's validation), and data
# columns go in as numpy arrays, which Plotly's JSON encoder writes as they are.
_GRADE = dict(gridcolor="#e9edf2", linecolor="#c9d2dc", zerolinecolor="#c9d2dc", automargin=True)
TEMPLATE = {"layout": dict(
    paper_bgcolor="white", plot_bgcolor="white", colorway=[AZUL, AZUL_CLARO, VERDE, AMARELO, VERMELHO, CINZA],
    xaxis=_GRADE, yaxis=_GRADE, hovermode="closest")}  # shared by every figure: never mutated


def _figura(dados: list[dict], altura: int | None = None, legenda: bool = True, **layout) -> dict:
    """A figure dict with the common layout: small template, pt-BR separators, legend on top or none."""
    base = dict(template=TEMPLATE, separators=",.", margin=dict(l=10, r=10, t=10, b=10),
                font=dict(family="Segoe UI, Roboto, Arial, sans-serif", size=13),
                legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0) if legenda else {},
                showlegend=legenda, hoverlabel=dict(bgcolor="white"))
    if altura:
        base["height"] = altura
    base.update(layout)
    return {"data": dados, "layout": base}


def _col(serie) -> np.ndarray:
    """A data column as a numpy array (what go.Figure's validation made of a pandas column)."""
    return serie.to_numpy() if isinstance(serie, (pd.Series, pd.Index)) else np.asarray(serie)


def vazio(mensagem: str = "Nenhum dado para os filtros escolhidos.") -> dict:
    """A blank figure carrying a readable message (no axes, no 'undefined')."""
    return _figura([], legenda=False, annotations=[dict(
        text=mensagem, showarrow=False, font=dict(size=14, color=CINZA), x=0.5, y=0.5, xref="paper", yref="paper")],
        xaxis=dict(visible=False), yaxis=dict(visible=False))


DIA_MS = 86_400_000


def eixo_tempo(inicio, fim, grao: str) -> dict:
    """x-axis ticks that follow the span: every day up to two weeks, weekly up to three months,
    monthly up to a year and a half, quarterly or yearly beyond; the year shows whenever the span
    crosses one (or when ticks are months). Never sub-day ticks (a 2-day period once read
    '01/01' eight times)."""
    inicio, fim = pd.Timestamp(inicio), pd.Timestamp(fim)
    dias = (fim - inicio).days + 1
    anos = inicio.year != fim.year
    if grao == "dia" and dias <= 14:
        return dict(type="date", dtick=DIA_MS, tick0=inicio.strftime("%Y-%m-%d"),
                    tickformat="%d/%m/%Y" if anos else "%d/%m")
    if grao == "dia" and dias <= 92:
        return dict(type="date", dtick=7 * DIA_MS, tick0=inicio.strftime("%Y-%m-%d"),
                    tickformat="%d/%m/%Y" if anos else "%d/%m")
    meses = (fim.year - inicio.year) * 12 + fim.month - inicio.month + 1
    if meses <= 18:
        return dict(type="date", dtick="M1", tickformat="%b/%Y")
    if meses <= 48:
        return dict(type="date", dtick="M3", tickformat="%b/%Y")
    return dict(type="date", dtick="M12", tickformat="%Y")


def tendencia(df: pd.DataFrame, grao: str) -> dict:
    """Revenue and gross margin over time (df: periodo, receita, margem).

    Hover texts are formatted by Plotly in the browser (`%{y:,.2f}` with the figure's ",."
    separators gives 1.234,56; `%{x|%d/%m/%Y}` the date), and x/y go in as numpy arrays:
    formatting three years of points in Python was most of the sales page's callback time.
    Clicking a point opens the order lines of that day or month (customdata: the period, ISO)."""
    if df is None or df.empty:
        return vazio()
    periodos = pd.to_datetime(df["periodo"])
    xs = periodos.to_numpy()
    chaves = periodos.dt.strftime("%Y-%m-%d").to_numpy()
    receita, margem = df["receita"].to_numpy(dtype=float), df["margem"].to_numpy(dtype=float)
    quando = "%{x|%d/%m/%Y}" if grao == "dia" else "%{x|%m/%Y}"
    dica_receita = quando + "<br>Receita: R$ %{y:,.2f}<br><i>clique para ver os pedidos</i><extra></extra>"
    dica_margem = quando + "<br>Margem: R$ %{y:,.2f}<extra></extra>"
    if grao == "mes":
        dados = [dict(type="bar", x=xs, y=receita, name="Receita líquida", marker=dict(color=AZUL),
                      customdata=chaves, hovertemplate=dica_receita),
                 dict(type="bar", x=xs, y=margem, name="Margem bruta", marker=dict(color=AZUL_CLARO),
                      customdata=chaves, hovertemplate=dica_margem)]
    else:
        dados = [dict(type="scatter", x=xs, y=receita, name="Receita líquida", mode="lines+markers",
                      line=dict(color=AZUL, width=2.5), marker=dict(size=6), customdata=chaves,
                      hovertemplate=dica_receita),
                 dict(type="scatter", x=xs, y=margem, name="Margem bruta", mode="lines", fill="tozeroy",
                      line=dict(color=AZUL_CLARO, width=1.5), customdata=chaves, hovertemplate=dica_margem)]
    return _figura(dados, xaxis=eixo_tempo(periodos.min(), periodos.max(), grao),
                   yaxis=dict(rangemode="tozero", **fmt.eixo_moeda(list(receita) + list(margem))))


def _rotulos_cabem(textos, valores, extra: float = 0.0) -> list:
    """x-axis range [0, top] leaving room to the right for the longest label written outside a bar
    (about 7 px per character on a ~300 px wide plot: the share of the axis a label takes)."""
    topo = max([float(v) for v in valores] + [0.0])
    maior = max((len(t) for t in textos), default=0)
    folga = min(0.9, 0.022 * maior)  # fraction of the plot the label needs
    return [0, topo / (1 - folga) * (1 + extra) if topo else 1]


def barras(df: pd.DataFrame, dimensao: str = "") -> dict:
    """Horizontal bars of revenue by one dimension, every member (the chart grows with them), the
    margin % in a label outside the bar at a fixed size (df: chave, nome, receita, margem).
    Clicking a bar opens its order lines (customdata[0]: the member's key)."""
    if df is None or df.empty:
        return vazio()
    d = df.iloc[::-1]
    pct = [(m / r * 100) if r else None for r, m in zip(d["receita"], d["margem"])]
    textos = [f"{fmt.moeda_compacta(r)} · {fmt.percentual(p)}" for r, p in zip(d["receita"], pct)]
    chaves = d["chave"] if "chave" in d else d["nome"]
    return _figura([dict(
        type="bar", x=_col(d["receita"]), y=_col(d["nome"]), orientation="h", marker=dict(color=AZUL),
        text=textos, textposition="outside", cliponaxis=False, textfont=dict(size=12),
        customdata=[[str(k), fmt.moeda(r), fmt.moeda(m), fmt.percentual(p)]
                    for k, r, m, p in zip(chaves, d["receita"], d["margem"], pct)],
        hovertemplate="<b>%{y}</b><br>Receita: %{customdata[1]}<br>Margem: %{customdata[2]} "
                      "(%{customdata[3]})<br><i>clique para ver os pedidos</i><extra></extra>")],
        altura=max(240, 26 * len(d) + 60), legenda=False,
        xaxis=dict(range=_rotulos_cabem(textos, d["receita"]), **fmt.eixo_moeda(d["receita"], 3)),
        yaxis=dict(automargin=True), margin=dict(l=10, r=14, t=10, b=10))


MAX_VENDEDORES_GRAFICO = 15


def atingimento(df: pd.DataFrame, ritmo: float | None, recorte: str = "atrasados") -> dict:
    """Attainment % per seller coloured by status; lines at the expected pace (month in progress) and 100%.

    With more than MAX_VENDEDORES_GRAFICO sellers the chart shows that many: the furthest behind
    (recorte 'atrasados', the default: who needs a plan) or the best ('melhores'); the ranking table
    beside it has every seller. df: vendedor_id, vendedor_nome, equipe_nome, valor_meta,
    valor_realizado, pct_atingimento, situacao. Clicking a bar opens the seller's order lines."""
    if df is None or df.empty:
        return vazio("Nenhuma meta cadastrada para este mês e filtros.")
    ordenado = df.assign(_p=df["pct_atingimento"].fillna(-1)).sort_values(["_p", "vendedor_nome"])
    d = ordenado.tail(MAX_VENDEDORES_GRAFICO) if recorte == "melhores" else ordenado.head(MAX_VENDEDORES_GRAFICO)
    d = d.iloc[::-1] if recorte != "melhores" else d  # the worst (or the best) at the top
    cores = {"Abaixo do ritmo": VERMELHO, "No ritmo": AZUL, "Meta atingida": VERDE, "Sem meta": CINZA,
             "Meta não atingida": VERMELHO}
    textos = [f"{fmt.percentual(p)} · faltam {fmt.moeda_compacta(max(0.0, m - r))}" if r < m else fmt.percentual(p)
              for p, r, m in zip(d["pct_atingimento"], d["valor_realizado"], d["valor_meta"])]
    barra = dict(
        type="bar", x=_col(d["pct_atingimento"].fillna(0)),
        y=[f"{n} · {e}" for n, e in zip(d["vendedor_nome"], d["equipe_nome"])],
        orientation="h", marker=dict(color=[cores.get(s, CINZA) for s in d["situacao"]]),
        text=textos, textposition="outside", cliponaxis=False, textfont=dict(size=12),
        customdata=[[str(v), fmt.moeda(m), fmt.moeda(r), fmt.percentual(p), s, fmt.moeda(max(0.0, m - r))]
                    for v, m, r, p, s in zip(d["vendedor_id"] if "vendedor_id" in d else d["vendedor_nome"],
                                             d["valor_meta"], d["valor_realizado"], d["pct_atingimento"], d["situacao"])],
        hovertemplate="<b>%{y}</b><br>Meta: %{customdata[1]}<br>Realizado: %{customdata[2]}"
                      "<br>Atingimento: %{customdata[3]}<br>Falta: %{customdata[5]}<br>%{customdata[4]}"
                      "<br><i>clique para ver os pedidos</i><extra></extra>")
    maior = float(d["pct_atingimento"].fillna(0).max())
    topo = max(110.0, maior) / (1 - min(0.6, 0.02 * max((len(t) for t in textos), default=0)))
    linhas, notas = [], []  # what fig.add_vline(...) wrote: a line over the y domain and its label

    def vertical(x, linha, texto, cor, ancora_x, ancora_y):
        linhas.append(dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=linha))
        notas.append(dict(text=texto, showarrow=False, font=dict(color=cor), x=x, xanchor=ancora_x, xref="x",
                          y=1, yanchor=ancora_y, yref="y domain"))
    if ritmo is not None and 0 < ritmo < 100:
        vertical(ritmo, dict(color=AMARELO, dash="dash", width=2), f"ritmo esperado hoje: {fmt.percentual(ritmo, 0)}",
                 AMARELO, "center", "bottom")
    vertical(100, dict(color=VERDE, width=2), "meta", VERDE, "left", "top")
    return _figura([barra], altura=max(220, 30 * len(d) + 70), legenda=False, shapes=linhas, annotations=notas,
                   xaxis=dict(range=[0, topo], ticksuffix="%"), yaxis=dict(automargin=True),
                   margin=dict(l=10, r=10, t=30, b=10))


def meta_vs_realizado(df: pd.DataFrame) -> dict:
    """Goal vs actual per team (df: equipe_nome, valor_meta, valor_realizado)."""
    if df is None or df.empty:
        return vazio("Nenhuma meta cadastrada para este mês e filtros.")
    topo = max([float(v) for v in df["valor_meta"]] + [float(v) for v in df["valor_realizado"]] + [0.0])
    return _figura([
        dict(type="bar", x=_col(df["equipe_nome"]), y=_col(df["valor_meta"]), name="Meta", marker=dict(color="#c9d6e3"),
             customdata=[fmt.moeda(v) for v in df["valor_meta"]], hovertemplate="Meta: %{customdata}<extra></extra>"),
        dict(type="bar", x=_col(df["equipe_nome"]), y=_col(df["valor_realizado"]), name="Realizado",
             marker=dict(color=AZUL), text=[fmt.percentual(p) for p in df["pct_atingimento"]], textposition="outside",
             cliponaxis=False, customdata=[fmt.moeda(v) for v in df["valor_realizado"]],
             hovertemplate="Realizado: %{customdata}<extra></extra>"),
    ], barmode="group", yaxis=dict(range=[0, topo * 1.15 or 1], **fmt.eixo_moeda([topo])))


def com_sem_desconto(df: pd.DataFrame) -> dict:
    """Revenue and margin of sales with vs without discount (df: com_desconto, receita, margem)."""
    if df is None or df.empty:
        return vazio()
    nomes = ["Com desconto" if c else "Sem desconto" for c in df["com_desconto"]]
    topo = max([float(v) for v in df["receita"]] + [0.0])
    return _figura([
        dict(type="bar", x=nomes, y=_col(df["receita"]), name="Receita líquida", marker=dict(color=AZUL),
             text=[fmt.moeda_compacta(v) for v in df["receita"]], textposition="outside", cliponaxis=False,
             customdata=[fmt.moeda(v) for v in df["receita"]], hovertemplate="Receita: %{customdata}<extra></extra>"),
        dict(type="bar", x=nomes, y=_col(df["margem"]), name="Margem bruta", marker=dict(color=AZUL_CLARO),
             text=[f"margem {fmt.percentual(m / r * 100 if r else None)}" for r, m in zip(df["receita"], df["margem"])],
             textposition="outside", cliponaxis=False,
             customdata=[fmt.moeda(v) for v in df["margem"]], hovertemplate="Margem: %{customdata}<extra></extra>"),
    ], barmode="group", yaxis=dict(range=[0, topo * 1.15 or 1], **fmt.eixo_moeda([topo])))


def roi_campanhas(df: pd.DataFrame) -> dict:
    """ROI per campaign/coupon (df: campanha, cupom, roi, desconto, receita)."""
    if df is None or df.empty:
        return vazio("Nenhum desconto aplicado no período e filtros escolhidos.")
    d = df.sort_values("roi")
    textos = [f"{fmt.numero(r, 1)}x" for r in d["roi"]]
    return _figura([dict(
        type="bar", x=_col(d["roi"]), y=[f"{c} ({k})" for c, k in zip(d["campanha"], d["cupom"])], orientation="h",
        marker=dict(color=AZUL), text=textos, textposition="outside", cliponaxis=False, textfont=dict(size=12),
        customdata=[[str(k), fmt.moeda(x), fmt.moeda(y), t] for k, x, y, t in zip(d["cupom"], d["desconto"], d["receita"], textos)],
        hovertemplate="<b>%{y}</b><br>ROI: %{customdata[3]}<br>Desconto concedido: %{customdata[1]}"
                      "<br>Receita com desconto: %{customdata[2]}<br><i>clique para ver os pedidos</i><extra></extra>")],
        altura=max(240, 26 * len(d) + 60), legenda=False, yaxis=dict(automargin=True),
        xaxis=dict(range=_rotulos_cabem(textos, d["roi"].fillna(0)), ticksuffix="x"))


def duracoes(df: pd.DataFrame) -> dict:
    """Duration of recent runs, coloured by status (df: run_id, iniciado_em, duracao_s, status)."""
    if df is None or df.empty:
        return vazio("Nenhuma execução registrada.")
    d = df.sort_values("iniciado_em")
    return _figura([dict(
        type="bar", x=[f"#{r}" for r in d["run_id"]], y=_col(d["duracao_s"].fillna(0)),
        marker=dict(color=[STATUS_CORES.get(s, CINZA) for s in d["status"]]),
        customdata=[[STATUS_PT.get(s, s), fmt.data_hora(t), fmt.duracao(x)]
                    for s, t, x in zip(d["status"], d["iniciado_em"], d["duracao_s"])],
        hovertemplate="Execução %{x}<br>%{customdata[0]}<br>início %{customdata[1]}"
                      "<br>duração %{customdata[2]}<extra></extra>")],
        legenda=False, yaxis=dict(ticksuffix=" s", rangemode="tozero"), xaxis=dict(type="category"))


def linhas_entidades(df: pd.DataFrame) -> dict:
    """Rows per entity of one run, stacked by outcome (df: entidade, linhas_*)."""
    if df is None or df.empty:
        return vazio("Esta execução não registrou entidades.")
    return _figura([
        dict(type="bar", x=_col(df["entidade"]), y=_col(df[coluna]), name=nome, marker=dict(color=cor),
             hovertemplate=f"%{{x}}<br>{nome}: %{{y:,.0f}}<extra></extra>")
        for coluna, nome, cor in (("linhas_inseridas", "inseridas", AZUL), ("linhas_atualizadas", "atualizadas", AZUL_CLARO),
                                  ("linhas_inalteradas", "inalteradas", "#c9d6e3"),
                                  ("linhas_rejeitadas", "rejeitadas", VERMELHO))
    ], barmode="stack")


def com_anomalias(figura: dict, serie: pd.DataFrame | None, anomalias: pd.DataFrame | None) -> dict:
    """The daily trend with its days of KPI anomalies marked (red: unexpected; grey: expected by the
    calendar), the hover saying observed vs expected for each KPI of the day. Anything else as it came."""
    if anomalias is None or not isinstance(anomalias, pd.DataFrame) or anomalias.empty \
            or serie is None or serie.empty or not figura.get("data"):
        return figura
    from harness.anomalies import value_text

    receita = {pd.Timestamp(p): float(r) for p, r in zip(serie["periodo"], serie["receita"])}
    dias, ys, textos, cores = [], [], [], []
    for dia, grupo in anomalias.groupby("data", sort=True):
        x = pd.Timestamp(dia)
        if x not in receita:
            continue
        linhas = [f"<b>Anomalia em {fmt.data(dia)}</b>"]
        for a in grupo.itertuples(index=False):
            variacao = f" ({fmt.variacao(a.variacao_pct)})" if a.variacao_pct is not None and not pd.isna(a.variacao_pct) else ""
            linhas.append(f"{a.kpi_rotulo}: observado {value_text(a.kpi, a.observado)}, "
                          f"esperado {value_text(a.kpi, a.esperado)}{variacao}")
        esperada = bool(grupo["esperada"].all())
        if esperada:
            linhas.append(f"esperada pelo calendário: {grupo['motivo_esperado'].iloc[0]}")
        dias.append(x)
        ys.append(receita[x])
        textos.append("<br>".join(linhas))
        cores.append(CINZA if esperada else VERMELHO)
    if not dias:
        return figura
    marcas = dict(type="scatter", x=np.array(dias, dtype="datetime64[ns]"), y=np.array(ys), name="Anomalias de KPI",
                  mode="markers", marker=dict(size=13, color="rgba(0,0,0,0)", line=dict(width=2.5, color=cores)),
                  # the day first, as on the trend's points: a click on a mark opens that day's lines
                  customdata=[[d.date().isoformat(), t] for d, t in zip(dias, textos)],
                  hovertemplate="%{customdata[1]}<extra></extra>")
    return {**figura, "data": [*figura["data"], marcas]}
