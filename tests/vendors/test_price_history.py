"""Every way a vendor sets a price leaves it in the price history that festival rules read."""
from __future__ import annotations

import io

from sqlalchemy import select

from marketplace.catalog.models import PriceChange, Product
from marketplace.extensions import db

from .test_backoffice_products import BASE, editor_data, shop  # noqa: F401 - `shop` is a fixture


def history(product_id: int) -> list[tuple[int, str]]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(PriceChange).where(PriceChange.product_id == product_id).order_by(PriceChange.id)
    )
    return [(row.price_amount, row.currency) for row in rows]


def test_the_editor_records_new_and_changed_prices_once(client, shop):  # noqa: F811
    assert client.post(f"{BASE}/new", data=editor_data(shop.category)).status_code == 302
    product = db.session.scalars(select(Product)).one()
    assert history(product.id) == [(1250, "USD")]
    client.post(f"{BASE}/{product.id}", data=editor_data(shop.category, stock="3"))
    assert history(product.id) == [(1250, "USD")], "an edit that keeps the price adds nothing"
    client.post(f"{BASE}/{product.id}", data=editor_data(shop.category, price="9.99"))
    assert history(product.id) == [(1250, "USD"), (999, "USD")]


def test_a_csv_price_update_is_recorded_in_the_same_transaction(client, shop):  # noqa: F811
    client.post(f"{BASE}/new", data=editor_data(shop.category))
    product = db.session.scalars(select(Product)).one()
    body = f"id,stock,price\n{product.id},5,11.00\n".encode()
    response = client.post(f"{BASE}/bulk-update", data={"file": (io.BytesIO(body), "prices.csv")},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 302)
    assert history(product.id) == [(1250, "USD"), (1100, "USD")]
