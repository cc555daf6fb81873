"""A small, fully known warehouse for the dashboard tests, inserted straight into dim.*,
fact.* and audit.* (the loader is tested elsewhere). Expected KPI values are computed in
the tests from these Python lists, never read back from the dashboards.

Sales from 2024-10-01 to 2024-11-20 (51 days), 6 sellers in 3 teams/regions, 5 products
in 4 categories, 2 discount campaigns, monthly goals for October and November.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

REGIOES = [(1, "SE", "Sudeste"), (2, "S", "Sul"), (3, "NE", "Nordeste")]
EQUIPES = [(1, "T1", "Equipe Sudeste", 1), (2, "T2", "Equipe Sul", 2), (3, "T3", "Equipe Nordeste", 3)]
VENDEDORES = [(1, "V1", "Ana Souza", 1), (2, "V2", "Bruno Lima", 1), (3, "V3", "Carla Dias", 2),
              (4, "V4", "Diego Rocha", 2), (5, "V5", "Elisa Melo", 3), (6, "V6", "Fábio Nunes", 3)]
CLIENTES = [(1, "C1", "Cliente 1", 1), (2, "C2", "Cliente 2", 1), (3, "C3", "Cliente 3", 2),
            (4, "C4", "Cliente 4", 2), (5, "C5", "Cliente 5", 3), (6, "C6", "Cliente 6", 3)]
PRODUTOS = [(1, "P1", "Notebook", "informatica", Decimal("3000.00"), Decimal("2100.00")),
            (2, "P2", "Mouse", "informatica", Decimal("80.00"), Decimal("30.00")),
            (3, "P3", "Sofá", "moveis", Decimal("1500.00"), Decimal("900.00")),
            (4, "P4", "Livro", "livros", Decimal("50.00"), Decimal("20.00")),
            (5, "P5", "Geladeira", "eletrodomesticos", Decimal("2500.00"), Decimal("1900.00"))]
DESCONTOS = [(1, "D1", "BF10", "Black Friday", Decimal("10")), (2, "D2", "OUTUBRO5", "Outubro Rosa", Decimal("5"))]
PRIMEIRO_DIA = date(2024, 10, 1)
ULTIMO_DIA = date(2024, 11, 20)


@dataclass(frozen=True)
class Linha:
    item: str
    pedido: str
    dia: date
    cliente_sk: int
    produto_sk: int
    vendedor_sk: int
    equipe_sk: int
    regiao_sk: int          # the customer's region
    desconto_sk: int
    status: str
    cancelado: bool
    qtd: int
    devolvida: int
    preco: Decimal
    bruto: Decimal
    desconto: Decimal
    liquido: Decimal
    custo: Decimal


def _linhas() -> list[Linha]:
    rnd = random.Random(20241120)
    out: list[Linha] = []
    dia, n = PRIMEIRO_DIA, 0
    while dia <= ULTIMO_DIA:
        for _ in range(2 + rnd.randrange(2)):
            n += 1
            vend = VENDEDORES[rnd.randrange(len(VENDEDORES))]
            cli = CLIENTES[rnd.randrange(len(CLIENTES))]
            status = "canceled" if n % 13 == 0 else ("delivered" if dia < date(2024, 11, 10) else "shipped")
            desc = None
            if dia.month == 11 and n % 3 == 0:
                desc = DESCONTOS[0]
            elif dia.month == 10 and n % 5 == 0:
                desc = DESCONTOS[1]
            for k in range(1 + rnd.randrange(2)):
                prod = PRODUTOS[rnd.randrange(len(PRODUTOS))]
                qtd = 1 + rnd.randrange(3)
                bruto = prod[4] * qtd
                valor_desc = (bruto * desc[4] / 100).quantize(Decimal("0.01")) if desc else Decimal("0.00")
                out.append(Linha(
                    item=f"I{n:04d}-{k + 1}", pedido=f"O{n:04d}", dia=dia, cliente_sk=cli[0], produto_sk=prod[0],
                    vendedor_sk=vend[0], equipe_sk=vend[3], regiao_sk=cli[3], desconto_sk=desc[0] if desc else -1,
                    status=status, cancelado=status == "canceled", qtd=qtd, devolvida=1 if (n + k) % 17 == 0 else 0,
                    preco=prod[4], bruto=bruto, desconto=valor_desc, liquido=bruto - valor_desc,
                    custo=prod[5] * qtd))
        dia += timedelta(days=1)
    return out


LINHAS = _linhas()
# goals: October a mix of met and missed; November (20 of 30 days) a mix of on pace, off pace, met
METAS = [(v[0], date(2024, 10, 1), Decimal(m)) for v, m in zip(VENDEDORES, (60000, 40000, 45000, 50000, 35000, 70000))] + \
        [(v[0], date(2024, 11, 1), Decimal(m)) for v, m in zip(VENDEDORES, (50000, 60000, 90000, 55000, 50000, 25000))]
UTC = timezone.utc
EXECUCOES = [  # run_id, status, started, seconds, failed_step, error
    (1, "succeeded", datetime(2024, 11, 19, 6, 0, tzinfo=UTC), 42.0, None, None),
    (2, "failed", datetime(2024, 11, 20, 6, 0, tzinfo=UTC), 12.5, "fact_vendas", "conexão perdida com a loja"),
    (3, "succeeded", datetime(2024, 11, 20, 7, 0, tzinfo=UTC), 38.0, None, None),
]
ENTIDADES = ["dim_regiao", "dim_equipe", "dim_vendedor", "dim_cliente", "dim_produto", "dim_desconto",
             "fact_vendas", "fact_descontos", "fact_metas"]


def sk_por_id(tabela, natural: str) -> int:
    return next(r[0] for r in tabela if r[1] == natural)


def _dim_data_rows(dias):
    nomes_mes = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
                 "outubro", "novembro", "dezembro"]
    nomes_dia = ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"]
    for d in sorted(dias):
        yield (int(d.strftime("%Y%m%d")), d, d.year, (d.month - 1) // 3 + 1, d.month, nomes_mes[d.month - 1],
               f"{d.year}-{d.month:02d}", d.day, d.isoweekday(), nomes_dia[d.weekday()], d.isocalendar()[1],
               d.isoweekday() >= 6, False, None, d.isoweekday() < 6)


def insert_all(conn) -> None:
    """Insert the whole data set (conn: an admin connection to the warehouse; caller commits)."""
    dias = set()
    d = date(2024, 9, 1)
    while d <= date(2024, 12, 31):
        dias.add(d)
        d += timedelta(days=1)
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO dim.dim_data VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                        "ON CONFLICT DO NOTHING", list(_dim_data_rows(dias)))
        cur.executemany("INSERT INTO dim.dim_regiao (regiao_sk, regiao_id, nome) VALUES (%s,%s,%s)", REGIOES)
        cur.executemany("INSERT INTO dim.dim_equipe (equipe_sk, equipe_id, nome, regiao_sk, regiao_id) "
                        "VALUES (%s,%s,%s,%s,%s)",
                        [(e[0], e[1], e[2], e[3], REGIOES[e[3] - 1][1]) for e in EQUIPES])
        cur.executemany("INSERT INTO dim.dim_vendedor (vendedor_sk, vendedor_id, nome, equipe_sk, equipe_id) "
                        "VALUES (%s,%s,%s,%s,%s)",
                        [(v[0], v[1], v[2], v[3], EQUIPES[v[3] - 1][1]) for v in VENDEDORES])
        cur.executemany("INSERT INTO dim.dim_cliente (cliente_sk, cliente_id, nome, regiao_sk, regiao_id) "
                        "VALUES (%s,%s,%s,%s,%s)",
                        [(c[0], c[1], c[2], c[3], REGIOES[c[3] - 1][1]) for c in CLIENTES])
        cur.executemany("INSERT INTO dim.dim_produto (produto_sk, produto_id, nome, categoria, preco_lista, "
                        "custo_unitario) VALUES (%s,%s,%s,%s,%s,%s)", PRODUTOS)
        cur.executemany("INSERT INTO dim.dim_desconto (desconto_sk, desconto_id, codigo, campanha, tipo, valor) "
                        "VALUES (%s,%s,%s,%s,'percentual',%s)", DESCONTOS)
        cur.executemany(
            "INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, "
            "vendedor_sk, equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida, "
            "quantidade_devolvida, preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            [(x.item, x.pedido, int(x.item.split("-")[1]), int(x.dia.strftime("%Y%m%d")), x.cliente_sk,
              x.produto_sk, x.vendedor_sk, x.equipe_sk, x.regiao_sk, x.desconto_sk, x.status, x.cancelado,
              x.qtd, x.devolvida, x.preco, x.bruto, x.desconto, x.liquido, x.custo) for x in LINHAS])
        cur.executemany(
            "INSERT INTO fact.fact_descontos (item_pedido_id, pedido_id, desconto_sk, data_sk, cliente_sk, "
            "produto_sk, vendedor_sk, eh_cancelado, valor_bruto, valor_desconto_aplicado, valor_com_desconto, "
            "custo_total) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            [(x.item, x.pedido, x.desconto_sk, int(x.dia.strftime("%Y%m%d")), x.cliente_sk, x.produto_sk,
              x.vendedor_sk, x.cancelado, x.bruto, x.desconto, x.liquido, x.custo)
             for x in LINHAS if x.desconto > 0])
        cur.executemany(
            "INSERT INTO fact.fact_metas (vendedor_sk, mes_sk, equipe_sk, vendedor_id, mes, valor_meta) "
            "VALUES (%s,%s,%s,%s,%s,%s)",
            [(v, int(m.strftime("%Y%m%d")), VENDEDORES[v - 1][3], VENDEDORES[v - 1][1], m, meta)
             for v, m, meta in METAS])
        for run_id, status, started, seconds, step, error in EXECUCOES:
            cur.execute("INSERT INTO audit.etl_run (run_id, command, trigger, status, business_date, started_at, "
                        "finished_at, failed_step, error_message) OVERRIDING SYSTEM VALUE "
                        "VALUES (%s,'load-daily','schedule',%s,%s,%s,%s,%s,%s)",
                        (run_id, status, (started - timedelta(days=1)).date(), started,
                         started + timedelta(seconds=seconds), step, error))
            for i, entidade in enumerate(ENTIDADES):
                if status == "failed" and entidade.startswith("fact"):
                    break
                lidas = 10 + 7 * i + run_id
                rejeitadas = 2 if entidade == "fact_vendas" and run_id == 3 else 0
                cur.execute("INSERT INTO audit.etl_run_entity (run_id, entity, rows_read, rows_inserted, "
                            "rows_updated, rows_unchanged, rows_rejected, started_at, finished_at) "
                            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                            (run_id, entidade, lidas, lidas - rejeitadas - 3, 2, 1, rejeitadas,
                             started + timedelta(seconds=i), started + timedelta(seconds=i + 1.5)))
            if status == "succeeded":
                cur.execute("INSERT INTO dq.check_result (run_id, check_name, severity, status, offending_rows, "
                            "message) VALUES (%s,'orfaos_fatos','block','pass',0,NULL), "
                            "(%s,'membros_inferidos_abertos','warn',%s,%s,%s)",
                            (run_id, run_id, "fail" if run_id == 3 else "pass", 4 if run_id == 3 else 0,
                             "4 membros inferidos há mais de 7 dias" if run_id == 3 else None))
        cur.execute("INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw) VALUES "
                    "(3,'fact_vendas','I9999-1','quantity_not_positive','{}'), "
                    "(3,'fact_vendas','I9999-2','unknown_status','{}')")


# ---------------------------------------------------------------- independent expectations
def vendas_no_periodo(de: date, ate: date, regiao=(), categoria=(), equipe=(), vendedor=(), com_canceladas=False):
    """Lines of the period matching the filters (natural ids), without cancelled ones by default."""
    reg = {sk_por_id(REGIOES, r) for r in regiao}
    eq = {sk_por_id(EQUIPES, e) for e in equipe}
    vend = {sk_por_id(VENDEDORES, v) for v in vendedor}
    cats = set(categoria)
    return [x for x in LINHAS if de <= x.dia <= ate and (com_canceladas or not x.cancelado)
            and (not reg or x.regiao_sk in reg) and (not eq or x.equipe_sk in eq)
            and (not vend or x.vendedor_sk in vend)
            and (not cats or PRODUTOS[x.produto_sk - 1][3] in cats)]


def kpis(linhas) -> dict:
    receita = sum((x.liquido for x in linhas), Decimal(0))
    margem = sum((x.liquido - x.custo for x in linhas), Decimal(0))
    pedidos = len({x.pedido for x in linhas})
    return {"receita": receita, "margem": margem, "margem_pct": (margem / receita * 100) if receita else None,
            "pedidos": pedidos, "ticket": (receita / pedidos) if pedidos else None}
