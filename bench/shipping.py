"""Shipping benchmark: pricing a cart with each store's shipping to a destination, beside the same cart
priced without shipping in the same run.

Builds `--stores` approved stores (each with a four-zone shipping profile, six methods, and `--products`
products with a weight) on a scratch database, gives a shopper a cart of one product from each of `--lines`
stores, then times `price_cart` without a destination (the baseline: lines only) and with destination CN
(every store's profile loaded in two queries and quoted) `--samples` times each, alternating. Prints p50 /
p95 / max of each and the ratio of the medians.

    .venv/bin/python bench/shipping.py                       # a temporary SQLite file
    .venv/bin/python bench/shipping.py --database-url postgresql://postgres@127.0.0.1:5432/bench_scratch

The PostgreSQL database must be a scratch one: its tables are created, and dropped at the end.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestingConfig, _database_url  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="a scratch database (default: temporary SQLite)")
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--products", type=int, default=5, help="products per store")
    parser.add_argument("--lines", type=int, default=10, help="stores in the cart (one line each)")
    parser.add_argument("--samples", type=int, default=200)
    return parser.parse_args(argv)


def build(stores: int, products: int, lines: int):
    """The stores, their profiles and products, and a shopper whose cart holds one product of `lines` stores."""
    from marketplace.accounts.models import Role, User
    from marketplace.catalog.countries import ensure_countries
    from marketplace.catalog.models import Category, Product, ProductStatus
    from marketplace.orders.models import Cart, CartItem
    from marketplace.shipping.models import MethodKind, ShippingMethod, ShippingZone
    from marketplace.vendors.models import Store, StoreStatus

    ensure_countries()
    category = Category(slug="bench")
    # Never signs in: an unusable hash, as for an account whose password was never set.
    shopper = User(email="shopper@bench.example", password_hash="!", role=Role.SHOPPER)  # noqa: S106
    db.session.add_all([category, shopper])
    made = []
    for number in range(stores):
        store = Store(slug=f"store-{number}", name=f"Store {number}", country_code="GH", status=StoreStatus.APPROVED)
        zones = [
            ShippingZone(name="Home", countries="GH", methods=[
                ShippingMethod(carrier="Ghana Post", currency="USD", flat_amount=300, min_days=2, max_days=5),
                ShippingMethod(kind=MethodKind.PICKUP, carrier="Shop", currency="USD", flat_amount=0, min_days=1,
                               max_days=1)]),
            ShippingZone(name="West Africa", countries="NG SN CI BF ML TG BJ", methods=[
                ShippingMethod(carrier="Courier", currency="USD", flat_amount=1200, min_days=4, max_days=9)]),
            ShippingZone(name="China", countries="CN HK MO", methods=[
                ShippingMethod(carrier="EMS", currency="USD", weight_bands=[[500, 1500], [2000, 3000], [10000, 6000]],
                               free_over_amount=20000, min_days=8, max_days=15),
                ShippingMethod(carrier="China Post", currency="USD", flat_amount=900, min_days=15, max_days=30)]),
            ShippingZone(name="Rest of the world", rest_of_world=True, methods=[
                ShippingMethod(carrier="DHL", currency="USD", flat_amount=4500, min_days=4, max_days=8)]),
        ]
        db.session.add(store)
        db.session.flush()
        for zone in zones:
            zone.store_id = store.id
        db.session.add_all(zones)
        for index in range(products):
            product = Product(slug=f"p-{number}-{index}", store_id=store.id, category=category, price_amount=1500,
                              currency="USD", stock=100, status=ProductStatus.PUBLISHED, weight_grams=350)
            db.session.add(product)
            if index == 0:
                made.append(product)
    db.session.flush()
    db.session.add(Cart(user_id=shopper.id, items=[
        CartItem(product_id=product.id, quantity=1, seen_amount=1500, seen_currency="USD") for product in made[:lines]]))
    db.session.commit()
    return shopper


def summary(label: str, seconds: list[float]) -> tuple[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    median = statistics.median(ms)
    return f"{label}: p50 {median:.2f} ms, p95 {p95:.2f} ms, max {ms[-1]:.2f} ms ({len(ms)} samples)", median


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    scratch = tempfile.mkdtemp()
    url = _database_url(args.database_url) or f"sqlite:///{scratch}/bench.db"
    config = type("Config", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": scratch,
                                               "PRIVATE_UPLOAD_DIR": scratch, "SEARCH_INDEX_DIR": scratch})
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        try:
            from marketplace.orders.cart import find_cart, price_cart

            shopper = build(args.stores, args.products, args.lines)
            plain, shipped = [], []
            for _ in range(args.samples):
                for destination, times in (("", plain), ("CN", shipped)):
                    with app.test_request_context():
                        db.session.expire_all()
                        started = time.perf_counter()
                        priced = price_cart(find_cart(shopper, None), shopper, "en", destination=destination)
                        times.append(time.perf_counter() - started)
            assert len(priced.groups) == args.lines and all(g.shipping.chosen for g in priced.groups)
            print(f"{db.engine.dialect.name}: a cart of {args.lines} stores' lines, {args.stores} stores with profiles")
            line, base = summary("without shipping (baseline)", plain)
            print(line)
            line, with_shipping = summary("with shipping to CN", shipped)
            print(line)
            print(f"ratio of medians: {with_shipping / base:.2f}")
        finally:
            db.session.remove()
            db.drop_all()


if __name__ == "__main__":
    main()
