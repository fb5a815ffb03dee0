"""A Chinese shopper on a 360 px phone picks a date on an experience's calendar, books 2 adults and a child, names
the travellers, pays through the Stripe test double and sees the booking on the order page; the operator, a
French-speaking guide in Morocco, opens the departure's manifest in French and finds the three travellers."""
from __future__ import annotations

import time
import urllib.request
from datetime import date, timedelta
from datetime import time as time_of_day

import pytest

from campaigns.demo.seed import DEMO_PASSWORD
from tests.payments.conftest import STRIPE_SETTINGS, FakeStripe, event, sign, use_stripe

OPERATOR = "operator3@example.com"  # Atlas & Désert, Marrakech, writes in French


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def paying_by_stripe(live_app):
    """The live app pays through Stripe's test double for this test, then as before."""
    from marketplace import payments

    fake = FakeStripe()
    fake.thread.start()
    saved = {name: live_app.config.get(name) for name in STRIPE_SETTINGS}
    use_stripe(live_app, fake.url)
    yield fake
    live_app.config.update(saved)
    payments.init_app(live_app)
    fake.server.shutdown()
    fake.server.server_close()


def make_experience(app) -> tuple[str, int, date]:
    """The operator's desert night with adult and child prices and a departure in three weeks; its page's slug,
    the departure's id and its local date."""
    from sqlalchemy import select

    from campaigns.tourism import departures, experiences, options
    from campaigns.tourism.departures import DepartureSpec
    from campaigns.tourism.experiences import ExperienceFacts, ExperienceWords
    from campaigns.tourism.options import UnitChanges
    from marketplace.accounts.models import User
    from marketplace.catalog.models import Category, ProductStatus
    from marketplace.extensions import db

    with app.app_context():
        operator = db.session.scalar(select(User).where(User.email == OPERATOR))
        category = db.session.scalar(select(Category).where(Category.slug == "tourism"))
        experience = experiences.create_experience(
            operator, name="Nuit au bivouac de l'Erg Chigaga", description="Une nuit sous les étoiles.",
            original_language="fr", category_id=str(category.id),
            facts=ExperienceFacts("Africa/Casablanca", 1440, guide_languages=["fr", "en"], minimum_age=4),
            words=ExperienceWords(itinerary="Départ de M'Hamid en 4x4.\n\nDîner et nuit au bivouac.",
                                  meeting_point="Place centrale de M'Hamid"))
        option = options.add_option(operator, experience.product_id, "fr", "Tente partagée")
        options.set_unit(operator, option.id, UnitChanges("adult", "900", 1, 6))
        options.set_unit(operator, option.id, UnitChanges("child", "450", 0, 4, requires_adult=True))
        day = date.today() + timedelta(days=21)
        departure = departures.add_departure(operator, option.id, day, time_of_day(15, 0), DepartureSpec(8, 48))
        experience.product.status = ProductStatus.PUBLISHED
        db.session.commit()
        return experience.product.slug, departure.id, day


def log_in(page, base: str, email: str, lang: str) -> None:
    page.goto(f"{base}/{lang}/account/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_load_state()


def opened_session(fake: FakeStripe) -> str:
    """The id of the payment session the order opened at the test double (waiting for it a few seconds)."""
    for _attempt in range(100):
        if fake.sessions:
            return next(iter(fake.sessions))
        time.sleep(0.1)
    raise AssertionError("placing the order opened no payment session")


def stripe_says_paid(base: str, fake: FakeStripe, session_id: str) -> None:
    """Stripe's signed webhook for the completed payment, as Stripe would send it."""
    body = event("checkout.session.completed", fake.complete(session_id))
    request = urllib.request.Request(f"{base}/webhooks/stripe", data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "Stripe-Signature": sign(body)})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - the local live server
        assert answer.status == 200


