"""Stock edits never undo sales: the editor, a CSV file and the API apply the vendor's change, not a stale number."""
from __future__ import annotations

import csv
import io
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.orders.holds.stock import LineHold, take_stock
from tests.concurrency import run_at_once
from tests.factories import PASSWORD

BASE = "/en/vendor/products"


@pytest.fixture
def shop(client, login, make_store, make_category, make_product):
    store = make_store(name="Kisii Carvers", country_code="KE", language="en")
    category = make_category("crafts")
    product = make_product(store=store, category=category, name="Soapstone bowl", price=1250, currency="USD",
                           stock=50)
    login(store.owner)
    return SimpleNamespace(store=store, vendor=store.owner, product=product, category=category)


def sell(product_id: int, quantity: int) -> None:
    """Units taken by checkouts (paid or held for payment), as checkout takes them."""
    assert take_stock([LineHold(product_id, quantity)]) == []
    db.session.commit()


def stock_of(product_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Product.stock).where(Product.id == product_id))


def editor_form(client, product_id: int) -> dict:
    """The editor's fields as the page rendered them (hidden ones included)."""
    page = client.get(f"{BASE}/{product_id}").get_data(as_text=True)
    fields = {}
    for tag in re.findall(r"<(?:input|select|textarea)[^>]*>(?:[^<]*</textarea>)?", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="file"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = value.group(1) if value else ""
    fields["category_id"] = fields.get("category_id") or ""
    return fields


def test_a_description_fix_from_a_stale_editor_keeps_the_sales(client, shop):
    form = editor_form(client, shop.product.id)
    assert form["stock"] == "50" and form["stock_seen"] == "50"
    form.update({"category_id": str(shop.category.id), "original_language": "en", "currency": "USD",
                 "texts-en-description": "Carved by hand; a typo fixed."})
    sell(shop.product.id, 45)
    response = client.post(f"{BASE}/{shop.product.id}", data=form)
    assert response.status_code == 302
    assert stock_of(shop.product.id) == 5, "the 45 units sold stay sold"


def test_a_stock_change_from_a_stale_editor_is_applied_as_a_difference(client, shop):
    form = editor_form(client, shop.product.id)
    form.update({"category_id": str(shop.category.id), "original_language": "en", "currency": "USD",
                 "stock": "60"})  # ten more arrived
    sell(shop.product.id, 45)
    assert client.post(f"{BASE}/{shop.product.id}", data=form).status_code == 302
    assert stock_of(shop.product.id) == 15


def test_lowering_below_what_sold_is_refused_with_the_sales_and_the_input_kept(client, shop):
    form = editor_form(client, shop.product.id)
    form.update({"category_id": str(shop.category.id), "original_language": "en", "currency": "USD",
                 "stock": "2", "texts-en-description": "A new description"})
    sell(shop.product.id, 45)
    response = client.post(f"{BASE}/{shop.product.id}", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "45 units sold since you opened this page — stock is now 5." in page
    assert 'value="2"' in page and "A new description" in page, "what was typed is kept"
    assert 'name="stock_seen" type="hidden" value="5"' in page
    db.session.expire_all()
    assert stock_of(shop.product.id) == 5
    assert "A new description" not in {t.description for t in db.session.get(Product, shop.product.id).texts}
    # saved again from the refreshed page, the vendor's "2" is what is left
    form["stock_seen"] = "5"
    assert client.post(f"{BASE}/{shop.product.id}", data=form).status_code == 302
    assert stock_of(shop.product.id) == 2


def test_the_refusal_is_translated(client, shop):
    form = editor_form(client, shop.product.id)
    form.update({"category_id": str(shop.category.id), "original_language": "en", "currency": "USD", "stock": "0"})
    sell(shop.product.id, 45)
    page = client.post(f"/fr/vendor/products/{shop.product.id}", data=form).get_data(as_text=True)
    assert "45 unités vendues depuis" in page


def test_a_csv_exported_before_sales_keeps_them(client, shop, make_product):
    cloth = make_product(store=shop.store, name="Kente cloth", price=45000, currency="XOF", stock=12)
    exported = client.get(f"{BASE}/export.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {r["slug"]: (r["stock"], r["stock_at_export"]) for r in rows}[shop.product.slug] == ("50", "50")
    sell(shop.product.id, 10)
    sell(cloth.id, 2)
    for row in rows:
        if row["slug"] == shop.product.slug:
            row["price"] = "13.00"  # only the price changed
        else:
            row["stock"] = "20"  # eight more cloths
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    response = client.post(f"{BASE}/bulk-update", data={"file": (io.BytesIO(buffer.getvalue().encode()), "p.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert stock_of(shop.product.id) == 40, "the 10 sold since the download stay sold"
    assert db.session.get(Product, shop.product.id).price_amount == 1300
    assert stock_of(cloth.id) == 18, "the eight added go on top of what is left after the sales"


def test_a_csv_that_would_take_more_than_is_left_changes_nothing(client, shop):
    exported = client.get(f"{BASE}/export.csv").get_data(as_text=True).lstrip("\ufeff")
    sell(shop.product.id, 45)
    lines = exported.splitlines()
    lines[1] = lines[1].replace("12.50,50,50", "14.00,1,50")
    response = client.post(f"{BASE}/bulk-update", data={"file": (io.BytesIO("\n".join(lines).encode()), "p.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "stock: 45 units sold since this file was exported — stock is now 5." in page
    assert stock_of(shop.product.id) == 5 and db.session.get(Product, shop.product.id).price_amount == 1250


@pytest.fixture
def api_token(client, shop):
    client.post("/en/account/logout")
    response = client.post("/api/v1/auth/token", json={"email": shop.vendor.email, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_api_patch_while_units_are_held(client, shop, api_token):
    url = f"/api/v1/vendor/products/{shop.product.id}"
    read = client.get(url, headers=api_token).get_json()["stock"]
    sell(shop.product.id, 45)  # held by orders awaiting payment
    bare = client.patch(url, json={"stock": 40}, headers=api_token)
    assert bare.status_code == 422 and "stock_seen" in bare.get_json()["error"]["fields"]
    assert stock_of(shop.product.id) == 5
    refused = client.patch(url, json={"stock": 40, "stock_seen": read}, headers=api_token)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "stock_changed"
    assert "45 units sold" in refused.get_json()["error"]["message"]
    assert stock_of(shop.product.id) == 5
    more = client.patch(url, json={"stock": 60, "stock_seen": read}, headers=api_token)
    assert more.status_code == 200 and more.get_json()["stock"] == 15
    change = client.patch(url, json={"stock_change": -3}, headers=api_token)
    assert change.status_code == 200 and change.get_json()["stock"] == 12
    too_many = client.patch(url, json={"stock_change": -13}, headers=api_token)
    assert too_many.status_code == 422 and stock_of(shop.product.id) == 12
    untouched = client.patch(url, json={"origin": "Tabaka"}, headers=api_token)
    assert untouched.status_code == 200 and untouched.get_json()["stock"] == 12
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "stock_seen" in str(spec["paths"]["/vendor/products/{id}"]["patch"])


def test_edits_racing_checkouts_never_oversell(app, shop):
    """Checkouts take units while the vendor adds ten from a page opened at 50: every sale stays sold."""
    from marketplace.vendors.backoffice.services import LocaleText, ProductChanges, update_product

    vendor_id, product_id, category_id = shop.vendor.id, shop.product.id, shop.category.id

    def edit():
        from marketplace.accounts.models import User

        update_product(db.session.get(User, vendor_id), product_id, ProductChanges(
            original_language="en", category_id=str(category_id), price="12.50", currency="USD", stock="60",
            stock_seen="50", texts={"en": LocaleText("Soapstone bowl", "Carved")}))

    def checkout():
        if take_stock([LineHold(product_id, 5)]):
            db.session.rollback()
            return "short"
        db.session.commit()
        return "sold"

    outcomes = run_at_once(app, [edit, *[checkout] * 8])
    assert outcomes.unexpected() == []
    sold = outcomes.results.count("sold") * 5
    assert stock_of(product_id) == 60 - sold


def test_a_tampered_seen_stock_cannot_push_past_the_maximum_or_below_zero(client, shop):
    form = editor_form(client, shop.product.id)
    form.update({"category_id": str(shop.category.id), "original_language": "en", "currency": "USD",
                 "stock": "1000000", "stock_seen": "0"})
    response = client.post(f"{BASE}/{shop.product.id}", data=form)
    assert response.status_code == 422 and "Enter a number from 0 to 1,000,000." in response.get_data(as_text=True)
    form.update({"stock": "0", "stock_seen": "999"})
    assert client.post(f"{BASE}/{shop.product.id}", data=form).status_code == 409
    assert stock_of(shop.product.id) == 50
