"""The campaign's stores and products: toward 100 / 1,000, by country, by category, and how vendors get in.

Counts are made in SQL per group; only the onboarding funnel's medians are taken here, from one row
per store that started its application in the period (a bounded set: stores, not orders).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from campaigns.reporting.period import ReportPeriod
from marketplace.catalog.countries import AFRICAN_STATES
from marketplace.catalog.models import Category, Product, ProductStatus
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.vendors.models import SlotQuota, Store, StoreStatus
from marketplace.vendors.slots import PRODUCT_SLOTS, STORE_SLOTS, sync_quotas

PENDING_STORE_STATES = (StoreStatus.SUBMITTED, StoreStatus.CHANGES_REQUESTED)


@dataclass(frozen=True)
class Goal:
    """Campaign stores or products: live ones against the target, slots given, and those waiting for review."""

    live: int
    target: int
    slots_used: int
    slot_limit: int
    pending: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.live / self.target)) if self.target else 100


def campaign_goals(store_target: int, product_target: int) -> tuple[Goal, Goal]:
    """(stores, products): live campaign ones, campaign slots used, and applications or products to review."""
    if db.session.scalar(select(func.count()).select_from(SlotQuota)) < 2:
        sync_quotas()
    quotas = {kind: (used, limit) for kind, used, limit in db.session.execute(
        select(SlotQuota.kind, SlotQuota.used, SlotQuota.slot_limit))}
    approved = Store.status == StoreStatus.APPROVED
    stores_live, stores_pending = db.session.execute(
        select(func.sum(case((approved & Store.is_campaign.is_(True), 1), else_=0)),
               func.sum(case((Store.status.in_(PENDING_STORE_STATES), 1), else_=0)))
    ).one()
    products_live, products_pending = db.session.execute(
        select(func.sum(case((approved & Product.is_campaign.is_(True)
                              & (Product.status == ProductStatus.PUBLISHED), 1), else_=0)),
               func.sum(case((Product.status == ProductStatus.PENDING_REVIEW, 1), else_=0)))
        .join(Store, Store.id == Product.store_id)
    ).one()
    store_quota, product_quota = quotas.get(STORE_SLOTS, (0, store_target)), quotas.get(PRODUCT_SLOTS,
                                                                                          (0, product_target))
    return (Goal(int(stores_live or 0), store_target, store_quota[0], store_quota[1], int(stores_pending or 0)),
            Goal(int(products_live or 0), product_target, product_quota[0], product_quota[1],
                 int(products_pending or 0)))


@dataclass
class CountryCount:
    """A country's stores and products (now, not in the period)."""

    code: str
    stores: int = 0
    campaign_stores: int = 0
    pending_stores: int = 0
    products: int = 0


def counts_by_country() -> dict[str, CountryCount]:
    """Every African state with its approved stores, campaign stores, applications waiting and live products."""
    counts = {code: CountryCount(code) for code, _, _ in AFRICAN_STATES}
    approved = Store.status == StoreStatus.APPROVED
    for code, stores, campaign, pending in db.session.execute(
        select(Store.country_code, func.sum(case((approved, 1), else_=0)),
               func.sum(case((approved & Store.is_campaign.is_(True), 1), else_=0)),
               func.sum(case((Store.status.in_(PENDING_STORE_STATES), 1), else_=0)))
        .group_by(Store.country_code)
    ):
        count = counts.setdefault(code, CountryCount(code))
        count.stores, count.campaign_stores, count.pending_stores = int(stores or 0), int(campaign or 0), int(
            pending or 0)
    for code, products in db.session.execute(
        select(Store.country_code, func.count(Product.id)).join(Store, Store.id == Product.store_id)
        .where(approved, Product.status == ProductStatus.PUBLISHED).group_by(Store.country_code)
    ):
        counts.setdefault(code, CountryCount(code)).products = int(products)
    return counts


@dataclass(frozen=True)
class CategoryCount:
    category: Category
    products: int
    campaign_products: int


def counts_by_category() -> list[CategoryCount]:
    """Every category with its live products and live campaign products, in the catalogue's order."""
    counts = {
        category_id: (int(products or 0), int(campaign or 0))
        for category_id, products, campaign in db.session.execute(
            select(Product.category_id, func.count(Product.id),
                   func.sum(case((Product.is_campaign.is_(True), 1), else_=0)))
            .join(Store, Store.id == Product.store_id)
            .where(Store.status == StoreStatus.APPROVED, Product.status == ProductStatus.PUBLISHED)
            .group_by(Product.category_id)
        )
    }
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    return [CategoryCount(category, *counts.get(category.id, (0, 0))) for category in categories]


@dataclass(frozen=True)
class FunnelStep:
    """How many of the period's applications reached a step, and the median days the step took."""

    key: str
    count: int
    median_days: float | None  # from the step before; None for the first step or when nobody got there


def _days(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (clock.to_utc(end) - clock.to_utc(start)).total_seconds() / 86400)


def onboarding_funnel(period: ReportPeriod) -> list[FunnelStep]:
    """Applications started in the period → submitted → approved → first product live, with median days
    between each step and the one before (over the stores that took it)."""
    first_live = (select(Product.store_id, func.min(Product.first_approved_at).label("first_live"))
                  .where(Product.first_approved_at.is_not(None)).group_by(Product.store_id).subquery())
    rows = db.session.execute(
        select(Store.created_at, Store.submitted_at, Store.approved_at, first_live.c.first_live)
        .outerjoin(first_live, first_live.c.store_id == Store.id)
        .where(Store.created_at >= period.starts_at, Store.created_at < period.ends_at)
    ).all()
    submitted = [row for row in rows if row.submitted_at is not None or row.approved_at is not None]
    approved = [row for row in rows if row.approved_at is not None]
    live = [row for row in approved if row.first_live is not None]

    def median(durations: list[float | None]) -> float | None:
        known = [value for value in durations if value is not None]
        return round(statistics.median(known), 1) if known else None

    return [
        FunnelStep("started", len(rows), None),
        FunnelStep("submitted", len(submitted), median([_days(r.created_at, r.submitted_at) for r in submitted])),
        FunnelStep("approved", len(approved), median([_days(r.submitted_at, r.approved_at) for r in approved])),
        FunnelStep("live", len(live), median([_days(r.approved_at, r.first_live) for r in live])),
    ]
