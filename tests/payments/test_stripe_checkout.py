"""Starting a payment: the Checkout Session Stripe is asked for, and what happens when Stripe is away."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.catalog.models import Product
from marketplace.core import clock
from marketplace.core.errors import PaymentUnavailable
from marketplace.extensions import db
from marketplace.orders.checkout import place_order
from marketplace.orders.models import FulfilmentState, Order, PaymentState
from marketplace.payments import ChargeLine, GatewayError, PaymentRequest
from marketplace.payments.stripe_gateway import StripeGateway, session_expiry
from tests.factories import PASSWORD
from tests.orders.conftest import ADDRESS
from tests.payments.conftest import SECRET_KEY, WEBHOOK_SECRET, closed_port_url, use_stripe

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def gateway_for(url: str, methods: str = "card,alipay,wechat_pay") -> StripeGateway:
    return StripeGateway.from_config({"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                                      "STRIPE_API_BASE": url, "STRIPE_PAYMENT_METHODS": methods.split(","),
                                      "STRIPE_MAX_NETWORK_RETRIES": 0})


STOLES = (ChargeLine("Kente stole", 2, 4500),)


def request_for(currency: str = "USD", locale: str = "en", lines: tuple[ChargeLine, ...] = STOLES) -> PaymentRequest:
    return PaymentRequest(order_id=7, order_reference="ABCDEFGH23", currency=currency,
                          total_amount=sum(line.quantity * line.unit_amount for line in lines), lines=tuple(lines),
                          customer_email="li@example.com", locale=locale, success_url="https://shop.test/ok",
                          cancel_url="https://shop.test/back", expires_at=clock.now() + timedelta(minutes=35),
                          idempotency_key="order-ABCDEFGH23")


def test_checkout_with_stripe_opens_a_session_with_the_servers_prices(
        stripe_app, fake_stripe, shopper, make_product, make_store, fill_cart, destination, checkout_key):
    coffee = make_product(name="Yirgacheffe coffee", store=make_store(), price=1250, stock=5)
    tea = make_product(name="Kericho tea", store=make_store(country_code="KE"), price=800, stock=5)
    fill_cart(shopper, coffee, quantity=2)
    fill_cart(shopper, tea)
    db.session.get(Product, coffee.id).price_amount = 1300  # what the shopper saw is not what is charged
    db.session.commit()
    with clock.freeze(AT):
        order = place_order(shopper, destination, checkout_key(), "zh", base_url="https://shop.test")
    [call] = fake_stripe.created()
    form = call.form
    assert [(form[f"line_items[{i}][price_data][product_data][name]"], form[f"line_items[{i}][quantity]"],
             form[f"line_items[{i}][price_data][unit_amount]"], form[f"line_items[{i}][price_data][currency]"])
            for i in range(2)] == [("Yirgacheffe coffee", "2", "1300", "usd"), ("Kericho tea", "1", "800", "usd")]
    assert "line_items[2][quantity]" not in form
    assert form["mode"] == "payment"
    assert (form["metadata[order_id]"], form["metadata[order_reference]"]) == (str(order.id), order.reference)
    assert form["client_reference_id"] == order.reference
    assert [form[f"payment_method_types[{i}]"] for i in range(3)] == ["card", "alipay", "wechat_pay"]
    assert form["payment_method_options[wechat_pay][client]"] == "web"
    assert form["locale"] == "zh"
    assert form["success_url"] == f"https://shop.test/zh/orders/{order.reference}?paid=1"
    assert form["cancel_url"] == f"https://shop.test/zh/orders/{order.reference}"
    assert form["customer_email"] == shopper.email
    # The session closes two minutes before the 35-minute reservation does.
    assert clock.to_utc(order.reserved_until) == AT + timedelta(minutes=35)
    assert int(form["expires_at"]) == int((AT + timedelta(minutes=33)).timestamp())
    assert call.headers["Idempotency-Key"] == f"order-{order.reference}"
    assert call.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    session = fake_stripe.sessions[order.gateway_reference]
    assert session["amount_total"] == order.total_amount == 2 * 1300 + 800
    assert order.payment_state == PaymentState.PENDING and order.gateway == "stripe"
    assert order.payment_url == session["url"]
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.PENDING}
    assert db.session.get(Product, coffee.id).stock == 3


@pytest.mark.parametrize(("ours", "stripes"), [("en", "en"), ("fr", "fr"), ("pt", "pt"), ("zh", "zh"),
                                               ("ar", "auto"), ("sw", "auto")])
def test_the_shoppers_language_becomes_a_stripe_locale(app, fake_stripe, ours, stripes):
    gateway_for(fake_stripe.url).start_payment(request_for(locale=ours))
    assert fake_stripe.created()[0].form["locale"] == stripes


def test_zero_decimal_currencies_are_sent_in_whole_units(app, fake_stripe):
    started = gateway_for(fake_stripe.url, "card").start_payment(
        request_for("XOF", lines=(ChargeLine("Bazin cloth", 3, 15000),)))
    form = fake_stripe.created()[0].form
    assert (form["line_items[0][price_data][unit_amount]"], form["line_items[0][price_data][currency]"]) == (
        "15000", "xof")
    assert fake_stripe.sessions[started.reference]["amount_total"] == 45000
    assert "payment_method_options[wechat_pay][client]" not in form  # only asked for with WeChat Pay


def test_a_repeated_start_reuses_the_session_through_the_idempotency_key(app, fake_stripe):
    gateway = gateway_for(fake_stripe.url)
    first, again = gateway.start_payment(request_for()), gateway.start_payment(request_for())
    assert first == again and len(fake_stripe.sessions) == 1
    assert {call.headers["Idempotency-Key"] for call in fake_stripe.created()} == {"order-ABCDEFGH23"}


def test_the_session_lives_between_stripes_limits_and_ends_before_the_reservation():
    assert session_expiry(AT + timedelta(minutes=35), AT) == AT + timedelta(minutes=33)
    assert session_expiry(AT + timedelta(minutes=10), AT) == AT + timedelta(minutes=31)  # Stripe: 30 min or more
    assert session_expiry(AT + timedelta(days=3), AT) == AT + timedelta(hours=24)


def test_the_gateway_needs_its_keys():
    with pytest.raises(ValueError, match="STRIPE_SECRET_KEY"):
        StripeGateway.from_config({"STRIPE_SECRET_KEY": SECRET_KEY})
    with pytest.raises(ValueError, match="STRIPE_SECRET_KEY"):
        StripeGateway.from_config({"STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET})


def test_lines_that_do_not_add_up_to_the_total_are_refused_before_stripe_is_called(app, fake_stripe):
    with pytest.raises(GatewayError):
        gateway_for(fake_stripe.url).start_payment(
            PaymentRequest(**{**request_for().__dict__, "total_amount": 1}))
    assert fake_stripe.requests == []


@pytest.mark.parametrize("failure", ["server error", "connection refused"])
def test_when_stripe_cannot_be_reached_checkout_gives_the_units_back_and_says_so(
        stripe_app, fake_stripe, client, login, shopper, make_product, fill_cart, failure):
    if failure == "server error":
        fake_stripe.fail_status = 500
    else:
        use_stripe(stripe_app, closed_port_url())
    product = make_product(name="Shea butter", price=900, stock=4)
    fill_cart(shopper, product, quantity=3)
    login(shopper)
    page = client.get("/en/checkout").get_data(as_text=True)
    form = {name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)
            for name in ("key", "expected_total")}
    response = client.post("/en/checkout", data={**form, **ADDRESS})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The payment service cannot be reached. Nothing was charged" in text
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 4
    order = db.session.scalars(select(Order)).one()
    assert order.payment_state == PaymentState.FAILED and order.payment_url == ""
    assert {vo.status for vo in order.vendor_orders} == {FulfilmentState.CANCELLED}


def test_the_service_reports_an_unreachable_gateway_as_a_domain_error(
        stripe_app, shopper, make_product, fill_cart, destination, checkout_key):
    use_stripe(stripe_app, closed_port_url())
    product = make_product(stock=2)
    fill_cart(shopper, product, quantity=2)
    with pytest.raises(PaymentUnavailable, match="payment service cannot be reached"):
        place_order(shopper, destination, checkout_key(), "en")
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 2


def test_expiring_a_session_closes_an_open_one_and_leaves_a_closed_one_alone(app, fake_stripe):
    gateway = gateway_for(fake_stripe.url)
    first = gateway.start_payment(request_for()).reference
    gateway.expire_payment(first)
    assert fake_stripe.sessions[first]["status"] == "expired"
    gateway.expire_payment(first)  # Stripe refuses; the session is already where we want it
    with pytest.raises(GatewayError):
        gateway.expire_payment("cs_test_unknown")


def test_re_read_sessions_say_how_their_payment_stands(app, fake_stripe):
    gateway = gateway_for(fake_stripe.url)
    ids = [gateway.start_payment(PaymentRequest(**{**request_for().__dict__, "idempotency_key": f"key-{n}"})).reference
           for n in range(4)]
    fake_stripe.complete(ids[0])
    fake_stripe.complete(ids[1], payment_status="unpaid")  # a delayed method, funds not yet in
    fake_stripe.expire(ids[2])
    reports = {r.reference: r for r in gateway.recent_payments(clock.now() - timedelta(hours=1))}
    assert {ref: reports[ref].outcome for ref in ids} == {
        ids[0]: "paid", ids[1]: "processing", ids[2]: "expired", ids[3]: "processing"}
    assert (reports[ids[0]].order_id, reports[ids[0]].amount, reports[ids[0]].currency) == (7, 9000, "USD")


def test_the_api_answers_503_payment_unavailable_when_stripe_cannot_be_reached(
        stripe_app, fake_stripe, client, make_product):
    product = make_product(name="Shea butter", price=900, stock=4)
    signed_up = client.post("/api/v1/auth/register", json={"email": "wanjiru@example.com", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {signed_up.get_json()['token']}"}
    assert client.post("/api/v1/cart/items", json={"product_id": product.id, "quantity": 3},
                       headers=headers).status_code == 201
    fake_stripe.fail_status = 500
    response = client.post("/api/v1/checkout", json={"idempotency_key": "api-outage-1", "destination": ADDRESS},
                           headers=headers)
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "payment_unavailable" and error["fields"] == {}
    assert error["message"].startswith("The payment service cannot be reached. Nothing was charged")
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 4
