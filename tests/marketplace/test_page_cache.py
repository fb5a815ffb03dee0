"""Anonymous catalogue pages come from the page cache, fresh after every catalogue change."""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.catalog.models import ProductText
from marketplace.catalog.services import set_exchange_rate
from marketplace.core.page_cache import SESSION_LISTENERS, RedisPageStore, watch_tables
from marketplace.extensions import db
from tests.factories import PASSWORD

from .test_catalog_pages import count_queries


@pytest.fixture
def cached_app(make_app, rate_limit_storage):
    set_exchange_rate("USD", "CNY", "7.1")  # so pages carry the display-currency form and its token
    settings = {"PAGE_CACHE_SECONDS": 30, "WTF_CSRF_ENABLED": True, "PAGE_CACHE_PREFIX": f"srm:test:{uuid.uuid4().hex}:"}
    if rate_limit_storage.startswith("redis"):
        settings["REDIS_URL"] = rate_limit_storage
    app = make_app(**settings)
    assert isinstance(app.extensions["page_cache"].store, RedisPageStore) == rate_limit_storage.startswith("redis")
    return app


def placeholders_in(app, html: str) -> bool:
    return any(p in html for p in app.extensions["page_cache"].placeholders)


def test_second_visit_is_served_without_touching_the_database(cached_app, make_product):
    product = make_product(name="Baobab powder", featured=True)
    client = cached_app.test_client()
    # A new app compiles its templates on its first page, which can take more than a second on a busy
    # machine; the campaign's festival-boundary check reads the database once a second, so warm up first.
    client.get(f"/en/products/{product.slug}?warm-up")
    first = client.get(f"/en/products/{product.slug}")
    with cached_app.app_context(), count_queries() as statements:
        second = client.get(f"/en/products/{product.slug}")
    assert statements == []
    assert second.get_data(as_text=True).count("Baobab powder") == first.get_data(as_text=True).count("Baobab powder")


def test_nonce_and_csrf_token_are_fresh_on_every_response(cached_app, make_product):
    make_product(featured=True)
    pages = []
    for _ in range(2):
        response = cached_app.test_client().get("/en/")
        html = response.get_data(as_text=True)
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        assert f'nonce="{nonce}"' in html
        assert not placeholders_in(cached_app, html)
        pages.append((nonce, re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)))
    assert pages[0][0] != pages[1][0] and pages[0][1] != pages[1][1]


def test_the_cached_form_token_works_for_its_session(cached_app, make_product):
    make_product(featured=True)
    client = cached_app.test_client()
    client.get("/en/")
    html = client.get("/en/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/en/display-currency", data={"currency": "", "next": "/en/", "csrf_token": token})
    assert response.status_code == 302


def test_a_catalogue_change_shows_at_once(cached_app, make_product):
    product = make_product(name="Old name", featured=True)
    client = cached_app.test_client()
    assert "Old name" in client.get(f"/en/products/{product.slug}").get_data(as_text=True)
    with cached_app.app_context():
        text = db.session.query(ProductText).filter_by(product_id=product.id).one()
        text.name = "New name"
        db.session.commit()
    assert "New name" in client.get(f"/en/products/{product.slug}").get_data(as_text=True)


def test_logged_in_shoppers_and_flash_messages_bypass_the_cache(cached_app, make_product, make_user):
    make_product(featured=True)
    user = make_user()
    anonymous = cached_app.test_client()
    anonymous.get("/en/")
    client = cached_app.test_client()
    page = client.get("/en/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/en/account/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    home = client.get("/en/").get_data(as_text=True)
    assert "You are logged in." in home and "Log out" in home
    assert "You are logged in." not in anonymous.get("/en/").get_data(as_text=True)


def test_error_pages_are_not_cached_and_leak_no_placeholder(cached_app):
    client = cached_app.test_client()
    for _ in range(2):
        response = client.get("/en/products/no-such-product")
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert not placeholders_in(cached_app, html)


def test_a_page_kept_by_one_worker_is_served_right_by_another(make_app, make_product, rate_limit_storage):
    if not rate_limit_storage.startswith("redis"):
        pytest.skip("only a shared store spans workers")
    make_product(featured=True)
    settings = {"PAGE_CACHE_SECONDS": 30, "REDIS_URL": rate_limit_storage,
                "PAGE_CACHE_PREFIX": f"srm:test:{uuid.uuid4().hex}:"}
    worker_a, worker_b = make_app(**settings), make_app(**settings)
    worker_a.test_client().get("/en/")
    response = worker_b.test_client().get("/en/")
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in html and not placeholders_in(worker_b, html)


def header_cart_count(html: str) -> str:
    return re.search(r'<span class="cart-count">([^<]*)</span>', html).group(1)


def test_the_header_cart_count_is_each_visitors_own_on_a_cached_page(cached_app, make_product):
    from marketplace.orders import cart as carts

    product, other = make_product(featured=True), make_product(featured=True)
    with_cart, without_cart = cached_app.test_client(), cached_app.test_client()
    with cached_app.app_context():
        carts.add_item(None, "visitor-token", product.id, 1)
        carts.add_item(None, "visitor-token", other.id, 3)
    with with_cart.session_transaction() as session:
        session["cart_token"] = "visitor-token"
    # Whoever renders the page first, the kept copy shows each visitor their own cart.
    assert header_cart_count(with_cart.get("/en/").get_data(as_text=True)) == "2"
    assert header_cart_count(without_cart.get("/en/").get_data(as_text=True)) == "0"
    assert header_cart_count(with_cart.get("/en/").get_data(as_text=True)) == "2"
    html = without_cart.get(f"/en/products/{product.slug}").get_data(as_text=True)
    assert header_cart_count(html) == "0" and not any(
        marker in html for marker in cached_app.extensions["page_cache"].values)
    assert header_cart_count(with_cart.get(f"/en/products/{product.slug}").get_data(as_text=True)) == "2"


def test_two_apps_in_one_process_keep_their_own_cache_tables_and_listeners(app, make_app, make_product):
    product = make_product(name="Old name", featured=True)
    url = f"/en/products/{product.slug}"
    first, second = make_app(PAGE_CACHE_SECONDS=30), make_app(PAGE_CACHE_SECONDS=30)
    caches = first.extensions["page_cache"], second.extensions["page_cache"]
    assert caches[0] is not caches[1] and caches[0].store is not caches[1].store
    watch_tables(first, "a_table_of_the_first")
    assert "a_table_of_the_first" not in caches[1].watched
    for made in (first, second):
        assert "Old name" in made.test_client().get(url).text
    versions = [cache.version() for cache in caches]
    with first.app_context():
        db.session.query(ProductText).filter_by(product_id=product.id).one().name = "New name"
        db.session.commit()
    assert caches[0].version() != versions[0] and caches[1].version() == versions[1]
    assert "New name" in first.test_client().get(url).text
    # The second app's listeners saw no commit of its own: it still serves the page it kept.
    assert "Old name" in second.test_client().get(url).text


def test_session_listeners_are_attached_once_to_the_apps_session_never_to_the_global_class(make_app):
    """However many applications are built, one set of listeners: none is added or removed per app, so none
    can change the list while another thread's query runs through it."""
    for _ in range(3):
        make_app(PAGE_CACHE_SECONDS=30)
    for name, listener in SESSION_LISTENERS:
        assert event.contains(db.session, name, listener)
        assert not event.contains(Session, name, listener)  # not the global Session class
