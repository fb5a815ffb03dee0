"""On a phone in Swahili: a registered vendor sees the speaker's photo and the slides, asks a question without
JavaScript's help, and a festival-ready store shows its badge; the pages pass axe and fit the screen."""
from __future__ import annotations

import os

from campaigns.demo.seed import DEMO_PASSWORD

FITS = "document.documentElement.scrollWidth <= 360"


def _lecture_of_the_demo_vendor(live_app) -> int:
    from sqlalchemy import select

    from campaigns.lectures.models import LectureMaterial, Registration, RegistrationStatus
    from marketplace.accounts.models import User
    from marketplace.extensions import db

    with live_app.app_context():
        vendor = db.session.scalar(select(User).where(User.email == "vendor@example.com"))
        registered = set(db.session.scalars(select(Registration.lecture_id).where(
            Registration.user_id == vendor.id, Registration.status == RegistrationStatus.REGISTERED)))
        with_slides = db.session.scalar(select(LectureMaterial.lecture_id).where(
            LectureMaterial.lecture_id.in_(registered)))
        assert with_slides, "the demo vendor has a seat at the lecture with the demo slides"
        return with_slides


def _ready_store_slug(live_app) -> str:
    from sqlalchemy import select

    from campaigns.lectures.readiness import ready_store_ids
    from marketplace.extensions import db
    from marketplace.vendors.models import Store

    with live_app.app_context():
        ready = sorted(ready_store_ids(list(db.session.scalars(select(Store.id)))))
        return db.session.get(Store, ready[0]).slug


def test_a_vendor_on_a_phone_asks_a_question_in_swahili(live_app, live_server, phone, check_accessibility):
    lecture_id = _lecture_of_the_demo_vendor(live_app)
    phone.goto(f"{live_server}/sw/account/login")
    phone.fill("#email", "vendor@example.com")
    phone.fill("#password", DEMO_PASSWORD)
    phone.locator("form button[type=submit].primary").click()
    phone.wait_for_load_state()
    phone.goto(f"{live_server}/sw/lectures/{lecture_id}")
    photo = phone.locator(".speakers img").first
    assert photo.get_attribute("loading") == "lazy" and photo.get_attribute("alt").startswith("Picha ya ")
    assert phone.locator(".materials a").count() == 1
    phone.fill("#body", "Je, bei ya tamasha inajumuisha usafirishaji hadi Guangzhou?")
    phone.get_by_role("button", name="Uliza").click()
    phone.wait_for_load_state()
    assert "Swali lako limewekwa." in phone.content()
    assert phone.locator(".question-list").get_by_text("usafirishaji hadi Guangzhou").count() == 1
    assert phone.evaluate(FITS), "the lecture page is wider than the phone"
    check_accessibility(phone)
    if folder := os.environ.get("SCREENSHOT_DIR"):
        phone.screenshot(path=os.path.join(folder, "lecture-questions-sw.png"), full_page=True)
    phone.goto(f"{live_server}/sw/stores/{_ready_store_slug(live_app)}")
    assert phone.locator(".badge.festival-ready").inner_text() == "Tayari kwa tamasha"
    assert phone.evaluate(FITS)
    if folder := os.environ.get("SCREENSHOT_DIR"):
        phone.screenshot(path=os.path.join(folder, "ready-store-sw.png"))
