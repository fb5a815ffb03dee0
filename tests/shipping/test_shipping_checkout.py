"""Shipping at checkout: priced and locked into each vendor order like the lines, unchanged by later edits
of the profile, refused (with nothing reserved) where a store does not ship, free through a deal rule,
and counted in what a refund may give back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.catalog.models import Product
from marketplace.core.errors import ValidationError
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.orders.checkout import Destination, PricesChanged, place_order
from marketplace.orders.fulfilment import record_offline_payment
from marketplace.orders.models import Order, VendorOrder
from marketplace.orders.pricing import Offer
from marketplace.orders.refunds.services import left_to_refund, refund_vendor_order
from marketplace.shipping.models import ShippingMethod
from tests.orders.conftest import ADDRESS


def test_the_chosen_shipping_is_locked_into_the_vendor_order_and_later_edits_change_nothing(
        app, shopper, make_store, make_product, fill_cart, destination, checkout_key, china_profile):
    store = make_store(name="Tamale Shea")
    china, _west = china_profile(store)
    ems = next(method for method in china.methods if method.carrier == "EMS")
    fill_cart(shopper, make_product(store=store, price=1200, weight_grams=300), quantity=2)
    order = place_order(shopper, destination, checkout_key(), "en", shipping_choices={store.id: ems.id})
    part = order.vendor_orders[0]
    assert (part.shipping_method, part.shipping_kind, part.shipping_tracked) == ("EMS", "carrier", True)
    assert (part.shipping_amount, part.shipping_price_amount, part.shipping_currency) == (3000, 3000, "USD")
    assert (part.shipping_min_days, part.shipping_max_days) == (8, 15)
    assert part.subtotal == Money(2400 + 3000, "USD") and order.total == Money(5400, "USD")

    ems.weight_bands, ems.carrier, ems.max_days = [[5000, 9900]], "EMS Express", 30
    db.session.commit()
    db.session.expire_all()
    part = db.session.get(VendorOrder, part.id)
    assert (part.shipping_method, part.shipping_amount, part.shipping_max_days) == ("EMS", 3000, 15)
    assert db.session.get(Order, order.id).total_amount == 5400


def test_a_store_that_does_not_ship_to_the_address_is_refused_and_nothing_is_reserved(
        app, shopper, make_store, make_product, fill_cart, checkout_key, china_profile):
    store = make_store(name="Tamale Shea")
    china_profile(store)
    product = make_product(store=store, stock=4, weight_grams=200)
    fill_cart(shopper, product)
    with pytest.raises(ValidationError) as refused:
        place_order(shopper, Destination(**{**ADDRESS, "country_code": "FR", "postal_code": "75001"}),
                    checkout_key(), "en")
    assert refused.value.fields["country_code"] == "Tamale Shea does not ship to France."
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 4
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_a_total_priced_for_another_destination_is_refused_as_changed(
        app, shopper, make_store, make_product, fill_cart, destination, checkout_key, china_profile):
    store = make_store()
    china_profile(store)
    fill_cart(shopper, make_product(store=store, price=1000, weight_grams=200))
    seen_for_ghana = Money(1000 + 300, "USD")  # the cart was priced for Ghana Post
    with pytest.raises(PricesChanged):
        place_order(shopper, destination, checkout_key(), "en", expected_total=seen_for_ghana)
    order = place_order(shopper, destination, checkout_key(), "en", expected_total=Money(1000 + 900, "USD"))
    assert order.vendor_orders[0].shipping_method == "China Post"


def test_a_festival_free_shipping_rule_makes_the_deals_store_ship_free(
        app, monkeypatch, shopper, make_store, make_product, fill_cart, destination, checkout_key, china_profile):
    store = make_store()
    china_profile(store)
    product = make_product(store=store, price=1000, weight_grams=200)
    monkeypatch.setitem(app.extensions, "price_rules", [
        lambda products, _shopper, _at: {p.id: Offer(Money(800, "USD"), "festival:week") for p in products
                                         if p.id == product.id}])
    monkeypatch.setitem(app.extensions, "free_shipping_rules", [lambda sources, _at: {"festival:week"}])
    fill_cart(shopper, product)
    order = place_order(shopper, destination, checkout_key(), "en")
    part = order.vendor_orders[0]
    assert (part.shipping_amount, part.shipping_free_by) == (0, "festival:week")
    assert order.total == Money(800, "USD")


def test_experience_and_tourism_lines_carry_no_shipping(
        app, shopper, make_store, make_product, make_category, fill_cart, destination, checkout_key, china_profile):
    store = make_store()
    china_profile(store)
    trip = make_product(store=store, price=1000, category=make_category(slug="tourism"))  # no weight
    fill_cart(shopper, trip, make_product(store=store, price=500, weight_grams=200))
    order = place_order(shopper, Destination(**ADDRESS, travel_date="2099-05-01", travellers="2"), checkout_key(),
                        "en")
    part = order.vendor_orders[0]
    assert (part.shipping_method, part.shipping_amount) == ("China Post", 900)  # the goods' weight only
    assert order.total == Money(1000 + 500 + 900, "USD")


def test_a_refund_may_give_back_the_shipping_paid_but_never_more(
        app, shopper, make_store, make_product, fill_cart, destination, checkout_key, china_profile, make_user):
    store = make_store()
    china_profile(store)
    fill_cart(shopper, make_product(store=store, price=1000, weight_grams=200))
    order = place_order(shopper, destination, checkout_key(), "en")
    part = record_offline_payment(store.owner, order.vendor_orders[0].id)
    assert left_to_refund(part) == Money(1000 + 900, "USD")
    staff = make_user(role=Role.STAFF)
    with pytest.raises(ValidationError):
        refund_vendor_order(staff, part, 1901, "Parcel lost")
    refund_vendor_order(staff, part, 1900, "Parcel lost")
    db.session.expire_all()
    assert db.session.get(VendorOrder, part.id).refunded_amount == 1900


def test_the_order_e_mail_lists_each_stores_shipping(
        app, shopper, make_store, make_product, fill_cart, destination, checkout_key, china_profile):
    from marketplace.mail import get_mailer

    store = make_store(name="Tamale Shea")
    china_profile(store)
    fill_cart(shopper, make_product(store=store, price=1000, weight_grams=200))
    get_mailer().outbox.clear()
    place_order(shopper, destination, checkout_key(), "en")
    body = next(m.body for m in get_mailer().outbox if m.to == shopper.email)
    assert "- Tamale Shea: Shipping (China Post): $9.00" in body and "Total: $19.00" in body


def test_a_deleted_method_leaves_placed_orders_their_shipping(
        app, shopper, make_store, make_product, fill_cart, destination, checkout_key, china_profile):
    store = make_store()
    china, _west = china_profile(store)
    fill_cart(shopper, make_product(store=store, price=1000, weight_grams=200))
    order = place_order(shopper, destination, checkout_key(), "en")
    db.session.delete(db.session.get(type(china), china.id))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ShippingMethod)) == 2  # West Africa's
    db.session.expire_all()
    assert db.session.get(Order, order.id).vendor_orders[0].shipping_method == "China Post"


def test_the_festival_rule_frees_only_the_festivals_staff_marked_free_shipping(app, make_user):
    from campaigns.festivals.free_shipping import festival_free_shipping
    from campaigns.festivals.models import Festival, FestivalText
    from marketplace.core import clock
    from tests.festivals.conftest import REGISTRATION_CLOSES, REGISTRATION_OPENS, WARMUP_STARTS

    staff = make_user(role=Role.STAFF)
    for slug, free in (("ship-free", True), ("paid-post", False)):
        db.session.add(Festival(slug=slug, free_shipping=free, registration_opens_at=REGISTRATION_OPENS,
                                registration_closes_at=REGISTRATION_CLOSES, warmup_starts_at=WARMUP_STARTS,
                                created_by_id=staff.id, texts=[FestivalText(language="en", name=slug,
                                                                            description=slug)]))
    db.session.commit()
    sources = {"festival:ship-free", "festival:paid-post", "festival:gone", "coupon:x"}
    assert festival_free_shipping(sources, clock.now()) == {"festival:ship-free"}
