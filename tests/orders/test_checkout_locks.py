"""Checkout holds the stock row lock as briefly as it can, and a lock held too long by someone else is a 503
to retry (page and API), never a 500 and never a half-placed order."""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import event, func, select

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.orders.models import CartItem, Order
from tests.factories import PASSWORD
from tests.festivals import conftest as festival_fixtures
from tests.orders import test_holds
from tests.orders.conftest import ADDRESS
from tests.orders.test_holds import LIVE, cart_of, checkout

make_festival, make_deal, staff = festival_fixtures.make_festival, festival_fixtures.make_deal, festival_fixtures.staff
online = test_holds.online  # the online gateway fixture: a placed order stays pending
# The rows holds lock: stock, and a festival deal's units and its buyer's purchase row.
HELD_TABLES = {"products", "festival_deals", "festival_deal_purchases"}
TABLE = re.compile(r"^\s*(?:UPDATE|INSERT INTO|DELETE FROM|SELECT .*? FROM)\s+\"?(\w+)", re.IGNORECASE | re.DOTALL)


@pytest.fixture
def statements(app) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs, in order, and "COMMIT" where a transaction commits."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001 - SQLAlchemy's event signature
        seen.append(statement)

    def committed(_conn) -> None:  # noqa: ANN001
        seen.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", record)
    event.listen(db.engine, "commit", committed)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)
    event.remove(db.engine, "commit", committed)


def test_checkout_takes_its_holds_where_they_block_others_least(app, online, make_festival, make_deal, make_product,
                                                                 make_user, statements):
    """PostgreSQL: everything but the holds (order, store parts, lines, history) is written before the first
    stock UPDATE, so the row lock every buyer of the product queues on is held only for the holds' UPDATEs
    and the commit. SQLite, which locks the whole database from the first write: the holds come right after
    the order row and the cart claim, so a sold-out checkout gives the lock back before writing its lines."""
    products = [make_product(price=1000, stock=5) for _ in range(2)]
    make_deal(make_festival(), product=products[1])
    shopper = make_user()
    cart_of(shopper, *products)
    statements.clear()
    order = checkout(shopper, LIVE)
    assert order.lines and db.session.get(Product, products[0].id).stock == 4
    first_lock = next(i for i, s in enumerate(statements) if re.match(r"\s*UPDATE products SET stock", s))
    until_commit = statements[first_lock:statements.index("COMMIT", first_lock)]
    after = [TABLE.match(s).group(1) for s in until_commit if TABLE.match(s)]
    before = " ".join(statements[:first_lock])
    assert "festival_deals" in after, "the deal's units are taken after the stock"
    if app.config["BACKEND"] == "postgresql":
        assert set(after) <= HELD_TABLES, f"written while the stock was locked: {sorted(set(after) - HELD_TABLES)}"
        for table in ("INSERT INTO orders", "INSERT INTO vendor_orders", "INSERT INTO order_lines",
                      "INSERT INTO order_events"):
            assert table in before
    else:
        assert "INSERT INTO orders" in before and "DELETE FROM cart_items" in before
        assert "INSERT INTO order_lines" not in before, "a sold-out checkout would write its lines for nothing"


@pytest.fixture
def postgresql_only(app):
    if app.config["BACKEND"] != "postgresql":
        pytest.skip("PostgreSQL's row locks and lock_timeout")


@pytest.fixture
def stock_locked(app, make_product):
    """A product whose row another connection's transaction has updated and not committed (a long checkout or
    staff edit elsewhere): its row lock is held until then."""
    product = make_product(name="Kente stole", price=1500, stock=3)
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    holder = psycopg.connect(url)
    holder.execute("UPDATE products SET stock = stock WHERE id = %s", (product.id,))
    yield product
    holder.rollback()
    holder.close()


def counts(app) -> tuple[int, int, int]:
    """Orders, cart lines and the locked product's stock, read through a fresh session."""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Order)),
                db.session.scalar(select(func.count()).select_from(CartItem)),
                db.session.scalar(select(func.min(Product.stock))))


def test_a_stock_row_locked_too_long_is_a_503_to_retry_on_the_checkout_page(
        postgresql_only, make_app, make_user, stock_locked):
    shopper = make_user(role=Role.SHOPPER, email="amina@example.com")
    cart_of(shopper, stock_locked)
    quick = make_app(DATABASE_LOCK_TIMEOUT=0.3, PROPAGATE_EXCEPTIONS=False)
    client = quick.test_client()
    assert client.post("/fr/account/login", data={"email": shopper.email, "password": PASSWORD}).status_code == 302
    page = client.get("/fr/checkout").get_data(as_text=True)
    key = re.search(r'name="key"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="key"', page)
    total = re.search(r'name="expected_total"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="expected_total"', page)
    form = {**{k: v for k, v in ADDRESS.items()}, "key": key.group(1), "expected_total": total.group(1)}
    response = client.post("/fr/checkout", data=form)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "La boutique ne peut pas répondre" in response.get_data(as_text=True)
    assert counts(quick) == (0, 1, 3), "no order, the cart and the stock as they were"


def test_a_stock_row_locked_too_long_is_a_503_json_error_on_the_api(
        postgresql_only, make_app, make_user, stock_locked):
    shopper = make_user(role=Role.SHOPPER, email="li@example.com")
    cart_of(shopper, stock_locked)
    quick = make_app(DATABASE_LOCK_TIMEOUT=0.3, PROPAGATE_EXCEPTIONS=False)
    client = quick.test_client()
    issued = client.post("/api/v1/auth/token", json={"email": shopper.email, "password": PASSWORD, "name": "t"})
    headers = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    response = client.post("/api/v1/checkout?lang=zh", headers=headers,
                           json={"idempotency_key": uuid.uuid4().hex, "destination": ADDRESS})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert counts(quick) == (0, 1, 3)
