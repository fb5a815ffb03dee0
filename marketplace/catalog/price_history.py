"""Products' price history: every regular price a product had, and since when.

Festival rules read it (a festival price must be below the lowest price of the past 30 days), so every
path that sets a price records here, in the same transaction as the price itself.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from marketplace.catalog.models import PriceChange, Product
from marketplace.core import clock
from marketplace.extensions import db


def record_price(product: Product, at: datetime | None = None, *, commit: bool = False) -> None:
    """Add the product's current price to its history when it differs from the latest entry."""
    if product.id is None:
        db.session.flush()
    latest = db.session.execute(
        select(PriceChange.price_amount, PriceChange.currency).where(PriceChange.product_id == product.id)
        .order_by(PriceChange.changed_at.desc(), PriceChange.id.desc()).limit(1)
    ).first()
    if latest is None or (latest[0], latest[1]) != (product.price_amount, product.currency):
        db.session.add(PriceChange(product_id=product.id, price_amount=product.price_amount,
                                   currency=product.currency, changed_at=at or clock.now()))
    if commit:
        db.session.commit()


def record_prices(prices: dict[int, tuple[int, str]], at: datetime | None = None) -> None:
    """Add new prices (product id -> (amount, currency)) to the history, without committing."""
    when = at or clock.now()
    db.session.add_all(
        PriceChange(product_id=product_id, price_amount=amount, currency=currency, changed_at=when)
        for product_id, (amount, currency) in prices.items()
    )


def ensure_price_history(products: Sequence[Product]) -> int:
    """Record the current price of each product that has no history yet; returns how many were recorded."""
    ids = [p.id for p in products]
    known = set(db.session.scalars(select(PriceChange.product_id).where(PriceChange.product_id.in_(ids)).distinct()))
    missing = {p.id: (p.price_amount, p.currency) for p in products if p.id not in known}
    if missing:
        record_prices(missing)
        db.session.commit()
    return len(missing)
