"""A new vendor onboards on a 360 px phone in French; staff approve the store and give it a campaign slot;
the vendor publishes a product with two photos, staff approve it, and the home page's counters move."""
from __future__ import annotations

import io
import re

from campaigns.demo.seed import DEMO_PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def campaign_count(page, base: str, which: int = 0) -> int:
    """The home page's campaign stores (0) or campaign products (1) counter."""
    page.goto(f"{base}/fr/")
    text = page.locator(".progress .goal").nth(which).inner_text()
    return int(re.search(r"(\d+)\s*/", text.replace("\u202f", "").replace("\u00a0", "").replace(",", "")).group(1))


def jpeg(seed: int) -> bytes:
    from marketplace.media.artwork import draw_product_artwork

    buffer = io.BytesIO()
    draw_product_artwork(seed, seed, size=640).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


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
    # A scan bigger than the site takes is stopped in the phone, before a byte is sent; what was typed stays.
    page.set_input_files("#document", files=[{"name": "scan.pdf", "mimeType": "application/pdf",
                                              "buffer": PDF + b"0" * (17 * 1024 * 1024)}])
    page.locator("form button[type=submit].primary").click()
    assert "16 Mo" in page.locator(".upload-too-large[role=alert]").inner_text()
    assert page.url.endswith("/fr/vendor/onboarding/business")
    assert page.input_value("#registration_number") == "SN-DKR-2019-B-1234"
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
        before = campaign_count(staff, live_server)
        staff.goto(f"{live_server}/fr/account/login")
        staff.fill("#email", "staff@example.com")
        staff.fill("#password", DEMO_PASSWORD)
        staff.locator("form button[type=submit].primary").click()
        staff.goto(f"{live_server}/fr/staff/vendors/")
        check_accessibility(staff)
        staff.get_by_role("link", name="Karité d'Amina").click()
        check_accessibility(staff)
        # Approving takes a campaign store slot at once (staff could release it on the same page).
        staff.locator("form[action$='/approve'] button").click()
        assert staff.locator("form[action$='/campaign'] button").count() == 1
        assert campaign_count(staff, live_server) == before + 1

        page.goto(f"{live_server}/fr/vendor/application")
        assert page.locator(".notice.ok").is_visible()
        page.locator(".actions a").first.click()
        assert "Karité d'Amina" in page.locator("h1").inner_text()

        # The vendor lists a product with two photos and sends it for its first review.
        page.goto(f"{live_server}/fr/vendor/products/new")
        check_accessibility(page)
        page.fill("#texts-fr-name", "Beurre de karité brut, 500 g")
        page.fill("#texts-fr-description", "Beurre de karité non raffiné, baratté à la main à Kaolack.")
        page.select_option("#category_id", index=1)
        page.fill("#price", "2500")
        page.select_option("#currency", "XOF")
        page.fill("#stock", "30")
        page.locator("form.product-editor button[type=submit].primary").click()
        page.wait_for_url(re.compile(r".*/fr/vendor/products/\d+$"))
        product_url = page.url
        page.goto(product_url + "/photos")
        page.set_input_files("#photos", files=[
            {"name": "pot.jpg", "mimeType": "image/jpeg", "buffer": jpeg(11)},
            {"name": "noix.jpg", "mimeType": "image/jpeg", "buffer": jpeg(12)},
        ])
        page.locator("form[enctype] button[type=submit].primary").click()
        assert page.locator(".photo-item").count() == 2
        check_accessibility(page)
        page.goto(product_url)
        page.locator("form[action$='/publish'] button").click()

        # Staff approve its first publication and give it a campaign product slot.
        products_before = campaign_count(staff, live_server, 1)
        staff.goto(f"{live_server}/fr/staff/products/")
        product_id = product_url.rstrip("/").rsplit("/", 1)[1]  # other tests' products may wait in the queue too
        staff.locator(f"form[action$='/products/{product_id}/approve'] button").click()
        staff.goto(f"{live_server}/fr/staff/vendors/")
        staff.goto(staff.url + "?status=approved")
        staff.get_by_role("link", name="Karité d'Amina").click()
        staff.locator("form[action*='/staff/products/'][action$='/campaign'] button").first.click()
        assert campaign_count(staff, live_server, 1) == products_before + 1

        # A shopper finds it through the pavilion and sees both photos.
        shopper_context = browser.new_context(viewport={"width": 360, "height": 740})
        shopper = shopper_context.new_page()
        shopper.goto(f"{live_server}/fr/pavilions/SN")
        shopper.get_by_role("link", name="Karité d'Amina").click()
        shopper.get_by_role("link", name="Beurre de karité brut, 500 g").first.click()
        assert shopper.locator("h1").inner_text() == "Beurre de karité brut, 500 g"
        assert shopper.locator(".gallery img").count() == 2
        check_accessibility(shopper)
        shopper_context.close()
    finally:
        staff_context.close()
