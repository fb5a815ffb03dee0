"""A vendor's shipping profile: zones of destination countries and the methods each ships by.

Every operation works on the signed-in vendor's own store (another store's zone or method is NotFound),
checks everything before writing, and commits once: overlapping zones, negative prices, weight bands with
gaps, estimates the wrong way round and weight prices for products without a weight are refused with a
message per field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductKind, ProductStatus
from marketplace.catalog.services import country_name
from marketplace.core.errors import NotFound, PermissionDenied, ValidationError
from marketplace.core.money import Money, MoneyError, precision
from marketplace.extensions import db
from marketplace.orders.checkout import shipping_countries
from marketplace.shipping.models import MethodKind, ShippingMethod, ShippingZone
from marketplace.shipping.regions import region_countries
from marketplace.vendors.models import Store
from marketplace.vendors.services import store_of

MAX_ZONES = 20
MAX_METHODS = 8
MAX_BANDS = 12
MAX_DAYS = 120
MAX_AMOUNT = 10**11
BAND_LINE = re.compile(r"^\s*(\d{1,6})\s*[-–]\s*(\d{1,6})\s*(?:g)?\s*[:=]\s*(\S{1,20})\s*$")


@dataclass
class ZoneInput:
    """A zone as typed: its name, country codes (space or comma separated), regions to add, rest of world."""

    name: str = ""
    countries: str = ""
    regions: tuple[str, ...] = ()
    rest_of_world: bool = False


@dataclass
class MethodInput:
    """A method as typed: prices are decimals in the store's currency, bands one "from-to: price" per line."""

    kind: str = MethodKind.CARRIER.value
    carrier: str = ""
    tracked: bool = False
    pricing: str = "flat"  # or "weight"
    flat_price: str = ""
    bands: str = ""
    free_over: str = ""
    min_days: str = ""
    max_days: str = ""


def vendor_store(vendor: User) -> Store:
    """The vendor's store; PermissionDenied when the account has none."""
    store = store_of(vendor)
    if store is None:
        raise PermissionDenied(_("Create your store first."))
    return store


def store_zones(store: Store) -> list[ShippingZone]:
    """The store's zones with their methods, in the order they were made."""
    return list(db.session.scalars(select(ShippingZone).where(ShippingZone.store_id == store.id)
                                   .order_by(ShippingZone.id)))


def unweighed_products(store: Store) -> list[Product]:
    """The store's goods (not archived) without a weight, which a weight-priced method cannot price."""
    return list(db.session.scalars(
        select(Product).where(Product.store_id == store.id, Product.weight_grams.is_(None),
                              Product.kind == ProductKind.GOODS, Product.status != ProductStatus.ARCHIVED)
        .order_by(Product.id)))


def owned_zone(store: Store, zone_id: int) -> ShippingZone:
    """The zone `zone_id` of `store`; NotFound when it is another store's or none."""
    zone = db.session.get(ShippingZone, zone_id)
    if zone is None or zone.store_id != store.id:
        raise NotFound(_("There is no such shipping zone in your store."))
    return zone


def owned_method(store: Store, method_id: int) -> ShippingMethod:
    """The method `method_id` of a zone of `store`; NotFound when it is another store's or none."""
    method = db.session.get(ShippingMethod, method_id)
    if method is None or method.zone.store_id != store.id:
        raise NotFound(_("There is no such shipping method in your store."))
    return method


