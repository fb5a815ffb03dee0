"""Seed data for bench/dashboard.py: stores, products, a year of orders, two festivals and the journey counts.

The orders are written in batches of plain rows (no ORM objects), the journey counts by the database
itself (`generate_series` on PostgreSQL; batches of rows on SQLite), so ten million views take a minute
or two rather than an hour.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, text

from campaigns.festivals.models import Deal, DealStatus, Festival, FestivalText, Wave
from campaigns.reporting.models import FunnelCount
from marketplace.accounts.models import Role, User
from marketplace.accounts.services import hash_password
from marketplace.catalog.countries import AFRICAN_STATES, ensure_countries
from marketplace.catalog.models import Category, CategoryText, ExchangeRate, Product
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.models import Order, OrderLine, VendorOrder
from marketplace.vendors.models import Store, StoreStatus

STATES = ["paid"] * 7 + ["unpaid"] * 2 + ["refunded", "cancelled", "expired", "pending", "refund_due"]
PART_STATES = {"paid": "paid", "unpaid": "confirmed", "refunded": "refunded", "cancelled": "cancelled",
               "expired": "pending", "pending": "pending", "refund_due": "cancelled"}
CURRENCIES = ["USD"] * 8 + ["EUR", "CNY"]
STAFF_EMAIL, STAFF_PASSWORD = "bench-staff@example.com", "bench password 1"
FESTIVAL_SHARE = 0.2  # of the orders, bought at festival deal prices while a wave was open
DEALS_PER_WAVE = 150


@dataclass
class WaveDeals:
    """A seeded wave: its window (ending no later than now, for placing orders) and its deals' products."""

    starts_at: datetime
    ends_at: datetime
    deals: dict[int, int] = field(default_factory=dict)  # product id -> deal id


def _festival(slug: str, name: str, windows: list[tuple[datetime, datetime]], products: list[Product],
              rng: random.Random) -> tuple[Festival, list[WaveDeals]]:
    first = windows[0][0]
    festival = Festival(slug=slug, time_zone="Africa/Nairobi", registration_opens_at=first - timedelta(days=30),
                        registration_closes_at=first - timedelta(days=10), warmup_starts_at=first - timedelta(days=3),
                        texts=[FestivalText(language="en", name=name)],
                        waves=[Wave(starts_at=start, ends_at=end) for start, end in windows])
    db.session.add(festival)
    db.session.flush()
    seeded = []
    for wave in festival.waves:
        chosen = rng.sample(products, DEALS_PER_WAVE)
        deals = [Deal(festival_id=festival.id, wave_id=wave.id, product_id=p.id, store_id=p.store_id,
                      price_amount=p.price_amount - 100, currency="USD", cap=1, sold=0, status=DealStatus.APPROVED)
                 for p in chosen]
        db.session.add_all(deals)
        db.session.flush()
        seeded.append(WaveDeals(wave.starts_at, wave.ends_at, {d.product_id: d.id for d in deals}))
    return festival, seeded


