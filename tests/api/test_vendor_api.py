"""The vendor back office over JSON for mobile clients: tokens, products, stock, photos."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import ApiToken, Role
from marketplace.catalog.models import Category, Product, ProductStatus
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
    body = {"original_language": "en", "category_id": db.session.scalar(select(func.min(Category.id))), "price": "12.50", "currency": "GHS",
            "stock": 40, "texts": {"en": {"name": "Raw cocoa nibs", "description": "From Kumasi farms."}}}
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
    assert product["status"] == "draft" and product["price"] == "12.50" and product["stock"] == 40
    listed = client.get("/api/v1/vendor/products?q=cocoa", headers=auth(token)).get_json()
    assert [p["id"] for p in listed["items"]] == [product["id"]]
    patched = client.patch(f"/api/v1/vendor/products/{product['id']}", json={"stock": 7, "stock_seen": 40},
                           headers=auth(token))
    assert patched.status_code == 200 and patched.get_json()["stock"] == 7
    assert patched.get_json()["texts"]["en"]["name"] == "Raw cocoa nibs", "fields left out keep their values"
    published = client.post(f"/api/v1/vendor/products/{product['id']}/publish", headers=auth(token)).get_json()
    assert published["status"] == "pending_review", "the first publication waits for staff"


@pytest.mark.parametrize("overrides, field", [
    ({"price": "12.505"}, "price"),
    ({"price": "-3"}, "price"),
    ({"currency": "ABC"}, "currency"),
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
