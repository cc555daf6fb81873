"""Dashboard callbacks as plain functions on a known warehouse: KPI numbers equal an independent
Python computation from the inserted rows; hostile filter values (direct and through Dash's HTTP
endpoint) give a readable message, no stack trace, no SQL text, and no change in the database."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

pytest.importorskip("dash")

from dashboards import filters, formatting as fmt, queries  # noqa: E402
from dashboards.app import app  # noqa: E402  (registers the pages)
from dashboards.pages import descontos, dicionario, metas, monitor, vendas  # noqa: E402
from tests import dashdata as d  # noqa: E402
from tests.dash_helpers import carregar, checksum  # noqa: E402

VAZAMENTOS = ("Traceback", "psycopg", "SELECT ", "syntax error", "File \"", "LINE 1", "ERROR:", "SQLSTATE", "Exception")


@pytest.fixture
def dw(fresh_dbs):
    queries.fechar_conexoes()
    queries.limpar_cache()
    carregar()
    yield fresh_dbs
    queries.fechar_conexoes()
    queries.limpar_cache()


def _kpis_esperados(de, ate, **filtro):
    atual = d.kpis(d.vendas_no_periodo(de, ate, **filtro))
    return [fmt.moeda(atual["receita"]), fmt.moeda(atual["margem"]), fmt.percentual(atual["margem_pct"]),
            fmt.numero(atual["pedidos"]), fmt.moeda(atual["ticket"])]


def _saida(pagina, saida) -> dict:
    return dict(zip(pagina.SAIDAS, saida, strict=True))


# (URL, period, filters, comparison period): the comparison rule written out by hand for each case
@pytest.mark.parametrize("search, de, ate, filtro, ant_de, ant_ate", [
    # default: the previous month and the month to date of the latest data (at least a month of history)
    ("", date(2024, 10, 1), date(2024, 11, 20), {}, date(2024, 8, 1), date(2024, 9, 20)),
    # month to date: the same days of the previous month
    ("?de=2024-11-01&ate=2024-11-20", date(2024, 11, 1), date(2024, 11, 20), {}, date(2024, 10, 1), date(2024, 10, 20)),
    # a whole month: the previous calendar month (not the 30 days before)
    ("?de=2024-11-01&ate=2024-11-30&regiao=S", date(2024, 11, 1), date(2024, 11, 30), {"regiao": ["S"]},
     date(2024, 10, 1), date(2024, 10, 31)),
    # any other period: the same number of days just before
    ("?de=2024-10-05&ate=2024-11-12&regiao=SE", date(2024, 10, 5), date(2024, 11, 12), {"regiao": ["SE"]},
     date(2024, 8, 27), date(2024, 10, 4)),
    ("?de=2024-10-01&ate=2024-10-31&categoria=informatica&equipe=T2", date(2024, 10, 1), date(2024, 10, 31),
     {"categoria": ["informatica"], "equipe": ["T2"]}, date(2024, 9, 1), date(2024, 9, 30)),
    ("?de=2024-11-01&ate=2024-11-20&vendedor=V1&vendedor=V6", date(2024, 11, 1), date(2024, 11, 20),
     {"vendedor": ["V1", "V6"]}, date(2024, 10, 1), date(2024, 10, 20)),
    # one seller: orders counted from the seller aggregates (pedidos_vendedor), not the line view
    ("?de=2024-10-01&ate=2024-11-20&vendedor=V6", date(2024, 10, 1), date(2024, 11, 20), {"vendedor": ["V6"]},
     date(2024, 8, 1), date(2024, 9, 20)),
    ("?de=2024-10-03&ate=2024-11-20&vendedor=V1&regiao=SE", date(2024, 10, 3), date(2024, 11, 20),
     {"vendedor": ["V1"], "regiao": ["SE"]}, date(2024, 8, 15), date(2024, 10, 2)),
    ("?de=2024-11-01&ate=2024-11-20&vendedor=V3&equipe=T2&equipe=T1", date(2024, 11, 1), date(2024, 11, 20),
     {"vendedor": ["V3"], "equipe": ["T1", "T2"]}, date(2024, 10, 1), date(2024, 10, 20)),
])
def test_vendas_kpi_cards_equal_independent_computation(dw, search, de, ate, filtro, ant_de, ant_ate):
    saida = _saida(vendas, vendas.atualizar(search))
    assert saida["atualizado"] == "dados atualizados até 20/11/2024"
    assert saida["aviso"] is None
    assert [saida[f"kpi_{k}"] for k in ("receita", "margem", "margem_pct", "pedidos", "ticket")] == \
        _kpis_esperados(de, ate, **filtro)
    assert saida["periodo"].startswith(f"Período: {fmt.data(de)} a {fmt.data(ate)} · comparado a "
                                       f"{fmt.data(ant_de)} a {fmt.data(ant_ate)}")
    atual = d.kpis(d.vendas_no_periodo(de, ate, **filtro))
    anterior = d.kpis(d.vendas_no_periodo(ant_de, ant_ate, **filtro))
    if anterior["receita"]:
        assert saida["var_receita"].startswith(
            f"{fmt.variacao((atual['receita'] - anterior['receita']) / anterior['receita'] * 100)} vs ")
        # a ratio KPI changes in percentage points, never in relative %
        assert saida["var_margem_pct"].startswith(
            f"{fmt.variacao_pp(atual['margem_pct'] - anterior['margem_pct'])} vs ")
    else:
        assert saida["var_receita"].startswith("sem base para comparar")
    # returns rate: returned / sold units of the non-cancelled lines
    linhas = d.vendas_no_periodo(de, ate, **filtro)
    assert saida["kpi_devolucao"] == fmt.percentual(sum(x.devolvida for x in linhas) * 100 / sum(x.qtd for x in linhas))


def test_vendas_breakdowns_and_table_follow_the_filter(dw):
    todos = _saida(vendas, vendas.atualizar("?de=2024-10-01&ate=2024-11-20"))
    sul = _saida(vendas, vendas.atualizar("?de=2024-10-01&ate=2024-11-20&regiao=S"))
    assert todos["kpi_receita"] != sul["kpi_receita"]
    assert set(todos["quebra_regiao"]["data"][0]["y"]) == {"Sudeste", "Sul", "Nordeste"}
    assert set(sul["quebra_regiao"]["data"][0]["y"]) == {"Sul"}
    # every category is drawn (no silent top N), with its key for the drill-through
    assert {c[0] for c in todos["quebra_categoria"]["data"][0]["customdata"]} == {p[3] for p in d.PRODUTOS}
    linhas = d.vendas_no_periodo(date(2024, 10, 1), date(2024, 11, 20), regiao=["S"])
    por_vendedor = {}
    for x in linhas:
        por_vendedor[d.VENDEDORES[x.vendedor_sk - 1][2]] = por_vendedor.get(d.VENDEDORES[x.vendedor_sk - 1][2], 0) + x.liquido
    assert {r["nome"]: Decimal(str(r["receita"])) for r in sul["tabela"]} == por_vendedor
    diario = _saida(vendas, vendas.atualizar("?de=2024-10-01&ate=2024-11-20", "dia"))["tendencia"]
    mensal = _saida(vendas, vendas.atualizar("?de=2024-10-01&ate=2024-11-20&grao=mes"))
    assert mensal["grao"] == "mes"  # the grain comes from the URL
    assert len(diario["data"][0]["x"]) == 51 and len(mensal["tendencia"]["data"][0]["x"]) == 2
    assert sum(mensal["tendencia"]["data"][0]["y"]) == pytest.approx(float(sum(x.liquido for x in d.vendas_no_periodo(
        date(2024, 10, 1), date(2024, 11, 20)))))


def test_metas_answers_who_is_off_track_first(dw):
    saida = _saida(metas, metas.atualizar("?ate=2024-11-20"))
    resposta = saida["resposta"]
    realizado = {v[0]: sum(x.liquido for x in d.vendas_no_periodo(date(2024, 11, 1), date(2024, 11, 20))
                           if x.vendedor_sk == v[0]) for v in d.VENDEDORES}
    meta = {v: m for v, mes, m in d.METAS if mes == date(2024, 11, 1)}
    ritmo = Decimal(20) / 30 * 100
    fora = sorted((realizado[v] / meta[v] * 100, d.VENDEDORES[v - 1][2]) for v in meta
                  if realizado[v] / meta[v] * 100 < ritmo)
    assert len(fora) >= 1, "the data set must have someone off track"
    # a month in progress speaks of pace
    assert resposta[0].children == f"{6 - len(fora)} de 6 vendedores no ritmo ou com a meta atingida"
    assert "mês em andamento: dia 20 de 30" in resposta[1].children
    assert [c.children for c in resposta[2].children] == [f"{n} · {fmt.percentual(p)}" for p, n in fora]
    assert saida["resposta_classe"] == "resposta ruim"
    assert saida["kpi_meta"] == fmt.moeda(sum(meta.values()))
    assert saida["kpi_realizado"] == fmt.moeda(sum(realizado.values()))
    assert saida["kpi_atingimento"] == fmt.percentual(sum(realizado.values()) / sum(meta.values()) * 100)
    assert saida["rotulo_falta"] == "Quanto falta (R$)"
    assert saida["kpi_falta"] == fmt.moeda(max(0, sum(meta.values()) - sum(realizado.values())))
    assert saida["kpi_ritmo"] == fmt.percentual(ritmo)
    ranking = saida["tabela"]
    assert [r["posicao"] for r in ranking] == [1, 2, 3, 4, 5, 6]
    assert ranking[0]["pct_atingimento"] >= ranking[-1]["pct_atingimento"]
    for r in ranking:
        assert r["falta"] == pytest.approx(max(0.0, float(meta[d.sk_por_id(d.VENDEDORES, r["vendedor_id"])]
                                                          - realizado[d.sk_por_id(d.VENDEDORES, r["vendedor_id"])])))
    # a team filter narrows the answer
    so_t2 = _saida(metas, metas.atualizar("?ate=2024-11-20&equipe=T2"))
    assert so_t2["resposta"][0].children.endswith("de 2 vendedores no ritmo ou com a meta atingida")


def test_metas_closed_month_speaks_of_the_result_not_the_pace(dw):
    saida = _saida(metas, metas.atualizar("?de=2024-10-01&ate=2024-10-31"))
    meta = {v: m for v, mes, m in d.METAS if mes == date(2024, 10, 1)}
    realizado = {v: sum(x.liquido for x in d.vendas_no_periodo(date(2024, 10, 1), date(2024, 10, 31))
                        if x.vendedor_sk == v) for v in meta}
    atingiram = sum(1 for v in meta if realizado[v] >= meta[v])
    assert saida["resposta"][0].children == f"{atingiram} de 6 vendedores atingiram a meta"
    assert "mês fechado" in saida["resposta"][1].children and "ritmo" not in saida["resposta"][1].children
    assert saida["kpi_ritmo"] == "Mês fechado" and saida["rotulo_falta"] == "Faltou para a meta (R$)"
    assert {r["situacao"] for r in saida["tabela"]} <= {"Meta atingida", "Meta não atingida"}
    assert saida["kpi_falta"] == fmt.moeda(max(0, sum(meta.values()) - sum(realizado.values())))


def test_metas_default_month_is_the_latest_with_goals_and_no_goal_is_neutral(dw):
    from harness import db

    # the latest data is in November and goals exist for October and November: November
    assert _saida(metas, metas.atualizar(""))["mes"] == "2024-11-01"
    with db.connect("dw", "admin") as conn:  # November's goals withdrawn: the default falls back to October
        conn.execute("DELETE FROM mart.agg_metas_mensais WHERE mes = '2024-11-01'")
        conn.commit()
    queries.limpar_cache()
    saida = _saida(metas, metas.atualizar(""))
    assert saida["mes"] == "2024-10-01" and saida["aviso"] is None
    # a month without goals: a neutral message (not an error), the month's sales still shown
    vazio = _saida(metas, metas.atualizar("?de=2024-11-01&ate=2024-11-20"))
    assert vazio["aviso"].className == "mensagem mensagem-info"
    assert "Não há metas cadastradas para novembro de 2024" in vazio["aviso"].children
    assert "outubro de 2024" in vazio["aviso"].children
    novembro = d.kpis(d.vendas_no_periodo(date(2024, 11, 1), date(2024, 11, 30)))
    assert vazio["kpi_realizado"] == fmt.moeda(novembro["receita"]) and vazio["kpi_meta"] == fmt.VAZIO


def test_metas_chart_stays_readable_with_300_sellers():
    """With 300 sellers the chart draws 15 bars (the furthest behind, or the best) at a readable height;
    the ranking table keeps all of them."""
    import pandas as pd

    from dashboards import figures

    n = 300
    df = pd.DataFrame({"vendedor_id": [f"V{i}" for i in range(n)], "vendedor_nome": [f"Vendedor {i}" for i in range(n)],
                       "equipe_nome": ["Equipe"] * n, "valor_meta": [1000.0] * n,
                       "valor_realizado": [float(i * 5) for i in range(n)],
                       "pct_atingimento": [i * 0.5 for i in range(n)]})
    df["situacao"] = [metas.situacao(p, 60.0) for p in df["pct_atingimento"]]
    atrasados = figures.atingimento(df, 60.0)
    melhores = figures.atingimento(df, 60.0, "melhores")
    assert len(atrasados["data"][0]["y"]) == len(melhores["data"][0]["y"]) == figures.MAX_VENDEDORES_GRAFICO
    # Plotly draws a horizontal bar chart's last bar at the top
    assert atrasados["data"][0]["customdata"][-1][0] == "V0"       # the furthest behind at the top
    assert melhores["data"][0]["customdata"][-1][0] == f"V{n - 1}"  # the best at the top
    assert atrasados["layout"]["height"] / figures.MAX_VENDEDORES_GRAFICO >= 25  # px per bar


def test_descontos_roi_and_with_without_equal_independent_computation(dw):
    saida = _saida(descontos, descontos.atualizar("?de=2024-11-01&ate=2024-11-20"))
    linhas = d.vendas_no_periodo(date(2024, 11, 1), date(2024, 11, 20))
    com = [x for x in linhas if x.desconto > 0]
    sem = [x for x in linhas if x.desconto == 0]
    desconto = sum(x.desconto for x in com)
    receita_com = sum(x.liquido for x in com)
    assert saida["kpi_desconto"] == fmt.moeda(desconto)
    assert saida["kpi_receita_com"] == fmt.moeda(receita_com)
    assert saida["kpi_receita_sem"] == fmt.moeda(sum(x.liquido for x in sem))
    assert saida["kpi_roi"] == f"{fmt.numero(receita_com / desconto, 1)}x"
    pct_com = sum(x.liquido - x.custo for x in com) / receita_com * 100
    pct_sem = sum(x.liquido - x.custo for x in sem) / sum(x.liquido for x in sem) * 100
    assert saida["kpi_margem_com"] == fmt.percentual(pct_com)
    # compared with the same days of October, margins in percentage points
    ant = d.vendas_no_periodo(date(2024, 10, 1), date(2024, 10, 20))
    ant_com = [x for x in ant if x.desconto > 0]
    assert saida["var_desconto"] == (f"{fmt.variacao((desconto - sum(x.desconto for x in ant_com)) / sum(x.desconto for x in ant_com) * 100)}"
                                     " vs mesmo período do mês anterior")
    ant_pct_com = sum(x.liquido - x.custo for x in ant_com) / sum(x.liquido for x in ant_com) * 100
    assert saida["var_margem_com"].startswith(f"{fmt.variacao_pp(pct_com - ant_pct_com)} vs mesmo período")
    assert saida["var_margem_com"].endswith(f"impacto {fmt.variacao_pp(pct_com - pct_sem)} vs sem desconto")
    assert "região = região do cliente" in saida["periodo"]
    campanhas = {r["campanha"]: r for r in _saida(descontos, descontos.atualizar("?de=2024-10-01&ate=2024-11-20"))["tabela"]}
    assert set(campanhas) == {"Black Friday", "Outubro Rosa"}
    bf = [x for x in d.vendas_no_periodo(date(2024, 10, 1), date(2024, 11, 20)) if x.desconto_sk == 1]
    assert campanhas["Black Friday"]["usos"] == len({x.pedido for x in bf})
    assert campanhas["Black Friday"]["roi"] == pytest.approx(float(sum(x.liquido for x in bf) / sum(x.desconto for x in bf)))


def test_monitor_shows_runs_rejections_and_failed_checks(dw):
    saida = monitor.atualizar("")
    assert saida[2] == "sucesso"  # latest run (#3)
    assert saida[3] == "20/11/2024"
    assert saida[5] == "2" and saida[6] == "1"
    # human labels from the check catalog, never the raw name
    assert saida[11] == "Clientes, produtos ou vendedores ainda não recebidos da loja (aviso)"
    assert [r["run_id"] for r in saida[-3]] == [3, 2, 1]
    assert saida[-1] == 3
    falha = monitor.atualizar("", 2)
    assert falha[-1] == 2 and len(falha[-4]["data"][0]["x"]) == 6  # the failed run loaded only dimensions


def test_dicionario_search_finds_metrics_without_accents(dw):
    _, aviso, achadas = dicionario.filtrar("ROI")
    ids = [m.id for m in achadas]
    assert "dicionario-roi_desconto" in ids and "dicionario-pedidos" not in ids
    assert aviso is None
    _, _, acentos = dicionario.filtrar("devolucao")
    assert "dicionario-taxa_devolucao" in [m.id for m in acentos]
    _, aviso, nada = dicionario.filtrar("xyz-nao-existe")
    assert nada == [] and "Nenhuma métrica" in aviso.children


def test_every_kpi_card_links_to_an_existing_definition(dw):
    catalogo = {m["id"] for m in queries.catalogo()}
    for pagina in (vendas, metas, descontos, monitor):
        texto = json.dumps(pagina.layout().to_plotly_json(), default=str)
        for href in {p.split('"')[0] for p in texto.split('"href": "/dicionario#dicionario-')[1:]}:
            assert href in catalogo, f"{pagina.__name__} links to an unknown metric {href}"


def test_repeated_filter_combination_is_served_from_the_cache(dw, monkeypatch):
    # the clock's bucket is pinned: a real minute boundary between the two calls would make
    # the second one miss (it did once in CI)
    monkeypatch.setattr(queries, "_balde_do_cache", lambda: 1)
    vendas.atualizar("?regiao=SE&regiao=S")
    antes = queries._consulta.cache_info()
    vendas.atualizar("?regiao=S&regiao=SE")  # same combination, other order
    depois = queries._consulta.cache_info()
    assert depois.misses == antes.misses and depois.hits > antes.hits


def test_cached_results_expire_with_the_time_bucket(dw, monkeypatch):
    monkeypatch.setattr(queries, "_balde_do_cache", lambda: 1)
    vendas.atualizar("?regiao=SE")
    antes = queries._consulta.cache_info()
    monkeypatch.setattr(queries, "_balde_do_cache", lambda: 2)  # CACHE_SECONDS later
    vendas.atualizar("?regiao=SE")
    depois = queries._consulta.cache_info()
    assert depois.misses > antes.misses and depois.currsize > antes.currsize


def test_empty_result_is_a_readable_message(dw):
    saida = _saida(vendas, vendas.atualizar("?de=2030-01-01&ate=2030-01-31"))
    assert "Nenhuma venda" in saida["aviso"].children and saida["kpi_receita"] == fmt.moeda(0)


HOSTIS = [
    "?regiao=x'; DROP TABLE fact.fact_vendas; --",
    "?categoria=' OR 1=1 --&equipe=T1",
    "?de=2024-11-01'; DELETE FROM fact.fact_metas; --",
    "?ate=2024-02-30",
    "?de=2024-12-01&ate=2024-11-01",
    "?vendedor=" + "A" * 100_000,
    "?regiao=" + "&regiao=".join(str(i) for i in range(500)),
    "?regiao=%00%01",
    [{"regiao": "SE"}], 12345, {"$ne": 1}, ["?regiao=SE"],
]


@pytest.mark.parametrize("hostil", HOSTIS, ids=[f"h{i}" for i in range(len(HOSTIS))])
def test_hostile_filters_in_callbacks_give_a_message_and_change_nothing(dw, hostil):
    antes = checksum()
    for saida in (vendas.atualizar(hostil), metas.atualizar(hostil), descontos.atualizar(hostil)):
        aviso = saida[1]
        assert aviso is not None and "inválido" in aviso.children.lower() or "inexistente" in aviso.children.lower() \
            or "longo" in aviso.children.lower(), aviso
        texto = json.dumps([str(x) for x in saida])
        assert not any(v in texto for v in VAZAMENTOS), texto[:500]
    assert checksum() == antes


def _payload(output: str, inputs: list[dict]) -> dict:
    outputs = []
    for part in output.strip(".").split("..."):
        ident, prop = part.rsplit(".", 1)
        outputs.append({"id": ident, "property": prop})
    return {"output": output, "outputs": outputs if output.startswith("..") else outputs[0], "inputs": inputs,
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs[:1]], "state": []}


def _chave(prefixo: str) -> str:
    return next(k for k in app.callback_map if k.startswith(f"..{prefixo}"))


@pytest.mark.parametrize("hostil", HOSTIS + ["x'; DROP TABLE fact.fact_vendas; --"],
                         ids=[f"h{i}" for i in range(len(HOSTIS) + 1)])
def test_hostile_values_through_the_http_endpoint(dw, hostil):
    antes = checksum()
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    pedidos = [
        _payload(_chave("vendas-atualizado"), [{"id": "url", "property": "search", "value": hostil}]),
        _payload(_chave("metas-atualizado"), [{"id": "url", "property": "search", "value": hostil},
                                              {"id": "metas-recorte", "property": "value", "value": hostil}]),
        _payload(_chave("descontos-atualizado"), [{"id": "url", "property": "search", "value": hostil}]),
        _payload(_chave("monitor-atualizado"), [{"id": "url", "property": "search", "value": hostil},
                                                {"id": "monitor-execucao", "property": "value", "value": hostil}]),
        _payload(_chave("url"), [{"id": "filtro-regiao", "property": "value", "value": hostil},
                                 {"id": "url", "property": "search", "value": hostil},
                                 {"id": "filtro-periodo", "property": "start_date", "value": hostil},
                                 {"id": "filtro-periodo", "property": "end_date", "value": hostil},
                                 {"id": "filtro-categoria", "property": "value", "value": hostil},
                                 {"id": "filtro-equipe", "property": "value", "value": hostil},
                                 {"id": "filtro-vendedor", "property": "value", "value": hostil}]),
    ]
    for pedido in pedidos:
        resp = client.post("/_dash-update-component", json=pedido)
        corpo = resp.get_data(as_text=True)
        assert resp.status_code in (200, 204, 400), (resp.status_code, corpo[:300])
        assert not any(v in corpo for v in VAZAMENTOS), corpo[:800]
    assert checksum() == antes


def test_garbage_requests_to_the_endpoint_leak_nothing(dw):
    client = app.server.test_client()
    for corpo in ("{not json", json.dumps({"output": "x'; DROP TABLE fact.fact_vendas; --.children", "inputs": 7}),
                  json.dumps([1, 2, 3])):
        resp = client.post("/_dash-update-component", data=corpo, content_type="application/json")
        texto = resp.get_data(as_text=True)
        assert resp.status_code >= 400 and not any(v in texto for v in VAZAMENTOS), texto[:500]


def test_database_down_gives_a_readable_message(dw, monkeypatch):
    queries.fechar_conexoes()
    queries.limpar_cache()
    with monkeypatch.context() as m:  # undone before fresh_dbs drops its databases
        m.setenv("WAREHOUSE_URL", "postgresql://bi_reader@127.0.0.1:9/nada?connect_timeout=2")
        for saida in (vendas.atualizar(""), metas.atualizar(""), descontos.atualizar(""), monitor.atualizar("")):
            assert "indisponíveis" in saida[1].children
            assert saida[0] == "dados indisponíveis"
        assert isinstance(queries.kpis_vendas(filters.Filtros(date(2024, 11, 1), date(2024, 11, 2))),
                          queries.Indisponivel)
    queries.limpar_cache()
    assert vendas.atualizar("")[1] is None  # back up: the page recovers without a restart


def test_filters_round_trip_through_the_url():
    f = filters.montar("2024-11-01", "2024-11-20T00:00:00", ["SE", "S"], None, "T1", [])
    assert filters.de_url(filters.para_url(f)) == f
    assert filters.para_url(filters.Filtros()) == ""
    assert f.chave() == filters.montar("2024-11-01", "2024-11-20", ["S", "SE", "S"], None, ["T1"]).chave()
    with pytest.raises(filters.FiltroInvalido):
        filters.validar(filters.montar(regiao=["XX"]), {"regiao": {"SE": "Sudeste"}})


def test_vendas_linhas_are_the_line_views_lines(dw):
    """mart.vendas_linhas (the dashboards' exact order counts) = mart.vw_vendas' lines and values, any period."""
    from harness import db

    colunas = ("data, data_sk, pedido_id, regiao_id, categoria, equipe_id, vendedor_id, campanha, cupom, eh_cancelado, "
               "valor_bruto, valor_desconto, valor_total_liquido, custo_total")
    with db.connect("dw", "bi") as conn:
        for de, ate in ((date(2024, 10, 1), date(2024, 11, 20)), (date(2024, 11, 7), date(2024, 11, 7)),
                        (date(2000, 1, 1), date(2030, 12, 31)), (date(2024, 11, 21), date(2024, 12, 31))):
            linhas = conn.execute(f"SELECT {colunas} FROM mart.vendas_linhas(%s, %s) ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14",
                                  (de, ate)).fetchall()
            vista = conn.execute(f"SELECT {colunas} FROM mart.vw_vendas WHERE data BETWEEN %s AND %s ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14",
                                 (de, ate)).fetchall()
            assert linhas == vista, (de, ate)
        assert conn.execute("SELECT count(*) FROM mart.vendas_linhas('2024-10-01', '2024-11-20')").fetchone()[0] > 10
