"""The API's one money shape, {"amount": minor units, "currency", "formatted"}: writing it, reading it back,
and its OpenAPI schema, which every money field of every operation references.

`amount` is exact (an integer in the currency's minor unit: cents, or whole francs for XOF), so a client
can send it back (the checkout's `expected_total`, a vendor's new price). `formatted` is for display only,
written for a reader of the response's language.
"""
from __future__ import annotations

from flask_babel import gettext as _

from marketplace.core.errors import ValidationError
from marketplace.core.money import Money, MoneyError, normalise_currency

MONEY_SCHEMA = {
    "type": "object",
    "description": "An amount of money. Every money field of every response has this shape.",
    "required": ["amount", "currency", "formatted"],
    "additionalProperties": False,
    "properties": {
        "amount": {"type": "integer", "example": 1250,
                   "description": "In the currency's minor unit: 1250 is 12.50 US$; XOF, XAF, RWF, UGX … have "
                                  "none, so 1250 XOF is 1,250 F CFA. Exact: send it back as it is."},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "example": "USD", "description": "ISO 4217 code"},
        "formatted": {"type": "string", "example": "US$12.50",
                      "description": "For display only, written for a reader of the response's language: the "
                                     "`lang` query parameter, else (where the operation says so) the "
                                     "Accept-Language header, else English."},
    },
}
# Written into requests: the amount and currency alone (a `formatted` sent back is ignored).
MONEY_INPUT_SCHEMA = {
    "type": "object", "required": ["amount", "currency"],
    "properties": {"amount": MONEY_SCHEMA["properties"]["amount"],
                   "currency": {"type": "string", "example": "USD", "description": "ISO 4217 code, in any case"},
                   "formatted": {"type": "string", "description": "Ignored"}},
}
MONEY = {"$ref": "#/components/schemas/Money"}
OPTIONAL_MONEY = {"anyOf": [MONEY, {"type": "null"}]}
MONEY_INPUT = {"$ref": "#/components/schemas/MoneyInput"}


def money_json(money: Money | None, language: str) -> dict | None:
    """Money as {"amount": minor units, "currency", "formatted"} for a reader of `language`; None stays None."""
    if money is None:
        return None
    return {"amount": money.amount, "currency": money.currency, "formatted": money.format(language)}


def money_from_json(value: object, field: str, message: str) -> Money:
    """Money from a request's {"amount": minor units, "currency"}; ValidationError on `field` with `message`
    when `value` is not that shape (a fraction, text or boolean amount), or naming an unknown currency."""
    if not isinstance(value, dict) or not isinstance(value.get("currency"), str):
        raise ValidationError(message, {field: message})
    amount = value.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError(message, {field: message})
    try:
        currency = normalise_currency(value["currency"])
    except MoneyError as exc:
        unknown = _("Choose a known currency, like XOF, KES or USD.")
        raise ValidationError(unknown, {field: unknown}) from exc
    return Money(amount, currency)
