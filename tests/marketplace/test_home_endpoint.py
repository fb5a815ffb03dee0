"""The home page is whatever view `HOME_ENDPOINT` names: the core links and redirects there without
knowing which feature owns it, and an application whose setting names no view refuses to start."""
from __future__ import annotations

import pytest

from config import TestingConfig
from marketplace import create_app
from tests.factories import PASSWORD


@pytest.fixture
def categories_home(make_app):
    return make_app(HOME_ENDPOINT="catalog.categories")


def test_the_campaign_home_is_the_default(app, client):
    assert app.config["HOME_ENDPOINT"] == "campaigns.home"
    assert client.get("/", headers={"Accept-Language": "sw"}).headers["Location"] == "/sw/"


def test_every_way_home_follows_the_setting(categories_home, make_user):
    client = categories_home.test_client()
    assert client.get("/", headers={"Accept-Language": "fr"}).headers["Location"] == "/fr/categories/"
    page = client.get("/ar/categories/").text
    assert '<a class="brand" href="/ar/categories/">' in page
    not_found = client.get("/pt/products/no-such-product")
    assert not_found.status_code == 404 and 'href="/pt/categories/"' in not_found.text
    chosen = client.post("/en/display-currency", data={"currency": "", "next": "https://elsewhere.example/"})
    assert chosen.headers["Location"] == "/en/categories/"  # not a foreign address, and not the campaign home
    user = make_user()
    logged_in = client.post("/en/account/login", data={"email": user.email, "password": PASSWORD})
    assert logged_in.headers["Location"] == "/en/categories/"
    assert client.post("/en/account/logout").headers["Location"] == "/en/categories/"


def test_a_home_endpoint_that_names_no_view_refuses_to_start():
    config = type("Config", (TestingConfig,), {"HOME_ENDPOINT": "campaigns.no_such_page"})
    with pytest.raises(RuntimeError, match="campaigns.no_such_page"):
        create_app(config)
