"""The shop over JSON for mobile clients: sign-up, cart, checkout and orders, with bearer tokens only."""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import ApiToken, Role, User
from marketplace.api import shop
from marketplace.catalog.models import Product, ProductStatus
from marketplace.catalog.services import set_exchange_rate
from marketplace.extensions import db, limiter
from marketplace.orders.models import CartItem, Order, PaymentState
from marketplace.payments import GatewayError, PaymentStart
from tests.factories import PASSWORD

ADDRESS = {"recipient_name": "Li Wei", "phone": "+86 138 0013 8000", "country_code": "CN", "city": "Shanghai",
           "address_line": "88 Century Avenue, Pudong", "postal_code": "200120"}


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def signup(client):
    """Sign a shopper up through the API and return their token."""

    def sign(email: str = "amina@example.com", **extra) -> str:
        response = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, **extra})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]

    return sign


@pytest.fixture
def token(signup):
    return signup()


@pytest.fixture
def coffee(make_product, make_store):
    return make_product(name="Ashanti coffee", store=make_store(name="Accra Beans"), price=1250, stock=5)


@pytest.fixture
def tea(make_product, make_store):
    store = make_store(name="Nairobi Leaf", country_code="KE")
    return make_product(name="Kericho tea", store=store, price=800, stock=3, texts={"en": "Kericho tea",
                                                                                    "fr": "Thé de Kericho"})


@pytest.fixture
def token_for(client, make_user):
    """A token for a new account of `role`, issued by POST /auth/token."""

    def issue(role: Role) -> str:
        user = make_user(role=role)
        response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 201
        return response.get_json()["token"]

    return issue


def cart_rows() -> list[tuple[int, int, int]]:
    """What the database holds in carts: (product id, quantity, price seen)."""
    db.session.expire_all()
    return sorted(db.session.execute(select(CartItem.product_id, CartItem.quantity, CartItem.seen_amount)).tuples())


def stock(product: Product) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Product.stock).where(Product.id == product.id))


def order_count() -> int:
    return db.session.scalar(select(func.count(Order.id)))


def add(client, token: str, product: Product, quantity: int = 1, **extra):
    return client.post("/api/v1/cart/items", json={"product_id": product.id, "quantity": quantity, **extra},
                       headers=auth(token))


def checkout(client, token: str, key: str | None = None, **body):
    body = {"idempotency_key": key or uuid.uuid4().hex, "destination": ADDRESS, **body}
    return client.post("/api/v1/checkout", json=body, headers=auth(token))


def test_sign_up_fill_the_cart_from_two_stores_check_out_and_follow_the_order(client, coffee, tea):
    registered = client.post("/api/v1/auth/register", json={
        "email": "Amina@Example.com", "password": PASSWORD, "display_name": "Amina", "language": "fr",
        "name": "phone"})
    assert registered.status_code == 201
    body = registered.get_json()
    assert body["user"]["email"] == "amina@example.com" and body["user"]["role"] == "shopper"
    assert body["user"]["language"] == "fr" and body["name"] == "phone"
    token = body["token"]
    assert add(client, token, coffee, 2).status_code == 201
    assert add(client, token, tea).status_code == 201

    cart = client.get("/api/v1/cart/items?lang=en", headers=auth(token)).get_json()
    assert [(i["name"], i["quantity"], i["unit_price"]["amount"], i["line_total"]["amount"]) for i in cart["items"]] \
        == [("Ashanti coffee", 2, 1250, 2500), ("Kericho tea", 1, 800, 800)]
    assert cart["items"][0]["store"]["name"] == "Accra Beans" and cart["items"][0]["price_changed"] is False
    assert cart["items"][0]["problem"] is None and cart["items"][0]["slug"] == coffee.slug
    assert [(g["store"]["name"], g["subtotal"]["amount"]) for g in cart["groups"]] == [("Accra Beans", 2500),
                                                                                          ("Nairobi Leaf", 800)]
    assert cart["total"] == {"amount": 3300, "currency": "USD", "formatted": "$33.00"}

    placed = checkout(client, token, expected_total={"amount": 3300, "currency": "USD"})
    assert placed.status_code == 201, placed.get_json()
    order = placed.get_json()
    assert order["payment_state"] == "unpaid" and order["payment_url"] is None
    assert order["total"]["amount"] == 3300
    assert sorted((v["store"]["name"], v["status"], v["subtotal"]["amount"]) for v in order["vendor_orders"]) == [
        ("Accra Beans", "confirmed", 2500), ("Nairobi Leaf", "confirmed", 800)]
    assert [(line["product_id"], line["quantity"], line["unit_price"]["amount"]) for line in order["lines"]] == [
        (coffee.id, 2, 1250), (tea.id, 1, 800)]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", order["created_at"])
    assert (stock(coffee), stock(tea)) == (3, 2)
    assert cart_rows() == [] and order_count() == 1

    listed = client.get("/api/v1/orders", headers=auth(token)).get_json()
    assert [o["reference"] for o in listed["items"]] == [order["reference"]] and listed["total"] == 1
    detail = client.get(f"/api/v1/orders/{order['reference']}", headers=auth(token)).get_json()
    assert detail["destination"]["city"] == "Shanghai" and len(detail["lines"]) == 2
    assert {v["tracking_reference"] for v in detail["vendor_orders"]} == {None}