def test_a_chinese_shopper_books_a_desert_night_for_three_and_the_operator_reads_the_manifest_in_french(
        live_app, live_server, paying_by_stripe, phone, browser, check_accessibility, tmp_path):
    slug, departure_id, day = make_experience(live_app)
    page = phone
    log_in(page, live_server, "shopper@example.com", "zh")

    # The calendar: the month of the departure, the day's slot, then the seats.
    page.goto(f"{live_server}/zh/experiences/{slug}?month={day:%Y-%m}")
    page.locator(f"table.month a.slot[href*='departure={departure_id}']").click()
    expect(page.locator("#chosen h2")).to_have_text("您选择的班次")
    page.fill("#units-adult", "2")
    page.fill("#units-child", "1")
    page.locator("form.units button[type=submit]").click()
    expect(page.locator("#chosen .total")).to_contain_text("合计：≈ ¥")  # 2 × 900 + 450 dirhams, about, in yuan
    page.screenshot(path=str(tmp_path / "experience-zh-phone.png"), full_page=True)
    check_accessibility(page)
    page.locator("form.book button[type=submit]").click()

    # The cart: one booking line, no quantity box; then checkout with three named travellers.
    expect(page.locator(".booking-detail")).to_contain_text("2 × 成人, 1 × 儿童")
    assert page.locator("input[name=quantity]").count() == 0
    page.locator("a.button.primary[href$='/checkout']").click()
    expect(page.locator("fieldset.travellers .traveller")).to_have_count(3)
    assert page.locator("#address_line").count() == 0  # nothing to ship
    page.fill("#recipient_name", "李伟")
    page.fill("#phone", "+86 138 0013 8000")
    names = ["李伟", "王芳", "李小明"]
    for seat, name in enumerate(names, start=1):
        page.fill(f"[name$='-{seat}-name']", name)
    page.fill("[name$='-3-notes']", "不吃辣")
    page.screenshot(path=str(tmp_path / "checkout-zh-phone.png"), full_page=True)
    check_accessibility(page)
    page.locator("form.checkout-form button[type=submit]").click()
    # Placing the order sends the browser to Stripe's payment page (not reachable here): the test double
    # holds the session it opened, and Stripe's webhook says it was paid.
    session_id = opened_session(paying_by_stripe)
    stripe_says_paid(live_server, paying_by_stripe, session_id)

    # Back from paying: the order page shows the booking, the travellers and that it is paid.
    page.goto(f"{live_server}/zh/orders/")
    page.locator("main a[href^='/zh/orders/']:not([href='/zh/orders/'])").first.click()
    detail = page.locator("main")
    expect(detail).to_contain_text("已付款")
    expect(detail).to_contain_text("2 × 成人, 1 × 儿童")
    for name in names:
        expect(detail).to_contain_text(name)
    expect(detail).to_contain_text("卡萨布兰卡")
    page.screenshot(path=str(tmp_path / "order-zh-phone.png"), full_page=True)

    # The operator's manifest, in French, on a laptop.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    desk = context.new_page()
    log_in(desk, live_server, OPERATOR, "fr")
    desk.goto(f"{live_server}/fr/vendor/experiences/departures/{departure_id}/manifest")
    expect(desk.locator("h1")).to_contain_text("Liste des passagers")
    manifest = desk.locator(".manifest-booking")
    for name in names:
        expect(manifest).to_contain_text(name)
    expect(manifest).to_contain_text("2 × Adulte, 1 × Enfant")
    expect(manifest).to_contain_text("不吃辣")
    desk.screenshot(path=str(tmp_path / "manifest-fr-laptop.png"), full_page=True)
    check_accessibility(desk)
    context.close()

    # Plans change: the shopper sees what cancelling gives back before confirming, three weeks ahead: all of it.
    page.locator(".booking-detail ~ p a[href*='/cancel']").click()
    expect(page.locator(".refund-quote .total")).to_contain_text("现在取消可退款")
    page.screenshot(path=str(tmp_path / "cancel-zh-phone.png"), full_page=True)
    check_accessibility(page)
    page.locator("form.cancel-booking button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("预订已取消")
    expect(page.locator("main")).to_contain_text("已取消")
