"""A vendor finds the way in, knows what to bring, types numbers as they know them, and hears every decision
by e-mail in the store's language; staff see what they decide on, and approval counts toward the 100."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.festivals.announcements import announce_open_registrations
from campaigns.festivals.models import Festival, FestivalText, Wave
from marketplace.accounts.models import Role
from marketplace.catalog.models import ProductImage, ProductStatus
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.mail import get_mailer
from marketplace.vendors import slots
from marketplace.vendors.models import PayoutMethod, SlotQuota, Store, StoreStatus


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF)


@pytest.fixture
def outbox(app):
    mailer = get_mailer()
    mailer.outbox.clear()
    return mailer.outbox


@pytest.fixture
def submitted(make_store):
    def make(**fields):
        store = make_store(status=StoreStatus.SUBMITTED, **fields)
        store.submitted_at = clock.now()
        db.session.commit()
        return store

    return make


@pytest.mark.parametrize("url", ["/en/", "/en/account/signup", "/en/categories/"])
def test_sell_on_silk_road_market_is_linked_from_home_footer_and_sign_up(client, countries, url):
    page = client.get(url).get_data(as_text=True)
    assert '<a href="/en/vendor/join">Sell on Silk Road Market</a>' in page


def test_the_join_page_says_what_to_bring_how_long_review_takes_and_places_left(app, client, countries, make_store,
                                                                              monkeypatch):
    monkeypatch.setitem(app.config, "VENDOR_REVIEW_DAYS", 5)
    make_store(is_campaign=True)
    slots.sync_quotas()
    page = client.get("/en/vendor/join").get_data(as_text=True)
    assert "What to have ready" in page
    assert "registration document" in page and "mobile-money number" in page and "photos of your products" in page
    assert "within 5 working days" in page
    assert "99 of 100 campaign store places left." in page
    french = client.get("/fr/vendor/join").get_data(as_text=True)
    assert "What to have ready" not in french and "99" in french


def test_the_join_page_says_when_every_place_is_taken(app, client, countries, monkeypatch, make_store):
    monkeypatch.setitem(app.config, "CAMPAIGN_STORE_TARGET", 1)
    make_store(is_campaign=True)
    slots.sync_quotas()
    page = client.get("/en/vendor/join").get_data(as_text=True)
    assert "All 1 campaign store places are taken." in page


@pytest.fixture
def payout_client(client, make_user, make_store, login):
    vendor = make_user(role=Role.VENDOR)
    store = make_store(owner=vendor, country_code="RW", status=StoreStatus.DRAFT)
    login(vendor)
    return client, store


@pytest.mark.parametrize("typed", ["+250 788 123 456", "0788-123-456", "788.123.456", " +250788123456 "])
def test_mobile_money_numbers_are_accepted_as_people_type_them(payout_client, typed):
    client, store = payout_client
    response = client.post("/en/vendor/onboarding/payout", data={
        "method": "mobile_money", "provider": "MTN MoMo", "account_name": "Aline Uwase", "account_number": typed})
    assert response.status_code == 302
    db.session.refresh(store)
    assert store.payout_method == PayoutMethod.MOBILE_MONEY and store.payout_account_number == "+250788123456"


def test_a_number_that_cannot_be_mobile_money_is_refused_and_kept(payout_client):
    client, store = payout_client
    response = client.post("/en/vendor/onboarding/payout", data={
        "method": "mobile_money", "provider": "MTN MoMo", "account_name": "Aline Uwase", "account_number": "12 34"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Enter a mobile-money number valid in your country" in page
    assert 'value="12 34"' in page
    db.session.refresh(store)
    assert store.payout_account_number == ""


def test_bank_account_numbers_lose_spaces_dashes_and_dots(payout_client):
    client, store = payout_client
    client.post("/en/vendor/onboarding/payout", data={
        "method": "bank", "provider": "Bank of Kigali", "account_name": "Aline Uwase",
        "account_number": "rw12 0001-0002.0003"})
    db.session.refresh(store)
    assert store.payout_account_number == "RW12000100020003"


@pytest.mark.parametrize(("language", "subject"), [("fr", "est approuvée"), ("ar", "تمت الموافقة")])
def test_approval_is_e_mailed_in_the_store_language(client, login, staff, submitted, outbox, language, subject):
    store = submitted(name="Atlas Argan", language=language)
    login(staff)
    client.post(f"/en/staff/vendors/{store.id}/approve")
    [message] = outbox
    assert message.to == store.owner.email and message.language == language
    assert subject in message.subject and "Atlas Argan" in message.subject
    assert f"/{language}/vendor/products/" in message.body


@pytest.mark.parametrize(("decision", "language", "words"), [
    ("request-changes", "fr", "demande des modifications"),
    ("reject", "ar", "لم تتم الموافقة"),
])
def test_sending_back_and_rejecting_are_e_mailed_with_the_reason(client, login, staff, submitted, outbox, decision,
                                                                 language, words):
    store = submitted(name="Sahel Leather", language=language)
    login(staff)
    client.post(f"/en/staff/vendors/{store.id}/{decision}", data={"reason": "Upload a clearer certificate."})
    [message] = outbox
    assert message.language == language and words in message.subject
    assert "Upload a clearer certificate." in message.body


def test_product_decisions_are_e_mailed_in_the_store_language(client, login, staff, make_store, make_product,
                                                              outbox):
    store = make_store(language="fr")
    published = make_product(store=store, status=ProductStatus.PENDING_REVIEW, language="fr",
                             texts={"fr": "Beurre de karité", "en": "Shea butter"})
    refused = make_product(store=store, status=ProductStatus.PENDING_REVIEW, language="fr",
                           texts={"fr": "Savon noir"})
    login(staff)
    client.post(f"/en/staff/products/{published.id}/approve")
    client.post(f"/en/staff/products/{refused.id}/reject", data={"reason": "La photo est floue."})
    approved_mail, refused_mail = outbox
    assert approved_mail.language == "fr" and approved_mail.subject == "Publié : Beurre de karité"
    assert refused_mail.subject == "Renvoyé : Savon noir" and "La photo est floue." in refused_mail.body


def test_approving_claims_a_campaign_slot_until_none_remain(app, client, login, staff, submitted, monkeypatch,
                                                           outbox):
    monkeypatch.setitem(app.config, "CAMPAIGN_STORE_TARGET", 1)
    first, second = submitted(name="First Coop"), submitted(name="Second Coop")
    slots.sync_quotas()
    login(staff)
    detail = client.get(f"/en/staff/vendors/{first.id}").get_data(as_text=True)
    assert "Approving gives the store a campaign store slot (1 left)" in detail
    page = client.post(f"/en/staff/vendors/{first.id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "It took a campaign store slot: 0 left." in page
    assert "This store holds a campaign store slot" in page
    db.session.expire_all()
    assert db.session.get(Store, first.id).is_campaign
    assert "one of the campaign's 100 stores" in outbox[0].body

    detail = client.get(f"/en/staff/vendors/{second.id}").get_data(as_text=True)
    assert "No campaign store slot is left: the store will be approved without counting" in detail
    page = client.post(f"/en/staff/vendors/{second.id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "No campaign store slot is left, so it does not count toward the campaign." in page
    db.session.expire_all()
    second = db.session.get(Store, second.id)
    assert second.status == StoreStatus.APPROVED and not second.is_campaign
    assert db.session.get(SlotQuota, slots.STORE_SLOTS).used == 1

    # Staff release the first store's slot and give it to the second.
    client.post(f"/en/staff/vendors/{first.id}/campaign", data={"marked": "0"})
    client.post(f"/en/staff/vendors/{second.id}/campaign", data={"marked": "1"})
    db.session.expire_all()
    assert not db.session.get(Store, first.id).is_campaign and db.session.get(Store, second.id).is_campaign


def test_product_review_shows_photos_category_price_and_every_text(client, login, staff, make_product, make_category):
    category = make_category("shea-butter", names={"en": "Shea butter", "fr": "Beurre de karité"})
    product = make_product(status=ProductStatus.PENDING_REVIEW, category=category, price=2500, currency="XOF",
                           language="fr", texts={"fr": "Beurre brut", "en": "Raw butter", "ar": "زبدة خام"})
    db.session.add(ProductImage(product=product, key="a" * 32, width=640, height=480, rendition_widths="320,640",
                                fallback_width=640))
    db.session.commit()
    login(staff)
    page = client.get("/en/staff/products/").get_data(as_text=True)
    assert 'alt="Photo 1 of Raw butter"' in page and f"/media/{'a' * 32}-320.webp" in page
    assert "<dd>Shea butter</dd>" in page and "2,500" in page
    for text in ("Beurre brut", "Raw butter", "زبدة خام", "About Beurre brut.", "About زبدة خام."):
        assert text in page
    assert 'lang="ar" dir="rtl"' in page


def test_the_application_page_shows_the_logo(client, login, staff, submitted):
    store = submitted(logo_key="b" * 32 + "-96.webp")
    login(staff)
    page = client.get(f"/en/staff/vendors/{store.id}").get_data(as_text=True)
    assert f'src="/media/{"b" * 32}-96.webp" alt="Logo"' in page
    bare = submitted()
    assert "No logo uploaded." in client.get(f"/en/staff/vendors/{bare.id}").get_data(as_text=True)


def test_approved_vendors_hear_once_when_a_festival_opens_for_registration(app, make_store, make_user, outbox):
    staff = make_user(role=Role.STAFF)
    arabic, french = make_store(language="ar"), make_store(language="fr")
    make_store(status=StoreStatus.SUBMITTED)
    now, day = clock.now(), timedelta(days=1)
    festival = Festival(slug="harvest", registration_opens_at=now + day, registration_closes_at=now + 3 * day,
                        warmup_starts_at=now + 4 * day, created_by_id=staff.id,
                        texts=[FestivalText(language="en", name="Harvest"), FestivalText(language="fr", name="Récolte")],
                        waves=[Wave(starts_at=now + 5 * day, ends_at=now + 6 * day)])
    db.session.add(festival)
    db.session.commit()
    assert announce_open_registrations(now) == 0 and outbox == []
    assert announce_open_registrations(now + 2 * day) == 1
    by_address = {message.to: message for message in outbox}
    assert set(by_address) == {arabic.owner.email, french.owner.email}
    assert by_address[french.owner.email].language == "fr" and "Récolte" in by_address[french.owner.email].subject
    assert by_address[arabic.owner.email].language == "ar"
    assert announce_open_registrations(now + 2 * day) == 0 and len(outbox) == 2
    assert db.session.scalars(select(Festival.registration_announced_at)).one() is not None


def test_scheduling_a_festival_with_registration_open_tells_vendors(client, login, staff, make_store, outbox):
    from tests.festivals.staff_form import local_field

    make_store(language="fr")
    now, day, zone = clock.now(), timedelta(days=1), "Africa/Nairobi"
    form = {"original_language": "en", "time_zone": zone, "theme": "Harvest", "slug": "open-now", "country_code": "",
            "name_en": "Harvest", "description_en": "",
            "registration_opens": local_field(now - day / 24, zone), "registration_closes": local_field(now + day, zone),
            "warmup_starts": local_field(now + 2 * day, zone), "wave_0_starts": local_field(now + 3 * day, zone),
            "wave_0_ends": local_field(now + 4 * day, zone)}
    login(staff)
    response = client.post("/en/staff/festivals/new", data=form, follow_redirects=True)
    assert "approved vendors were told by e-mail" in response.get_data(as_text=True)
    assert len(outbox) == 1 and outbox[0].language == "fr"
