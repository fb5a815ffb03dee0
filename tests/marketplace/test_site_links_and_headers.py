"""Absolute links from SITE_URL, the content security policy, and a log line for every refusal."""
from __future__ import annotations

import logging
import re

import pytest

from config import ProductionConfig
from marketplace.accounts.models import Role
from tests.marketplace.test_access_matrix import STAFF, visitor, world  # noqa: F401


def hreflang_links(page: str) -> list[str]:
    return re.findall(r'<link rel="alternate" hreflang="[^"]+" href="([^"]+)">', page)


def test_hreflang_links_use_site_url_not_the_host_header(make_app):
    client = make_app(SITE_URL="https://shop.example.org").test_client()
    page = client.get("/fr/categories/", headers={"Host": "attacker.example"}).get_data(as_text=True)
    links = hreflang_links(page)
    assert len(links) == 6
    assert all(link.startswith("https://shop.example.org/") for link in links), links
    assert "https://shop.example.org/zh/categories/" in links


def test_without_site_url_development_links_follow_the_request(client):
    links = hreflang_links(client.get("/fr/categories/", headers={"Host": "localhost:5000"}).get_data(as_text=True))
    assert "http://localhost:5000/ar/categories/" in links


def test_production_requires_site_url(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "s" * 32)
    monkeypatch.setattr(ProductionConfig, "SITE_URL", None)
    with pytest.raises(RuntimeError, match="SITE_URL"):
        ProductionConfig()
    monkeypatch.setattr(ProductionConfig, "SITE_URL", "https://shop.example.org")
    assert ProductionConfig().SITE_URL == "https://shop.example.org"


def test_pages_forbid_a_base_element(client):
    policy = client.get("/en/").headers["Content-Security-Policy"]
    assert "base-uri 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_a_verification_document_keeps_its_sandbox_policy(app_session, world):  # noqa: F811 - the matrix's fixture
    client = visitor(app_session, world, STAFF)
    response = client.get(f"/en/staff/vendors/{world['store_id']}/documents/{world['document_id']}")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Content-Disposition"].startswith("attachment")


@pytest.fixture
def caplog(app, caplog):
    """Records of the app's logger, wherever other tests left its propagation."""
    disabled, app.logger.disabled = app.logger.disabled, False  # alembic's fileConfig disables existing loggers
    app.logger.addHandler(caplog.handler)
    yield caplog
    app.logger.removeHandler(caplog.handler)
    app.logger.disabled = disabled


def refusals(caplog) -> list[str]:
    return sorted({r.getMessage() for r in caplog.records if r.getMessage().startswith("authorisation refused")})


def test_authorisation_failures_are_logged_with_user_and_route(client, login, make_user, make_product, caplog):
    shopper = make_user(role=Role.SHOPPER)
    other_vendor = make_user(role=Role.VENDOR)
    product = make_product(name="Kente stole")  # another vendor's product
    caplog.set_level(logging.WARNING, logger="marketplace")
    login(shopper)
    assert client.get("/en/staff/vendors/").status_code == 403
    login(other_vendor)
    assert client.get(f"/en/vendor/products/{product.id}").status_code == 404
    assert client.get("/en/orders/NOSUCHORDER").status_code == 404
    lines = refusals(caplog)
    assert (f"authorisation refused: status=403 user={shopper.id} endpoint=staff_review.vendor_queue method=GET "
            "path=/en/staff/vendors/") in lines
    assert (f"status=404 user={other_vendor.id} endpoint=vendor_products.edit method=GET "
            f"path=/en/vendor/products/{product.id}") in " ".join(lines)
    assert any(f"user={other_vendor.id} endpoint=orders.order_detail" in line for line in lines)


def test_unknown_addresses_and_anonymous_misses_are_not_logged_as_refusals(client, caplog):
    caplog.set_level(logging.WARNING, logger="marketplace")
    assert client.get("/en/no-such-page").status_code == 404
    assert client.get("/en/products/no-such-product").status_code == 404
    assert refusals(caplog) == []


def test_a_logged_path_cannot_forge_log_lines(client, login, make_user, caplog):
    shopper = make_user(role=Role.SHOPPER)
    caplog.set_level(logging.WARNING, logger="marketplace")
    login(shopper)
    assert client.get("/en/vendor/festivals/x%0Aauthorisation%20granted/enter").status_code == 403
    [line] = refusals(caplog)  # once, however many handlers saw it
    assert "\n" not in line
    assert "path=/en/vendor/festivals/x\\nauthorisation granted/enter" in line
