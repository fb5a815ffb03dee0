"""The campaign's progress toward 100 stores and 1,000 products, and its country pavilions."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from marketplace.catalog.countries import REGIONS
from marketplace.catalog.models import Country, Product, ProductStatus
from marketplace.catalog.services import visible_products
from marketplace.core.errors import NotFound
from marketplace.extensions import db
from marketplace.vendors.models import Store, StoreStatus


@dataclass(frozen=True)
class Progress:
    stores: int
    products: int
    countries: int
    store_target: int
    product_target: int

    @property
    def store_percent(self) -> int:
        return min(100, round(100 * self.stores / self.store_target)) if self.store_target else 100

    @property
    def product_percent(self) -> int:
        return min(100, round(100 * self.products / self.product_target)) if self.product_target else 100


@dataclass(frozen=True)
class PavilionSummary:
    country: Country
    stores: int
    products: int


def campaign_progress() -> Progress:
    """Live campaign stores and products against the targets, counted in one query."""
    public_store = (Store.status == StoreStatus.APPROVED) & Store.is_campaign.is_(True)
    stores = select(func.count(Store.id)).where(public_store).scalar_subquery()
    countries = select(func.count(distinct(Store.country_code))).where(public_store).scalar_subquery()
    products = (
        select(func.count(Product.id))
        .join(Product.store)
        .where(Product.is_campaign.is_(True), Product.status == ProductStatus.PUBLISHED,
               Store.status == StoreStatus.APPROVED)
        .scalar_subquery()
    )
    row = db.session.execute(select(stores, products, countries)).one()
    return Progress(
        stores=row[0], products=row[1], countries=row[2],
        store_target=current_app.config["CAMPAIGN_STORE_TARGET"],
        product_target=current_app.config["CAMPAIGN_PRODUCT_TARGET"],
    )


def pavilion_summaries() -> dict[str, list[PavilionSummary]]:
    """Every African state by region, with its approved stores and visible products."""
    store_countries = dict(
        db.session.execute(select(Store.id, Store.country_code).where(Store.status == StoreStatus.APPROVED)).all()
    )
    store_counts = Counter(store_countries.values())
    # Products are counted per store over their (store_id, status) index, then summed by country.
    product_counts: dict[str, int] = {}
    for store_id, count in db.session.execute(
        select(Product.store_id, func.count(Product.id))
        .where(Product.status == ProductStatus.PUBLISHED)
        .group_by(Product.store_id)
    ):
        if store_id in store_countries:
            code = store_countries[store_id]
            product_counts[code] = product_counts.get(code, 0) + count
    regions: dict[str, list[PavilionSummary]] = {region: [] for region in REGIONS}
    for country in db.session.scalars(select(Country).order_by(Country.code)):
        regions[country.region].append(
            PavilionSummary(country, store_counts.get(country.code, 0), product_counts.get(country.code, 0))
        )
    return regions


def get_pavilion(code: str) -> tuple[Country, list[Store]]:
    """A country and its approved stores (campaign stores first); NotFound for a non-African code."""
    country = db.session.get(Country, code.upper()) if len(code) == 2 else None
    if country is None:
        raise NotFound("no such pavilion")
    stores = db.session.scalars(
        select(Store)
        .where(Store.country_code == country.code, Store.status == StoreStatus.APPROVED)
        .order_by(Store.is_campaign.desc(), Store.name)
    ).all()
    return country, list(stores)


def featured_stores(limit: int = 8) -> list[Store]:
    """Stores the campaign features on the home page."""
    return list(
        db.session.scalars(
            select(Store)
            .options(selectinload(Store.texts))
            .where(Store.status == StoreStatus.APPROVED, Store.featured.is_(True))
            .order_by(Store.id)
            .limit(limit)
        )
    )


def featured_products(limit: int = 12) -> list[Product]:
    """Products the campaign features on the home page, newest first."""
    return list(
        db.session.scalars(visible_products().where(Product.featured.is_(True)).order_by(Product.id.desc()).limit(limit))
    )
