"""Vendor B tries every back-office product route on vendor A's objects: 404 (or a CSV line error), nothing changes."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from marketplace.catalog.models import Product, ProductImage, ProductStatus
from marketplace.core import clock
from marketplace.extensions import db
from tests.vendors import photo_files


def snapshot() -> dict:
    """Everything a vendor can change about products, for before/after comparisons."""
    db.session.expire_all()
    products = {
        p.id: (p.store_id, p.slug, p.status, p.stock, p.price_amount, p.currency, p.category_id, p.weight_grams,
               p.origin, p.original_language, sorted((t.language, t.name, t.description) for t in p.texts))
        for p in db.session.scalars(select(Product))
    }
    images = {i.id: (i.product_id, i.position, i.key, i.status) for i in db.session.scalars(select(ProductImage))}
    return {"products": products, "images": images}


@pytest.fixture
def vendors(client, login, make_store, make_product, make_category):
    """Vendor A's product with two photos, and vendor B (logged in) with a product and photo of its own."""
    store_a, store_b = make_store(name="Store A"), make_store(name="Store B")
    product_a = make_product(store=store_a, name="A's basket", first_approved_at=clock.now())
    draft_a = make_product(store=store_a, name="A's draft", status=ProductStatus.DRAFT)
    product_b = make_product(store=store_b, name="B's bowl")
    for position, product in ((0, product_a), (1, product_a), (0, product_b)):
        db.session.add(ProductImage(product=product, position=position, key=f"{position:x}{product.id:x}" * 8,
                                    width=100, height=100, rendition_widths="100", fallback_width=100))
    db.session.commit()
    login(store_b.owner)
    photos_a = [i.id for i in product_a.images]
    return {"a": product_a, "draft_a": draft_a, "b": product_b, "photos_a": photos_a,
            "photo_b": product_b.images[0].id, "category": make_category()}


def attempts(v: dict) -> list[tuple[str, str, dict | None]]:
    a, draft, b, photo_a, photo_b = v["a"].id, v["draft_a"].id, v["b"].id, v["photos_a"][1], v["photo_b"]
    base = "/en/vendor/products"
    edit = {"original_language": "en", "category_id": str(v["category"].id), "price": "1.00", "currency": "USD",
            "stock": "999", "texts-en-name": "Taken over", "texts-en-description": "By B"}
    return [
        ("GET", f"{base}/{a}", None),
        ("POST", f"{base}/{a}", edit),
        ("POST", f"{base}/{a}/publish", {}),
        ("POST", f"{base}/{draft}/publish", {}),
        ("POST", f"{base}/{a}/unpublish", {}),
        ("POST", f"{base}/{a}/duplicate", {}),
        ("GET", f"{base}/{a}/photos", None),
        ("POST", f"{base}/{a}/photos", {"photos": (io.BytesIO(photo_files.jpeg()), "x.jpg")}),
        ("POST", f"{base}/{a}/photos/{photo_a}/move", {"direction": "up"}),
        ("POST", f"{base}/{a}/photos/{photo_a}/cover", {}),
        ("POST", f"{base}/{a}/photos/{photo_a}/delete", {}),
        # A's photo reached through B's own product
        ("POST", f"{base}/{b}/photos/{photo_a}/move", {"direction": "up"}),
        ("POST", f"{base}/{b}/photos/{photo_a}/cover", {}),
        ("POST", f"{base}/{b}/photos/{photo_a}/delete", {}),
        # B's photo reached through A's product
        ("POST", f"{base}/{a}/photos/{photo_b}/delete", {}),
    ]


def test_another_vendors_products_and_photos_are_not_found(client, vendors):
    before = snapshot()
    for method, url, data in attempts(vendors):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 404, f"{method} {url}"
        assert "A&#39;s basket" not in response.get_data(as_text=True)
    assert snapshot() == before


def test_csv_lines_naming_another_vendors_products_are_errors(client, vendors):
    a, draft, b = vendors["a"], vendors["draft_a"], vendors["b"]
    before = snapshot()
    text = f"slug,id,stock,price\n{a.slug},,0,0.01\n,{draft.id},500,\n{b.slug},,3,2.00\n"
    response = client.post("/en/vendor/products/bulk-update", data={"file": (io.BytesIO(text.encode()), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<tr><td>2</td><td>No such product." in page and "<tr><td>3</td><td>No such product." in page
    assert snapshot() == before  # B's own line is not applied either
    export = client.get("/en/vendor/products/export.csv").get_data(as_text=True)
    assert a.slug not in export and draft.slug not in export and b.slug in export
    listing = client.get("/en/vendor/products/?q=basket").get_data(as_text=True)
    assert "A&#39;s basket" not in listing
