"""Experiences in festivals: a deal's festival price for every traveller, and its seats capped per departure.

Entering through the vendor's service (and its refusals), the price a booking gets while the deal is live,
checkout taking the festival seats with the departure's own in the one lock order, seats coming back on
expiry and cancellation, and 40 buyers at once for 5 festival seats of one departure on both databases.
"""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.festivals.entries import EntryInput, approve_deal, propose_deal, set_deal_cap, vendor_products
from campaigns.festivals.models import Deal, DealDeparture, DealStatus, Festival, FestivalText, Wave
from campaigns.tourism import cancellation
from campaigns.tourism import departures as departure_service
from campaigns.tourism.departures import DepartureSpec
from campaigns.tourism.models import Departure
from marketplace.accounts.models import Role, User
from marketplace.core import clock
from marketplace.core.errors import ValidationError
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.checkout import SoldOut, new_checkout_key, place_order
from marketplace.orders.holds.lapsed import release_expired_reservations
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.models import Cart, CartItem, Order, OrderLine
from tests.concurrency import run_at_once
from tests.orders import conftest as order_fixtures
from tests.orders.test_checkout_races import POOL, make_shoppers
from tests.orders.test_holds import OnlineGateway
from tests.tourism.conftest import DAY, NOW
from tests.tourism.test_booking import party, product_id, ref, seats

shopper = order_fixtures.shopper
HOUR = timedelta(hours=1)


def tourism_week(**wave) -> Festival:
    """A festival whose one wave is live at NOW (or as given)."""
    festival = Festival(slug="tourism-week", registration_opens_at=NOW - 48 * HOUR,
                        registration_closes_at=NOW - 24 * HOUR, warmup_starts_at=NOW - 24 * HOUR,
                        texts=[FestivalText(language="en", name="Tourism Week")],
                        waves=[Wave(starts_at=wave.get("starts_at", NOW - HOUR),
                                    ends_at=wave.get("ends_at", NOW + 48 * HOUR))])
    db.session.add(festival)
    db.session.commit()
    return festival


def live_deal(departure: Departure, price: int = 50000, cap: int = 4) -> Deal:
    """An approved deal on the departure's experience (adult 650 → festival 500 dirhams), live at NOW."""
    festival = tourism_week()
    experience = departure.option.experience
    deal = Deal(festival_id=festival.id, wave_id=festival.waves[0].id, product_id=experience.product_id,
                store_id=experience.product.store_id, price_amount=price, currency="MAD", cap=cap,
                status=DealStatus.APPROVED)
    db.session.add(deal)
    db.session.flush()
    from campaigns.festivals.experience_deals import pair_departures

    pair_departures(deal_ids=[deal.id])
    db.session.commit()
    return deal


def festival_sold(deal: Deal, departure: Departure) -> int:
    db.session.expire_all()
    return db.session.scalar(select(DealDeparture.sold).where(DealDeparture.deal_id == deal.id,
                                                              DealDeparture.departure_id == departure.id))


def book(shopper, departure, **units) -> None:
    carts.add_booking(shopper, None, product_id(departure), ref(departure), units, "en")


# --- Entering ---------------------------------------------------------------------------------------

def test_a_vendor_enters_an_experience_with_seats_per_date_and_later_dates_are_covered(
        app, vendor, departure, make_user):
    with clock.freeze(NOW - 36 * HOUR):  # registration is open
        festival = tourism_week()
        assert departure.option.experience.product in vendor_products(vendor)
        deal = propose_deal(vendor, festival, EntryInput(festival.waves[0].id, product_id(departure), "500", 3,
                                                         per_shopper_limit=2))
        assert deal.cap == 3 and deal.per_shopper_limit is None  # a cap of seats per date, no shopper limit
        assert festival_sold(deal, departure) == 0
        later = departure_service.add_departure(vendor, departure.option_id, DAY + timedelta(days=3), time(7, 30),
                                                DepartureSpec(capacity=8, cutoff_hours=48))
        assert festival_sold(deal, later) == 0  # the new date has its festival seats too
        staff = make_user(email="staff@example.com", role=Role.STAFF)
        approve_deal(staff, deal)
        with pytest.raises(ValidationError, match="between 1 and 500"):
            set_deal_cap(staff, deal, 501)


