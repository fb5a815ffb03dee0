"""A worker killed between reserving the units and saving the payment page: the order can still be paid."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.orders.models import CartItem, Order, PaymentState
from marketplace.orders.payment_start import resume_payment
from marketplace.payments import get_payment_gateway
from tests.concurrency import run_at_once
from tests.orders.conftest import ADDRESS


class WorkerKilled(BaseException):
    """What the request sees when its worker dies (or its database fails) right after the reservation."""


@pytest.fixture
def killed_once(stripe_app, monkeypatch):
    """The next payment start dies before the gateway answers, as if the worker was killed."""
    gateway = get_payment_gateway()
    real = gateway.start_payment
    calls = []

    def start(request):
        calls.append(request)
        if len(calls) == 1:
            raise WorkerKilled
        return real(request)

    monkeypatch.setattr(gateway, "start_payment", start)
    return calls


def checkout_form(client) -> dict:
    page = client.get("/en/checkout").get_data(as_text=True)
    return {**ADDRESS, **{name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)
                          for name in ("key", "expected_total")}}


def the_order() -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order)).one()


def stock(product_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Product, product_id).stock


def crash_checkout(client, login, shopper, fill_cart, product) -> dict:
    fill_cart(shopper, product, quantity=2)
    login(shopper)
    form = checkout_form(client)
    with pytest.raises(WorkerKilled):
        client.post("/en/checkout", data=form)
    db.session.rollback()
    order = the_order()
    assert order.payment_state == PaymentState.PENDING and order.payment_url == ""
    assert stock(product.id) == 3, "the units are held"
    return form


def test_the_retry_with_the_same_key_opens_the_payment_page(
        client, login, shopper, fill_cart, make_product, fake_stripe, killed_once):
    product = make_product(price=1250, stock=5)
    form = crash_checkout(client, login, shopper, fill_cart, product)
    response = client.post("/en/checkout", data=form)
    order = the_order()
    assert response.status_code == 302 and response.headers["Location"] == order.payment_url
    assert order.payment_url.startswith("https://checkout.stripe.test/") and order.gateway_reference
    assert fake_stripe.sessions[order.gateway_reference]["metadata"]["order_id"] == str(order.id)
    assert stock(product.id) == 3, "the same units, held once"
    page = client.get(f"/en/orders/{order.reference}").get_data(as_text=True)
    assert "Pay now" in page and "is placed" not in page


def test_the_order_page_and_the_api_open_the_payment_page(
        client, login, shopper, fill_cart, make_product, fake_stripe, killed_once):
    product = make_product(price=1250, stock=5)
    crash_checkout(client, login, shopper, fill_cart, product)
    order = the_order()
    page = client.get(f"/en/orders/{order.reference}").get_data(as_text=True)
    order = the_order()
    assert order.payment_url and f'href="{order.payment_url}"' in page
    from marketplace.accounts.tokens import issue_token
    from tests.factories import PASSWORD

    token, _row = issue_token(shopper.email, PASSWORD)
    body = client.get(f"/api/v1/orders/{order.reference}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["payment_url"] == order.payment_url
    assert len(fake_stripe.created()) == 1, "a page already opened is not opened again"


def test_the_api_retry_opens_the_payment_page(client, shopper, fill_cart, make_product, fake_stripe, killed_once):
    from marketplace.accounts.tokens import issue_token
    from tests.factories import PASSWORD

    product = make_product(price=1250, stock=5)
    fill_cart(shopper, product, quantity=2)
    token, _row = issue_token(shopper.email, PASSWORD)
    body = {"idempotency_key": "retry-key-123456", "destination": ADDRESS}
    headers = {"Authorization": f"Bearer {token}"}
    with pytest.raises(WorkerKilled):
        client.post("/api/v1/checkout", json=body, headers=headers)
    db.session.rollback()
    retried = client.post("/api/v1/checkout", json=body, headers=headers)
    assert retried.status_code == 200, retried.get_json()
    assert retried.get_json()["payment_url"] == the_order().payment_url != ""


def test_after_the_reservation_ended_the_retry_gives_the_units_back(
        client, login, shopper, fill_cart, make_product, fake_stripe, killed_once, app):
    product = make_product(price=1250, stock=5)
    form = crash_checkout(client, login, shopper, fill_cart, product)
    with clock.freeze(clock.now() + timedelta(minutes=app.config["RESERVATION_MINUTES"] + 1)):
        response = client.post("/en/checkout", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "is placed" not in page and "its items were released" in page
    assert the_order().payment_state == PaymentState.EXPIRED and stock(product.id) == 5
    assert db.session.scalar(select(CartItem.quantity)) == 2, "back in the cart, to try again"
    assert len(fake_stripe.created()) == 0


def test_simultaneous_resumes_keep_one_payment_page(
        app, client, login, shopper, fill_cart, make_product, fake_stripe, killed_once):
    product = make_product(price=1250, stock=5)
    crash_checkout(client, login, shopper, fill_cart, product)
    order_id = the_order().id

    def resume():
        return resume_payment(db.session.get(Order, order_id), "https://shop.test").payment_url

    outcomes = run_at_once(app, [resume] * 4)
    assert outcomes.unexpected() == []
    order = the_order()
    assert set(outcomes.results) == {order.payment_url}, "every request answers with the one page kept"
    open_sessions = [s for s in fake_stripe.sessions.values() if s["status"] == "open"]
    assert [s["id"] for s in open_sessions] == [order.gateway_reference], "the other pages were closed"
