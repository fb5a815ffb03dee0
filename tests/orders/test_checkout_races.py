"""Checkout under concurrency: many buyers, one stock, on SQLite and PostgreSQL.

Every test releases its checkouts together from a barrier, each in its own thread, app context and
database session, in a second app on the same database (its own engine and pool, like another
gunicorn worker), and then asserts what the database holds and the exact kinds of answer the buyers
got: orders, or the refusals checkout promises (SoldOut, PricesChanged, an empty cart), and nothing
else: no "database is locked", no deadlock, no integrity error or SQLAlchemy warning leaking out.
No assertion depends on timing.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from campaigns.festivals.models import Deal, DealPurchase, DealStatus, Festival, FestivalText, Wave
from marketplace.accounts.models import Role, User
from marketplace.catalog.models import Product
from marketplace.core.errors import ValidationError
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.orders import checkout
from marketplace.orders.checkout import Destination, new_checkout_key, place_order
from marketplace.orders.holds.lapsed import release_expired_reservations
from marketplace.orders.models import Cart, CartItem, FulfilmentState, Order, OrderEvent, OrderLine, PaymentState
from marketplace.payments import PaymentRequest, PaymentStart
from tests.concurrency import JOIN_SECONDS, run_at_once
from tests.factories import PASSWORD, cached_hash
from tests.festivals.conftest import REGISTRATION_CLOSES, REGISTRATION_OPENS, WARMUP_STARTS, WAVE1
from tests.orders.conftest import ADDRESS

LIVE = WAVE1[0] + timedelta(minutes=1)  # every deal of the festival fixtures is on sale
# Every thread asks the pool for a connection at the same moment; most wait for one (15 per app by
# default), so the wait must outlast the whole run rather than SQLAlchemy's 30 s default.
POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_timeout": JOIN_SECONDS}}
_numbers = iter(range(1, 10**9))


def make_shoppers(count: int) -> list[int]:
    """`count` shoppers in one commit (the factory's one commit per user is slow for hundreds)."""
    users = [User(email=f"racer{next(_numbers)}@example.com", password_hash=cached_hash(PASSWORD),
                  role=Role.SHOPPER) for _ in range(count)]
    db.session.add_all(users)
    db.session.commit()
    return [user.id for user in users]


def fill_carts(shopper_ids: Sequence[int], *products: Product, quantity: int = 1) -> None:
    """Give each shopper a cart holding `quantity` of each product, lines in the order given.

    Rows are written directly, in one commit: `add_item` (tested elsewhere) takes a commit per line,
    which would be most of these tests' time for hundreds of shoppers.
    """
    db.session.add_all(
        Cart(user_id=shopper_id, items=[CartItem(product_id=p.id, quantity=quantity, seen_amount=p.price_amount,
                                                 seen_currency=p.currency) for p in products])
        for shopper_id in shopper_ids)
    db.session.commit()


def checkout_as(shopper_id: int, key: str | None = None, at: datetime | None = None,
                expected_total: Money | None = None) -> Callable[[], int]:
    """A call that places the shopper's order in the calling thread's session; returns the order id."""

    def call() -> int:
        shopper = db.session.get(User, shopper_id)
        return place_order(shopper, Destination(**ADDRESS), key or new_checkout_key(), "en",
                           expected_total=expected_total, at=at).id

    return call


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def sold(product_id: int) -> int:
    """Units of a product in order lines of orders that still hold them (not expired or failed)."""
    return db.session.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity), 0)).join(Order)
        .where(OrderLine.product_id == product_id,
               Order.payment_state.not_in([PaymentState.EXPIRED, PaymentState.FAILED]))
    )


def stock(product_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Product, product_id).stock


