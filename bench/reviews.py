"""Ratings on product cards: the average and count kept on the product row against counting reviews per card.

A listing page renders 24 product cards. The review services keep each product's count and sum of stars on its
row (in the review's own transaction), so a card reads its rating with the product it already loaded. This
bench builds a catalogue of `--products` products with `--reviews` shown reviews each (through bulk inserts of
delivered order lines and review rows, then the same figures the services keep), and times, for pages of 24
cards, in the same run:

- `stored`: `product_cards` as the listing pages call it (ratings from the product rows);
- `per card` (the baseline): `product_cards` plus one COUNT/AVG query over the reviews for each card;
- `grouped`: `product_cards` plus one grouped COUNT/AVG query for the page's 24 products.

It prints the median time per page of each and their ratios to `stored`. SQLite in a temporary folder, and
PostgreSQL when `BENCH_DATABASE_URL` is set (EVERY TABLE OF THAT DATABASE IS DROPPED: use a scratch database).

    .venv/bin/python bench/reviews.py [--products 2400] [--reviews 20] [--pages 60]
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from config import TestingConfig, _database_url  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402

PAGE = 24


def build(products: int, reviews: int) -> list[int]:
    """The catalogue, its delivered lines and shown reviews; returns the product ids."""
    from marketplace.accounts.models import Role, User
    from marketplace.catalog.countries import ensure_countries
    from marketplace.catalog.models import Category, CategoryText, Product, ProductText
    from marketplace.orders.models import FulfilmentState, Order, OrderLine, VendorOrder
    from marketplace.reviews.models import Review, ReviewState
    from marketplace.vendors.models import Store, StoreStatus

    ensure_countries()
    unusable = secrets.token_hex(16)  # nobody signs in to the bench's accounts
    vendor = User(email="bench-vendor@example.com", role=Role.VENDOR, password_hash=unusable)
    shopper = User(email="bench-shopper@example.com", role=Role.SHOPPER, password_hash=unusable, display_name="Li")
    category = Category(slug="bench", texts=[CategoryText(language="en", name="Bench")])
    store = Store(name="Bench store", slug="bench-store", owner=vendor, country_code="GH",
                  status=StoreStatus.APPROVED)
    db.session.add_all([vendor, shopper, category, store])
    db.session.flush()
    db.session.execute(insert(Product), [
        {"slug": f"bench-{n}", "store_id": store.id, "category_id": category.id, "price_amount": 1000 + n,
         "currency": "USD", "stock": 10, "status": "published", "rating_count": reviews,
         "rating_total": reviews * (3 + n % 3)} for n in range(products)])
    ids = list(db.session.scalars(select(Product.id).order_by(Product.id)))
    db.session.execute(insert(ProductText), [{"product_id": i, "language": "en", "name": f"Bench {i}",
                                              "description": ""} for i in ids])
    order = Order(reference="BENCHORDER01", shopper_id=shopper.id, idempotency_key="bench-key", gateway="offline",
                  currency="USD", total_amount=0)
    db.session.add(order)
    db.session.flush()
    part = VendorOrder(order_id=order.id, store_id=store.id, currency="USD", subtotal_amount=0,
                       status=FulfilmentState.DELIVERED)
    db.session.add(part)
    db.session.flush()
    for start in range(0, len(ids), 200):
        chunk = ids[start:start + 200]
        db.session.execute(insert(OrderLine), [
            {"order_id": order.id, "vendor_order_id": part.id, "product_id": i, "name": "Bench", "quantity": 1,
             "unit_amount": 1000, "currency": "USD", "regular_amount": 1000, "charge_unit_amount": 1000,
             "rate": Decimal(1)} for i in chunk for _ in range(reviews)])
        lines = db.session.execute(select(OrderLine.id, OrderLine.product_id)
                                   .where(OrderLine.product_id.in_(chunk)).order_by(OrderLine.id)).all()
        db.session.execute(insert(Review), [
            {"product_id": product_id, "store_id": store.id, "order_line_id": line_id, "author_id": shopper.id,
             "rating": 3 + (product_id - ids[0]) % 3, "language": "en", "state": ReviewState.SHOWN}
            for line_id, product_id in lines])
    db.session.commit()
    return ids


def time_pages(ids: list[int], pages: int, extra) -> float:
    """Median seconds to build one page of cards (and run `extra` for it)."""
    from sqlalchemy.orm import selectinload

    from marketplace.catalog.models import Product
    from marketplace.catalog.services import product_cards

    step = max(1, len(ids) // pages)
    timings = []
    for number in range(pages):
        page_ids = ids[(number * step) % max(1, len(ids) - PAGE):][:PAGE]
        db.session.expunge_all()
        started = time.perf_counter()
        products = list(db.session.scalars(select(Product).where(Product.id.in_(page_ids))
                                           .options(selectinload(Product.store), selectinload(Product.images))))
        cards = product_cards(products, ("en",), None, None)
        extra(page_ids, cards)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def per_card(page_ids: list[int], _cards) -> None:
    from marketplace.reviews.models import Review, ReviewState

    for product_id in page_ids:
        db.session.execute(select(func.count(Review.id), func.avg(Review.rating))
                           .where(Review.product_id == product_id, Review.state == ReviewState.SHOWN)).one()


def grouped(page_ids: list[int], _cards) -> None:
    from marketplace.reviews.models import Review, ReviewState

    db.session.execute(select(Review.product_id, func.count(Review.id), func.avg(Review.rating))
                       .where(Review.product_id.in_(page_ids), Review.state == ReviewState.SHOWN)
                       .group_by(Review.product_id)).all()


def run(label: str, url: str, folder: Path, products: int, reviews: int, pages: int) -> None:
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        MEDIA_ROOT = str(folder / "media")
        PRIVATE_UPLOAD_DIR = str(folder / "private")
        SEARCH_INDEX_DIR = "memory"

    app = create_app(Config)
    with app.test_request_context("/en/"):
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        ids = build(products, reviews)
        built = time.perf_counter() - started
        time_pages(ids, 5, lambda *_: None)  # warm the caches and the statement cache
        results = {}
        for _round in range(3):  # interleaved, so a busy moment of the machine hits every variant
            for name, extra in (("stored", lambda *_: None), ("per card", per_card), ("grouped", grouped)):
                results.setdefault(name, []).append(time_pages(ids, pages, extra))
        db.session.remove()
        db.drop_all()
    base = statistics.median(results["stored"])
    print(f"\n{label}: {products:,} products x {reviews} reviews (built in {built:.1f} s), {pages} pages of {PAGE}")
    print("| ratings read | ms per page | ratio to stored |\n|---|---|---|")
    for name, values in results.items():
        value = statistics.median(values)
        print(f"| {name} | {value * 1000:.1f} | {value / base:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=2400)
    parser.add_argument("--reviews", type=int, default=20)
    parser.add_argument("--pages", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.db", Path(folder), args.products, args.reviews, args.pages)
        if os.environ.get("BENCH_DATABASE_URL"):
            run("PostgreSQL", _database_url(os.environ["BENCH_DATABASE_URL"]), Path(folder), args.products, args.reviews,
                args.pages)


if __name__ == "__main__":
    main()
