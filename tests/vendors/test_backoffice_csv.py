"""Bulk stock and price updates by CSV: the download, the format, and all-or-nothing with a report per line."""
from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from marketplace.catalog.models import Product
from marketplace.extensions import db

BASE = "/en/vendor/products"


@pytest.fixture
def shop(client, login, make_store, make_product):
    store = make_store(name="Accra Beads")
    login(store.owner)
    return SimpleNamespace(
        store=store,
        beads=make_product(store=store, name="=SUM(A1) glass beads", price=1250, currency="USD", stock=4),
        cloth=make_product(store=store, name="Kente cloth", price=45000, currency="XOF", stock=2),
        other=make_product(name="Another vendor's mask", price=999, stock=9),
    )


def send(client, text: str | bytes, lang: str = "en"):
    body = text.encode() if isinstance(text, str) else text
    return client.post(f"/{lang}/vendor/products/bulk-update", data={"file": (io.BytesIO(body), "stock.csv")},
                       content_type="multipart/form-data")


def state() -> dict[int, tuple[int, int]]:
    db.session.expire_all()
    return {p.id: (p.stock, p.price_amount) for p in db.session.scalars(select(Product))}


def test_download_lists_only_the_vendors_products_ready_to_edit(client, shop):
    response = client.get(f"{BASE}/export.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["slug"], r["currency"], r["price"], r["stock"], r["status"]) for r in rows] == [
        (shop.beads.slug, "USD", "12.50", "4", "published"),
        (shop.cloth.slug, "XOF", "45000", "2", "published"),
    ]
    assert rows[0]["name"] == "'=SUM(A1) glass beads"  # never run as a spreadsheet formula
    # the file goes straight back in, changing nothing
    response = send(client, text)
    assert response.status_code == 302
    assert "Updated 0 products; 2 lines changed nothing." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_update_by_slug_or_id_with_commas_or_semicolons(client, shop):
    before = state()
    response = send(client, f"id;slug;stock;price\r\n{shop.beads.id};;10;13,75\r\n;{shop.cloth.slug};;50000\r\n")
    assert response.status_code == 302
    after = state()
    assert after[shop.beads.id] == (10, 1375)
    assert after[shop.cloth.id] == (2, 50000)  # empty stock cell: unchanged
    assert after[shop.other.id] == before[shop.other.id]
    response = send(client, f"slug,stock\n{shop.cloth.slug},0\n")
    assert response.status_code == 302 and state()[shop.cloth.id] == (0, 50000)


def test_one_bad_line_changes_nothing_and_every_problem_is_reported_by_line(client, shop):
    before = state()
    text = "\n".join([
        "slug,id,stock,price,currency",
        f"{shop.beads.slug},,8,14.00,",           # 2: fine on its own
        f"{shop.other.slug},,1,1.00,",            # 3: another vendor's product
        f",{shop.other.id},1,,",                  # 4: another vendor's product, by id
        "no-such-thing,,1,,",                     # 5
        f"{shop.cloth.slug},,-4,,",               # 6
        f"{shop.beads.slug},,1,,",                # 7: already on line 2
        f"{shop.cloth.slug},{shop.beads.id},1,,", # 8: id and slug disagree
        f",{shop.cloth.id},,450.5,",              # 9: XOF has no decimals
        f",{shop.cloth.id},,,EUR",                # 10: wrong currency
        ",,5,,",                                  # 11: which product?
        f",{shop.cloth.id},lots,abc,",            # 12: two problems on one line
        "",
    ])
    response = send(client, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert state() == before
    expected = {
        3: "No such product.", 4: "No such product.", 5: "No such product.", 6: "stock: Stock cannot be negative.",
        7: "This product is also on line 2.", 8: "The id and the slug name different products.",
        9: "price: Prices in XOF are whole numbers.", 10: "This product is priced in XOF",
        11: "Give the product&#39;s slug or id.", 12: "stock: Enter a whole number, like 12.",
    }
    for line, message in expected.items():
        assert f"<tr><td>{line}</td><td>{message}" in page, line
    assert "price: Enter a price, like 12.50." in page
    assert "<tr><td>2</td>" not in page


@pytest.mark.parametrize(("body", "message"), [
    (b"", "The file is empty."),
    (b"\xff\xfeslug,stock\n", "UTF-8"),
    (b"name,colour\nbeads,blue\n", "The first line must name the columns"),
    (b"slug,stock\n\"unclosed,1\n", "could not be read as CSV"),
    (b"slug,stock\nabc\x00,1\n", "No such product."),
    (b"slug,stock\n" + b"x" * (2 * 1024 * 1024), "larger than 2 MB"),
    (b"slug,stock\n" + b"a,1\n" * 5001, "at most 5000 products"),
    (b"%PDF-1.4 not a csv", "The first line must name the columns"),
])
def test_files_that_are_not_usable_csv_are_refused_with_a_message(client, shop, body, message):
    before = state()
    response = send(client, body)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert state() == before


def test_no_file_at_all(client, shop):
    response = client.post(f"{BASE}/bulk-update", data={})
    assert response.status_code == 422 and "The file is empty." in response.get_data(as_text=True)


def test_the_page_documents_the_format(client, shop):
    page = client.get(f"{BASE}/bulk-update").get_data(as_text=True)
    assert "slug,stock,price" in page and f"{BASE}/export.csv" in page


def test_a_csv_update_locks_its_products_in_product_order_whatever_the_files_order(client, shop):
    """Checkouts lock stock rows by product id (marketplace/orders/holds); a file listing them the other way
    round must not lock them the other way round, or a checkout and an upload would each wait for the other."""
    from sqlalchemy import event
    from sqlalchemy.sql import Update

    updated: list[int] = []

    def record(state) -> None:  # noqa: ANN001 - an ORMExecuteState
        statement = state.statement
        if isinstance(statement, Update) and statement.table.name == "products":
            rows = state.parameters if isinstance(state.parameters, list) else None
            updated.extend(row["id"] for row in rows) if rows else updated.append(statement.compile().params["id_1"])

    event.listen(db.session, "do_orm_execute", record)
    try:
        response = send(client, f"id,price,stock\r\n{shop.cloth.id},500,9\r\n{shop.beads.id},13.75,8\r\n")
    finally:
        event.remove(db.session, "do_orm_execute", record)
    assert response.status_code == 302
    assert state()[shop.cloth.id] == (9, 500) and state()[shop.beads.id] == (8, 1375)
    assert updated and updated == sorted(updated), updated
