"""How long the staff campaign dashboard takes to render with many orders (SQLite, and PostgreSQL when asked).

    .venv/bin/python bench/dashboard.py                                  # SQLite, 100,000 orders
    BENCH_DATABASE_URL=postgresql://USER@HOST/SCRATCH .venv/bin/python bench/dashboard.py
    .venv/bin/python bench/dashboard.py --orders 20000 --rounds 10      # quicker

It builds the schema in a scratch database (a temporary SQLite file, or the PostgreSQL database named,
whose tables it drops and creates: never point it at real data), seeds the 54 states, 100 stores,
1,000 products and N orders spread over the last year in several currencies and states (two vendor
orders and three lines each on average), then requests the dashboard through the app as a signed-in
staff member for the last 30 days and for 366 days, `--rounds` times each, and prints p50 and p95 —
once with the sales read from the orders (`REPORTING_ROLLUP` off, as before the roll-up) and once
from the daily roll-up (after one request that sums the year's closed days), in the same run.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from campaigns.reporting.models import RolledDay  # noqa: E402
from config import TestingConfig, _database_url  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import Role, User  # noqa: E402
from marketplace.accounts.services import hash_password  # noqa: E402
from marketplace.catalog.countries import AFRICAN_STATES, ensure_countries  # noqa: E402
from marketplace.catalog.models import Category, CategoryText, ExchangeRate, Product  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.orders.models import Order, OrderLine, VendorOrder  # noqa: E402
from marketplace.vendors.models import Store, StoreStatus  # noqa: E402

STATES = ["paid"] * 7 + ["unpaid"] * 2 + ["refunded", "cancelled", "expired", "pending", "refund_due"]
PART_STATES = {"paid": "paid", "unpaid": "confirmed", "refunded": "refunded", "cancelled": "cancelled",
               "expired": "pending", "pending": "pending", "refund_due": "cancelled"}
CURRENCIES = ["USD"] * 8 + ["EUR", "CNY"]


def seed(orders: int, now: datetime) -> None:
    ensure_countries()
    db.session.add_all([ExchangeRate(base="EUR", quote="USD", rate=Decimal("1.08")),
                        ExchangeRate(base="USD", quote="CNY", rate=Decimal("7.1"))])
    categories = [Category(slug=f"category-{n}", texts=[CategoryText(language="en", name=f"Category {n}")])
                  for n in range(14)]
    db.session.add_all(categories)
    owner = User(email="bench-staff@example.com", password_hash=hash_password("bench password 1"), role=Role.STAFF)
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
    db.session.commit()
    store_products: dict[int, list[int]] = {}
    for product in products:
        store_products.setdefault(product.store_id, []).append(product.id)
    store_ids = sorted(store_products)
    rng = random.Random(7)
    batch = 5000
    order_id = part_id = 0
    for start in range(0, orders, batch):
        order_rows, part_rows, line_rows = [], [], []
        for _ in range(min(batch, orders - start)):
            order_id += 1
            state, currency = rng.choice(STATES), rng.choice(CURRENCIES)
            created = now - timedelta(seconds=rng.randrange(365 * 86400))
            total = 0
            for store_id in rng.sample(store_ids, rng.choice((1, 2, 2, 3))):
                part_id += 1
                subtotal = 0
                for product_id in rng.sample(store_products[store_id], rng.choice((1, 2))):
                    quantity, unit = rng.randint(1, 3), rng.randint(500, 5000)
                    subtotal += quantity * unit
                    line_rows.append({"order_id": order_id, "vendor_order_id": part_id, "product_id": product_id,
                                      "name": "x", "quantity": quantity, "unit_amount": unit, "currency": "USD",
                                      "regular_amount": unit, "charge_unit_amount": unit, "rate": Decimal(1)})
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
    if db.engine.dialect.name == "postgresql":
        for table in ("orders", "vendor_orders", "order_lines"):
            db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT MAX(id) FROM {table}))"))
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()


def measure(client, url: str, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds + 1):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times = sorted(times[1:])  # the first request warms caches up
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="leave the seeded tables (and reuse them next time)")
    args = parser.parse_args()
    if args.keep:  # one fixed folder, so the next run finds the seeded SQLite file again
        folder = os.path.join(tempfile.gettempdir(), "dashboard-bench")
        os.makedirs(folder, exist_ok=True)
    else:
        folder = tempfile.mkdtemp(prefix="dashboard-bench-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = _database_url(url)
        MEDIA_ROOT = PRIVATE_UPLOAD_DIR = folder
        SEARCH_INDEX_DIR = "memory"

    app = create_app(Config)
    now = datetime.now(UTC)
    with app.app_context():
        reuse = args.keep and db.inspect(db.engine).has_table("orders") and db.session.scalar(
            db.select(db.func.count(Order.id))) == args.orders
        if reuse:
            now = db.session.scalar(db.select(db.func.max(Order.created_at)))
            print(f"{db.engine.dialect.name}: reusing {args.orders:,} seeded orders")
            db.session.execute(db.delete(RolledDay))  # the roll-up is summed again in this run
            db.session.commit()
        else:
            db.session.remove()
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            seed(args.orders, now)
            print(f"{db.engine.dialect.name}: seeded {args.orders:,} orders in {time.perf_counter() - started:.1f} s")
        live_app = create_app(type("LiveConfig", (Config,), {"REPORTING_ROLLUP": False}))
        today = now.date()
        clients = {"orders read live": live_app.test_client(), "daily roll-up": app.test_client()}
        for client in clients.values():
            client.post("/en/account/login", data={"email": "bench-staff@example.com", "password": "bench password 1"})
        year = f"/en/staff/dashboard/?from={today - timedelta(days=365)}&to={today}"
        started = time.perf_counter()
        assert clients["daily roll-up"].get(year).status_code == 200  # sums the year's closed days once
        print(f"first request with the roll-up (sums 365 closed days): {(time.perf_counter() - started) * 1000:.0f} ms")
        for label, first in (("30 days", today - timedelta(days=29)), ("366 days", today - timedelta(days=365))):
            for name, client in clients.items():
                p50, p95 = measure(client, f"/en/staff/dashboard/?from={first}&to={today}", args.rounds)
                print(f"dashboard, {label}, {name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms ({args.rounds} requests)")
        for name, client in clients.items():
            p50, p95 = measure(client, f"/en/staff/dashboard/daily.csv?from={today - timedelta(days=365)}&to={today}",
                               args.rounds)
            print(f"daily CSV, 366 days, {name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
        if not args.keep:
            db.session.remove()  # its transaction holds locks the DROPs would wait for
            db.drop_all()


if __name__ == "__main__":
    main()
