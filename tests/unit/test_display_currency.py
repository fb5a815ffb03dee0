"""One currency story: which currency a shopper sees, and approximations that agree to the minor unit."""
from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.catalog.currency import (
    DisplayPrices,
    RateTable,
    Shown,
    add_up,
    charged_unit,
    default_display_currency,
    resolve_display_currency,
)
from marketplace.core.money import Money
from marketplace.orders.pricing import OfferLimit

RATES = RateTable({("USD", "MAD"): Decimal("9.2"), ("USD", "CNY"): Decimal("7.1"), ("USD", "XOF"): Decimal("600")})
BOX = Money(88800, "MAD")  # MAD 888.00 → US$96.52 charged → ≈ ¥685.29 (straight across it would be ¥685.30)


def test_one_price_has_one_approximation_whichever_page_converts_it():
    prices = DisplayPrices("CNY", "USD", RATES)
    charged = charged_unit(BOX, RATES, "USD")
    assert charged == Money(9652, "USD")
    on_product_page = prices.price(BOX)
    in_the_cart = prices.charged(charged)
    assert on_product_page == in_the_cart == Shown(Money(68529, "CNY"), approximate=True)
    assert RATES.convert(BOX, "CNY") == Money(68530, "CNY")  # the second figure the old pages showed


def test_cart_lines_subtotals_and_total_add_up_in_the_display_currency():
    prices = DisplayPrices("CNY", "USD", RATES)
    unit = prices.charged(Money(9652, "USD"))
    line = unit.times(3)
    other = prices.charged(Money(1999, "USD")).times(2)
    total = add_up([line, other], "CNY")
    assert line.money == Money(3 * 68529, "CNY") and total.approximate
    assert total.money.amount == line.money.amount + other.money.amount
    # Converting the charged line instead would disagree with the unit shown by a fen (¥2,055.88).
    assert RATES.convert(Money(3 * 9652, "USD"), "CNY") == Money(205588, "CNY") != line.money


def test_amounts_already_in_the_right_currency_are_exact():
    seller = DisplayPrices(None, "USD", RATES)
    assert seller.price(BOX) == Shown(BOX)  # the seller's own price, no mark
    assert seller.charged(Money(9652, "USD")) == Shown(Money(9652, "USD"))  # what is charged, no mark
    assert seller.as_charged(BOX) == Shown(Money(9652, "USD"))  # a cart shows every line as charged
    dollars = DisplayPrices("USD", "USD", RATES)
    assert dollars.price(BOX) == Shown(Money(9652, "USD"))  # exactly what the payment will be
    assert DisplayPrices("MAD", "USD", RATES).price(BOX) == Shown(BOX)


def test_a_display_currency_no_rate_reaches_falls_back_to_the_charged_amounts():
    lonely = RateTable({("EUR", "CNY"): Decimal("7.7")})
    prices = DisplayPrices("CNY", "USD", lonely)
    assert prices.currency is None
    assert prices.charged(Money(100, "USD")) == Shown(Money(100, "USD"))


@pytest.mark.parametrize(("language", "expected"), [("zh", "CNY"), ("fr", None), ("en", None), ("ar", None),
                                                    ("pt", None), ("sw", None)])
def test_the_default_display_currency_follows_the_language_where_a_rate_exists(language, expected):
    assert default_display_currency(language, RATES, "USD") == expected


def test_without_a_yuan_rate_chinese_readers_keep_the_sellers_currency():
    assert default_display_currency("zh", RateTable({("USD", "MAD"): Decimal("9.2")}), "USD") is None


def test_the_shoppers_choice_wins_over_the_language():
    assert resolve_display_currency(None, "zh", RATES, "USD") == "CNY"  # no choice yet
    assert resolve_display_currency("", "zh", RATES, "USD") is None  # chose the seller's currency
    assert resolve_display_currency("XOF", "zh", RATES, "USD") == "XOF"
    assert resolve_display_currency("CNY", "fr", RATES, "USD") == "CNY"
    assert resolve_display_currency("JPY", "zh", RATES, "USD") == "CNY"  # a rate since removed


@pytest.mark.parametrize(("limit", "allowance", "by_shopper"), [
    (OfferLimit(per_shopper=2, bought=1, left=10), 1, True),
    (OfferLimit(per_shopper=2, bought=0, left=1), 1, False),
    (OfferLimit(per_shopper=None, bought=0, left=4), 4, False),
    (OfferLimit(per_shopper=3, bought=3, left=9), 0, True),
    (OfferLimit(per_shopper=None, bought=0, left=None), None, False),
])
def test_an_offer_allows_what_is_left_of_the_shoppers_limit_and_of_the_cap(limit, allowance, by_shopper):
    assert limit.allowance == allowance
    assert limit.by_shopper_limit is by_shopper
