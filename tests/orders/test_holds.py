"""Holds (marketplace/orders/holds): typed references, holders that raise and never roll back, one lock
order whatever the cart's order, and units of lapsed reservations back wherever stock is read."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.sql import Update

from campaigns.festivals.models import Deal, DealPurchase
from campaigns.festivals.reservations import DealUnits, reserve_deal_units
from marketplace.core import clock
from marketplace.core.errors import Conflict
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.checkout import Destination, cancel_unpaid_order, new_checkout_key, place_order
from marketplace.orders.holds import LOCK_ORDER
from marketplace.orders.holds.refs import HoldRef, in_lock_order
from marketplace.orders.holds.registry import register_holder
from marketplace.orders.models import Cart, CartItem, Order, PaymentState
from marketplace.payments import PaymentRequest, PaymentStart
from tests.festivals import conftest as festival_fixtures
from tests.festivals.conftest import WAVE1
from tests.orders.conftest import ADDRESS

# The festival tests' factories, for this module only (a conftest reaches only its own folder).
make_festival, make_deal, staff = festival_fixtures.make_festival, festival_fixtures.make_deal, festival_fixtures.staff

LIVE = WAVE1[0] + timedelta(minutes=1)
NAMES = {"products": "products", Deal.__tablename__: "deals", DealPurchase.__tablename__: "deal_purchases"}


class OnlineGateway:
    """Collects online and always opens the payment page, so a placed order stays pending until paid."""

    name = "fake"
    collects_online = True

    def start_payment(self, request: PaymentRequest) -> PaymentStart:
        return PaymentStart(reference=f"fake-{request.order_reference}",
                            redirect_url=f"https://pay.example/{request.order_reference}")

    def expire_payment(self, reference: str) -> None:
        return None

    def recent_payments(self, since: datetime) -> tuple:
        return ()


@pytest.fixture
def online(app) -> Iterator[None]:
    """The app pays through the online gateway above for one test, then through its own again."""
    own = app.extensions.get("payment_gateway")
    app.extensions["payment_gateway"] = OnlineGateway()
    yield
    if own is None:
        app.extensions.pop("payment_gateway")
    else:
        app.extensions["payment_gateway"] = own


def cart_of(shopper, *products) -> None:
    """The shopper's cart holding one of each product, lines in the order given."""
    db.session.add(Cart(user_id=shopper.id, items=[
        CartItem(product_id=p.id, quantity=1, seen_amount=p.price_amount, seen_currency=p.currency)
        for p in products]))
    db.session.commit()


def checkout(shopper, at: datetime) -> Order:
    return place_order(shopper, Destination(**ADDRESS), new_checkout_key(), "en", at=at)


@pytest.fixture
def held_updates() -> Iterator[list[tuple[str, int]]]:
    """The (table, row id) of every UPDATE of products, deals and deal purchases, in the order they ran."""
    seen: list[tuple[str, int]] = []

    def record(state) -> None:
        statement = state.statement
        if isinstance(statement, Update) and statement.table.name in NAMES:
            params = statement.compile().params
            seen.append((NAMES[statement.table.name], params.get("id_1") or params.get("deal_id_1")))

    event.listen(db.session, "do_orm_execute", record)
    yield seen
    event.remove(db.session, "do_orm_execute", record)


# --- references -----------------------------------------------------------------------------------------

def test_a_hold_reference_is_typed_and_stored_as_kind_and_id():
    ref = HoldRef("deal", 12)
    assert str(ref) == "deal:12" and HoldRef.parse("deal:12") == ref and HoldRef.parse("") is None
    for bad in ("deal", "deal:", "deal:x", ":12", "Deal:12", "deal:0"):
        with pytest.raises(ValueError):
            HoldRef.parse(bad)
    with pytest.raises(ValueError):
        HoldRef("deal", True)
    assert in_lock_order([HoldRef("seat", 1), HoldRef("deal", 10), HoldRef("departure", 2), HoldRef("deal", 9)]) == [
        HoldRef("deal", 9), HoldRef("deal", 10), HoldRef("departure", 2), HoldRef("seat", 1)]
    assert LOCK_ORDER[0] == "product"


def test_a_holder_needs_a_place_in_the_lock_order(app):
    with pytest.raises(ValueError):
        register_holder(app, "voucher", DealUnits())
    with pytest.raises(ValueError):
        register_holder(app, "product", DealUnits())


