"""Booking departures through the cart and checkout: seats held with the stock, named travellers, paid online.

Services first (bad input changes nothing), then checkout with an online gateway (seats held, then expiring
with no sweeper running), payments through the Stripe test double (seats sold; a late payment takes them
again or is refunded, never overbooked), then 200 buyers at once for 10 seats on both databases.
"""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.tourism import cancellation
from campaigns.tourism import departures as departure_service
from campaigns.tourism.departures import DepartureSpec
from campaigns.tourism.models import Departure
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.checkout import Destination, SoldOut, TravellerInput, new_checkout_key, place_order
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.models import Cart, CartItem, FulfilmentState, Order, OrderLine, PaymentState, Traveller
from tests.concurrency import run_at_once
from tests.orders import conftest as order_fixtures
from tests.orders.test_checkout_races import POOL, make_shoppers
from tests.orders.test_holds import OnlineGateway
from tests.payments import conftest as payment_fixtures
from tests.payments.conftest import event, post_event
from tests.tourism.conftest import DAY, NOW

# Fixtures of the order and payment tests, for this module (a conftest reaches only its own folder).
shopper = order_fixtures.shopper
fake_stripe, stripe_app, outbox = payment_fixtures.fake_stripe, payment_fixtures.stripe_app, payment_fixtures.outbox

LEAD = dict(recipient_name="Li Wei", phone="+86 138 0013 8000", email="li.wei@example.com")


def ref(departure: Departure) -> HoldRef:
    return HoldRef("departure", departure.id)


def product_id(departure: Departure) -> int:
    return departure.option.experience.product_id


def book(shopper, departure, **units) -> None:
    carts.add_booking(shopper, None, product_id(departure), ref(departure), units or {"adult": 2, "child": 1}, "en")


def party(departure, *names: str) -> Destination:
    return Destination(**LEAD, party={product_id(departure): [TravellerInput(name=name) for name in names]})


def seats(departure_id: int) -> tuple[int, int]:
    db.session.expire_all()
    found = db.session.get(Departure, departure_id)
    return found.seats_held, found.seats_sold


def cart_lines(shopper) -> int:
    return db.session.scalar(select(func.count(CartItem.id)).join(Cart).where(Cart.user_id == shopper.id)) or 0


# --- Putting a booking in the cart ------------------------------------------------------------------

def test_a_booking_is_one_cart_line_priced_as_a_whole_with_no_quantity_or_stock(departure, shopper):
    book(shopper, departure, adult=2, child=1)
    priced = carts.price_cart(carts.find_cart(shopper, None), shopper, "en")
    [line] = priced.lines
    assert line.is_booking and line.quantity == 1 and not line.problem
    assert line.quote.price.amount == 2 * 65000 + 40000  # 650 and 400 dirhams a seat
    assert line.booking.seats == 3
    assert "2 × Adult, 1 × Child" in line.booking.detail and "Casablanca" in line.booking.detail
    assert priced.bookings == [line] and not priced.needs_address
    assert seats(departure.id) == (0, 0)  # seats are held at checkout, not in a cart


def test_booking_again_replaces_the_experience_booking_in_the_cart(app, frozen, vendor, departure, shopper):
    other = departure_service.add_departure(vendor, departure.option_id, DAY + timedelta(days=1), time(7, 30),
                                            DepartureSpec(capacity=10, cutoff_hours=48))
    book(shopper, departure, adult=2)
    book(shopper, other, adult=1)
    [item] = carts.find_cart(shopper, None).items
    assert item.booking == ref(other) and item.units == {"adult": 1} and item.quantity == 1


