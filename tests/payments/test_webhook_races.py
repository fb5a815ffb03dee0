"""Payment events delivered at the same moment, each in its own thread and database session.

Stripe retries and sends several events per payment; gunicorn workers apply them in parallel while
checkouts sweep lapsed reservations. Whatever the interleaving, the end state must be the same and
every effect must happen once. No assertion depends on timing: threads are released by a barrier
and only the final database state and the set of answers are checked.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import func, select

from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.holds.lapsed import release_expired_reservations
from marketplace.orders.models import FulfilmentState, Order, PaymentEvent, PaymentState
from marketplace.orders.webhooks import apply_payment_report
from marketplace.payments import get_payment_gateway
from marketplace.vendors.models import PayableEntry
from tests.concurrency import run_at_once as run_together
from tests.payments.conftest import event, sign


def run_at_once(app, calls: Sequence[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    """The deliveries run at the same instant; (results, errors)."""
    outcomes = run_together(app, calls)
    return outcomes.results, outcomes.errors


def report(kind: str, session: dict, event_id: str | None = None, **changes):
    payload = event(kind, {**session, **changes}, event_id)
    return get_payment_gateway().parse_webhook(payload, sign(payload))


def test_the_same_event_delivered_many_times_at_once_is_applied_once(
        stripe_app, fake_stripe, place_stripe_order, make_product, make_store):
    first = make_product(store=make_store(), stock=5)
    second = make_product(store=make_store(), stock=5)
    order = place_stripe_order(first, second)
    paid = report("checkout.session.completed", fake_stripe.sessions[order.gateway_reference], "evt_same",
                  status="complete", payment_status="paid")
    results, errors = run_at_once(stripe_app, [lambda: apply_payment_report(paid, "stripe")] * 6)
    assert errors == []
    assert Counter(results) == {"paid": 1, "duplicate": 5}
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_state == PaymentState.PAID
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 1
    assert db.session.scalar(select(func.count()).select_from(PayableEntry)) == 2


def test_paid_expired_and_a_sweep_at_once_end_paid_with_the_units_taken_once(
        stripe_app, fake_stripe, place_stripe_order, make_product):
    product = make_product(stock=4)
    order = place_stripe_order(product, quantity=3)
    session = fake_stripe.sessions[order.gateway_reference]
    completed = report("checkout.session.completed", session, status="complete", payment_status="paid")
    succeeded = report("checkout.session.async_payment_succeeded", session, status="complete",
                       payment_status="paid")
    expired = report("checkout.session.expired", session, status="expired")
    after_reservation = clock.now() + timedelta(hours=1)
    results, errors = run_at_once(stripe_app, [
        lambda: apply_payment_report(completed, "stripe"),
        lambda: apply_payment_report(succeeded, "stripe"),
        lambda: apply_payment_report(expired, "stripe"),
        lambda: release_expired_reservations(after_reservation),
    ])
    assert errors == [], [f"{type(e).__name__}: {e}" for e in errors]
    # One payment event paid the order (on time, or late after the expiry, taking the units again).
    assert Counter(r for r in results if r == "paid") == {"paid": 1}
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.payment_state == PaymentState.PAID
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.PAID}
    assert db.session.get(Product, product.id).stock == 1
    assert db.session.scalar(select(func.count()).select_from(PayableEntry)) == 1