def test_order_lines_and_cart_lines_keep_their_hold_as_a_reference(app, make_festival, make_deal, make_product,
                                                                    make_user):
    shopper = make_user()
    deal, plain = make_deal(make_festival(), cap=5), make_product(price=500, stock=5)
    with clock.freeze(LIVE):
        carts.add_item(shopper, None, deal.product_id, 1)
        carts.add_item(shopper, None, plain.id, 1)
        seen = {i.product_id: i.seen_offer for i in db.session.scalars(select(CartItem))}
        order = checkout(shopper, LIVE)
    assert seen == {deal.product_id: HoldRef("deal", deal.id), plain.id: None}
    db.session.expire_all()
    held = {line.product_id: line.offer_hold for line in db.session.get(Order, order.id).lines}
    assert held == {deal.product_id: HoldRef("deal", deal.id), plain.id: None}
    stored = dict(db.session.execute(text("SELECT product_id, offer_hold FROM order_lines")).all())
    assert stored == {deal.product_id: f"deal:{deal.id}", plain.id: ""}


# --- holders raise; the use case rolls back ----------------------------------------------------------------

def test_a_refusing_holder_leaves_the_callers_transaction_alone(app, make_festival, make_deal, make_user):
    shopper, other = make_user(), make_user()
    deal = make_deal(make_festival(), cap=1)
    reserve_deal_units(deal.id, other.id, 1, LIVE)  # the last unit is gone
    cart_of(shopper, deal.product)
    item = db.session.scalars(select(CartItem)).one()
    item.quantity = 2  # the caller's own write, flushed, in the same transaction
    db.session.flush()
    with pytest.raises(Conflict, match="sold out"):
        DealUnits().take(HoldRef("deal", deal.id), shopper.id, 1, LIVE)
    assert db.session.scalar(select(CartItem.quantity).where(CartItem.id == item.id)) == 2, "not rolled back"
    db.session.rollback()  # the use case decides
    assert db.session.scalar(select(CartItem.quantity).where(CartItem.id == item.id)) == 1


# --- one lock order --------------------------------------------------------------------------------------

