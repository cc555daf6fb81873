"""Figure builders: pure functions from a data frame to a Plotly figure (no data access).

Numbers in Brazilian format: `separators=",."` makes Plotly write 1.234,56; hover texts
use the same formatting module as the KPI cards.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards import formatting as fmt

AZUL, AZUL_CLARO, VERDE, VERMELHO, AMARELO, CINZA = "#1f4e79", "#7fa7cf", "#1b7f3b", "#c0392b", "#d69e2e", "#8795a1"
STATUS_CORES = {"succeeded": VERDE, "failed": VERMELHO, "blocked": AMARELO, "running": AZUL_CLARO, "stale": CINZA}
STATUS_PT = {"succeeded": "sucesso", "failed": "falhou", "blocked": "bloqueada", "running": "em execução",
             "stale": "abandonada"}


# a small template built once: "plotly_white" by name is re-expanded and re-validated for every
# figure (about 80 ms each, most of a callback's time)
_GRADE = dict(gridcolor="#e9edf2", linecolor="#c9d2dc", zerolinecolor="#c9d2dc", automargin=True)
TEMPLATE = go.layout.Template(layout=dict(
    paper_bgcolor="white", plot_bgcolor="white", colorway=[AZUL, AZUL_CLARO, VERDE, AMARELO, VERMELHO, CINZA],
    xaxis=_GRADE, yaxis=_GRADE, hovermode="closest"))


def _base(fig: go.Figure, altura: int | None = None, legenda: bool = True) -> go.Figure:
    fig.update_layout(template=TEMPLATE, separators=",.", margin=dict(l=10, r=10, t=10, b=10),
                      font=dict(family="Segoe UI, Roboto, Arial, sans-serif", size=13),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0) if legenda else None,
                      showlegend=legenda, hoverlabel=dict(bgcolor="white"))
    if altura:
        fig.update_layout(height=altura)
    return fig


def vazio(mensagem: str = "Nenhum dado para os filtros escolhidos.") -> go.Figure:
    """A blank figure carrying a readable message (no axes, no 'undefined')."""
    fig = go.Figure()
    fig.add_annotation(text=mensagem, showarrow=False, font=dict(size=14, color=CINZA), x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base(fig, legenda=False)


def tendencia(df: pd.DataFrame, grao: str) -> go.Figure:
    """Revenue and gross margin over time (df: periodo, receita, margem).

    Hover texts are formatted by Plotly in the browser (`%{y:,.2f}` with the figure's ",."
    separators gives 1.234,56; `%{x|%d/%m/%Y}` the date), and x/y go in as numpy arrays, which
    Plotly takes as they are: formatting and validating three years of points in Python was
    most of the sales page's callback time."""
    if df is None or df.empty:
        return vazio()
    xs = pd.to_datetime(df["periodo"]).to_numpy()
    receita, margem = df["receita"].to_numpy(dtype=float), df["margem"].to_numpy(dtype=float)
    quando = "%{x|%d/%m/%Y}" if grao == "dia" else "%{x|%m/%Y}"
    dica_receita = quando + "<br>Receita: R$ %{y:,.2f}<extra></extra>"
    dica_margem = quando + "<br>Margem: R$ %{y:,.2f}<extra></extra>"
    fig = go.Figure()
    if grao == "mes":
        fig.add_bar(x=xs, y=receita, name="Receita líquida", marker_color=AZUL, hovertemplate=dica_receita)
        fig.add_bar(x=xs, y=margem, name="Margem bruta", marker_color=AZUL_CLARO, hovertemplate=dica_margem)
        fig.update_xaxes(tickformat="%m/%Y", dtick="M1")
    else:
        fig.add_scatter(x=xs, y=receita, name="Receita líquida", mode="lines+markers",
                        line=dict(color=AZUL, width=2.5), marker=dict(size=5), hovertemplate=dica_receita)
        fig.add_scatter(x=xs, y=margem, name="Margem bruta", mode="lines", fill="tozeroy",
                        line=dict(color=AZUL_CLARO, width=1.5), hovertemplate=dica_margem)
        fig.update_xaxes(tickformat="%d/%m")
    fig.update_yaxes(tickprefix="R$ ", tickformat="~s", rangemode="tozero")
    return _base(fig)


