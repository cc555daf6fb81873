"""The dashboards end to end in real Chromium (dash[testing]): every page loads without console
errors, a filter change updates figures and KPI cards to the independently computed values,
the URL keeps the filters across pages; a screenshot of each page goes to docs/screenshots/."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("dash.testing")

from dashboards import formatting as fmt, queries  # noqa: E402
from dashboards.app import app  # noqa: E402
from tests import dashdata as d  # noqa: E402
from tests.dash_helpers import carregar  # noqa: E402

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def painel(fresh_dbs, dash_duo):
    queries.fechar_conexoes()
    queries.limpar_cache()
    carregar()
    dash_duo.start_server(app)
    dash_duo.driver.set_window_size(1440, 1000)
    yield dash_duo
    queries.limpar_cache()


def _esperar_texto(duo, seletor, texto, timeout=10):
    duo.wait_for_text_to_equal(seletor, texto, timeout=timeout)


def _screenshot(duo, nome):
    SHOTS.mkdir(parents=True, exist_ok=True)
    time.sleep(0.6)  # let plotly finish its transitions
    altura = duo.driver.execute_script("return document.body.scrollHeight")
    duo.driver.set_window_size(1440, min(max(altura + 40, 900), 2400))
    time.sleep(0.4)
    duo.driver.save_screenshot(str(SHOTS / f"{nome}.png"))
    duo.driver.set_window_size(1440, 1000)


def _erros(duo):
    return [e for e in duo.get_logs() or [] if e.get("level") == "SEVERE"]


def test_pages_load_filters_drive_kpis_and_screenshots(painel):
    duo = painel
    todos = d.kpis(d.vendas_no_periodo(date(2024, 11, 1), date(2024, 11, 20)))
    duo.wait_for_page(f"{duo.server_url}/")
    _esperar_texto(duo, "#vendas-kpi-receita", fmt.moeda(todos["receita"]))
    _esperar_texto(duo, "#vendas-atualizado", "dados atualizados até 20/11/2024")
    assert duo.find_element("#vendas-kpi-pedidos").text == fmt.numero(todos["pedidos"])
    assert duo.find_element("#vendas-kpi-ticket").text == fmt.moeda(todos["ticket"])
    barras_antes = duo.driver.execute_script(
        "return document.getElementById('vendas-grafico-regiao').querySelectorAll('.bars .point').length")
    assert barras_antes == 3
    _screenshot(duo, "vendas")
    assert _erros(duo) == []

    # change a filter in the filter bar: region Sul
    duo.select_dcc_dropdown("#filtro-regiao", value="Sul")
    sul = d.kpis(d.vendas_no_periodo(date(2024, 11, 1), date(2024, 11, 20), regiao=["S"]))
    _esperar_texto(duo, "#vendas-kpi-receita", fmt.moeda(sul["receita"]))
    _esperar_texto(duo, "#vendas-kpi-margem", fmt.moeda(sul["margem"]))
    _esperar_texto(duo, "#vendas-kpi-margem_pct", fmt.percentual(sul["margem_pct"]))
    _esperar_texto(duo, "#vendas-kpi-pedidos", fmt.numero(sul["pedidos"]))
    duo.wait_for_contains_text("#vendas-grafico-regiao", "Sul")
    barras = duo.driver.execute_script(
        "return document.getElementById('vendas-grafico-regiao').querySelectorAll('.bars .point').length")
    assert barras == 1
    assert "regiao=S" in duo.driver.current_url

    # the filter follows the user to the other pages through the URL
    duo.find_element("#nav-metas").click()
    duo.wait_for_contains_text("#metas-resposta", "de 2 vendedores")
    assert "regiao=S" in duo.driver.current_url
    assert _erros(duo) == []

    # the full Metas page (no region filter) for its screenshot: the answer comes first
    duo.driver.get(f"{duo.server_url}/metas")
    duo.wait_for_contains_text("#metas-resposta", "de 6 vendedores")
    _screenshot(duo, "metas")
    for pagina, seletor, texto in (("descontos", "#descontos-kpi-roi", "x"), ("monitor", "#monitor-kpi-status", "sucesso"),
                                   ("dicionario", "#dicionario-receita_liquida", "Receita líquida")):
        duo.driver.get(f"{duo.server_url}/{pagina}?de=2024-10-01&ate=2024-11-20")
        duo.wait_for_contains_text(seletor, texto)
        duo.wait_for_contains_text(f"#{pagina}-atualizado", "20/11/2024")
        _screenshot(duo, pagina)
        assert _erros(duo) == [], pagina


def test_bookmarked_url_and_bad_filter_value(painel):
    duo = painel
    duo.wait_for_page(f"{duo.server_url}/?de=2024-10-01&ate=2024-10-31&categoria=informatica")
    esperado = d.kpis(d.vendas_no_periodo(date(2024, 10, 1), date(2024, 10, 31), categoria=["informatica"]))
    _esperar_texto(duo, "#vendas-kpi-receita", fmt.moeda(esperado["receita"]))
    duo.wait_for_contains_text("#filtro-categoria", "informatica")
    # KPI card label links to its definition on the dicionário page
    href = duo.find_element("#vendas-kpi-receita-def").get_attribute("href")
    assert href.endswith("/dicionario#dicionario-receita_liquida")
    duo.driver.get(f"{duo.server_url}/?regiao=Atlantida")
    duo.wait_for_contains_text("#vendas-aviso", "Região inexistente")
    assert "Traceback" not in duo.driver.page_source
    assert _erros(duo) == []
