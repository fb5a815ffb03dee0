"""Order pages in the reader's language: times on the viewer's clocks with the zone named, states and
payment methods as translated labels, never raw values."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from marketplace.core import clock
from marketplace.orders.models import FulfilmentState, PaymentState

pytest_plugins = ["tests.orders.fulfilment_fixtures"]
PLACED = datetime(2031, 3, 1, 21, 30, tzinfo=UTC)


def visible_text(html: str) -> str:
    """What a person reads: the page without scripts, tags and attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_shoppers_order_times_are_on_their_clocks_with_the_zone_named(client, login, place, shopper,
                                                                          make_product):
    with clock.freeze(PLACED):
        order = place(make_product(stock=5))
    login(shopper)
    zh = client.get(f"/zh/orders/{order.reference}", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert "05:30" in zh and "上海时间" in zh  # 21:30 UTC is 05:30 the next morning in Shanghai
    assert "Asia/Shanghai" not in zh and "UTC" not in visible_text(zh)
    client.post("/fr/festivals/settings/time-zone", data={"tz": "Africa/Nairobi"})
    fr = client.get(f"/fr/orders/{order.reference}").text
    assert "00:30" in fr and "heure : Nairobi" in fr and "Africa/Nairobi" not in visible_text(fr)
    assert "heure : Nairobi" in client.get("/fr/orders/").text


def test_the_vendor_reads_order_times_on_the_stores_clocks(client, login, place, make_product, make_store):
    store = make_store(country_code="MA", language="ar")
    with clock.freeze(PLACED):
        order = place(make_product(store=store, stock=5))
    login(store.owner)
    page = client.get(f"/ar/vendor/orders/{order.vendor_orders[0].id}").text
    assert "توقيت الدار البيضاء" in page  # Casablanca, where the store is
    assert "(UTC)" not in page and "Africa/Casablanca" not in visible_text(page)
    assert "توقيت الدار البيضاء" in client.get("/ar/vendor/orders/").text


@pytest.mark.parametrize("lang", ["fr", "zh"])
def test_order_pages_show_no_raw_state_or_method(client, login, place, shopper, staff, make_product, lang):
    order = place(make_product(stock=5))
    raw = {s.value for s in PaymentState} | {s.value for s in FulfilmentState} | {"offline", "stripe"}
    login(shopper)
    pages = [client.get(f"/{lang}/orders/{order.reference}").text, client.get(f"/{lang}/orders/").text]
    login(staff)
    pages += [client.get(f"/{lang}/staff/orders/{order.id}").text, client.get(f"/{lang}/staff/orders/").text]
    assert all(order.reference in page for page in pages)
    for page in pages:
        words = set(re.findall(r"[a-z_]+", visible_text(page)))
        assert not words & raw, words & raw
    assert "Pay on delivery" not in pages[2] and ("货到付款" in pages[2] if lang == "zh" else "livraison" in pages[2])


def test_store_states_payout_methods_and_deal_states_are_labelled(client, login, make_store, make_user):
    from marketplace.accounts.models import Role
    from marketplace.vendors.models import PayoutMethod, StoreStatus

    store = make_store(status=StoreStatus.SUBMITTED, payout_method=PayoutMethod.MOBILE_MONEY)
    login(make_user(role=Role.STAFF))
    page = visible_text(client.get(f"/fr/staff/vendors/{store.id}").text)
    assert "submitted" not in page and "mobile_money" not in page
    assert "À examiner" in page and "Mobile money" in page
