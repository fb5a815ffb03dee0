"""Phases and the price rule across every boundary: one second before and one second after."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from campaigns.festivals import phases
from campaigns.festivals.phases import Phase
from campaigns.festivals.pricing_rule import LiveDeal, festival_offers
from marketplace.core import clock
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.orders.pricing import quote_price
from tests.festivals.conftest import (
    REGISTRATION_CLOSES,
    REGISTRATION_OPENS,
    SECOND,
    WARMUP_STARTS,
    WAVE1,
    WAVE2,
)


@dataclass
class W:
    starts_at: datetime
    ends_at: datetime


@dataclass
class Schedule:
    registration_opens_at: datetime = REGISTRATION_OPENS
    registration_closes_at: datetime = REGISTRATION_CLOSES
    warmup_starts_at: datetime = WARMUP_STARTS
    paused_at: datetime | None = None
    waves: list = field(default_factory=lambda: [W(*WAVE1), W(*WAVE2)])


EDGES = [
    (REGISTRATION_OPENS, Phase.SCHEDULED, Phase.REGISTRATION),
    (REGISTRATION_CLOSES, Phase.REGISTRATION, Phase.CURATION),
    (WARMUP_STARTS, Phase.CURATION, Phase.WARM_UP),
    (WAVE1[0], Phase.WARM_UP, Phase.LIVE),
    (WAVE1[1], Phase.LIVE, Phase.INTERVAL),
    (WAVE2[0], Phase.INTERVAL, Phase.LIVE),
    (WAVE2[1], Phase.LIVE, Phase.ENDED),
]


@pytest.mark.parametrize(("edge", "before", "after"), EDGES)
def test_phase_changes_exactly_at_each_boundary(edge, before, after):
    schedule = Schedule()
    assert phases.phase_at(schedule, edge - SECOND) == before
    assert phases.phase_at(schedule, edge) == after  # half-open: the new phase holds at the instant
    assert phases.phase_at(schedule, edge + SECOND) == after
    assert phases.next_boundary(schedule, edge - SECOND) == edge


def test_a_paused_festival_sells_nothing_from_the_pause_on():
    schedule = Schedule(paused_at=WAVE1[0] + timedelta(hours=2))
    assert phases.phase_at(schedule, WAVE1[0] + timedelta(hours=2) - SECOND) == Phase.LIVE
    assert phases.phase_at(schedule, WAVE1[0] + timedelta(hours=2)) == Phase.PAUSED
    assert phases.phase_at(schedule, WAVE2[1]) == Phase.ENDED
    assert not phases.deal_is_live(schedule, schedule.waves[1], WAVE2[0] + SECOND)


# --- The rule as a plain function: no Flask, no database ---------------------------------------

def live_deal(**changes) -> LiveDeal:
    values = dict(deal_id=1, product_id=7, price=Money(700, "USD"), cap=5, sold=0, per_shopper_limit=None,
                  starts_at=WAVE1[0], ends_at=WAVE1[1], paused_at=None, source="festival:week")
    values.update(changes)
    return LiveDeal(**values)


@pytest.mark.parametrize(("at", "priced"), [
    (WAVE1[0] - SECOND, False), (WAVE1[0], True), (WAVE1[0] + SECOND, True),
    (WAVE1[1] - SECOND, True), (WAVE1[1], False), (WAVE1[1] + SECOND, False),
])
def test_the_rule_prices_only_inside_the_window(at, priced):
    offers = festival_offers([7], [live_deal()], {}, at)
    assert (7 in offers) is priced
    if priced:
        assert offers[7].price == Money(700, "USD") and offers[7].ends_at == WAVE1[1]


def test_the_rule_stops_at_the_cap_the_pause_and_the_shoppers_limit():
    at = WAVE1[0] + SECOND
    assert festival_offers([7], [live_deal(sold=5)], {}, at) == {}
    assert 7 in festival_offers([7], [live_deal(sold=4)], {}, at)
    assert festival_offers([7], [live_deal(paused_at=at)], {}, at) == {}
    assert festival_offers([7], [live_deal(per_shopper_limit=2)], {1: 2}, at) == {}
    assert 7 in festival_offers([7], [live_deal(per_shopper_limit=2)], {1: 1}, at)
    assert festival_offers([8], [live_deal()], {}, at) == {}, "only the products asked about"


# --- Through the one price function, with the clock moved ----------------------------------------

def test_quote_price_follows_the_clock_through_both_waves(make_festival, make_deal):
    festival = make_festival()
    first = make_deal(festival, 0, price=700)
    second = make_deal(festival, 1, product=first.product, price=650)
    product = first.product
    expected = [
        (WAVE1[0] - SECOND, 1000), (WAVE1[0], 700), (WAVE1[1] - SECOND, 700), (WAVE1[1], 1000),
        (WAVE2[0] - SECOND, 1000), (WAVE2[0] + SECOND, 650), (WAVE2[1] - SECOND, 650), (WAVE2[1], 1000),
    ]
    for at, amount in expected:
        with clock.freeze(at):
            assert quote_price(product).price.amount == amount, at
    assert second.id


def test_a_sold_out_or_paused_deal_quotes_the_regular_price(make_festival, make_deal):
    festival = make_festival()
    deal = make_deal(festival, cap=3)
    at = WAVE1[0] + timedelta(minutes=5)
    assert quote_price(deal.product, at=at).price.amount == 700
    deal.sold = 3
    db.session.commit()
    assert quote_price(deal.product, at=at).price.amount == 1000
    deal.sold = 0
    festival.paused_at = at - SECOND
    db.session.commit()
    assert quote_price(deal.product, at=at).price.amount == 1000


def test_unapproved_deals_never_price(make_festival, make_deal):
    from campaigns.festivals.models import DealStatus

    festival = make_festival()
    deal = make_deal(festival, status=DealStatus.PROPOSED)
    assert quote_price(deal.product, at=WAVE1[0] + SECOND).price.amount == 1000


def test_the_shoppers_limit_ends_the_offer_for_that_shopper_only(make_festival, make_deal, shopper, make_user):
    from campaigns.festivals.reservations import reserve_deal_units

    festival = make_festival()
    deal = make_deal(festival, limit=1)
    at = WAVE1[0] + SECOND
    reserve_deal_units(deal.id, shopper.id, 1, at)
    assert quote_price(deal.product, shopper, at).price.amount == 1000
    assert quote_price(deal.product, make_user(), at).price.amount == 700
    assert datetime.now(UTC)  # the real clock is untouched by freeze blocks
