"""Reading what a vendor typed for a product: prices, stock, weights and texts, with a clear message each.

Each parser takes the raw text (from a form, a CSV cell or JSON) and the name of the field it came
from, and raises ValidationError with that field's message, already in the user's language.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _

from marketplace.core.errors import ValidationError
from marketplace.core.money import Money, MoneyError, normalise_currency, precision

MAX_STOCK = 1_000_000
MAX_WEIGHT_GRAMS = 1_000_000  # one tonne: anything heavier is a typing mistake here
MAX_PRICE_MINOR = 1_000_000_000  # well inside a 32-bit column in every currency
MAX_NAME = 160
MAX_DESCRIPTION = 5_000
MAX_ORIGIN = 120
MAX_SKU = 40
SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/#-]*$")
MAX_NUMBER_TEXT = 32  # longer "numbers" are refused before any parsing
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def field_error(field: str, message: str) -> ValidationError:
    """A ValidationError about one field."""
    return ValidationError(message, {field: message})


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def parse_whole_number(value: object, field: str, *, minimum: int, maximum: int, negative: str) -> int:
    """A whole number within [minimum, maximum]; ValidationError (with `negative` below zero) otherwise."""
    text = _text(value)
    if isinstance(value, bool):
        raise field_error(field, _("Enter a whole number, like 12."))
    if isinstance(value, int):
        number = value
    else:
        if not text or len(text) > MAX_NUMBER_TEXT:
            raise field_error(field, _("Enter a whole number, like 12."))
        unsigned = text[1:] if text[0] in "-+" else text
        if not unsigned.isdecimal():  # no "1_000", "1e3", "2.5" or "12 kg"
            raise field_error(field, _("Enter a whole number, like 12."))
        number = int(unsigned) * (-1 if text[0] == "-" else 1)
    if number < 0:
        raise field_error(field, negative)
    if number < minimum or number > maximum:
        message = _("Enter a number from %(low)s to %(high)s.", low=format_decimal(minimum),
                    high=format_decimal(maximum))
        raise field_error(field, message)
    return number


def parse_stock(value: object, field: str = "stock") -> int:
    """Units in stock: a whole number from 0 to MAX_STOCK; ValidationError otherwise."""
    return parse_whole_number(value, field, minimum=0, maximum=MAX_STOCK, negative=_("Stock cannot be negative."))


def parse_weight(value: object, field: str = "weight_grams") -> int | None:
    """A weight in grams (1 to MAX_WEIGHT_GRAMS), or None when left empty; ValidationError otherwise."""
    if _text(value) == "":
        return None
    return parse_whole_number(
        value, field, minimum=1, maximum=MAX_WEIGHT_GRAMS, negative=_("A weight cannot be negative.")
    )


def parse_currency(value: object, field: str = "currency") -> str:
    """An ISO 4217 currency code, upper-cased; ValidationError when unknown."""
    try:
        return normalise_currency(_text(value)[:8])
    except MoneyError as exc:
        raise field_error(field, _("Choose a known currency, like XOF, KES or USD.")) from exc


def parse_price(value: object, currency: str, field: str = "price") -> Money:
    """A positive price in `currency`, with no more decimals than it has; ValidationError otherwise."""
    text = _text(value)
    if not text:
        raise field_error(field, _("Enter a price."))
    if len(text) > MAX_NUMBER_TEXT:
        raise field_error(field, _("Enter a price, like 12.50."))
    try:
        amount = Decimal(text.replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise field_error(field, _("Enter a price, like 12.50.")) from exc
    if not amount.is_finite():
        raise field_error(field, _("Enter a price, like 12.50."))
    if amount <= 0:
        raise field_error(field, _("The price must be more than zero."))
    try:
        money = Money.parse(amount, currency)
    except MoneyError as exc:
        digits = precision(currency)
        if amount.scaleb(digits) != amount.scaleb(digits).to_integral_value():
            if digits == 0:
                message = _("Prices in %(currency)s are whole numbers.", currency=currency)
            else:
                message = _("Prices in %(currency)s have at most %(digits)d decimals.", currency=currency,
                            digits=digits)
            raise field_error(field, message) from exc
        raise field_error(field, _("This price is too high.")) from exc
    if money.amount > MAX_PRICE_MINOR:
        raise field_error(field, _("This price is too high."))
    if money.amount == 0:
        raise field_error(field, _("The price must be more than zero."))
    return money


def parse_sku(value: object, field: str = "sku") -> str | None:
    """The vendor's SKU (None when left empty): up to 40 Latin letters, digits, spaces and . _ / # -."""
    text = " ".join(_text(value).split())
    if not text:
        return None
    if len(text) > MAX_SKU or not SKU_PATTERN.match(text):
        raise field_error(field, _("A SKU has up to %(count)d Latin letters, digits, spaces and . _ / # - "
                                   "(starting with a letter or digit).", count=MAX_SKU))
    return text


def clean_line(value: object, field: str, limit: int) -> str:
    """One line of text: control characters removed, spaces collapsed; ValidationError past `limit` characters."""
    text = " ".join(_CONTROL.sub("", unicodedata.normalize("NFC", _text(value))).split())
    if len(text) > limit:
        raise field_error(field, _("Use at most %(count)d characters.", count=limit))
    return text


def clean_paragraphs(value: object, field: str, limit: int) -> str:
    """Free text with its line breaks kept, control characters removed; ValidationError past `limit`."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", _text(value))).replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > limit:
        raise field_error(field, _("Use at most %(count)d characters.", count=limit))
    return text