def barras(df: pd.DataFrame, limite: int = 12) -> go.Figure:
    """Horizontal bars of revenue by one dimension, margin % in the label (df: nome, receita, margem)."""
    if df is None or df.empty:
        return vazio()
    d = df.head(limite).iloc[::-1]
    pct = [(m / r * 100) if r else None for r, m in zip(d["receita"], d["margem"])]
    fig = go.Figure(go.Bar(
        x=d["receita"], y=d["nome"], orientation="h", marker_color=AZUL,
        text=[f"{fmt.moeda_compacta(r)} · margem {fmt.percentual(p)}" for r, p in zip(d["receita"], pct)],
        textposition="auto", insidetextanchor="end", cliponaxis=False,  # outside when a short bar cannot hold it
        customdata=[[fmt.moeda(r), fmt.moeda(m), fmt.percentual(p)] for r, m, p in zip(d["receita"], d["margem"], pct)],
        hovertemplate="<b>%{y}</b><br>Receita: %{customdata[0]}<br>Margem: %{customdata[1]} "
                      "(%{customdata[2]})<extra></extra>"))
    fig.update_xaxes(tickprefix="R$ ", tickformat="~s")
    fig.update_yaxes(automargin=True)
    return _base(fig, legenda=False)


def atingimento(df: pd.DataFrame, ritmo: float | None) -> go.Figure:
    """Attainment % per seller, worst at the top, coloured by status; lines at the expected pace and 100%.

    df: vendedor_nome, equipe_nome, valor_meta, valor_realizado, pct_atingimento, situacao."""
    if df is None or df.empty:
        return vazio("Nenhuma meta cadastrada para este mês e filtros.")
    d = df.sort_values("pct_atingimento", ascending=False, na_position="first")
    cores = {"Fora do ritmo": VERMELHO, "No ritmo": AZUL, "Meta atingida": VERDE, "Sem meta": CINZA}
    fig = go.Figure(go.Bar(
        x=d["pct_atingimento"].fillna(0), y=[f"{n} · {e}" for n, e in zip(d["vendedor_nome"], d["equipe_nome"])],
        orientation="h", marker_color=[cores.get(s, CINZA) for s in d["situacao"]],
        text=[f"{fmt.percentual(p)}  ({fmt.moeda_compacta(r)} de {fmt.moeda_compacta(m)})"
              for p, r, m in zip(d["pct_atingimento"], d["valor_realizado"], d["valor_meta"])],
        textposition="outside", cliponaxis=False,
        customdata=[[fmt.moeda(m), fmt.moeda(r), fmt.percentual(p), s] for m, r, p, s in
                    zip(d["valor_meta"], d["valor_realizado"], d["pct_atingimento"], d["situacao"])],
        hovertemplate="<b>%{y}</b><br>Meta: %{customdata[0]}<br>Realizado: %{customdata[1]}"
                      "<br>Atingimento: %{customdata[2]}<br>%{customdata[3]}<extra></extra>"))
    topo = max(110.0, float(d["pct_atingimento"].fillna(0).max()) * 1.35)
    if ritmo is not None and ritmo < 100:
        fig.add_vline(x=ritmo, line=dict(color=AMARELO, dash="dash", width=2),
                      annotation_text=f"ritmo esperado hoje: {fmt.percentual(ritmo, 0)}",
                      annotation_position="top", annotation_font_color=AMARELO)
    fig.add_vline(x=100, line=dict(color=VERDE, width=2), annotation_text="meta",
                  annotation_position="top right", annotation_font_color=VERDE)
    fig.update_xaxes(range=[0, topo], ticksuffix="%")
    fig.update_yaxes(automargin=True)
    return _base(fig, altura=max(260, 46 * len(d) + 70), legenda=False).update_layout(margin=dict(t=30))