def seed(orders: int, now: datetime) -> list[int]:
    """Stores, products, `orders` orders over the year before `now` and two festivals (one live at `now`);
    the ids of the festivals, the live one last."""
    ensure_countries()
    db.session.add_all([ExchangeRate(base="EUR", quote="USD", rate=Decimal("1.08")),
                        ExchangeRate(base="USD", quote="CNY", rate=Decimal("7.1"))])
    categories = [Category(slug=f"category-{n}", texts=[CategoryText(language="en", name=f"Category {n}")])
                  for n in range(14)]
    db.session.add_all(categories)
    owner = User(email=STAFF_EMAIL, password_hash=hash_password(STAFF_PASSWORD), role=Role.STAFF)
    db.session.add(owner)
    db.session.flush()
    codes = [code for code, _, _ in AFRICAN_STATES]
    stores = [Store(slug=f"store-{n}", name=f"Store {n}", country_code=codes[n % len(codes)],
                    status=StoreStatus.APPROVED, is_campaign=n < 90, created_at=now - timedelta(days=300 - n),
                    submitted_at=now - timedelta(days=298 - n), approved_at=now - timedelta(days=296 - n))
              for n in range(100)]
    db.session.add_all(stores)
    db.session.flush()
    products = [Product(slug=f"product-{n}", store_id=stores[n % 100].id, category_id=categories[n % 14].id,
                        price_amount=1000 + n, currency="USD", stock=100, status="published", is_campaign=True,
                        first_approved_at=now - timedelta(days=290))
                for n in range(1000)]
    db.session.add_all(products)
    db.session.flush()
    rng = random.Random(7)
    minute = now.replace(second=0, microsecond=0)
    previous, previous_waves = _festival("previous-festival", "Harvest festival", [
        (minute - timedelta(days=60), minute - timedelta(days=57))], products, rng)
    live, live_waves = _festival("live-festival", "Coffee week", [
        (minute - timedelta(days=3), minute - timedelta(days=1)),
        (minute - timedelta(days=1), minute + timedelta(days=2))], products, rng)
    db.session.commit()
    waves = previous_waves + live_waves
    store_products: dict[int, list[int]] = defaultdict(list)
    price = {}
    for product in products:
        store_products[product.store_id].append(product.id)
        price[product.id] = product.price_amount
    store_of = {product.id: product.store_id for product in products}
    store_ids = sorted(store_products)
    deal_units: dict[int, int] = defaultdict(int)
    batch = 5000
    order_id = part_id = 0
    for start in range(0, orders, batch):
        order_rows, part_rows, line_rows = [], [], []
        for _ in range(min(batch, orders - start)):
            order_id += 1
            state, currency = rng.choice(STATES), rng.choice(CURRENCIES)
            wave = rng.choice(waves) if rng.random() < FESTIVAL_SHARE else None
            if wave is None:
                created = now - timedelta(seconds=rng.randrange(365 * 86400))
                parts = {s: rng.sample(store_products[s], rng.choice((1, 2)))
                         for s in rng.sample(store_ids, rng.choice((1, 2, 2, 3)))}
            else:
                open_until = min(wave.ends_at, now)
                created = wave.starts_at + timedelta(seconds=rng.randrange(int((open_until - wave.starts_at)
                                                                                .total_seconds())))
                parts = defaultdict(list)
                for product_id in rng.sample(sorted(wave.deals), rng.choice((1, 2, 3))):
                    parts[store_of[product_id]].append(product_id)
            total = 0
            for store_id, product_ids in parts.items():
                part_id += 1
                subtotal = 0
                for product_id in product_ids:
                    quantity = rng.randint(1, 3)
                    hold = None
                    if wave is not None:
                        unit = price[product_id] - 100
                        hold = HoldRef("deal", wave.deals[product_id])
                        if state not in ("expired", "pending", "cancelled", "refund_due"):
                            deal_units[hold.id] += quantity
                    else:
                        unit = rng.randint(500, 5000)
                    subtotal += quantity * unit
                    line_rows.append({"order_id": order_id, "vendor_order_id": part_id, "product_id": product_id,
                                      "name": "x", "quantity": quantity, "unit_amount": unit, "currency": "USD",
                                      "regular_amount": unit, "charge_unit_amount": unit, "rate": Decimal(1),
                                      "offer_hold": hold})
                part_rows.append({"id": part_id, "order_id": order_id, "store_id": store_id,
                                  "status": PART_STATES[state], "currency": currency, "subtotal_amount": subtotal,
                                  "updated_at": created})
                total += subtotal
            order_rows.append({"id": order_id, "reference": f"B{order_id:011d}", "shopper_id": owner.id,
                               "idempotency_key": f"k{order_id}", "language": "en",
                               "gateway": rng.choice(("offline", "stripe")), "payment_state": state,
                               "currency": currency, "total_amount": total, "created_at": created,
                               "country_code": rng.choice(("CN", "CN", "KE", "NG", "GH", "ZA"))})
        db.session.execute(insert(Order), order_rows)
        db.session.execute(insert(VendorOrder), part_rows)
        db.session.execute(insert(OrderLine), line_rows)
        db.session.commit()
    # Units sold count toward each deal's cap; one deal in five sold out, the rest with some left.
    for wave in waves:
        for deal_id in wave.deals.values():
            sold = deal_units.get(deal_id, 0)
            cap = max(1, sold if rng.random() < 0.2 and sold else sold + rng.randint(1, 40))
            db.session.execute(db.update(Deal).where(Deal.id == deal_id).values(sold=sold, cap=cap))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in ("orders", "vendor_orders", "order_lines"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT MAX(id) FROM {table}))"))
        db.session.commit()
    return [previous.id, live.id]


