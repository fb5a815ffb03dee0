"""Tourism fixtures: a vendor with a Moroccan store, and experiences built through the services."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from campaigns.tourism import departures, experiences, options
from campaigns.tourism.departures import DepartureSpec
from campaigns.tourism.experiences import ExperienceFacts, ExperienceWords
from campaigns.tourism.options import UnitChanges
from marketplace.accounts.models import Role
from marketplace.catalog.models import ExchangeRate, ProductStatus
from marketplace.core import clock
from marketplace.extensions import db

# Before Morocco's 2027 Ramadan change: clocks go back from 03:00 to 02:00 on 7 February and jump from
# 02:00 to 03:00 on 14 March (Africa/Casablanca).
NOW = datetime(2027, 1, 20, 12, 0, tzinfo=UTC)
DAY = date(2027, 2, 20)  # a Saturday a month after NOW, before the Ramadan change


@pytest.fixture
def frozen():
    with clock.freeze(NOW):
        yield NOW


@pytest.fixture
def vendor(make_user, make_store):
    user = make_user(role=Role.VENDOR)
    make_store(owner=user, country_code="MA", language="fr")
    return user


@pytest.fixture
def category(make_category):
    return make_category(slug="tourism")


def facts(**changes) -> ExperienceFacts:
    values = {"time_zone": "Africa/Casablanca", "duration_minutes": 2880, "meeting_lat": "31.08",
              "meeting_lon": "-4.01", "guide_languages": ["fr", "en"], "minimum_age": 4, "refundable": True,
              "free_cancel_hours": 72, "late_refund_percent": 50}
    values.update(changes)
    return ExperienceFacts(**values)


@pytest.fixture
def make_experience(app, vendor, category):
    """An experience of `vendor` (or `owner`) with one option priced for adults and children."""

    def make(owner=None, published: bool = True, name: str = "Bivouac à Merzouga", **fact_changes):
        owner = owner or vendor
        experience = experiences.create_experience(
            owner, name=name, description="Deux jours dans les dunes.", original_language="fr",
            category_id=str(category.id), facts=facts(**fact_changes),
            words=ExperienceWords(itinerary="Jour 1 : dromadaires.\n\nJour 2 : lever du soleil.",
                                  included="Dîner", excluded="Boissons", meeting_point="Auberge Mohayut"))
        option = options.add_option(owner, experience.product_id, "fr", "Tente partagée")
        options.set_unit(owner, option.id, UnitChanges("adult", "650", 1, 6))
        options.set_unit(owner, option.id, UnitChanges("child", "400", 0, 4, requires_adult=True))
        if published:
            experience.product.status = ProductStatus.PUBLISHED
            db.session.commit()
        return experience

    return make


@pytest.fixture
def online(app):
    """The app pays through an online gateway for one test (experiences are paid online), then its own again."""
    from tests.orders.test_holds import OnlineGateway

    own = app.extensions.pop("payment_gateway", None)
    app.extensions["payment_gateway"] = OnlineGateway()
    yield
    app.extensions.pop("payment_gateway")
    if own is not None:
        app.extensions["payment_gateway"] = own


@pytest.fixture
def departure(app, frozen, vendor, make_experience):
    """A departure on DAY at 07:30 Casablanca time with 10 seats, bookings closing 48 h before (prices in
    dirhams, charged in dollars at 10 dirhams a dollar)."""
    db.session.add(ExchangeRate(base="MAD", quote="USD", rate=Decimal("0.1"), updated_at=NOW))
    db.session.commit()
    experience = make_experience()
    return departures.add_departure(vendor, experience.options[0].id, DAY, time(7, 30),
                                    DepartureSpec(capacity=10, cutoff_hours=48))
