"""`harness oltp seed`: fill an empty shop with three years of realistic, deterministic data.

Same scale + seed + end date = identical table contents (created_at/updated_at aside):
everything comes from one `random.Random(seed)` consumed in a fixed order, ids are
sequence numbers ('C0000001', 'P00001', 'S0001', 'O00000001', '<order>-<line>') and
ordered_at is generated (Brasília time, written with its offset).

Scale 1 is about 1,000,000 order lines (~770k orders); scale 0.01 about 10k. Rows are
streamed with COPY month by month: only reference lists (products, sellers, the region
of each customer) and one month of orders are held in memory.

What makes it realistic (checked by tests/test_oltp_seed.py):
- orders per day follow a weekday pattern, 20 %/year growth and retail peaks (Black
  Friday week, December before Christmas, the ten days before Mother's Day);
- product popularity is Zipf-like (weight 1/(rank+4)^1.05, ranks shuffled);
- customers live in states drawn by population; orders mostly go to a seller of the
  customer's region; sellers sit in teams per region;
- list price and unit cost per product with a category margin; a line's unit_price is
  the list price with small variations (Black Friday week: -10 %);
- about 12 % of orders use a coupon of a campaign valid that day (discount_amount on
  their lines); about 3.5 % of delivered lines are returned later; about 4 % of orders
  are canceled; orders of the last ten days are still on their way (created ... shipped);
- monthly sales_targets per seller are the seller's realised net sales times 0.85-1.2.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from typing import Callable

from harness import db
from harness.errors import HarnessError
from harness.oltp import reference as ref
from harness.oltp.shopdb import copy_rows, nonempty_tables, truncate_all

DEFAULT_END_DATE = dt.date(2025, 12, 31)
YEARS = 3
LINES_PER_SCALE = 1_000_000
LINES_PER_ORDER = ((1, 0.80), (2, 0.13), (3, 0.05), (4, 0.02))
AVG_LINES = sum(n * p for n, p in LINES_PER_ORDER)
QUANTITIES = ((1, 0.86), (2, 0.10), (3, 0.04))
CANCEL_RATE = 0.04
RETURN_RATE = 0.035
COUPON_IN_CAMPAIGN = 0.28
COUPON_EVERGREEN = 0.06

Progress = Callable[[int, int], None]


@dataclass
class SeedResult:
    scale: float
    seed: int
    start_date: dt.date
    end_date: dt.date
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def sizes(scale: float) -> dict[str, int]:
    """How many rows of each kind a scale asks for."""
    if not (0 < scale <= 20):
        raise HarnessError(f"scale must be > 0 and <= 20 (1 = about a million order lines), got {scale}")
    orders = max(20, round(LINES_PER_SCALE * scale / AVG_LINES))
    return {
        "orders": orders,
        "customers": max(20, round(orders * 0.3)),
        "products": max(50, min(99_999, round(20_000 * scale ** 0.75))),
        "sellers": max(15, min(9_999, round(300 * scale ** 0.5))),
    }


def order_id(n: int) -> str:
    return f"O{n:08d}"


def customer_id(n: int) -> str:
    return f"C{n:07d}"


def product_id(n: int) -> str:
    return f"P{n:05d}"


def seller_id(n: int) -> str:
    return f"S{n:04d}"


def ts(day: dt.date, second_of_day: int) -> str:
    """A Brasília-time timestamp literal with its offset (deterministic whatever the server's TimeZone)."""
    h, rest = divmod(second_of_day, 3600)
    return f"{day.isoformat()} {h:02d}:{rest // 60:02d}:{rest % 60:02d}-03"


def cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


def pick(rng: random.Random, cum: list[float]) -> int:
    """Index drawn with the weights whose running sums are `cum`."""
    return bisect.bisect_right(cum, rng.random() * cum[-1])


def seed(scale: float = 0.01, seed: int = 42, *, end_date: dt.date = DEFAULT_END_DATE, replace: bool = False,
         progress: Progress | None = None, years: int = YEARS) -> SeedResult:
    """Generate the whole shop in one transaction; refuse a non-empty shop unless replace.
    years: length of the history (the scale's orders spread over it: fewer years, busier days)."""
    import time

    if not 1 <= years <= 10:
        raise HarnessError(f"years must be between 1 and 10, got {years}")
    started = time.perf_counter()
    n = sizes(scale)
    start_date = dt.date(end_date.year - years, end_date.month, end_date.day) + dt.timedelta(days=1)
    result = SeedResult(scale, seed, start_date, end_date)
    rng = random.Random(seed)
    with db.connect("oltp", "owner") as conn:
        existing = nonempty_tables(conn)
        if existing and not replace:
            raise HarnessError(f"the shop already holds data ({', '.join(existing)}); "
                               "use --replace to empty it and generate again")
        if existing:
            truncate_all(conn)
        conn.execute("SET LOCAL synchronous_commit = off")
        with conn.cursor() as cur:
            gen = _Generator(rng, n, start_date, end_date, cur, result, progress)
            gen.run()
        conn.commit()
        # a live shop is analyzed by autovacuum; a freshly generated one must be too, or the first
        # queries against it (the first load, the reconciliation) are planned on empty statistics
        conn.execute("ANALYZE")
        conn.commit()
    result.seconds = time.perf_counter() - started
    return result


class _Generator:
    def __init__(self, rng, n, start, end, cur, result, progress):
        self.rng, self.n, self.start, self.end, self.cur = rng, n, start, end, cur
        self.result, self.progress = result, progress

    def copy(self, table, columns, rows):
        self.result.rows[table] = self.result.rows.get(table, 0) + copy_rows(self.cur, table, columns, rows)

    def run(self) -> None:
        self.reference()
        self.sellers_and_teams()
        self.customers()
        self.products()
        self.discounts()
        self.orders()
        self.targets()

    # ------------------------------------------------------------ reference
    def reference(self) -> None:
        self.copy("regions", ("region_id", "name"), ref.REGIONS.items())
        self.copy("states", ("state", "name", "region_id", "population"),
                  ((uf, name, region, pop) for uf, (name, region, pop, _) in ref.STATES.items()))
        self.state_codes = list(ref.STATES)
        self.state_cum = cumulative(ref.STATES[uf][2] for uf in self.state_codes)
        self.region_codes = list(ref.REGIONS)

    def person(self) -> str:
        rng = self.rng
        return f"{rng.choice(ref.FIRST_NAMES)} {rng.choice(ref.LAST_NAMES)} {rng.choice(ref.LAST_NAMES)}"

    # ------------------------------------------------------------ sellers
    def sellers_and_teams(self) -> None:
        rng, total = self.rng, self.n["sellers"]
        region_pop = {r: sum(p for _, reg, p, _ in ref.STATES.values() if reg == r) for r in ref.REGIONS}
        all_pop = sum(region_pop.values())
        per_region = {r: max(2, round(total * region_pop[r] / all_pop)) for r in ref.REGIONS}
        teams, sellers = [], []
        self.seller_region: list[int] = []
        self.seller_weight: list[float] = []
        number = 0
        for r_index, region in enumerate(self.region_codes):
            n_teams = max(1, round(per_region[region] / 12))
            team_ids = []
            for t in range(1, n_teams + 1):
                team_id = f"T{region}{t:02d}"
                teams.append((team_id, ref.region_team_name(region, t if n_teams > 1 else None), region))
                team_ids.append(team_id)
            states = [uf for uf in self.state_codes if ref.STATES[uf][1] == region]
            for i in range(per_region[region]):
                number += 1
                uf = rng.choice(states)
                hired = self.start - dt.timedelta(days=rng.randrange(30, 5 * 365))
                sellers.append((seller_id(number), self.person(), team_ids[i % n_teams],
                                rng.choice(ref.STATES[uf][3]), uf, hired))
                self.seller_region.append(r_index)
                self.seller_weight.append(rng.lognormvariate(0, 0.5))
        self.copy("teams", ("team_id", "name", "region_id"), teams)
        self.copy("sellers", ("seller_id", "name", "team_id", "city", "state", "hired_on"), sellers)
        self.seller_cum = cumulative(self.seller_weight)
        self.region_sellers = []
        for r_index in range(len(self.region_codes)):
            members = [i for i, r in enumerate(self.seller_region) if r == r_index]
            self.region_sellers.append((members, cumulative(self.seller_weight[i] for i in members)))

    # ------------------------------------------------------------ customers
    def customers(self) -> None:
        rng = self.rng
        self.customer_region = bytearray(self.n["customers"])
        region_index = {r: i for i, r in enumerate(self.region_codes)}
        seg_names = [s for s, _ in ref.SEGMENTS]
        seg_cum = cumulative(w for _, w in ref.SEGMENTS)

        def rows():
            for i in range(self.n["customers"]):
                uf = self.state_codes[pick(rng, self.state_cum)]
                name, region, _, cities = ref.STATES[uf]
                self.customer_region[i] = region_index[region]
                city = cities[0] if rng.random() < 0.55 else rng.choice(cities)
                yield (customer_id(i + 1), None, self.person(), city, uf, seg_names[pick(rng, seg_cum)])

        self.copy("customers", ("customer_id", "customer_unique_id", "name", "city", "state", "segment"), rows())

    # ------------------------------------------------------------ products
    def products(self) -> None:
        rng, count = self.rng, self.n["products"]
        cats = list(ref.CATEGORIES)
        cat_cum = cumulative(ref.CATEGORY_WEIGHTS[c] for c in cats)
        self.product_price: list[float] = []
        self.product_cost: list[float] = []

        def rows():
            for i in range(count):
                cat = cats[pick(rng, cat_cum)]
                subs, median, margin = ref.CATEGORIES[cat]
                sub = rng.choice(subs)
                price = round(max(4.9, median * rng.lognormvariate(0, 0.45)), 1) - 0.01
                price = round(price, 2)
                cost = round(price * (1 - margin * rng.uniform(0.7, 1.3)), 2)
                self.product_price.append(price)
                self.product_cost.append(cost)
                name = f"{sub} {rng.choice(ref.PRODUCT_ADJECTIVES)} {rng.randrange(100, 1000)}"
                yield (product_id(i + 1), name, cat, sub, price, cost)

        self.copy("products", ("product_id", "name", "category", "subcategory", "list_price", "unit_cost"), rows())
        ranks = list(range(count))
        rng.shuffle(ranks)  # popularity rank of each product: Zipf-like weights 1/(rank+4)^1.05
        self.product_cum = cumulative(1 / (ranks[i] + 4) ** 1.05 for i in range(count))

    # ------------------------------------------------------------ discounts
    def discounts(self) -> None:
        rng = self.rng
        rows = []
        code, campaign, kind, value = ref.EVERGREEN_COUPON
        rows.append(("D0001", code, campaign, kind, value, self.start, None, round(rng.uniform(2000, 8000), 2)))
        for year in range(self.start.year, self.end.year + 1):
            for code, campaign, kind, value, valid_from, valid_to in ref.campaigns(year):
                if valid_to < self.start or valid_from > self.end:
                    continue
                rows.append((f"D{len(rows) + 1:04d}", code, campaign, kind, value, valid_from, valid_to,
                             round(rng.uniform(5000, 40000), 2)))
        self.copy("discounts", ("discount_id", "code", "campaign", "kind", "value", "valid_from", "valid_to",
                                "campaign_cost"), rows)
        self.discount_rows = rows

    def active_coupons(self, day: dt.date) -> list[tuple]:
        return [r for r in self.discount_rows[1:] if r[5] <= day <= r[6]]

    # ------------------------------------------------------------ orders and lines
    def status_for(self, age: int) -> str:
        rng = self.rng
        if rng.random() < CANCEL_RATE:
            return "canceled"
        if age <= 0:
            return "created" if rng.random() < 0.5 else "approved"
        if age == 1:
            return rng.choice(("approved", "invoiced", "processing"))
        if age <= 3:
            return "processing" if rng.random() < 0.4 else "shipped"
        if age <= 11:
            return "delivered" if rng.random() < (age - 3) / 8 else "shipped"
        return "delivered"

    def orders(self) -> None:
        rng, start, end = self.rng, self.start, self.end
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        weights = [ref.day_weight(d, start) for d in days]
        total_weight = sum(weights)
        total_orders = self.n["orders"]
        hour_cum = cumulative(ref.HOUR_WEIGHTS)
        lines_n = [n for n, _ in LINES_PER_ORDER]
        lines_cum = cumulative(p for _, p in LINES_PER_ORDER)
        qty_n = [n for n, _ in QUANTITIES]
        qty_cum = cumulative(p for _, p in QUANTITIES)
        n_customers = self.n["customers"]
        self.sales: dict[tuple[int, int], float] = {}  # (seller index, month index) -> net sales
        order_no = 0
        running = 0.0
        emitted = 0
        month_orders: list[tuple] = []
        month_lines: list[tuple] = []

        def flush():
            self.copy("orders", ("order_id", "customer_id", "seller_id", "status", "ordered_at", "discount_id"),
                      month_orders)
            self.copy("order_items", ("order_item_id", "order_id", "line_number", "product_id", "seller_id",
                                      "quantity", "unit_price", "unit_cost", "discount_amount", "freight_value",
                                      "returned_quantity", "returned_at"), month_lines)
            month_orders.clear()
            month_lines.clear()
            if self.progress:
                self.progress(order_no, total_orders)

        for day, weight in zip(days, weights):
            running += total_orders * weight / total_weight
            count = round(running) - emitted
            emitted += count
            age = (end - day).days
            month_index = (day.year - start.year) * 12 + day.month - start.month
            coupons = self.active_coupons(day)
            bf = ref.black_friday(day.year)
            bf_week = -7 <= (day - bf).days <= 3
            for _ in range(count):
                order_no += 1
                oid = order_id(order_no)
                second = pick(rng, hour_cum) * 3600 + rng.randrange(3600)
                cust = int(n_customers * rng.random() ** 1.3)  # early customers come back more often
                region = self.customer_region[cust]
                if rng.random() < 0.85:
                    members, cum = self.region_sellers[region]
                    seller = members[pick(rng, cum)]
                else:
                    seller = pick(rng, self.seller_cum)
                status = self.status_for(age)
                coupon = None
                u = rng.random()
                if coupons and u < COUPON_IN_CAMPAIGN:
                    coupon = coupons[int(u / COUPON_IN_CAMPAIGN * len(coupons))]
                elif u > 1 - COUPON_EVERGREEN:
                    coupon = self.discount_rows[0]
                lines = []
                for line in range(1, lines_n[pick(rng, lines_cum)] + 1):
                    p = pick(rng, self.product_cum)
                    qty = qty_n[pick(rng, qty_cum)]
                    price = self.product_price[p]
                    if bf_week:
                        price *= 0.9
                    elif rng.random() < 0.35:
                        price *= rng.uniform(0.92, 1.05)
                    price = round(price, 2)
                    line_seller = seller_id(pick(rng, self.seller_cum) + 1) if rng.random() < 0.05 else None
                    freight = round(7.9 + 0.04 * price * qty + rng.uniform(0, 18), 2)
                    lines.append([f"{oid}-{line}", oid, line, product_id(p + 1), line_seller, qty, price,
                                  self.product_cost[p], 0.0, freight, 0, None])
                gross = sum(ln[5] * ln[6] for ln in lines)
                if coupon is not None and coupon[3] == "fixed" and gross < 3 * coupon[4]:
                    coupon = None  # fixed coupons need a minimum basket
                if coupon is not None:
                    for ln in lines:
                        value = ln[5] * ln[6]
                        if coupon[3] == "percent":
                            ln[8] = round(value * coupon[4] / 100, 2)
                        else:
                            ln[8] = min(round(coupon[4] * value / gross, 2), round(value, 2))
                net = 0.0
                for ln in lines:
                    if status == "delivered" and rng.random() < RETURN_RATE:
                        returned_at = day + dt.timedelta(days=rng.randrange(6, 35))
                        if returned_at <= end:
                            ln[10] = rng.randint(1, ln[5])
                            ln[11] = returned_at
                    net += ln[5] * ln[6] - ln[8]
                    month_lines.append(ln)
                if status != "canceled":
                    key = (seller, month_index)
                    self.sales[key] = self.sales.get(key, 0.0) + net
                month_orders.append((oid, customer_id(cust + 1), seller_id(seller + 1), status, ts(day, second),
                                     coupon[0] if coupon else None))
            if day == end or (day + dt.timedelta(days=1)).day == 1:
                flush()
        self.months = (end.year - start.year) * 12 + end.month - start.month + 1

    # ------------------------------------------------------------ targets
    def targets(self) -> None:
        rng = self.rng

        def rows():
            for s in range(len(self.seller_region)):
                for m in range(self.months):
                    year, month0 = divmod(self.start.month - 1 + m, 12)
                    month = dt.date(self.start.year + year, month0 + 1, 1)
                    realised = self.sales.get((s, m), 0.0)
                    target = max(100.0, round(realised * rng.uniform(0.85, 1.2), -1))
                    yield (seller_id(s + 1), month, target)

        self.copy("sales_targets", ("seller_id", "month", "target_amount"), rows())
