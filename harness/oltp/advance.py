"""`harness oltp advance`: play the shop forward day by day, messy parts included.

Each day (one transaction, Brasília calendar) after the last order date (or from
`date`), with `random.Random(f"{seed}|{day}")`, in this order:

1. late customers: customers that orders of an earlier advanced day already reference
   (generated ids only) are inserted now;
2. new customers and new products (ids continue the generated sequences);
3. price changes: a few products get a new list_price and unit_cost (lines already sold
   keep theirs; the day's new lines use the new ones); then tracked (type-2) changes: a few
   customers move (state and city), products are re-categorised (category and subcategory),
   sellers change team, each written with an explicit updated_at, its effective time: the
   day itself, or for about a third of them (at least one a day) an earlier day, late-recorded
   (recorded now, effective 1-30 days or 1-13 months back; team changes 1-14 days back);
4. hard deletes of earlier orders: one line of a multi-line order, and one whole order
   with its lines (the shop's trigger writes tombstones in shop.deleted_rows);
5. cancellations of earlier orders not yet shipped; status progression of the other
   open earlier orders by age (created -> approved -> ... -> delivered);
6. returns of lines of earlier delivered orders (returned_quantity, returned_at = day);
7. new orders and lines of the day (volume: the last 28 days' average, weekday and
   calendar effects), a minority with a coupon valid that day; one order names a customer
   inserted only the next advanced day, if it is run within a week (late-arriving row); one order and its
   lines are written with an explicit updated_at BEFORE the latest updated_at already in
   the shop (a late commit: the trigger keeps an explicit value), likewise one status
   change of an earlier order;
8. with `bad_rows` > 0, rows legal in the shop but wrong for analytics, at least one of
   each kind: quantity <= 0, negative unit_price, unknown status 'lost_in_space', a line
   naming a product that does not exist, a duplicate line (same order_id and line_number,
   another order_item_id).

Before the first of these steps, every seller without a goal for the day's month gets one
(`month_targets`: the shop's goals follow the calendar, as the seed's do).

Returns the counts of what it did; every count can be checked against the tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Callable

import psycopg

from harness import db
from harness.errors import HarnessError
from harness.oltp import reference as ref
from harness.oltp.seed import (LINES_PER_ORDER, QUANTITIES, cumulative, customer_id, order_id, pick,
                               product_id, ts)
from harness.oltp.shopdb import copy_rows

TZ = "America/Sao_Paulo"
BAD_KINDS = ("quantity_not_positive", "negative_price", "unknown_status", "unknown_product", "duplicate_line")
OPEN_STATUSES = ("created", "approved", "invoiced", "processing", "shipped")
ORDER_COLUMNS = ("order_id", "customer_id", "seller_id", "status", "ordered_at", "discount_id", "updated_at")
LINE_COLUMNS = ("order_item_id", "order_id", "line_number", "product_id", "seller_id", "quantity", "unit_price",
                "unit_cost", "discount_amount", "freight_value", "returned_quantity", "returned_at", "updated_at")
TRACKED_KINDS = ("customers_moved", "products_recategorised", "sellers_transferred")
SUMMARY_KEYS = ("days", "late_customers_inserted", "customers_inserted", "products_inserted", "price_changes",
                *TRACKED_KINDS, *(f"{k}_backdated" for k in TRACKED_KINDS),
                "lines_deleted", "orders_deleted", "lines_deleted_with_orders", "cancellations", "status_changes",
                "returns", "orders_inserted", "lines_inserted", "orders_with_late_customer", "late_rows",
                "targets_inserted",
                *(f"bad_{k}" for k in BAD_KINDS))

Progress = Callable[[int, int], None]


def status_for_age(age: int, rng: random.Random) -> str:
    """Where an open order should be after `age` days."""
    if age <= 0:
        return "created"
    if age == 1:
        return "invoiced"
    if age == 2:
        return "processing"
    if age <= 4:
        return "shipped"
    return "delivered" if age >= 10 or rng.random() < 0.35 else "shipped"


def _stable_rank(key: str) -> int:
    return int(hashlib.md5(key.encode()).hexdigest()[:8], 16)


def last_order_day(conn: psycopg.Connection) -> dt.date | None:
    return conn.execute(f"SELECT (max(ordered_at) AT TIME ZONE '{TZ}')::date FROM shop.orders").fetchone()[0]


def _max_number(conn, query: str) -> int:
    return conn.execute(query).fetchone()[0] or 0


def _last_generated(conn, table: str, column: str, prefix: str, width: int) -> int:
    """Highest number of a generated id ('C0000042' -> 42; prefix 'C', zero-padded to width 7).

    Usually a backward primary-key index scan that stops at the first id of exactly `width` digits
    (zero-padded, so text order = number order there). Once every width-digit number is used (scale 10
    generates P00000..P99999), the next ids are wider ('P100000'), which sort among the narrower ones as
    text; only then are the wider ids searched, by their numeric value (a scan of the table)."""
    exact = f"^{prefix}([0-9]{{{width}}})$"
    row = conn.execute(f"SELECT substring({column} FROM '{exact}')::bigint FROM shop.{table} "
                       f"WHERE {column} ~ '{exact}' ORDER BY {column} DESC LIMIT 1").fetchone()
    last = row[0] if row else 0
    if last == 10 ** width - 1:
        wider = f"^{prefix}([0-9]{{{width + 1},}})$"
        row = conn.execute(f"SELECT max(substring({column} FROM '{wider}')::bigint) FROM shop.{table} "
                           f"WHERE {column} ~ '{wider}'").fetchone()
        last = max(last, row[0] or 0)
    return last


def advance(days: int = 1, date: dt.date | None = None, bad_rows: float = 0.0, seed: int = 0,
            progress: Progress | None = None) -> dict:
    """Advance the shop `days` days from `date` (default: the day after the last order)."""
    if days < 1 or days > 366:
        raise HarnessError(f"days must be between 1 and 366, got {days}")
    if not (0 <= bad_rows <= 0.5):
        raise HarnessError(f"bad-rows rate must be between 0 and 0.5, got {bad_rows}")
    summary = dict.fromkeys(SUMMARY_KEYS, 0)
    with db.connect("oltp", "owner") as conn:
        last = last_order_day(conn)
        if date is None:
            if last is None:
                raise HarnessError("the shop has no orders: run `harness oltp seed` first, or give --date")
            date = last + dt.timedelta(days=1)
        if not conn.execute("SELECT EXISTS (SELECT 1 FROM shop.sellers)").fetchone()[0]:
            raise HarnessError("the shop has no sellers: run `harness oltp seed` or `harness oltp import-olist` first")
        customers = [r[0] for r in conn.execute("SELECT customer_id FROM shop.customers ORDER BY customer_id")]
        conn.commit()
        for i in range(days):
            day = date + dt.timedelta(days=i)
            summary["targets_inserted"] += month_targets(conn, day, seed)
            _Day(conn, day, random.Random(f"{seed}|{day.isoformat()}"), bad_rows, customers, summary).run()
            conn.commit()
            summary["days"] += 1
            if progress:
                progress(i + 1, days)
    summary["first_day"] = date.isoformat()
    summary["last_day"] = (date + dt.timedelta(days=days - 1)).isoformat()
    return summary


def month_targets(conn: psycopg.Connection, day: dt.date, seed: int) -> int:
    """Goals (shop.sales_targets) of `day`'s month for every seller that has none yet; their count.

    Like the seed's, a goal follows the seller's realised sales: the average monthly net sales
    (non-cancelled lines) of the three months before, times 0.95-1.15, rounded to R$ 10, at least
    R$ 100; a seller with no sales then gets the average of that month's other goals. Its own random
    stream (seed | month), so the day's other steps draw what they drew before."""
    month = day.replace(day=1)
    missing = [r[0] for r in conn.execute(
        "SELECT s.seller_id FROM shop.sellers s WHERE NOT EXISTS (SELECT 1 FROM shop.sales_targets t "
        "WHERE t.seller_id = s.seller_id AND t.month = %s) ORDER BY 1", (month,))]
    if not missing:
        return 0
    start = (month - dt.timedelta(days=1)).replace(day=1)
    for _ in range(2):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    realised = dict(conn.execute(
        f"SELECT coalesce(i.seller_id, o.seller_id), sum(i.quantity * i.unit_price - i.discount_amount) / 3 "
        f"FROM shop.orders o JOIN shop.order_items i USING (order_id) "
        f"WHERE o.status NOT IN ('canceled', 'unavailable') "
        f"AND o.ordered_at >= (%s::date)::timestamp AT TIME ZONE '{TZ}' "
        f"AND o.ordered_at < (%s::date)::timestamp AT TIME ZONE '{TZ}' GROUP BY 1", (start, month)).fetchall())
    fallback = conn.execute("SELECT avg(target_amount) FROM shop.sales_targets WHERE month = %s",
                            (start,)).fetchone()[0]
    rng = random.Random(f"{seed}|targets|{month.isoformat()}")
    rows = []
    for seller in missing:
        base = float(realised.get(seller) or 0) or float(fallback or 0) or 1000.0
        rows.append((seller, month, max(100.0, round(base * rng.uniform(0.95, 1.15), -1))))
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO shop.sales_targets (seller_id, month, target_amount) VALUES (%s, %s, %s) "
                        "ON CONFLICT (seller_id, month) DO NOTHING", rows)
    return len(rows)


