"""The browsable catalogue: every page in every locale, visibility, prices, pagination, queries."""
from __future__ import annotations

import contextlib
import re

import pytest
from sqlalchemy import event

from marketplace.catalog.models import ProductStatus
from marketplace.catalog.services import set_exchange_rate
from marketplace.core.i18n import LANGUAGES
from marketplace.extensions import db
from marketplace.vendors.models import StoreStatus

PAGES = ["home", "pavilions", "pavilion", "categories", "category", "store", "product"]


@pytest.fixture
def shop(make_product, make_category, make_store):
    coffee = make_category("coffee", {"en": "Coffee", "fr": "Café", "ar": "قهوة", "pt": "Café", "sw": "Kahawa", "zh": "咖啡"})
    store = make_store(name="Sidama Coffee Farmers", country_code="ET", is_campaign=True, featured=True)
    product = make_product(
        store=store, category=coffee, price=450000, currency="ETB", featured=True, is_campaign=True,
        texts={"en": "Yirgacheffe washed coffee", "zh": "耶加雪菲水洗咖啡"},
    )
    return {"store": store, "product": product, "category": coffee}


def url(page: str, lang: str, shop) -> str:
    return {
        "home": f"/{lang}/",
        "pavilions": f"/{lang}/pavilions/",
        "pavilion": f"/{lang}/pavilions/ET",
        "categories": f"/{lang}/categories/",
        "category": f"/{lang}/categories/coffee",
        "store": f"/{lang}/stores/{shop['store'].slug}",
        "product": f"/{lang}/products/{shop['product'].slug}",
    }[page]


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_every_locale(client, shop, page, lang):
    response = client.get(url(page, lang, shop))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'lang="{LANGUAGES[lang].html_lang}"' in html
    if page != "pavilions":
        expected = "耶加雪菲水洗咖啡" if lang == "zh" else "Yirgacheffe washed coffee"
        if page in ("categories",):
            expected = {"en": "Coffee", "fr": "Café", "ar": "قهوة", "pt": "Café", "sw": "Kahawa", "zh": "咖啡"}[lang]
        assert expected in html
    assert "<script>" not in html, "no inline script"


def test_home_shows_campaign_progress(client, shop, make_store, make_product):
    make_store(is_campaign=False)
    make_product(store=shop["store"], is_campaign=True)
    make_product(store=shop["store"], is_campaign=True, status=ProductStatus.DRAFT)
    html = client.get("/en/").get_data(as_text=True)
    assert re.search(r"<strong>1</strong> / 100 campaign stores", html)
    assert re.search(r"<strong>2</strong> / 1,000 campaign products", html)


def test_only_published_products_of_approved_stores_are_shown(client, make_product, make_store, shop):
    draft = make_product(name="Hidden draft", category=shop["category"], status=ProductStatus.DRAFT)
    suspended_store = make_store(status=StoreStatus.SUSPENDED)
    hidden = make_product(name="Suspended store item", store=suspended_store, category=shop["category"])
    assert client.get(f"/en/products/{draft.slug}").status_code == 404
    assert client.get(f"/en/products/{hidden.slug}").status_code == 404
    assert client.get(f"/en/stores/{suspended_store.slug}").status_code == 404
    listing = client.get("/en/categories/coffee").get_data(as_text=True)
    assert "Hidden draft" not in listing and "Suspended store item" not in listing


def test_pagination(client, shop, make_product):
    for _ in range(30):
        make_product(store=shop["store"], category=shop["category"])
    first = client.get("/en/categories/coffee").get_data(as_text=True)
    assert first.count('class="card"') == 24
    assert "Page 1 of 2" in first
    second = client.get("/en/categories/coffee?page=2").get_data(as_text=True)
    assert second.count('class="card"') == 7
    assert client.get("/en/categories/coffee?page=3").status_code == 404
    assert client.get("/en/categories/coffee?page=abc").status_code == 200


def test_prices_in_the_shoppers_locale_and_approximate_display_currency(client, make_product, shop):
    product = make_product(name="Bogolan cloth", price=15000, currency="XOF")
    assert "15\u202f000\u00a0F\u202fCFA" in client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    set_exchange_rate("USD", "XOF", "600")
    set_exchange_rate("USD", "CNY", "7.1")
    client.post("/fr/display-currency", data={"currency": "CNY", "next": "/fr/"})
    html = client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    assert "≈ 177,50\u00a0CNY" in html  # 15,000 XOF / 600 × 7.1
    assert "approximati" in html.lower() or "approximate" in html.lower()
    client.post("/fr/display-currency", data={"currency": "", "next": "/fr/"})
    html = client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    assert 'class="approx' not in html and "15\u202f000\u00a0F\u202fCFA" in html  # the seller's own price


