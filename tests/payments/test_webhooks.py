"""Stripe events at /webhooks/stripe: verified, applied once, in any order, never half-applied."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from campaigns.festivals.models import Deal, DealPurchase
from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders import webhooks
from marketplace.orders.models import FulfilmentState, Order, OrderEvent, PaymentEvent, PaymentState
from marketplace.payments import get_payment_gateway
from marketplace.vendors.models import PayableEntry, PayableKind
from tests.festivals.conftest import WAVE1
from tests.payments.conftest import SECRET_KEY, WEBHOOK_SECRET, event, post_event, sign


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def fresh(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def stock(product: Product) -> int:
    db.session.expire_all()
    return db.session.get(Product, product.id).stock


def deliver(client, fake_stripe, order: Order, kind: str, event_id: str | None = None, **changes) -> str:
    """Post a signed `kind` event for the order's session (with `changes`); the outcome the endpoint reports."""
    session = {**fake_stripe.sessions[order.gateway_reference], **changes}
    response = post_event(client, event(kind, session, event_id))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["received"] is True
    return response.get_json()["outcome"]


def completed(client, fake_stripe, order: Order, event_id: str | None = None) -> str:
    return deliver(client, fake_stripe, order, "checkout.session.completed", event_id,
                   status="complete", payment_status="paid")


def test_a_completed_session_pays_the_order_its_vendor_orders_and_the_ledger_and_sends_the_email(
        client, fake_stripe, place_stripe_order, make_product, make_store, outbox, shopper):
    coffee = make_product(name="Coffee", store=make_store(name="Accra Beans"), price=1250, stock=5)
    tea = make_product(name="Tea", store=make_store(name="Nairobi Leaf"), price=800, stock=5)
    order = place_stripe_order(coffee, tea)
    assert outbox == []  # nothing is confirmed before the money is
    assert completed(client, fake_stripe, order) == "paid"
    order = fresh(order)
    assert order.payment_state == PaymentState.PAID
    assert order.paid_amount == order.total_amount == 2050 and order.paid_at is not None
    assert order.reserved_until is None
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.PAID}
    assert all(vo.paid_at is not None for vo in order.vendor_orders)
    entries = db.session.scalars(select(PayableEntry).order_by(PayableEntry.gross_amount)).all()
    assert [(e.kind, e.gross_amount) for e in entries] == [(PayableKind.SALE, 800), (PayableKind.SALE, 1250)]
    assert (stock(coffee), stock(tea)) == (4, 4)
    to_shopper = [m for m in outbox if m.to == shopper.email]
    assert len(to_shopper) == 1 and "We have received your payment." in to_shopper[0].body
    assert len(outbox) == 3  # and one message to each vendor
    recorded = db.session.scalars(select(PaymentEvent)).one()
    assert (recorded.gateway, recorded.order_id, recorded.outcome) == ("stripe", order.id, "paid")


def test_a_replayed_event_has_one_effect(client, fake_stripe, place_stripe_order, outbox):
    order = place_stripe_order()
    assert completed(client, fake_stripe, order, "evt_replayed") == "paid"
    assert completed(client, fake_stripe, order, "evt_replayed") == "duplicate"
    assert completed(client, fake_stripe, order, "evt_another") == "already_paid"
    assert count(PaymentEvent) == 2 and count(PayableEntry) == 1
    assert len(outbox) == 2  # the shopper and the vendor, once
    assert db.session.scalar(select(func.count()).select_from(OrderEvent)
                             .where(OrderEvent.to_state == "payment:paid")) == 1


def test_expired_after_paid_leaves_the_order_paid(client, fake_stripe, place_stripe_order, make_product):
    product = make_product(stock=5)
    order = place_stripe_order(product)
    completed(client, fake_stripe, order)
    assert deliver(client, fake_stripe, order, "checkout.session.expired", status="expired") == "unchanged"
    assert deliver(client, fake_stripe, order, "checkout.session.async_payment_failed") == "unchanged"
    order = fresh(order)
    assert order.payment_state == PaymentState.PAID
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.PAID}
    assert stock(product) == 4


def test_paid_after_expired_takes_the_units_again_when_they_are_still_there(
        client, fake_stripe, place_stripe_order, make_product):
    product = make_product(stock=5)
    order = place_stripe_order(product, quantity=2)
    assert deliver(client, fake_stripe, order, "checkout.session.expired", status="expired") == "expired"
    assert fresh(order).payment_state == PaymentState.EXPIRED and stock(product) == 5
    assert {vo.status for vo in fresh(order).vendor_orders} == {FulfilmentState.CANCELLED}
    assert completed(client, fake_stripe, order) == "paid"
    order = fresh(order)
    assert order.payment_state == PaymentState.PAID and stock(product) == 3
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.PAID}
    assert count(PayableEntry) == 1
    history = [(e.from_state, e.to_state) for e in order.events if e.vendor_order_id]
    assert history[-2:] == [("pending", "cancelled"), ("cancelled", "paid")]


