"""The demo campaign seed: real-looking, multilingual, pictured, and idempotent."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import distinct, func, select

from campaigns.demo.seed import DATA_DIR, seed_demo
from marketplace.accounts.models import User
from marketplace.catalog.models import Category, ExchangeRate, Product, ProductImage, ProductKind, ProductText
from marketplace.core.i18n import LANGUAGES
from marketplace.extensions import db
from marketplace.media import get_image_store
from marketplace.media.pipeline import rendition_name
from marketplace.orders.models import FulfilmentState, Order, OrderLine, VendorOrder
from marketplace.reviews.models import Review, ReviewText
from marketplace.shipping.models import DutyNote, ShippingZone
from marketplace.vendors.models import Store, StoreStatus


def count(query) -> int:
    return db.session.scalar(query)


def test_seed_builds_a_campaign_and_a_second_run_adds_nothing(app):
    report = seed_demo(stores=40, products=120)
    assert (report.stores, report.products) == (40, 120)
    operators = len(json.loads(Path(DATA_DIR, "experiences.json").read_text(encoding="utf-8"))["operators"])
    assert count(select(func.count(Store.id)).where(Store.status == StoreStatus.APPROVED)) == 40 + operators
    assert count(select(func.count(distinct(Store.country_code)))) >= 30
    assert count(select(func.count(Product.id)).where(Product.kind == ProductKind.GOODS)) == 120
    assert count(select(func.count(Category.id))) >= 15
    assert count(select(func.count(ExchangeRate.id))) >= 20
    # texts in the vendors' own languages, and translations for part of the products
    languages = set(db.session.scalars(select(distinct(Product.original_language))))
    assert {"en", "fr", "ar", "pt", "sw"} <= languages
    translated = count(select(func.count(distinct(ProductText.product_id))).join(Product).where(
        ProductText.language == "zh", Product.kind == ProductKind.GOODS))
    assert 0 < translated < 120
    # every product has a picture whose renditions exist
    image = db.session.scalars(select(ProductImage)).first()
    assert count(select(func.count(distinct(ProductImage.product_id))).join(Product).where(
        Product.kind == ProductKind.GOODS)) == 120
    assert all(get_image_store().exists(rendition_name(image.key, w, "webp")) for w in image.widths)

    # a demo order through the real checkout: two products of the demo vendor, one shipped by another store
    assert report.orders == 1
    order = db.session.scalars(select(Order).join(Order.shopper).where(User.email == "shopper@example.com")).one()
    assert len(order.lines) == 3
    assert sorted(vo.status.value for vo in order.vendor_orders) == ["confirmed", "shipped"]
    assert all(vo.shipping_kind == "carrier" and vo.shipping_amount > 0 for vo in order.vendor_orders)  # to China

    # every store has a shipping profile; most ship to China, the rest say they do not
    stores = count(select(func.count(Store.id)))
    assert report.shipping_profiles == stores
    assert count(select(func.count(distinct(ShippingZone.store_id)))) == stores
    to_china = count(select(func.count(ShippingZone.id)).where(ShippingZone.countries == "CN HK MO"))
    assert stores / 2 < to_china < stores
    assert db.session.get(DutyNote, "CN").texts["zh"]

    # a few hundred reviews in several languages, each of a delivered line of its author's order
    assert report.reviews >= 200 and count(select(func.count(Review.id))) == report.reviews
    assert set(db.session.scalars(select(distinct(Review.language)))) == set(LANGUAGES)
    assert count(select(func.count(Review.id)).join(OrderLine).join(VendorOrder).where(
        VendorOrder.status != FulfilmentState.DELIVERED)) == 0
    assert count(select(func.count(ReviewText.id))) > report.reviews  # some carry a translation
    assert count(select(func.count(Review.id)).where(Review.answered_at.is_not(None))) > 0
    assert count(select(func.sum(Product.rating_count))) == report.reviews

    again = seed_demo(stores=40, products=120)
    assert (again.stores, again.products, again.categories, again.orders, again.experiences, again.reviews) == (
        0, 0, 0, 0, 0, 0)
    assert again.shipping_profiles == 0 and count(select(func.count(distinct(ShippingZone.store_id)))) == stores
    assert count(select(func.count(Review.id))) == report.reviews
    assert count(select(func.count(Product.id)).where(Product.kind == ProductKind.GOODS)) == 120


def test_seed_prices_respect_the_currency_minor_unit(app):
    seed_demo(stores=40, products=120)
    for product in db.session.scalars(select(Product).where(Product.currency.in_(["XOF", "XAF", "UGX", "RWF"]))):
        assert product.price_amount > 0
        assert isinstance(product.price_amount, int)


def test_seed_data_files_are_complete_in_every_language():
    categories = json.loads(Path(DATA_DIR, "categories.json").read_text(encoding="utf-8"))
    types = json.loads(Path(DATA_DIR, "product_types.json").read_text(encoding="utf-8"))
    countries = {c["code"] for c in json.loads(Path(DATA_DIR, "countries.json").read_text(encoding="utf-8"))}
    assert len(countries) >= 30
    for category in categories:
        assert set(category["names"]) == set(LANGUAGES)
        assert category["slug"] in types
    for items in types.values():
        for item in items:
            assert set(item["names"]) == set(item["descriptions"]) == set(LANGUAGES)
            assert len({len(v) for v in item["variants"].values()}) == 1
            assert set(item["countries"]) <= countries


def test_seed_demo_command_prints_the_demo_logins(runner, app):
    result = runner.invoke(args=["seed-demo", "--stores", "35", "--products", "35"])
    assert result.exit_code == 0, result.output
    assert "vendor@example.com" in result.output and "silkroad-demo" in result.output
