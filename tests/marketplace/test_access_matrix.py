"""Every route × every kind of visitor, checked against an allow-list.

A new route that is not listed here fails `test_every_route_has_a_rule`: whoever adds a route
must decide who may reach it, and for a route that only takes POST (PATCH, DELETE), who may send it
(`POSTS`). The visitors' world is built once per database backend, not once per check; the GET checks
change nothing in it, and the POST checks are arranged so that none spoils another (see `POSTS`).
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.extensions import db

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
    "core.ready": ("/readyz", PUBLIC),
    "catalog.set_display_currency": ("/en/display-currency", POST_ONLY),
    "static": ("/static/css/site.css", PUBLIC),
    "assets.serve": ("{asset}", PUBLIC),
    "media.serve": ("{media}", PUBLIC),
    "accounts.signup": ("/{lang}/account/signup", GUESTS_ONLY),
    "accounts.login": ("/{lang}/account/login", GUESTS_ONLY),
    "accounts.logout": ("/{lang}/account/logout", POST_ONLY),
    "accounts.overview": ("/{lang}/account/", SIGNED_IN),
    "accounts.revoke_token": ("/{lang}/account/tokens/1/revoke", POST_ONLY),
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
    "staff_review.confirm_payout": ("/{lang}/staff/vendors/{store_id}/confirm-payout", POST_ONLY),
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
    "vendor_products.delete_photo": ("/{lang}/vendor/products/{own_product_id}/photos/{spare_photo_id}/delete",
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
    # Nobody in the world waits: a shopper goes on to the checkout, vendors and staff back to the cart.
    "waiting_room.waiting": ("/{lang}/festivals/{festival}/waiting-room",
                             {ANON: "login", SHOPPER: 302, VENDOR: 302, STAFF: 302}),
    "waiting_room.settings": ("/{lang}/staff/festivals/{festival_id}/waiting-room", POST_ONLY),
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
    "tourism_api.list_experiences": ("/api/v1/experiences", PUBLIC),
    "tourism_api.departures": ("/api/v1/experiences/{experience}/departures", PUBLIC),
    "tourism_api.add_booking": ("/api/v1/cart/bookings", POST_ONLY),
    # Questions: asking and voting are POST forms; staff moderate. Materials download for anyone; staff manage
    # them and speakers' photos.
    "lecture_questions.ask": ("/{lang}/lectures/{lecture_id}/questions/", POST_ONLY),
    "lecture_questions.vote": ("/{lang}/lectures/{lecture_id}/questions/{lecture_question_id}/vote", POST_ONLY),
    "lecture_questions.unvote": ("/{lang}/lectures/{lecture_id}/questions/{lecture_question_id}/unvote", POST_ONLY),
    "lecture_questions.moderate": ("/{lang}/lectures/{lecture_id}/questions/{lecture_question_id}/moderate",
                                   POST_ONLY),
    "lecture_files.download": ("/{lang}/lectures/{lecture_id}/materials/{lecture_material_id}", PUBLIC),
    "lecture_files.upload": ("/{lang}/staff/lectures/{lecture_id}/materials", POST_ONLY),
    "lecture_files.remove": ("/{lang}/staff/lectures/{lecture_id}/materials/{spare_lecture_material_id}/remove",
                             POST_ONLY),
    "lecture_files.speaker_photo": ("/{lang}/staff/lectures/{lecture_id}/speakers/{lecture_speaker_id}/photo",
                                    POST_ONLY),
    "lecture_files.remove_speaker_photo": (
        "/{lang}/staff/lectures/{lecture_id}/speakers/{lecture_speaker_id}/photo/remove", POST_ONLY),
    "lecture_staff.index": ("/{lang}/staff/lectures/", STAFF_ONLY),
    "reporting.dashboard": ("/{lang}/staff/dashboard/", STAFF_ONLY),
    "reporting.export": ("/{lang}/staff/dashboard/countries.csv", STAFF_ONLY),
    "reporting_vendor.insights": ("/{lang}/vendor/insights/", VENDOR_ONLY),
    "reporting_vendor.export": ("/{lang}/vendor/insights/best_sellers.csv", VENDOR_ONLY),
    "reporting_festival.results": ("/{lang}/staff/festivals/{festival_id}/results", STAFF_ONLY),
    "reporting_festival.export": ("/{lang}/staff/festivals/{festival_id}/results/deals.csv", STAFF_ONLY),
    "lecture_staff.new": ("/{lang}/staff/lectures/new", STAFF_ONLY),
    "lecture_staff.edit": ("/{lang}/staff/lectures/{lecture_id}/edit", STAFF_ONLY),
    "lecture_staff.move": ("/{lang}/staff/lectures/{lecture_id}/move", STAFF_ONLY),
    "lecture_staff.cancel": ("/{lang}/staff/lectures/{lecture_id}/cancel", POST_ONLY),
    "lecture_staff.new_series": ("/{lang}/staff/lectures/series/new", STAFF_ONLY),
    # Attendance: check-in and certificates need a seat (and attendance); verification is public (404 when
    # the code is unknown); the private calendar feed answers a bare 404 without its token, to everyone.
    "lecture_attendance.check_in": ("/{lang}/lectures/{lecture_id}/check-in", POST_ONLY),
    "lecture_attendance.issue_certificate": ("/{lang}/lectures/{lecture_id}/certificate", POST_ONLY),
    "lecture_attendance.certificate_file": ("/{lang}/lectures/{lecture_id}/certificate.pdf",
                                            {ANON: "login", SHOPPER: 404, VENDOR: 404, STAFF: 404}),
    "lecture_attendance.verify": ("/{lang}/certificates/{certificate_code}", PUBLIC),
    "lecture_attendance.staff_attendance": ("/{lang}/staff/lectures/{lecture_id}/attendance", STAFF_ONLY),
    "lecture_attendance.new_code": ("/{lang}/staff/lectures/{lecture_id}/attendance/code", POST_ONLY),
    "lecture_attendance.import_attendance": ("/{lang}/staff/lectures/{lecture_id}/attendance/import", POST_ONLY),
    "lecture_attendance.mark_attendance": ("/{lang}/staff/lectures/{past_lecture_id}/attendance/{attendee_id}",
                                           POST_ONLY),
    "calendar_feed.calendar": ("/{lang}/me/calendar.ics?token=not-a-token", {role: 404 for role in ROLES}),
    "calendar_feed.new_feed": ("/{lang}/me/calendar-feed", POST_ONLY),
    "calendar_feed.revoke_feed": ("/{lang}/me/calendar-feed/off", POST_ONLY),
    "lecture_staff.edit_series": ("/{lang}/staff/lectures/series/{lecture_series_id}", STAFF_ONLY),
    "tourism.landing": ("/{lang}/visit-africa/", PUBLIC),
    "tourism.find": ("/{lang}/visit-africa/find?country=KE&guide=en", PUBLIC),
    "tourism.experience": ("/{lang}/experiences/{experience}", PUBLIC),
    "tourism.book": ("/{lang}/experiences/{experience}/book", POST_ONLY),
    "tourism.cancel_booking": ("/{lang}/orders/NOSUCHORDER/bookings/1/cancel",
                               {ANON: "login", SHOPPER: 404, VENDOR: 404, STAFF: 404}),
    "tourism_vendor.manifest": ("/{lang}/vendor/experiences/departures/{own_departure_id}/manifest", VENDOR_ONLY),
    "tourism_vendor.manifest_csv": ("/{lang}/vendor/experiences/departures/{own_departure_id}/manifest.csv",
                                    VENDOR_ONLY),
    "tourism_vendor.check_in": ("/{lang}/vendor/experiences/departures/{own_departure_id}/travellers/1/check-in",
                                POST_ONLY),
    "tourism_vendor.index": ("/{lang}/vendor/experiences/", VENDOR_ONLY),
    "tourism_vendor.new": ("/{lang}/vendor/experiences/new", VENDOR_ONLY),
    "tourism_vendor.edit": ("/{lang}/vendor/experiences/{own_experience_id}", VENDOR_ONLY),
    "tourism_vendor.add_option": ("/{lang}/vendor/experiences/{own_experience_id}/options", POST_ONLY),
    "tourism_vendor.option": ("/{lang}/vendor/experiences/options/{own_option_id}", VENDOR_ONLY),
    "tourism_vendor.set_unit": ("/{lang}/vendor/experiences/options/{own_option_id}/units", POST_ONLY),
    "tourism_vendor.remove_unit": ("/{lang}/vendor/experiences/options/{own_option_id}/units/{spare_unit_id}/remove",
                                   POST_ONLY),
    "tourism_vendor.add_departure": ("/{lang}/vendor/experiences/options/{own_option_id}/departures", POST_ONLY),
    "tourism_vendor.rule": ("/{lang}/vendor/experiences/options/{own_option_id}/rule", POST_ONLY),
    "tourism_vendor.cancel_departure": ("/{lang}/vendor/experiences/departures/{own_departure_id}/cancel", POST_ONLY),
    "tourism_vendor.delete_departure": ("/{lang}/vendor/experiences/departures/{spare_departure_id}/delete",
                                        POST_ONLY),
    "tourism_vendor.change_capacity": ("/{lang}/vendor/experiences/departures/{own_departure_id}/capacity",
                                       POST_ONLY),
    "festival_vendor.index": ("/{lang}/vendor/festivals/", VENDOR_ONLY),
    "festival_vendor.enter": ("/{lang}/vendor/festivals/{registering_festival}/enter", VENDOR_ONLY),
    "festival_vendor.withdraw": ("/{lang}/vendor/festivals/deals/{own_deal_id}/withdraw", POST_ONLY),
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
    "staff_duties.index": ("/{lang}/staff/duties/", STAFF_ONLY),
    "staff_duties.delete": ("/{lang}/staff/duties/ZZ/delete", POST_ONLY),
    # A zone or method that is nobody's: the vendor visitor is told it does not exist, nobody else gets that far.
    "vendor_shipping.index": ("/{lang}/vendor/shipping/", VENDOR_ONLY),
    "vendor_shipping.zone": ("/{lang}/vendor/shipping/zones/2147483000", {**VENDOR_ONLY, VENDOR: 404}),
    "vendor_shipping.new_method": ("/{lang}/vendor/shipping/zones/2147483000/methods/new",
                                   {**VENDOR_ONLY, VENDOR: 404}),
    "vendor_shipping.method": ("/{lang}/vendor/shipping/methods/2147483000", {**VENDOR_ONLY, VENDOR: 404}),
    "vendor_shipping.delete_zone": ("/{lang}/vendor/shipping/zones/2147483000/delete", POST_ONLY),
    "vendor_shipping.delete_method": ("/{lang}/vendor/shipping/methods/2147483000/delete", POST_ONLY),
    "orders.choose_shipping": ("/{lang}/cart/shipping", POST_ONLY),
    "address_book.index": ("/{lang}/account/addresses/", SIGNED_IN),
    "address_book.edit": ("/{lang}/account/addresses/2147483000", {ANON: "login", SHOPPER: 404, VENDOR: 404,
                                                                   STAFF: 404}),
    "address_book.delete": ("/{lang}/account/addresses/2147483000/delete", POST_ONLY),
    "api_shop.shipping_options": ("/api/v1/cart/shipping?destination=CN", {role: 401 for role in ROLES}),
    "festivals_api.list_festivals": ("/api/v1/festivals?status=live", PUBLIC),
    "festivals_api.festival_detail": ("/api/v1/festivals/{festival}", PUBLIC),
    "vendor_orders.index": ("/{lang}/vendor/orders/", VENDOR_ONLY),
    "vendor_orders.detail": ("/{lang}/vendor/orders/{own_vendor_order_id}", VENDOR_ONLY),
    "vendor_orders.packing_slip": ("/{lang}/vendor/orders/{own_vendor_order_id}/packing-slip",
                                   {ANON: "login", SHOPPER: 403, VENDOR: 200, STAFF: 200}),
    "vendor_orders.advance": ("/{lang}/vendor/orders/{own_vendor_order_id}/pack", POST_ONLY),
    "vendor_orders.cancel": ("/{lang}/vendor/orders/{own_vendor_order_id}/cancel", POST_ONLY),
    "vendor_orders.record_payment": ("/{lang}/vendor/orders/{own_vendor_order_id}/payment", POST_ONLY),
    "staff_orders.index": ("/{lang}/staff/orders/", STAFF_ONLY),
    "staff_orders.detail": ("/{lang}/staff/orders/{vendor_order_order_id}", STAFF_ONLY),
    "staff_orders.advance": ("/{lang}/staff/orders/parts/{own_vendor_order_id}/pack", POST_ONLY),
    "staff_orders.cancel": ("/{lang}/staff/orders/parts/{own_vendor_order_id}/cancel", POST_ONLY),
    "staff_orders.record_payment": ("/{lang}/staff/orders/parts/{own_vendor_order_id}/payment", POST_ONLY),
    "staff_refunds.queue": ("/{lang}/staff/refunds/", STAFF_ONLY),
    "reviews.product_reviews": ("/{lang}/products/{product}/reviews", PUBLIC),
    # Someone else's line: not found for a shopper; vendors and staff write no reviews.
    "reviews.write": ("/{lang}/orders/lines/{own_line_id}/review", {ANON: "login", SHOPPER: 404, VENDOR: 403,
                                                                     STAFF: 403}),
    "reviews.mine": ("/{lang}/reviews/mine", SIGNED_IN),
    "vendor_reviews.index": ("/{lang}/vendor/reviews/", VENDOR_ONLY),
    "vendor_reviews.answer": ("/{lang}/vendor/reviews/{review_id}/answer", POST_ONLY),
    "staff_reviews.index": ("/{lang}/staff/reviews/", STAFF_ONLY),
    "staff_reviews.hide": ("/{lang}/staff/reviews/{review_id}/hide", POST_ONLY),
    "staff_reviews.show": ("/{lang}/staff/reviews/{review_id}/show", POST_ONLY),
    "api_reviews.product_reviews": ("/api/v1/products/{product}/reviews?lang={lang}", PUBLIC),
    "api_reviews.create_review": ("/api/v1/reviews", POST_ONLY),
    "staff_refunds.refund_part": ("/{lang}/staff/orders/parts/{own_vendor_order_id}/refunds", POST_ONLY),
    "staff_refunds.refund_order": ("/{lang}/staff/orders/{vendor_order_order_id}/refunds", POST_ONLY),
    "staff_refunds.retry": ("/{lang}/staff/refunds/{refund_id}/retry", POST_ONLY),
    "staff_refunds.paid_out": ("/{lang}/staff/refunds/{refund_id}/paid-out", POST_ONLY),
    "staff_orders.payables_page": ("/{lang}/staff/payables/", STAFF_ONLY),
    "staff_orders.export_payables": ("/{lang}/staff/payables/export.csv?start=2024-01-01&end=2024-02-01", STAFF_ONLY),
    "staff_orders.settle": ("/{lang}/staff/payables/settle", POST_ONLY),
}


# What each visitor gets when it sends a route that answers GET with 405 its own method, with the form
# it needs (tests run without CSRF tokens). ALLOWED: past every access check, so neither a log-in
# redirect nor 401, 403, 404 or 405. Changes made here cannot spoil one another: the photo deleted is a
# spare, and a second pack, cancel or approval of the same thing is refused with a message, not a 403.
ALLOWED = "allowed"
ANYONE_MAY = {role: ALLOWED for role in ROLES}
SIGNED_IN_MAY = {ANON: "login", SHOPPER: ALLOWED, VENDOR: ALLOWED, STAFF: ALLOWED}
VENDOR_MAY = {ANON: "login", SHOPPER: 403, VENDOR: ALLOWED, STAFF: 403}
STAFF_MAY = {ANON: "login", SHOPPER: 403, VENDOR: 403, STAFF: ALLOWED}
TOKEN_ONLY = {role: 401 for role in ROLES}  # a session cookie is no way into the bearer-token API

# endpoint -> (expected outcome per visitor, form fields filled from the world)
POSTS: dict[str, tuple[dict, dict]] = {
    "catalog.set_display_currency": (ANYONE_MAY, {"currency": "", "next": "/fr/"}),
    "accounts.logout": (SIGNED_IN_MAY, {}),
    # Someone else's (or no) token: the account page says so; nobody signed out gets that far.
    "accounts.revoke_token": (SIGNED_IN_MAY, {}),
    "api_tokens.create_token": ({role: 400 for role in ROLES}, {}),
    "api_tokens.delete_token": (TOKEN_ONLY, {}),
    "api_tokens.change_state": (TOKEN_ONLY, {}),
    "api_tokens.upload_photos": (TOKEN_ONLY, {}),
    "api_shop.register": ({role: 400 for role in ROLES}, {}),
    "api_shop.update_cart_item": (TOKEN_ONLY, {}),
    "api_shop.remove_cart_item": (TOKEN_ONLY, {}),
    "api_shop.checkout": (TOKEN_ONLY, {}),
    "api_shop.cancel_order": (TOKEN_ONLY, {}),
    "staff_review.decide_vendor": (STAFF_MAY, {"reason": "Checked"}),
    "staff_review.vendor_campaign": (STAFF_MAY, {}),
    "staff_review.confirm_payout": (STAFF_MAY, {"seen": "stale"}),
    "staff_review.decide_product": (STAFF_MAY, {}),
    "staff_review.product_campaign": (STAFF_MAY, {}),
    "vendor_products.publish": (VENDOR_MAY, {}),
    "vendor_products.unpublish": (VENDOR_MAY, {}),
    "vendor_products.duplicate": (VENDOR_MAY, {}),
    "vendor_products.move_photo": (VENDOR_MAY, {"direction": "down"}),
    "vendor_products.cover_photo": (VENDOR_MAY, {}),
    "vendor_products.delete_photo": (VENDOR_MAY, {}),
    "festivals.remind": (SIGNED_IN_MAY, {}),
    "festivals.save": (SIGNED_IN_MAY, {}),
    "festivals.set_time_zone": (ANYONE_MAY, {"tz": "Africa/Nairobi"}),
    "festival_staff.pause_or_resume": (STAFF_MAY, {}),
    "festival_staff.extend": (STAFF_MAY, {}),
    "festival_staff.decide_deal": (STAFF_MAY, {}),
    "waiting_room.settings": (STAFF_MAY, {"rate": "600"}),  # the waiting room stays off
    "festival_vendor.withdraw": (VENDOR_MAY, {}),
    # The vendor visitor's own experience: a price, a departure, a rule preview; the spare price and departure go.
    "tourism_vendor.add_option": (VENDOR_MAY, {"name": "Private"}),
    "tourism_vendor.set_unit": (VENDOR_MAY, {"kind": "child", "price": "5", "min_per_booking": "0",
                                             "max_per_booking": "2"}),
    "tourism_vendor.remove_unit": (VENDOR_MAY, {}),
    "tourism_vendor.add_departure": (VENDOR_MAY, {"capacity": "4", "cutoff_hours": "24"}),
    # Anyone may put a booking in a cart (a visitor's is kept in their session); the seats are held at checkout.
    "tourism.book": (ANYONE_MAY, {"departure": "{own_departure_id}", "units-adult": "1"}),
    "tourism_vendor.rule": (VENDOR_MAY, {"action": "preview"}),
    "tourism_vendor.cancel_departure": (VENDOR_MAY, {}),
    "tourism_vendor.delete_departure": (VENDOR_MAY, {}),
    # Nobody on the manifest yet: the operator is answered 404 ("not on this manifest"), everyone else as usual.
    "tourism_vendor.check_in": ({**VENDOR_MAY, VENDOR: 404}, {"present": "1"}),
    "tourism_vendor.change_capacity": (VENDOR_MAY, {"capacity": "12"}),
    "lectures.register": (SIGNED_IN_MAY, {}),
    "lectures.confirm": (SIGNED_IN_MAY, {}),
    "lectures.cancel": (SIGNED_IN_MAY, {}),
    "lectures_api.register": (TOKEN_ONLY, {}),
    "lectures_api.cancel": (TOKEN_ONLY, {}),
    "tourism_api.add_booking": (TOKEN_ONLY, {}),
    "lecture_staff.cancel": (STAFF_MAY, {}),
    "lecture_attendance.check_in": (SIGNED_IN_MAY, {"code": "000000"}),
    "lecture_attendance.issue_certificate": (SIGNED_IN_MAY, {"name": "Visitor"}),
    "lecture_attendance.new_code": (STAFF_MAY, {}),
    "lecture_attendance.import_attendance": (STAFF_MAY, {}),  # no file: the page asks for one (422)
    "lecture_attendance.mark_attendance": (STAFF_MAY, {"attended": "yes"}),  # already marked: nothing changes
    "calendar_feed.new_feed": (SIGNED_IN_MAY, {}),
    "calendar_feed.revoke_feed": (SIGNED_IN_MAY, {}),
    # Without a seat a signed-in visitor is told to register (the page answers), never refused access.
    "lecture_questions.ask": (SIGNED_IN_MAY, {"body": "How are parcels to Guangzhou insured?"}),
    "lecture_questions.vote": (SIGNED_IN_MAY, {}),
    "lecture_questions.unvote": (SIGNED_IN_MAY, {}),
    "lecture_questions.moderate": (STAFF_MAY, {"action": "answered"}),
    "lecture_files.upload": (STAFF_MAY, {"title": "No file chosen"}),
    "lecture_files.remove": (STAFF_MAY, {}),
    "lecture_files.speaker_photo": (STAFF_MAY, {}),
    "lecture_files.remove_speaker_photo": (STAFF_MAY, {}),
    "orders.add_to_cart": (ANYONE_MAY, {"product_id": "{product_id}", "quantity": "1"}),
    "orders.update_cart_item": (ANYONE_MAY, {"product_id": "{product_id}", "quantity": "2"}),
    "orders.remove_cart_item": (ANYONE_MAY, {}),
    "orders.accept_prices": (ANYONE_MAY, {}),
    "orders.choose_shipping": (ANYONE_MAY, {"destination": "CN"}),
    "staff_duties.delete": (STAFF_MAY, {}),  # no note for ZZ: staff are told so
    "vendor_shipping.delete_zone": ({**VENDOR_MAY, VENDOR: 404}, {}),
    "vendor_shipping.delete_method": ({**VENDOR_MAY, VENDOR: 404}, {}),
    "address_book.delete": ({ANON: "login", SHOPPER: 404, VENDOR: 404, STAFF: 404}, {}),
    # Without Stripe configured the webhook does not exist for anyone; a session cookie changes nothing.
    "payment_webhooks.stripe_webhook": ({role: 404 for role in ROLES}, {}),
    # Nobody's order: a signed-in visitor is told it does not exist, whoever they are.
    "orders.cancel_order": ({ANON: "login", SHOPPER: 404, VENDOR: 404, STAFF: 404}, {}),
    "vendor_orders.advance": (VENDOR_MAY, {}),
    "vendor_orders.cancel": (VENDOR_MAY, {"reason": "Out of stock"}),
    "vendor_orders.record_payment": (VENDOR_MAY, {}),
    "staff_orders.advance": (STAFF_MAY, {}),
    "staff_orders.cancel": (STAFF_MAY, {"reason": "Shopper asked"}),
    "staff_orders.record_payment": (STAFF_MAY, {}),
    "staff_refunds.refund_part": (STAFF_MAY, {}),
    "staff_refunds.refund_order": (STAFF_MAY, {}),
    "staff_refunds.retry": (STAFF_MAY, {}),
    "staff_refunds.paid_out": (STAFF_MAY, {"payout_reference": "MM-1"}),
    # The vendor visitor's store's review: answered once, then told it has its answer (a message, not a refusal).
    "vendor_reviews.answer": (VENDOR_MAY, {"answer": "Thank you!", "language": "en"}),
    "staff_reviews.hide": (STAFF_MAY, {"reason": "Off topic"}),
    "staff_reviews.show": (STAFF_MAY, {}),
    "api_reviews.create_review": (TOKEN_ONLY, {}),
    "staff_orders.settle": (STAFF_MAY, {"store_id": "{store_id}", "currency": "USD", "start": "2024-01-01",
                                        "end": "2024-02-01", "transfer_reference": "TR-1"}),
}


def test_every_route_has_a_rule(app_session):
    endpoints = {rule.endpoint for rule in app_session.url_map.iter_rules()}
    assert endpoints - RULES.keys() == set(), "routes without an access rule"
    assert RULES.keys() - endpoints == set(), "rules for routes that no longer exist"
    post_only = {endpoint for endpoint, (_url, expected) in RULES.items() if expected == POST_ONLY}
    assert post_only - POSTS.keys() == set(), "POST-only routes without a rule for who may send them"
    assert POSTS.keys() - post_only == set(), "POST rules for routes that are not POST-only"


@pytest.fixture(scope="module")
def world(app_session):
    """Everything the routes' URLs name, built once for the module's checks and emptied after them."""
    from tests.conftest import empty_tables

    with app_session.app_context():
        try:
            built = build_world(app_session)
            db.session.remove()  # no transaction stays open between checks
            yield built
        finally:
            empty_tables()


def build_world(app) -> dict:
    """Two stores (one the vendor visitor's), products, photos, a document, festivals, deals and an order."""
    from marketplace.catalog.countries import ensure_countries
    from marketplace.core.assets import asset_url
    from tests.factories import create_product, create_store, create_user

    ensure_countries()
    product = create_product(name="Kente stole")
    with app.test_request_context():
        asset = asset_url("css/site.css")
    from marketplace.media import get_image_store
    from marketplace.media.artwork import draw_product_artwork
    from marketplace.media.pipeline import renditions, store_renditions

    processed = renditions(draw_product_artwork(1, 1, size=300))
    store_renditions(processed, get_image_store())
    users = {role: create_user(role=Role(role)) for role in (SHOPPER, VENDOR, STAFF)}
    from marketplace.vendors.documents import check_document, store_document
    from marketplace.vendors.models import StoreDocument

    pdf = check_document(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "certificate.pdf")
    document = StoreDocument(store=product.store, filename=pdf.filename, content_type=pdf.content_type,
                             size=len(pdf.data), storage_key=store_document(pdf))
    db.session.add(document)
    # The vendor visitor's own store, product and photos (one spare to delete), for the back-office pages.
    from marketplace.catalog.models import ProductImage

    own_product = create_product(store=create_store(owner=users[VENDOR]), name="Shea butter")
    own_photo, spare_photo = (
        ProductImage(product=own_product, key=processed.key, width=processed.width, height=processed.height,
                     rendition_widths=",".join(map(str, processed.widths)), fallback_width=processed.fallback_width)
        for _ in range(2)
    )
    db.session.add_all([own_photo, spare_photo])
    db.session.commit()
    festival, registering, deal = festival_world(product, users[STAFF])
    own_deal = entered_deal(registering, own_product)
    lecture = lecture_world(users[STAFF])
    attendance = attendance_world(users[STAFF])
    tourism = tourism_world(users[VENDOR])
    # A pay-on-delivery order of the vendor visitor's product, by a shopper of its own, for the order back office.
    from marketplace.orders import cart as carts
    from marketplace.orders.checkout import Destination, new_checkout_key, place_order

    buyer = create_user(role=Role.SHOPPER)
    carts.add_item(buyer, None, own_product.id, 1)
    own_vendor_order = place_order(buyer, Destination(recipient_name="Li Wei", phone="+86 138 0013 8000",
                                                      country_code="CN", city="Shanghai", postal_code="200120",
                                                      address_line="88 Century Avenue"),
                                   new_checkout_key(), "en").vendor_orders[0]
    # A second one, paid on delivery and partly refunded, for the staff refund buttons.
    from marketplace.orders import fulfilment
    from marketplace.orders.refunds.services import refund_vendor_order

    carts.add_item(buyer, None, own_product.id, 1)
    refunded = place_order(buyer, Destination(recipient_name="Li Wei", phone="+86 138 0013 8000", country_code="CN",
                                              city="Shanghai", postal_code="200120", address_line="88 Century Avenue"),
                           new_checkout_key(), "en").vendor_orders[0]
    fulfilment.record_offline_payment(users[STAFF], refunded.id)
    refund = refund_vendor_order(users[STAFF], refunded, 100, "Scratched lid")
    # A third one, delivered and reviewed by the buyer, for the review pages and buttons.
    from marketplace.orders.models import FulfilmentState
    from marketplace.reviews.services import ReviewInput, create_review

    carts.add_item(buyer, None, own_product.id, 1)
    delivered = place_order(buyer, Destination(recipient_name="Li Wei", phone="+86 138 0013 8000", country_code="CN",
                                               city="Shanghai", postal_code="200120", address_line="88 Century Avenue"),
                            new_checkout_key(), "en")
    delivered.vendor_orders[0].status = FulfilmentState.DELIVERED
    db.session.commit()
    review = create_review(buyer, delivered.lines[0].id, ReviewInput(5, "en", "Smooth and fresh.", {}))
    return {
        "own_line_id": own_vendor_order.lines[0].id,
        "review_id": review.id,
        "refund_id": refund.id,
        "festival": festival.slug,
        "festival_id": festival.id,
        "lecture_id": lecture.id,
        "lecture_series_id": lecture.series_id,
        **attendance,
        **lecture_extras(lecture, users[STAFF]),
        "registering_festival": registering.slug,
        "deal_id": deal.id,
        "own_deal_id": own_deal.id,
        "own_product_id": own_product.id,
        "own_photo_id": own_photo.id,
        "spare_photo_id": spare_photo.id,
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
        "users": {role: user.id for role, user in users.items()},
        **tourism,
    }


def tourism_world(vendor) -> dict:
    """The vendor visitor's published experience with an option, two prices and two departures."""
    from datetime import date, time, timedelta

    from campaigns.tourism import departures, experiences, options
    from campaigns.tourism.departures import DepartureSpec
    from campaigns.tourism.experiences import ExperienceFacts, ExperienceWords
    from campaigns.tourism.options import UnitChanges
    from marketplace.catalog.models import ProductStatus
    from tests.factories import create_category

    experience = experiences.create_experience(
        vendor, name="Cape Coast day", description="A day at the castle.", original_language="en",
        category_id=str(create_category().id), facts=ExperienceFacts("Africa/Accra", 480, guide_languages=["en"]),
        words=ExperienceWords(itinerary="Castle, then lunch."))
    option = options.add_option(vendor, experience.product_id, "en", "Group")
    options.set_unit(vendor, option.id, UnitChanges("adult", "40", 1, 6))
    spare = options.set_unit(vendor, option.id, UnitChanges("student", "20", 0, 6))
    day = date.today() + timedelta(days=20)
    own, other = (departures.add_departure(vendor, option.id, day, start, DepartureSpec(10, 24))
                  for start in (time(8, 0), time(9, 0)))
    experience.product.status = ProductStatus.PUBLISHED
    db.session.commit()
    return {"experience": experience.product.slug, "own_experience_id": experience.product_id,
            "own_option_id": option.id, "spare_unit_id": spare.id, "own_departure_id": own.id,
            "spare_departure_id": other.id}


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


def attendance_world(staff) -> dict:
    """A lecture that is over, with an attendee (none of the visitors) holding a certificate."""
    from datetime import timedelta

    from campaigns.lectures.models import Lecture, LectureText, Registration, RegistrationStatus
    from marketplace.core import clock
    from tests.factories import create_user

    starts = clock.now() - timedelta(days=2)
    lecture = Lecture(starts_at=starts, capacity=10, seats_taken=1, arrivals=1, created_by_id=staff.id,
                      join_url="https://meet.example.org/past", texts=[LectureText(language="en", title="Shipping")])
    db.session.add(lecture)
    db.session.flush()
    attendee = Registration(lecture_id=lecture.id, user_id=create_user().id, position=1,
                            status=RegistrationStatus.REGISTERED, attended_at=starts + timedelta(minutes=5),
                            attendance_source="code", certificate_code="accessmatrixcertificate0",
                            certificate_name="Ama Owusu", certificate_issued_at=starts + timedelta(hours=3))
    db.session.add(attendee)
    db.session.commit()
    return {"past_lecture_id": lecture.id, "attendee_id": attendee.id, "certificate_code": attendee.certificate_code}


def lecture_extras(lecture, staff) -> dict:
    """A question, a speaker and two PDF materials of the world's lecture (one spare to remove)."""
    import io

    from pypdf import PdfWriter

    from campaigns.lectures.materials import add_material
    from campaigns.lectures.models import LectureQuestion, LectureSpeaker

    speaker = LectureSpeaker(lecture_id=lecture.id, position=0, name="Amina Yusuf")
    question = LectureQuestion(lecture_id=lecture.id, user_id=staff.id, body="Which couriers reach Kashgar?")
    db.session.add_all([speaker, question])
    db.session.commit()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    kept, spare = (add_material(staff, lecture, buffer.getvalue(), name) for name in ("slides.pdf", "spare.pdf"))
    return {"lecture_question_id": question.id, "lecture_speaker_id": speaker.id,
            "lecture_material_id": kept.id, "spare_lecture_material_id": spare.id}


def festival_world(product, staff):
    """A live festival with a deal on `product`, and one taking vendor entries, around the real clock."""
    from datetime import timedelta

    from campaigns.festivals.models import Deal, DealStatus, Festival, FestivalText, Wave
    from marketplace.core import clock

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


def entered_deal(festival, product):
    """The vendor visitor's own entry, still proposed, in the festival taking entries (so it may withdraw it)."""
    from campaigns.festivals.models import Deal, DealStatus

    deal = Deal(festival_id=festival.id, wave_id=festival.waves[0].id, product_id=product.id,
                store_id=product.store_id, price_amount=product.price_amount - 1, currency=product.currency, cap=2,
                status=DealStatus.PROPOSED)
    db.session.add(deal)
    db.session.commit()
    return deal


def visitor(app, world, role: str):
    """A client signed in as the world's `role` (straight into its session: the log-in form has its own tests)."""
    client = app.test_client()
    if role != ANON:
        db.session.rollback()  # a log-out check ended the user's sessions: read its current version
        user = db.session.scalar(select(User).where(User.id == world["users"][role]).execution_options(
            populate_existing=True))
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
        db.session.remove()
    return client


def filled(template: str, world: dict, lang: str = "fr") -> str:
    """A URL template (or form value) with the world's ids put in."""
    return template.format(lang=lang, **{k: v for k, v in world.items() if k != "users"})


def assert_outcome(response, want, what: str) -> None:
    """Fail with `what` unless the response is `want`: a status, a log-in redirect or ALLOWED."""
    if want == "login":
        assert response.status_code == 302, what
        assert "/account/login" in response.headers["Location"], what
    elif want == ALLOWED:
        assert response.status_code not in (401, 403, 404, 405) and response.status_code < 500, what
        assert "/account/login" not in response.headers.get("Location", ""), what
    else:
        assert response.status_code == want, what


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(RULES))
def test_access(app_session, world, endpoint, role):
    template, expected = RULES[endpoint]
    url = filled(template, world)
    response = visitor(app_session, world, role).get(url)
    assert_outcome(response, expected[role], f"{endpoint} as {role}: GET {url} answered {response.status_code}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(POSTS))
def test_who_may_post(app_session, world, endpoint, role):
    expected, form = POSTS[endpoint]
    url = filled(RULES[endpoint][0], world)
    (rule,) = app_session.url_map.iter_rules(endpoint)
    (method,) = rule.methods - {"GET", "HEAD", "OPTIONS"}
    data = {name: filled(value, world) for name, value in form.items()}
    response = visitor(app_session, world, role).open(url, method=method, data=data)
    assert_outcome(response, expected[role], f"{endpoint} as {role}: {method} {url} answered {response.status_code}")