def test_paid_after_expired_when_the_stock_was_sold_is_refund_due_and_never_oversold(
        client, fake_stripe, place_stripe_order, make_product, make_user):
    scarce, plenty = make_product(name="Last mask", stock=1), make_product(name="Beads", stock=5)
    order = place_stripe_order(scarce, plenty)
    deliver(client, fake_stripe, order, "checkout.session.expired", status="expired")
    someone_else = place_stripe_order(scarce, buyer=make_user())  # the units went back and were bought
    assert someone_else.payment_state == PaymentState.PENDING and stock(scarce) == 0
    assert completed(client, fake_stripe, order) == "refund_due"
    order = fresh(order)
    assert order.payment_state == PaymentState.REFUND_DUE and order.paid_amount == order.total_amount
    [flagged] = [e for e in order.events if e.to_state == "payment:refund_due"]
    assert flagged.note == "paid after the reservation ended and the stock was sold"
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.CANCELLED}
    # The beads could be taken again, but an order that cannot be filled holds nothing.
    assert (stock(scarce), stock(plenty)) == (0, 5)
    assert count(PayableEntry) == 0
    assert completed(client, fake_stripe, order) == "unchanged"
    assert stock(scarce) == 0


def test_a_delayed_payment_keeps_the_reservation_until_it_succeeds(client, fake_stripe, place_stripe_order):
    order = place_stripe_order()
    outcome = deliver(client, fake_stripe, order, "checkout.session.completed", status="complete",
                      payment_status="unpaid")
    assert outcome == "processing"
    pending = fresh(order)
    assert pending.payment_state == PaymentState.PENDING and pending.reserved_until is not None
    assert "processing" in pending.events[-1].note
    assert deliver(client, fake_stripe, order, "checkout.session.async_payment_succeeded", status="complete",
                   payment_status="paid") == "paid"
    assert fresh(order).payment_state == PaymentState.PAID


def test_a_failed_delayed_payment_gives_the_units_back(client, fake_stripe, place_stripe_order, make_product):
    product = make_product(stock=3)
    order = place_stripe_order(product, quantity=2)
    assert stock(product) == 1
    assert deliver(client, fake_stripe, order, "checkout.session.async_payment_failed") == "failed"
    order = fresh(order)
    assert order.payment_state == PaymentState.FAILED and stock(product) == 3
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.CANCELLED}


@pytest.mark.parametrize("changes", [{"amount_total": 1}, {"currency": "eur"}])
def test_a_payment_of_another_amount_is_flagged_never_paid(
        client, fake_stripe, place_stripe_order, make_product, changes):
    product = make_product(price=1250, stock=5)
    order = place_stripe_order(product)
    outcome = deliver(client, fake_stripe, order, "checkout.session.completed", status="complete",
                      payment_status="paid", **changes)
    assert outcome == "amount_mismatch"
    order = fresh(order)
    assert order.payment_state == PaymentState.REFUND_DUE and order.paid_at is None
    [flagged] = [e for e in order.events if e.to_state == "payment:refund_due"]
    assert "but the order is 1250 USD" in flagged.note
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.CANCELLED}
    assert stock(product) == 5 and count(PayableEntry) == 0


def test_an_event_for_a_session_that_is_not_the_orders_changes_nothing(client, fake_stripe, place_stripe_order):
    order = place_stripe_order()
    stranger = {**fake_stripe.sessions[order.gateway_reference], "id": "cs_test_someone_else",
                "status": "complete", "payment_status": "paid"}
    response = post_event(client, event("checkout.session.completed", stranger))
    assert response.get_json()["outcome"] == "unknown_order"
    assert fresh(order).payment_state == PaymentState.PENDING
    assert db.session.scalars(select(PaymentEvent)).one().order_id is None


@pytest.mark.parametrize("attack", ["wrong secret", "no signature", "old timestamp", "changed body", "not json",
                                    "not an event"])