@pytest.fixture
def deal_on_sale(app, make_user, make_product) -> Callable[..., Deal]:
    """A deal live at LIVE on a new product (regular price 1000, festival price 700).

    (tests/festivals/conftest.py has richer factories, but a conftest cannot be shared as a plugin.)
    """

    def make(cap: int, limit: int | None = None, stock: int = 50) -> Deal:
        product = make_product(price=1000, stock=stock)
        festival = Festival(slug=f"rush-{next(_numbers)}", time_zone="Africa/Nairobi",
                            registration_opens_at=REGISTRATION_OPENS, registration_closes_at=REGISTRATION_CLOSES,
                            warmup_starts_at=WARMUP_STARTS, created_by_id=make_user(role=Role.STAFF).id,
                            texts=[FestivalText(language="en", name="Opening rush", description="Rush")],
                            waves=[Wave(starts_at=WAVE1[0], ends_at=WAVE1[1])])
        db.session.add(festival)
        db.session.flush()
        deal = Deal(festival_id=festival.id, wave_id=festival.waves[0].id, product_id=product.id,
                    store_id=product.store_id, price_amount=700, currency=product.currency, cap=cap,
                    per_shopper_limit=limit, status=DealStatus.APPROVED)
        db.session.add(deal)
        db.session.commit()
        return deal

    return make


# --- Stock ------------------------------------------------------------------------------------------

def test_200_buyers_for_50_units_get_50_orders_and_150_sold_out_answers(app, make_app, make_product):
    product = make_product(price=1500, stock=50)
    shoppers = make_shoppers(200)
    fill_carts(shoppers, product)

    outcomes = run_at_once(make_app(**POOL), [checkout_as(s) for s in shoppers])

    assert not outcomes.unexpected(checkout.SoldOut), outcomes.unexpected(checkout.SoldOut)
    assert outcomes.kinds == {"ok": 50, "SoldOut": 150}
    assert all(e.lines[0]["product_id"] == product.id for e in outcomes.errors)
    assert stock(product.id) == 0
    assert count(Order) == 50 and sold(product.id) == 50
    assert len(set(outcomes.results)) == 50  # fifty different orders, one per successful buyer


def test_carts_filled_in_opposite_orders_never_deadlock_and_account_for_every_unit(
        app, make_app, make_product):
    # Half the carts list A then B, the other half B then A; checkout takes rows in id order, so
    # the two halves queue behind each other instead of each holding the row the other needs.
    first, second = make_product(price=1000, stock=30), make_product(price=700, stock=45)
    forwards, backwards = make_shoppers(40), make_shoppers(40)
    fill_carts(forwards, first, second)
    fill_carts(backwards, second, first)

    outcomes = run_at_once(make_app(**POOL), [checkout_as(s) for pair in zip(forwards, backwards, strict=True)
                                             for s in pair])

    assert not outcomes.unexpected(checkout.SoldOut), outcomes.unexpected(checkout.SoldOut)
    # Every order needs one of each; a refusal reserves nothing, so the scarcer product decides.
    assert outcomes.kinds == {"ok": 30, "SoldOut": 50}
    assert sold(first.id) + stock(first.id) == 30 and stock(first.id) == 0
    assert sold(second.id) + stock(second.id) == 45 and stock(second.id) == 15
    lines = db.session.execute(select(OrderLine.order_id, func.count()).group_by(OrderLine.order_id)).all()
    assert len(lines) == 30 and {n for _, n in lines} == {2}


def test_one_checkout_submitted_ten_times_at_once_makes_one_order(app, make_app, make_product, shopper,
                                                                  fill_cart):
    # A double click, a retried request, a proxy resending: the same shopper and the same key.
    product = make_product(stock=5)
    fill_cart(shopper, product, quantity=2)
    key = new_checkout_key()

    outcomes = run_at_once(make_app(**POOL), [checkout_as(shopper.id, key)] * 10)

    assert not outcomes.errors, outcomes.unexpected()
    assert len(set(outcomes.results)) == 1  # every submission answers with the same order
    assert count(Order) == 1 and count(OrderLine) == 1
    assert stock(product.id) == 3


# --- Festival deals ---------------------------------------------------------------------------------

def test_a_deal_cap_of_20_holds_for_60_buyers_at_once(app, make_app, deal_on_sale):
    deal = deal_on_sale(cap=20, stock=50)
    shoppers = make_shoppers(60)
    fill_carts(shoppers, deal.product)
    festival_total = Money(700, "USD")  # what each checkout page showed

    outcomes = run_at_once(make_app(**POOL),
                           [checkout_as(s, at=LIVE, expected_total=festival_total) for s in shoppers])

    # A buyer who priced the cart before the cap was reached is refused the units (SoldOut); one who
    # priced it after sees the regular price, not the total on their page (PricesChanged).
    refusals = (checkout.SoldOut, checkout.PricesChanged)
    assert not outcomes.unexpected(*refusals), outcomes.unexpected(*refusals)
    assert outcomes.kinds["ok"] == 20 and len(outcomes.errors) == 40
    db.session.expire_all()
    assert db.session.get(Deal, deal.id).sold == 20
    held = db.session.scalars(select(DealPurchase.quantity).where(DealPurchase.deal_id == deal.id)).all()
    assert sum(held) == 20 and set(held) <= {0, 1}
    assert db.session.scalars(select(OrderLine.unit_amount)).all() == [700] * 20
    assert stock(deal.product_id) == 50 - 20


