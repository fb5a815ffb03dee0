"""Shipping fixtures: a store's profile written straight into the tables (the profile service is tested
on its own), in US dollars like the factories' products, so checkout totals need no exchange rate."""
from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.shipping.models import MethodKind, ShippingMethod, ShippingZone
from tests.orders.conftest import checkout_key, destination, fill_cart, shopper

__all__ = ["checkout_key", "destination", "fill_cart", "shopper"]  # the order fixtures, shared


def add_zone(store, name: str, countries: str = "", rest_of_world: bool = False, methods=()) -> ShippingZone:
    """A committed zone of `store` with `methods`: dicts of ShippingMethod columns (USD unless given)."""
    zone = ShippingZone(store_id=store.id, name=name, countries=countries, rest_of_world=rest_of_world)
    for columns in methods:
        zone.methods.append(ShippingMethod(**{"currency": "USD", "kind": MethodKind.CARRIER, "carrier": "EMS",
                                              "tracked": True, "weight_bands": [], "min_days": 8, "max_days": 15,
                                              **columns}))
    db.session.add(zone)
    db.session.commit()
    return zone


@pytest.fixture
def make_zone(app):
    """Makes shipping zones with their methods."""
    return add_zone


@pytest.fixture
def china_profile(make_zone):
    """A store's usual profile: China by EMS (tracked, by weight) or post (flat), West Africa by post."""

    def make(store):
        china = make_zone(store, "China", "CN HK MO", methods=[
            {"carrier": "EMS", "weight_bands": [[500, 1500], [2000, 3000]], "free_over_amount": 20000,
             "min_days": 8, "max_days": 15},
            {"carrier": "China Post", "tracked": False, "flat_amount": 900, "min_days": 15, "max_days": 30},
        ])
        west = make_zone(store, "West Africa", "GH NG SN", methods=[
            {"carrier": "Ghana Post", "flat_amount": 300, "min_days": 2, "max_days": 5},
            {"kind": MethodKind.PICKUP, "carrier": "Makola Market stall 12", "tracked": False, "flat_amount": 0,
             "min_days": 1, "max_days": 1},
        ])
        return china, west

    return make
