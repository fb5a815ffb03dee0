"""Festival fixtures: a fixed timeline in the future, and factories for festivals and deals."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaigns.festivals.models import Deal, DealStatus, Festival, FestivalText, Wave
from marketplace.accounts.models import Role
from marketplace.extensions import db

# The timeline most tests use: registration, curation, warm-up, two waves with a gap between.
T = datetime(2031, 3, 10, 12, 0, tzinfo=UTC)
REGISTRATION_OPENS = T
REGISTRATION_CLOSES = T + timedelta(days=3)
WARMUP_STARTS = T + timedelta(days=5)
WAVE1 = (T + timedelta(days=7), T + timedelta(days=8))
WAVE2 = (T + timedelta(days=9), T + timedelta(days=10))
SECOND = timedelta(seconds=1)


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF)


@pytest.fixture
def shopper(make_user):
    return make_user(role=Role.SHOPPER)


@pytest.fixture
def make_festival(app, staff):
    def make(slug: str = "coffee-tea-week", waves=(WAVE1, WAVE2), registration=(REGISTRATION_OPENS,
             REGISTRATION_CLOSES), warmup: datetime = WARMUP_STARTS, zone: str = "Africa/Nairobi",
             names: dict[str, str] | None = None, themes: dict[str, str] | None = None) -> Festival:
        themes = {"en": "Coffee & Tea Week"} if themes is None else themes
        festival = Festival(
            slug=slug, time_zone=zone, registration_opens_at=registration[0],
            registration_closes_at=registration[1], warmup_starts_at=warmup, created_by_id=staff.id,
            texts=[FestivalText(language=k, name=v, description=f"About {v}", theme=themes.get(k, ""))
                   for k, v in (names or {"en": "Coffee & Tea Week", "zh": "咖啡与茶周"}).items()],
            waves=[Wave(starts_at=s, ends_at=e) for s, e in waves],
        )
        db.session.add(festival)
        db.session.commit()
        return festival

    return make


@pytest.fixture
def make_deal(app, make_product):
    def make(festival: Festival, wave_index: int = 0, product=None, price: int = 700, cap: int = 10,
             limit: int | None = None, status: DealStatus = DealStatus.APPROVED, **product_fields) -> Deal:
        product = product or make_product(price=1000, stock=max(cap, 50), **product_fields)
        wave = sorted(festival.waves, key=lambda w: w.starts_at)[wave_index]
        deal = Deal(festival_id=festival.id, wave_id=wave.id, product_id=product.id, store_id=product.store_id,
                    price_amount=price, currency=product.currency, cap=cap, per_shopper_limit=limit, status=status)
        db.session.add(deal)
        db.session.commit()
        return deal

    return make
