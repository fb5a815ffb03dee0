"""`flask payments reconcile`: orders whose webhook never came are repaired from Stripe, once."""
from __future__ import annotations

from sqlalchemy import func, select

from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.orders.models import FulfilmentState, Order, PaymentEvent, PaymentState
from marketplace.vendors.models import PayableEntry
from tests.payments.conftest import closed_port_url, event, post_event, use_stripe


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def states() -> dict[str, PaymentState]:
    db.session.expire_all()
    return dict(db.session.execute(select(Order.reference, Order.payment_state)).all())


def test_reconcile_repairs_orders_whose_webhooks_never_came_and_changes_nothing_the_second_time(
        stripe_app, runner, fake_stripe, place_stripe_order, make_product, make_user, outbox):
    paid = place_stripe_order()
    scarf = make_product(name="Kente scarf", stock=2)
    lapsed = place_stripe_order(scarf, buyer=make_user())
    still_open = place_stripe_order(buyer=make_user())
    fake_stripe.complete(paid.gateway_reference)
    fake_stripe.expire(lapsed.gateway_reference)
    fake_stripe.page_size = 1  # three pages: the gateway must follow them
    result = runner.invoke(args=["payments", "reconcile", "--hours", "2"])
    assert result.exit_code == 0, result.output
    assert f"Order {paid.reference}: paid" in result.output
    assert f"Order {lapsed.reference}: expired" in result.output
    assert still_open.reference not in result.output
    assert count(PaymentEvent) == 2  # an open session has nothing to repair and leaves no trace
    assert "Checked 3 payments from the last 2 hours; repaired 2 orders." in result.output
    assert states() == {paid.reference: PaymentState.PAID, lapsed.reference: PaymentState.EXPIRED,
                        still_open.reference: PaymentState.PENDING}
    assert db.session.get(Product, scarf.id).stock == 2
    order = db.session.get(Order, paid.id)
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.PAID}
    assert count(PayableEntry) == 1 and any("We have received your payment." in m.body for m in outbox)
    listed = [r.form for r in fake_stripe.requests if r.method == "GET"]
    assert len(listed) == 3 and listed[1]["starting_after"]  # paged, newest first
    assert int(listed[0]["created[gte]"]) > 0

    events = count(PaymentEvent)
    again = runner.invoke(args=["payments", "reconcile"])
    assert again.exit_code == 0, again.output
    assert "repaired 0 orders" in again.output
    assert count(PaymentEvent) == events and count(PayableEntry) == 1
    assert states()[paid.reference] == PaymentState.PAID


def test_reconcile_leaves_alone_what_a_webhook_already_applied(
        stripe_app, runner, client, fake_stripe, place_stripe_order):
    order = place_stripe_order()
    session = fake_stripe.complete(order.gateway_reference)
    assert post_event(client, event("checkout.session.completed", session)).get_json()["outcome"] == "paid"
    result = runner.invoke(args=["payments", "reconcile"])
    assert "repaired 0 orders" in result.output and order.reference not in result.output
    assert count(PayableEntry) == 1


def test_reconcile_says_so_when_stripe_cannot_be_reached(stripe_app, runner, place_stripe_order):
    order = place_stripe_order()
    use_stripe(stripe_app, closed_port_url())
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 1
    assert "The payment gateway cannot be reached" in result.output
    assert states()[order.reference] == PaymentState.PENDING


def test_reconcile_with_the_offline_gateway_explains_there_is_nothing_to_do(runner):
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0
    assert "collects nothing online, so there is nothing to reconcile" in result.output
