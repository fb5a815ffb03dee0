"""The vendor back office over JSON for mobile clients: tokens, products, stock, photos."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import ApiToken, Role
from marketplace.catalog.models import Category, Product, ProductStatus
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.media.artwork import draw_product_artwork
from tests.factories import PASSWORD


@pytest.fixture
def vendor(make_user, make_store):
    user = make_user(role=Role.VENDOR, email="kofi@example.com")
    make_store(owner=user, name="Kofi Cocoa")
    return user


@pytest.fixture
def token(client, vendor):
    response = client.post("/api/v1/auth/token", json={"email": "kofi@example.com", "password": PASSWORD,
                                                       "name": "phone"})
    assert response.status_code == 201
    return response.get_json()["token"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def product_body(**overrides) -> dict:
    body = {"original_language": "en", "category_id": db.session.scalar(select(func.min(Category.id))),
            "price": {"amount": 1250, "currency": "GHS"}, "stock": 40, "texts": {"en": {"name": "Raw cocoa nibs", "description": "From Kumasi farms."}}}
    body.update(overrides)
    return body


def test_token_is_issued_once_and_only_for_right_credentials(client, vendor):
    wrong = client.post("/api/v1/auth/token", json={"email": "kofi@example.com", "password": "nope, wrong"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "authentication_failed"
    unknown = client.post("/api/v1/auth/token", json={"email": "nobody@example.com", "password": "nope, wrong"})
    assert unknown.get_json()["error"]["message"] == wrong.get_json()["error"]["message"]
    assert client.post("/api/v1/auth/token", data="not json").status_code == 400
    assert client.post("/api/v1/auth/token", json={"email": ["x"], "password": 1}).status_code == 400
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_revoked_token_stops_working(client, token):
    assert client.get("/api/v1/vendor/products", headers=auth(token)).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=auth(token)).status_code == 204
    response = client.get("/api/v1/vendor/products", headers=auth(token))
    assert response.status_code == 401 and "Bearer" in response.get_json()["error"]["message"]


def test_a_session_cookie_is_not_enough(client, vendor, login):
    login(vendor)
    assert client.get("/api/v1/vendor/products").status_code == 401
    assert client.post("/api/v1/vendor/products", json=product_body()).status_code == 401


def test_create_list_update_stock_and_publish(client, token, make_category):
    make_category("cocoa")
    created = client.post("/api/v1/vendor/products", json=product_body(), headers=auth(token))
    assert created.status_code == 201, created.get_json()
    product = created.get_json()
    assert product["status"] == "draft" and product["stock"] == 40
    assert product["price"] == {"amount": 1250, "currency": "GHS", "formatted": Money(1250, "GHS").format("en")}
    assert "currency" not in product, "the currency is the price's own"
    listed = client.get("/api/v1/vendor/products?q=cocoa", headers=auth(token)).get_json()
    assert [p["id"] for p in listed["items"]] == [product["id"]]
    patched = client.patch(f"/api/v1/vendor/products/{product['id']}", json={"stock": 7, "stock_seen": 40},
                           headers=auth(token))
    assert patched.status_code == 200 and patched.get_json()["stock"] == 7
    assert patched.get_json()["texts"]["en"]["name"] == "Raw cocoa nibs", "fields left out keep their values"
    published = client.post(f"/api/v1/vendor/products/{product['id']}/publish", headers=auth(token)).get_json()
    assert published["status"] == "pending_review", "the first publication waits for staff"


@pytest.mark.parametrize("overrides, field", [
    ({"price": {"amount": 12.5, "currency": "GHS"}}, "price"),  # minor units are whole
    ({"price": {"amount": "1250", "currency": "GHS"}}, "price"),
    ({"price": {"amount": True, "currency": "GHS"}}, "price"),
    ({"price": {"amount": 1250}}, "price"),
    ({"price": {"amount": -300, "currency": "GHS"}}, "price"),
    ({"price": {"amount": 0, "currency": "GHS"}}, "price"),
    ({"price": {"amount": 10**40, "currency": "GHS"}}, "price"),
    ({"price": {"amount": 1250, "currency": "ABC"}}, "price"),
    ({"price": [1250, "GHS"]}, "price"),
    ({"currency": "USD"}, "currency"),  # not the price's currency
    ({"currency": "ABC"}, "currency"),
    ({"price": "12.505", "currency": "GHS"}, "price"),  # the deprecated decimal form keeps its checks
    ({"price": "-3", "currency": "GHS"}, "price"),
    ({"price": "1250.5", "currency": "XOF"}, "price"),  # no minor unit
    ({"price": "12.50"}, "currency"),  # the decimal form needs its currency beside it
    ({"stock": -1}, "stock"),
    ({"stock": "lots"}, "stock"),
    ({"stock": [1]}, "stock"),
    ({"texts": {"en": {"name": "", "description": ""}}}, None),
    ({"texts": {"xx": {"name": "a"}}}, "texts"),
    ({"texts": "cocoa"}, "texts"),
])
def test_bad_input_names_the_field_and_saves_nothing(client, token, make_category, overrides, field):
    make_category("cocoa")
    response = client.post("/api/v1/vendor/products", json=product_body(**overrides),
                           headers={**auth(token), "Accept-Language": "fr"})
    assert response.status_code in (400, 422)
    error = response.get_json()["error"]
    assert error["message"]
    if field:
        assert field in error["fields"]
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_price_as_money_in_and_out_and_the_deprecated_decimal_form(client, token, make_category):
    make_category("cocoa")
    created = client.post("/api/v1/vendor/products?lang=fr", json=product_body(
        price={"amount": 1500, "currency": "xof", "formatted": "ignored"}), headers=auth(token))
    assert created.status_code == 201, created.get_json()
    product = created.get_json()
    assert product["price"] == {"amount": 1500, "currency": "XOF", "formatted": Money(1500, "XOF").format("fr")}
    stored = db.session.get(Product, product["id"])
    assert (stored.price_amount, stored.currency) == (1500, "XOF")
    url = f"/api/v1/vendor/products/{product['id']}"
    moved = client.patch(url, json={"price": {"amount": 999, "currency": "USD"}, "currency": "USD"},
                         headers=auth(token))
    assert moved.status_code == 200 and moved.get_json()["price"]["amount"] == 999
    old_form = client.patch(url, json={"price": "12.75", "currency": "GHS"}, headers=auth(token))
    assert old_form.status_code == 200
    assert {k: old_form.get_json()["price"][k] for k in ("amount", "currency")} == {"amount": 1275, "currency": "GHS"}
    whole = client.patch(url, json={"price": 2000}, headers=auth(token))  # a number, in major units, as in 1.0
    assert whole.get_json()["price"]["amount"] == 200000
    refused = client.patch(url, json={"price": {"amount": 5, "currency": "GHS"}, "currency": "XOF"},
                           headers={**auth(token), "Accept-Language": "fr"})
    assert refused.status_code == 422 and "GHS" in refused.get_json()["error"]["fields"]["currency"]
    db.session.expire_all()
    assert (db.session.get(Product, product["id"]).price_amount, stored.currency) == (200000, "GHS")


def test_another_vendors_product_is_a_404_and_unchanged(client, token, make_product):
    other = make_product(name="Not yours", stock=5)
    assert client.get(f"/api/v1/vendor/products/{other.id}", headers=auth(token)).status_code == 404
    response = client.patch(f"/api/v1/vendor/products/{other.id}", json={"stock": 0}, headers=auth(token))
    assert response.status_code == 404
    assert client.post(f"/api/v1/vendor/products/{other.id}/unpublish", headers=auth(token)).status_code == 404
    db.session.refresh(other)
    assert other.stock == 5 and other.status == ProductStatus.PUBLISHED


def test_shoppers_tokens_cannot_use_the_vendor_api(client, make_user):
    make_user(email="amina@example.com")
    shopper_token = client.post("/api/v1/auth/token", json={"email": "amina@example.com",
                                                            "password": PASSWORD}).get_json()["token"]
    assert client.get("/api/v1/vendor/products", headers=auth(shopper_token)).status_code == 403


def test_photo_upload_by_content(client, token, make_category):
    make_category("cocoa")
    product = client.post("/api/v1/vendor/products", json=product_body(), headers=auth(token)).get_json()
    buffer = io.BytesIO()
    draw_product_artwork(5, 5, size=320).save(buffer, "JPEG")
    response = client.post(f"/api/v1/vendor/products/{product['id']}/photos", headers=auth(token),
                           data={"photo": (io.BytesIO(buffer.getvalue()), "cocoa.jpg")})
    assert response.status_code == 201
    assert response.get_json()["photos"][0]["status"] == "ready"
    fake = client.post(f"/api/v1/vendor/products/{product['id']}/photos", headers=auth(token),
                       data={"photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "cocoa.jpg")})
    assert fake.status_code == 422 and "photos" in fake.get_json()["error"]["fields"]


def test_openapi_document_describes_search_vendor_and_festival_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/search", "/auth/token", "/vendor/products", "/vendor/products/{id}", "/festivals",
            "/festivals/{slug}"} <= set(document["paths"])
    assert document["paths"]["/vendor/products"]["post"]["security"] == [{"bearer": []}]