def test_rejected_events_answer_400_and_record_nothing(client, fake_stripe, place_stripe_order, attack):
    order = place_stripe_order()
    payload = event("checkout.session.completed",
                    {**fake_stripe.sessions[order.gateway_reference], "status": "complete", "payment_status": "paid"})
    signature = sign(payload)
    if attack == "wrong secret":
        signature = sign(payload, secret="whsec_guessed")
    elif attack == "no signature":
        signature = ""
    elif attack == "old timestamp":  # a captured event replayed later than Stripe's 5-minute tolerance
        signature = sign(payload, timestamp=int(time.time()) - 301 - 60)
    elif attack == "changed body":
        payload = payload.replace(b'"amount_total": 1250', b'"amount_total": 1')
    elif attack == "not json":
        payload = b"paid=yes"
        signature = sign(payload)
    elif attack == "not an event":
        payload = b'["checkout.session.completed"]'
        signature = sign(payload)
    response = post_event(client, payload, signature)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "webhook_rejected"
    assert count(PaymentEvent) == 0
    assert fresh(order).payment_state == PaymentState.PENDING


def test_events_of_other_kinds_are_acknowledged_and_ignored(client, fake_stripe, place_stripe_order):
    order = place_stripe_order()
    payload = event("payment_intent.created", {"id": "pi_123", "object": "payment_intent"})
    response = post_event(client, payload)
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    assert count(PaymentEvent) == 0 and fresh(order).payment_state == PaymentState.PENDING


def test_a_crash_while_applying_records_nothing_and_the_retry_completes(
        stripe_app, fake_stripe, place_stripe_order, monkeypatch, client):
    order = place_stripe_order()
    session = {**fake_stripe.sessions[order.gateway_reference], "status": "complete", "payment_status": "paid"}
    report = get_payment_gateway().parse_webhook(payload := event("checkout.session.completed", session),
                                                 sign(payload))

    def crash(vendor_order):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(webhooks, "post_sale", crash)  # after the event row and the order's changes are written
    with pytest.raises(RuntimeError):
        webhooks.apply_payment_report(report, "stripe")
    assert count(PaymentEvent) == 0
    order = fresh(order)
    assert order.payment_state == PaymentState.PENDING
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.PENDING}
    monkeypatch.undo()
    response = post_event(client, payload)  # Stripe retries the same event
    assert response.get_json()["outcome"] == "paid"
    assert fresh(order).payment_state == PaymentState.PAID and count(PayableEntry) == 1


def test_the_return_from_the_payment_page_does_not_mark_the_order_paid(
        client, login, shopper, fake_stripe, place_stripe_order):
    order = place_stripe_order()
    login(shopper)
    page = client.get(f"/en/orders/{order.reference}?paid=1").get_data(as_text=True)
    assert "We are waiting for the payment service to confirm your payment." in page
    assert fresh(order).payment_state == PaymentState.PENDING and count(PaymentEvent) == 0
    completed(client, fake_stripe, order)
    page = client.get(f"/en/orders/{order.reference}?paid=1").get_data(as_text=True)
    assert "We are waiting" not in page and "Paid" in page


def test_the_endpoint_needs_no_csrf_token_even_when_forms_do(
        make_app, fake_stripe, place_stripe_order, make_product):
    order = place_stripe_order()
    guarded = make_app(WTF_CSRF_ENABLED=True, PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY=SECRET_KEY,
                       STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=fake_stripe.url)
    client = guarded.test_client()
    product = make_product()
    assert client.post("/en/cart/items", data={"product_id": product.id, "quantity": "1"}).status_code == 400
    assert completed(client, fake_stripe, order) == "paid"


def test_without_stripe_the_endpoint_is_not_there(client):
    payload = event("checkout.session.completed", {"id": "cs_test_x", "object": "checkout.session"})
    response = post_event(client, payload)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/webhooks/stripe").status_code == 405
    assert count(PaymentEvent) == 0


def test_paid_after_expired_takes_the_festival_deal_units_again_within_its_cap(
        client, fake_stripe, place_stripe_order, make_festival, make_deal, make_user):
    def sold(deal) -> int:
        db.session.expire_all()
        return db.session.get(Deal, deal.id).sold

    festival = make_festival()
    roomy, scarce = make_deal(festival, cap=5, price=700), make_deal(festival, cap=3, price=700)
    with clock.freeze(WAVE1[0] + (WAVE1[1] - WAVE1[0]) / 2):
        on_time = place_stripe_order(roomy.product, quantity=2)
        late = place_stripe_order(scarce.product, quantity=2, buyer=make_user())
        assert (sold(roomy), sold(scarce)) == (2, 2)
        for order in (on_time, late):
            assert deliver(client, fake_stripe, order, "checkout.session.expired", status="expired") == "expired"
        assert (sold(roomy), sold(scarce)) == (0, 0)
        place_stripe_order(scarce.product, quantity=2, buyer=make_user())  # the deal's units were bought meanwhile
    # Both payments arrive after the festival closed: the deal price was paid while it was open.
    with clock.freeze(WAVE1[1] + (WAVE1[1] - WAVE1[0])):
        assert completed(client, fake_stripe, on_time) == "paid"
        assert completed(client, fake_stripe, late) == "refund_due"  # 2 wanted, 1 left under the cap of 3
    assert sold(roomy) == 2 and fresh(on_time).payment_state == PaymentState.PAID
    assert sold(scarce) == 2 and stock(scarce.product) == 50 - 2  # nothing of the refunded order is held
    held = {p.shopper_id: p.quantity for p in db.session.scalars(select(DealPurchase)
                                                                  .where(DealPurchase.deal_id == roomy.id))}
    assert held == {on_time.shopper_id: 2}


