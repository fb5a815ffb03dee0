"""Staff set exchange rates in a page; bad codes and numbers are refused with field messages."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.catalog.models import ExchangeRate
from marketplace.extensions import db


def stored() -> dict[tuple[str, str], Decimal]:
    return {(r.base, r.quote): r.rate for r in db.session.scalars(select(ExchangeRate))}


def test_staff_set_a_rate_that_replaces_its_inverse(client, login, make_user):
    login(make_user(role=Role.STAFF))
    client.post("/en/staff/rates/", data={"base": "cny", "quote": "usd", "rate": "0.14"})
    response = client.post("/en/staff/rates/", data={"base": "USD", "quote": "CNY", "rate": "7,1"},
                           follow_redirects=True)
    assert "1 USD = 7.1 CNY saved." in response.text
    assert stored() == {("USD", "CNY"): Decimal("7.1")}
    page = client.get("/fr/staff/rates/").text
    assert "1 USD = 7.1 CNY" in page and "1 CNY = 0.140845 USD" in page


def test_bad_rates_are_refused_in_the_staff_language_and_nothing_is_stored(client, login, make_user):
    login(make_user(role=Role.STAFF))
    page = client.post("/en/staff/rates/", data={"base": "USD", "quote": "ZZZ", "rate": "-3"}).text
    assert "Enter a currency code such as USD, KES or XOF." in page
    assert "Enter a positive number, such as 7.1 or 0.0016." in page
    page = client.post("/en/staff/rates/", data={"base": "USD", "quote": "usd", "rate": "1"}).text
    assert "A rate needs two different currencies." in page
    for rate in ("nan", "Infinity", "1e12", "abc", ""):
        client.post("/en/staff/rates/", data={"base": "USD", "quote": "KES", "rate": rate})
    assert stored() == {}


def test_shoppers_and_vendors_cannot_set_rates(client, login, make_user):
    for role in (Role.SHOPPER, Role.VENDOR):
        login(make_user(role=role))
        assert client.post("/en/staff/rates/", data={"base": "USD", "quote": "KES", "rate": "129"}).status_code == 403
    assert stored() == {}


def test_a_new_dollar_rate_reprices_the_search_index_at_once(client, login, make_user, make_product):
    from marketplace.search import get_search_index
    from marketplace.search.services import reindex_products

    login(make_user(role=Role.STAFF))
    client.post("/en/staff/rates/", data={"base": "USD", "quote": "GHS", "rate": "10"})
    get_search_index().rebuild(iter(()))
    product = make_product(name="Shea butter jar", price=15000, currency="GHS")  # 150.00 GHS
    reindex_products([product.id])

    def found(query: str) -> bool:
        return "Shea butter jar" in client.get(f"/en/search?q=shea&{query}").get_data(as_text=True)

    assert found("min_price=14&max_price=16")  # 15 US dollars at 10 GHS to the dollar
    client.post("/en/staff/rates/", data={"base": "GHS", "quote": "USD", "rate": "0.05"})
    assert not found("min_price=14&max_price=16")
    assert found("min_price=7&max_price=8")  # 7.50 dollars now, without waiting for a reindex
    client.post("/en/staff/rates/", data={"base": "USD", "quote": "CNY", "rate": "7.1"})  # no GHS products move
    assert found("min_price=7&max_price=8")
    get_search_index().rebuild(iter(()))