def test_unknown_display_currency_is_ignored(client, shop):
    client.post("/en/display-currency", data={"currency": "<script>", "next": "https://evil.example/"})
    with client.session_transaction() as session:
        assert "display_currency" not in session


@contextlib.contextmanager
def count_queries():
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("page", ["home", "pavilion", "category", "store", "product"])
def test_query_count_does_not_grow_with_the_page(client, shop, make_product, make_store, page):
    """No N+1: a page with many products runs as many queries as a page with one."""
    set_exchange_rate("USD", "ETB", "150")
    client.post("/en/display-currency", data={"currency": "USD"})
    address = url(page, "en", shop)
    client.get(address)  # warm caches of the first request
    with count_queries() as few:
        assert client.get(address).status_code == 200
    for number in range(20):
        store = make_store(country_code="ET", featured=True) if number % 5 == 0 else shop["store"]
        make_product(store=store, category=shop["category"], featured=True,
                     texts={"en": f"Coffee {number}", "fr": f"Café {number}"})
    with count_queries() as many:
        assert client.get(address).status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_security_headers_and_csp_nonce(client, shop):
    response = client.get("/en/")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all(f'nonce="{nonce}"' in tag and "src=" in tag for tag in scripts)
    assert client.get("/en/").headers["Content-Security-Policy"] != csp, "a fresh nonce per response"
    assert "Strict-Transport-Security" not in response.headers  # testing/development


def test_hsts_outside_development(make_app):
    response = make_app(HSTS=True).test_client().get("/healthz")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_fingerprinted_assets_are_cached_for_a_year_and_gzipped(client, app):
    html = client.get("/en/categories/").get_data(as_text=True)
    css = re.search(r'href="(/assets/css/site\.[0-9a-f]{12}\.css)"', html).group(1)
    plain = client.get(css)
    assert plain.status_code == 200 and plain.mimetype == "text/css"
    assert "immutable" in plain.headers["Cache-Control"] and "max-age=31536000" in plain.headers["Cache-Control"]
    zipped = client.get(css, headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert len(zipped.data) < len(plain.data) / 2
    assert client.get("/assets/css/site.000000000000.css").status_code == 404


def test_pages_are_gzipped_for_clients_that_accept_it(client, shop):
    response = client.get("/en/pavilions/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]


def test_home_page_first_load_is_small(client, shop, make_product):
    """HTML + CSS + JS of the home page under 60 KB uncompressed, with a full set of featured items."""
    for number in range(30):
        make_product(store=shop["store"], category=shop["category"], featured=True,
                     texts={"en": f"Hand-woven kente stole number {number}"})
    html = client.get("/en/").get_data()
    assets = re.findall(rb'(?:href|src)="(/assets/[^"]+\.(?:css|js))"', html)
    total = len(html) + sum(len(client.get(a.decode()).data) for a in assets)
    assert len(assets) == 2
    assert total < 60 * 1024, total


def test_product_images_have_size_and_lazy_loading(client, app, make_product):
    from marketplace.catalog.models import ProductImage
    from marketplace.media import get_image_store
    from marketplace.media.artwork import draw_product_artwork
    from marketplace.media.pipeline import renditions, store_renditions

    processed = renditions(draw_product_artwork(7, 2))
    store_renditions(processed, get_image_store())
    product = make_product(featured=True)
    db.session.add(ProductImage(product=product, key=processed.key, width=processed.width, height=processed.height,
                                rendition_widths=",".join(map(str, processed.widths)),
                                fallback_width=processed.fallback_width))
    db.session.commit()
    html = client.get("/en/").get_data(as_text=True)
    img = re.search(r"<img [^>]*>", html).group(0)
    assert 'width="480" height="480"' in img and 'loading="lazy"' in img
    srcset = re.search(r'srcset="([^"]+)"', html).group(1)
    first = srcset.split(",")[0].split()[0]
    response = client.get(first)
    assert response.status_code == 200 and response.mimetype == "image/webp"
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/media/..%2Fsecret_key").status_code == 404
    assert client.get("/media/" + "0" * 32 + "-240.webp").status_code == 404
