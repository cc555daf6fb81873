"""A small, hand-made shop for load tests: every row is known, so expected warehouse
numbers can be computed independently in Python from these lists."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import psycopg

SP = timezone(timedelta(hours=-3))  # America/Sao_Paulo has no DST since 2019

REGIONS = [("SE", "Sudeste"), ("S", "Sul"), ("NE", "Nordeste")]
STATES = [("SP", "São Paulo", "SE", 46000000), ("RJ", "Rio de Janeiro", "SE", 17000000),
          ("PR", "Paraná", "S", 11000000), ("BA", "Bahia", "NE", 14000000)]
TEAMS = [("T1", "Equipe Sudeste", "SE"), ("T2", "Equipe Sul", "S")]
SELLERS = [("S1", "Ana", "T1", "São Paulo", "SP"), ("S2", "Bruno", "T1", "Rio de Janeiro", "RJ"),
           ("S3", "Carla", "T2", "Curitiba", "PR")]
CUSTOMERS = [("C1", "Cliente 1", "São Paulo", "SP", "varejo"), ("C2", "Cliente 2", "Niterói", "RJ", "varejo"),
             ("C3", "Cliente 3", "Curitiba", "PR", "atacado"), ("C4", "Cliente 4", "Salvador", "BA", "varejo")]
PRODUCTS = [("P1", "Notebook", "informatica", 3000.00, 2100.00), ("P2", "Mouse", "informatica", 80.00, 30.00),
            ("P3", "Sofá", "moveis", 1500.00, 900.00), ("P4", "Livro", "livros", 50.00, 20.00)]
DISCOUNTS = [("D1", "BF10", "Black Friday", "percent", 10, date(2024, 11, 1), date(2024, 11, 30), 5000)]


def _orders():
    """10 days of orders; (order_id, customer, seller, status, ordered_at, discount, lines)."""
    orders = []
    n = 0
    for day in range(10):
        for k in range(3):
            n += 1
            customer = CUSTOMERS[(day + k) % 4][0]
            seller = SELLERS[(day * 3 + k) % 3][0]
            status = "canceled" if n % 11 == 0 else ("delivered" if day < 7 else "shipped")
            discount = "D1" if n % 4 == 0 else None
            ordered = datetime(2024, 11, 10 + day, 9 + 4 * k, 30, tzinfo=SP)
            lines = []
            for line in range(1 + n % 3):
                product = PRODUCTS[(n + line) % 4]
                qty = 1 + (n + line) % 3
                price = product[3]
                disc = round(qty * price * 0.10, 2) if discount else 0
                returned = 1 if (n + line) % 9 == 0 else 0
                lines.append((f"O{n:03d}-{line + 1}", line + 1, product[0], qty, price, product[4], disc, returned))
            orders.append((f"O{n:03d}", customer, seller, status, ordered, discount, lines))
    return orders


ORDERS = _orders()
TARGETS = [(s[0], date(2024, 11, 1), 20000 + 5000 * i) for i, s in enumerate(SELLERS)]


def fill(conn: psycopg.Connection) -> None:
    """Insert the whole small shop (as the shop's owner)."""
    with conn.transaction():
        conn.cursor().executemany("INSERT INTO shop.regions (region_id, name) VALUES (%s, %s)", REGIONS)
        conn.cursor().executemany("INSERT INTO shop.states (state, name, region_id, population) VALUES (%s, %s, %s, %s)", STATES)
        conn.cursor().executemany("INSERT INTO shop.teams (team_id, name, region_id) VALUES (%s, %s, %s)", TEAMS)
        conn.cursor().executemany("INSERT INTO shop.sellers (seller_id, name, team_id, city, state) VALUES (%s, %s, %s, %s, %s)", SELLERS)
        conn.cursor().executemany("INSERT INTO shop.customers (customer_id, name, city, state, segment) VALUES (%s, %s, %s, %s, %s)", CUSTOMERS)
        conn.cursor().executemany("INSERT INTO shop.products (product_id, name, category, list_price, unit_cost) VALUES (%s, %s, %s, %s, %s)", PRODUCTS)
        conn.cursor().executemany("INSERT INTO shop.discounts (discount_id, code, campaign, kind, value, valid_from, valid_to, campaign_cost)"
                                  " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", DISCOUNTS)
        for order_id, customer, seller, status, ordered, discount, lines in ORDERS:
            conn.execute("INSERT INTO shop.orders (order_id, customer_id, seller_id, status, ordered_at, discount_id)"
                         " VALUES (%s, %s, %s, %s, %s, %s)", (order_id, customer, seller, status, ordered, discount))
            for item_id, line, product, qty, price, cost, disc, returned in lines:
                conn.execute("INSERT INTO shop.order_items (order_item_id, order_id, line_number, product_id, quantity,"
                             " unit_price, unit_cost, discount_amount, returned_quantity, returned_at)"
                             " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                             (item_id, order_id, line, product, qty, price, cost, disc, returned,
                              ordered.date() + timedelta(days=5) if returned else None))
        conn.cursor().executemany("INSERT INTO shop.sales_targets (seller_id, month, target_amount) VALUES (%s, %s, %s)", TARGETS)


def expected_daily(orders=None) -> dict[date, dict]:
    """Per-day revenue, cost, quantity and order count of non-cancelled orders, from the lists above."""
    out: dict[date, dict] = {}
    for order_id, _c, _s, status, ordered, _d, lines in orders or ORDERS:
        if status in ("canceled", "unavailable"):
            continue
        day = out.setdefault(ordered.date(), {"receita": 0.0, "custo": 0.0, "quantidade": 0, "pedidos": set()})
        for _i, _l, _p, qty, price, cost, disc, _r in lines:
            day["receita"] += qty * price - disc
            day["custo"] += qty * cost
            day["quantidade"] += qty
        day["pedidos"].add(order_id)
    return {d: {"receita": round(v["receita"], 2), "custo": round(v["custo"], 2), "quantidade": v["quantidade"],
                "pedidos": len(v["pedidos"])} for d, v in out.items()}