class _Day:
    def __init__(self, conn, day, rng, bad_rate, customers, summary):
        self.conn, self.day, self.rng, self.bad_rate = conn, day, rng, bad_rate
        self.customers, self.s = customers, summary

    def q(self, query, params=None):
        return self.conn.execute(query, params)

    def run(self) -> None:
        day = self.day
        # the latest updated_at committed before today: late rows are written just before it
        self.max_updated = self.q("SELECT greatest((SELECT max(updated_at) FROM shop.orders), "
                                  "(SELECT max(updated_at) FROM shop.order_items))").fetchone()[0]
        self.day_start = f"{day.isoformat()} 00:00:00-03"
        self.late_customers()
        self.new_customers()
        self.new_products()
        self.load_products()
        self.price_changes()
        self.tracked_changes()
        self.deletes()
        self.cancel_and_progress()
        self.returns()
        self.new_orders()

    # ------------------------------------------------------------ 1, 2: customers
    def customer_row(self, cid: str) -> tuple:
        rng = self.rng
        uf = ref.pick_state(rng)
        cities = ref.STATES[uf][3]
        seg = ref.SEGMENTS[pick(rng, cumulative(w for _, w in ref.SEGMENTS))][0]
        name = f"{rng.choice(ref.FIRST_NAMES)} {rng.choice(ref.LAST_NAMES)} {rng.choice(ref.LAST_NAMES)}"
        return (cid, None, name, rng.choice(cities), uf, seg)

    def late_customers(self) -> None:
        missing = [r[0] for r in self.q(
            "SELECT DISTINCT o.customer_id FROM shop.orders o WHERE o.customer_id ~ '^C[0-9]{7}$' "
            "AND o.ordered_at >= %s::timestamptz - interval '7 days' "
            "AND NOT EXISTS (SELECT 1 FROM shop.customers c WHERE c.customer_id = o.customer_id) "
            "ORDER BY 1", (self.day_start,))]
        self.insert_customers(missing)
        self.s["late_customers_inserted"] += len(missing)

    def insert_customers(self, ids) -> None:
        if ids:
            with self.conn.cursor() as cur:
                copy_rows(cur, "customers", ("customer_id", "customer_unique_id", "name", "city", "state", "segment"),
                          [self.customer_row(c) for c in ids])
            self.customers.extend(ids)

    def next_customer_number(self) -> int:
        # late customers of earlier days were inserted first thing today, so the customers
        # table alone knows the highest number in use
        return _last_generated(self.conn, "customers", "customer_id", "C", 7) + 1

    def new_customers(self) -> None:
        self.orders_today = self.daily_volume()
        first = self.next_customer_number()
        count = max(1, round(self.orders_today * 0.25))
        self.new_customer_ids = [customer_id(first + k) for k in range(count)]
        self.insert_customers(self.new_customer_ids)
        self.s["customers_inserted"] += count

    def daily_volume(self) -> int:
        recent = self.q("SELECT count(*) FROM shop.orders WHERE ordered_at >= %s::timestamptz - interval '28 days' "
                        "AND ordered_at < %s::timestamptz", (self.day_start, self.day_start)).fetchone()[0]
        base = recent / 28 if recent else 20
        weekday = ref.WEEKDAY_WEIGHTS[self.day.weekday()] / (sum(ref.WEEKDAY_WEIGHTS) / 7)
        season = ref.day_weight(self.day, self.day) / ref.WEEKDAY_WEIGHTS[self.day.weekday()]
        return max(3, round(base * weekday * season * self.rng.uniform(0.9, 1.1)))

    # ------------------------------------------------------------ 2, 3: products
    def new_products(self) -> None:
        rng = self.rng
        first = _last_generated(self.conn, "products", "product_id", "P", 5) + 1
        rows = []
        cats = list(ref.CATEGORIES)
        for k in range(rng.randint(1, 3)):
            cat = rng.choice(cats)
            subs, median, margin = ref.CATEGORIES[cat]
            sub = rng.choice(subs)
            price = round(max(4.9, median * rng.lognormvariate(0, 0.45)), 1) - 0.01
            rows.append((product_id(first + k), f"{sub} {rng.choice(ref.PRODUCT_ADJECTIVES)} {rng.randrange(100, 1000)}",
                         cat, sub, round(price, 2), round(price * (1 - margin), 2)))
        with self.conn.cursor() as cur:
            copy_rows(cur, "products", ("product_id", "name", "category", "subcategory", "list_price", "unit_cost"), rows)
        self.s["products_inserted"] += len(rows)

    def load_products(self) -> None:
        rows = self.q("SELECT product_id, list_price::float8, unit_cost::float8 FROM shop.products "
                      "WHERE list_price > 0 ORDER BY product_id").fetchall()
        if not rows:
            raise HarnessError("the shop has no priced products")
        self.products = {pid: [price, cost] for pid, price, cost in rows}
        ranked = sorted(self.products, key=_stable_rank)  # stable popularity order, independent of ids
        self.product_ids = ranked
        self.product_cum = cumulative(1 / (r + 4) ** 1.05 for r in range(len(ranked)))

    def price_changes(self) -> None:
        rng = self.rng
        count = max(1, round(len(self.product_ids) * 0.003))
        changes = []
        for pid in rng.sample(sorted(self.products), count):
            price, cost = self.products[pid]
            new_price = round(price * rng.uniform(0.9, 1.15), 2)
            if new_price == price:
                new_price = round(price + 0.5, 2)
            new_cost = round((cost if cost is not None else price * 0.6) * rng.uniform(0.95, 1.1), 2)
            self.products[pid] = [new_price, new_cost]
            changes.append((new_price, new_cost, pid))
        with self.conn.cursor() as cur:
            cur.executemany("UPDATE shop.products SET list_price = %s, unit_cost = %s WHERE product_id = %s", changes)
        self.s["price_changes"] += len(changes)

    # ------------------------------------------------------------ 3: tracked (type-2) changes
    # a share of the day's tracked changes is backdated (late-recorded); backdating range per kind,
    # in days: a seller sells every day, so a team change backdated by months would re-bind months of
    # sales at every load: team changes stay within two weeks
    BACKDATED_SHARE = 0.35
    BACKDATE_DAYS = {"customers_moved": ((1, 30), (31, 400)), "products_recategorised": ((1, 30), (31, 400)),
                     "sellers_transferred": ((1, 14),)}

    def effective_stamps(self, kind: str, count: int, force_backdated: bool) -> list[tuple[str, bool]]:
        """(updated_at literal, backdated?) for `count` changes of a kind: the day at a business hour,
        or an earlier day (BACKDATE_DAYS) for about BACKDATED_SHARE of them; the first one is
        backdated when `force_backdated`."""
        rng, out = self.rng, []
        for k in range(count):
            second = rng.randrange(8 * 3600, 19 * 3600)
            if (k == 0 and force_backdated) or rng.random() < self.BACKDATED_SHARE:
                low, high = rng.choice(self.BACKDATE_DAYS[kind])
                out.append((ts(self.day - dt.timedelta(days=rng.randint(low, high)), second), True))
            else:
                out.append((ts(self.day, second), False))
        return out

    def tracked_changes(self) -> None:
        rng = self.rng
        moves = max(2, round(self.orders_today * 0.01))
        recategorised = max(1, round(len(self.products) * 0.0005))
        teams = [r[0] for r in self.q("SELECT team_id FROM shop.teams ORDER BY team_id")]
        sellers = self.q("SELECT seller_id, team_id FROM shop.sellers ORDER BY seller_id").fetchall()
        transfers = max(1, round(len(sellers) * 0.005)) if len(teams) > 1 else 0
        # one backdated change a day at least: the first customer move, when chance gave none
        plan = {"customers_moved": self.effective_stamps("customers_moved", moves, False),
                "products_recategorised": self.effective_stamps("products_recategorised", recategorised, False),
                "sellers_transferred": self.effective_stamps("sellers_transferred", transfers, False)}
        if not any(b for stamps in plan.values() for _, b in stamps):
            plan["customers_moved"][0] = self.effective_stamps("customers_moved", 1, True)[0]

        picked = rng.sample(self.customers, min(moves, len(self.customers)))
        current = dict(self.q("SELECT customer_id, state FROM shop.customers WHERE customer_id = ANY(%s)",
                              (picked,)).fetchall())
        rows = []
        for cid, (stamp, backdated) in zip([c for c in picked if c in current], plan["customers_moved"]):
            uf = ref.pick_state(rng)
            while uf == current[cid]:
                uf = ref.pick_state(rng)
            rows.append((uf, rng.choice(ref.STATES[uf][3]), stamp, cid, backdated))
        self.write_tracked("customers_moved", "UPDATE shop.customers SET state = %s, city = %s, updated_at = %s "
                                              "WHERE customer_id = %s", rows)

        cats = list(ref.CATEGORIES)
        picked = rng.sample(sorted(self.products), min(recategorised, len(self.products)))
        current = dict(self.q("SELECT product_id, category FROM shop.products WHERE product_id = ANY(%s)",
                              (picked,)).fetchall())
        rows = []
        for pid, (stamp, backdated) in zip(picked, plan["products_recategorised"]):
            cat = rng.choice([c for c in cats if c != current.get(pid)])
            rows.append((cat, rng.choice(ref.CATEGORIES[cat][0]), stamp, pid, backdated))
        self.write_tracked("products_recategorised", "UPDATE shop.products SET category = %s, subcategory = %s, "
                                                     "updated_at = %s WHERE product_id = %s", rows)

        rows = []
        for (sid, team), (stamp, backdated) in zip(rng.sample(sellers, min(transfers, len(sellers))),
                                                  plan["sellers_transferred"]):
            rows.append((rng.choice([t for t in teams if t != team]), stamp, sid, backdated))
        self.write_tracked("sellers_transferred", "UPDATE shop.sellers SET team_id = %s, updated_at = %s "
                                                  "WHERE seller_id = %s", rows)

    def write_tracked(self, kind: str, statement: str, rows: list[tuple]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(statement, [r[:-1] for r in rows])
        self.s[kind] += len(rows)
        self.s[f"{kind}_backdated"] += sum(1 for r in rows if r[-1])

    # ------------------------------------------------------------ 4: deletes
    def deletes(self) -> None:
        rng = self.rng
        window = (self.day_start, self.day_start)
        multi = self.q("SELECT i.order_item_id FROM shop.order_items i JOIN shop.orders o USING (order_id) "
                       "WHERE o.ordered_at >= %s::timestamptz - interval '30 days' AND o.ordered_at < %s::timestamptz "
                       "AND i.line_number > 1 ORDER BY 1", window).fetchall()
        if multi:
            victim = rng.choice(multi)[0]
            self.q("DELETE FROM shop.order_items WHERE order_item_id = %s", (victim,))
            self.s["lines_deleted"] += 1
        orders = self.q("SELECT order_id FROM shop.orders WHERE ordered_at >= %s::timestamptz - interval '30 days' "
                        "AND ordered_at < %s::timestamptz ORDER BY 1", window).fetchall()
        if orders:
            victim = rng.choice(orders)[0]
            gone = self.q("DELETE FROM shop.order_items WHERE order_id = %s", (victim,)).rowcount
            self.q("DELETE FROM shop.orders WHERE order_id = %s", (victim,))
            self.s["orders_deleted"] += 1
            self.s["lines_deleted_with_orders"] += gone

    # ------------------------------------------------------------ 5: statuses
    def cancel_and_progress(self) -> None:
        rng = self.rng
        rows = self.q(f"SELECT order_id, status, (ordered_at AT TIME ZONE '{TZ}')::date FROM shop.orders "
                      "WHERE status = ANY(%s) AND ordered_at < %s::timestamptz ORDER BY order_id",
                      (list(OPEN_STATUSES), self.day_start)).fetchall()
        updates, late = [], None
        flow = ref.STATUS_FLOW
        for oid, status, ordered in rows:
            if status in ("created", "approved", "invoiced") and rng.random() < 0.03:
                updates.append(("canceled", oid))
                self.s["cancellations"] += 1
                continue
            target = status_for_age((self.day - ordered).days, rng)
            if flow.index(target) > flow.index(status):
                if late is None and self.max_updated is not None:
                    late = (target, oid)  # one status change committed late
                else:
                    updates.append((target, oid))
                self.s["status_changes"] += 1
        with self.conn.cursor() as cur:
            cur.executemany("UPDATE shop.orders SET status = %s WHERE order_id = %s", updates)
            if late:
                cur.execute("UPDATE shop.orders SET status = %s, updated_at = %s WHERE order_id = %s",
                            (late[0], self.late_stamp(), late[1]))
                self.s["late_rows"] += 1

    def late_stamp(self) -> dt.datetime:
        return self.max_updated - dt.timedelta(minutes=self.rng.randint(5, 90))

    # ------------------------------------------------------------ 6: returns
    def returns(self) -> None:
        rng = self.rng
        rows = self.q("SELECT i.order_item_id, i.quantity FROM shop.order_items i JOIN shop.orders o USING (order_id) "
                      "WHERE o.status = 'delivered' AND i.returned_quantity = 0 AND i.quantity > 0 "
                      "AND o.ordered_at >= %s::timestamptz - interval '60 days' AND o.ordered_at < %s::timestamptz "
                      "ORDER BY 1", (self.day_start, self.day_start)).fetchall()
        if not rows:
            return
        count = min(len(rows), max(1, round(self.orders_today * 1.3 * 0.035)))
        picked = rng.sample(rows, count)
        with self.conn.cursor() as cur:
            cur.executemany("UPDATE shop.order_items SET returned_quantity = %s, returned_at = %s "
                            "WHERE order_item_id = %s", [(rng.randint(1, q), self.day, oid) for oid, q in picked])
        self.s["returns"] += count

    # ------------------------------------------------------------ 7, 8: new orders
    def new_orders(self) -> None:
        rng, day = self.rng, self.day
        first = _last_generated(self.conn, "orders", "order_id", "O", 8) + 1
        # the numbering must not reuse a deleted order's id: tombstones remember them
        first = max(first, _max_number(self.conn, "SELECT max(substring(row_key FROM '^O([0-9]{8})$')::int) "
                                                  "FROM shop.deleted_rows WHERE table_name = 'orders'") + 1)
        sellers = [r[0] for r in self.q("SELECT seller_id FROM shop.sellers ORDER BY seller_id")]
        coupons = [r[0] for r in self.q(
            "SELECT discount_id FROM shop.discounts WHERE valid_from <= %s AND coalesce(valid_to, %s) >= %s "
            "ORDER BY discount_id", (day, day, day))]
        coupon_rows = {r[0]: (r[1], float(r[2])) for r in self.q("SELECT discount_id, kind, value FROM shop.discounts")}
        late_customer = customer_id(self.next_customer_number())
        hour_cum = cumulative(ref.HOUR_WEIGHTS)
        lines_cum = cumulative(p for _, p in LINES_PER_ORDER)
        qty_cum = cumulative(p for _, p in QUANTITIES)
        orders, lines = [], []
        n = self.orders_today
        late_order = rng.randrange(n)
        late_customer_order = (late_order + 1 + rng.randrange(n - 1)) % n if n > 1 else None
        for k in range(n):
            oid = order_id(first + k)
            if k == late_customer_order:
                cust = late_customer
                self.s["orders_with_late_customer"] += 1
            elif self.new_customer_ids and rng.random() < 0.3:
                cust = rng.choice(self.new_customer_ids)
            else:
                cust = rng.choice(self.customers)
            second = pick(rng, hour_cum) * 3600 + rng.randrange(3600)
            status = "created" if rng.random() < 0.6 else "approved"
            coupon = rng.choice(coupons) if coupons and rng.random() < 0.12 else None
            stamp = self.late_stamp() if (k == late_order and self.max_updated is not None) else None
            order_lines = []
            for line in range(1, LINES_PER_ORDER[pick(rng, lines_cum)][0] + 1):
                pid = self.product_ids[pick(rng, self.product_cum)]
                price, cost = self.products[pid]
                qty = QUANTITIES[pick(rng, qty_cum)][0]
                if rng.random() < 0.35:
                    price = round(price * rng.uniform(0.92, 1.05), 2)
                freight = round(7.9 + 0.04 * price * qty + rng.uniform(0, 18), 2)
                order_lines.append([f"{oid}-{line}", oid, line, pid, None, qty, price, cost, 0.0, freight, 0, None,
                                    stamp])
            if coupon:
                kind, value = coupon_rows[coupon]
                gross = sum(ln[5] * ln[6] for ln in order_lines)
                for ln in order_lines:
                    line_value = ln[5] * ln[6]
                    amount = line_value * value / 100 if kind == "percent" else value * line_value / gross
                    ln[8] = round(min(amount, line_value), 2)
            orders.append([oid, cust, rng.choice(sellers), status, ts(day, second), coupon, stamp])
            lines.extend(order_lines)
            if stamp is not None:
                self.s["late_rows"] += 1 + len(order_lines)
        self.bad_rows(orders, lines)
        with self.conn.cursor() as cur:
            copy_rows(cur, "orders", ORDER_COLUMNS, orders)
            copy_rows(cur, "order_items", LINE_COLUMNS, lines)
        self.s["orders_inserted"] += len(orders)
        self.s["lines_inserted"] += len(lines)

    def bad_rows(self, orders: list, lines: list) -> None:
        if self.bad_rate <= 0:
            return
        rng = self.rng
        total = max(len(BAD_KINDS), round(self.bad_rate * len(lines)))
        by_order = {}
        for ln in lines:
            by_order[ln[1]] = max(by_order.get(ln[1], 0), ln[2])
        clean_orders = [o for o in orders if o[6] is None]  # not the late-committed order
        for i in range(total):
            kind = BAD_KINDS[i % len(BAD_KINDS)]
            order = rng.choice(clean_orders)
            oid = order[0]
            if kind == "unknown_status":
                if order[3] == "lost_in_space":
                    continue
                order[3] = "lost_in_space"
            elif kind == "duplicate_line":
                source = next(ln for ln in lines if ln[1] == oid)
                dup = list(source)
                dup[0] = f"{source[0]}-dup{i}"
                lines.append(dup)
            else:
                by_order[oid] += 1
                line_no = by_order[oid]
                pid = self.product_ids[pick(rng, self.product_cum)]
                price, cost = self.products[pid]
                qty = 1
                if kind == "quantity_not_positive":
                    qty = rng.choice((0, -1))
                elif kind == "negative_price":
                    price = -price
                elif kind == "unknown_product":
                    pid = f"PX{rng.randrange(10**6):06d}"
                lines.append([f"{oid}-{line_no}", oid, line_no, pid, None, qty, price, cost, 0.0, 0.0, 0, None, None])
            self.s[f"bad_{kind}"] += 1