@pytest.fixture
def tabs_priced_together(monkeypatch) -> Callable[[int], None]:
    """Hold each checkout right after it priced the cart until `tabs` of them have: all then write at once.

    Without this the first order placed empties the cart before most tabs have even read it, and
    they never reach the write at all; held here, every tab races for the cart, the stock and the
    deal with the cart it saw. No transaction holds a write lock at that point, but each holds a
    pooled connection: `tabs` must stay within the pool (15 connections by default).
    """

    def hold(tabs: int) -> None:
        everyone_priced = threading.Barrier(tabs)
        real_price_cart = checkout.price_cart

        def price_cart_then_wait(*args, **kwargs):
            priced = real_price_cart(*args, **kwargs)
            everyone_priced.wait(timeout=JOIN_SECONDS)
            return priced

        monkeypatch.setattr(checkout, "price_cart", price_cart_then_wait)

    return hold


def test_one_cart_checked_out_from_twelve_tabs_at_once_becomes_one_order(
        app, make_app, deal_on_sale, shopper, fill_cart, tabs_priced_together):
    # Each tab's form carries its own key, so idempotency does not join them: the cart does.
    deal = deal_on_sale(cap=50, limit=3)
    fill_cart(shopper, deal.product, quantity=2)
    tabs_priced_together(12)

    outcomes = run_at_once(make_app(**POOL), [checkout_as(shopper.id, at=LIVE)] * 12)

    assert not outcomes.unexpected(ValidationError), outcomes.unexpected(ValidationError)
    assert outcomes.kinds == {"ok": 1, "ValidationError": 11}
    assert {e.message for e in outcomes.errors} == {"Your cart is empty."}
    assert count(Order) == 1 and count(CartItem) == 0
    db.session.expire_all()
    assert db.session.get(DealPurchase, (deal.id, shopper.id)).quantity == 2
    assert db.session.get(Deal, deal.id).sold == 2 and stock(deal.product_id) == 50 - 2


def test_the_per_shopper_limit_refuses_every_tab_at_once_and_keeps_the_cart(
        app, make_app, deal_on_sale, shopper, fill_cart, tabs_priced_together):
    """One shopper, limit 3, already holding 2; the cart now wants 2 more, from twelve tabs at once.

    A shopper has one cart and checkout claims it, so one shopper's checkouts write one at a time
    (the twelve queue on the cart's rows): the limit is then checked against what the previous
    tab left, and must refuse each of them, leaving counts, stock and the cart as they were.
    (The limit's own UPDATE under truly simultaneous buyers is proven in
    tests/festivals/test_reservations.py, twelve reservations at once for three units.)
    """
    deal = deal_on_sale(cap=50, limit=3)
    fill_cart(shopper, deal.product, quantity=2)
    checkout_as(shopper.id, at=LIVE)()  # the first two, earlier
    fill_cart(shopper, deal.product, quantity=2)
    tabs_priced_together(12)

    outcomes = run_at_once(make_app(**POOL), [checkout_as(shopper.id, at=LIVE)] * 12)

    assert not outcomes.unexpected(checkout.SoldOut), outcomes.unexpected(checkout.SoldOut)
    assert outcomes.kinds == {"SoldOut": 12}
    assert all("at most 3" in e.message for e in outcomes.errors)
    db.session.expire_all()
    assert db.session.get(DealPurchase, (deal.id, shopper.id)).quantity == 2
    assert db.session.get(Deal, deal.id).sold == 2 and stock(deal.product_id) == 50 - 2
    assert count(Order) == 1
    assert db.session.scalars(select(CartItem.quantity)).all() == [2]  # every refused claim rolled back


# --- Reservations that lapse --------------------------------------------------------------------------

