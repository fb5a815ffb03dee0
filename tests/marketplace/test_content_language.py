"""Vendor texts in the reader's languages: the fallback order, the page cache per reader, and direction."""
from __future__ import annotations

import uuid

import pytest

from marketplace.core.i18n import pick_translation, reading_order

ARABIC = "صندوق مجوهرات من خشب العرعار"


def test_reading_order_is_the_page_language_then_the_supported_accept_languages_by_quality():
    accept = [("fr", 0.8), ("sw", 1.0), ("de", 0.9), ("en-GB", 0.5), ("zh-CN", 0), ("FR-ca", 0.7)]
    assert reading_order("sw", accept) == ("sw", "fr", "en")
    assert reading_order("zh", []) == ("zh",)


def test_a_swahili_reader_gets_the_next_accepted_language_then_english_before_the_original():
    texts = {"ar": ARABIC, "fr": "Coffret à bijoux", "en": "Jewellery box"}
    assert pick_translation(texts, reading_order("sw", [("sw", 1), ("fr", 0.8)]), "ar") == ("fr", "Coffret à bijoux")
    assert pick_translation(texts, ("sw",), "ar") == ("en", "Jewellery box")
    assert pick_translation({"ar": ARABIC}, ("sw", "fr"), "ar") == ("ar", ARABIC)


def test_product_page_and_cards_follow_the_readers_accept_language(client, make_product):
    product = make_product(language="ar", texts={"ar": ARABIC, "fr": "Coffret à bijoux", "en": "Jewellery box"},
                           featured=True)
    french_too = client.get(f"/sw/products/{product.slug}", headers={"Accept-Language": "sw, fr;q=0.8"})
    assert '<h1 lang="fr" dir="ltr">Coffret à bijoux</h1>' in french_too.get_data(as_text=True)
    swahili_only = client.get(f"/sw/products/{product.slug}", headers={"Accept-Language": "sw"})
    assert '<h1 lang="en" dir="ltr">Jewellery box</h1>' in swahili_only.get_data(as_text=True)
    card = client.get(f"/sw/categories/{product.category.slug}", headers={"Accept-Language": "sw, fr;q=0.8"})
    assert '<span class="name" lang="fr" dir="ltr">Coffret à bijoux</span>' in card.get_data(as_text=True)


def test_search_results_and_api_follow_the_same_order(client, make_product, app):
    from marketplace.search.services import reindex_products

    product = make_product(language="ar", texts={"ar": ARABIC, "fr": "Coffret à bijoux", "en": "Jewellery box"})
    reindex_products([product.id])
    page = client.get("/sw/search?q=bijoux", headers={"Accept-Language": "sw, fr;q=0.8"}).get_data(as_text=True)
    assert '<span class="name" lang="fr" dir="ltr">Coffret à bijoux</span>' in page
    found = client.get("/api/v1/search?q=bijoux&lang=sw", headers={"Accept-Language": "sw"}).get_json()
    assert [(i["name"], i["name_language"]) for i in found["items"]] == [("Jewellery box", "en")]


@pytest.fixture
def cached_client(make_app, rate_limit_storage):
    settings = {"PAGE_CACHE_SECONDS": 30, "PAGE_CACHE_PREFIX": f"srm:test:{uuid.uuid4().hex}:"}
    if rate_limit_storage.startswith("redis"):
        settings["REDIS_URL"] = rate_limit_storage
    return make_app(**settings).test_client


def test_the_page_cache_keeps_each_readers_fallback(cached_client, make_product):
    product = make_product(language="ar", texts={"ar": ARABIC, "fr": "Coffret à bijoux", "en": "Jewellery box"})
    url = f"/sw/products/{product.slug}"
    french = cached_client().get(url, headers={"Accept-Language": "sw, fr;q=0.8"}).get_data(as_text=True)
    english = cached_client().get(url, headers={"Accept-Language": "sw"}).get_data(as_text=True)
    again = cached_client().get(url, headers={"Accept-Language": "sw,fr;q=0.8"})
    assert "Coffret à bijoux</h1>" in french and "Jewellery box" not in french
    assert "Jewellery box</h1>" in english and "Coffret à bijoux" not in english
    assert "Coffret à bijoux</h1>" in again.get_data(as_text=True)
    assert "Accept-Language" in again.headers["Vary"]


def test_arabic_vendor_text_in_an_english_page_carries_its_direction(client, make_product, make_store):
    store = make_store(name="متجر الأطلس", language="ar")
    product = make_product(store=store, language="ar", texts={"ar": ARABIC}, featured=True)
    page = client.get(f"/en/products/{product.slug}").get_data(as_text=True)
    assert f'<h1 lang="ar" dir="rtl">{ARABIC}</h1>' in page
    assert '<div class="description" lang="ar" dir="rtl">' in page
    assert 'dir="auto">متجر الأطلس</a>' in page
    listing = client.get(f"/en/categories/{product.category.slug}").get_data(as_text=True)
    assert f'<span class="name" lang="ar" dir="rtl">{ARABIC}</span>' in listing
    assert "<bdi>متجر الأطلس</bdi>" in listing
    store_page = client.get(f"/en/stores/{store.slug}").get_data(as_text=True)
    assert '<p class="lead" lang="ar" dir="rtl">' in store_page
    # Inside an Arabic page, the Latin text of a French store runs left to right.
    french = make_product(language="fr", texts={"fr": "Beurre de karité"})
    assert '<h1 lang="fr" dir="ltr">Beurre de karité</h1>' in client.get(f"/ar/products/{french.slug}").get_data(as_text=True)


@pytest.mark.parametrize(("path", "method", "status", "title", "html_lang"), [
    ("/fr/unknown", "get", 404, "Page introuvable", "fr"),
    ("/fr/no-such-page/deeper", "get", 404, "Page introuvable", "fr"),
    ("/zh/products/nope", "get", 404, "找不到页面", "zh-Hans"),
    ("/ar/no-such-page", "get", 404, "الصفحة غير موجودة", "ar"),
    ("/fr/categories/", "post", 405, "Méthode non autorisée", "fr"),
])
def test_error_pages_are_in_the_language_of_the_path(client, path, method, status, title, html_lang):
    response = getattr(client, method)(path, headers={"Accept-Language": "en"})
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert title in page and f'<html lang="{html_lang}"' in page


def test_an_unknown_path_outside_a_locale_follows_the_browser(client):
    page = client.get("/no-such-page", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Page introuvable" in page