def test_sign_up_refuses_a_used_address_and_a_weak_password_and_never_makes_staff(client, signup):
    signup("kwame@example.com")
    used = client.post("/api/v1/auth/register", json={"email": "KWAME@example.com", "password": PASSWORD})
    assert used.status_code == 422 and "already exists" in used.get_json()["error"]["fields"]["email"]
    weak = client.post("/api/v1/auth/register", json={"email": "ama@example.com", "password": "short"})
    assert weak.status_code == 422 and "password" in weak.get_json()["error"]["fields"]
    typed = client.post("/api/v1/auth/register", json={"email": ["ama@example.com"], "password": PASSWORD})
    assert typed.status_code == 422 and "email" in typed.get_json()["error"]["fields"]
    assert client.post("/api/v1/auth/register", data="email=ama@example.com").status_code == 400
    long_label = client.post("/api/v1/auth/register", json={"email": "ama@example.com", "password": PASSWORD,
                                                            "name": "x" * 81})
    assert long_label.status_code == 422 and "name" in long_label.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count(User.id))) == 1, "no refused sign-up leaves an account behind"
    signup("boss@example.com", role="staff")
    assert db.session.scalars(select(User.role).where(User.email == "boss@example.com")).one() == Role.SHOPPER
    assert db.session.scalar(select(func.count(ApiToken.id))) == 2


def test_sign_up_is_rate_limited_like_log_in(make_app, monkeypatch):
    # The limiter is one object shared by every app: switch it back off for the tests that follow.
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI="memory://",
                   RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    client = app.test_client()
    for number in range(2):
        client.post("/api/v1/auth/register", json={"email": f"s{number}@example.com", "password": "short"})
    response = client.post("/api/v1/auth/register", json={"email": "s3@example.com", "password": PASSWORD})
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "too_many_requests"
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_price_sent_by_the_client_changes_nothing(client, token, coffee):
    response = add(client, token, coffee, 2, price=1, unit_price={"amount": 1, "currency": "USD"})
    assert response.status_code == 201
    assert response.get_json()["total"]["amount"] == 2500
    assert cart_rows() == [(coffee.id, 2, 1250)]
    assert checkout(client, token).get_json()["total"]["amount"] == 2500


