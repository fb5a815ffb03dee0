"""(c) A new vendor on a 360 px phone finds "Sell on Silk Road Market" from home, applies, and is e-mailed in the
store's language when staff approve; (d) staff on a 1280 px laptop start at the staff home and reach every queue."""
from __future__ import annotations

import email
import re
from email.policy import default as default_policy
from pathlib import Path

from campaigns.demo.seed import DEMO_PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def no_overflow(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def mails_to(outbox: Path, address: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        if message["To"] == address:
            found.append(message)
    return found


def staff_page(browser, base: str, width: int = 1280, height: int = 800):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{base}/en/account/login")
    page.fill("#email", "staff@example.com")
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/en/staff/")  # staff land on their own home
    return context, page


def test_a_new_vendor_finds_the_way_in_and_hears_of_the_approval(live_server, live_outbox, browser, phone,
                                                                  check_accessibility, tmp_path):
    page = phone
    page.goto(f"{live_server}/fr/")
    sell = page.locator("section.sell-on a.button")
    sell.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "c1-home-sell.png"))
    assert page.locator("footer").get_by_role("link", name="Vendre sur le Marché de la Route de la Soie").count() == 1
    sell.click()

    page.wait_for_url("**/fr/vendor/join")
    check_accessibility(page)
    ready = page.locator(".checklist li")
    assert ready.count() == 3
    assert "places de boutique de campagne" in page.locator(".slots-left").inner_text()
    assert "3 jours ouvrés" in page.content()
    page.screenshot(path=str(tmp_path / "c2-join.png"), full_page=True)
    no_overflow(page)
    page.fill("#email", "aline@example.com")
    page.fill("#display_name", "Aline")
    page.fill("#password", "un long mot de passe")
    page.fill("#confirm", "un long mot de passe")
    page.locator("form button[type=submit].primary").click()

    page.wait_for_url("**/fr/vendor/onboarding/profile")
    page.fill("#name", "Café des Mille Collines")
    page.select_option("#country_code", "RW")
    page.fill("#city", "Kigali")
    page.locator("input[name=categories]").nth(0).check()
    page.select_option("#original_language", "fr")
    page.fill("#story_fr", "Nous torréfions le café des collines du lac Kivu.")
    page.locator("form button[type=submit].primary").click()

    page.wait_for_url("**/fr/vendor/onboarding/business")
    page.fill("#registration_number", "RW-KGL-2021-0042")
    page.fill("#phone", "0788 123 456")
    page.set_input_files("#document", files=[{"name": "rdb.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator("form button[type=submit].primary").click()

    # The mobile-money number typed the way it is printed on a business card.
    page.wait_for_url("**/fr/vendor/onboarding/payout")
    page.locator("input[name=method][value=mobile_money]").check()
    page.fill("#provider", "MTN MoMo")
    page.fill("#account_name", "Aline Uwase")
    page.fill("#account_number", "+250 788 123 456")
    page.screenshot(path=str(tmp_path / "c3-payout.png"), full_page=True)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/fr/vendor/onboarding/review")
    assert "•••• 3456" in page.content()
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/fr/vendor/application")

    context, staff = staff_page(browser, live_server)
    try:
        staff.goto(f"{live_server}/en/staff/")
        assert int(staff.locator("[data-work=applications] .count").inner_text()) >= 1
        staff.locator("[data-work=applications] a").click()
        staff.get_by_role("link", name="Café des Mille Collines").click()
        assert "campaign store slot" in staff.locator(".slot-note").inner_text()
        staff.locator("form[action$='/approve'] button").click()
        assert staff.get_by_text("It took a campaign store slot").is_visible()
        staff.screenshot(path=str(tmp_path / "c4-staff-approved.png"), full_page=True)
    finally:
        context.close()

    [mail] = mails_to(live_outbox, "aline@example.com")
    assert mail["Subject"] == "Café des Mille Collines est approuvée sur le Marché de la Route de la Soie"
    assert mail["Content-Language"] == "fr"
    body = mail.get_content()
    assert "une des 100 boutiques" in body or "fait partie des 100 boutiques" in body
    link = re.search(r"https?://\S+/fr/vendor/products/", body).group(0)
    page.goto(link)
    assert page.locator("nav.backoffice-nav [aria-current=page]").inner_text() == "Vos produits"
    page.goto(f"{live_server}/fr/vendor/application")
    # products, shipping, orders, festivals, reviews, experiences, insights, payables, store
    assert page.locator("nav.backoffice-nav a").count() == 9
    page.screenshot(path=str(tmp_path / "c5-vendor-nav.png"))
    no_overflow(page)


def send_a_product_for_review(browser, base: str) -> None:
    """The demo vendor lists a new product and asks for its first publication."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{base}/en/account/login")
        page.fill("#email", "vendor@example.com")
        page.fill("#password", DEMO_PASSWORD)
        page.locator("form button[type=submit].primary").click()
        page.goto(f"{base}/en/vendor/products/new")
        original = page.locator("fieldset.locale")  # the store's own language, whichever it is
        original.locator("input").first.fill("Baobab fruit powder, 250 g")
        original.locator("textarea").first.fill("Dried baobab pulp, sieved and packed by hand.")
        page.select_option("#category_id", index=1)
        page.fill("#price", "900")
        page.fill("#stock", "40")
        page.locator("form.product-editor button[type=submit].primary").click()
        page.wait_for_url(re.compile(r".*/en/vendor/products/\d+$"))
        page.locator("form[action$='/publish'] button").click()
    finally:
        context.close()


def test_staff_start_at_the_staff_home_and_reach_every_queue(live_server, browser, check_accessibility, tmp_path):
    send_a_product_for_review(browser, live_server)
    context, page = staff_page(browser, live_server)
    try:
        page.goto(f"{live_server}/en/")  # and come back to it from any page through the menu
        page.get_by_role("link", name="Staff", exact=True).click()
        page.wait_for_url("**/en/staff/")
        check_accessibility(page)
        page.screenshot(path=str(tmp_path / "d1-staff-home.png"), full_page=True)
        no_overflow(page)
        queues = page.locator(".work-list a")
        expected_headings = {
            "applications": "Vendor applications", "products": "Products waiting for approval",
            "refunds": "Orders", "refunds-waiting": "Refunds to retry or pay out", "settlements": "Vendor payables",
        }
        keys = page.locator(".work-list li").evaluate_all("items => items.map(i => i.dataset.work)")
        assert {"applications", "products", "refunds", "settlements"} <= set(keys)
        assert any(key.startswith("festival-entries") for key in keys)
        for index, key in enumerate(keys):
            page.goto(f"{live_server}/en/staff/")
            count = int(queues.nth(index).locator(".count").inner_text().replace(",", ""))
            queues.nth(index).click()
            check_accessibility(page)
            heading = page.locator("h1").inner_text()
            if key in expected_headings:
                assert heading == expected_headings[key], key
            else:
                assert page.locator("nav.backoffice-nav [aria-current=page]").inner_text() == "Festivals"
            if key == "applications":
                assert page.locator("table.list tbody tr").count() == count
            if key == "products":
                assert count >= 1 and page.locator("article.review-item").count() == count
                assert page.get_by_role("heading", name="Baobab fruit powder, 250 g").is_visible()
            page.screenshot(path=str(tmp_path / f"d2-{key}.png"))
        # Every staff area from the one menu, each marked as the current page when open.
        page.goto(f"{live_server}/en/staff/")
        names = page.locator("nav.backoffice-nav a").all_inner_texts()
        assert names == ["Staff home", "Campaign dashboard", "Vendors", "Products", "Festivals", "Lectures", "Orders",
                         "Reviews", "Payables", "Exchange rates", "Duties and taxes"]
        for name in names:
            page.locator("nav.backoffice-nav").get_by_role("link", name=name, exact=True).click()
            assert page.locator("nav.backoffice-nav [aria-current=page]").inner_text() == name
            assert page.locator("nav.backoffice-nav").count() == 1
    finally:
        context.close()


def test_the_staff_home_fits_a_phone(live_server, browser, tmp_path):
    context, page = staff_page(browser, live_server, 360, 740)
    try:
        for path in ("/en/staff/", "/ar/staff/", "/zh/staff/", "/en/staff/products/", "/en/staff/festivals/"):
            page.goto(live_server + path)
            no_overflow(page)
            page.screenshot(path=str(tmp_path / f"phone{path.replace('/', '-')}.png"), full_page=True)
    finally:
        context.close()
