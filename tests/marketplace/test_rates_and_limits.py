"""Exchange rates from the command line, and the request size limit."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.catalog.models import ExchangeRate
from marketplace.catalog.services import RateTable
from marketplace.core.money import Money
from marketplace.extensions import db


def test_rates_set_command_stores_and_replaces_a_rate(runner, app):
    result = runner.invoke(args=["rates", "set", "usd", "cny", "7.1"])
    assert result.exit_code == 0, result.output
    assert "1 USD = 7.1 CNY" in result.output
    runner.invoke(args=["rates", "set", "CNY", "USD", "0.14"])
    rows = db.session.scalars(select(ExchangeRate)).all()
    assert [(r.base, r.quote, r.rate) for r in rows] == [("CNY", "USD", Decimal("0.14"))]
    assert "1 CNY = 0.14 USD" in runner.invoke(args=["rates", "list"]).output


@pytest.mark.parametrize("args", [["USD", "XYZ", "7"], ["USD", "USD", "1"], ["USD", "CNY", "-2"],
                                  ["USD", "CNY", "abc"], ["USD", "CNY", "NaN"], ["USD", "CNY", "0"]])
def test_rates_set_refuses_bad_input_and_changes_nothing(runner, app, args):
    result = runner.invoke(args=["rates", "set", *args])
    assert result.exit_code != 0
    assert db.session.scalar(select(ExchangeRate.id)) is None


def test_rate_table_uses_direct_inverse_and_dollar_cross_rates():
    table = RateTable({("USD", "CNY"): Decimal("7"), ("USD", "XOF"): Decimal("600")})
    assert table.convert(Money(100, "USD"), "CNY") == Money(700, "CNY")
    assert table.convert(Money(700, "CNY"), "USD") == Money(100, "USD")
    assert table.convert(Money(6000, "XOF"), "CNY") == Money(7000, "CNY")
    assert table.convert(Money(100, "EUR"), "CNY") is None
    assert table.convert(Money(100, "CNY"), "CNY") is None


def test_oversized_requests_are_refused_with_a_clear_page(client):
    response = client.post("/en/account/login", data={"email": "x" * (17 * 1024 * 1024)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "add up to more than 16 MB" in page and "your browser usually keeps what you typed" in page
    french = client.post("/fr/account/login", data={"email": "x" * (17 * 1024 * 1024)}).get_data(as_text=True)
    assert "16 Mo" in french