@pytest.mark.parametrize("body, status, field", [
    ({"quantity": 0}, 422, "quantity"),
    ({"quantity": -2}, 422, "quantity"),
    ({"quantity": 10**9}, 422, "quantity"),
    ({"quantity": 99}, 422, "quantity"),  # 1 already in the cart: 100 is over the per-line limit
    ({"quantity": 2.5}, 422, "quantity"),
    ({"quantity": "2"}, 422, "quantity"),
    ({"quantity": True}, 422, "quantity"),
    ({"quantity": 5}, 409, "quantity"),  # 1 + 5 is more than the 5 in stock
    ({"product_id": "1"}, 422, "product_id"),
    ({"product_id": None}, 422, "product_id"),
    ({"product_id": 987654}, 404, "product_id"),
    ({"product_id": 10**20}, 404, "product_id"),
    ({"product_id": -1}, 404, "product_id"),
])
def test_bad_additions_are_refused_with_a_field_and_leave_the_cart_as_it_was(client, token, coffee, body, status,
                                                                             field):
    add(client, token, coffee)
    response = client.post("/api/v1/cart/items", json={"product_id": coffee.id, **body}, headers=auth(token))
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["message"] and field in error["fields"]
    assert cart_rows() == [(coffee.id, 1, 1250)]


def test_unpublished_and_sold_out_products_cannot_be_added(client, token, make_product):
    draft = make_product(status=ProductStatus.DRAFT)
    empty = make_product(stock=0)
    assert add(client, token, draft).status_code == 404
    refused = add(client, token, empty)
    assert refused.status_code == 409 and refused.get_json()["error"]["fields"]["quantity"]
    assert client.post("/api/v1/cart/items", data="product_id=1", headers=auth(token)).status_code == 400
    assert cart_rows() == []


def test_change_and_remove_lines(client, token, coffee, tea):
    add(client, token, coffee)
    add(client, token, tea)
    changed = client.patch(f"/api/v1/cart/items/{coffee.id}", json={"quantity": 4}, headers=auth(token))
    assert changed.status_code == 200 and changed.get_json()["items"][0]["quantity"] == 4
    too_many = client.patch(f"/api/v1/cart/items/{coffee.id}", json={"quantity": 6}, headers=auth(token))
    assert too_many.status_code == 409 and "quantity" in too_many.get_json()["error"]["fields"]
    for bad in (-1, "3", 1.5, None):
        response = client.patch(f"/api/v1/cart/items/{coffee.id}", json={"quantity": bad}, headers=auth(token))
        assert response.status_code == 422 and "quantity" in response.get_json()["error"]["fields"]
    assert cart_rows() == [(coffee.id, 4, 1250), (tea.id, 1, 800)]
    removed = client.patch(f"/api/v1/cart/items/{tea.id}", json={"quantity": 0}, headers=auth(token))
    assert [i["product_id"] for i in removed.get_json()["items"]] == [coffee.id]
    deleted = client.delete(f"/api/v1/cart/items/{coffee.id}", headers=auth(token))
    assert deleted.status_code == 200 and deleted.get_json()["items"] == []
    for path in (f"/api/v1/cart/items/{coffee.id}", "/api/v1/cart/items/not-a-number"):
        missing = client.delete(path, headers=auth(token))
        assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
        assert client.patch(path, json={"quantity": 1}, headers=auth(token)).status_code == 404
    assert cart_rows() == []


def test_the_cart_shows_changed_prices_names_in_the_asked_language_and_an_approximate_total(client, token, tea):
    add(client, token, tea, 2)
    db.session.get(Product, tea.id).price_amount = 900
    db.session.commit()
    set_exchange_rate("USD", "CNY", "7")
    cart = client.get("/api/v1/cart/items?lang=fr&currency=cny", headers=auth(token)).get_json()
    line = cart["items"][0]
    assert line["name"] == "Thé de Kericho" and line["price_changed"] is True
    assert (line["seen_price"]["amount"], line["unit_price"]["amount"]) == (800, 900)
    assert cart["total"]["amount"] == 1800 and cart["approximate"] == {
        "amount": 12600, "currency": "CNY", "formatted": cart["approximate"]["formatted"]}
    assert "126" in cart["approximate"]["formatted"]
    bad_language = client.get("/api/v1/cart/items?lang=xx", headers=auth(token))
    assert bad_language.status_code == 422 and "lang" in bad_language.get_json()["error"]["fields"]
    bad_currency = client.get("/api/v1/cart/items?currency=ZZZ", headers=auth(token))
    assert bad_currency.status_code == 422 and "currency" in bad_currency.get_json()["error"]["fields"]
    french = client.post("/api/v1/cart/items?lang=fr", data="[]", headers={**auth(token), "Accept-Language": "en"})
    assert french.get_json()["error"]["message"] == "Envoyez un objet JSON dans le corps de la requête."