@pytest.mark.parametrize(("price", "cap", "field"), [("700", 3, "price"), ("500", 0, "cap"), ("500", 900, "cap")])
def test_an_experience_entry_at_no_discount_or_a_bad_seat_count_is_refused(app, vendor, departure, price, cap, field):
    with clock.freeze(NOW - 36 * HOUR):
        festival = tourism_week()
        with pytest.raises(ValidationError) as refused:
            propose_deal(vendor, festival, EntryInput(festival.waves[0].id, product_id(departure), price, cap))
    assert field in refused.value.fields
    assert db.session.scalar(select(func.count(Deal.id))) == 0
    assert db.session.scalar(select(func.count(DealDeparture.id))) == 0


# --- Price and seats ----------------------------------------------------------------------------------

def test_every_traveller_pays_the_deals_share_while_festival_seats_are_left(frozen, departure, shopper):
    live_deal(departure, price=50000, cap=4)
    book(shopper, departure, adult=2, child=1)
    [line] = carts.price_cart(carts.find_cart(shopper, None), shopper, "en").lines
    assert line.quote.discounted and line.quote.regular.amount == 2 * 65000 + 40000
    assert line.quote.price.amount == 2 * 50000 + 30769  # 400 × 500/650, rounded to the centime
    assert line.booking.units == {"adult": {"count": 2, "amount": 50000}, "child": {"count": 1, "amount": 30769}}
    book(shopper, departure, adult=5)  # more travellers than festival seats: the regular price, never split
    [line] = carts.price_cart(carts.find_cart(shopper, None), shopper, "en").lines
    assert not line.quote.discounted and line.quote.price.amount == 5 * 65000


def test_checkout_takes_festival_seats_with_the_departures_and_they_come_back(
        app, online, frozen, departure, shopper, make_user):
    deal = live_deal(departure, cap=4)
    book(shopper, departure, adult=3)
    order = place_order(shopper, party(departure, "A", "B", "C"), new_checkout_key(), "en")
    [line] = order.lines
    assert line.offer_hold.kind == "deal_seats" and line.unit_amount == 3 * 50000
    assert festival_sold(deal, departure) == 3 and seats(departure.id) == (3, 0)

    other = make_user(email="other@example.com")
    book(other, departure, adult=2)  # one festival seat left: two travellers pay the regular price
    [quoted] = carts.price_cart(carts.find_cart(other, None), other, "en").lines
    assert not quoted.quote.discounted

    with clock.freeze(clock.to_utc(order.reserved_until) + timedelta(seconds=1)):  # the shopper never paid
        release_expired_reservations(clock.now())
        db.session.commit()
    assert festival_sold(deal, departure) == 0 and seats(departure.id) == (0, 0)


def test_a_cancelled_departure_gives_its_festival_seats_back(app, online, frozen, vendor, departure, shopper):
    deal = live_deal(departure, cap=4)
    book(shopper, departure, adult=2)
    order = place_order(shopper, party(departure, "A", "B"), new_checkout_key(), "en")
    with clock.freeze(clock.to_utc(order.reserved_until) + timedelta(seconds=1)):
        release_expired_reservations(clock.now())
        db.session.commit()
    cancellation.cancel_departure(vendor, departure.id)
    assert festival_sold(deal, departure) == 0


def test_a_deal_that_ended_refuses_its_price_at_checkout_and_nothing_is_held(app, online, departure, shopper):
    with clock.freeze(NOW):
        deal = live_deal(departure, cap=4)
        book(shopper, departure, adult=1)
    db.session.execute(Wave.__table__.update().values(ends_at=NOW + HOUR))
    db.session.commit()
    with clock.freeze(NOW + 2 * HOUR):
        [line] = carts.price_cart(carts.find_cart(shopper, None), shopper, "en").lines
        assert not line.quote.discounted  # the cart shows the regular price once the wave is over
    assert festival_sold(deal, departure) == 0


# --- Races ------------------------------------------------------------------------------------------

