"""Vendor entries: the 30-day low, caps against stock, overlaps, staff curation and vendor sales."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.festivals import entries
from campaigns.festivals.entries import EntryInput
from campaigns.festivals.models import Deal, DealStatus
from campaigns.festivals.reservations import reserve_deal_units
from marketplace.accounts.models import Role
from marketplace.catalog.models import PriceChange
from marketplace.catalog.price_history import record_price
from marketplace.core import clock
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.extensions import db
from tests.festivals.conftest import REGISTRATION_CLOSES, REGISTRATION_OPENS, WARMUP_STARTS, WAVE1

DURING_REGISTRATION = REGISTRATION_OPENS + timedelta(hours=1)


@pytest.fixture
def vendor_product(make_user, make_store, make_product):
    vendor = make_user(role=Role.VENDOR)
    product = make_product(store=make_store(owner=vendor), price=10000, currency="KES", stock=40)
    return vendor, product


def deals_count() -> int:
    return db.session.scalar(select(func.count(Deal.id)))


def propose(vendor, festival, product, price="80", cap=10, limit=None, wave=0):
    wave_id = sorted(festival.waves, key=lambda w: w.starts_at)[wave].id
    return entries.propose_deal(vendor, festival, EntryInput(wave_id, product.id, price, cap, limit))


def test_the_festival_price_must_be_below_the_lowest_price_of_the_last_30_days(make_festival, vendor_product):
    vendor, product = vendor_product
    festival = make_festival()
    with clock.freeze(DURING_REGISTRATION - timedelta(days=20)):
        product.price_amount = 9000  # a sale three weeks ago, written by the back office's price edit
        record_price(product, commit=True)
    with clock.freeze(DURING_REGISTRATION - timedelta(days=10)):
        product.price_amount = 10000  # price raised before the festival
        record_price(product, commit=True)
    with clock.freeze(DURING_REGISTRATION):
        with pytest.raises(ValidationError, match="lowest price of the last 30 days") as caught:
            propose(vendor, festival, product, price="90")  # below today's price, not below the 30-day low
        assert "price" in caught.value.fields
        assert deals_count() == 0
        deal = propose(vendor, festival, product, price="89.50", limit=2)
    assert deal.price.amount == 8950 and deal.status == DealStatus.PROPOSED and deal.per_shopper_limit == 2


def test_an_old_low_outside_the_30_days_does_not_count(make_festival, vendor_product):
    vendor, product = vendor_product
    festival = make_festival()
    with clock.freeze(DURING_REGISTRATION - timedelta(days=45)):
        product.price_amount = 5000
        record_price(product, commit=True)
    with clock.freeze(DURING_REGISTRATION - timedelta(days=31)):
        product.price_amount = 10000
        record_price(product, commit=True)
    with clock.freeze(DURING_REGISTRATION):
        assert entries.lowest_recent_price(product).amount == 10000
        assert propose(vendor, festival, product, price="95")


def test_products_without_history_get_their_current_price_recorded(make_festival, vendor_product):
    vendor, product = vendor_product
    with clock.freeze(DURING_REGISTRATION):
        propose(vendor, make_festival(), product, price="99")
    assert db.session.scalar(select(PriceChange.price_amount).where(PriceChange.product_id == product.id)) == 10000


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"cap": 41}, "cap"), ({"cap": 0}, "cap"), ({"limit": 11}, "per_shopper_limit"),
    ({"price": "abc"}, "price"), ({"price": "0"}, "price"), ({"price": "100"}, "price"),
])
def test_bad_entries_are_refused_and_nothing_is_saved(make_festival, vendor_product, kwargs, field):
    vendor, product = vendor_product
    with clock.freeze(DURING_REGISTRATION), pytest.raises(ValidationError) as caught:
        propose(vendor, make_festival(), product, **kwargs)
    assert field in caught.value.fields
    assert deals_count() == 0


def test_entries_only_during_registration_and_only_own_products(make_festival, vendor_product, make_product,
                                                                make_user):
    vendor, product = vendor_product
    festival = make_festival()
    for at in (REGISTRATION_OPENS - timedelta(seconds=1), REGISTRATION_CLOSES):
        with clock.freeze(at), pytest.raises(Conflict, match="closed"):
            propose(vendor, festival, product)
    with clock.freeze(DURING_REGISTRATION):
        with pytest.raises(ValidationError):
            propose(vendor, festival, make_product(price=10000, currency="KES"))
        with pytest.raises(PermissionDenied):
            propose(make_user(role=Role.SHOPPER), festival, product)
    assert deals_count() == 0


def test_one_product_cannot_be_on_two_deals_at_once(make_festival, vendor_product):
    vendor, product = vendor_product
    first = make_festival(slug="first")
    overlapping = make_festival(slug="second", waves=((WAVE1[0] + timedelta(hours=3), WAVE1[1] + timedelta(hours=3)),))
    with clock.freeze(DURING_REGISTRATION):
        propose(vendor, first, product)
        with pytest.raises(Conflict, match="already in a deal"):
            propose(vendor, overlapping, product)
        propose(vendor, first, product, wave=1)  # the other wave does not overlap
    assert deals_count() == 2


def test_staff_curate_and_vendors_see_state_and_sales(make_festival, vendor_product, staff, shopper):
    vendor, product = vendor_product
    festival = make_festival()
    with clock.freeze(DURING_REGISTRATION):
        approved = propose(vendor, festival, product, cap=10)
        rejected = propose(vendor, festival, product, wave=1)
    with clock.freeze(WARMUP_STARTS):
        with pytest.raises(PermissionDenied):
            entries.approve_deal(vendor, approved)
        entries.approve_deal(staff, approved)
        with pytest.raises(Conflict):
            entries.approve_deal(staff, approved)
        with pytest.raises(ValidationError):
            entries.reject_deal(staff, rejected, "no")
        entries.reject_deal(staff, rejected, "The photo does not show the product.")
        with pytest.raises(ValidationError):
            entries.set_deal_cap(staff, approved, 41)
        entries.set_deal_cap(staff, approved, 4)
    reserve_deal_units(approved.id, shopper.id, 3, WAVE1[0])
    with clock.freeze(WAVE1[0] + timedelta(minutes=1)):
        with pytest.raises(ValidationError):
            entries.set_deal_cap(staff, approved, 2)  # three are sold already
        with pytest.raises(Conflict):
            entries.reject_deal(staff, approved, "Too late for this.")
    mine = {d.id: d for d in entries.vendor_deals(vendor)}
    assert mine[approved.id].sold == 3 and mine[approved.id].cap == 4
    assert mine[rejected.id].status == DealStatus.REJECTED
    assert mine[rejected.id].review_note == "The photo does not show the product."


def test_demo_seed_makes_live_upcoming_and_past_festivals_once(app, client):
    from campaigns.demo.festivals import seed_experience_deals, seed_festivals
    from campaigns.demo.seed import seed_demo
    from campaigns.festivals.models import DealDeparture
    from campaigns.festivals.services import festivals_by_status

    seed_demo(stores=40, products=120)
    groups = festivals_by_status(clock.now())
    assert [len(groups[k]) for k in ("live", "upcoming", "past")] == [1, 2, 1]
    live = groups["live"][0]
    countries = {d.store.country_code for d in entries.festival_entries(live)}
    assert len(countries) >= 10
    week = next(f for f in groups["upcoming"] if f.slug == "tourism-week")  # its deals are on experiences
    on_experiences = [d for d in entries.festival_entries(week) if d.product.is_experience]
    assert len(on_experiences) == 12 and len({d.store_id for d in on_experiences}) == 12
    paired = db.session.scalars(select(DealDeparture.deal_id).distinct()).all()
    assert sorted(paired) == sorted(d.id for d in on_experiences)  # every date of each has festival seats
    assert seed_festivals() == 0 and seed_experience_deals() == 0
    page = client.get(f"/zh/festivals/{live.slug}").get_data(as_text=True)
    assert "非洲优质产品节" in page and "festival-price" in page
