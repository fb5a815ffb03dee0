"""Booking through the pages: the experience page's "Book" form, the cart's booking line, the travellers at
checkout (refused fields shown again with what was typed), and the booking on the shopper's and the operator's
order pages, each in the reader's language."""
from __future__ import annotations

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.orders.models import CartItem, Order
from marketplace.orders.webhooks import apply_payment_report
from marketplace.payments import PaymentReport
from tests.orders import conftest as order_fixtures

shopper = order_fixtures.shopper


def slug(departure) -> str:
    return departure.option.experience.product.slug


def book(client, departure, language: str = "zh", **units):
    return client.post(f"/{language}/experiences/{slug(departure)}/book",
                       data={"departure": departure.id, **{f"units-{kind}": n for kind, n in units.items()}})


def test_the_book_form_puts_the_booking_in_the_cart_shown_without_a_quantity_box(client, online, departure):
    page = client.get(f"/zh/experiences/{slug(departure)}?departure={departure.id}&quote=1&units-adult=2&units-child=1")
    assert f'action="/zh/experiences/{slug(departure)}/book"' in page.text
    response = book(client, departure, adult=2, child=1)
    assert response.status_code == 302 and response.location.endswith("/zh/cart")
    cart = client.get("/zh/cart").text
    assert "2 × 成人, 1 × 儿童" in cart  # the units in the reader's language
    assert 'name="quantity"' not in cart and "更改日期或旅客" in cart


def test_a_site_without_online_payment_lets_shoppers_plan_but_says_so_before_any_form(
        client, login, departure, shopper):
    page = client.get(f"/en/experiences/{slug(departure)}?departure={departure.id}&quote=1&units-adult=2").text
    assert "Total:" in page and "this site cannot take online payments right now" in page
    assert "/book" not in page  # no Book button that would lead to a refusal
    from marketplace.orders import cart as carts
    from marketplace.orders.holds.refs import HoldRef

    carts.add_booking(shopper, None, departure.option.experience.product_id, HoldRef("departure", departure.id),
                      {"adult": 1}, "en")  # e.g. booked before the site's payments were switched off
    login(shopper)
    checkout = client.get("/en/checkout").text
    assert "online payment is not available on this site right now" in checkout
    assert 'class="checkout-form"' not in checkout and "Back to your cart" in checkout  # no traveller form to fill


def test_a_tampered_or_full_departure_is_refused_on_the_page_with_nothing_in_the_cart(
        client, departure, make_experience):
    other = make_experience(name="Cours de cuisine")
    response = client.post(f"/en/experiences/{other.product.slug}/book", data={"departure": departure.id,
                                                                               "units-adult": 1})
    assert response.status_code == 302
    assert "not one of this experience" in client.get(response.location).text
    departure.seats_sold = 10
    db.session.commit()
    response = book(client, departure, "en", adult=1)
    assert "This departure is sold out." in client.get(response.location).text
    for junk in ("abc", "-1", "99999999999999999999"):
        assert client.post(f"/en/experiences/{slug(departure)}/book", data={"departure": junk}).status_code == 302
    assert db.session.scalar(select(func.count(CartItem.id))) == 0


def test_checkout_asks_a_name_for_each_seat_and_shows_refused_fields_again(client, login, online, departure, shopper):
    login(shopper)
    book(client, departure, "en", adult=2, child=1)
    page = client.get("/en/checkout").text
    pid = departure.option.experience.product_id
    assert all(f'name="traveller-{pid}-{seat}-name"' in page for seat in (1, 2, 3))
    assert f'name="traveller-{pid}-4-name"' not in page
    assert 'name="address_line"' not in page.split("Lead traveller")[0]  # no postal address for a booking
    key = page.split('name="key" type="hidden" value="')[1].split('"')[0]
    form = {"key": key, "recipient_name": "Li Wei", "phone": "+86 138 0013 8000", "email": "li@example.com",
            f"traveller-{pid}-1-name": "Li Wei", f"traveller-{pid}-2-name": "",
            f"traveller-{pid}-3-name": "Li Xiaoming", f"traveller-{pid}-3-notes": "No peanuts",
            f"traveller-{pid}-3-nationality": "CN"}
    refused = client.post("/en/checkout", data=form)
    assert refused.status_code == 200
    assert "Enter this traveller&#39;s name as on their travel document." in refused.text
    assert 'value="No peanuts"' in refused.text and '<option value="CN" selected>' in refused.text
    assert db.session.scalar(select(func.count(Order.id))) == 0
    form.update({f"traveller-{pid}-2-name": "Wang Fang", "key": key + "x"})
    placed = client.post("/en/checkout", data=form)
    assert placed.status_code == 302 and placed.location.startswith("https://pay.example/")
    order = db.session.scalar(select(Order))
    detail = client.get(f"/zh/orders/{order.reference}").text
    assert "Wang Fang" in detail and "No peanuts" in detail and "2 × 成人, 1 × 儿童" in detail
    assert "卡萨布兰卡" in detail  # the departure's zone named in the reader's language


def test_the_operator_reads_the_booking_and_its_travellers_in_its_own_language(
        client, login, online, departure, shopper, vendor):
    login(shopper)
    book(client, departure, "zh", adult=1)
    page = client.get("/zh/checkout").text
    key = page.split('name="key" type="hidden" value="')[1].split('"')[0]
    pid = departure.option.experience.product_id
    client.post("/zh/checkout", data={"key": key, "recipient_name": "李伟", "phone": "+86 138 0013 8000",
                                      f"traveller-{pid}-1-name": "李伟", f"traveller-{pid}-1-notes": "素食"})
    order = db.session.scalar(select(Order))
    report = PaymentReport(order.gateway_reference, order.id, "paid", order.total_amount, order.currency,
                           event_id="evt-paid", event_type="test.paid")
    assert apply_payment_report(report, "fake") == "paid"
    part = order.vendor_orders[0]
    login(vendor)
    page = client.get(f"/fr/vendor/orders/{part.id}").text
    assert "李伟" in page and "素食" in page and "1 × Adulte" in page
    # Nothing to pack or ship: the manifest instead of the packing slip, no "packed" button.
    assert f"/fr/vendor/experiences/departures/{departure.id}/manifest" in page
    assert "/packing-slip" not in page and "Marquer comme emballée" not in page
    assert "Annuler cette commande" in page  # the operator may still cancel it (and refund it)
