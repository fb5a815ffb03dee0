"""A Chinese shopper on a 360 px phone reviews a delivered order in Chinese with a photo; the store's vendor answers
in French from a phone; the review, its photo and the answer show on the product page, and its stars on the card."""
from __future__ import annotations

import re

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.orders import cart as carts
from marketplace.orders.checkout import Destination, new_checkout_key, place_order
from marketplace.orders.models import FulfilmentState
from marketplace.orders.states import move_vendor_order
from marketplace.vendors.models import Store
from tests.e2e.test_vendor_fulfilment import log_in, no_overflow, shot
from tests.vendors.photo_files import jpeg

REVIEW_TEXT = "做工很精致，包装很仔细，两周就到上海了。"
ANSWER_TEXT = "Merci beaucoup ! Nous emballons chaque coffret à la main."


def delivered_order(live_app) -> tuple[str, int, str]:
    """The demo shopper's order of a demo vendor's product, delivered (the demo moves): (reference, line, slug)."""
    with live_app.app_context():
        shopper = db.session.scalar(select(User).where(User.email == "shopper@example.com"))
        vendor = db.session.scalar(select(User).where(User.email == "vendor@example.com"))
        product = db.session.scalars(
            select(Product).join(Store).where(Store.owner_id == vendor.id, Product.status == ProductStatus.PUBLISHED,
                                              Product.stock > 2).order_by(Product.id)
        ).first()
        carts.add_item(shopper, None, product.id, 1)
        order = place_order(shopper, Destination(recipient_name="Li Wei", phone="+86 138 0013 8000",
                                                 country_code="CN", city="Shanghai", postal_code="200120",
                                                 address_line="88 Century Avenue, Pudong"), new_checkout_key(), "zh")
        part = order.vendor_orders[0]
        for state in (FulfilmentState.PACKED, FulfilmentState.SHIPPED, FulfilmentState.DELIVERED):
            move_vendor_order(part, state, vendor.id)
        db.session.commit()
        return order.reference, order.lines[0].id, product.slug


def test_a_chinese_shopper_reviews_a_delivery_and_the_vendor_answers_in_french(
        live_app, live_server, browser, phone, check_accessibility, tmp_path):
    reference, line_id, slug = delivered_order(live_app)
    photo = tmp_path / "shea.jpg"
    photo.write_bytes(jpeg((800, 600), color=(190, 140, 60)))

    page = phone
    log_in(page, live_server, "shopper@example.com", "zh")
    page.goto(f"{live_server}/zh/orders/{reference}")
    page.get_by_role("link", name="评价此商品").click()
    page.wait_for_url(re.compile(rf".*/zh/orders/lines/{line_id}/review$"))
    assert page.input_value("#language") == "zh"
    no_overflow(page)
    check_accessibility(page)
    shot(page, "review-1-form-zh")
    page.locator("form.review-form button[type=submit]").click()  # no stars chosen: told so, nothing saved
    assert "请选择 1 到 5 星。" in page.locator(".star-choice").inner_text()
    page.get_by_label("5 星").check()
    page.fill("#body", REVIEW_TEXT)
    page.set_input_files("#photos", str(photo))
    shot(page, "review-2-filled-zh")
    page.locator("form.review-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/zh/orders/{reference}#line-{line_id}$"))
    assert "谢谢！你的评价已显示在商品页面上。" in page.content()
    assert page.locator(f"#line-{line_id} .line-review").is_visible()
    shot(page, "review-3-order-after-zh")

    vendor = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True)
    try:
        vendor_page = vendor.new_page()
        log_in(vendor_page, live_server, "vendor@example.com", "fr")
        vendor_page.goto(f"{live_server}/fr/vendor/reviews/?unanswered=1")
        review = vendor_page.locator(".review", has_text=REVIEW_TEXT)
        assert review.locator(".review-photos img").first.evaluate("img => img.complete && img.naturalWidth > 0")
        review.locator("textarea").fill(ANSWER_TEXT)
        review.locator("select").select_option("fr")
        no_overflow(vendor_page)
        check_accessibility(vendor_page)
        shot(vendor_page, "review-4-vendor-answers-fr")
        review.locator("button[type=submit]").click()
        vendor_page.wait_for_selector(".flash-success")
        assert "Votre réponse est publiée sous l’avis." in vendor_page.content()
        shot(vendor_page, "review-5-vendor-answered-fr")
    finally:
        vendor.close()

    page.goto(f"{live_server}/zh/products/{slug}")
    shown = page.locator(".review", has_text=REVIEW_TEXT)
    assert shown.is_visible() and "已验证购买" in shown.inner_text()
    assert ANSWER_TEXT in shown.locator(".review-answer").inner_text()
    assert shown.locator(".review-answer [lang=fr]").count() == 1  # the answer keeps its own language
    assert shown.locator(".review-photos img").first.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator(".rating-summary").first.is_visible()
    shown.scroll_into_view_if_needed()
    no_overflow(page)
    check_accessibility(page)
    shot(page, "review-6-product-page-zh")
    page.goto(f"{live_server}/fr/products/{slug}")
    assert "Écrit en" in page.locator(".review", has_text=REVIEW_TEXT).inner_text()  # marked as the reviewer's language
    shot(page, "review-7-product-page-fr")
