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
    "search.results": ("/{lang}/search?q=kente", PUBLIC),
    "api.search_endpoint": ("/api/v1/search?q=kente&lang={lang}", PUBLIC),
    "api.suggest_endpoint": ("/api/v1/search/suggest?q=ke&lang={lang}", PUBLIC),
    "api.openapi_document": ("/api/v1/openapi.json", PUBLIC),
    # Bearer-token resources ignore the session cookie: without a token everyone gets 401.
    "api_tokens.create_token": ("/api/v1/auth/token", POST_ONLY),
    "api_tokens.delete_token": ("/api/v1/auth/token", POST_ONLY),
    "api_tokens.list_products": ("/api/v1/vendor/products", {role: 401 for role in ROLES}),
    "api_tokens.create_product": ("/api/v1/vendor/products", {role: 401 for role in ROLES}),
    "api_tokens.get_product": ("/api/v1/vendor/products/{own_product_id}", {role: 401 for role in ROLES}),
    "api_tokens.update_product": ("/api/v1/vendor/products/{own_product_id}", {role: 401 for role in ROLES}),
    "api_tokens.change_state": ("/api/v1/vendor/products/{own_product_id}/publish", POST_ONLY),
    "api_tokens.upload_photos": ("/api/v1/vendor/products/{own_product_id}/photos", POST_ONLY),
    # The shop API: bearer-only too (401 without a token, cookie or not); sign-up and checkout are POST.
    "api_shop.register": ("/api/v1/auth/register", POST_ONLY),
    "api_shop.cart": ("/api/v1/cart/items", {role: 401 for role in ROLES}),
    "api_shop.add_to_cart": ("/api/v1/cart/items", {role: 401 for role in ROLES}),
    "api_shop.update_cart_item": ("/api/v1/cart/items/{product_id}", POST_ONLY),
    "api_shop.remove_cart_item": ("/api/v1/cart/items/{product_id}", POST_ONLY),
    "api_shop.checkout": ("/api/v1/checkout", POST_ONLY),
    "api_shop.list_orders": ("/api/v1/orders", {role: 401 for role in ROLES}),
    "api_shop.order_detail": ("/api/v1/orders/NOSUCHORDR", {role: 401 for role in ROLES}),
    "api_shop.cancel_order": ("/api/v1/orders/NOSUCHORDR/cancel", POST_ONLY),
    "vendors.join": ("/{lang}/vendor/join", {ANON: 200, SHOPPER: 200, VENDOR: 302, STAFF: 200}),
    "vendors.application": ("/{lang}/vendor/application", VENDOR_ONLY),
    "vendors.step": ("/{lang}/vendor/onboarding/profile", VENDOR_ONLY),
    "staff_home.home": ("/{lang}/staff/", STAFF_ONLY),
    "staff_review.vendor_queue": ("/{lang}/staff/vendors/", STAFF_ONLY),
    "staff_review.vendor_detail": ("/{lang}/staff/vendors/{store_id}", STAFF_ONLY),
    "staff_review.vendor_document": ("/{lang}/staff/vendors/{store_id}/documents/{document_id}", STAFF_ONLY),
    "staff_review.decide_vendor": ("/{lang}/staff/vendors/{store_id}/approve", POST_ONLY),
    "staff_review.vendor_campaign": ("/{lang}/staff/vendors/{store_id}/campaign", POST_ONLY),
    "staff_review.product_queue": ("/{lang}/staff/products/", STAFF_ONLY),
    "staff_review.decide_product": ("/{lang}/staff/products/{product_id}/approve", POST_ONLY),
    "staff_review.product_campaign": ("/{lang}/staff/products/{product_id}/campaign", POST_ONLY),
    "vendor_products.index": ("/{lang}/vendor/products/", VENDOR_ONLY),
    "vendor_products.new": ("/{lang}/vendor/products/new", VENDOR_ONLY),
    "vendor_products.edit": ("/{lang}/vendor/products/{own_product_id}", VENDOR_ONLY),
    "vendor_products.publish": ("/{lang}/vendor/products/{own_product_id}/publish", POST_ONLY),
    "vendor_products.unpublish": ("/{lang}/vendor/products/{own_product_id}/unpublish", POST_ONLY),
    "vendor_products.duplicate": ("/{lang}/vendor/products/{own_product_id}/duplicate", POST_ONLY),
    "vendor_products.photos_page": ("/{lang}/vendor/products/{own_product_id}/photos", VENDOR_ONLY),
    "vendor_products.move_photo": ("/{lang}/vendor/products/{own_product_id}/photos/{own_photo_id}/move", POST_ONLY),
    "vendor_products.cover_photo": ("/{lang}/vendor/products/{own_product_id}/photos/{own_photo_id}/cover", POST_ONLY),
    "vendor_products.delete_photo": ("/{lang}/vendor/products/{own_product_id}/photos/{own_photo_id}/delete",
                                     POST_ONLY),
    "vendor_products.bulk_update": ("/{lang}/vendor/products/bulk-update", VENDOR_ONLY),
    "vendor_products.export_csv": ("/{lang}/vendor/products/export.csv", VENDOR_ONLY),
    "festivals.index": ("/{lang}/festivals/", PUBLIC),
    "festivals.landing": ("/{lang}/festivals/{festival}", PUBLIC),
    "festivals.remind": ("/{lang}/festivals/{festival}/remind", POST_ONLY),
    "festivals.save": ("/{lang}/festivals/deals/{deal_id}/save", POST_ONLY),
    # A visitor's remind/save intent after log-in; a token that is not ours is refused with a message.
    "festivals.resume": ("/{lang}/festivals/continue/not-a-token",
                         {ANON: "login", SHOPPER: 302, VENDOR: 302, STAFF: 302}),
    "festivals.set_time_zone": ("/{lang}/festivals/settings/time-zone", POST_ONLY),
    "festival_staff.calendar": ("/{lang}/staff/festivals/", STAFF_ONLY),
    "festival_staff.new": ("/{lang}/staff/festivals/new", STAFF_ONLY),
    "festival_staff.edit": ("/{lang}/staff/festivals/{festival_id}/edit", STAFF_ONLY),
    "festival_staff.entries_page": ("/{lang}/staff/festivals/{festival_id}", STAFF_ONLY),
    "festival_staff.pause_or_resume": ("/{lang}/staff/festivals/{festival_id}/pause", POST_ONLY),
    "festival_staff.extend": ("/{lang}/staff/festivals/{festival_id}/extend", POST_ONLY),
    "festival_staff.decide_deal": ("/{lang}/staff/festivals/deals/{deal_id}/approve", POST_ONLY),
    "lectures.index": ("/{lang}/lectures/", PUBLIC),
    "lectures.detail": ("/{lang}/lectures/{lecture_id}", PUBLIC),
    # Only for the visitor's own registration: signed-in visitors without one get 404.
    "lectures.calendar_file": ("/{lang}/lectures/{lecture_id}/calendar.ics", {ANON: "login", SHOPPER: 404,
                                                                              VENDOR: 404, STAFF: 404}),
    "lectures.register": ("/{lang}/lectures/{lecture_id}/register", POST_ONLY),
    "lectures.confirm": ("/{lang}/lectures/{lecture_id}/confirm", POST_ONLY),
    "lectures.cancel": ("/{lang}/lectures/{lecture_id}/cancel", POST_ONLY),
    # Signed links from e-mails: no log-in needed, and a token that is not ours is refused for everyone.
    "lectures.remove": ("/{lang}/lectures/remove/not-a-token", {role: 400 for role in ROLES}),
    "lectures.join": ("/{lang}/lectures/{lecture_id}/join?t=not-a-token", {role: 403 for role in ROLES}),
    # The lectures API: reading is public; registration is bearer-only (401 without a token, cookie or not).
    "lectures_api.list_lectures": ("/api/v1/lectures", PUBLIC),
    "lectures_api.lecture_detail": ("/api/v1/lectures/{lecture_id}", PUBLIC),
    "lectures_api.register": ("/api/v1/lectures/{lecture_id}/registration", POST_ONLY),
    "lectures_api.cancel": ("/api/v1/lectures/{lecture_id}/registration", POST_ONLY),
    "lecture_staff.index": ("/{lang}/staff/lectures/", STAFF_ONLY),
    "lecture_staff.new": ("/{lang}/staff/lectures/new", STAFF_ONLY),
    "lecture_staff.edit": ("/{lang}/staff/lectures/{lecture_id}/edit", STAFF_ONLY),
    "lecture_staff.move": ("/{lang}/staff/lectures/{lecture_id}/move", STAFF_ONLY),
    "lecture_staff.cancel": ("/{lang}/staff/lectures/{lecture_id}/cancel", POST_ONLY),
    "lecture_staff.new_series": ("/{lang}/staff/lectures/series/new", STAFF_ONLY),
    "lecture_staff.edit_series": ("/{lang}/staff/lectures/series/{lecture_series_id}", STAFF_ONLY),
    "festival_vendor.index": ("/{lang}/vendor/festivals/", VENDOR_ONLY),
    "festival_vendor.enter": ("/{lang}/vendor/festivals/{registering_festival}/enter", VENDOR_ONLY),
    "festival_vendor.withdraw": ("/{lang}/vendor/festivals/deals/{deal_id}/withdraw", POST_ONLY),
    "orders.cart": ("/{lang}/cart", PUBLIC),
    "orders.add_to_cart": ("/{lang}/cart/items", POST_ONLY),
    "orders.update_cart_item": ("/{lang}/cart/items/{product_id}", POST_ONLY),
    "orders.remove_cart_item": ("/{lang}/cart/items/{product_id}/remove", POST_ONLY),
    "orders.accept_prices": ("/{lang}/cart/accept-prices", POST_ONLY),
    # Signed-in visitors with an empty cart (or who may not buy) are sent back to the cart.
    "orders.checkout": ("/{lang}/checkout", {ANON: "login", SHOPPER: 302, VENDOR: 302, STAFF: 302}),
    "orders.my_orders": ("/{lang}/orders/", SIGNED_IN),
    # Stripe's signed events: POST only, with no session and no CSRF token (the signature is checked).
    "payment_webhooks.stripe_webhook": ("/webhooks/stripe", POST_ONLY),
    # Nobody's order: the owner's own access is tested in tests/orders/test_shop_pages.py.
    "orders.order_detail": ("/{lang}/orders/NOSUCHORDER", {ANON: "login", SHOPPER: 404, VENDOR: 404, STAFF: 404}),
    "orders.cancel_order": ("/{lang}/orders/NOSUCHORDER/cancel", POST_ONLY),
    "staff_rates.rates": ("/{lang}/staff/rates/", STAFF_ONLY),
    "festivals_api.list_festivals": ("/api/v1/festivals?status=live", PUBLIC),
    "festivals_api.festival_detail": ("/api/v1/festivals/{festival}", PUBLIC),
    "vendor_orders.index": ("/{lang}/vendor/orders/", VENDOR_ONLY),
    "vendor_orders.detail": ("/{lang}/vendor/orders/{own_vendor_order_id}", VENDOR_ONLY),
    "vendor_orders.advance": ("/{lang}/vendor/orders/{own_vendor_order_id}/pack", POST_ONLY),
    "vendor_orders.cancel": ("/{lang}/vendor/orders/{own_vendor_order_id}/cancel", POST_ONLY),
    "vendor_orders.record_payment": ("/{lang}/vendor/orders/{own_vendor_order_id}/payment", POST_ONLY),
    "staff_orders.index": ("/{lang}/staff/orders/", STAFF_ONLY),
    "staff_orders.detail": ("/{lang}/staff/orders/{vendor_order_order_id}", STAFF_ONLY),
    "staff_orders.refund": ("/{lang}/staff/orders/parts/{own_vendor_order_id}/refund", POST_ONLY),
    "staff_orders.advance": ("/{lang}/staff/orders/parts/{own_vendor_order_id}/pack", POST_ONLY),
    "staff_orders.cancel": ("/{lang}/staff/orders/parts/{own_vendor_order_id}/cancel", POST_ONLY),
    "staff_orders.record_payment": ("/{lang}/staff/orders/parts/{own_vendor_order_id}/payment", POST_ONLY),
    "staff_orders.refund_whole_order": ("/{lang}/staff/orders/{vendor_order_order_id}/refund", POST_ONLY),
    "staff_orders.payables_page": ("/{lang}/staff/payables/", STAFF_ONLY),
    "staff_orders.export_payables": ("/{lang}/staff/payables/export.csv?start=2024-01-01&end=2024-02-01", STAFF_ONLY),
    "staff_orders.settle": ("/{lang}/staff/payables/settle", POST_ONLY),
}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - RULES.keys() == set(), "routes without an access rule"
    assert RULES.keys() - endpoints == set(), "rules for routes that no longer exist"


