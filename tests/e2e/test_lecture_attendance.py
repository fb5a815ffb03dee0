"""A vendor on a phone in Swahili registers for a festival-preparation lecture, gets the reminder e-mail, checks
in with the code staff show for the speaker, downloads the certificate of attendance (the PDF names them and
the lecture), opens its public verification page, and their store page shows it is festival-ready."""
from __future__ import annotations

import email
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy

from campaigns.demo.seed import DEMO_PASSWORD

START = datetime(2040, 3, 6, 7, 0, tzinfo=UTC)  # 10:00 in Nairobi, years after the demo's own lectures
TITLE_SW = "Kupiga picha za bidhaa kwa wanunuzi wa China"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def make_lecture(app) -> tuple[int, str]:
    """A vendors' lecture of a festival-preparation series; its id, and the demo vendor's store page path."""
    from sqlalchemy import select

    from campaigns.lectures.models import (
        Audience,
        Lecture,
        LectureSeries,
        LectureSeriesText,
        LectureSpeaker,
        LectureText,
    )
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.vendors.models import Store

    with app.app_context():
        series = LectureSeries(original_language="sw", festival_preparation=True,
                               texts=[LectureSeriesText(language="sw", title="Kujiandaa kwa tamasha")])
        lecture = Lecture(series=series,
            original_language="sw", spoken_language="sw", starts_at=START, time_zone="Africa/Nairobi",
            duration_minutes=60, capacity=30, audience=Audience.VENDORS,
            join_url="https://meet.example.org/silk-road/e2e-attendance",
            texts=[LectureText(language="sw", title=TITLE_SW, abstract="Mwanga, mandharinyuma na pembe."),
                   LectureText(language="en", title="Product photos for Chinese shoppers", abstract="")],
            speakers=[LectureSpeaker(position=0, name="Amina Yusuf", role="Mpiga picha, Lagos")])
        db.session.add(lecture)
        db.session.commit()
        store = db.session.scalar(select(Store).join(User, Store.owner_id == User.id)
                                  .where(User.email == "vendor@example.com"))
        return lecture.id, f"/sw/stores/{store.slug}"


def staff_makes_the_code(browser, base: str, lecture_id: int, check_accessibility) -> str:
    """Staff open the lecture's attendance page, make a check-in code and read it off the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{base}/en/account/login")
        page.fill("input[name=email]", "staff@example.com")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.locator("form button[type=submit].primary").click()
        page.goto(f"{base}/en/staff/lectures/")
        page.locator(f"a[href$='/staff/lectures/{lecture_id}/attendance']").click()
        page.get_by_role("button", name="Make a check-in code").click()
        shown = page.locator(".checkin-code")
        expect(shown).to_be_visible()
        assert float(shown.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= 40
        check_accessibility(page)
        return shown.inner_text().replace(" ", "")
    finally:
        context.close()


def test_a_swahili_vendor_on_a_phone_registers_checks_in_and_gets_the_certificate(
        live_app, live_server, live_outbox, browser, check_accessibility, tmp_path):

    from campaigns.lectures import reminders
    from marketplace.core import clock

    lecture_id, store_page = make_lecture(live_app)
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  locale="sw", accept_downloads=True)
    page = context.new_page()
    lecture_page = f"{live_server}/sw/lectures/{lecture_id}"
    try:
        with clock.freeze(START - timedelta(days=3)):
            page.goto(f"{live_server}/sw/account/login")
            page.fill("input[name=email]", "vendor@example.com")
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.locator("form button[type=submit].primary").click()
            page.goto(f"{live_server}{store_page}")
            expect(page.locator(".badge.festival-ready")).to_have_count(0)  # not yet festival-ready
            page.goto(lecture_page)
            expect(page.locator("h1")).to_have_text(TITLE_SW)
            page.locator(f"form[action$='/lectures/{lecture_id}/register'] button").click()
            expect(page.locator(".flash")).to_contain_text("Umesajiliwa")

        with clock.freeze(START - timedelta(minutes=50)), live_app.test_request_context(base_url=live_server):
            assert reminders.send_due_reminders() >= 1
        mails = [email.message_from_bytes(path.read_bytes(), policy=default_policy)
                 for path in sorted(live_outbox.glob("*.eml"))]
        reminder = [mail for mail in mails if mail["To"] == "vendor@example.com" and TITLE_SW in mail.get_content()]
        assert reminder, "the reminder e-mail names the lecture in Swahili"
        assert "Africa/Nairobi" in reminder[-1].get_content()

        with clock.freeze(START - timedelta(minutes=5)):  # staff make the code on a laptop, shown large
            code = staff_makes_the_code(browser, live_server, lecture_id, check_accessibility)
        with clock.freeze(START + timedelta(minutes=4)):
            page.goto(lecture_page)
            page.fill("#code", f"{code[:3]} {code[3:]}")  # typed as the speaker reads it out
            page.locator("#attendance button[type=submit]").click()
            expect(page.locator(".flash")).to_contain_text("Karibu")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360

        with clock.freeze(START + timedelta(hours=2)):
            page.goto(lecture_page)
            check_accessibility(page)
            page.fill("#name", "Neema Mwakyusa")
            with page.expect_download() as download:
                page.locator("#attendance form button[type=submit]").click()
            pdf = download.value.path().read_bytes()
            assert pdf.startswith(b"%PDF")
            page.goto(lecture_page)
            verify = page.locator("#attendance a[href*='/certificates/']")
            verify.click()
            expect(page.locator("main")).to_contain_text("Neema Mwakyusa")
            check_accessibility(page)
            page.screenshot(path=str(tmp_path / "certificate-check.png"), full_page=True)
            page.goto(f"{live_server}{store_page}")  # attending made the store festival-ready
            expect(page.locator(".badge.festival-ready")).to_have_text("Tayari kwa tamasha")
            check_accessibility(page)
    finally:
        context.close()
    if pdftotext := shutil.which("pdftotext"):
        path = tmp_path / "certificate.pdf"
        path.write_bytes(pdf)
        text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, check=True,  # noqa: S603
                              text=True).stdout
        assert "Neema Mwakyusa" in text and TITLE_SW in " ".join(text.split())