class FakeOnlineGateway:
    """A gateway that collects online and always opens the payment: orders stay pending until paid."""

    name = "fake"
    collects_online = True

    def start_payment(self, request: PaymentRequest) -> PaymentStart:
        return PaymentStart(reference=f"fake-{request.order_reference}",
                            redirect_url=f"https://pay.example/{request.order_reference}")

    def parse_webhook(self, payload: bytes, signature_header: str):  # noqa: ANN201
        raise AssertionError("these tests send no webhooks")

    def recent_payments(self, since: datetime):  # noqa: ANN201 - never called here
        return ()

    def expire_payment(self, reference: str) -> None:
        return None


@pytest.fixture
def online_app(app, make_app) -> Flask:
    """The test app and a second app on the same database, both paying through the fake online gateway."""
    other = make_app(**POOL)
    for each in (app, other):
        each.extensions["payment_gateway"] = FakeOnlineGateway()
    yield other
    app.extensions.pop("payment_gateway")


def place_pending_orders(shopper_ids: Sequence[int], at: datetime) -> list[int]:
    """Each shopper checks out their cart at `at`, one after another; the pending orders' ids."""
    return [checkout_as(s, at=at)() for s in shopper_ids]


def test_a_lapsed_reservation_is_swept_by_the_next_checkout_and_sold_again(
        app, online_app, deal_on_sale):
    deal = deal_on_sale(cap=1, stock=1)
    product = deal.product
    first, second = make_shoppers(2)
    fill_carts([first, second], product)  # both while the unit is still there

    (held,) = place_pending_orders([first], LIVE)
    order = db.session.get(Order, held)
    assert order.payment_state == PaymentState.PENDING and order.gateway_reference == f"fake-{order.reference}"
    assert stock(product.id) == 0
    lapsed = order.reserved_until + timedelta(seconds=1)

    (bought,) = place_pending_orders([second], lapsed)

    db.session.expire_all()
    assert db.session.get(Order, held).payment_state == PaymentState.EXPIRED
    assert {vo.status for vo in db.session.get(Order, held).vendor_orders} == {FulfilmentState.CANCELLED}
    again = db.session.get(Order, bought)
    assert again.payment_state == PaymentState.PENDING
    assert [(line.quantity, line.unit_amount) for line in again.lines] == [(1, 700)]  # the deal's unit too
    assert stock(product.id) == 0 and db.session.get(Deal, deal.id).sold == 1
    assert db.session.get(DealPurchase, (deal.id, first)).quantity == 0


def test_sweeps_at_once_return_each_lapsed_reservation_once(app, online_app, deal_on_sale):
    deal = deal_on_sale(cap=5, stock=5)
    product = deal.product
    holders, buyers = make_shoppers(5), make_shoppers(10)
    fill_carts(holders + buyers, product)
    held = place_pending_orders(holders, LIVE)
    assert stock(product.id) == 0
    lapsed = db.session.get(Order, held[0]).reserved_until + timedelta(seconds=1)

    # Eight bare sweeps and ten checkouts (each sweeps first) at the same instant: the five lapsed
    # reservations must come back exactly once, then sell once each.
    def sweep() -> tuple[str, int]:
        return "swept", release_expired_reservations(lapsed)

    def buy(shopper_id: int) -> Callable[[], tuple[str, int]]:
        place = checkout_as(shopper_id, at=lapsed)
        return lambda: ("order", place())

    outcomes = run_at_once(online_app, [sweep] * 8 + [buy(s) for s in buyers])

    assert not outcomes.unexpected(checkout.SoldOut), outcomes.unexpected(checkout.SoldOut)
    assert Counter(kind for kind, _ in outcomes.results) == {"swept": 8, "order": 5}
    assert outcomes.kinds["SoldOut"] == 5
    released = sum(n for kind, n in outcomes.results if kind == "swept")
    db.session.expire_all()
    states = Counter(db.session.scalars(select(Order.payment_state)).all())
    assert states == {PaymentState.EXPIRED: 5, PaymentState.PENDING: 5}
    expiries = db.session.scalar(select(func.count()).select_from(OrderEvent)
                                 .where(OrderEvent.to_state == f"payment:{PaymentState.EXPIRED.value}"))
    assert expiries == 5 and released <= 5
    assert stock(product.id) == 0 and sold(product.id) == 5
    assert db.session.get(Deal, deal.id).sold == 5
    assert sum(db.session.scalars(select(DealPurchase.quantity)).all()) == 5