def check_zone(store: Store, data: ZoneInput, language: str, zone_id: int | None = None) -> tuple[str, list[str]]:
    """The zone's cleaned name and countries; ValidationError for a missing name, unknown codes, or
    countries (or a rest of the world) another zone of the store already covers."""
    errors: dict[str, str] = {}
    name = " ".join(str(data.name or "").split())
    if not name:
        errors["name"] = _("Give the zone a name shoppers understand, like “China” or “West Africa”.")
    elif len(name) > 80:
        errors["name"] = _("Use at most %(count)d characters.", count=80)
    typed = [code.upper() for code in re.split(r"[\s,;]+", str(data.countries or "")[:2000]) if code]
    known = shipping_countries()
    unknown = [code for code in typed if code not in known]
    codes = list(dict.fromkeys([*typed, *(code for key in data.regions for code in region_countries(key))]))
    if unknown:
        errors["countries"] = _("These are not country codes: %(codes)s. Use two letters, like CN or GH.",
                                codes=", ".join(unknown[:10]))
    elif not codes and not data.rest_of_world:
        errors["countries"] = _("Add at least one country, or make this the rest of the world.")
    others = [zone for zone in store_zones(store) if zone.id != zone_id]
    if not unknown:
        taken = {code: zone.name for zone in others for code in zone.country_codes}
        clash = [code for code in codes if code in taken]
        if clash:
            errors["countries"] = _("Already in the zone “%(zone)s”: %(countries)s. A country can be in one zone "
                                    "only.", countries=", ".join(country_name(c, language) for c in clash[:5]),
                                    zone=taken[clash[0]])
    if data.rest_of_world and any(zone.rest_of_world for zone in others):
        errors["rest_of_world"] = _("Another zone already covers the rest of the world.")
    if len(others) >= MAX_ZONES and zone_id is None:
        errors["name"] = _("A store has at most %(count)d zones.", count=MAX_ZONES)
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    return name, ([] if data.rest_of_world and not codes else codes)


def save_zone(vendor: User, data: ZoneInput, language: str, zone_id: int | None = None) -> ShippingZone:
    """Create a zone in the vendor's store (or change `zone_id`); ValidationError as `check_zone` says."""
    store = vendor_store(vendor)
    zone = owned_zone(store, zone_id) if zone_id is not None else None
    name, codes = check_zone(store, data, language, zone_id)
    if zone is None:
        zone = ShippingZone(store_id=store.id)
        db.session.add(zone)
    zone.name, zone.countries, zone.rest_of_world = name, " ".join(codes), bool(data.rest_of_world)
    db.session.commit()
    return zone


def delete_zone(vendor: User, zone_id: int) -> None:
    """Remove a zone of the vendor's store with its methods (orders keep the shipping they locked)."""
    db.session.delete(owned_zone(vendor_store(vendor), zone_id))
    db.session.commit()


def parse_amount(text: object, currency: str, field: str, errors: dict[str, str], required: bool = True) -> int | None:
    """Minor units of a price typed in major units (zero allowed); the error goes into `errors`."""
    value = str(text or "").strip()
    if not value:
        if required:
            errors[field] = _("Enter a price (0 for free).")
        return None
    try:
        number = Decimal(value.replace(",", "."))
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter a price, like 12.50.")
        return None
    if number < 0:
        errors[field] = _("A price cannot be negative.")
        return None
    try:
        amount = Money.parse(number, currency).amount
    except MoneyError:
        digits = precision(currency)
        errors[field] = (_("Prices in %(currency)s are whole numbers.", currency=currency) if digits == 0 else
                         _("Prices in %(currency)s have at most %(digits)d decimals.", currency=currency,
                           digits=digits))
        return None
    if amount > MAX_AMOUNT:
        errors[field] = _("This price is too high.")
        return None
    return amount


def parse_bands(text: str, currency: str, errors: dict[str, str]) -> list[list[int]]:
    """Weight bands typed one per line as "from-to: price" in grams, from 0 g, each starting where the last
    ended; [[up to grams, minor units], …], or the problem in `errors["bands"]`."""
    lines = [line for line in str(text or "").splitlines() if line.strip()]
    if not lines:
        errors["bands"] = _("Enter at least one weight band, like “0-500: 25”.")
        return []
    if len(lines) > MAX_BANDS:
        errors["bands"] = _("Use at most %(count)d weight bands.", count=MAX_BANDS)
        return []
    bands: list[list[int]] = []
    reach = 0
    for number, line in enumerate(lines, start=1):
        match = BAND_LINE.match(line)
        if match is None:
            errors["bands"] = _("Line %(line)d: write a band as “from-to: price” in grams, like “0-500: 25”.",
                                line=number)
            return []
        low, high = int(match.group(1)), int(match.group(2))
        if high <= low:
            errors["bands"] = _("Line %(line)d: a band ends above where it starts.", line=number)
            return []
        if low != reach:
            errors["bands"] = (
                _("Line %(line)d starts at %(start)d g, but the bands before end at %(end)d g: weight bands "
                  "may not leave a gap.", line=number, start=low, end=reach) if low > reach else
                _("Line %(line)d starts at %(start)d g, inside the band before (up to %(end)d g): weight bands "
                  "may not overlap.", line=number, start=low, end=reach))
            return []
        price_errors: dict[str, str] = {}
        amount = parse_amount(match.group(3), currency, "bands", price_errors)
        if amount is None:
            errors["bands"] = _("Line %(line)d: %(problem)s", line=number, problem=price_errors["bands"])
            return []
        bands.append([high, amount])
        reach = high
    return bands