def seed_views(views: int, now: datetime, festival_ids: list[int]) -> int:
    """About `views` journey-count rows: every product seen about every hour over the year before `now`,
    and each festival deal's product seen, added to carts and taken to checkout minute by minute while its
    wave was open (count 1–5); how many rows were written."""
    minute = now.replace(second=0, microsecond=0)
    start = minute - timedelta(days=365)
    first_product, products = db.session.execute(text("SELECT MIN(id), COUNT(*) FROM products")).one()
    windows = db.session.execute(
        db.select(Deal.product_id, Wave.starts_at, Wave.ends_at).join(Wave, Wave.id == Deal.wave_id)
        .where(Deal.festival_id.in_(festival_ids))).all()
    festival_minutes = sum(int((min(end, now) - begin).total_seconds() // 60) for _, begin, end in windows)
    spread = max(0, views - festival_minutes)
    per_product = max(1, spread // products)
    spacing = max(1, (365 * 24 * 60) // per_product)
    if db.engine.dialect.name == "postgresql":
        for low in range(0, spread, 1_000_000):  # a million rows per statement
            db.session.execute(text(
                "INSERT INTO funnel_counts (product_id, step, minute, count) "
                "SELECT :first + i % :products, 'product_view', "
                ":start + (i / :products) * :spacing * interval '1 minute', 1 + i % 3 "
                "FROM generate_series(:low, :high - 1) AS i"),
                {"first": first_product, "products": products, "start": start, "spacing": spacing, "low": low,
                 "high": min(spread, low + 1_000_000)})
            db.session.commit()
        for product_id, begin, end in windows:
            length = int((min(end, now) - begin).total_seconds() // 60)
            db.session.execute(text(
                "INSERT INTO funnel_counts (product_id, step, minute, count) "
                "SELECT :product, step, :begin + m * interval '1 minute', 1 + (m + :product) % 5 "
                "FROM generate_series(0, :length - 1) AS m, "
                "(VALUES ('product_view', 1), ('add_to_cart', 6), ('checkout_start', 15)) AS s(step, every) "
                "WHERE m % every = 0 ON CONFLICT DO NOTHING"),
                {"product": product_id, "begin": begin, "length": length})
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    else:
        table = FunnelCount.__table__
        rows = []
        for i in range(spread):
            rows.append({"product_id": first_product + i % products, "step": "product_view",
                         "minute": start + timedelta(minutes=(i // products) * spacing), "count": 1 + i % 3})
            if len(rows) == 20_000:
                db.session.execute(insert(table), rows)
                rows = []
        seen = set()
        for product_id, begin, end in windows:
            length = int((min(end, now) - begin).total_seconds() // 60)
            for m in range(length):
                for step, every in (("product_view", 1), ("add_to_cart", 6), ("checkout_start", 15)):
                    at = begin + timedelta(minutes=m)
                    if m % every == 0 and (product_id, step, at) not in seen and not (
                            step == "product_view" and (at - start).total_seconds() // 60 % spacing == 0):
                        seen.add((product_id, step, at))
                        rows.append({"product_id": product_id, "step": step, "minute": at,
                                     "count": 1 + (m + product_id) % 5})
            if len(rows) >= 20_000:
                db.session.execute(insert(table), rows)
                rows = []
        if rows:
            db.session.execute(insert(table), rows)
        db.session.commit()
    # Their hours, as the counter writes them beside the minutes.
    hour = ("date_trunc('hour', minute)" if db.engine.dialect.name == "postgresql"
            else "strftime('%Y-%m-%d %H:00:00.000000', minute)")
    db.session.execute(text(f"INSERT INTO funnel_hours (product_id, step, hour, count) SELECT product_id, step, "
                            f"{hour}, SUM(count) FROM funnel_counts GROUP BY product_id, step, {hour}"))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE funnel_hours"))
        db.session.commit()
    return int(db.session.scalar(text("SELECT COUNT(*) FROM funnel_counts")))
