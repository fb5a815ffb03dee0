"""The festival price rule that `orders/pricing.py` asks: a deal's price, only while it may be sold.

`festival_offers` is the rule itself, a plain function of the products, the live deals found for
them, the shopper's purchases and the instant, so it is tested without Flask or a database.
`festival_price_rule` is what is registered: it loads those deals (one query per batch) and asks it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from campaigns.festivals.models import Deal, DealPurchase, DealStatus, Festival, Wave
from marketplace.core.clock import to_utc
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.pricing import Offer, OfferLimit

CACHE_KEY = "festival_live_deals"
REUSE = timedelta(minutes=1)

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.catalog.models import Product


class LiveDeal(NamedTuple):
    """What the rule needs to know of one approved deal (a tuple: pages build hundreds per request)."""

    deal_id: int
    product_id: int
    price: Money
    cap: int
    sold: int
    per_shopper_limit: int | None
    starts_at: datetime
    ends_at: datetime
    paused_at: datetime | None
    source: str  # "festival:<slug>"


def festival_offers(
    product_ids: Iterable[int], deals: Iterable[LiveDeal], purchases: Mapping[int, int], at: datetime
) -> dict[int, Offer]:
    """Offers for the products whose deal is open at `at`, has units left and is within the shopper's limit,
    each saying how many units the shopper may still have at its price."""
    wanted = set(product_ids)
    offers: dict[int, Offer] = {}
    for deal in deals:
        if deal.product_id not in wanted or not deal.starts_at <= at < deal.ends_at:
            continue
        if deal.paused_at is not None and deal.paused_at <= at:
            continue
        if deal.sold >= deal.cap:
            continue
        bought = purchases.get(deal.deal_id, 0)
        if deal.per_shopper_limit is not None and bought >= deal.per_shopper_limit:
            continue
        best = offers.get(deal.product_id)
        if best is None or deal.price.amount < best.price.amount:
            limit = OfferLimit(deal.per_shopper_limit, bought, deal.cap - deal.sold)
            offers[deal.product_id] = Offer(deal.price, deal.source, deal.ends_at, hold=HoldRef("deal", deal.deal_id),
                                            limit=limit)
    return offers


def live_deals(product_ids: Sequence[int], at: datetime) -> list[LiveDeal]:
    """Approved deals of these products whose wave is open at `at` (paused ones included; the rule skips them)."""
    by_product = _deals_around(at)
    return [deal for product_id in dict.fromkeys(product_ids) for deal in by_product.get(product_id, ())
            if deal.starts_at <= at < deal.ends_at]


def _deals_around(at: datetime) -> dict[int, list[LiveDeal]]:
    """Every approved deal open at some instant of `[at, at + REUSE)`, by product: one query per
    transaction for all the prices a page asks (its main product, then related ones, a moment later),
    so no query grows with the page; callers keep those open at their own instant."""
    cached = db.session.info.get(CACHE_KEY)
    if cached is not None and cached[0] <= at < cached[0] + REUSE:
        return cached[1]
    rows = db.session.execute(
        select(Deal.id, Deal.product_id, Deal.price_amount, Deal.currency, Deal.cap, Deal.sold,
               Deal.per_shopper_limit, Wave.starts_at, Wave.ends_at, Festival.paused_at, Festival.slug)
        .join(Wave, Deal.wave_id == Wave.id)
        .join(Festival, Deal.festival_id == Festival.id)
        .where(Deal.status == DealStatus.APPROVED, Wave.starts_at < at + REUSE, Wave.ends_at > at)
    ).all()
    instants: dict = {None: None}  # a wave's instants repeat for each of its deals: convert each once

    def utc(value):
        if value not in instants:
            instants[value] = to_utc(value)
        return instants[value]

    by_product: dict[int, list[LiveDeal]] = {}
    for deal_id, product_id, amount, currency, cap, sold, limit, starts_at, ends_at, paused_at, slug in rows:
        by_product.setdefault(product_id, []).append(
            LiveDeal(deal_id, product_id, Money(amount, currency), cap, sold, limit, utc(starts_at), utc(ends_at),
                     utc(paused_at), f"festival:{slug}"))
    db.session.info[CACHE_KEY] = (at, by_product)
    return by_product


def forget_live_deals(session: Session) -> None:
    """Drop the transaction's cached live deals (after a commit or rollback, or a reservation)."""
    session.info.pop(CACHE_KEY, None)


def shopper_purchases(shopper_id: int | None, deal_ids: Sequence[int]) -> dict[int, int]:
    """Units of each deal the shopper already holds."""
    if shopper_id is None or not deal_ids:
        return {}
    rows = db.session.execute(
        select(DealPurchase.deal_id, DealPurchase.quantity)
        .where(DealPurchase.shopper_id == shopper_id, DealPurchase.deal_id.in_(list(deal_ids)))
    )
    return dict(rows.all())


def festival_price_rule(products: Sequence[Product], shopper: User | None, at: datetime) -> dict[int, Offer]:
    """The price rule registered with `orders/pricing.py`: festival deal prices open at `at`."""
    at = to_utc(at)
    ids = [p.id for p in products]
    deals = live_deals(ids, at)
    if not deals:
        return {}
    shopper_id = getattr(shopper, "id", None) if shopper is not None else None
    purchases = shopper_purchases(shopper_id, [d.deal_id for d in deals if d.per_shopper_limit is not None])
    return festival_offers(ids, deals, purchases, at)


# Registered once per process: what one transaction cached never outlives it.
event.listen(Session, "after_commit", forget_live_deals)
event.listen(Session, "after_soft_rollback", lambda session, _previous: forget_live_deals(session))
