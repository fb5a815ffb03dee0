"""Options of a vendor's experience ("shared jeep", "private"), their names per language, and their prices per
kind of traveller; the product's price follows the cheapest adult seat.

Every function takes the signed-in vendor: another vendor's option or price is NotFound. Input is checked in
full before anything changes; one transaction per use case.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from campaigns.tourism.experiences import owned_experience, owned_option, store_currency
from campaigns.tourism.models import Experience, ExperienceOption, ExperienceOptionText, UnitKind, UnitType
from marketplace.accounts.models import User
from marketplace.catalog.price_history import record_price
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.i18n import LANGUAGES
from marketplace.extensions import db
from marketplace.search import services as search
from marketplace.vendors.backoffice.product_input import clean_line, parse_price

MAX_UNITS_PER_BOOKING = 99
MAX_OPTION_NAME = 120


@dataclass(frozen=True)
class UnitChanges:
    """A unit type as typed: the price in major units of the store's currency, bounds per booking."""

    kind: str
    price: str
    min_per_booking: int | None
    max_per_booking: int | None
    requires_adult: bool = False


def _clean_option_name(name: str) -> str:
    text = clean_line(name, "name", MAX_OPTION_NAME)
    if not text:
        raise ValidationError(_("Give the option a name."), {"name": _("Give the option a name.")})
    return text


def add_option(user: User, product_id: int, language: str, name: str) -> ExperienceOption:
    """A new option of the vendor's experience, named in `language`; NotFound, ValidationError."""
    experience = owned_experience(user, product_id)
    if language not in LANGUAGES:
        raise ValidationError(_("Choose a language."), {"language": _("Choose a language.")})
    option = ExperienceOption(position=len(experience.options),
                              texts=[ExperienceOptionText(language=language, name=_clean_option_name(name))])
    experience.options.append(option)
    db.session.commit()
    return option


def name_option(user: User, option_id: int, names: dict[str, str]) -> ExperienceOption:
    """Set the option's name in each language of `names` (an empty name removes that language's, but one
    name must stay); NotFound, ValidationError."""
    option = owned_option(user, option_id)
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for language, raw in names.items():
        if language not in LANGUAGES:
            continue
        try:
            cleaned[language] = clean_line(raw, f"name_{language}", MAX_OPTION_NAME)
        except ValidationError as exc:
            errors.update(exc.fields)
    if not errors and not any(cleaned.values()):
        errors[f"name_{option.experience.product.original_language}"] = _("Give the option a name.")
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    existing = {text.language: text for text in option.texts}
    for language, name in cleaned.items():
        row = existing.get(language)
        if not name and row is not None:
            option.texts.remove(row)
        elif name and row is None:
            option.texts.append(ExperienceOptionText(language=language, name=name))
        elif name:
            row.name = name
    db.session.commit()
    return option


def _check_unit(changes: UnitChanges, currency: str) -> dict:
    errors: dict[str, str] = {}
    kind = changes.kind if changes.kind in {k.value for k in UnitKind} else None
    if kind is None:
        errors["kind"] = _("Choose who this price is for.")
    amount = None
    typed = (changes.price or "").strip().replace(",", ".")
    try:
        number = Decimal(typed) if typed and len(typed) <= 20 else None
    except InvalidOperation:
        number = None
    if number is not None and number.is_finite() and number < 0:
        errors["price"] = _("A price cannot be negative.")
    elif number is not None and number == 0:
        amount = 0  # a free seat, such as an infant on a lap
    else:
        try:
            amount = parse_price(changes.price, currency).amount
        except ValidationError as exc:
            errors["price"] = next(iter(exc.fields.values()), exc.message)
    low, high = changes.min_per_booking, changes.max_per_booking
    if low is None or not 0 <= low <= MAX_UNITS_PER_BOOKING:
        errors["min_per_booking"] = _("Enter a number from %(low)d to %(high)d.", low=0, high=MAX_UNITS_PER_BOOKING)
    if high is None or not 1 <= high <= MAX_UNITS_PER_BOOKING:
        errors["max_per_booking"] = _("Enter a number from %(low)d to %(high)d.", low=1, high=MAX_UNITS_PER_BOOKING)
    elif low is not None and "min_per_booking" not in errors and low > high:
        errors["max_per_booking"] = _("The most per booking cannot be below the least per booking.")
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    return {"kind": UnitKind(kind), "price_amount": amount, "currency": currency, "min_per_booking": low,
            "max_per_booking": high,
            "requires_adult": bool(changes.requires_adult) and kind not in (UnitKind.ADULT, UnitKind.SENIOR)}


def refresh_from_price(experience: Experience) -> None:
    """Keep the product's price at the lowest adult price of its options (else the lowest of any unit type),
    so listings, search and the price history read "from …" like any product."""
    units = [unit for option in experience.options for unit in option.units]
    adults = [unit for unit in units if unit.kind == UnitKind.ADULT] or units
    product = experience.product
    if adults:
        cheapest = min(adults, key=lambda unit: unit.price_amount)
        product.price_amount, product.currency = cheapest.price_amount, cheapest.currency
    record_price(product)


def set_unit(user: User, option_id: int, changes: UnitChanges) -> UnitType:
    """Add the option's price for a kind of traveller, or change it when it has one; NotFound, ValidationError."""
    option = owned_option(user, option_id)
    values = _check_unit(changes, store_currency(option.experience.product.store))
    unit = next((unit for unit in option.units if unit.kind == values["kind"]), None)
    if unit is None:
        unit = UnitType(**values)
        option.units.append(unit)
    else:
        for name, value in values.items():
            setattr(unit, name, value)
    db.session.flush()
    refresh_from_price(option.experience)
    db.session.commit()
    search.reindex_products([option.experience.product_id])
    return unit


def remove_unit(user: User, option_id: int, unit_id: int) -> None:
    """Remove a price from the vendor's option; NotFound for another vendor's (or another option's) unit type."""
    option = owned_option(user, option_id)
    unit = next((unit for unit in option.units if unit.id == unit_id), None)
    if unit is None:
        raise NotFound(_("No such price."))
    option.units.remove(unit)
    db.session.flush()
    refresh_from_price(option.experience)
    db.session.commit()
    search.reindex_products([option.experience.product_id])
