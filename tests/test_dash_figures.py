"""Figure builders return plain figure dicts that Plotly's own validation accepts, with the pt-BR
separators and the shared template (which no figure may change)."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime

import pytest

pytest.importorskip("dash")

import pandas as pd  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
from plotly.io.json import to_json_plotly  # noqa: E402

from dashboards import figures  # noqa: E402

SERIE = pd.DataFrame({"periodo": [date(2024, 11, 1), date(2024, 11, 2)], "receita": [10.5, 20.0], "margem": [1.0, 2.5]})
QUEBRA = pd.DataFrame({"chave": ["SE", "S"], "nome": ["Sudeste", "Sul"], "receita": [1500.0, 0.0], "margem": [300.0, 0.0]})
METAS = pd.DataFrame({"vendedor_nome": ["Ana", "Bruno"], "equipe_nome": ["T1", "T2"], "valor_meta": [100.0, 200.0],
                      "valor_realizado": [50.0, 250.0], "pct_atingimento": [50.0, None],
                      "situacao": ["Fora do ritmo", "Sem meta"]})
EQUIPES = pd.DataFrame({"equipe_nome": ["T1"], "valor_meta": [100.0], "valor_realizado": [50.0], "pct_atingimento": [50.0]})
RESUMO = pd.DataFrame({"com_desconto": [True, False], "receita": [100.0, 300.0], "margem": [20.0, 90.0]})
CAMP = pd.DataFrame({"campanha": ["Black Friday"], "cupom": ["BF10"], "roi": [8.5], "desconto": [10.0], "receita": [85.0]})
RUNS = pd.DataFrame({"run_id": [1, 2], "iniciado_em": [datetime(2024, 11, 20, 3), datetime(2024, 11, 21, 3)],
                     "duracao_s": [12.5, None], "status": ["succeeded", "failed"]})
ENT = pd.DataFrame({"entidade": ["dim_cliente"], "linhas_inseridas": [3], "linhas_atualizadas": [1],
                    "linhas_inalteradas": [0], "linhas_rejeitadas": [2]})

CASOS = [("tendencia dia", lambda: figures.tendencia(SERIE, "dia")), ("tendencia mes", lambda: figures.tendencia(SERIE, "mes")),
         ("barras", lambda: figures.barras(QUEBRA)), ("atingimento", lambda: figures.atingimento(METAS, 60.0)),
         ("atingimento fechado", lambda: figures.atingimento(METAS, 100.0)),
         ("meta_vs_realizado", lambda: figures.meta_vs_realizado(EQUIPES)),
         ("com_sem_desconto", lambda: figures.com_sem_desconto(RESUMO)), ("roi", lambda: figures.roi_campanhas(CAMP)),
         ("duracoes", lambda: figures.duracoes(RUNS)), ("entidades", lambda: figures.linhas_entidades(ENT)),
         ("vazio", lambda: figures.vazio("Nada aqui")), ("tendencia vazia", lambda: figures.tendencia(pd.DataFrame(), "dia"))]


@pytest.mark.parametrize("nome, construir", CASOS, ids=[c[0] for c in CASOS])
def test_figure_dicts_pass_plotly_validation(nome, construir):
    modelo = copy.deepcopy(figures.TEMPLATE)
    fig = construir()
    assert set(fig) == {"data", "layout"}
    validada = go.Figure(fig)  # raises ValueError on any property Plotly does not know
    assert fig["layout"]["separators"] == ",." and fig["layout"]["template"] == modelo
    # the dict and Plotly's own rendering of it carry the same JSON (an empty legend aside, which
    # go.Figure drops and the builders keep, as fig.update_layout(legend=None) did)
    proprio = {k: v for k, v in json.loads(to_json_plotly(fig))["layout"].items() if v != {}}
    assert proprio == json.loads(to_json_plotly(validada))["layout"]
    assert figures.TEMPLATE == modelo  # shared by every figure, never changed by one


def test_blank_figure_carries_the_message_and_no_axes():
    fig = figures.vazio("Nenhum dado")
    assert fig["data"] == [] and fig["layout"]["annotations"][0]["text"] == "Nenhum dado"
    assert fig["layout"]["xaxis"] == {"visible": False} and fig["layout"]["showlegend"] is False


@pytest.mark.parametrize("inicio, fim, grao, dtick, formato", [
    (date(2024, 1, 1), date(2024, 1, 2), "dia", figures.DIA_MS, "%d/%m"),        # 2 days: one tick a day, never hours
    (date(2024, 12, 28), date(2025, 1, 3), "dia", figures.DIA_MS, "%d/%m/%Y"),   # crosses a year: the year shows
    (date(2024, 10, 1), date(2024, 11, 20), "dia", 7 * figures.DIA_MS, "%d/%m"),  # weekly up to three months
    (date(2024, 1, 1), date(2024, 12, 31), "dia", "M1", "%b/%Y"),               # a year by day: monthly ticks
    (date(2023, 1, 1), date(2025, 12, 31), "dia", "M3", "%b/%Y"),
    (date(2015, 1, 1), date(2025, 12, 31), "mes", "M12", "%Y"),
])
def test_trend_ticks_follow_the_span(inicio, fim, grao, dtick, formato):
    eixo = figures.eixo_tempo(inicio, fim, grao)
    assert eixo["dtick"] == dtick and eixo["tickformat"] == formato
    serie = pd.DataFrame({"periodo": pd.date_range(inicio, fim, freq="D" if grao == "dia" else "MS").date})
    serie["receita"], serie["margem"] = 100.0, 10.0
    fig = figures.tendencia(serie, grao)
    go.Figure(fig)  # still a valid figure
    assert fig["layout"]["xaxis"]["dtick"] == dtick
    assert fig["layout"]["yaxis"]["ticktext"][-1] == "R$ 100"


def test_bars_show_every_member_with_readable_labels():
    n = 20
    df = pd.DataFrame({"chave": [f"c{i}" for i in range(n)], "nome": [f"Categoria {i}" for i in range(n)],
                       "receita": [1000.0 * (i + 1) for i in range(n)], "margem": [100.0 * (i + 1) for i in range(n)]})
    fig = figures.barras(df, "categoria")
    barra = fig["data"][0]
    assert len(barra["y"]) == n                                   # no silent top 12
    assert barra["textposition"] == "outside" and barra["textfont"]["size"] >= 12  # never shrunk to fit a bar
    assert fig["layout"]["height"] >= 22 * n                      # the chart grows with its bars
    # the axis leaves room for the longest label beside the longest bar
    assert fig["layout"]["xaxis"]["range"][1] > 1.3 * df["receita"].max()
    assert barra["text"][-1] == "R$ 1 mil · 10,0%"               # same money rule as the axis
