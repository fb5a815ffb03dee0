"""Every route × every kind of visitor, checked against an allow-list.

A new route that is not listed here fails `test_every_route_has_a_rule`: whoever adds a route
must decide who may reach it.
"""
from __future__ import annotations

import pytest

from marketplace.accounts.models import Role

ANON, SHOPPER, VENDOR, STAFF = "anonymous", "shopper", "vendor", "staff"
ROLES = (ANON, SHOPPER, VENDOR, STAFF)
PUBLIC = {role: 200 for role in ROLES}
SIGNED_IN = {ANON: "login", SHOPPER: 200, VENDOR: 200, STAFF: 200}
GUESTS_ONLY = {ANON: 200, SHOPPER: 302, VENDOR: 302, STAFF: 302}
POST_ONLY = {role: 405 for role in ROLES}
VENDOR_ONLY = {ANON: "login", SHOPPER: 403, VENDOR: 200, STAFF: 403}
STAFF_ONLY = {ANON: "login", SHOPPER: 403, VENDOR: 403, STAFF: 200}

# endpoint -> (GET URL built from the fixture world, expected status per visitor)
RULES: dict[str, tuple[str, dict]] = {
    "core.root": ("/", {role: 302 for role in ROLES}),
    "core.health": ("/healthz", PUBLIC),
    "core.set_display_currency": ("/en/display-currency", POST_ONLY),
    "static": ("/static/css/site.css", PUBLIC),
    "assets.serve": ("{asset}", PUBLIC),
    "media.serve": ("{media}", PUBLIC),
    "accounts.signup": ("/{lang}/account/signup", GUESTS_ONLY),
    "accounts.login": ("/{lang}/account/login", GUESTS_ONLY),
    "accounts.logout": ("/{lang}/account/logout", POST_ONLY),
    "accounts.overview": ("/{lang}/account/", SIGNED_IN),
    "campaigns.home": ("/{lang}/", PUBLIC),
    "campaigns.pavilions": ("/{lang}/pavilions/", PUBLIC),
    "campaigns.pavilion": ("/{lang}/pavilions/{country}", PUBLIC),
    "catalog.categories": ("/{lang}/categories/", PUBLIC),
    "catalog.category": ("/{lang}/categories/{category}", PUBLIC),
    "catalog.store": ("/{lang}/stores/{store}", PUBLIC),
    "catalog.product": ("/{lang}/products/{product}", PUBLIC),
    "vendors.join": ("/{lang}/vendor/join", {ANON: 200, SHOPPER: 200, VENDOR: 302, STAFF: 200}),
    "vendors.application": ("/{lang}/vendor/application", VENDOR_ONLY),
    "vendors.step": ("/{lang}/vendor/onboarding/profile", VENDOR_ONLY),
    "staff_review.vendor_queue": ("/{lang}/staff/vendors/", STAFF_ONLY),
    "staff_review.vendor_detail": ("/{lang}/staff/vendors/{store_id}", STAFF_ONLY),
    "staff_review.vendor_document": ("/{lang}/staff/vendors/{store_id}/documents/{document_id}", STAFF_ONLY),
    "staff_review.decide_vendor": ("/{lang}/staff/vendors/{store_id}/approve", POST_ONLY),
    "staff_review.vendor_campaign": ("/{lang}/staff/vendors/{store_id}/campaign", POST_ONLY),
    "staff_review.product_queue": ("/{lang}/staff/products/", STAFF_ONLY),
    "staff_review.decide_product": ("/{lang}/staff/products/{product_id}/approve", POST_ONLY),
    "staff_review.product_campaign": ("/{lang}/staff/products/{product_id}/campaign", POST_ONLY),
}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - RULES.keys() == set(), "routes without an access rule"
    assert RULES.keys() - endpoints == set(), "rules for routes that no longer exist"


@pytest.fixture
def world(app, make_product, make_user):
    from marketplace.core.assets import asset_url

    product = make_product(name="Kente stole")
    with app.test_request_context():
        asset = asset_url("css/site.css")
    from marketplace.media import get_image_store
    from marketplace.media.artwork import draw_product_artwork
    from marketplace.media.pipeline import renditions, store_renditions

    processed = renditions(draw_product_artwork(1, 1, size=300))
    store_renditions(processed, get_image_store())
    users = {role: make_user(role=Role(role)) for role in (SHOPPER, VENDOR, STAFF)}
    from marketplace.extensions import db
    from marketplace.vendors.documents import check_document, store_document
    from marketplace.vendors.models import StoreDocument

    pdf = check_document(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "certificate.pdf")
    document = StoreDocument(store=product.store, filename=pdf.filename, content_type=pdf.content_type,
                             size=len(pdf.data), storage_key=store_document(pdf))
    db.session.add(document)
    db.session.commit()
    return {
        "store_id": product.store.id,
        "product_id": product.id,
        "document_id": document.id,
        "asset": asset,
        "media": f"/media/{next(iter(processed.files))}",
        "country": product.store.country_code,
        "category": product.category.slug,
        "store": product.store.slug,
        "product": product.slug,
        "users": users,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(RULES))
def test_access(client, login, world, endpoint, role):
    template, expected = RULES[endpoint]
    if role != ANON:
        login(world["users"][role])
    url = template.format(lang="fr", **{k: v for k, v in world.items() if k != "users"})
    response = client.get(url)
    want = expected[role]
    if want == "login":
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]
    else:
        assert response.status_code == want, f"{endpoint} as {role}: {url}"
