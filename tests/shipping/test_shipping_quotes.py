"""Shipping priced by the one price path: per zone and weight, estimates, thresholds, the chosen method,
stores that do not ship there, and lines that carry no shipping, on both databases."""
from __future__ import annotations

from marketplace.core.money import Money
from marketplace.orders import cart as carts
from marketplace.orders.priced_cart import price_cart


def priced_for(shopper, destination: str, choices=None):
    return price_cart(carts.find_cart(shopper, None), shopper, "en", destination=destination,
                      shipping_choices=choices)


def test_a_zone_prices_by_weight_band_and_flat_cheapest_first_with_estimates(
        app, shopper, make_store, make_product, fill_cart, china_profile):
    store = make_store(name="Tamale Shea")
    china_profile(store)
    shea = make_product(store=store, price=1200, weight_grams=300)
    fill_cart(shopper, shea, quantity=2)  # 600 g: the second band
    priced = priced_for(shopper, "CN")
    group = priced.groups[0]
    options = [(o.name, o.price, o.min_days, o.max_days, o.tracked) for o in group.shipping.options]
    assert options == [("China Post", Money(900, "USD"), 15, 30, False), ("EMS", Money(3000, "USD"), 8, 15, True)]
    assert group.shipping.chosen.name == "China Post"  # nothing picked: the cheapest
    assert group.subtotal == Money(2 * 1200 + 900, "USD")
    assert priced.total == Money(2 * 1200 + 900, "USD")


def test_the_picked_method_is_priced_and_a_light_parcel_costs_the_first_band(
        app, shopper, make_store, make_product, fill_cart, china_profile):
    store = make_store()
    china_profile(store)
    fill_cart(shopper, make_product(store=store, price=1200, weight_grams=400))
    priced = priced_for(shopper, "HK", {store.id: store_method(store, "EMS")})
    assert priced.groups[0].shipping.chosen.name == "EMS"
    assert priced.groups[0].shipping_charge == Money(1500, "USD")
    assert priced.total == Money(1200 + 1500, "USD")


def store_method(store, carrier: str) -> int:
    from marketplace.shipping.quotes import load_profiles

    return next(m.id for zone in load_profiles([store.id])[store.id] for m in zone.methods if m.carrier == carrier)


def test_the_free_shipping_threshold_and_too_heavy_parcels(
        app, shopper, make_store, make_product, fill_cart, china_profile):
    store = make_store()
    china_profile(store)
    fill_cart(shopper, make_product(store=store, price=10000, weight_grams=900), quantity=2)  # 1.8 kg, $200
    ems = next(o for o in priced_for(shopper, "CN").groups[0].shipping.options if o.name == "EMS")
    assert ems.price == Money(0, "USD") and ems.regular == Money(3000, "USD") and ems.free_by == "free_over"
    carts.set_quantity(shopper, None, carts.find_cart(shopper, None).items[0].product_id, 3)  # 2.7 kg
    shipping = priced_for(shopper, "CN").groups[0].shipping
    assert [o.name for o in shipping.options] == ["China Post"]
    assert shipping.notes == ["Takes parcels up to 2 kg."]


def test_a_store_that_does_not_ship_there_says_so_and_a_rest_of_world_zone_catches_the_rest(
        app, shopper, make_store, make_product, fill_cart, china_profile, make_zone):
    store = make_store(name="Tamale Shea")
    china_profile(store)
    fill_cart(shopper, make_product(store=store, weight_grams=100))
    priced = priced_for(shopper, "FR")
    assert priced.groups[0].shipping.problem == "Tamale Shea does not ship to France."
    assert priced.shipping_problems == ["Tamale Shea does not ship to France."]
    make_zone(store, "Rest of the world", rest_of_world=True, methods=[{"carrier": "DHL", "flat_amount": 4500}])
    priced = priced_for(shopper, "FR")
    assert priced.groups[0].shipping.chosen.name == "DHL" and not priced.shipping_problems
    assert priced_for(shopper, "CN").groups[0].shipping.chosen.name == "China Post"  # the named zone wins


def test_an_item_without_weight_cannot_go_by_a_weight_priced_method(
        app, shopper, make_store, make_product, fill_cart, make_zone):
    store = make_store()
    make_zone(store, "China", "CN", methods=[{"carrier": "EMS", "weight_bands": [[1000, 2000]]}])
    fill_cart(shopper, make_product(store=store, name="Kente scarf"))
    shipping = priced_for(shopper, "CN").groups[0].shipping
    assert shipping.chosen is None
    assert "Kente scarf" in shipping.problem and "no weight" in shipping.problem


def test_a_store_without_profile_charges_nothing_and_no_destination_prices_no_shipping(
        app, shopper, make_product, fill_cart):
    fill_cart(shopper, make_product(price=700))
    priced = priced_for(shopper, "CN")
    assert priced.groups[0].shipping.profiled is False and priced.total == Money(700, "USD")
    assert priced_for(shopper, "").groups[0].shipping is None
