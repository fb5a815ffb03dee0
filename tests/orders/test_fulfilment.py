"""Vendor orders after checkout, through the services: the move table, who may touch what, stock,
payments, refunds, history and e-mail."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.catalog.models import Product
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.fulfilment import PAYMENT_RECORDED
from marketplace.orders.models import FulfilmentState, Order, OrderEvent, PaymentState, VendorOrder
from marketplace.orders.refunds import services as refunds
from marketplace.orders.refunds.models import Refund, RefundState
from marketplace.orders.states import ALLOWED_MOVES, VENDOR_MOVES
from marketplace.vendors.models import PayableEntry, PayableKind
from tests.orders.fulfilment_helpers import part_of, put_in_state, snapshot

pytest_plugins = ["tests.orders.fulfilment_fixtures"]

F = FulfilmentState


FORBIDDEN = sorted(((state, target) for state in F for target in VENDOR_MOVES
                    if target not in ALLOWED_MOVES[state]), key=str)


ALLOWED = sorted(((state, target) for state in F for target in VENDOR_MOVES
                  if target in ALLOWED_MOVES[state] and state != F.PENDING), key=str)


def attempt(user, vendor_order_id: int, target: FulfilmentState) -> None:
    if target == F.CANCELLED:
        fulfilment.cancel_vendor_order(user, vendor_order_id, "Out of stock, sorry")
    else:
        fulfilment.advance_vendor_order(user, vendor_order_id, target, "TRACK-1")


@pytest.mark.parametrize("state,target", FORBIDDEN)
def test_every_forbidden_move_is_refused_and_changes_nothing(app, place, make_product, state, target):
    product = make_product(stock=5)
    part = place(product).vendor_orders[0]
    put_in_state(part, state)
    before = snapshot(part.id)
    with pytest.raises(Conflict):
        attempt(product.store.owner, part.id, target)
    assert snapshot(part.id) == before


def test_a_part_awaiting_online_payment_cannot_be_cancelled_by_hand(app, place, make_product, staff):
    product = make_product(stock=5)
    part = place(product).vendor_orders[0]
    put_in_state(part, F.PENDING)  # allowed by the table (a lapsed reservation), not by a person
    before = snapshot(part.id)
    for user in (product.store.owner, staff):
        with pytest.raises(Conflict, match="awaiting online payment"):
            fulfilment.cancel_vendor_order(user, part.id, "Changed my mind")
    assert snapshot(part.id) == before


@pytest.mark.parametrize("state,target", ALLOWED)
def test_every_allowed_vendor_move_is_made_and_recorded(app, place, make_product, state, target):
    product = make_product(stock=5)
    part = place(product).vendor_orders[0]
    put_in_state(part, state)
    vendor = product.store.owner
    attempt(vendor, part.id, target)
    db.session.expire_all()
    part = db.session.get(VendorOrder, part.id)
    assert part.status == target
    last = db.session.scalars(select(OrderEvent).where(OrderEvent.vendor_order_id == part.id)
                              .order_by(OrderEvent.id.desc())).first()
    assert (last.from_state, last.to_state, last.actor_id) == (state.value, target.value, vendor.id)


@pytest.mark.parametrize("state", [s for s in F if s not in (F.DELIVERED, F.CANCELLED)])
def test_a_full_refund_moves_a_part_to_refunded_only_when_the_table_allows(app, place, make_product, staff, state):
    product = make_product(price=900)
    part = place(product).vendor_orders[0]
    put_in_state(part, state, paid=True)
    refund = refunds.refund_vendor_order(staff, part, 900, "Damaged on arrival")
    refunds.mark_refund_paid_out(staff, refund.id, "MM-1")
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).status == state  # the money is back; the parcel's state stays


def test_a_vendor_packs_ships_delivers_and_records_payment(app, place, make_product, outbox, shopper):
    product = make_product(price=1250, stock=5)
    vendor = product.store.owner
    order = place(product, quantity=2, language="fr")
    part = order.vendor_orders[0]
    fulfilment.advance_vendor_order(vendor, part.id, F.PACKED)
    fulfilment.advance_vendor_order(vendor, part.id, F.SHIPPED, "  DHL 12345  ")
    fulfilment.advance_vendor_order(vendor, part.id, F.DELIVERED)
    fulfilment.record_offline_payment(vendor, part.id)
    db.session.expire_all()
    part, order = db.session.get(VendorOrder, part.id), db.session.get(Order, order.id)
    assert (part.status, part.tracking_reference) == (F.DELIVERED, "DHL 12345")
    assert part.paid_at is not None and order.payment_state == PaymentState.PAID and order.paid_amount == 2500
    entries = db.session.scalars(select(PayableEntry)).all()
    assert [(e.kind, e.gross_amount, e.currency, e.store_id) for e in entries] == [
        (PayableKind.SALE, 2500, "USD", product.store_id)]
    history = [(e.from_state, e.to_state, e.actor_id) for e in part.order.events if e.vendor_order_id == part.id]
    assert history[-4:] == [("confirmed", "packed", vendor.id), ("packed", "shipped", vendor.id),
                            ("shipped", "delivered", vendor.id), ("delivered", PAYMENT_RECORDED, vendor.id)]
    # Three moves, three e-mails to the shopper, in the language they ordered in; recording a payment
    # after delivery moves nothing and sends nothing.
    assert [(m.to, m.language) for m in outbox] == [(shopper.email, "fr")] * 3
    assert "DHL 12345" in outbox[1].body and order.reference in outbox[2].subject


def test_tracking_references_are_checked(app, place, make_product):
    product = make_product()
    part = place(product).vendor_orders[0]
    put_in_state(part, F.PACKED)
    before = snapshot(part.id)
    for bad in ("x" * 81, "AB\x00CD", "line\nbreak"):
        with pytest.raises(ValidationError) as refused:
            fulfilment.advance_vendor_order(product.store.owner, part.id, F.SHIPPED, bad)
        assert "tracking_reference" in refused.value.fields
    assert snapshot(part.id) == before
    fulfilment.advance_vendor_order(product.store.owner, part.id, F.SHIPPED, "")
    assert db.session.get(VendorOrder, part.id).status == F.SHIPPED


def test_another_vendor_can_neither_see_nor_move_the_order(app, place, make_product, make_store):
    product = make_product(stock=5)
    part = place(product).vendor_orders[0]
    other = make_store().owner
    before = snapshot(part.id)
    with pytest.raises(NotFound):
        fulfilment.get_vendor_order(other, part.id)
    for call in (lambda: fulfilment.advance_vendor_order(other, part.id, F.PACKED),
                 lambda: fulfilment.cancel_vendor_order(other, part.id, "Not mine to cancel"),
                 lambda: fulfilment.record_offline_payment(other, part.id)):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(PermissionDenied):
        refunds.refund_vendor_order(other, part, 100, "Not mine to refund")
    assert fulfilment.vendor_orders_for(other).items == []
    assert [p.id for p in fulfilment.vendor_orders_for(product.store.owner).items] == [part.id]
    assert snapshot(part.id) == before


def test_cancelling_a_paid_part_refunds_it_and_staff_then_pay_it_out(app, place, make_product, staff, monkeypatch):
    monkeypatch.setitem(app.config, "COMMISSION_RATE", "0.1")
    product = make_product(price=2000, stock=5)
    vendor = product.store.owner
    order = place(product)
    part = order.vendor_orders[0]
    fulfilment.record_offline_payment(vendor, part.id)
    assert db.session.get(VendorOrder, part.id).status == F.PAID
    fulfilment.cancel_vendor_order(vendor, part.id, "Broken in the warehouse")
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_state == PaymentState.REFUND_DUE
    assert db.session.get(Product, product.id).stock == 5
    entries = db.session.execute(
        select(PayableEntry.kind, PayableEntry.gross_amount, PayableEntry.commission_amount, PayableEntry.amount)
        .order_by(PayableEntry.id)).all()
    assert entries == [(PayableKind.SALE, 2000, 200, 1800), (PayableKind.REVERSAL, -2000, -200, -1800)]

    [refund] = db.session.scalars(select(Refund)).all()
    assert (refund.amount, refund.state, refund.reason, refund.requested_by_id) == (
        2000, RefundState.TO_PAY_OUT, "Broken in the warehouse", vendor.id)

    refunds.mark_refund_paid_out(staff, refund.id, "Sent back by mobile money, ref MM-77")
    db.session.expire_all()
    part = db.session.get(VendorOrder, part.id)
    assert part.status == F.REFUNDED and part.order.payment_state == PaymentState.REFUNDED
    assert db.session.scalar(select(func.count()).select_from(PayableEntry)) == 2  # reversed once only
    paid_out = [e for e in part.order.events if e.to_state == "refund:succeeded"][0]
    assert (paid_out.actor_id, paid_out.note) == (staff.id, "Sent back by mobile money, ref MM-77")


def test_an_unpaid_part_cannot_be_refunded_and_vendors_cannot_refund(app, place, make_product, staff):
    product = make_product()
    part = place(product).vendor_orders[0]
    put_in_state(part, F.DELIVERED)
    with pytest.raises(Conflict, match="nothing to refund"):
        refunds.refund_vendor_order(staff, part, 100, "Returned")
    with pytest.raises(PermissionDenied):
        refunds.refund_vendor_order(product.store.owner, part, 100, "Returned")


def test_two_payment_records_at_once_post_one_sale(app, make_app, place, make_product):
    product = make_product(price=700)
    part_id, vendor_id = place(product).vendor_orders[0].id, product.store.owner_id
    other = make_app()
    results, barrier = [], threading.Barrier(2)

    def record() -> None:
        with other.app_context():
            vendor = db.session.get(User, vendor_id)
            barrier.wait()
            try:
                fulfilment.record_offline_payment(vendor, part_id)
                results.append("ok")
            except Conflict:
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["ok", "refused"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PayableEntry)) == 1
    assert db.session.get(VendorOrder, part_id).order.paid_amount == 700


def test_payment_on_a_packed_part_keeps_its_state_and_the_order_is_paid_when_every_part_is(
        app, place, make_product, make_store):
    first, second = make_product(price=500), make_product(price=300, store=make_store(name="Lagos Looms"))
    order = place(first, second)
    a, b = part_of(order, first.store), part_of(order, second.store)
    fulfilment.advance_vendor_order(first.store.owner, a.id, F.PACKED)
    fulfilment.record_offline_payment(first.store.owner, a.id)
    db.session.expire_all()
    assert db.session.get(VendorOrder, a.id).status == F.PACKED
    assert db.session.get(Order, order.id).payment_state == PaymentState.UNPAID  # the other part is unpaid
    fulfilment.record_offline_payment(second.store.owner, b.id)
    db.session.expire_all()
    assert db.session.get(VendorOrder, b.id).status == F.PAID
    assert db.session.get(Order, order.id).payment_state == PaymentState.PAID
    assert sorted(db.session.scalars(select(PayableEntry.gross_amount))) == [300, 500]


def test_an_order_is_cancelled_only_when_every_part_is(app, place, make_product, make_store, staff):
    first, second = make_product(), make_product(store=make_store())
    order = place(first, second)
    fulfilment.cancel_vendor_order(first.store.owner, part_of(order, first.store).id, "Out of stock")
    assert db.session.get(Order, order.id).payment_state == PaymentState.UNPAID
    fulfilment.cancel_vendor_order(staff, part_of(order, second.store).id, "Shopper asked by phone")
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.payment_state == PaymentState.CANCELLED
    cancelled_by = [e.actor_id for e in order.events if e.to_state == "cancelled"]
    assert cancelled_by == [first.store.owner_id, staff.id]
