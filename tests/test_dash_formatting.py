"""Brazilian formats of the dashboards: money, percentages, counts, dates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from dashboards import formatting as f


@pytest.mark.parametrize("value, expected", [
    (1234.56, "R$ 1.234,56"), (0, "R$ 0,00"), (Decimal("1234567.891"), "R$ 1.234.567,89"),
    (0.125, "R$ 0,13"), (-5, "-R$ 5,00"), (-0.001, "R$ 0,00"), (999.999, "R$ 1.000,00"),
    (None, "—"), (float("nan"), "—"),
])
def test_moeda(value, expected):
    assert f.moeda(value) == expected


@pytest.mark.parametrize("value, expected", [
    (12.345, "12,3%"), (12.35, "12,4%"), (100, "100,0%"), (0, "0,0%"), (1234.5, "1.234,5%"), (None, "—"),
])
def test_percentual(value, expected):
    assert f.percentual(value) == expected


def test_razao_percentual_and_variacao():
    assert f.razao_percentual(0.12345) == "12,3%"
    assert f.variacao(5) == "+5,0%"
    assert f.variacao(-2.25) == "-2,3%"
    assert f.variacao(0.01) == "0,0%"
    assert f.variacao(None) == "—"


@pytest.mark.parametrize("value, expected", [
    (1234, "1.234"), (1234567, "1.234.567"), (0, "0"), (2.5, "3"), (-1500, "-1.500"),
])
def test_numero(value, expected):
    assert f.numero(value) == expected


def test_numero_with_decimals():
    assert f.numero(1234.5, 2) == "1.234,50"


@pytest.mark.parametrize("value, expected", [
    (date(2024, 11, 5), "05/11/2024"), ("2024-01-31", "31/01/2024"),
    (datetime(2024, 3, 9, 23, 59), "09/03/2024"), (None, "—"),
])
def test_data(value, expected):
    assert f.data(value) == expected


def test_data_hora_duracao_mes_ano_compacta():
    assert f.data_hora(datetime(2024, 11, 5, 8, 3)) == "05/11/2024 08:03"
    assert f.duracao(0.84) == "0,8 s"
    assert f.duracao(125) == "2 min 05 s"
    assert f.duracao(3720) == "1 h 02 min"
    assert f.mes_ano(date(2024, 3, 1)) == "março de 2024"
    assert f.moeda_compacta(1_234_567) == "R$ 1,2 mi"
    assert f.moeda_compacta(35_400) == "R$ 35,4 mil"
    # one rule for every chart label and axis: mil / mi with one decimal, a whole number without ',0'
    assert f.moeda_compacta(950) == "R$ 950"
    assert f.moeda_compacta(50_000) == "R$ 50 mil"
    assert f.moeda_compacta(999_960) == "R$ 1 mi"
    assert f.moeda_compacta(-1_500) == "-R$ 1,5 mil"


def test_money_axis_ticks_use_the_label_rule():
    eixo = f.eixo_moeda([123_456.0, 20_000.0])
    assert eixo["tickvals"] == [0, 25_000, 50_000, 75_000, 100_000, 125_000]
    assert eixo["ticktext"] == ["R$ 0", "R$ 25 mil", "R$ 50 mil", "R$ 75 mil", "R$ 100 mil", "R$ 125 mil"]
    assert f.eixo_moeda([1_600_000.0])["ticktext"] == ["R$ 0", "R$ 500 mil", "R$ 1 mi", "R$ 1,5 mi", "R$ 2 mi"]
    negativo = f.eixo_moeda([-5_000.0, 12_000.0])
    assert negativo["tickvals"][0] < 0 and negativo["ticktext"][0] == "-R$ 5 mil"
    assert not any(t.endswith(("k", "M")) for t in eixo["ticktext"])


def test_variacao_pp():
    assert f.variacao_pp(1.234) == "+1,2 p.p."
    assert f.variacao_pp(-2.25) == "-2,3 p.p."
    assert f.variacao_pp(0.01) == "0,0 p.p."
