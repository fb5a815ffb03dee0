"""Cancelling a paid booking: the refund is quoted first in the departure's terms (real hours before the start, across
Morocco's Ramadan clock change), the shopper confirms the amount shown, the seats are free at once, the money goes
back through Stripe's test double and the operator is owed that much less; an operator cancelling a departure
refunds every booking in full. Nothing changes on a refusal."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.tourism import cancellation
from campaigns.tourism import departures as departure_service
from campaigns.tourism.departures import DepartureSpec
from campaigns.tourism.models import Departure, DepartureStatus
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.checkout import Destination, TravellerInput, new_checkout_key, place_order
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.models import FulfilmentState, Order, OrderLine, PaymentState
from marketplace.orders.refunds.models import Refund, RefundState
from marketplace.vendors.models import PayableEntry
from tests.orders import conftest as order_fixtures
from tests.payments import conftest as payment_fixtures
from tests.payments.conftest import event, post_event

shopper = order_fixtures.shopper
fake_stripe, stripe_app, outbox = payment_fixtures.fake_stripe, payment_fixtures.stripe_app, payment_fixtures.outbox
# After Morocco's 2027 Ramadan change back (clocks jump from 02:00 to 03:00 on 14 March, UTC+0 to UTC+1).
AFTER_RAMADAN = date(2027, 3, 16)


def paid_booking(client, fake_stripe, departure, buyer, adults: int = 2) -> OrderLine:
    pid = departure.option.experience.product_id
    carts.add_booking(buyer, None, pid, HoldRef("departure", departure.id), {"adult": adults}, "en")
    order = place_order(buyer, Destination(recipient_name="Amina Diallo", phone="+221 77 000 0000",
                                           party={pid: [TravellerInput(name=f"Traveller {n}")
                                                        for n in range(adults)]}),
                        new_checkout_key(), "en", base_url="https://shop.test")
    session = fake_stripe.complete(order.gateway_reference)
    assert post_event(client, event("checkout.session.completed", session)).get_json()["outcome"] == "paid"
    db.session.expire_all()
    return db.session.get(Order, order.id).lines[0]


def seats(departure_id: int) -> tuple[int, int]:
    db.session.expire_all()
    found = db.session.get(Departure, departure_id)
    return found.seats_held, found.seats_sold


def owed(store_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(PayableEntry.amount), 0))
                             .where(PayableEntry.store_id == store_id))


def test_a_cancellation_in_the_free_window_refunds_everything_and_frees_the_seats(
        client, stripe_app, fake_stripe, outbox, departure, shopper):
    line = paid_booking(client, fake_stripe, departure, shopper)
    store_id = line.vendor_order.store_id
    assert seats(departure.id) == (0, 2) and owed(store_id) > 0
    quote = cancellation.quote_refund(shopper, line.order.reference, line.id)
    assert quote.full and quote.amount.amount == line.charge_unit_amount == line.order.total_amount
    cancellation.cancel_booking(shopper, line.order.reference, line.id, quote.amount.amount)
    assert seats(departure.id) == (0, 0)
    refund = db.session.scalar(select(Refund))
    assert refund.amount == line.order.total_amount and refund.state == RefundState.SUCCEEDED
    assert fake_stripe.refund_requests()[0].form["amount"] == str(refund.amount)
    assert owed(store_id) == 0  # the sale and its reversal
    db.session.expire_all()
    order = db.session.get(Order, line.order_id)
    assert order.lines[0].cancelled_at is not None
    assert order.vendor_orders[0].status == FulfilmentState.REFUNDED
    assert order.payment_state == PaymentState.REFUNDED
    assert any("Traveller" not in m.body and order.reference in m.subject for m in outbox)
    with pytest.raises(Conflict, match="cancelled already"):
        cancellation.quote_refund(shopper, order.reference, line.id)


def test_a_late_cancellation_refunds_the_policy_share_and_the_operator_keeps_the_rest(
        client, stripe_app, fake_stripe, departure, shopper):
    line = paid_booking(client, fake_stripe, departure, shopper)
    store_id = line.vendor_order.store_id
    sale = owed(store_id)
    late = clock.to_utc(departure.starts_at) - timedelta(hours=71)  # the free window is 72 h; then 50 %
    with clock.freeze(late):
        quote = cancellation.quote_refund(shopper, line.order.reference, line.id)
        assert quote.percent == 50 and quote.amount.amount == line.order.total_amount // 2
        cancellation.cancel_booking(shopper, line.order.reference, line.id, quote.amount.amount)
    assert seats(departure.id) == (0, 0)
    assert db.session.scalar(select(Refund.amount)) == line.order.total_amount // 2
    assert 0 < owed(store_id) < sale
    db.session.expire_all()
    order = db.session.get(Order, line.order_id)
    assert order.vendor_orders[0].status == FulfilmentState.PAID and order.payment_state == PaymentState.PAID


def test_a_quote_that_changed_while_the_shopper_read_it_is_refused_with_nothing_changed(
        client, stripe_app, fake_stripe, departure, shopper):
    line = paid_booking(client, fake_stripe, departure, shopper)
    end_of_free = clock.to_utc(departure.starts_at) - timedelta(hours=72)
    with clock.freeze(end_of_free - timedelta(minutes=1)):
        shown = cancellation.quote_refund(shopper, line.order.reference, line.id).amount.amount
    with clock.freeze(end_of_free + timedelta(minutes=1)), pytest.raises(Conflict, match="The refund is now"):
        cancellation.cancel_booking(shopper, line.order.reference, line.id, shown)
    assert seats(departure.id) == (0, 2) and db.session.scalar(select(func.count(Refund.id))) == 0
    db.session.expire_all()
    assert db.session.get(OrderLine, line.id).cancelled_at is None


def test_the_free_window_is_counted_in_real_hours_across_the_ramadan_clock_change(
        app, frozen, vendor, make_experience, client, stripe_app, fake_stripe, shopper, departure):
    # (the `departure` fixture stores the dirham rate these prices are charged at)
    experience = make_experience()
    # 09:00 in Casablanca on 16 March is 08:00 UTC (UTC+1 again); 72 real hours before is 08:00 UTC on 13 March,
    # which the clocks there (UTC+0 until the 14th) show as 08:00, not 09:00.
    after = departure_service.add_departure(vendor, experience.options[0].id, AFTER_RAMADAN, time(9, 0),
                                                DepartureSpec(capacity=10, cutoff_hours=48))
    assert clock.to_utc(after.starts_at) == datetime(2027, 3, 16, 8, 0, tzinfo=UTC)
    line = paid_booking(client, fake_stripe, after, shopper)
    with clock.freeze(datetime(2027, 3, 13, 7, 59, tzinfo=UTC)):
        quote = cancellation.quote_refund(shopper, line.order.reference, line.id)
        assert quote.percent == 100 and quote.free_until == datetime(2027, 3, 13, 8, 0, tzinfo=UTC)
    with clock.freeze(datetime(2027, 3, 13, 8, 30, tzinfo=UTC)):  # 08:30 on the clocks there
        assert cancellation.quote_refund(shopper, line.order.reference, line.id).percent == 50


def test_another_shoppers_or_an_unpaid_or_departed_booking_cannot_be_cancelled(
        client, stripe_app, fake_stripe, departure, shopper, make_user):
    line = paid_booking(client, fake_stripe, departure, shopper)
    with pytest.raises(NotFound):
        cancellation.quote_refund(make_user(role=Role.SHOPPER), line.order.reference, line.id)
    with clock.freeze(clock.to_utc(departure.starts_at) + timedelta(minutes=1)), pytest.raises(Conflict):
        cancellation.quote_refund(shopper, line.order.reference, line.id)
    assert seats(departure.id) == (0, 2)


def test_the_cancel_page_quotes_first_and_the_post_cancels(client, login, stripe_app, fake_stripe, departure, shopper):
    line = paid_booking(client, fake_stripe, departure, shopper)
    login(shopper)
    detail = client.get(f"/zh/orders/{line.order.reference}").text
    url = f"/zh/orders/{line.order.reference}/bookings/{line.id}/cancel"
    assert url in detail
    page = client.get(url).text
    assert "退款" in page and f'name="amount" value="{line.order.total_amount}"' in page
    assert client.post(url, data={"amount": "1"}).status_code == 302  # not the amount shown: refused
    assert seats(departure.id) == (0, 2)
    done = client.post(url, data={"amount": str(line.order.total_amount)}, follow_redirects=True).text
    assert seats(departure.id) == (0, 0) and "已取消" in done
    assert client.get(url.replace(str(line.id), "999999")).status_code == 404


def test_an_operator_cancelling_a_departure_refunds_every_booking_in_full(
        client, stripe_app, fake_stripe, outbox, departure, shopper, vendor, make_user):
    first = paid_booking(client, fake_stripe, departure, shopper)
    second = paid_booking(client, fake_stripe, departure, make_user(role=Role.SHOPPER), adults=1)
    cancelled, refunded = cancellation.cancel_departure(vendor, departure.id)
    assert cancelled.status == DepartureStatus.CANCELLED and refunded == 2
    assert seats(departure.id) == (0, 0)
    amounts = sorted(db.session.scalars(select(Refund.amount)))
    assert amounts == sorted([first.order.total_amount, second.order.total_amount])
    assert sum(1 for m in outbox if "cancelled this departure" in m.body) == 2


def test_the_shoppers_of_a_cancelled_departure_are_offered_the_next_dates_with_seats(
        app, monkeypatch, client, stripe_app, fake_stripe, outbox, departure, shopper, vendor):
    monkeypatch.setitem(app.config, "SITE_URL", "https://shop.test")
    full = departure_service.add_departure(vendor, departure.option_id, departure.local_date + timedelta(days=1),
                                           time(7, 30), DepartureSpec(capacity=2, cutoff_hours=48))
    full.seats_sold = 2
    later = departure_service.add_departure(vendor, departure.option_id, departure.local_date + timedelta(days=7),
                                            time(7, 30), DepartureSpec(capacity=8, cutoff_hours=48))
    db.session.commit()
    paid_booking(client, fake_stripe, departure, shopper)
    cancellation.cancel_departure(vendor, departure.id)
    [mail] = [m for m in outbox if "cancelled this departure" in m.body]
    assert "Other dates with seats:" in mail.body
    assert f"{later.local_date:%b} {later.local_date.day}" in mail.body  # the later date, on the meeting point's clocks
    assert f"{full.local_date:%b} {full.local_date.day}," not in mail.body  # the full one is not offered
    assert "https://shop.test/en/experiences/" in mail.body and f"departure={later.id}" in mail.body  # to book it


def test_cancelling_a_booking_made_at_a_festival_price_gives_the_festival_seats_back(
        client, stripe_app, fake_stripe, departure, shopper):
    from campaigns.festivals.models import DealDeparture
    from tests.tourism.test_festival_seats import live_deal

    deal = live_deal(departure, cap=4)
    line = paid_booking(client, fake_stripe, departure, shopper)
    assert line.offer_hold is not None and line.offer_hold.kind == "deal_seats"
    quote = cancellation.quote_refund(shopper, line.order.reference, line.id)
    cancellation.cancel_booking(shopper, line.order.reference, line.id, quote.amount.amount)
    db.session.expire_all()
    assert db.session.scalar(select(DealDeparture.sold).where(DealDeparture.deal_id == deal.id)) == 0
    assert seats(departure.id) == (0, 0)