def meta_vs_realizado(df: pd.DataFrame) -> go.Figure:
    """Goal vs actual per team (df: equipe_nome, valor_meta, valor_realizado)."""
    if df is None or df.empty:
        return vazio("Nenhuma meta cadastrada para este mês e filtros.")
    fig = go.Figure()
    fig.add_bar(x=df["equipe_nome"], y=df["valor_meta"], name="Meta", marker_color="#c9d6e3",
                customdata=[fmt.moeda(v) for v in df["valor_meta"]], hovertemplate="Meta: %{customdata}<extra></extra>")
    fig.add_bar(x=df["equipe_nome"], y=df["valor_realizado"], name="Realizado", marker_color=AZUL,
                text=[fmt.percentual(p) for p in df["pct_atingimento"]], textposition="outside",
                customdata=[fmt.moeda(v) for v in df["valor_realizado"]],
                hovertemplate="Realizado: %{customdata}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickprefix="R$ ", tickformat="~s")
    return _base(fig)


def com_sem_desconto(df: pd.DataFrame) -> go.Figure:
    """Revenue and margin of sales with vs without discount (df: com_desconto, receita, margem)."""
    if df is None or df.empty:
        return vazio()
    nomes = ["Com desconto" if c else "Sem desconto" for c in df["com_desconto"]]
    fig = go.Figure()
    fig.add_bar(x=nomes, y=df["receita"], name="Receita líquida", marker_color=AZUL,
                text=[fmt.moeda_compacta(v) for v in df["receita"]], textposition="outside",
                customdata=[fmt.moeda(v) for v in df["receita"]], hovertemplate="Receita: %{customdata}<extra></extra>")
    fig.add_bar(x=nomes, y=df["margem"], name="Margem bruta", marker_color=AZUL_CLARO,
                text=[fmt.percentual(m / r * 100 if r else None) for r, m in zip(df["receita"], df["margem"])],
                textposition="outside",
                customdata=[fmt.moeda(v) for v in df["margem"]], hovertemplate="Margem: %{customdata}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickprefix="R$ ", tickformat="~s")
    return _base(fig)


def roi_campanhas(df: pd.DataFrame) -> go.Figure:
    """ROI per campaign/coupon (df: campanha, cupom, roi, desconto, receita)."""
    if df is None or df.empty:
        return vazio("Nenhum desconto aplicado no período e filtros escolhidos.")
    d = df.sort_values("roi")
    fig = go.Figure(go.Bar(
        x=d["roi"], y=[f"{c} ({k})" for c, k in zip(d["campanha"], d["cupom"])], orientation="h",
        marker_color=AZUL, text=[f"{fmt.numero(r, 1)}x" for r in d["roi"]], textposition="auto",
        customdata=[[fmt.moeda(x), fmt.moeda(y)] for x, y in zip(d["desconto"], d["receita"])],
        hovertemplate="<b>%{y}</b><br>ROI: %{x:.1f}<br>Desconto concedido: %{customdata[0]}"
                      "<br>Receita com desconto: %{customdata[1]}<extra></extra>"))
    fig.update_yaxes(automargin=True)
    return _base(fig, legenda=False)


def duracoes(df: pd.DataFrame) -> go.Figure:
    """Duration of recent runs, coloured by status (df: run_id, iniciado_em, duracao_s, status)."""
    if df is None or df.empty:
        return vazio("Nenhuma execução registrada.")
    d = df.sort_values("iniciado_em")
    fig = go.Figure(go.Bar(
        x=[f"#{r}" for r in d["run_id"]], y=d["duracao_s"].fillna(0),
        marker_color=[STATUS_CORES.get(s, CINZA) for s in d["status"]],
        customdata=[[STATUS_PT.get(s, s), fmt.data_hora(t), fmt.duracao(x)]
                    for s, t, x in zip(d["status"], d["iniciado_em"], d["duracao_s"])],
        hovertemplate="Execução %{x}<br>%{customdata[0]}<br>início %{customdata[1]}"
                      "<br>duração %{customdata[2]}<extra></extra>"))
    fig.update_yaxes(ticksuffix=" s", rangemode="tozero")
    fig.update_xaxes(type="category")
    return _base(fig, legenda=False)


def linhas_entidades(df: pd.DataFrame) -> go.Figure:
    """Rows per entity of one run, stacked by outcome (df: entidade, linhas_*)."""
    if df is None or df.empty:
        return vazio("Esta execução não registrou entidades.")
    fig = go.Figure()
    for coluna, nome, cor in (("linhas_inseridas", "inseridas", AZUL), ("linhas_atualizadas", "atualizadas", AZUL_CLARO),
                              ("linhas_inalteradas", "inalteradas", "#c9d6e3"),
                              ("linhas_rejeitadas", "rejeitadas", VERMELHO)):
        fig.add_bar(x=df["entidade"], y=df[coluna], name=nome, marker_color=cor,
                    hovertemplate=f"%{{x}}<br>{nome}: %{{y:,.0f}}<extra></extra>")
    fig.update_layout(barmode="stack")
    return _base(fig)
