"""Refunds through Stripe (the fake on 127.0.0.1): partial and full, never more than was paid (even when
asked at once), their webhooks applied once and in any order, Stripe unreachable or refusing then retried
without paying twice, and the vendor payables ledger after each."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.core.errors import Conflict, ValidationError
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.models import FulfilmentState, Order, PaymentState, VendorOrder
from marketplace.orders.refunds import services as refunds
from marketplace.orders.refunds.models import Refund, RefundState
from marketplace.payments import get_payment_gateway
from marketplace.vendors.models import PayableEntry, PayableKind
from tests.concurrency import run_at_once
from tests.factories import PASSWORD
from tests.payments.conftest import event, post_event

F = FulfilmentState


@pytest.fixture
def commission(app, monkeypatch):
    monkeypatch.setitem(app.config, "COMMISSION_RATE", "0.1")


@pytest.fixture
def paid_order(client, fake_stripe, place_stripe_order, make_product, commission, outbox):
    """A Stripe order of one product at `price` (two stores when `second` is given), paid by its webhook."""

    def make(price: int = 2000, second: int | None = None) -> Order:
        products = [make_product(price=price, stock=5)]
        if second is not None:
            products.append(make_product(price=second, stock=5))
        order = place_stripe_order(*products)
        session = fake_stripe.complete(order.gateway_reference)
        response = post_event(client, event("checkout.session.completed", session))
        assert response.get_json()["outcome"] == "paid"
        outbox.clear()
        db.session.expire_all()
        return db.session.get(Order, order.id)

    return make


def ledger(vendor_order_id: int) -> list[tuple[PayableKind, int, int, int]]:
    return [tuple(row) for row in db.session.execute(
        select(PayableEntry.kind, PayableEntry.gross_amount, PayableEntry.commission_amount, PayableEntry.amount)
        .where(PayableEntry.vendor_order_id == vendor_order_id).order_by(PayableEntry.id))]


def owed(vendor_order_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(PayableEntry.amount), 0))
                             .where(PayableEntry.vendor_order_id == vendor_order_id))


def fresh(model, id_: int):
    db.session.expire_all()
    return db.session.get(model, id_)


def refund_event(client, fake_stripe, gateway_id: str, status: str, event_id: str | None = None,
                 failure: str | None = None) -> str:
    """Stripe settles the refund and says so in a signed `refund.updated`; the outcome the endpoint reports."""
    body = fake_stripe.settle_refund(gateway_id, status, failure)
    response = post_event(client, event("refund.updated", body, event_id))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["outcome"]


def test_a_partial_refund_goes_to_stripe_with_its_key_and_reverses_exactly_that_much(
        paid_order, fake_stripe, staff, outbox):
    order = paid_order(2000)
    part = order.vendor_orders[0]
    assert ledger(part.id) == [(PayableKind.SALE, 2000, 200, 1800)]

    refund = refunds.refund_vendor_order(staff, part, 500, "One jar arrived broken")
    assert refund.state == RefundState.SUCCEEDED and refund.gateway_refund_id.startswith("re_test_")
    [sent] = fake_stripe.refund_requests()
    assert sent.form["payment_intent"] == fake_stripe.sessions[order.gateway_reference]["payment_intent"]
    assert (sent.form["amount"], sent.form["metadata[refund_id]"]) == ("500", str(refund.id))
    assert sent.headers["Idempotency-Key"] == refund.idempotency_key
    assert ledger(part.id) == [(PayableKind.SALE, 2000, 200, 1800), (PayableKind.REVERSAL, -500, -50, -450)]
    assert fresh(VendorOrder, part.id).status == F.PAID  # the rest is still paid for and on its way
    assert fresh(Order, order.id).payment_state == PaymentState.PAID
    [mail] = outbox
    assert mail.to == order.email and "$5.00" in mail.body and "One jar arrived broken" in mail.body

    # The rest, in a second go: the reversals add up to the sale exactly, commission included.
    refunds.refund_vendor_order(staff, fresh(VendorOrder, part.id), 1500, "The rest, after all")
    assert [row[1:] for row in ledger(part.id)] == [(2000, 200, 1800), (-500, -50, -450), (-1500, -150, -1350)]
    assert owed(part.id) == 0 and fresh(VendorOrder, part.id).refunded_amount == 2000


def test_cancelling_a_paid_part_refunds_all_of_it_through_stripe(paid_order, fake_stripe, outbox):
    order = paid_order(1250, second=800)
    first, second = order.vendor_orders
    fulfilment.cancel_vendor_order(first.store.owner, first.id, "Sold out in the shop")
    [sent] = fake_stripe.refund_requests()
    assert sent.form["amount"] == "1250"
    first, second = fresh(VendorOrder, first.id), fresh(VendorOrder, second.id)
    assert first.status == F.REFUNDED and second.status == F.PAID
    assert owed(first.id) == 0 and owed(second.id) == 720
    assert fresh(Order, order.id).payment_state == PaymentState.PAID  # the other store's part stands
    [refund] = db.session.scalars(select(Refund)).all()
    assert (refund.state, refund.reason, refund.vendor_order_id) == (RefundState.SUCCEEDED, "Sold out in the shop",
                                                                      first.id)
    assert any("$12.50" in mail.body and mail.to == order.email for mail in outbox)


def test_a_refund_larger_than_what_is_left_is_refused_and_changes_nothing(paid_order, fake_stripe, staff):
    order = paid_order(2000)
    part = order.vendor_orders[0]
    refunds.refund_vendor_order(staff, part, 1500, "Most of it came back")
    before = (ledger(part.id), len(fake_stripe.refund_requests()))
    with pytest.raises(ValidationError, match=r"At most \$5.00 is left") as refused:
        refunds.refund_vendor_order(staff, fresh(VendorOrder, part.id), 501, "A bit more")
    assert "amount" in refused.value.fields
    for amount in (0, -5):
        with pytest.raises(ValidationError, match="greater than zero"):
            refunds.refund_vendor_order(staff, fresh(VendorOrder, part.id), amount, "Nothing")
    with pytest.raises(ValidationError, match="3 to 1,000"):
        refunds.refund_vendor_order(staff, fresh(VendorOrder, part.id), 100, "")
    assert (ledger(part.id), len(fake_stripe.refund_requests())) == before
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 1
    assert fresh(VendorOrder, part.id).refunded_amount == 1500


def test_a_duplicate_refund_webhook_changes_nothing(paid_order, fake_stripe, client, staff, outbox):
    fake_stripe.refund_status = "pending"
    part = paid_order(2000).vendor_orders[0]
    refund = refunds.refund_vendor_order(staff, part, 800, "Late delivery")
    assert refund.state == RefundState.PENDING and len(outbox) == 1  # told once it is on its way
    assert refund_event(client, fake_stripe, refund.gateway_refund_id, "succeeded", "evt_refund_1") == "moved"
    assert refund_event(client, fake_stripe, refund.gateway_refund_id, "succeeded", "evt_refund_1") == "duplicate"
    # The same news under another event id (Stripe also sends refund.created and charge.refunded) moves nothing.
    assert refund_event(client, fake_stripe, refund.gateway_refund_id, "succeeded") == "unchanged"
    refund = fresh(Refund, refund.id)
    assert refund.state == RefundState.SUCCEEDED and refund.completed_at is not None
    assert len(outbox) == 1 and owed(part.id) == 1800 - 720
    assert len(fake_stripe.refund_requests()) == 1


def test_charge_refunded_re_reads_the_refunds_of_the_payment(paid_order, fake_stripe, client, staff):
    fake_stripe.refund_status = "pending"
    order = paid_order(2000)
    refund = refunds.refund_vendor_order(staff, order.vendor_orders[0], 2000, "Never arrived")
    fake_stripe.settle_refund(refund.gateway_refund_id, "succeeded")
    charge = {"id": "ch_test_1", "object": "charge", "amount": 2000, "amount_refunded": 2000, "currency": "usd",
              "payment_intent": refund.gateway_payment_id, "refunded": True}
    response = post_event(client, event("charge.refunded", charge))
    assert response.get_json()["outcome"] == "reread"
    assert fresh(Refund, refund.id).state == RefundState.SUCCEEDED


def test_stripe_unreachable_keeps_the_refund_and_the_retry_never_pays_twice(
        paid_order, fake_stripe, staff, outbox, client, login):
    order = paid_order(2000)
    part = order.vendor_orders[0]
    fake_stripe.fail_status = 503
    refund = refunds.refund_vendor_order(staff, part, 600, "Wrong colour")
    assert refund.state == RefundState.REQUESTED and "503" in refund.last_error
    assert owed(part.id) == 1800 - 540  # owed to the shopper from now on: the store is not paid it meanwhile
    assert outbox == []
    key = refund.idempotency_key

    # Stripe made the refund, but its answer was lost: the retry sends the same key and gets the same refund.
    fake_stripe.fail_status = None
    intent = fake_stripe.sessions[order.gateway_reference]["payment_intent"]
    fake_stripe.create_refund({"payment_intent": intent, "amount": "600", "metadata[refund_id]": str(refund.id)}, key)
    login(staff)
    page = client.get(f"/en/staff/orders/{order.id}").text
    assert "Waiting to be sent" in page and "503" in page and "Retry" in page
    done = client.post(f"/en/staff/refunds/{refund.id}/retry", follow_redirects=True)
    assert "Refunded: $6.00 went back to the shopper" in done.text
    assert {r.headers["Idempotency-Key"] for r in fake_stripe.refund_requests()} == {key}
    assert len(fake_stripe.refunds) == 1
    refund = fresh(Refund, refund.id)
    assert refund.state == RefundState.SUCCEEDED and refund.attempts == 2
    assert len(outbox) == 1 and owed(part.id) == 1800 - 540
    again = client.post(f"/en/staff/refunds/{refund.id}/retry", follow_redirects=True)
    assert "not waiting to be sent" in again.text and len(fake_stripe.refunds) == 1


def test_the_retry_command_sends_what_waits(paid_order, fake_stripe, staff, app):
    part = paid_order(2000).vendor_orders[0]
    fake_stripe.fail_status = 500
    refund = refunds.refund_vendor_order(staff, part, 300, "Short by one")
    assert app.test_cli_runner().invoke(args=["payments", "refunds"]).exit_code == 1
    fake_stripe.fail_status = None
    result = app.test_cli_runner().invoke(args=["payments", "refunds"])
    assert result.exit_code == 0 and "Sent 1 waiting refunds" in result.output
    assert fresh(Refund, refund.id).state == RefundState.SUCCEEDED
    assert len(fake_stripe.refunds) == 1


def test_a_refund_that_failed_is_shown_to_staff_and_retried_with_a_new_key(
        paid_order, fake_stripe, client, staff, login):
    fake_stripe.refund_status = "pending"
    order = paid_order(2000)
    part = order.vendor_orders[0]
    refund = refunds.refund_vendor_order(staff, part, 2000, "Cancelled by the shopper")
    first_key, first_id = refund.idempotency_key, refund.gateway_refund_id
    assert refund_event(client, fake_stripe, first_id, "failed", failure="expired_or_canceled_card") == "moved"
    refund = fresh(Refund, refund.id)
    assert refund.state == RefundState.FAILED and refund.last_error == "expired_or_canceled_card"
    assert owed(part.id) == 0  # still owed to the shopper, not to the store
    login(staff)
    page = client.get(f"/en/staff/orders/{order.id}").text
    assert "Failed" in page and "expired_or_canceled_card" in page and "Retry" in page
    assert 'data-work="refunds-waiting"' in client.get("/en/staff/").text
    waiting = client.get("/en/staff/refunds/").text
    assert order.reference in waiting and "expired_or_canceled_card" in waiting

    fake_stripe.refund_status = "succeeded"
    client.post(f"/en/staff/refunds/{refund.id}/retry")
    refund = fresh(Refund, refund.id)
    assert refund.state == RefundState.SUCCEEDED and refund.idempotency_key != first_key
    assert refund.gateway_refund_id != first_id
    # A late event about the failed attempt changes nothing now.
    assert refund_event(client, fake_stripe, first_id, "failed", failure="expired_or_canceled_card") == "unchanged"
    assert fresh(Refund, refund.id).state == RefundState.SUCCEEDED
    assert [s["status"] for s in fake_stripe.refunds.values()] == ["failed", "succeeded"]
    assert owed(part.id) == 0 and len([row for row in ledger(part.id) if row[0] == PayableKind.REVERSAL]) == 1
    assert fresh(VendorOrder, part.id).status == F.PAID  # a paid part not cancelled keeps its state


def test_stripe_refusing_a_refund_marks_it_failed(paid_order, fake_stripe, staff):
    order = paid_order(2000)
    part = order.vendor_orders[0]
    intent = fake_stripe.sessions[order.gateway_reference]["payment_intent"]
    fake_stripe.create_refund({"payment_intent": intent, "amount": "1900"}, None)  # refunded in the dashboard
    refund = refunds.refund_vendor_order(staff, part, 500, "Changed mind")
    assert refund.state == RefundState.FAILED and "greater than the amount left" in refund.last_error


def test_the_refund_webhook_may_come_before_our_own_answer(paid_order, fake_stripe, client, staff, outbox,
                                                         monkeypatch):
    fake_stripe.refund_status = "pending"
    part = paid_order(2000).vendor_orders[0]
    gateway = get_payment_gateway()
    send = gateway.refund

    def answer_after_the_webhook(request):
        answer = send(request)  # Stripe made it "pending" and, before we saved that, its webhook said succeeded
        assert refund_event(client, fake_stripe, answer.reference, "succeeded") == "moved"
        return answer

    monkeypatch.setattr(gateway, "refund", answer_after_the_webhook)
    refund = refunds.refund_vendor_order(staff, part, 700, "Arrived late")
    assert refund.state == RefundState.SUCCEEDED  # the older "pending" answer does not take it back a step
    assert refund.gateway_refund_id and len(outbox) == 1


def test_a_refund_waits_for_the_payment_and_a_replayed_payment_event_changes_nothing(
        place_stripe_order, make_product, fake_stripe, client, staff, commission):
    order = place_stripe_order(make_product(price=2000, stock=5))
    with pytest.raises(Conflict, match="nothing to refund"):  # its payment webhook has not arrived yet
        refunds.refund_vendor_order(staff, order.vendor_orders[0], 500, "Too early")
    session = fake_stripe.complete(order.gateway_reference)
    paid = event("checkout.session.completed", session, "evt_paid")
    assert post_event(client, paid).get_json()["outcome"] == "paid"
    part = fresh(Order, order.id).vendor_orders[0]
    refunds.refund_vendor_order(staff, part, 2000, "All of it")
    before = ledger(part.id)
    assert post_event(client, paid).get_json()["outcome"] == "duplicate"
    late_copy = event("checkout.session.completed", session)
    assert post_event(client, late_copy).get_json()["outcome"] == "already_paid"
    assert ledger(part.id) == before and owed(part.id) == 0


def test_a_late_payment_for_units_that_were_gone_is_refunded_in_full(
        place_stripe_order, make_product, make_user, fake_stripe, client, outbox):
    scarce = make_product(name="Last mask", price=1500, stock=1)
    order = place_stripe_order(scarce)
    post_event(client, event("checkout.session.expired", {**fake_stripe.sessions[order.gateway_reference],
                                                          "status": "expired"}))
    place_stripe_order(scarce, buyer=make_user())  # the unit went back and was bought
    session = fake_stripe.complete(order.gateway_reference)
    assert post_event(client, event("checkout.session.completed", session)).get_json()["outcome"] == "refund_due"
    [refund] = db.session.scalars(select(Refund)).all()
    assert (refund.vendor_order_id, refund.amount, refund.state) == (None, 1500, RefundState.SUCCEEDED)
    assert fake_stripe.refund_requests()[0].form["amount"] == "1500"
    assert fresh(Order, order.id).payment_state == PaymentState.REFUNDED
    assert db.session.scalar(select(func.count()).select_from(PayableEntry)) == 0
    assert any("no longer available" in mail.body for mail in outbox if mail.to == order.email)


def test_refunds_asked_at_once_never_exceed_what_was_paid(paid_order, fake_stripe, staff, app):
    part_id = paid_order(2000).vendor_orders[0].id
    staff_id = staff.id

    def refund_800():
        return refunds.refund_vendor_order(db.session.get(User, staff_id), db.session.get(VendorOrder, part_id),
                                           800, "Asked at the same time").id

    outcomes = run_at_once(app, [refund_800] * 4)
    assert outcomes.unexpected(ValidationError) == []
    assert outcomes.kinds == {"ok": 2, "ValidationError": 2}
    db.session.expire_all()
    sent = db.session.scalars(select(Refund.amount)).all()
    assert sent == [800, 800] and fresh(VendorOrder, part_id).refunded_amount == 1600
    assert len(fake_stripe.refunds) == 2 and owed(part_id) == 1800 - 2 * 720
    assert all(state == RefundState.SUCCEEDED for state in db.session.scalars(select(Refund.state)))


def test_the_api_order_says_how_its_refunds_stand(paid_order, fake_stripe, staff, client, shopper):
    fake_stripe.refund_status = "pending"
    order = paid_order(2000)
    refunds.refund_vendor_order(staff, order.vendor_orders[0], 250, "Scratched lid")
    token = client.post("/api/v1/auth/token", json={"email": shopper.email, "password": PASSWORD, "name": "phone"})
    assert token.status_code == 201
    answer = client.get(f"/api/v1/orders/{order.reference}?lang=fr",
                        headers={"Authorization": f"Bearer {token.get_json()['token']}"}).get_json()
    [refund] = answer["refunds"]
    assert refund["amount"]["amount"] == 250 and refund["amount"]["currency"] == "USD"
    assert refund["state"] == "pending" and refund["store_id"] == order.vendor_orders[0].store_id
    assert refund["reason"] == "Scratched lid" and refund["completed_at"] is None