def check_method(store: Store, data: MethodInput) -> dict:
    """The method's cleaned columns; ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    currency = store.country.currency
    kind = data.kind if data.kind in {kind.value for kind in MethodKind} else ""
    if not kind:
        errors["kind"] = _("Choose a carrier or a pick-up point.")
    carrier = " ".join(str(data.carrier or "").split())
    if len(carrier) > 80:
        errors["carrier"] = _("Use at most %(count)d characters.", count=80)
    elif not carrier:
        errors["carrier"] = (_("Say where shoppers pick their order up.") if kind == MethodKind.PICKUP else
                             _("Name the carrier, like “EMS”, “DHL” or “Ghana Post”."))
    flat, bands = None, []
    if data.pricing == "weight":
        bands = parse_bands(data.bands, currency, errors)
        unweighed = unweighed_products(store)
        if unweighed and "bands" not in errors:
            names = ", ".join(f"#{product.id}" for product in unweighed[:8])
            errors["pricing"] = ngettext(
                "Add a weight to every product first, or price this method flat: %(num)d product has no weight "
                "(%(names)s).", "Add a weight to every product first, or price this method flat: %(num)d products "
                "have no weight (%(names)s).", len(unweighed), names=names)
    elif data.pricing == "flat":
        flat = parse_amount(data.flat_price, currency, "flat_price", errors)
    else:
        errors["pricing"] = _("Choose a flat price or prices by weight.")
    free_over = parse_amount(data.free_over, currency, "free_over", errors, required=False)
    days = {}
    for name in ("min_days", "max_days"):
        text = str(getattr(data, name) or "").strip()
        if not text.isdecimal() or len(text) > 4:
            errors[name] = _("Enter a number of working days, like 5.")
        elif int(text) > MAX_DAYS:
            errors[name] = _("Enter at most %(count)d working days.", count=MAX_DAYS)
        else:
            days[name] = int(text)
    if len(days) == 2 and days["max_days"] < days["min_days"]:
        errors["max_days"] = _("The longest delivery time cannot be shorter than the shortest.")
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    return {"kind": MethodKind(kind), "carrier": carrier, "tracked": bool(data.tracked) and kind == MethodKind.CARRIER,
            "currency": currency, "flat_amount": flat, "weight_bands": bands, "free_over_amount": free_over, **days}


def save_method(vendor: User, zone_id: int, data: MethodInput, method_id: int | None = None) -> ShippingMethod:
    """Add a method to a zone of the vendor's store (or change `method_id`); ValidationError as `check_method`."""
    store = vendor_store(vendor)
    zone = owned_zone(store, zone_id)
    method = owned_method(store, method_id) if method_id is not None else None
    if method is None and len(zone.methods) >= MAX_METHODS:
        raise ValidationError(_("A zone has at most %(count)d methods.", count=MAX_METHODS))
    columns = check_method(store, data)
    if method is None:
        method = ShippingMethod(zone=zone)
        db.session.add(method)
    for name, value in columns.items():
        setattr(method, name, value)
    db.session.commit()
    return method


def delete_method(vendor: User, method_id: int) -> None:
    """Remove a method of the vendor's store (orders keep the shipping they locked)."""
    db.session.delete(owned_method(vendor_store(vendor), method_id))
    db.session.commit()


def method_input(method: ShippingMethod) -> MethodInput:
    """A method as its edit form shows it."""
    def major(amount: int | None) -> str:
        return "" if amount is None else format(Money(amount, method.currency).to_decimal(), "f")
    low, lines = 0, []
    for up_to, amount in method.weight_bands or []:
        lines.append(f"{low}-{up_to}: {major(amount)}")
        low = up_to
    return MethodInput(method.kind.value, method.carrier, method.tracked, "weight" if method.by_weight else "flat",
                       major(method.flat_amount), "\n".join(lines), major(method.free_over_amount),
                       str(method.min_days), str(method.max_days))
