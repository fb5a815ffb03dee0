"""On a 360 × 740 phone: every page each kind of visitor may open fits the screen's width, the header
stays under 100 px, and the first search result and the add-to-cart button show without scrolling.

The pages are the access matrix's GET routes that answer 200 for the visitor, filled in with the
live demo's ids, so a new route is measured here as soon as it has its access rule.
"""
from __future__ import annotations

import pytest

from campaigns.demo.seed import DEMO_PASSWORD
from tests.marketplace.test_access_matrix import ANON, RULES, SHOPPER, STAFF, VENDOR

PHONE = {"width": 360, "height": 740}
HEADER_MAX = 100
# Each visitor in one of the two languages that stretch a layout most: Chinese, and right-to-left Arabic.
VISITS = [(ANON, "zh"), (SHOPPER, "ar"), (VENDOR, "ar"), (STAFF, "zh")]
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 361 && !(e.parentElement.getBoundingClientRect().right > 361))
  .slice(0, 3).map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)}px)`)"""


class MissingId(dict):
    def __missing__(self, key: str) -> str:
        raise AssertionError(f"a route's URL needs the demo id {{{key}}}: add it to demo_ids")


@pytest.fixture(scope="module")
def demo_ids(live_app) -> dict:
    """The demo's objects that fill the access matrix's URL templates (the demo vendor's own ones)."""
    from datetime import timedelta

    from sqlalchemy import select

    from campaigns.demo.lecture_extras import SLIDES, slides_pdf
    from campaigns.festivals.models import Deal, Festival, FestivalText, Wave
    from campaigns.lectures.materials import add_material
    from campaigns.lectures.models import Lecture, LectureMaterial, Registration
    from marketplace.accounts.models import User
    from marketplace.catalog.models import Product, ProductImage
    from marketplace.core import clock
    from marketplace.core.assets import asset_url
    from marketplace.extensions import db
    from marketplace.orders.models import VendorOrder
    from marketplace.vendors.documents import check_document, store_document
    from marketplace.vendors.models import Store, StoreDocument

    with live_app.app_context():
        vendor = db.session.scalar(select(User).where(User.email == "vendor@example.com"))
        store = db.session.scalar(select(Store).where(Store.owner_id == vendor.id))
        photo = db.session.scalar(select(ProductImage).join(Product).where(Product.store_id == store.id)
                                  .order_by(ProductImage.id))
        vendor_order = db.session.scalar(select(VendorOrder).where(VendorOrder.store_id == store.id))
        festival = db.session.scalar(select(Festival).where(Festival.slug == "quality-african-products-festival"))
        # The festival's first deal in stock: its product page carries the festival box, the longest one.
        deal = db.session.scalar(select(Deal).join(Product).where(Deal.festival_id == festival.id, Product.stock > 0)
                                 .order_by(Deal.id))
        # The demo has no festival taking entries; the vendor's entry form needs one.
        now, day = clock.now(), timedelta(days=1)
        registering = db.session.scalar(select(Festival).where(Festival.slug == "phone-layout-entries"))
        if registering is None:
            registering = Festival(slug="phone-layout-entries", registration_opens_at=now - day,
                                   registration_closes_at=now + 2 * day, warmup_starts_at=now + 2 * day,
                                   texts=[FestivalText(language="en", name="Harvest Festival")],
                                   waves=[Wave(starts_at=now + 3 * day, ends_at=now + 4 * day)])
            db.session.add(registering)
            db.session.commit()
        document = db.session.scalar(select(StoreDocument).where(StoreDocument.store_id == store.id))
        if document is None:  # the demo store's registration certificate, for the staff's document link
            pdf = check_document(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "certificate.pdf")
            document = StoreDocument(store=store, filename=pdf.filename, content_type=pdf.content_type,
                                     size=len(pdf.data), storage_key=store_document(pdf))
            db.session.add(document)
            db.session.commit()
        lecture = db.session.scalar(select(Lecture).where(Lecture.starts_at > clock.now()).order_by(Lecture.starts_at))
        certificate = db.session.scalar(select(Registration.certificate_code).where(
            Registration.certificate_code.is_not(None)).order_by(Registration.id))  # the demo vendor's
        material = db.session.scalar(select(LectureMaterial).where(LectureMaterial.lecture_id == lecture.id))
        if material is None:  # the demo's slides belong to a later lecture; this one gets a copy
            staff = db.session.scalar(select(User).where(User.email == "staff@example.com"))
            material = add_material(staff, lecture, slides_pdf(SLIDES), "slides.pdf")
        with live_app.test_request_context():
            asset = asset_url("css/site.css")
            tourism = vendor_experience(vendor)
        product = deal.product
        return MissingId(
            asset=asset, media="/static/img/icon.svg", country=product.store.country_code,
            category=product.category.slug, store=store.slug, product=product.slug, product_id=product.id,
            store_id=store.id, document_id=document.id, own_product_id=photo.product_id, own_photo_id=photo.id,
            own_vendor_order_id=vendor_order.id, vendor_order_order_id=vendor_order.order_id,
            festival=festival.slug, festival_id=festival.id, registering_festival=registering.slug, deal_id=deal.id,
            lecture_id=lecture.id, lecture_series_id=lecture.series_id, certificate_code=certificate,
            lecture_material_id=material.id, **tourism,
        )


def vendor_experience(vendor) -> dict:
    """The demo vendor's experience (made on first use), and a demo operator's experience for shoppers."""
    from datetime import date, time, timedelta

    from sqlalchemy import select

    from campaigns.tourism import departures, experiences, options
    from campaigns.tourism.departures import DepartureSpec
    from campaigns.tourism.experiences import ExperienceFacts, ExperienceWords
    from campaigns.tourism.models import Experience
    from campaigns.tourism.options import UnitChanges
    from marketplace.catalog.models import Category, Product, ProductKind, ProductStatus
    from marketplace.extensions import db

    own = next(iter(experiences.vendor_experiences(vendor)), None)
    if own is None:
        own = experiences.create_experience(
            vendor, name="Village weaving afternoon", description="Weave a basket with the cooperative.",
            original_language="en", category_id=str(db.session.scalar(select(Category.id).order_by(Category.id))),
            facts=ExperienceFacts("Africa/Accra", 180, guide_languages=["en", "fr"]),
            words=ExperienceWords(itinerary="Welcome, weaving, tea.", meeting_point="Cooperative hall"))
        option = options.add_option(vendor, own.product_id, "en", "Small group")
        options.set_unit(vendor, option.id, UnitChanges("adult", "25", 1, 6))
        departures.add_departure(vendor, option.id, date.today() + timedelta(days=10), time(14, 0),
                                 DepartureSpec(8, 24))
    shown = db.session.scalar(select(Product.slug).join(Experience, Experience.product_id == Product.id).where(
        Product.kind == ProductKind.EXPERIENCE, Product.status == ProductStatus.PUBLISHED).order_by(Product.id))
    option = own.options[0]
    first = departures.option_departures(option)[0]
    return {"experience": shown, "own_experience_id": own.product_id, "own_option_id": option.id,
            "spare_unit_id": option.units[0].id, "own_departure_id": first.id, "spare_departure_id": first.id}


def phone_page(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    return context, context.new_page()


def log_in(page, base: str, role: str, lang: str) -> None:
    page.goto(f"{base}/{lang}/account/login")
    page.fill("#email", f"{role}@example.com")
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()


def header_height(page) -> float:
    return page.locator("header.site-header").bounding_box()["height"]


@pytest.mark.parametrize("role, lang", VISITS)
def test_every_page_a_visitor_may_open_fits_a_phone(browser, live_server, demo_ids, role, lang):
    context, page = phone_page(browser)
    try:
        if role != ANON:
            log_in(page, live_server, role, lang)
        refused, too_wide, too_tall, pages = [], [], [], 0
        for endpoint, (template, expected) in sorted(RULES.items()):
            if expected[role] != 200:
                continue
            url = live_server + template.format_map(MissingId(demo_ids, lang=lang))
            answer = page.request.get(url, max_redirects=0)
            if answer.status != 200:
                refused.append(f"{endpoint} {url}: {answer.status}")
                continue
            if not answer.headers.get("content-type", "").startswith("text/html"):
                continue  # files, feeds and JSON: nothing laid out on a screen
            page.goto(url, wait_until="domcontentloaded")  # the stylesheet and site.js have run by then
            pages += 1
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide.append(f"{endpoint} {url}: {width}px wide; widest: {', '.join(page.evaluate(WIDEST))}")
            if (height := header_height(page)) > HEADER_MAX:
                too_tall.append(f"{endpoint} {url}: header {height:.0f}px")
        assert pages >= 5, "too few pages were measured to mean anything"
        assert not refused, "pages the access matrix lets this visitor open did not answer 200:\n" + "\n".join(refused)
        assert not too_wide, f"pages wider than {PHONE['width']}px:\n" + "\n".join(too_wide)
        assert not too_tall, f"headers taller than {HEADER_MAX}px:\n" + "\n".join(too_tall)
    finally:
        context.close()


@pytest.mark.parametrize("role, lang, path", [(SHOPPER, "zh", "/zh/orders/"), (VENDOR, "fr", "/fr/vendor/orders/")])
def test_an_order_list_gives_each_fact_room_on_a_phone(browser, live_server, role, lang, path):
    """The rows of an order list are cards of two equal columns: a long store or customer name beside the date
    must not squeeze "2026年12月2日 22:29:03（纽约时间）" into a column a few characters wide."""
    context, page = phone_page(browser)
    try:
        log_in(page, live_server, role, lang)
        page.goto(live_server + path)
        rows = page.locator("table.stacked.orders tbody tr")
        assert rows.count() >= 1
        for index in range(rows.count()):
            row = rows.nth(index).bounding_box()
            placed = rows.nth(index).locator("td").nth(1).bounding_box()
            assert placed["width"] >= 0.45 * row["width"], f"row {index}: {placed['width']:.0f} of {row['width']:.0f}px"
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "ar"])
def test_the_first_search_result_shows_without_scrolling(browser, live_server, lang):
    context, page = phone_page(browser)
    try:
        page.goto(f"{live_server}/{lang}/search?q=shea")
        first = page.locator(".search-results .card").first
        assert first.bounding_box()["y"] < PHONE["height"]
        assert page.locator("details.refine").first.get_attribute("open") is None  # the filters are folded
        page.locator("details.refine > summary").first.click()
        assert page.locator("#search-category").is_visible()
        # Typing in the header's box offers the suggest API's completions.
        page.fill("#site-search", "she")
        page.locator("#site-search-suggestions option").first.wait_for(state="attached")
        assert "shea" in page.locator("#site-search-suggestions option").first.get_attribute("value")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "ar"])
def test_add_to_cart_shows_without_scrolling_and_the_header_counts_the_cart(browser, live_server, demo_ids, lang):
    context, page = phone_page(browser)
    try:
        page.goto(f"{live_server}/{lang}/products/{demo_ids['product']}")
        assert page.locator(".cart-count").inner_text() == "0"
        button = page.locator("form.add-to-cart button[type=submit]")
        box = button.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], "add-to-cart is below the fold"
        assert header_height(page) <= HEADER_MAX
        button.click()
        page.wait_for_selector(".flash-success")
        assert page.locator(".cart-count").inner_text() == "1"
        # Another visitor on the same (cached) page sees an empty cart, not this one.
        other_context, other = phone_page(browser)
        try:
            other.goto(f"{live_server}/{lang}/products/{demo_ids['product']}")
            assert other.locator(".cart-count").inner_text() == "0"
        finally:
            other_context.close()
        # The menu button opens the links, languages and currencies, without leaving the page.
        page.locator("details.menu > summary").click()
        assert page.locator("nav.primary").is_visible() and page.locator("nav.languages").is_visible()
    finally:
        context.close()