def test_a_retried_checkout_returns_the_same_order_once(client, token, coffee):
    add(client, token, coffee, 2)
    key = uuid.uuid4().hex
    first = client.post("/api/v1/checkout", json={"destination": ADDRESS},
                        headers={**auth(token), "Idempotency-Key": key})
    assert first.status_code == 201, first.get_json()
    again = checkout(client, token, key)
    assert again.status_code == 200
    assert again.get_json()["reference"] == first.get_json()["reference"]
    assert order_count() == 1 and stock(coffee) == 3
    differing = client.post("/api/v1/checkout", json={"idempotency_key": "other-key-123", "destination": ADDRESS},
                            headers={**auth(token), "Idempotency-Key": key})
    assert differing.status_code == 422 and "idempotency_key" in differing.get_json()["error"]["fields"]


def test_another_shoppers_order_is_not_found(client, token, signup, coffee):
    add(client, token, coffee)
    reference = checkout(client, token).get_json()["reference"]
    other = signup("zhang@example.com")
    theirs = client.get(f"/api/v1/orders/{reference}", headers=auth(other))
    unknown = client.get("/api/v1/orders/NOSUCHREF2", headers=auth(other))
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.get_json() == unknown.get_json()
    assert client.get("/api/v1/orders", headers=auth(other)).get_json()["items"] == []


def test_orders_come_newest_first_a_page_at_a_time(client, token, coffee, monkeypatch):
    monkeypatch.setattr(shop, "ORDERS_PER_PAGE", 2)
    references = []
    for _ in range(3):
        add(client, token, coffee)
        references.append(checkout(client, token).get_json()["reference"])
    first = client.get("/api/v1/orders", headers=auth(token)).get_json()
    second = client.get("/api/v1/orders?page=2", headers=auth(token)).get_json()
    assert [o["reference"] for o in first["items"] + second["items"]] == references[::-1]
    assert (first["total"], first["pages"]) == (3, 2)
    for page in ("0", "abc", "-1"):
        response = client.get(f"/api/v1/orders?page={page}", headers=auth(token))
        assert response.status_code == 422 and "page" in response.get_json()["error"]["fields"]


def test_a_sold_out_line_is_named_and_nothing_is_reserved(client, token, coffee, tea):
    add(client, token, coffee)
    add(client, token, tea, 2)
    db.session.get(Product, tea.id).stock = 1
    db.session.commit()
    response = checkout(client, token)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "sold_out" and error["fields"] == {}
    assert [(line["product_id"], line["available"]) for line in error["lines"]] == [(tea.id, 1)]
    assert error["lines"][0]["name"] == "Kericho tea" and error["lines"][0]["problem"]
    assert order_count() == 0 and (stock(coffee), stock(tea)) == (5, 1)
    assert cart_rows() == [(coffee.id, 1, 1250), (tea.id, 2, 800)]


def test_a_cart_with_nothing_left_is_refused_with_every_line_named(client, token, coffee, tea):
    add(client, token, coffee)
    add(client, token, tea, 2)
    db.session.get(Product, tea.id).stock = 0
    db.session.get(Product, coffee.id).status = ProductStatus.DRAFT
    db.session.commit()
    response = checkout(client, token)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "sold_out" and error["fields"] == {}
    lines = {line["product_id"]: line for line in error["lines"]}
    assert (lines[tea.id]["name"], lines[tea.id]["problem"], lines[tea.id]["available"]) == ("Kericho tea",
                                                                                             "Sold out.", 0)
    assert lines[coffee.id]["problem"] == "No longer for sale."
    assert order_count() == 0 and cart_rows() == [(coffee.id, 1, 1250), (tea.id, 2, 800)]