@pytest.fixture
def world(app, make_product, make_store, make_user):
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
    # The vendor visitor's own store, product and photo, for the back-office pages.
    from marketplace.catalog.models import ProductImage

    own_product = make_product(store=make_store(owner=users[VENDOR]), name="Shea butter")
    own_photo = ProductImage(product=own_product, key=processed.key, width=processed.width, height=processed.height,
                             rendition_widths=",".join(map(str, processed.widths)),
                             fallback_width=processed.fallback_width)
    db.session.add(own_photo)
    db.session.commit()
    festival, registering, deal = festival_world(product, users[STAFF])
    lecture = lecture_world(users[STAFF])
    # A pay-on-delivery order of the vendor visitor's product, by a shopper of its own, for the order back office.
    from marketplace.orders import cart as carts
    from marketplace.orders.checkout import Destination, new_checkout_key, place_order

    buyer = make_user(role=Role.SHOPPER)
    carts.add_item(buyer, None, own_product.id, 1)
    own_vendor_order = place_order(buyer, Destination(recipient_name="Li Wei", phone="+86 138 0013 8000",
                                                      country_code="CN", city="Shanghai", postal_code="200120",
                                                      address_line="88 Century Avenue"),
                                   new_checkout_key(), "en").vendor_orders[0]
    return {
        "festival": festival.slug,
        "festival_id": festival.id,
        "lecture_id": lecture.id,
        "lecture_series_id": lecture.series_id,
        "registering_festival": registering.slug,
        "deal_id": deal.id,
        "own_product_id": own_product.id,
        "own_photo_id": own_photo.id,
        "own_vendor_order_id": own_vendor_order.id,
        "vendor_order_order_id": own_vendor_order.order_id,
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


def lecture_world(staff):
    """An upcoming lecture for everyone, in a series."""
    from datetime import timedelta

    from campaigns.lectures.models import Lecture, LectureSeries, LectureSeriesText, LectureText
    from marketplace.core import clock
    from marketplace.extensions import db

    series = LectureSeries(texts=[LectureSeriesText(language="en", title="Selling to China")])
    lecture = Lecture(series=series, starts_at=clock.now() + timedelta(days=3), capacity=10, created_by_id=staff.id,
                      join_url="https://meet.example.org/room", texts=[LectureText(language="en", title="Pricing")])
    db.session.add(lecture)
    db.session.commit()
    return lecture


def festival_world(product, staff):
    """A live festival with a deal on `product`, and one taking vendor entries, around the real clock."""
    from datetime import timedelta

    from campaigns.festivals.models import Deal, DealStatus, Festival, FestivalText, Wave
    from marketplace.core import clock
    from marketplace.extensions import db

    now, day = clock.now(), timedelta(days=1)

    def festival(slug: str, opens, waves) -> Festival:
        made = Festival(slug=slug, registration_opens_at=opens, registration_closes_at=opens + 2 * day,
                        warmup_starts_at=opens + 2 * day, created_by_id=staff.id,
                        texts=[FestivalText(language="en", name=slug)],
                        waves=[Wave(starts_at=s, ends_at=e) for s, e in waves])
        db.session.add(made)
        return made

    live = festival("live-festival", now - 5 * day, [(now - day, now + day)])
    registering = festival("coming-festival", now - day / 24, [(now + 3 * day, now + 4 * day)])
    db.session.flush()
    deal = Deal(festival_id=live.id, wave_id=live.waves[0].id, product_id=product.id, store_id=product.store_id,
                price_amount=product.price_amount - 1, currency=product.currency, cap=3, status=DealStatus.APPROVED)
    db.session.add(deal)
    db.session.commit()
    return live, registering, deal


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
