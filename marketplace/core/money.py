"""Money: an integer amount in the currency's minor unit plus an ISO 4217 code. Never a float."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel.core import Locale
from babel.numbers import format_currency, get_currency_precision, list_currencies

# Stripe charges these in whole units; Babel agrees for the African ones (XOF, XAF, RWF, UGX …).
ZERO_DECIMAL_CURRENCIES = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()
)
KNOWN_CURRENCIES = frozenset(list_currencies())


class MoneyError(ValueError):
    """An amount or currency that cannot be money (unknown code, too many decimals, not a number)."""


def normalise_currency(code: str) -> str:
    """The upper-case ISO 4217 code, or MoneyError when it is not a known currency."""
    value = (code or "").strip().upper()
    if len(value) != 3 or value not in KNOWN_CURRENCIES:
        raise MoneyError(f"unknown currency {code!r}")
    return value


def precision(currency: str) -> int:
    """Digits after the decimal point in the currency's minor unit."""
    if currency in ZERO_DECIMAL_CURRENCIES:
        return 0
    return get_currency_precision(currency)


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # in the currency's minor unit
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise MoneyError("amount must be an integer number of minor units")

    @classmethod
    def parse(cls, text: str | Decimal | int, currency: str) -> Money:
        """Money from a decimal written in major units ("12.50"); MoneyError on excess decimals."""
        currency = normalise_currency(currency)
        try:
            value = Decimal(str(text).strip().replace(",", "."))
        except (InvalidOperation, ValueError) as exc:
            raise MoneyError("not a number") from exc
        if not value.is_finite():
            raise MoneyError("not a number")
        digits = precision(currency)
        scaled = value.scaleb(digits)
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"{currency} has {digits} decimal places")
        if abs(scaled) >= 10**15:
            raise MoneyError("amount too large")
        return cls(int(scaled), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-precision(self.currency))

    def convert(self, currency: str, rate: Decimal) -> Money:
        """This amount in `currency` at `rate` (units of `currency` per unit of ours), rounded half-even."""
        value = (self.to_decimal() * rate).scaleb(precision(currency))
        return Money(int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), currency)

    def format(self, locale: str | Locale) -> str:
        """The amount written for a reader of `locale`, e.g. "¥1,234.50" or "12 500 F CFA"."""
        return format_currency(self.to_decimal(), self.currency, locale=locale)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise MoneyError("cannot add different currencies")
        return Money(self.amount + other.amount, self.currency)

    def __mul__(self, quantity: int) -> Money:
        return Money(self.amount * int(quantity), self.currency)

    def __lt__(self, other: Money) -> bool:
        if other.currency != self.currency:
            raise MoneyError("cannot compare different currencies")
        return self.amount < other.amount
