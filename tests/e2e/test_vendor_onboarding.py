"""A new vendor onboards on a 360 px phone in French; staff approve the store and give it a campaign slot."""
from __future__ import annotations

import re

from campaigns.demo.seed import DEMO_PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def campaign_store_count(page, base: str) -> int:
    page.goto(f"{base}/fr/")
    text = page.locator(".progress .goal").first.inner_text()
    return int(re.search(r"(\d+)\s*/", text.replace("\u202f", "").replace("\u00a0", "")).group(1))


def test_vendor_onboards_and_staff_approve(live_server, browser, phone, check_accessibility):
    page = phone
    page.goto(f"{live_server}/fr/vendor/join")
    check_accessibility(page)
    page.fill("#email", "amina@example.com")
    page.fill("#display_name", "Amina")
    page.fill("#password", "un long mot de passe")
    page.fill("#confirm", "un long mot de passe")
    page.locator("form button[type=submit].primary").click()

    page.wait_for_url("**/fr/vendor/onboarding/profile")
    check_accessibility(page)
    page.fill("#name", "Karité d'Amina")
    page.select_option("#country_code", "SN")
    page.fill("#city", "Kaolack")
    page.locator("input[name=categories]").nth(0).check()
    page.locator("input[name=categories]").nth(1).check()
    page.select_option("#original_language", "fr")
    page.fill("#story_fr", "Nous transformons les noix de karité à la main depuis 2009.")
    page.locator("form button[type=submit].primary").click()

    page.wait_for_url("**/fr/vendor/onboarding/business")
    check_accessibility(page)
    page.fill("#registration_number", "SN-DKR-2019-B-1234")
    page.fill("#phone", "77 123 45 67")
    page.set_input_files("#document", files=[{"name": "registre.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator("form button[type=submit].primary").click()

    page.wait_for_url("**/fr/vendor/onboarding/payout")
    check_accessibility(page)
    page.locator("input[name=method][value=mobile_money]").check()
    page.fill("#provider", "Orange Money")
    page.fill("#account_name", "Amina Diop")
    page.fill("#account_number", "771234567")
    page.locator("form button[type=submit].primary").click()

    page.wait_for_url("**/fr/vendor/onboarding/review")
    check_accessibility(page)
    assert "•••• 4567" in page.content()
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/fr/vendor/application")
    assert page.locator(".notice").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    staff_context = browser.new_context(viewport={"width": 360, "height": 740})
    staff = staff_context.new_page()
    try:
        before = campaign_store_count(staff, live_server)
        staff.goto(f"{live_server}/fr/account/login")
        staff.fill("#email", "staff@example.com")
        staff.fill("#password", DEMO_PASSWORD)
        staff.locator("form button[type=submit].primary").click()
        staff.goto(f"{live_server}/fr/staff/vendors/")
        check_accessibility(staff)
        staff.get_by_role("link", name="Karité d'Amina").click()
        check_accessibility(staff)
        staff.locator("form[action$='/approve'] button").click()
        staff.locator("form[action$='/campaign'] button").click()
        assert campaign_store_count(staff, live_server) == before + 1
    finally:
        staff_context.close()

    page.goto(f"{live_server}/fr/vendor/application")
    assert page.locator(".notice.ok").is_visible()
    page.locator(".actions a").first.click()
    assert page.locator("h1").inner_text() == "Karité d'Amina"