def test_40_buyers_at_once_for_5_festival_seats_of_one_departure(app, make_app, frozen, online, departure):
    deal = live_deal(departure, cap=5)
    buyers = make_shoppers(40)
    pid = product_id(departure)
    db.session.add_all(Cart(user_id=buyer, items=[CartItem(product_id=pid, quantity=1, booking=ref(departure),
                                                           units={"adult": 1}, seen_amount=50000,
                                                           seen_currency="MAD")]) for buyer in buyers)
    db.session.commit()
    racing = make_app(**POOL)
    racing.extensions["payment_gateway"] = OnlineGateway()
    traveller = party(departure, "Traveller")

    def buy(buyer_id: int):
        def call() -> tuple[int, int]:
            with clock.freeze(NOW):
                buyer = db.session.get(User, buyer_id)
                order = place_order(buyer, traveller, new_checkout_key(), "en")
                return order.id
        return call

    outcomes = run_at_once(racing, [buy(buyer) for buyer in buyers])
    assert not outcomes.unexpected(SoldOut), outcomes.unexpected(SoldOut)
    db.session.expire_all()
    lines = db.session.scalars(select(OrderLine).where(OrderLine.booking == ref(departure))).all()
    festival_lines = [line for line in lines if line.offer_hold is not None]
    regular_lines = len(lines) - len(festival_lines)
    # Never more festival seats than the cap; a buyer refused the festival price may have paid the regular one
    # (the cart is priced again in checkout), and the departure's ten seats are never overbooked.
    assert len(festival_lines) == festival_sold(deal, departure) == 5
    assert all(line.unit_amount == 50000 for line in festival_lines)
    assert seats(departure.id)[0] == 5 + regular_lines <= 10
    assert db.session.scalar(select(func.count(Order.id))) == outcomes.kinds.get("ok", 0)


def test_the_festival_seats_hold_ref_sorts_between_deal_units_and_departure_seats():
    from marketplace.orders.holds.refs import in_lock_order

    refs = [HoldRef("departure", 1), HoldRef("deal_seats", 9), HoldRef("deal", 50), HoldRef("seat", 2)]
    assert [r.kind for r in in_lock_order(refs)] == ["deal", "deal_seats", "departure", "seat"]


def test_staff_and_the_operator_see_festival_seats_sold_over_every_date(
        app, online, frozen, client, login, vendor, departure, shopper, make_user):
    deal = live_deal(departure, cap=4)
    book(shopper, departure, adult=3)
    place_order(shopper, party(departure, "A", "B", "C"), new_checkout_key(), "en")
    login(make_user(email="staff@example.com", role=Role.STAFF))
    staff_page = client.get(f"/en/staff/festivals/{deal.festival_id}").get_data(as_text=True)
    assert "3 seats sold · 4 seats per date at this price" in staff_page
    login(vendor)
    vendor_page = client.get("/en/vendor/festivals/").get_data(as_text=True)
    assert "3 seats sold · 4 seats per date at this price" in vendor_page


def test_festival_results_count_bookings_at_the_festival_price_by_seat_and_date(
        app, online, frozen, vendor, departure, shopper, make_user):
    from campaigns.reporting.festival_results import read_results
    from marketplace.orders.webhooks import apply_payment_report
    from marketplace.payments import PaymentReport

    deal = live_deal(departure, cap=4)
    later = departure_service.add_departure(vendor, departure.option_id, DAY + timedelta(days=7), time(7, 30),
                                            DepartureSpec(capacity=8, cutoff_hours=48))  # a second date of the deal
    book(shopper, departure, adult=3)
    order = place_order(shopper, party(departure, "A", "B", "C"), new_checkout_key(), "en")
    assert apply_payment_report(PaymentReport(order.gateway_reference, order.id, "paid", order.total_amount,
                                              order.currency, event_id="evt-1", event_type="paid"), "fake") == "paid"
    other = make_user(email="other@example.com")
    book(other, later, adult=1)
    place_order(other, party(later, "D"), new_checkout_key(), "en")  # held by a checkout, not paid yet

    results = read_results(deal.festival_id, "en", NOW)
    assert results.totals.orders == 1 and results.totals.units == 3  # seats, not booking lines
    assert results.reserved == 1 and results.oversold == 0
    [row] = results.tables["deals"].rows
    assert row[4:9] == [8, 4, 1, 3, 50]  # offered (4 seats × 2 dates), taken, held now, in placed orders, %