@pytest.mark.parametrize(("units", "field"), [
    ({"adult": 0, "child": 0}, None),  # nobody
    ({"adult": 7}, "units-adult"),  # over the option's maximum of 6
    ({"child": 2}, "units-adult"),  # children need an adult (the adult minimum is 1)
    ({"adult": 1, "student": 1}, "units-student"),  # a kind the option does not sell
])
def test_units_out_of_bounds_are_refused_and_nothing_goes_in_the_cart(departure, shopper, units, field):
    with pytest.raises(ValidationError) as refused:
        book(shopper, departure, **units)
    if field:
        assert field in refused.value.fields
    assert cart_lines(shopper) == 0


def test_a_departure_of_another_experience_or_none_at_all_is_not_found(
        app, frozen, vendor, departure, shopper, make_experience):
    other_experience = make_experience(name="Cours de cuisine")
    with pytest.raises(NotFound):
        carts.add_booking(shopper, None, other_experience.product_id, ref(departure), {"adult": 1}, "en")
    with pytest.raises(NotFound):
        carts.add_booking(shopper, None, product_id(departure), HoldRef("departure", 999_999), {"adult": 1}, "en")
    with pytest.raises(NotFound):  # a kind nothing books
        carts.add_booking(shopper, None, product_id(departure), HoldRef("deal", departure.id), {"adult": 1}, "en")
    assert cart_lines(shopper) == 0


def test_a_closed_cancelled_or_full_departure_is_refused_with_its_reason(app, vendor, departure, shopper):
    with clock.freeze(departure.closes_at):
        with pytest.raises(Conflict, match="Booking closed 48 hours before the start"):
            book(shopper, departure, adult=1)
    departure.seats_sold = 9
    db.session.commit()
    with pytest.raises(Conflict, match="Only 1 seat is left"):
        book(shopper, departure, adult=2)
    cancellation.cancel_departure(vendor, departure.id)
    with pytest.raises(Conflict, match="cancelled by the operator"):
        book(shopper, departure, adult=1)
    assert cart_lines(shopper) == 0


def test_an_experience_cannot_be_added_by_quantity_like_goods(departure, shopper):
    with pytest.raises(ValidationError, match="Choose a date"):
        carts.add_item(shopper, None, product_id(departure), 3)
    book(shopper, departure, adult=1)
    with pytest.raises(ValidationError, match="on its page"):
        carts.set_quantity(shopper, None, product_id(departure), 4)


# --- Checkout ---------------------------------------------------------------------------------------

def test_checkout_holds_the_seats_names_every_traveller_and_takes_no_stock(online, departure, shopper):
    book(shopper, departure, adult=2, child=1)
    stock_before = db.session.get(Departure, departure.id).option.experience.product.stock
    order = place_order(shopper, party(departure, "Li Wei", "Wang Fang", "Li Xiaoming"), new_checkout_key(), "en")
    assert order.payment_state == PaymentState.PENDING and order.reserved_until is not None
    [line] = order.lines
    assert (line.quantity, line.seats, line.booking) == (1, 3, ref(departure))
    assert line.unit_amount == 170000 and line.currency == "MAD" and order.total_amount == 17000
    assert line.units == {"adult": {"count": 2, "amount": 65000}, "child": {"count": 1, "amount": 40000}}
    assert [(t.position, t.unit, t.name) for t in line.travellers] == [
        (1, "adult", "Li Wei"), (2, "adult", "Wang Fang"), (3, "child", "Li Xiaoming")]
    assert order.recipient_name == "Li Wei" and order.address_line == ""  # a booking needs no postal address
    assert seats(departure.id) == (3, 0)
    assert db.session.get(Departure, departure.id).option.experience.product.stock == stock_before


def test_every_seat_needs_a_named_traveller_and_a_bad_one_changes_nothing(online, departure, shopper):
    book(shopper, departure, adult=2, child=1)
    destination = Destination(**LEAD, party={product_id(departure): [
        TravellerInput(name="Li Wei", nationality="CN"), TravellerInput(name="  ", nationality="XX"),
        TravellerInput(name="x" * 121)]})
    with pytest.raises(ValidationError) as refused:
        place_order(shopper, destination, new_checkout_key(), "en")
    pid = product_id(departure)
    assert set(refused.value.fields) == {f"traveller-{pid}-2-name", f"traveller-{pid}-2-nationality",
                                         f"traveller-{pid}-3-name"}
    assert db.session.scalar(select(func.count(Order.id))) == 0 and seats(departure.id) == (0, 0)
    assert cart_lines(shopper) == 1


