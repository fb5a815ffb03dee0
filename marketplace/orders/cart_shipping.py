"""Shipping in the priced cart: each store's goods priced for the shopper's destination by its shipping
profile (marketplace/shipping), a festival's free-shipping deal applied through `orders/pricing.py`, and
the chosen option added to the store's subtotal in the charge currency, as checkout locks it."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from marketplace.catalog.currency import DisplayPrices, charged_unit
from marketplace.catalog.services import country_name
from marketplace.core.money import Money
from marketplace.orders.pricing import free_shipping_sources
from marketplace.shipping.quotes import Parcel, load_profiles, quote_store_shipping

if TYPE_CHECKING:
    from marketplace.orders.priced_cart import CartLine, VendorGroup


def travels(line: CartLine) -> bool:
    """Whether a line is goods to send (experiences, tourism products and bookings carry no shipping)."""
    return not line.problem and not line.is_tourism and not line.is_booking and not line.product.is_experience


def parcel_of(lines: Sequence[CartLine]) -> Parcel:
    """The parcel a store's travelling lines make: their weight, the items without one, their value."""
    unweighed = tuple(line.name.text for line in lines if not line.product.weight_grams)
    weight = None if unweighed else sum(line.product.weight_grams * line.quantity for line in lines)
    return Parcel(weight, unweighed, tuple(line.line_total for line in lines))


def add_shipping(
    groups: Sequence[VendorGroup], destination: str, choices: Mapping[int, int], prices: DisplayPrices,
    language: str, at: datetime,
) -> Money:
    """Quote every store's shipping to `destination` into its group (and subtotal); the shipping charged in all."""
    charge_currency = prices.charge_currency
    added = Money(0, charge_currency)
    sending = {group.store_id: [line for line in group.lines if travels(line)] for group in groups}
    sending = {store_id: lines for store_id, lines in sending.items() if lines}
    if not destination or not sending:
        return added
    profiles = load_profiles(list(sending))
    sources = {line.quote.offer.source for lines in sending.values() for line in lines if line.quote.offer}
    free = free_shipping_sources(sources, at)
    place = country_name(destination, language)
    for group in groups:
        lines = sending.get(group.store_id)
        if not lines:
            continue
        free_by = next((line.quote.offer.source for line in lines
                        if line.quote.offer and line.quote.offer.source in free), "")
        shipping = quote_store_shipping(profiles.get(group.store_id, []), destination, parcel_of(lines),
                                        choices.get(group.store_id), prices.rates, group.store_name, place, free_by)
        group.shipping = shipping
        shipping.shown = {option.method_id: (prices.as_charged(option.price), prices.as_charged(option.regular))
                          for option in shipping.options}
        if shipping.chosen is None:
            continue
        charge = charged_unit(shipping.chosen.price, prices.rates, charge_currency)
        if charge is None:
            shipping.problem = _("This product cannot be paid for in %(currency)s yet.", currency=charge_currency)
            continue
        group.shipping_charge = charge
        group.shown_shipping = prices.as_charged(shipping.chosen.price)
        group.subtotal = charge if group.subtotal is None else group.subtotal + charge
        added = added + charge
    return added
