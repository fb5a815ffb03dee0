"""Refunds as people see them: the shopper's order page and e-mail in their language, the vendor's order page,
and nobody else's; pay-on-delivery refunds recorded for staff to pay out."""
from __future__ import annotations

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.refunds import services as refunds
from marketplace.orders.refunds.models import Refund, RefundState
from marketplace.vendors.models import PayableEntry, PayableKind

pytest_plugins = ["tests.orders.fulfilment_fixtures"]


def test_the_shopper_and_the_vendor_see_the_refund_and_its_state(app, client, login, place, make_product, staff,
                                                                 shopper, make_user, outbox):
    product = make_product(price=1500, stock=5)
    order = place(product, language="fr")
    part = order.vendor_orders[0]
    fulfilment.record_offline_payment(product.store.owner, part.id)
    outbox.clear()
    refund = refunds.refund_vendor_order(staff, part, 400, "Un pot est arrivé fêlé")
    assert refund.state == RefundState.TO_PAY_OUT
    [mail] = outbox
    assert mail.language == "fr" and "Un pot est arrivé fêlé" in mail.body
    assert "en espèces ou par mobile money" in mail.body and "4,00" in mail.body

    login(shopper)
    page = client.get(f"/zh/orders/{order.reference}").text
    assert "退款" in page and "待以现金或移动支付退还" in page and "Un pot est arrivé fêlé" in page
    login(product.store.owner)
    page = client.get(f"/fr/vendor/orders/{part.id}").text
    assert "Remboursements" in page and "À rendre en espèces ou par mobile money" in page
    login(make_user())  # another shopper
    assert client.get(f"/en/orders/{order.reference}").status_code == 404

    refunds.mark_refund_paid_out(staff, refund.id, "MM-20")
    login(shopper)
    assert "Refunded" in client.get(f"/en/orders/{order.reference}").text
    assert len(outbox) == 1  # told once, when the refund was recorded


def test_a_vendor_cancelling_a_paid_part_refunds_what_is_left_once(app, client, login, place, make_product, staff):
    product = make_product(price=1000, stock=5)
    order = place(product)
    part = order.vendor_orders[0]
    fulfilment.record_offline_payment(product.store.owner, part.id)
    refunds.refund_vendor_order(staff, part, 300, "Late")
    login(product.store.owner)
    done = client.post(f"/en/vendor/orders/{part.id}/cancel", data={"reason": "Out of stock"}, follow_redirects=True)
    assert "taken off what you are owed" in done.text
    assert db.session.scalars(select(Refund.amount).order_by(Refund.id)).all() == [300, 700]
    assert db.session.scalar(select(func.sum(PayableEntry.amount))) == 0
    again = client.post(f"/en/vendor/orders/{part.id}/cancel", data={"reason": "Out of stock"},
                        follow_redirects=True)
    assert "cannot become" in again.text
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 2


def test_a_part_whose_sale_was_reversed_before_refunds_sent_money_is_not_reversed_twice(
        app, place, make_product, staff):
    product = make_product(price=1000, stock=5)
    part = place(product).vendor_orders[0]
    fulfilment.record_offline_payment(product.store.owner, part.id)
    sale = db.session.scalars(select(PayableEntry)).one()
    db.session.add(PayableEntry(store_id=sale.store_id, vendor_order_id=part.id, kind=PayableKind.REVERSAL,
                                currency=sale.currency, gross_amount=-1000, commission_amount=0, amount=-1000,
                                commission_rate=sale.commission_rate))  # as a cancellation posted it then
    db.session.commit()
    refund = refunds.refund_vendor_order(staff, part, 1000, "Cancelled last month")
    assert refund.state == RefundState.TO_PAY_OUT
    assert db.session.scalar(select(func.count()).select_from(PayableEntry)) == 2
    assert db.session.scalar(select(func.sum(PayableEntry.amount))) == 0
