"""What every page asks about a signed-in viewer (cart lines, last destination, saved deals, reminders, limited
purchases) is read with the user in one statement, and is never the value from before a write."""
from __future__ import annotations

import secrets

import pytest
from flask import session
from flask_login import current_user
from sqlalchemy import event

from campaigns.festivals import page_cache as festival_pages
from campaigns.festivals import reminders
from campaigns.festivals.models import DealPurchase
from marketplace.core import clock, viewer_facts
from marketplace.extensions import db
from marketplace.orders import addresses
from marketplace.orders import cart as carts
from marketplace.orders.checkout import Destination, place_order
from tests.festivals.conftest import make_deal, make_festival, staff  # noqa: F401

from .test_page_cache import header_cart_count
from .test_signed_in_page_cache import DURING_WAVE1, cached_app, signed_in  # noqa: F401

TO_KENYA = Destination(recipient_name="Wanjiru Kamau", phone="+254 712 345678", country_code="KE",
                       city="Nairobi", address_line="12 Moi Avenue", postal_code="00100")


def sign_in_as(app, user) -> None:
    """In a request context: the session of `user`, and the user loaded as the first look at current_user does."""
    session["_user_id"] = user.get_id()
    db.session.remove()
    app.login_manager._load_user()  # noqa: SLF001 - what the first look at current_user does


def statements_of(app, client, url: str) -> tuple[int, str]:
    """The fewest SQL statements of three requests for `url` (a once-a-second reload of festival
    boundaries may fall into any one), and the last page."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    counts = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            seen.clear()
            html = client.get(url).get_data(as_text=True)
            counts.append(len(seen))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return min(counts), html


def test_a_signed_in_shopper_costs_a_kept_page_one_statement_more_than_a_visitor(
        cached_app, make_product, make_user):  # noqa: F811
    product, other = make_product(featured=True, stock=20), make_product(featured=True)
    shopper = make_user()
    carts.add_item(shopper, None, product.id, 1)
    place_order(shopper, TO_KENYA, secrets.token_urlsafe(16), "en")  # the last delivery went to Kenya
    carts.add_item(shopper, None, product.id, 1)
    carts.add_item(shopper, None, other.id, 2)
    url = f"/en/products/{product.slug}"
    visitor, signed = cached_app.test_client(), signed_in(cached_app, shopper)
    visitor.get(url), signed.get(url)  # both copies kept
    by_visitor, _ = statements_of(cached_app, visitor, url)
    by_shopper, html = statements_of(cached_app, signed, url)
    assert by_shopper == by_visitor + 1  # the user, with everything the page asks about them
    assert header_cart_count(html) == "2"
    assert 'value="KE" selected' in html  # ships to the last delivery's country


def test_facts_are_never_the_values_from_before_a_write(app, make_product, make_user):
    product, other = make_product(stock=5), make_product(stock=5)
    shopper, someone = make_user(), make_user()
    carts.add_item(shopper, None, product.id, 1)
    other_id, someone_id = other.id, someone.id
    with app.test_request_context("/en/"):
        sign_in_as(app, shopper)
        user = current_user._get_current_object()  # noqa: SLF001
        assert viewer_facts.fact(carts.CART_LINES_FACT, user.id) == 1
        assert viewer_facts.fact(carts.CART_LINES_FACT, someone_id) is viewer_facts.MISSING  # another user's
        carts.add_item(user, None, other_id, 1)
        assert viewer_facts.fact(carts.CART_LINES_FACT, user.id) is viewer_facts.MISSING
        assert carts.count_lines(user, None) == 2


def test_facts_read_with_the_user_are_what_their_own_queries_read(cached_app, make_festival, make_deal,  # noqa: F811
                                                                 make_product, make_user):
    festival = make_festival()
    limited = make_deal(festival, product=make_product(price=1000, stock=50), price=700, limit=3)
    also_limited = make_deal(festival, product=make_product(price=900, stock=50), price=600, limit=2)
    saved = make_deal(festival, name="Rooibos tea")
    shopper, other = make_user(), make_user()
    db.session.add_all([DealPurchase(deal_id=limited.id, shopper_id=shopper.id, quantity=2),
                        DealPurchase(deal_id=also_limited.id, shopper_id=shopper.id, quantity=1),
                        DealPurchase(deal_id=limited.id, shopper_id=other.id, quantity=3)])
    db.session.commit()
    reminders.save_deal(shopper, saved, "en")
    reminders.save_deal(shopper, limited, "en")
    reminders.remind_festival(shopper, festival, "en")
    reminders.save_deal(other, also_limited, "en")
    carts.add_item(shopper, None, make_product(stock=5).id, 1)
    place_order(shopper, TO_KENYA, secrets.token_urlsafe(16), "en")
    carts.add_item(shopper, None, make_product(stock=5).id, 1)

    ids = limited.id, also_limited.id, saved.id, festival.id

    def answers() -> tuple:
        return (carts.count_lines(current_user, None), addresses.last_delivery_country(current_user),
                festival_pages.limited_purchases(), festival_pages.saved_deals(), festival_pages.reminded_festivals())

    app = cached_app  # limited deals are looked up for the page cache's sake
    with clock.freeze(DURING_WAVE1), app.test_request_context("/en/"):
        sign_in_as(app, shopper)
        assert viewer_facts.fact(festival_pages.LIMITED_FACT, current_user.id) is not viewer_facts.MISSING
        read_with_user = answers()
        viewer_facts.forget_facts()
        asked_one_by_one = answers()
    assert read_with_user == asked_one_by_one
    limited_id, also_limited_id, saved_id, festival_id = ids
    assert read_with_user == (1, "KE", f"{limited_id}x2,{also_limited_id}x1" if limited_id < also_limited_id
                              else f"{also_limited_id}x1,{limited_id}x2", {saved_id, limited_id}, {festival_id})


@pytest.mark.parametrize("ended", [False, True])
def test_a_user_who_left_or_was_disabled_gets_no_facts(app, make_user, ended):
    shopper = make_user()
    session_id = shopper.get_id()
    if ended:
        shopper.session_version += 1
    else:
        shopper.active = False
    db.session.commit()
    with app.test_request_context("/en/"):
        from marketplace.accounts.auth import load_user

        assert load_user(session_id) is None
        assert viewer_facts.fact(carts.CART_LINES_FACT, shopper.id) is viewer_facts.MISSING
