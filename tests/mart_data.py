"""A small but non-trivial shop, written into the shop database and (by a minimal Python
rendering of the load contract) straight into the warehouse's dim.* and fact.* tables,
plus the expected KPI values computed in Python from the shop rows.

The expectations never read SQL output: they apply the business rules (cancelled lines
out, unknown members kept, effective seller = line seller else order seller, customer
region, category 'Não informado' when missing) to the Python rows below.

What the data exercises: 2 months, 3 regions (one without customers), 2 teams, 3 sellers;
an order with lines of two categories and two sellers of different teams; a cancelled and
an 'unavailable' order; returns; coupons of two campaigns and a discount with no coupon;
a customer missing from the customer table (inferred member), an order without customer,
a line without product, an order without seller (unknown members); a line with unknown
cost; a goal of zero (division guard).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D

SAO_PAULO = timezone(timedelta(hours=-3))
CANCELLED = ("canceled", "unavailable")
UNKNOWN = "Não informado"

REGIONS = [("SE", "Sudeste"), ("S", "Sul"), ("NE", "Nordeste"), ("N", "Norte")]
STATES = [("SP", "São Paulo", "SE"), ("RJ", "Rio de Janeiro", "SE"), ("RS", "Rio Grande do Sul", "S"),
          ("BA", "Bahia", "NE")]
TEAMS = [("T1", "Equipe Paulista", "SE"), ("T2", "Equipe Sul", "S")]
SELLERS = [("V1", "Ana Souza", "T1"), ("V2", "Bruno Lima", "T1"), ("V3", "Carla Dias", "T2")]
CUSTOMERS = [("C1", "Maria", "São Paulo", "SP"), ("C2", "João", "Rio de Janeiro", "RJ"),
             ("C3", "Pedro", "Porto Alegre", "RS"), ("C4", "Lúcia", "Salvador", "BA")]
PRODUCTS = [("P1", "Notebook", "informatica", D("3000"), D("2000")),
            ("P2", "Mouse", "informatica", D("100"), D("40")),
            ("P3", "Camiseta", "moda", D("50"), D("20")),
            ("P4", "Livro", None, D("80"), D("30"))]
DISCOUNTS = [("D1", "BEMVINDO10", "Boas-vindas"), ("D2", "BLACK20", "Black Friday")]

# order_id, customer_id, seller_id, status, ordered day, discount_id
ORDERS = [
    ("O1", "C1", "V1", "delivered", date(2024, 1, 5), "D1"),
    ("O2", "C2", "V2", "delivered", date(2024, 1, 5), None),
    ("O3", "C3", "V3", "shipped", date(2024, 1, 20), "D2"),
    ("O4", "C1", "V1", "canceled", date(2024, 1, 20), "D1"),
    ("O5", "C4", "V1", "delivered", date(2024, 2, 3), None),
    ("O6", "C9", "V2", "invoiced", date(2024, 2, 3), None),      # C9: not in customers -> inferred
    ("O7", None, "V3", "delivered", date(2024, 2, 15), None),     # no customer -> unknown member
    ("O8", "C2", "V2", "unavailable", date(2024, 2, 15), None),
    ("O9", "C3", "V3", "delivered", date(2024, 2, 28), "D2"),
    ("O10", "C1", None, "delivered", date(2024, 2, 28), None),   # no seller; discount without coupon
]

# order_item_id, order_id, line, product_id, line seller, qty, price, unit_cost, discount, returned
ITEMS = [
    ("I01", "O1", 1, "P1", None, 1, D("3000"), D("2000"), D("300"), 0),
    ("I02", "O1", 2, "P2", None, 2, D("100"), D("40"), D("0"), 0),
    ("I03", "O2", 1, "P3", None, 3, D("50"), D("20"), D("0"), 1),
    ("I04", "O3", 1, "P3", None, 2, D("50"), D("20"), D("20"), 0),
    ("I05", "O3", 2, "P4", None, 1, D("80"), D("30"), D("0"), 0),
    ("I06", "O4", 1, "P1", None, 1, D("3000"), D("2000"), D("300"), 0),
    ("I07", "O5", 1, "P2", None, 5, D("100"), D("40"), D("50"), 0),
    ("I08", "O5", 2, "P3", "V3", 1, D("50"), D("20"), D("0"), 0),   # marketplace line: other team
    ("I09", "O6", 1, "P1", None, 1, D("2800"), D("2000"), D("0"), 1),
    ("I10", "O7", 1, None, None, 2, D("10"), None, D("0"), 0),     # no product, unknown cost
    ("I11", "O8", 1, "P2", None, 1, D("100"), D("40"), D("0"), 0),
    ("I12", "O9", 1, "P3", None, 4, D("50"), D("20"), D("40"), 2),
    ("I13", "O9", 2, "P2", None, 1, D("100"), D("40"), D("10"), 0),
    ("I14", "O10", 1, "P4", None, 1, D("80"), D("30"), D("5"), 0),
]

TARGETS = [("V1", date(2024, 1, 1), D("5000")), ("V1", date(2024, 2, 1), D("1000")),
           ("V2", date(2024, 1, 1), D("100")), ("V2", date(2024, 2, 1), D("0")),
           ("V3", date(2024, 1, 1), D("500")), ("V3", date(2024, 2, 1), D("600"))]

PERIOD = (date(2024, 1, 1), date(2024, 2, 29))


def ordered_at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=SAO_PAULO)


# ------------------------------------------------------------------ denormalized lines
@dataclass(frozen=True)
class Line:
    item_id: str
    order_id: str
    day: date
    customer_id: str | None       # None: no customer on the order
    region_id: str | None         # customer's region; None when unknown
    category: str
    seller_id: str | None
    team_id: str | None
    discount_id: str | None
    cancelled: bool
    qty: int
    returned: int
    gross: D
    discount: D
    net: D
    cost: D

    @property
    def month(self) -> date:
        return self.day.replace(day=1)


def lines() -> list[Line]:
    cust = {c[0]: c for c in CUSTOMERS}
    state_region = {s[0]: s[2] for s in STATES}
    prod = {p[0]: p for p in PRODUCTS}
    team_of = {s[0]: s[2] for s in SELLERS}
    orders = {o[0]: o for o in ORDERS}
    out = []
    for item_id, order_id, _ln, product_id, line_seller, qty, price, unit_cost, disc, ret in ITEMS:
        _, customer_id, order_seller, status, day, discount_id = orders[order_id]
        seller = line_seller or order_seller
        region = state_region[cust[customer_id][3]] if customer_id in cust else None
        category = (prod[product_id][2] if product_id in prod else None) or UNKNOWN
        gross = qty * price
        out.append(Line(item_id, order_id, day, customer_id, region, category, seller,
                        team_of.get(seller), discount_id, status in CANCELLED, qty, ret, gross, disc,
                        gross - disc, qty * (unit_cost or D(0))))
    return out


def select(rows, data_inicio=None, data_fim=None, regiao=None, categoria=None, equipe=None, vendedor=None):
    return [r for r in rows
            if (data_inicio is None or r.day >= data_inicio) and (data_fim is None or r.day <= data_fim)
            and (regiao is None or r.region_id == regiao) and (categoria is None or r.category == categoria)
            and (equipe is None or r.team_id == equipe) and (vendedor is None or r.seller_id == vendedor)]


def _div(a, b):
    return None if not b else D(a) / D(b)


def sales_kpis(rows: list[Line]) -> dict[str, object]:
    """Every catalog sales KPI over some lines, by the rules, in Python."""
    ok = [r for r in rows if not r.cancelled]
    net = sum((r.net for r in ok), D(0))
    margin = sum((r.net - r.cost for r in ok), D(0))
    orders = {r.order_id for r in ok}
    with_d = [r for r in ok if r.discount > 0]
    without = [r for r in ok if r.discount == 0]
    net_w = sum((r.net for r in with_d), D(0))
    net_wo = sum((r.net for r in without), D(0))
    m_w = _div(sum((r.net - r.cost for r in with_d), D(0)) * 100, net_w)
    m_wo = _div(sum((r.net - r.cost for r in without), D(0)) * 100, net_wo)
    qty = sum(r.qty for r in ok)
    return {
        "receita_liquida": net if ok else None,
        "receita_bruta": sum((r.gross for r in ok), D(0)) if ok else None,
        "desconto_concedido": sum((r.discount for r in ok), D(0)) if ok else None,
        "margem_bruta": margin if ok else None,
        "margem_percentual": _div(margin * 100, net),
        "pedidos": len(orders),
        "itens": qty if ok else None,
        "ticket_medio": _div(net, len(orders)),
        "clientes_ativos": len({r.customer_id for r in ok if r.customer_id is not None}),
        "taxa_devolucao": _div(sum(r.returned for r in ok) * 100, qty),
        "receita_com_desconto": net_w if with_d else None,
        "receita_sem_desconto": net_wo if without else None,
        "impacto_desconto_margem": None if m_w is None or m_wo is None else m_w - m_wo,
    }


def goal_rows() -> list[dict]:
    """mart.vw_metas_atingimento, in Python: one row per target."""
    ok = [r for r in lines() if not r.cancelled]
    team_of = {s[0]: s[2] for s in SELLERS}
    team_region = {t[0]: t[2] for t in TEAMS}
    out = []
    for seller, month, goal in TARGETS:
        done = sum((r.net for r in ok if r.seller_id == seller and r.month == month), D(0))
        out.append({"vendedor_id": seller, "mes": month, "equipe_id": team_of[seller],
                    "regiao_id": team_region[team_of[seller]], "valor_meta": goal, "valor_realizado": done,
                    "atingimento": _div(done * 100, goal)})
    for row in out:  # rank() within team and month, highest first, NULL last
        peers = [p for p in out if p["equipe_id"] == row["equipe_id"] and p["mes"] == row["mes"]]
        key = row["atingimento"]
        row["ranking_equipe"] = 1 + sum(1 for p in peers if p["atingimento"] is not None
                                        and (key is None or p["atingimento"] > key))
    return out


def goal_kpis(rows: list[dict]) -> dict[str, object]:
    meta = sum((r["valor_meta"] for r in rows), D(0))
    done = sum((r["valor_realizado"] for r in rows), D(0))
    return {"valor_meta": meta if rows else None, "valor_realizado": done if rows else None,
            "atingimento_meta": _div(done * 100, meta)}


def discount_rows() -> list[dict]:
    """mart.vw_descontos_campanhas, in Python: per coupon ('-1' = none) x month."""
    ok = [r for r in lines() if not r.cancelled]
    groups: dict[tuple, list[Line]] = defaultdict(list)
    for r in ok:
        if r.discount > 0:
            groups[(r.month, r.discount_id or "-1")].append(r)
    out = []
    for (month, disc), rs in sorted(groups.items()):
        com = sum((r.net for r in rs), D(0))
        cost = sum((r.cost for r in rs), D(0))
        plain = [r for r in ok if r.month == month and r.discount == 0]
        p_net = sum((r.net for r in plain), D(0))
        p_margin = _div(sum((r.net - r.cost for r in plain), D(0)) * 100, p_net)
        m_com = _div((com - cost) * 100, com)
        out.append({"mes": month, "desconto_id": disc, "linhas_com_desconto": len(rs),
                    "pedidos_com_desconto": len({r.order_id for r in rs}),
                    "valor_desconto_aplicado": sum((r.discount for r in rs), D(0)),
                    "valor_com_desconto": com, "custo_total": cost, "margem_com_desconto": com - cost,
                    "margem_com_desconto_pct": m_com, "margem_sem_desconto_pct": p_margin,
                    "impacto_margem_pp": None if m_com is None or p_margin is None else m_com - p_margin,
                    "roi_desconto": _div(com, sum((r.discount for r in rs), D(0)))})
    return out


def discount_kpis(rows: list[dict]) -> dict[str, object]:
    com = sum((r["valor_com_desconto"] for r in rows), D(0))
    disc = sum((r["valor_desconto_aplicado"] for r in rows), D(0))
    return {"roi_desconto": _div(com, disc), "desconto_aplicado": disc if rows else None,
            "usos_desconto": sum(r["linhas_com_desconto"] for r in rows) if rows else None,
            "margem_com_desconto_percentual": _div(sum((r["margem_com_desconto"] for r in rows), D(0)) * 100, com)}


# ------------------------------------------------------------------ writers
def insert_shop(conn) -> None:
    """The data set as shop rows (schema shop, migrations/oltp/V001)."""
    cur = conn.cursor()
    cur.executemany("INSERT INTO shop.regions (region_id, name) VALUES (%s, %s)", REGIONS)
    cur.executemany("INSERT INTO shop.states (state, name, region_id, population) VALUES (%s, %s, %s, 1000)", STATES)
    cur.executemany("INSERT INTO shop.teams (team_id, name, region_id) VALUES (%s, %s, %s)", TEAMS)
    cur.executemany("INSERT INTO shop.sellers (seller_id, name, team_id) VALUES (%s, %s, %s)", SELLERS)
    cur.executemany("INSERT INTO shop.customers (customer_id, name, city, state) VALUES (%s, %s, %s, %s)", CUSTOMERS)
    cur.executemany("INSERT INTO shop.products (product_id, name, category, list_price, unit_cost)"
                    " VALUES (%s, %s, %s, %s, %s)", PRODUCTS)
    cur.executemany("INSERT INTO shop.discounts (discount_id, code, campaign, kind, value)"
                    " VALUES (%s, %s, %s, 'fixed', 10)", DISCOUNTS)
    cur.executemany("INSERT INTO shop.orders (order_id, customer_id, seller_id, status, ordered_at, discount_id)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    [(o, c, s, st, ordered_at(d), disc) for o, c, s, st, d, disc in ORDERS])
    cur.executemany("INSERT INTO shop.order_items (order_item_id, order_id, line_number, product_id, seller_id,"
                    " quantity, unit_price, unit_cost, discount_amount, returned_quantity)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", ITEMS)
    cur.executemany("INSERT INTO shop.sales_targets (seller_id, month, target_amount) VALUES (%s, %s, %s)", TARGETS)


def _date_row(d: date) -> tuple:
    meses = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
             "outubro", "novembro", "dezembro"]
    dias = ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"]
    wd = d.isoweekday()
    return (int(d.strftime("%Y%m%d")), d, d.year, (d.month - 1) // 3 + 1, d.month, meses[d.month - 1],
            d.strftime("%Y-%m"), d.day, wd, dias[wd - 1], d.isocalendar()[1], wd >= 6, False, None, wd < 6)


def insert_calendar(conn, start: date, end: date) -> None:
    """dim_data rows for [start, end] unless a calendar migration already has them."""
    days = [start + timedelta(n) for n in range((end - start).days + 1)]
    conn.cursor().executemany(
        "INSERT INTO dim.dim_data VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT DO NOTHING", [_date_row(d) for d in days])


def insert_warehouse(conn, run_id: int | None = None) -> int:
    """Dimensions and facts as the load procedures would leave them (DESIGN 5, BRIEF load
    contract), written directly; returns the audit.etl_run id used for lineage."""
    if run_id is None:
        run_id = conn.execute("INSERT INTO audit.etl_run (command, trigger, status) "
                              "VALUES ('test', 'test', 'succeeded') RETURNING run_id").fetchone()[0]
    insert_calendar(conn, date(2023, 12, 1), date(2024, 3, 31))
    q = conn.execute
    sk: dict[tuple[str, str], int] = {}
    for rid, name in REGIONS:
        sk["r", rid] = q("INSERT INTO dim.dim_regiao (regiao_id, nome, inserted_run_id) VALUES (%s, %s, %s)"
                         " RETURNING regiao_sk", (rid, name, run_id)).fetchone()[0]
    for tid, name, rid in TEAMS:
        sk["t", tid] = q("INSERT INTO dim.dim_equipe (equipe_id, nome, regiao_id, regiao_sk, inserted_run_id)"
                         " VALUES (%s, %s, %s, %s, %s) RETURNING equipe_sk",
                         (tid, name, rid, sk["r", rid], run_id)).fetchone()[0]
    for vid, name, tid in SELLERS:
        sk["v", vid] = q("INSERT INTO dim.dim_vendedor (vendedor_id, nome, equipe_id, equipe_sk, inserted_run_id)"
                         " VALUES (%s, %s, %s, %s, %s) RETURNING vendedor_sk",
                         (vid, name, tid, sk["t", tid], run_id)).fetchone()[0]
    region_of_state = {s[0]: s[2] for s in STATES}
    for cid, name, city, uf in CUSTOMERS:
        rid = region_of_state[uf]
        sk["c", cid] = q("INSERT INTO dim.dim_cliente (cliente_id, nome, cidade, uf, regiao_id, regiao_sk,"
                         " inserted_run_id) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING cliente_sk",
                         (cid, name, city, uf, rid, sk["r", rid], run_id)).fetchone()[0]
    for pid, name, cat, price, cost in PRODUCTS:
        sk["p", pid] = q("INSERT INTO dim.dim_produto (produto_id, nome, categoria, preco_lista, custo_unitario,"
                         " inserted_run_id) VALUES (%s, %s, %s, %s, %s, %s) RETURNING produto_sk",
                         (pid, name, cat, price, cost, run_id)).fetchone()[0]
    for did, code, campaign in DISCOUNTS:
        sk["d", did] = q("INSERT INTO dim.dim_desconto (desconto_id, codigo, campanha, inserted_run_id)"
                         " VALUES (%s, %s, %s, %s) RETURNING desconto_sk", (did, code, campaign, run_id)).fetchone()[0]
    team_of = {s[0]: s[2] for s in SELLERS}
    orders = {o[0]: o for o in ORDERS}
    for item_id, order_id, ln, product_id, line_seller, qty, price, unit_cost, disc, ret in ITEMS:
        _, customer_id, order_seller, status, day, discount_id = orders[order_id]
        if customer_id is not None and ("c", customer_id) not in sk:  # inferred member
            sk["c", customer_id] = q("INSERT INTO dim.dim_cliente (cliente_id, nome, inferido, inserted_run_id)"
                                     " VALUES (%s, 'Não informado (inferido)', true, %s) RETURNING cliente_sk",
                                     (customer_id, run_id)).fetchone()[0]
        cliente_sk = sk["c", customer_id] if customer_id else -1
        regiao_sk = q("SELECT regiao_sk FROM dim.dim_cliente WHERE cliente_sk = %s", (cliente_sk,)).fetchone()[0]
        seller = line_seller or order_seller
        vendedor_sk = sk["v", seller] if seller else -1
        equipe_sk = sk["t", team_of[seller]] if seller else -1
        produto_sk = sk["p", product_id] if product_id else -1
        desconto_sk = sk["d", discount_id] if discount_id else -1
        gross, cost = qty * price, qty * (unit_cost or D(0))
        data_sk = int(day.strftime("%Y%m%d"))
        q("INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk,"
          " vendedor_sk, equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida,"
          " quantidade_devolvida, preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total,"
          " inserted_run_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
          (item_id, order_id, ln, data_sk, cliente_sk, produto_sk, vendedor_sk, equipe_sk, regiao_sk, desconto_sk,
           status, status in CANCELLED, qty, ret, price, gross, disc, gross - disc, cost, run_id))
        if disc > 0:
            q("INSERT INTO fact.fact_descontos (item_pedido_id, pedido_id, desconto_sk, data_sk, cliente_sk,"
              " produto_sk, vendedor_sk, eh_cancelado, valor_bruto, valor_desconto_aplicado, valor_com_desconto,"
              " custo_total, inserted_run_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
              (item_id, order_id, desconto_sk, data_sk, cliente_sk, produto_sk, vendedor_sk, status in CANCELLED,
               gross, disc, gross - disc, cost, run_id))
    for seller, month, goal in TARGETS:
        q("INSERT INTO fact.fact_metas (vendedor_sk, mes_sk, equipe_sk, vendedor_id, mes, valor_meta, inserted_run_id)"
          " VALUES (%s, %s, %s, %s, %s, %s, %s)",
          (sk["v", seller], int(month.strftime("%Y%m%d")), sk["t", team_of[seller]], seller, month, goal, run_id))
    return run_id


def refresh_aggregates(conn, run_id: int, start: date = date(2023, 12, 1), end: date = date(2024, 3, 31)) -> None:
    conn.execute("CALL etl.refresh_agg_vendas_diarias(%s, %s, %s)", (run_id, start, end))
    # goal attainment (V070), as the loader does after the facts: the months of the days, and every new goal
    months = [date(y, m, 1) for y in range(start.year, end.year + 1) for m in range(1, 13)
              if start.replace(day=1) <= date(y, m, 1) <= end]
    conn.execute("CALL etl.refresh_agg_metas_mensais(%s, %s::date[])", (run_id, months))
