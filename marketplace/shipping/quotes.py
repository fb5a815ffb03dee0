"""What shipping a store's parcel to a destination costs and how long it takes, by the store's profile.

The cart (`orders/priced_cart.py`) asks `quote_store_shipping` once per store, with the goods of that
store that travel (experiences and bookings do not); checkout locks the chosen option into the vendor
order. A store without a profile arranges delivery itself and charges nothing here.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.catalog.currency import RateTable
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.shipping.models import MethodKind, ShippingMethod, ShippingZone

FREE_OVER = "free_over"  # `free_by` of an option made free by the store's threshold


@dataclass(frozen=True)
class Parcel:
    """What one store sends: total weight (None when some item has none), the items without a weight,
    and the goods' value line by line (each in its product's currency)."""

    weight_grams: int | None
    unweighed: tuple[str, ...] = ()
    goods: tuple[Money, ...] = ()


@dataclass(frozen=True)
class ShippingOption:
    """One method that can take the parcel: its price now (0 when free) and delivery estimate."""

    method_id: int
    kind: MethodKind
    name: str  # the carrier, or where the pick-up point is
    tracked: bool
    price: Money
    regular: Money  # before a threshold or a deal made it free
    min_days: int
    max_days: int
    free_by: str = ""  # FREE_OVER or an offer's source ("festival:…"); "" when paid

    @property
    def is_pickup(self) -> bool:
        return self.kind == MethodKind.PICKUP

    @property
    def free(self) -> bool:
        return self.price.amount == 0


@dataclass
class StoreShipping:
    """A store's shipping to one destination: the options, the one chosen, or why there is none."""

    destination: str
    profiled: bool  # the store has a shipping profile (without one it arranges delivery itself)
    options: list[ShippingOption] = field(default_factory=list)
    chosen: ShippingOption | None = None
    problem: str = ""  # why nothing can be shipped there (the cart and checkout say it)
    notes: list[str] = field(default_factory=list)  # methods of the zone that cannot take this parcel, and why
    shown: dict[int, tuple] = field(default_factory=dict)  # method id -> (price, regular) in the display currency

    @property
    def cheapest(self) -> ShippingOption | None:
        return self.options[0] if self.options else None


def load_profiles(store_ids: Collection[int]) -> dict[int, list[ShippingZone]]:
    """The shipping zones (with their methods) of each store, in one query for the zones and one for the methods."""
    if not store_ids:
        return {}
    zones = db.session.scalars(
        select(ShippingZone).where(ShippingZone.store_id.in_(list(store_ids)))
        .options(selectinload(ShippingZone.methods)).order_by(ShippingZone.id)
    ).all()
    profiles: dict[int, list[ShippingZone]] = {}
    for zone in zones:
        profiles.setdefault(zone.store_id, []).append(zone)
    return profiles


def zone_for(zones: Iterable[ShippingZone], country_code: str) -> ShippingZone | None:
    """The zone that serves `country_code`: the one naming it, else the store's rest-of-the-world zone."""
    zones = list(zones)
    named = next((zone for zone in zones if zone.serves(country_code)), None)
    return named or next((zone for zone in zones if zone.rest_of_world), None)


def band_price(method: ShippingMethod, weight_grams: int) -> Money | None:
    """The price of the weight band a parcel of `weight_grams` falls in; None when heavier than the last band."""
    for up_to, price in method.bands:
        if weight_grams <= up_to:
            return price
    return None


def goods_value(goods: Sequence[Money], currency: str, rates: RateTable) -> Money | None:
    """The goods' value in `currency` (None when some line's currency has no rate to it)."""
    total = Money(0, currency)
    for amount in goods:
        if amount.currency != currency:
            amount = rates.convert(amount, currency)
            if amount is None:
                return None
        total = total + amount
    return total


def price_method(method: ShippingMethod, parcel: Parcel, rates: RateTable, free_by: str = "") -> ShippingOption | str:
    """The option `method` offers for `parcel`, or why it cannot take it (a parcel without weight, too heavy)."""
    if method.by_weight:
        if parcel.weight_grams is None:
            return _("Priced by weight, and these items have no weight yet: %(items)s.",
                     items=", ".join(parcel.unweighed))
        regular = band_price(method, parcel.weight_grams)
        if regular is None:
            return _("Takes parcels up to %(kg)s kg.", kg=f"{method.bands[-1][0] / 1000:g}")
    else:
        regular = method.flat_price
    price = regular
    if free_by:
        price = Money(0, regular.currency)
    elif method.free_over_amount is not None:
        value = goods_value(parcel.goods, method.currency, rates)
        if value is not None and value.amount >= method.free_over_amount:
            price, free_by = Money(0, regular.currency), FREE_OVER
    name = method.carrier or (_("Local pick-up") if method.kind == MethodKind.PICKUP else _("Delivery"))
    return ShippingOption(method.id, method.kind, name, method.tracked, price, regular, method.min_days,
                          method.max_days, free_by if price.amount == 0 and regular.amount else "")


def quote_store_shipping(
    zones: Sequence[ShippingZone], destination: str, parcel: Parcel, chosen_id: int | None, rates: RateTable,
    store_name: str, country_name: str, free_by: str = "",
) -> StoreShipping:
    """The options of the store's zone for `destination`, cheapest first, and the chosen one (the shopper's
    `chosen_id` when it is among them, else the cheapest); a store that does not serve the destination, or
    whose methods there cannot take the parcel, gets a problem saying so. `free_by` names a deal that makes
    every option free (the free-shipping rules of `orders/pricing.py`)."""
    if not zones:
        return StoreShipping(destination, profiled=False)
    shipping = StoreShipping(destination, profiled=True)
    zone = zone_for(zones, destination)
    if zone is None or not zone.methods:
        shipping.problem = _("%(store)s does not ship to %(country)s.", store=store_name, country=country_name)
        return shipping
    for method in zone.methods:
        option = price_method(method, parcel, rates, free_by)
        if isinstance(option, str):
            shipping.notes.append(option)
        else:
            shipping.options.append(option)
    shipping.options.sort(key=lambda option: (option.price.amount, option.max_days, option.method_id))
    if not shipping.options:
        shipping.problem = _("%(store)s cannot ship these items to %(country)s: %(reason)s",
                             store=store_name, country=country_name, reason=" ".join(shipping.notes))
        return shipping
    shipping.chosen = next((option for option in shipping.options if option.method_id == chosen_id),
                           shipping.cheapest)
    return shipping