def test_experiences_are_never_offered_pay_on_delivery(app, departure, shopper):
    assert not app.extensions["payment_gateway"].collects_online  # the demo's default gateway
    book(shopper, departure, adult=1)
    with pytest.raises(ValidationError, match="paid online"):
        place_order(shopper, party(departure, "Li Wei"), new_checkout_key(), "en")
    assert db.session.scalar(select(func.count(Order.id))) == 0 and seats(departure.id) == (0, 0)


def test_a_cart_of_goods_and_a_booking_makes_one_order_with_a_part_per_store(
        online, departure, shopper, make_product):
    honey = make_product(name="Honey", price=900, stock=5)
    carts.add_item(shopper, None, honey.id, 2)
    book(shopper, departure, adult=1)
    destination = party(departure, "Li Wei")
    for name, value in dict(country_code="CN", city="Shanghai", address_line="88 Century Avenue",
                            postal_code="200120").items():
        setattr(destination, name, value)
    order = place_order(shopper, destination, new_checkout_key(), "en")
    assert len(order.vendor_orders) == 2 and len(order.lines) == 2
    assert db.session.get(type(honey), honey.id).stock == 3 and seats(departure.id) == (1, 0)


def test_a_departure_filled_meanwhile_is_refused_at_checkout_with_nothing_held(online, departure, shopper):
    book(shopper, departure, adult=2)
    departure.seats_sold = 9
    db.session.commit()
    with pytest.raises(SoldOut) as refused:
        place_order(shopper, party(departure, "Li Wei", "Wang Fang"), new_checkout_key(), "en")
    assert "Only 1 seat is left" in refused.value.lines[0]["problem"]
    assert seats(departure.id) == (0, 9) and db.session.scalar(select(func.count(Order.id))) == 0


def test_seats_of_a_lapsed_reservation_come_back_with_no_sweeper_running(app, online, departure, shopper, make_user):
    book(shopper, departure, adult=2, child=1)
    order = place_order(shopper, party(departure, "A", "B", "C"), new_checkout_key(), "en")
    assert seats(departure.id) == (3, 0)
    with clock.freeze(clock.to_utc(order.reserved_until) + timedelta(seconds=1)):
        client = app.test_client()
        page = client.get(f"/en/experiences/{departure.option.experience.product.slug}?departure={departure.id}")
        assert page.status_code == 200
    assert seats(departure.id) == (0, 0)  # reading the page gave them back
    assert db.session.get(Order, order.id).payment_state == PaymentState.EXPIRED


# --- Paying through the Stripe test double ----------------------------------------------------------

def paid(client, fake_stripe, order) -> str:
    session = {**fake_stripe.sessions[order.gateway_reference], "status": "complete", "payment_status": "paid"}
    response = post_event(client, event("checkout.session.completed", session))
    assert response.status_code == 200
    return response.get_json()["outcome"]


def place_paid_later(shopper, departure, *names: str) -> Order:
    return place_order(shopper, party(departure, *names), new_checkout_key(), "zh", base_url="https://shop.test")