@pytest.mark.parametrize("cart_order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
def test_checkout_takes_and_gives_back_products_then_deals_each_by_id_whatever_the_cart_order(
        app, online, make_festival, make_deal, make_product, make_user, held_updates, cart_order):
    products = [make_product(price=1000, stock=5) for _ in range(3)]
    festival = make_festival()
    # The deal on the last product is made first, so deal ids run against product ids.
    late, early = make_deal(festival, product=products[2]), make_deal(festival, product=products[0])
    shopper = make_user()
    cart_of(shopper, *(products[i] for i in cart_order))

    held_updates.clear()
    order = checkout(shopper, LIVE)

    by_id = [("products", p.id) for p in products]
    deals = [("deals", late.id), ("deal_purchases", late.id), ("deals", early.id), ("deal_purchases", early.id)]
    assert held_updates == by_id + deals
    assert order.payment_state == PaymentState.PENDING

    held_updates.clear()
    with clock.freeze(LIVE):
        cancel_unpaid_order(shopper, order.reference)
    assert held_updates == by_id + deals
    db.session.expire_all()
    assert [db.session.get(Deal, d.id).sold for d in (late, early)] == [0, 0]


# --- lapsed reservations come back where stock is read ------------------------------------------------------

def test_the_last_unit_of_a_lapsed_reservation_is_in_stock_on_the_product_page_and_in_the_cart(
        app, client, online, make_product, make_user, login):
    product = make_product(price=1500, stock=1)
    holder, buyer = make_user(), make_user()
    cart_of(holder, product)
    order = checkout(holder, clock.now())
    db.session.expire_all()
    assert db.session.get(type(product), product.id).stock == 0
    lapsed = clock.to_utc(order.reserved_until) + timedelta(seconds=1)

    with clock.freeze(lapsed):  # no sweep has run: reading the product gives the unit back
        page = client.get(f"/en/products/{product.slug}").get_data(as_text=True)
    assert "1 in stock" in page and "Sold out" not in page

    login(buyer)
    with clock.freeze(lapsed):
        response = client.post("/en/cart/items", data={"product_id": product.id, "quantity": 1,
                                                       "next": "/en/cart"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_state == PaymentState.EXPIRED
    assert db.session.scalars(select(CartItem.quantity).join(Cart).where(Cart.user_id == buyer.id)).all() == [1]


def test_the_last_unit_of_a_lapsed_reservation_goes_into_the_cart_with_no_page_read_first(
        app, online, make_product, make_user):
    product = make_product(price=1500, stock=1)
    holder, buyer = make_user(), make_user()
    cart_of(holder, product)
    order = checkout(holder, clock.now())
    with clock.freeze(clock.to_utc(order.reserved_until) + timedelta(seconds=1)):
        assert carts.add_item(buyer, None, product.id, 1) == ""
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_state == PaymentState.EXPIRED
    assert db.session.get(type(product), product.id).stock == 1  # back, and only held again at checkout


def test_the_last_deal_unit_of_a_lapsed_reservation_is_back_at_the_deal_price(
        app, client, online, make_festival, make_deal, make_user, login):
    deal = make_deal(make_festival(), cap=1, price=700)
    holder, buyer = make_user(), make_user()
    cart_of(holder, deal.product)
    order = checkout(holder, LIVE)
    assert [line.unit_amount for line in order.lines] == [700]
    lapsed = clock.to_utc(order.reserved_until) + timedelta(seconds=1)
    assert lapsed < WAVE1[1]

    with clock.freeze(LIVE + timedelta(seconds=1)):  # still held: the deal is sold out, the regular price shows
        page = client.get(f"/en/products/{deal.product.slug}").get_data(as_text=True)
    assert "$10.00" in page and "$7.00" not in page

    with clock.freeze(lapsed):
        page = client.get(f"/en/products/{deal.product.slug}").get_data(as_text=True)
    assert "$7.00" in page

    login(buyer)
    with clock.freeze(lapsed):
        client.post("/en/cart/items", data={"product_id": deal.product_id, "quantity": 1, "next": "/en/cart"})
        cart_page = client.get("/en/cart").get_data(as_text=True)
    assert "$7.00" in cart_page
    db.session.expire_all()
    item = db.session.scalars(select(CartItem).join(Cart).where(Cart.user_id == buyer.id)).one()
    assert (item.seen_amount, item.seen_offer) == (700, HoldRef("deal", deal.id))
    assert db.session.get(Deal, deal.id).sold == 0
    assert db.session.get(DealPurchase, (deal.id, holder.id)).quantity == 0


def test_a_festivals_deals_count_the_units_of_lapsed_reservations_as_left(
        app, client, online, make_festival, make_deal, make_user):
    festival = make_festival()
    deal = make_deal(festival, cap=1, price=700)
    holder = make_user()
    cart_of(holder, deal.product)
    order = checkout(holder, LIVE)

    def shown() -> dict:
        waves = client.get(f"/api/v1/festivals/{festival.slug}").get_json()["festival"]["waves"]
        return next(d for w in waves for d in w["deals"] if d["id"] == deal.id)

    with clock.freeze(LIVE + timedelta(seconds=1)):
        assert (shown()["left"], shown()["sold_out"]) == (0, True)
    with clock.freeze(clock.to_utc(order.reserved_until) + timedelta(seconds=1)):
        assert (shown()["left"], shown()["sold_out"]) == (1, False)
    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_state == PaymentState.EXPIRED


def test_a_paid_order_settles_its_holds_in_the_lock_order_across_its_stores(
        app, online, make_festival, make_deal, make_product, make_user, monkeypatch):
    """The payment webhook settles every store's part in one pass in the lock order, not store by store (two
    payments of orders sharing two deals would otherwise each hold one deal's row and wait for the other's)."""
    from marketplace.orders import webhooks
    from marketplace.orders.holds import stock
    from marketplace.payments import PaymentReport

    first, second = make_product(price=1000, stock=5), make_product(price=1000, stock=5)  # two stores
    festival = make_festival()
    late, early = make_deal(festival, product=second), make_deal(festival, product=first)  # ids against stores
    shopper = make_user()
    cart_of(shopper, first, second)
    order = checkout(shopper, LIVE)
    assert len(order.vendor_orders) == 2
    settled: list[HoldRef] = []
    real = stock.settle_units
    monkeypatch.setattr(stock, "settle_units", lambda ref, *args: (settled.append(ref), real(ref, *args)))
    report = PaymentReport(order.gateway_reference, order.id, "paid", order.total_amount, order.currency,
                           event_id="evt-lock-order", event_type="test.paid")
    with clock.freeze(LIVE):
        assert webhooks.apply_payment_report(report, "fake") == "paid"
    assert settled == [HoldRef("deal", late.id), HoldRef("deal", early.id)]
    assert settled == in_lock_order(settled)
