"""Vendor and staff order pages: what each sees, 404 for another store's order, forms and their errors."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from marketplace.catalog.models import Product
from marketplace.core.errors import Conflict, PermissionDenied
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.orders import fulfilment
from marketplace.orders.models import FulfilmentState, Order, PaymentState, VendorOrder
from marketplace.orders.refunds import services as refunds
from marketplace.orders.refunds.models import Refund
from marketplace.vendors.models import PayableEntry, PayableKind
from tests.factories import PASSWORD
from tests.orders.fulfilment_helpers import put_in_state, snapshot

pytest_plugins = ["tests.orders.fulfilment_fixtures"]
F = FulfilmentState

def test_another_vendors_order_is_a_404_page(app, client, login, place, make_product, make_store):
    product = make_product(stock=5)
    order = place(product)
    part = order.vendor_orders[0]
    login(make_store().owner)
    listing = client.get("/en/vendor/orders/")
    assert listing.status_code == 200 and order.reference not in listing.text
    before = snapshot(part.id)
    assert client.get(f"/en/vendor/orders/{part.id}").status_code == 404
    for path in ("pack", "cancel", "payment"):
        response = client.post(f"/en/vendor/orders/{part.id}/{path}", data={"reason": "Not mine at all"})
        assert response.status_code == 404
    assert snapshot(part.id) == before


def test_the_vendor_sees_what_to_send_where_and_only_the_moves_allowed_now(app, client, login, place, make_product):
    product = make_product(name="Shea butter 250 g", stock=5)
    order = place(product, quantity=3)
    part = order.vendor_orders[0]
    login(product.store.owner)
    listing = client.get("/en/vendor/orders/?status=confirmed")
    assert order.reference in listing.text and "Confirmed, to be paid on delivery (1)" in listing.text
    page = client.get(f"/en/vendor/orders/{part.id}").text
    assert "Shea butter 250 g" in page and "88 Century Avenue, Pudong" in page and "Li Wei" in page
    assert f"/vendor/orders/{part.id}/pack" in page and f"/vendor/orders/{part.id}/cancel" in page
    assert f"/vendor/orders/{part.id}/ship" not in page and f"/vendor/orders/{part.id}/deliver" not in page
    assert client.get("/en/vendor/orders/?status=shipped").text.count(order.reference) == 0

    response = client.post(f"/en/vendor/orders/{part.id}/pack", follow_redirects=True)
    assert "Marked packed" in response.text and f"/vendor/orders/{part.id}/ship" in response.text
    refused = client.post(f"/en/vendor/orders/{part.id}/ship", data={"tracking_reference": "x" * 81})
    assert refused.status_code == 422 and "1 to 80 printable characters" in refused.text
    shipped = client.post(f"/en/vendor/orders/{part.id}/ship", data={"tracking_reference": "EMS-CN-881"},
                          follow_redirects=True)
    assert "Marked shipped" in shipped.text and "EMS-CN-881" in shipped.text
    assert f"/vendor/orders/{part.id}/cancel" not in shipped.text  # too late once it has left
    again = client.post(f"/en/vendor/orders/{part.id}/pack", follow_redirects=True)
    assert "cannot become" in again.text
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).status == F.SHIPPED


def test_cancelling_returns_the_units_and_cancels_an_unpaid_order(app, client, login, place, make_product, outbox,
                                                                  shopper):
    product = make_product(stock=5)
    order = place(product, quantity=2, language="sw")
    part = order.vendor_orders[0]
    assert db.session.get(Product, product.id).stock == 3
    login(product.store.owner)
    refused = client.post(f"/en/vendor/orders/{part.id}/cancel", data={"reason": " "})
    assert refused.status_code == 422 and "a reason of 3 to 1,000 characters" in refused.text
    assert db.session.get(Product, product.id).stock == 3
    response = client.post(f"/en/vendor/orders/{part.id}/cancel", data={"reason": "The harvest failed"},
                           follow_redirects=True)
    assert "units are back in stock" in response.text and "The harvest failed" in response.text
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 5
    assert db.session.get(Order, order.id).payment_state == PaymentState.CANCELLED
    assert db.session.scalar(select(func.count()).select_from(PayableEntry)) == 0
    assert [(m.to, m.language) for m in outbox] == [(shopper.email, "sw")]
    assert "The harvest failed" in outbox[0].body  # the shopper hears why
    again = client.post(f"/en/vendor/orders/{part.id}/cancel", data={"reason": "The harvest failed"},
                        follow_redirects=True)
    assert "cannot become" in again.text
    assert db.session.get(Product, product.id).stock == 5  # given back once


def test_staff_refund_a_delivered_part_from_the_order_page(app, client, login, place, make_product, staff, outbox):
    product = make_product(price=900)
    order = place(product)
    part = order.vendor_orders[0]
    put_in_state(part, F.DELIVERED)
    fulfilment.record_offline_payment(product.store.owner, part.id)
    login(staff)
    url = f"/en/staff/orders/parts/{part.id}/refunds"
    field = f"refund-{part.id}-"
    for data, message in (({"amount": "abc", "reason": "Returned"}, "as a number greater than zero"),
                          ({"amount": "-1", "reason": "Returned"}, "as a number greater than zero"),
                          ({"amount": "4.001", "reason": "Returned"}, "as a number greater than zero"),
                          ({"amount": "4.00", "reason": "x" * 1001}, "3 to 1,000 characters"),
                          ({"amount": "9.01", "reason": "Returned"}, "At most $9.00 is left")):
        refused = client.post(url, data={field + key: value for key, value in data.items()})
        assert refused.status_code == 422 and message in refused.text
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0
    assert db.session.scalar(select(func.sum(PayableEntry.amount))) == 900
    page = client.get(f"/en/staff/orders/{order.id}").text
    assert "Refund the shopper" in page and "Paid on delivery: the refund is recorded" in page
    assert product.store.owner.email in page  # the history names who recorded the payment
    outbox.clear()
    done = client.post(url, data={field + "amount": "4.00", field + "reason": "Returned damaged"},
                       follow_redirects=True)
    assert "Refund of $4.00 recorded: pay it back" in done.text and "To be paid back in cash" in done.text
    assert "Campaign staff (Amina (staff))" in done.text
    [refund] = db.session.scalars(select(Refund)).all()
    assert db.session.scalar(select(func.sum(PayableEntry.amount))) == 500
    assert [(m.to, m.language) for m in outbox] == [(order.email, "en")] and "$4.00" in outbox[0].body
    paid = client.post(f"/en/staff/refunds/{refund.id}/paid-out", data={"payout_reference": "MM-4411"},
                       follow_redirects=True)
    assert "Refunded: $4.00 went back" in paid.text and "MM-4411" in paid.text
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).status == F.DELIVERED  # $5.00 of it is still paid for
    rest = client.post(url, data={field + "amount": "5", field + "reason": "The other one too"},
                       follow_redirects=True)
    assert "Refund of $5.00 recorded" in rest.text
    last = db.session.scalars(select(Refund).order_by(Refund.id.desc())).first()
    client.post(f"/en/staff/refunds/{last.id}/paid-out", data={"payout_reference": ""})
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).status == F.REFUNDED
    assert db.session.get(Order, order.id).payment_state == PaymentState.REFUNDED
    assert db.session.scalar(select(func.sum(PayableEntry.amount))) == 0
    again = client.post(url, data={field + "amount": "1", field + "reason": "Once more"})
    assert again.status_code == 422 and "Nothing is left to refund" in again.text
    twice = client.post(f"/en/staff/refunds/{last.id}/paid-out", data={"payout_reference": ""},
                        follow_redirects=True)
    assert "not waiting to be paid out" in twice.text
    assert db.session.scalar(select(func.count()).select_from(PayableEntry)) == 3


def test_recording_a_payment_twice_posts_one_sale(app, client, login, place, make_product):
    product = make_product(price=700)
    order = place(product)
    part = order.vendor_orders[0]
    login(product.store.owner)
    first = client.post(f"/en/vendor/orders/{part.id}/payment", follow_redirects=True)
    assert "Payment recorded" in first.text
    second = client.post(f"/en/vendor/orders/{part.id}/payment", follow_redirects=True)
    assert "already recorded" in second.text
    assert db.session.scalars(select(PayableEntry.kind)).all() == [PayableKind.SALE]
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_state == PaymentState.PAID
    assert db.session.get(Order, order.id).paid_amount == 700


def test_a_refund_due_order_nobody_was_paid_for_is_refunded_as_a_whole(app, client, login, place, make_product,
                                                                      staff, shopper, outbox):
    order = place(make_product())
    part = order.vendor_orders[0]
    fulfilment.cancel_vendor_order(staff, part.id, "Paid after it had expired")
    order = db.session.get(Order, order.id)
    order.payment_state, order.paid_amount, order.paid_currency = PaymentState.REFUND_DUE, 1000, "USD"
    db.session.commit()  # as a webhook left it before refunds were sent
    for someone in (part.store.owner, shopper):
        with pytest.raises(PermissionDenied):
            refunds.refund_order_payment(someone, order, "Paid too late")
    login(staff)
    assert "cannot be filled" in client.get(f"/en/staff/orders/{order.id}").text
    short = client.post(f"/en/staff/orders/{order.id}/refunds", data={"refund-order-reason": "x"})
    assert short.status_code == 422 and "3 to 1,000 characters" in short.text
    done = client.post(f"/en/staff/orders/{order.id}/refunds", data={"refund-order-reason": "Paid too late"},
                       follow_redirects=True)
    assert "Refund of $10.00 recorded" in done.text and "Refunds of the payment" in done.text
    [refund] = db.session.scalars(select(Refund)).all()
    assert (refund.vendor_order_id, refund.amount, refund.currency) == (None, 1000, "USD")
    with pytest.raises(Conflict):
        refunds.refund_order_payment(staff, db.session.get(Order, order.id), "Again")
    refunds.mark_refund_paid_out(staff, refund.id, "")
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_state == PaymentState.REFUNDED


def test_staff_list_orders_by_payment_state_and_store(app, client, login, place, make_product, make_store, staff,
                                                      make_user):
    kept, other = make_product(), make_product(store=make_store(name="Dakar Baskets"))
    paid = place(kept)
    fulfilment.record_offline_payment(staff, paid.vendor_orders[0].id)
    unpaid = place(other, buyer=make_user())
    page = fulfilment.all_orders(staff, fulfilment.OrderFilters(payment_state=PaymentState.PAID))
    assert [o.id for o in page.items] == [paid.id]
    page = fulfilment.all_orders(staff, fulfilment.OrderFilters(store_id=other.store_id))
    assert [o.id for o in page.items] == [unpaid.id]
    with pytest.raises(PermissionDenied):
        fulfilment.all_orders(kept.store.owner)
    login(staff)
    listing = client.get(f"/en/staff/orders/?state=unpaid&store={other.store_id}").text
    assert unpaid.reference in listing and paid.reference not in listing and "Dakar Baskets" in listing
    assert paid.reference in client.get(f"/en/staff/orders/?q={paid.reference[:5].lower()}").text
    assert client.get("/en/staff/orders/99999").status_code == 404


def test_the_vendor_pages_read_right_to_left_in_arabic(app, client, login, place, make_product):
    product = make_product(price=1000)
    part = place(product, quantity=2).vendor_orders[0]
    login(product.store.owner)
    for url in ("/ar/vendor/orders/", f"/ar/vendor/orders/{part.id}"):
        page = client.get(url)
        assert page.status_code == 200 and 'dir="rtl"' in page.text
        assert Money(2000, "USD").format("ar") in page.text


def csrf_token_on(client, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).text).group(1)


def test_the_forms_carry_a_csrf_token_and_nothing_moves_without_it(app, make_app, place, make_product):
    product = make_product()
    part = place(product).vendor_orders[0]
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    client.post("/en/account/login", data={"email": product.store.owner.email, "password": PASSWORD,
                                           "csrf_token": csrf_token_on(client, "/en/account/login")})
    client.post(f"/en/vendor/orders/{part.id}/pack")
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).status == F.CONFIRMED
    token = csrf_token_on(client, f"/en/vendor/orders/{part.id}")
    client.post(f"/en/vendor/orders/{part.id}/pack", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).status == F.PACKED


def test_staff_move_each_stores_part_from_the_order_page(app, client, login, place, make_product, make_store, staff,
                                                         outbox):
    """A store that cannot log in: staff pack and ship one part, record its payment and cancel the other."""
    first = make_product(name="Kente stole", store=make_store(name="Accra Weavers"), stock=5)
    second = make_product(name="Baobab oil", store=make_store(name="Dakar Oils"), stock=5)
    order = place(first, second)
    packed, cancelled = sorted(order.vendor_orders, key=lambda vo: vo.store.name)
    login(staff)
    page = client.get(f"/en/staff/orders/{order.id}").text
    # Each part has its own forms: field ids never clash on one page.
    assert f'id="cancel-{packed.id}-reason"' in page and f'id="cancel-{cancelled.id}-reason"' in page
    assert "Only when the store confirms the shopper paid" in page
    after_pack = client.post(f"/en/staff/orders/parts/{packed.id}/pack", follow_redirects=True).text
    assert "Marked packed" in after_pack and f'id="ship-{packed.id}-tracking_reference"' in after_pack
    too_long = client.post(f"/en/staff/orders/parts/{packed.id}/ship",
                           data={f"ship-{packed.id}-tracking_reference": "x" * 200})
    assert too_long.status_code == 422 and f'id="ship-{packed.id}-tracking_reference-error"' in too_long.text
    shipped = client.post(f"/en/staff/orders/parts/{packed.id}/ship",
                          data={f"ship-{packed.id}-tracking_reference": "GH-123-456"}, follow_redirects=True)
    assert "Marked shipped" in shipped.text and "GH-123-456" in shipped.text
    assert "Payment recorded" in client.post(f"/en/staff/orders/parts/{packed.id}/payment",
                                             follow_redirects=True).text
    no_reason = client.post(f"/en/staff/orders/parts/{cancelled.id}/cancel", data={f"cancel-{cancelled.id}-reason": ""})
    assert no_reason.status_code == 422
    done = client.post(f"/en/staff/orders/parts/{cancelled.id}/cancel",
                       data={f"cancel-{cancelled.id}-reason": "The store closed for the season"}, follow_redirects=True)
    assert "units are back in stock" in done.text
    db.session.expire_all()
    assert db.session.get(VendorOrder, packed.id).status == F.SHIPPED
    assert db.session.get(VendorOrder, packed.id).tracking_reference == "GH-123-456"
    assert db.session.get(VendorOrder, cancelled.id).status == F.CANCELLED
    assert (db.session.get(Product, first.id).stock, db.session.get(Product, second.id).stock) == (4, 5)
    history = {(e.vendor_order_id, e.to_state): e.actor_id for e in db.session.get(Order, order.id).events}
    assert history[(packed.id, "shipped")] == staff.id and history[(cancelled.id, "cancelled")] == staff.id
    assert any("The store closed for the season" in m.body for m in outbox)


def test_staff_part_moves_refuse_what_the_table_forbids_and_vendors_cannot_use_them(app, client, login, place,
                                                                                   make_product, staff):
    product = make_product(stock=5)
    order = place(product)
    part = order.vendor_orders[0]
    login(staff)
    refused = client.post(f"/en/staff/orders/parts/{part.id}/deliver", follow_redirects=True)  # not shipped yet
    assert "cannot become" in refused.text
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).status == F.CONFIRMED
    login(product.store.owner)
    assert client.post(f"/en/staff/orders/parts/{part.id}/pack").status_code == 403
    assert client.post("/en/staff/orders/parts/2147483647/pack").status_code == 403
    login(staff)
    assert client.post("/en/staff/orders/parts/2147483647/pack").status_code == 404