def test_a_total_the_shopper_did_not_see_is_refused(client, token, coffee):
    add(client, token, coffee)
    changed = checkout(client, token, expected_total={"amount": 1000, "currency": "USD"})
    assert changed.status_code == 409 and changed.get_json()["error"]["code"] == "prices_changed"
    for bad in ({"amount": "12.50", "currency": "USD"}, {"amount": 1250, "currency": "XYZ"}, 1250):
        response = checkout(client, token, expected_total=bad)
        assert response.status_code == 422 and "expected_total" in response.get_json()["error"]["fields"]
    assert order_count() == 0 and stock(coffee) == 5 and cart_rows() == [(coffee.id, 1, 1250)]
    assert checkout(client, token, expected_total={"amount": 1250, "currency": "USD"}).status_code == 201


def test_an_empty_cart_a_bad_destination_and_a_bad_key_are_refused(client, token, coffee):
    empty = checkout(client, token)
    assert empty.status_code == 422 and "empty" in empty.get_json()["error"]["message"]
    add(client, token, coffee)
    bad = checkout(client, token, destination={"recipient_name": "Ama", "phone": "abc", "country_code": "XX"})
    assert bad.status_code == 422
    assert {"phone", "country_code", "city", "address_line"} <= set(bad.get_json()["error"]["fields"])
    typed = checkout(client, token, destination={**ADDRESS, "city": ["Shanghai"]})
    assert typed.status_code == 422 and "city" in typed.get_json()["error"]["fields"]
    assert checkout(client, token, destination="Shanghai").status_code == 422
    for key in ("short", "has spaces in it", 12345678):
        response = client.post("/api/v1/checkout", json={"idempotency_key": key, "destination": ADDRESS},
                               headers=auth(token))
        assert response.status_code == 422 and "idempotency_key" in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/checkout", json={"destination": ADDRESS}, headers=auth(token)).status_code == 422
    assert order_count() == 0 and stock(coffee) == 5 and cart_rows() == [(coffee.id, 1, 1250)]


class OnlineGateway:
    """Stands in for Stripe: collects online and sends the shopper to a payment page, or is down."""

    name = "stripe"
    collects_online = True

    def __init__(self, down: bool = False) -> None:
        self.down = down
        self.expired: list[str] = []

    def start_payment(self, request) -> PaymentStart:
        if self.down:
            raise GatewayError("connection refused")
        return PaymentStart(reference="cs_test_1", redirect_url="https://pay.example/cs_test_1")

    def expire_payment(self, reference: str) -> None:
        if self.down:
            raise GatewayError("connection refused")
        self.expired.append(reference)


def test_an_online_payment_answers_with_where_to_pay(app, client, token, coffee, monkeypatch):
    monkeypatch.setitem(app.extensions, "payment_gateway", OnlineGateway())
    add(client, token, coffee)
    order = checkout(client, token).get_json()
    assert order["payment_state"] == "pending" and order["payment_url"] == "https://pay.example/cs_test_1"
    assert order["reserved_until"].endswith("Z") and stock(coffee) == 4


def test_an_unreachable_payment_service_is_a_503_and_gives_the_units_back(app, client, token, coffee, monkeypatch):
    monkeypatch.setitem(app.extensions, "payment_gateway", OnlineGateway(down=True))
    add(client, token, coffee)
    response = checkout(client, token)
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "payment_unavailable"
    assert stock(coffee) == 5
    assert db.session.scalars(select(Order.payment_state)).one() == PaymentState.FAILED


