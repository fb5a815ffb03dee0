"""Where the shopper is shipping to, as the pages know it: the destination they picked (kept in their
session, so visitors have one too), else the country of their last delivery, else the one their browser's
language suggests; and the shipping method picked per store. Views read these and pass them to services."""
from __future__ import annotations

from flask import request, session
from flask_login import current_user

from marketplace.catalog.services import country_name
from marketplace.core.i18n import current_language
from marketplace.orders import addresses
from marketplace.orders.checkout import shipping_countries

SHIP_TO_KEY = "ship_to"
CHOICES_KEY = "shipping_choices"
MAX_CHOICES = 50


def shipping_destination() -> str:
    """The country the shopper ships to: their pick, their last delivery's, or their language's ("" if none)."""
    picked = session.get(SHIP_TO_KEY, "")
    if picked in shipping_countries():
        return picked
    if current_user.is_authenticated:
        last = addresses.last_delivery_country(current_user)
        if last in shipping_countries():
            return last
    guess = addresses.country_from_locale([tag for tag, _quality in request.accept_languages],
                                          current_language().code)
    return guess if guess in shipping_countries() else ""


def remember_destination(country_code: str) -> bool:
    """Keep the shopper's pick of destination; False (nothing kept) for a code that is not a country."""
    code = str(country_code or "").strip().upper()
    if code not in shipping_countries():
        return False
    session[SHIP_TO_KEY] = code
    return True


def shipping_choices() -> dict[int, int]:
    """The shipping method the shopper picked per store id."""
    kept = session.get(CHOICES_KEY) or {}
    return {int(store): int(method) for store, method in kept.items()
            if str(store).isdecimal() and str(method).isdecimal()}


def remember_choices(picked: dict[int, int]) -> None:
    """Keep the shopper's picks of shipping method per store (added to the earlier ones)."""
    kept = {str(store): method for store, method in {**shipping_choices(), **picked}.items()}
    session[CHOICES_KEY] = dict(list(kept.items())[-MAX_CHOICES:])


def picks_from_form(form: dict) -> dict[int, int]:
    """The method picked per store in a form's `ship-<store id>` fields (numbers only)."""
    picked = {}
    for name, value in form.items():
        store = name.removeprefix("ship-")
        if name.startswith("ship-") and store.isdecimal() and len(store) <= 10 and str(value).isdecimal() \
                and len(str(value)) <= 10:
            picked[int(store)] = int(value)
    return picked


def destination_choices(language: str) -> list[tuple[str, str]]:
    """Every country a parcel may go to, as (code, name in `language`), by name."""
    return sorted(((code, country_name(code, language)) for code in shipping_countries()), key=lambda c: c[1])