def test_a_shopper_cancels_an_unpaid_order_and_its_units_come_back_at_once(
        client, login, fake_stripe, place_stripe_order, make_product, make_festival, make_deal, shopper, make_user):
    festival = make_festival()
    deal = make_deal(festival, cap=3, price=700)
    plain = make_product(stock=4)
    with clock.freeze(WAVE1[0] + (WAVE1[1] - WAVE1[0]) / 2):
        order = place_stripe_order(deal.product, plain, quantity=2)
        login(shopper)
        page = client.get(f"/en/orders/{order.reference}").text
        assert "Pay now" in page and "Cancel this order" in page
        # Another shopper's order is not theirs to cancel: the same 404 as an unknown one.
        login(make_user())
        assert client.post(f"/en/orders/{order.reference}/cancel").status_code == 404
        login(shopper)
        fake_stripe.fail_status = 500  # Stripe cannot be reached: the payment page stays open, nothing changes
        down = client.post(f"/en/orders/{order.reference}/cancel", follow_redirects=True).text
        assert "cannot be reached" in down and fresh(order).payment_state == PaymentState.PENDING
        assert stock(plain) == 2
        fake_stripe.fail_status = None
        done = client.post(f"/en/orders/{order.reference}/cancel", follow_redirects=True).text
    assert "Order cancelled and its items released. Nothing was charged." in done
    assert fake_stripe.sessions[order.gateway_reference]["status"] == "expired"
    order = fresh(order)
    assert order.payment_state == PaymentState.EXPIRED and order.events[-1].note == "cancelled by the shopper before paying"
    db.session.expire_all()
    assert stock(plain) == 4 and db.session.get(Deal, deal.id).sold == 0
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.CANCELLED}
    again = client.post(f"/en/orders/{order.reference}/cancel", follow_redirects=True).text
    assert "no longer awaiting payment" in again


def test_a_payment_completed_in_another_tab_survives_a_cancel(client, login, fake_stripe, place_stripe_order,
                                                              make_product, shopper):
    product = make_product(stock=5)
    order = place_stripe_order(product)
    fake_stripe.complete(order.gateway_reference)  # paid on Stripe's page; the webhook is on its way
    login(shopper)
    client.post(f"/en/orders/{order.reference}/cancel")
    assert fresh(order).payment_state == PaymentState.EXPIRED and stock(product) == 5
    assert completed(client, fake_stripe, order) == "paid"  # the units are taken again
    assert fresh(order).payment_state == PaymentState.PAID and stock(product) == 4


@pytest.mark.parametrize(("changes", "paid"), [
    ({"amount_total": 1}, (1, "USD")),
    ({"amount_total": 900, "currency": "eur"}, (900, "EUR")),
])
def test_a_wrong_amount_payment_records_what_was_taken_for_staff(
        client, login, fake_stripe, place_stripe_order, make_product, make_user, changes, paid):
    from marketplace.accounts.models import Role

    order = place_stripe_order(make_product(price=1250, stock=5))
    fake_stripe.complete(order.gateway_reference)  # the session now names its PaymentIntent, which is refunded
    assert deliver(client, fake_stripe, order, "checkout.session.completed", status="complete",
                   payment_status="paid", **changes) == "amount_mismatch"
    order = fresh(order)
    assert "payment:refund_due" in [e.to_state for e in order.events]
    assert order.payment_state == PaymentState.REFUNDED  # flagged, then all of what was taken sent back
    assert (order.paid_amount, order.paid_currency) == paid, "what the payment service took, in its currency"
    assert [r.form["amount"] for r in fake_stripe.refund_requests()] == [str(paid[0])]
    login(make_user(role=Role.STAFF))
    page = client.get(f"/en/staff/orders/{order.id}").get_data(as_text=True)
    shown = {"USD": "$0.01", "EUR": "€9.00"}[paid[1]]
    assert "Refunds of the payment" in page and shown in page.split("Refunds of the payment")[1]
