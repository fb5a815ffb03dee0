"""The vendor's shipping profile service: what it saves, and every bad input refused with a clear message
and nothing written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.core.errors import NotFound, PermissionDenied, ValidationError
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.shipping import profiles
from marketplace.shipping.models import ShippingMethod, ShippingZone
from marketplace.shipping.profiles import MethodInput, ZoneInput


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def flat(**fields) -> MethodInput:
    return MethodInput(**{"carrier": "Ghana Post", "pricing": "flat", "flat_price": "35", "min_days": "3",
                          "max_days": "7", **fields})


@pytest.fixture
def vendor_store(make_store, make_product):
    store = make_store(country_code="GH")
    make_product(store=store, weight_grams=250)
    return store


def test_a_zone_with_regions_and_a_weight_priced_method_are_saved_in_the_store_currency(app, vendor_store):
    vendor = vendor_store.owner
    zone = profiles.save_zone(vendor, ZoneInput("West Africa", "gh, cm", ("ecowas",)), "en")
    assert zone.country_codes[:2] == ["GH", "CM"] and "SN" in zone.country_codes
    method = profiles.save_method(vendor, zone.id, MethodInput(
        carrier="DHL", tracked=True, pricing="weight", bands="0-500: 40\n500-2000 g: 85.50", free_over="1000",
        min_days="2", max_days="6"))
    assert method.currency == "GHS" and method.weight_bands == [[500, 4000], [2000, 8550]]
    assert method.free_over == Money(100000, "GHS") and (method.min_days, method.max_days) == (2, 6)
    assert profiles.method_input(method).bands == "0-500: 40.00\n500-2000: 85.50"


@pytest.mark.parametrize(("codes", "rest", "field", "message"), [
    ("", False, "countries", "Add at least one country, or make this the rest of the world."),
    ("CN XX", False, "countries", "These are not country codes: XX. Use two letters, like CN or GH."),
    ("NG CN", False, "countries", "Already in the zone “China”: China. A country can be in one zone only."),
    ("", True, "rest_of_world", "Another zone already covers the rest of the world."),
])
def test_overlapping_or_unknown_zones_are_refused(app, vendor_store, codes, rest, field, message):
    vendor = vendor_store.owner
    profiles.save_zone(vendor, ZoneInput("China", "CN"), "en")
    profiles.save_zone(vendor, ZoneInput("Everywhere else", rest_of_world=True), "en")
    with pytest.raises(ValidationError) as refused:
        profiles.save_zone(vendor, ZoneInput("Asia", codes, rest_of_world=rest), "en")
    assert refused.value.fields[field] == message
    assert count(ShippingZone) == 2


@pytest.mark.parametrize(("method", "field", "message"), [
    (flat(flat_price="-5"), "flat_price", "A price cannot be negative."),
    (flat(flat_price="12.345"), "flat_price", "Prices in GHS have at most 2 decimals."),
    (flat(free_over="-1"), "free_over", "A price cannot be negative."),
    (flat(min_days="9", max_days="3"), "max_days", "The longest delivery time cannot be shorter than the shortest."),
    (flat(min_days="soon"), "min_days", "Enter a number of working days, like 5."),
    (flat(carrier=""), "carrier", "Name the carrier, like “EMS”, “DHL” or “Ghana Post”."),
    (flat(pricing="weight", bands="0-500: 40\n800-2000: 60"), "bands",
     "Line 2 starts at 800 g, but the bands before end at 500 g: weight bands may not leave a gap."),
    (flat(pricing="weight", bands="0-500: 40\n400-2000: 60"), "bands",
     "Line 2 starts at 400 g, inside the band before (up to 500 g): weight bands may not overlap."),
    (flat(pricing="weight", bands="100-500: 40"), "bands",
     "Line 1 starts at 100 g, but the bands before end at 0 g: weight bands may not leave a gap."),
    (flat(pricing="weight", bands="0-500: -4"), "bands", "Line 1: A price cannot be negative."),
    (flat(pricing="weight", bands="half a kilo: 4"), "bands",
     "Line 1: write a band as “from-to: price” in grams, like “0-500: 25”."),
])
def test_bad_methods_are_refused_with_the_field_named(app, vendor_store, method, field, message):
    zone = profiles.save_zone(vendor_store.owner, ZoneInput("Home", "GH"), "en")
    with pytest.raises(ValidationError) as refused:
        profiles.save_method(vendor_store.owner, zone.id, method)
    assert refused.value.fields[field] == message
    assert count(ShippingMethod) == 0


def test_weight_prices_are_refused_while_products_have_no_weight(app, vendor_store, make_product):
    unweighed = make_product(store=vendor_store, weight_grams=None)
    zone = profiles.save_zone(vendor_store.owner, ZoneInput("China", "CN"), "en")
    with pytest.raises(ValidationError) as refused:
        profiles.save_method(vendor_store.owner, zone.id, flat(pricing="weight", bands="0-1000: 90"))
    assert f"#{unweighed.id}" in refused.value.fields["pricing"]
    assert "Add a weight to every product first, or price this method flat" in refused.value.fields["pricing"]
    assert profiles.save_method(vendor_store.owner, zone.id, flat()).flat_amount == 3500  # flat is fine


def test_another_vendors_zone_or_method_is_not_found(app, vendor_store, make_store):
    zone = profiles.save_zone(vendor_store.owner, ZoneInput("Home", "GH"), "en")
    method = profiles.save_method(vendor_store.owner, zone.id, flat())
    other = make_store().owner
    with pytest.raises(NotFound):
        profiles.save_method(other, zone.id, flat())
    with pytest.raises(NotFound):
        profiles.delete_method(other, method.id)
    with pytest.raises(NotFound):
        profiles.delete_zone(other, zone.id)
    assert count(ShippingZone) == 1 and count(ShippingMethod) == 1


def test_an_account_without_a_store_is_told_to_create_one(app, make_user):
    with pytest.raises(PermissionDenied):
        profiles.save_zone(make_user(role=Role.VENDOR), ZoneInput("Home", "GH"), "en")
