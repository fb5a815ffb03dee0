"""The vendor's SKU: optional, one product each within a store, set in the editor, the CSV file and the API."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product
from marketplace.extensions import db
from tests.factories import PASSWORD
from tests.vendors.test_backoffice_products import editor_data

BASE = "/en/vendor/products"


@pytest.fixture
def store(client, login, make_store, make_category):
    store = make_store(name="Fes Tannery", country_code="MA", language="fr")
    make_category("leather")
    login(store.owner)
    return store


def skus() -> dict[int, str | None]:
    db.session.expire_all()
    return dict(db.session.execute(select(Product.id, Product.sku)).all())


def test_the_editor_sets_an_optional_sku_unique_within_the_store(client, store, make_product, make_category):
    category = make_category("bags")
    make_product(name="Someone else's satchel", sku="FES-01")  # another store may use the same code
    created = client.post(f"{BASE}/new", data=editor_data(category, sku="  FES-01 "))
    assert created.status_code == 302
    product = db.session.scalars(select(Product).where(Product.store_id == store.id)).one()
    assert product.sku == "FES-01" and product.shown_sku == "FES-01"
    assert 'value="FES-01"' in client.get(f"{BASE}/{product.id}").text

    second = client.post(f"{BASE}/new", data=editor_data(category, sku="FES-01", **{"texts-en-name": "Pouf"}))
    assert second.status_code == 422 and "Another of your products has this SKU" in second.text
    assert 'value="Pouf"' in second.text  # what was typed is kept
    bad = client.post(f"{BASE}/{product.id}", data=editor_data(category, sku="صندوق"))
    assert bad.status_code == 422 and "Latin letters" in bad.text
    assert skus()[product.id] == "FES-01"
    cleared = client.post(f"{BASE}/{product.id}", data=editor_data(category, sku=""))
    assert cleared.status_code == 302
    assert skus()[product.id] is None and db.session.get(Product, product.id).shown_sku == str(product.id)


def test_the_csv_file_carries_and_sets_skus_and_refuses_one_sku_for_two_products(client, store, make_product):
    bag = make_product(store=store, name="Leather bag", sku="BAG-1")
    pouf = make_product(store=store, name="Pouf")
    text = client.get(f"{BASE}/export.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = {row["slug"]: row["sku"] for row in csv.DictReader(io.StringIO(text))}
    assert rows == {bag.slug: "BAG-1", pouf.slug: ""}

    refused = client.post(f"{BASE}/bulk-update", data={"file": (io.BytesIO(
        f"id,sku\r\n{pouf.id},BAG-1\r\n".encode()), "skus.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 422 and "another of your products has this SKU" in refused.text
    twice = client.post(f"{BASE}/bulk-update", data={"file": (io.BytesIO(
        f"id,sku\r\n{pouf.id},POUF-9\r\n{bag.id},POUF-9\r\n".encode()), "skus.csv")},
        content_type="multipart/form-data")
    assert twice.status_code == 422 and "line 2 gives this SKU to another product" in twice.text
    assert skus() == {bag.id: "BAG-1", pouf.id: None}

    done = client.post(f"{BASE}/bulk-update", data={"file": (io.BytesIO(
        f"id,sku,stock\r\n{pouf.id},POUF-9,\r\n{bag.id},,3\r\n".encode()), "skus.csv")},
        content_type="multipart/form-data")
    assert done.status_code == 302
    assert skus() == {bag.id: "BAG-1", pouf.id: "POUF-9"} and db.session.get(Product, bag.id).stock == 3


def test_the_vendor_api_reads_and_writes_the_sku(client, make_user, make_store, make_product):
    vendor = make_user(role=Role.VENDOR, email="hassan@example.com")
    store = make_store(owner=vendor)
    product = make_product(store=store, name="Babouches")
    make_product(store=store, name="Belt", sku="BELT")
    token = client.post("/api/v1/auth/token", json={"email": "hassan@example.com", "password": PASSWORD,
                                                    "name": "phone"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    patched = client.patch(f"/api/v1/vendor/products/{product.id}", json={"sku": "BAB-42"}, headers=headers)
    assert patched.status_code == 200 and patched.get_json()["sku"] == "BAB-42"
    kept = client.patch(f"/api/v1/vendor/products/{product.id}", json={"stock": 4, "stock_seen": 10}, headers=headers)
    assert kept.get_json()["sku"] == "BAB-42"  # left out: kept
    taken = client.patch(f"/api/v1/vendor/products/{product.id}", json={"sku": "BELT"}, headers=headers)
    assert taken.status_code == 422 and "sku" in taken.get_json()["error"]["fields"]
    assert skus()[product.id] == "BAB-42"