def test_payment_sells_the_held_seats_and_tells_shopper_and_operator(
        client, stripe_app, fake_stripe, outbox, departure, shopper, vendor):
    book(shopper, departure, adult=2)
    order = place_paid_later(shopper, departure, "Li Wei", "Wang Fang")
    assert seats(departure.id) == (2, 0)
    assert paid(client, fake_stripe, order) == "paid"
    assert seats(departure.id) == (0, 2)
    to_shopper = next(m for m in outbox if m.to == LEAD["email"])  # the lead traveller's address
    assert "卡萨布兰卡" in to_shopper.body and "2 × 成人" in to_shopper.body and "分别发出" not in to_shopper.body
    to_operator = next(m for m in outbox if m.to == vendor.email)
    assert "Nouvelle réservation" in to_operator.subject
    assert "2 × Adulte" in to_operator.body and "Li Wei" in to_operator.body and "Wang Fang" in to_operator.body
    assert "Livrer à" not in to_operator.body
    assert {part.status for part in db.session.get(Order, order.id).vendor_orders} == {FulfilmentState.PAID}
    assert paid(client, fake_stripe, order) == "already_paid" and seats(departure.id) == (0, 2)


def test_a_payment_after_the_hold_lapsed_takes_free_seats_again(client, stripe_app, fake_stripe, departure, shopper):
    book(shopper, departure, adult=2)
    order = place_paid_later(shopper, departure, "Li Wei", "Wang Fang")
    with clock.freeze(clock.to_utc(order.reserved_until) + timedelta(minutes=1)):
        carts.price_cart(None, None, "en")  # any reader gives lapsed seats back
        assert seats(departure.id) == (0, 0)
        assert paid(client, fake_stripe, order) == "paid"
    assert seats(departure.id) == (0, 2)
    assert db.session.get(Order, order.id).payment_state == PaymentState.PAID


def test_a_payment_after_the_seats_went_to_others_is_refund_due_never_overbooked(
        client, stripe_app, fake_stripe, departure, shopper, make_user):
    book(shopper, departure, adult=2)
    order = place_paid_later(shopper, departure, "Li Wei", "Wang Fang")
    with clock.freeze(clock.to_utc(order.reserved_until) + timedelta(minutes=1)):
        carts.price_cart(None, None, "en")
        rival = make_user()
        book(rival, departure, adult=6)
        other = place_paid_later(rival, departure, *"ABCDEF")
        departure.seats_sold = 3  # sold meanwhile by other bookings: 1 seat left, 2 were paid for
        db.session.commit()
        assert other.payment_state == PaymentState.PENDING and seats(departure.id) == (6, 3)
        assert paid(client, fake_stripe, order) == "refund_due"
    assert seats(departure.id) == (6, 3)
    assert db.session.get(Order, order.id).payment_state == PaymentState.REFUND_DUE


# --- 200 buyers at once for 10 seats ----------------------------------------------------------------

def test_200_buyers_at_once_for_10_seats_hold_exactly_10(app, make_app, frozen, online, departure):
    buyers = make_shoppers(200)
    pid = product_id(departure)
    db.session.add_all(Cart(user_id=buyer, items=[CartItem(product_id=pid, quantity=1, booking=ref(departure),
                                                           units={"adult": 1}, seen_amount=65000,
                                                           seen_currency="MAD")]) for buyer in buyers)
    db.session.commit()
    racing = make_app(**POOL)  # another worker on the same database, paying online too
    racing.extensions["payment_gateway"] = OnlineGateway()

    traveller = party(departure, "Traveller")  # built here: the fixture's rows belong to this thread's session

    def buy(buyer_id: int):
        def call() -> int:
            with clock.freeze(NOW):
                buyer = db.session.get(User, buyer_id)
                return place_order(buyer, traveller, new_checkout_key(), "en").id
        return call

    outcomes = run_at_once(racing, [buy(buyer) for buyer in buyers])

    assert not outcomes.unexpected(SoldOut), outcomes.unexpected(SoldOut)
    assert outcomes.kinds == {"ok": 10, "SoldOut": 190}
    assert all("sold out" in error.lines[0]["problem"] for error in outcomes.errors)
    assert seats(departure.id) == (10, 0)
    held = db.session.scalar(select(func.coalesce(func.sum(OrderLine.seats), 0)).where(OrderLine.booking == ref(departure)))
    assert held == 10 and db.session.scalar(select(func.count(Traveller.id))) == 10
