"""The shopper's pages: cart (visitor and signed in), checkout, and their orders."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.models import Cart, CartItem, Order, PaymentState
from tests.orders.conftest import ADDRESS


def add(client, product, quantity="1", lang="en"):
    return client.post(f"/{lang}/cart/items", data={"product_id": product.id, "quantity": quantity})


def cart_quantities() -> dict[int, int]:
    return dict(db.session.execute(select(CartItem.product_id, CartItem.quantity)).all())


def checkout_form(client) -> dict:
    page = client.get("/en/checkout").get_data(as_text=True)
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', page).group(1)
    total = re.search(r'name="expected_total" type="hidden" value="([^"]+)"', page).group(1)
    return {"key": key, "expected_total": total, **ADDRESS}


def test_a_visitor_fills_a_cart_that_is_kept_at_log_in(client, login, make_product, shopper):
    coffee = make_product(name="Yirgacheffe coffee", price=1500, stock=4)
    tea = make_product(name="Kericho tea", price=700, stock=9)
    add(client, coffee, "2")
    page = client.get("/en/cart").get_data(as_text=True)
    assert "Yirgacheffe coffee" in page and "$30.00" in page
    assert "Log in to check out" in page
    add(client, tea)
    carts.add_item(shopper, None, tea.id, 3)  # the shopper's own cart, filled on another device
    login(shopper)
    page = client.get("/en/cart").get_data(as_text=True)
    assert "Yirgacheffe coffee" in page and "Kericho tea" in page
    assert cart_quantities() == {coffee.id: 2, tea.id: 4}
    assert db.session.scalar(select(func.count()).select_from(Cart)) == 1


def test_bad_quantities_and_unknown_products_change_nothing(client, make_product):
    product = make_product(stock=3)
    add(client, product, "1")
    for quantity in ("0", "-2", "abc", "100000", "1.5"):
        response = add(client, product, quantity)
        assert response.status_code == 302
        assert "Choose a quantity from 1 to 99." in client.get("/en/cart").get_data(as_text=True)
    response = add(client, product, "5")
    assert "Only 3 left in stock." in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post("/en/cart/items", data={"product_id": "999999", "quantity": "1"})
    client.post("/en/cart/items", data={"product_id": product.id, "quantity": "1", "price": "1"})
    assert cart_quantities() == {product.id: 2}  # the posted "price" is not a field anyone reads
    item = db.session.scalars(select(CartItem)).one()
    assert item.seen_amount == product.price_amount


def test_a_changed_price_is_pointed_out_until_the_shopper_has_seen_it(client, make_product):
    product = make_product(name="Rooibos", price=1000, stock=5)
    add(client, product)
    db.session.get(Product, product.id).price_amount = 1200
    db.session.commit()
    page = client.get("/en/cart").get_data(as_text=True)
    assert "Some prices changed" in page and "Was $10.00 when you added it." in page and "$12.00" in page
    client.post("/en/cart/accept-prices")
    assert "Some prices changed" not in client.get("/en/cart").get_data(as_text=True)


def test_quantities_change_and_lines_go(client, make_product):
    product = make_product(stock=5)
    add(client, product)
    client.post(f"/en/cart/items/{product.id}", data={"quantity": "3"})
    assert cart_quantities() == {product.id: 3}
    client.post(f"/en/cart/items/{product.id}", data={"quantity": "9"})
    assert cart_quantities() == {product.id: 3}
    client.post(f"/en/cart/items/{product.id}/remove")
    assert cart_quantities() == {}


def test_checkout_places_an_offline_order_the_shopper_can_follow(client, login, make_product, make_store, shopper,
                                                                 make_user):
    first = make_product(name="Shea butter", store=make_store(name="Tamale Shea"), price=900, stock=5)
    second = make_product(name="Kente stole", store=make_store(name="Kumasi Weavers"), price=4500, stock=2)
    login(shopper)
    add(client, first, "2")
    add(client, second)
    response = client.post("/en/checkout", data=checkout_form(client))
    order = db.session.scalars(select(Order)).one()
    assert response.headers["Location"].endswith(f"/en/orders/{order.reference}")
    assert order.payment_state == PaymentState.UNPAID and order.total_amount == 2 * 900 + 4500
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tamale Shea" in page and "Kumasi Weavers" in page and "pay each vendor on delivery" in page
    assert "Confirmed, to be paid on delivery" in page
    assert order.reference in client.get("/en/orders/").get_data(as_text=True)
    assert cart_quantities() == {}
    login(make_user(role=Role.SHOPPER))
    assert client.get(f"/en/orders/{order.reference}").status_code == 404


def test_the_same_form_submitted_twice_makes_one_order(client, login, make_product, shopper):
    product = make_product(stock=5)
    login(shopper)
    add(client, product)
    form = checkout_form(client)
    client.post("/en/checkout", data=form)
    add(client, product)
    again = client.post("/en/checkout", data=form)
    order = db.session.scalars(select(Order)).one()
    assert again.headers["Location"].endswith(order.reference)
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 4


def test_a_checkout_with_nothing_left_to_buy_goes_back_to_the_cart_and_says_so(client, login, make_product,
                                                                                shopper):
    gone = make_product(name="Kente stole", stock=2)
    withdrawn = make_product(name="Shea butter", stock=9)
    login(shopper)
    add(client, gone, "2", lang="zh")
    add(client, withdrawn, lang="zh")
    page = client.get("/zh/checkout").get_data(as_text=True)
    form = {"key": re.search(r'name="key" type="hidden" value="([^"]+)"', page).group(1),
            "expected_total": re.search(r'name="expected_total" type="hidden" value="([^"]+)"', page).group(1),
            **ADDRESS}
    db.session.get(Product, gone.id).stock = 0  # bought by others while this shopper typed
    db.session.get(Product, withdrawn.id).status = ProductStatus.DRAFT
    db.session.commit()
    response = client.post("/zh/checkout", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/zh/cart")
    cart = client.get("/zh/cart").get_data(as_text=True)
    assert "您购物车中的商品现已无法购买（已售罄或已下架）。未预留任何商品，也未扣款。" in cart
    assert "已售罄。" in cart and "已停售。" in cart  # each line says why
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert cart_quantities() == {gone.id: 2, withdrawn.id: 1}


def test_a_double_click_lands_on_the_order_not_on_an_empty_cart(client, login, make_product, shopper):
    product = make_product(stock=5)
    login(shopper)
    add(client, product)
    form = checkout_form(client)
    first = client.post("/en/checkout", data=form)
    second = client.post("/en/checkout", data=form)  # the cart is empty now: the first request ordered it
    order = db.session.scalars(select(Order)).one()
    assert first.headers["Location"] == second.headers["Location"]
    assert second.headers["Location"].endswith(f"/en/orders/{order.reference}")


def test_checkout_refuses_bad_details_and_a_stale_total_without_reserving(client, login, make_product, shopper):
    product = make_product(price=1000, stock=5)
    login(shopper)
    add(client, product)
    form = checkout_form(client)
    page = client.post("/en/checkout", data={**form, "phone": "call me", "city": ""}).get_data(as_text=True)
    assert "Enter a phone number" in page and "Enter the town or city." in page
    db.session.get(Product, product.id).price_amount = 1100
    db.session.commit()
    response = client.post("/en/checkout", data=form)
    page = response.get_data(as_text=True)  # the page again, with the new total and the address kept
    assert response.status_code == 200 and "Prices changed since you opened this page" in page
    assert "The total to pay was $10.00 and is now $11.00." in page
    assert f'value="{ADDRESS["address_line"]}"' in page
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.get(Product, product.id).stock == 5


def test_tourism_orders_ask_for_travellers_not_an_address(client, login, make_product, make_category, shopper):
    trek = make_product(name="Gorilla trekking permit", category=make_category(slug="tourism"), price=150000,
                        stock=8)
    login(shopper)
    add(client, trek, "2")
    page = client.get("/en/checkout").get_data(as_text=True)
    assert "Travel details" in page and "Delivery address" not in page
    form = checkout_form(client)
    page = client.post("/en/checkout", data={**form, "travel_date": "yesterday"}).get_data(as_text=True)
    assert "Enter the date you plan to travel." in page
    client.post("/en/checkout", data={**form, "travel_date": "2031-07-01", "travellers": "2", "city": ""})
    order = db.session.scalars(select(Order)).one()
    assert (order.travel_date, order.travellers, order.address_line) == ("2031-07-01", 2, "")


def test_vendors_cannot_buy_and_pages_work_in_arabic(client, login, make_product, make_user):
    product = make_product(stock=5)
    add(client, product, lang="ar")
    page = client.get("/ar/cart").get_data(as_text=True)
    assert 'dir="rtl"' in page
    login(make_user(role=Role.VENDOR))
    add(client, product)
    assert client.get("/en/checkout").headers["Location"].endswith("/en/cart")
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
