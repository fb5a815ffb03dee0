"""The search page (six locales, RTL, GET filters, no JavaScript needed) and the JSON API v1."""
from __future__ import annotations

import re

import pytest

from marketplace.search import get_search_index
from marketplace.search.services import reindex_products


@pytest.fixture
def catalogue(app, make_product, make_store, make_category):
    get_search_index().rebuild(iter(()))
    kenya = make_store(country_code="KE", language="sw")
    coffee = make_category(slug="coffee")
    products = [
        make_product(name="Baobab powder", price=1200, currency="USD"),
        make_product(name="Kahawa ya Kenya", store=kenya, category=coffee, language="sw", price=900, currency="USD"),
        make_product(name="Kenya coffee beans", store=kenya, category=coffee, price=2400, currency="USD"),
    ]
    reindex_products([p.id for p in products])
    yield products
    get_search_index().rebuild(iter(()))


@pytest.mark.parametrize("lang", ["en", "fr", "ar", "pt", "sw", "zh"])
def test_the_search_page_in_every_locale(client, catalogue, lang):
    page = client.get(f"/{lang}/search?q=coffee")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Kahawa ya Kenya" in html and "Kenya coffee beans" in html and "Baobab powder" not in html
    assert ('dir="rtl"' in html) == (lang == "ar")
    assert 'method="get"' in html


def test_filters_sort_and_facets_work_as_a_plain_get_form(client, catalogue):
    html = client.get("/en/search?q=coffee&country=KE&sort=-price&max_price=20").get_data(as_text=True)
    assert "Kahawa ya Kenya" in html and "Kenya coffee beans" not in html
    assert "/en/search?q=coffee&amp;country=KE" in html or "country=KE" in html


def test_header_search_box_and_highlighted_snippet(client, catalogue):
    home = client.get("/en/categories/").get_data(as_text=True)
    assert 'action="/en/search"' in home
    html = client.get("/en/search?q=baobab").get_data(as_text=True)
    assert "About <mark>Baobab</mark> powder." in html


def test_did_you_mean_and_empty_query(client, catalogue):
    html = client.get("/en/search?q=cofee").get_data(as_text=True)
    assert "Kenya coffee beans" in html
    assert re.search(r'(Showing results for|Did you mean) <a href="[^"]*q=coffee[^"]*">coffee</a>[.?]', html)
    assert "3 products" in client.get("/en/search?q=").get_data(as_text=True)


def test_bad_filters_show_messages_and_pages_past_the_end_are_404(client, catalogue):
    page = client.get("/en/search?q=coffee&min_price=cheap")
    assert page.status_code == 200 and "US dollars" in page.get_data(as_text=True)
    assert client.get("/en/search?q=coffee&page=5").status_code == 404


def test_api_search_returns_items_total_facets_and_suggestion(client, catalogue):
    body = client.get("/api/v1/search?q=kahawa&lang=zh&sort=price").get_json()
    assert body["total"] == 2  # "kahawa" is the glossary's coffee: the English text matches too
    item = body["items"][0]
    assert item["name"] == "Kahawa ya Kenya" and item["country"]["code"] == "KE"
    assert item["price"] == {"amount": 900, "currency": "USD", "formatted": "US$9.00"}  # minor units since 1.1
    assert set(item) >= {"id", "slug", "name", "store", "country", "price", "image"}
    assert {f["value"]: f["count"] for f in body["facets"]["country"]} == {"KE": 2}
    assert body["suggestion"] is None
    assert client.get("/api/v1/search?q=cofee&lang=en").get_json()["suggestion"] == "coffee"


def test_api_errors_are_json_with_fields(client, catalogue):
    response = client.get("/api/v1/search?q=x&lang=xx&min_price=-3")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and "lang" in error["fields"]
    response = client.get("/api/v1/search?q=x&page=9")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.post("/api/v1/search").status_code == 405


def test_suggest_completes_in_the_shoppers_language(client, catalogue):
    body = client.get("/api/v1/search/suggest?q=caf&lang=fr").get_json()
    assert "café" in body["suggestions"]
    assert client.get("/api/v1/search/suggest?q=&lang=fr").get_json()["suggestions"] == []


def test_openapi_document_describes_the_search_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/search", "/search/suggest"} <= set(document["paths"])


def test_only_a_get_only_api_blueprint_is_csrf_exempt(app):
    from flask import Blueprint, Flask

    from marketplace.api.edge import exempt_read_only_blueprint

    other = Flask("other")
    writes = Blueprint("writes", __name__)
    writes.add_url_rule("/x", "x", lambda: "", methods=["POST"])
    other.register_blueprint(writes)
    with pytest.raises(RuntimeError):
        exempt_read_only_blueprint(other, writes)