def test_an_order_awaiting_payment_can_be_cancelled_and_its_units_come_back(app, client, token, signup, coffee,
                                                                            monkeypatch):
    gateway = OnlineGateway()
    monkeypatch.setitem(app.extensions, "payment_gateway", gateway)
    add(client, token, coffee, quantity=2)
    reference = checkout(client, token).get_json()["reference"]
    assert stock(coffee) == 3
    other = signup("zhang@example.com")
    assert client.post(f"/api/v1/orders/{reference}/cancel", headers=auth(other)).status_code == 404
    gateway.down = True
    down = client.post(f"/api/v1/orders/{reference}/cancel", headers=auth(token))
    assert down.status_code == 503 and down.get_json()["error"]["code"] == "payment_unavailable"
    assert "cannot be reached" in down.get_json()["error"]["message"]
    assert stock(coffee) == 3 and gateway.expired == []
    gateway.down = False
    cancelled = client.post(f"/api/v1/orders/{reference}/cancel?lang=fr", headers=auth(token))
    assert cancelled.status_code == 200 and cancelled.get_json()["payment_state"] == "expired"
    assert gateway.expired == ["cs_test_1"] and stock(coffee) == 5
    again = client.post(f"/api/v1/orders/{reference}/cancel", headers=auth(token))
    assert again.status_code == 409 and again.get_json()["error"]["message"] == (
        "This order is no longer awaiting payment.")


@pytest.mark.parametrize("role", [Role.VENDOR, Role.STAFF])
def test_vendor_and_staff_tokens_cannot_buy(client, token_for, coffee, role):
    token = token_for(role)
    for response in (client.get("/api/v1/cart/items", headers=auth(token)), add(client, token, coffee),
                     checkout(client, token), client.get("/api/v1/orders", headers=auth(token))):
        assert response.status_code == 403
        assert "shopper account" in response.get_json()["error"]["message"]
    assert cart_rows() == [] and order_count() == 0


def test_a_session_cookie_is_not_enough(client, make_user, login, coffee):
    shopper = make_user(role=Role.SHOPPER)
    login(shopper)
    assert client.get("/api/v1/cart/items").status_code == 401
    response = client.post("/api/v1/cart/items", json={"product_id": coffee.id, "quantity": 1})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "authentication_failed"
    assert cart_rows() == []


def test_with_csrf_protection_on_the_token_is_all_a_client_needs(make_app, coffee):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/api/v1/auth/register", json={"email": "li@example.com", "password": PASSWORD})
    assert response.status_code == 201
    assert add(client, response.get_json()["token"], coffee).status_code == 201
    assert checkout(client, response.get_json()["token"]).status_code == 201


def test_the_openapi_document_describes_every_shop_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(re.sub(r"\{[^}]+\}", "{}", path), method) for path, item in document["paths"].items()
                  for method in item}
    routes = {(re.sub(r"<[^>]+>", "{}", rule.rule.removeprefix("/api/v1")), method.lower())
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api_shop.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert len(routes) == 10 and routes <= documented  # the shop, and its shipping options
    assert document["paths"]["/checkout"]["post"]["security"] == [{"bearer": []}]


def test_a_chinese_address_gets_its_pinyin_and_an_arabic_one_needs_latin_letters(client, token, coffee):
    client.post("/api/v1/cart/items", json={"product_id": coffee.id, "quantity": 1}, headers=auth(token))
    arabic = {**ADDRESS, "country_code": "MA", "city": "مراكش", "postal_code": "40000"}
    refused = checkout(client, token, destination=arabic)
    assert refused.status_code == 422 and set(refused.get_json()["error"]["fields"]) == {"city_latin"}
    assert stock(coffee) == 5
    chinese = {**ADDRESS, "recipient_name": "李伟", "city": "上海", "address_line": "浦东新区世纪大道88号"}
    placed = checkout(client, token, destination=chinese)
    assert placed.status_code == 201, placed.get_json()
    destination = placed.get_json()["destination"]
    assert (destination["city"], destination["city_latin"]) == ("上海", "Shanghai")
    assert destination["recipient_name_latin"] == "Li Wei"
    assert destination["address_line_latin"] == "Pu Dong Xinqu Shiji Dadao 88 Hao"
