"""The festivals' free-shipping deal rule that `orders/pricing.py` asks: a store ships free what a shopper
buys at the deal price of a festival staff marked "free shipping" (the offer exists only while the deal is
live, so the window is the price rule's)."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select

from campaigns.festivals.models import Festival
from marketplace.extensions import db

SOURCE_PREFIX = "festival:"


def festival_free_shipping(sources: Collection[str], at: datetime) -> set[str]:
    """Those offer sources ("festival:<slug>") whose festival offers free shipping (one query)."""
    slugs = {source.removeprefix(SOURCE_PREFIX) for source in sources if source.startswith(SOURCE_PREFIX)}
    if not slugs:
        return set()
    free = db.session.scalars(select(Festival.slug).where(Festival.slug.in_(slugs), Festival.free_shipping))
    return {SOURCE_PREFIX + slug for slug in free}
