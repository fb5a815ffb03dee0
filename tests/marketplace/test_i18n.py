"""Locales in URLs, the language switcher, right-to-left Arabic, and text fallback."""
from __future__ import annotations

import re

import pytest

from marketplace.core.i18n import LANGUAGES, pick_translation


@pytest.mark.parametrize("header, target", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "/zh/"),
    ("fr-SN,fr;q=0.9", "/fr/"),
    ("ar-EG", "/ar/"),
    ("pt-BR;q=0.7,de;q=0.9", "/pt/"),
    ("sw-KE", "/sw/"),
    ("de-DE", "/en/"),
    ("", "/en/"),
])
def test_root_redirects_by_accept_language(client, header, target):
    response = client.get("/", headers={"Accept-Language": header} if header else {})
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("path", ["/xx/", "/EN/", "/en-us/", "/../", "/en/../etc/passwd", "/%2e%2e/", "/zz/categories/"])
def test_unknown_or_malformed_locales_are_a_plain_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_html_lang_and_direction(client, code):
    html = client.get(f"/{code}/categories/").get_data(as_text=True)
    language = LANGUAGES[code]
    assert f'<html lang="{language.html_lang}" dir="{"rtl" if code == "ar" else "ltr"}">' in html


def test_hreflang_links_and_switcher_keep_the_page_and_query(client, make_product):
    product = make_product()
    for _number in range(30):
        make_product(category=product.category, store=product.store)
    html = client.get(f"/fr/categories/{product.category.slug}?page=2").get_data(as_text=True)
    alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
    assert [tag for tag, _ in alternates] == ["en", "fr", "ar", "pt", "sw", "zh-Hans"]
    assert all(href.endswith(f"/categories/{product.category.slug}?page=2") for _, href in alternates)
    assert f'href="/ar/categories/{product.category.slug}?page=2" hreflang="ar" lang="ar"' in html
    assert '<span aria-current="true" lang="fr">Français</span>' in html


def test_pick_translation_falls_back_from_requested_to_english_to_original():
    texts = {"fr": "Beurre de karité", "en": "Shea butter", "sw": "Siagi ya shea"}
    assert pick_translation(texts, "sw", "fr") == ("sw", "Siagi ya shea")
    assert pick_translation(texts, "zh", "fr") == ("en", "Shea butter")
    assert pick_translation({"fr": "Beurre de karité", "pt": "Manteiga"}, "zh", "fr") == ("fr", "Beurre de karité")
    assert pick_translation({"en": "Shea butter", "ar": "زبدة الشيا"}, "zh", "pt") == ("en", "Shea butter")
    assert pick_translation({"ar": "زبدة الشيا"}, "zh", None) == ("ar", "زبدة الشيا")
    assert pick_translation({}, "zh", "fr") is None


def test_product_text_falls_back_and_is_marked_with_its_language(client, make_product):
    product = make_product(language="fr", texts={"fr": "Beurre de karité brut", "en": "Raw shea butter"})
    zh = client.get(f"/zh/products/{product.slug}").get_data(as_text=True)
    assert '<h1 lang="en" dir="ltr">Raw shea butter</h1>' in zh
    sw = client.get(f"/sw/products/{product.slug}", headers={"Accept-Language": "sw, fr;q=0.8"}).get_data(as_text=True)
    assert '<h1 lang="fr" dir="ltr">Beurre de karité brut</h1>' in sw
    en = client.get(f"/en/products/{product.slug}").get_data(as_text=True)
    assert "<h1>Raw shea butter</h1>" in en


def test_country_names_come_from_babel_in_each_locale(client, make_store):
    make_store(country_code="SN")
    assert "塞内加尔" in client.get("/zh/pavilions/SN").get_data(as_text=True)
    assert "السنغال" in client.get("/ar/pavilions/SN").get_data(as_text=True)
    assert "Sénégal" in client.get("/fr/pavilions/SN").get_data(as_text=True)


def test_a_form_post_reads_wtforms_messages_in_the_pages_language_from_one_catalogue_per_process(app):
    from flask import request
    from flask_wtf.i18n import _get_translations

    with app.test_request_context("/zh/checkout"):  # a page showing a form reads them too
        app.preprocess_request()
        shown = _get_translations()
        assert shown is request.wtforms_translations
        assert shown.gettext("Not a valid integer value.") == "不是有效的整数。"

    with app.test_request_context("/fr/account/login", method="POST"):
        app.preprocess_request()
        first = request.wtforms_translations
        assert first.gettext("Not a valid integer value.") == "N'est pas un entier valide."
    with app.test_request_context("/fr/cart/items", method="POST"):
        app.preprocess_request()
        assert request.wtforms_translations is first, "read from disk again"
    with app.test_request_context("/zh/cart/items", method="POST"):
        app.preprocess_request()
        assert request.wtforms_translations is shown, "read from disk again"
