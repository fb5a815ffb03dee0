from decimal import Decimal

import pytest

from marketplace.core.money import Money, MoneyError, normalise_currency, precision


@pytest.mark.parametrize("currency, digits", [("USD", 2), ("CNY", 2), ("KES", 2), ("XOF", 0), ("XAF", 0),
                                              ("RWF", 0), ("UGX", 0), ("TND", 3)])
def test_precision_follows_babel_and_stripe(currency, digits):
    assert precision(currency) == digits


def test_parse_into_minor_units():
    assert Money.parse("12.50", "usd") == Money(1250, "USD")
    assert Money.parse("1500", "XOF") == Money(1500, "XOF")
    assert Money.parse("3,5", "EUR") == Money(350, "EUR")


@pytest.mark.parametrize("text, currency", [("12.5", "XOF"), ("1.001", "USD"), ("abc", "USD"), ("NaN", "USD"),
                                            ("Infinity", "USD"), ("1e30", "USD"), ("12", "ABC"), ("12", "")])
def test_parse_refuses_what_is_not_money(text, currency):
    with pytest.raises(MoneyError):
        Money.parse(text, currency)


def test_amounts_are_integers_never_floats():
    with pytest.raises(MoneyError):
        Money(12.5, "USD")  # type: ignore[arg-type]


def test_convert_rounds_half_even_into_the_target_minor_unit():
    assert Money(1000, "USD").convert("CNY", Decimal("7.1")) == Money(7100, "CNY")
    assert Money(1000, "USD").convert("XOF", Decimal("605.5")) == Money(6055, "XOF")
    assert Money(1000, "XOF").convert("USD", Decimal("0.00165")) == Money(165, "USD")


@pytest.mark.parametrize("money, locale, expected", [
    (Money(150000, "XOF"), "fr", "150\u202f000\u00a0F\u202fCFA"),
    (Money(1250, "USD"), "en", "$12.50"),
    (Money(7100, "CNY"), "zh", "¥71.00"),
    (Money(250000, "KES"), "sw", "Ksh\u00a02,500.00"),
])
def test_format_in_the_readers_locale(money, locale, expected):
    assert money.format(locale) == expected


def test_adding_different_currencies_is_refused():
    with pytest.raises(MoneyError):
        Money(1, "USD") + Money(1, "EUR")
    assert Money(1, "USD") + Money(2, "USD") == Money(3, "USD")


def test_normalise_currency():
    assert normalise_currency(" xof ") == "XOF"
    with pytest.raises(MoneyError):
        normalise_currency("XXXX")
