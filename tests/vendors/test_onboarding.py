"""A vendor gets from "I heard about the campaign" to a submitted application, step by step."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import Category
from marketplace.extensions import db
from marketplace.media.artwork import draw_product_artwork
from marketplace.vendors.documents import document_path
from marketplace.vendors.models import PayoutMethod, Store, StoreStatus

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    draw_product_artwork(3, 3, size=64).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def vendor_client(client, countries, make_category):
    make_category("shea-butter")
    make_category("honey")
    response = client.post("/fr/vendor/join", data={
        "email": "abena@example.com", "display_name": "Abena", "password": "a long password",
        "confirm": "a long password"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/fr/vendor/onboarding/profile"
    return client


def profile_data(**overrides):
    categories = db.session.scalars(select(Category.id)).all()
    data = {"name": "Abena Shea Collective", "country_code": "GH", "city": "Tamale",
            "categories": [str(c) for c in categories[:2]], "original_language": "en",
            "tagline_en": "Hand-made shea butter", "story_en": "We are forty women from Tamale.",
            "story_fr": "Nous sommes quarante femmes de Tamale."}
    data.update(overrides)
    return data


def business_data(**overrides):
    data = {"registration_number": "BN-2024-0042", "phone": "024 123 4567",
            "document": (io.BytesIO(PDF), "certificate.pdf")}
    data.update(overrides)
    return data


def payout_data(**overrides):
    data = {"method": "mobile_money", "provider": "MTN MoMo", "account_name": "Abena Mensah",
            "account_number": "0241234567"}
    data.update(overrides)
    return data


def store() -> Store:
    db.session.expire_all()
    return db.session.scalars(select(Store)).one()


def test_the_whole_wizard_saves_each_step_and_submits(vendor_client):
    user = db.session.scalars(select(User)).one()
    assert user.role == Role.VENDOR
    response = vendor_client.post("/fr/vendor/onboarding/profile", data=profile_data())
    assert response.headers["Location"] == "/fr/vendor/onboarding/business"
    saved = store()
    assert saved.status == StoreStatus.DRAFT and saved.owner_id == user.id
    assert {t.language for t in saved.texts} == {"en", "fr"}

    response = vendor_client.post("/fr/vendor/onboarding/business", data=business_data(),
                                  content_type="multipart/form-data")
    assert response.headers["Location"] == "/fr/vendor/onboarding/payout"
    saved = store()
    assert saved.phone == "+233241234567"
    assert document_path(saved.documents[0].storage_key).read_bytes() == PDF

    response = vendor_client.post("/fr/vendor/onboarding/payout", data=payout_data())
    assert response.headers["Location"] == "/fr/vendor/onboarding/review"
    saved = store()
    assert saved.payout_method == PayoutMethod.MOBILE_MONEY and saved.payout_account_number == "+233241234567"
    review_page = vendor_client.get("/fr/vendor/onboarding/review").get_data(as_text=True)
    assert "•••• 4567" in review_page and "0241234567" not in review_page

    response = vendor_client.post("/fr/vendor/onboarding/review")
    assert response.headers["Location"] == "/fr/vendor/application"
    assert store().status == StoreStatus.SUBMITTED
    page = vendor_client.get("/fr/vendor/application").get_data(as_text=True)
    assert "personnel de la campagne" in page or "campagne" in page


def test_a_dropped_connection_resumes_at_the_first_unfinished_step(vendor_client):
    vendor_client.post("/fr/vendor/onboarding/profile", data=profile_data())
    page = vendor_client.get("/fr/vendor/application").get_data(as_text=True)
    assert 'href="/fr/vendor/onboarding/business"' in page
    form = vendor_client.get("/fr/vendor/onboarding/profile").get_data(as_text=True)
    assert 'value="Abena Shea Collective"' in form and "We are forty women" in form


@pytest.mark.parametrize("overrides, field_text", [
    ({"name": ""}, "name"),
    ({"country_code": "FR"}, "country"),
    ({"categories": []}, "categor"),
    ({"story_en": ""}, "story"),
    ({"original_language": "de"}, "language"),
    ({"name": "x" * 5000}, "name"),
    ({"founded_year": "not a year"}, "year"),
])
def test_bad_profile_input_shows_a_message_and_saves_nothing(vendor_client, overrides, field_text):
    response = vendor_client.post("/en/vendor/onboarding/profile", data=profile_data(**overrides))
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Store.id)) is None


@pytest.mark.parametrize("overrides", [
    {"phone": "12"},
    {"phone": "+254 712 345678"},  # a Kenyan number for a Ghanaian store
    {"registration_number": ""},
    {"document": (b"<html><script>alert(1)</script></html>", "certificate.pdf")},
    {"document": (b"MZ\x90\x00 not a pdf", "scan.png")},
    {"document": (PDF[:20], "truncated.pdf")},
    {"document": (png_bytes()[:60], "truncated.png")},
    {"document": (b"", "empty.pdf")},
])
def test_bad_business_details_change_nothing(vendor_client, overrides):
    if "document" in overrides:  # a fresh file object for every run (each database runs the test)
        content, name = overrides["document"]
        overrides = {**overrides, "document": (io.BytesIO(content), name)}
    vendor_client.post("/en/vendor/onboarding/profile", data=profile_data())
    response = vendor_client.post("/en/vendor/onboarding/business", data=business_data(**overrides),
                                  content_type="multipart/form-data")
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    saved = store()
    assert saved.registration_number == "" and saved.phone == "" and saved.documents == []


def test_a_png_document_is_accepted_by_its_content(vendor_client):
    vendor_client.post("/en/vendor/onboarding/profile", data=profile_data())
    response = vendor_client.post("/en/vendor/onboarding/business",
                                  data=business_data(document=(io.BytesIO(png_bytes()), "../../etc/passwd")),
                                  content_type="multipart/form-data")
    assert response.status_code == 302
    document = store().documents[0]
    assert document.content_type == "image/png" and document.filename == "passwd.png"


def test_payout_number_is_never_shown_back_and_blank_keeps_it(vendor_client):
    vendor_client.post("/en/vendor/onboarding/profile", data=profile_data())
    vendor_client.post("/en/vendor/onboarding/payout", data=payout_data())
    page = vendor_client.get("/en/vendor/onboarding/payout").get_data(as_text=True)
    assert "0241234567" not in page and "•••• 4567" in page
    vendor_client.post("/en/vendor/onboarding/payout", data=payout_data(account_number="", provider="Vodafone Cash"))
    saved = store()
    assert saved.payout_account_number == "+233241234567" and saved.payout_provider == "Vodafone Cash"


def test_cannot_submit_an_incomplete_application(vendor_client):
    vendor_client.post("/en/vendor/onboarding/profile", data=profile_data())
    response = vendor_client.post("/en/vendor/onboarding/review")
    assert response.status_code == 200
    assert store().status == StoreStatus.DRAFT


def test_fields_outside_the_form_are_ignored(vendor_client, make_user):
    other = make_user(role=Role.VENDOR)
    vendor_client.post("/en/vendor/onboarding/profile", data=profile_data(
        status="approved", is_campaign="1", owner_id=str(other.id), slug="taken-over", id="999"))
    saved = store()
    assert saved.status == StoreStatus.DRAFT and not saved.is_campaign and saved.owner_id != other.id
    assert saved.slug == "abena-shea-collective"


def test_a_submitted_application_is_locked(vendor_client):
    vendor_client.post("/en/vendor/onboarding/profile", data=profile_data())
    vendor_client.post("/en/vendor/onboarding/business", data=business_data(), content_type="multipart/form-data")
    vendor_client.post("/en/vendor/onboarding/payout", data=payout_data())
    vendor_client.post("/en/vendor/onboarding/review")
    response = vendor_client.post("/en/vendor/onboarding/profile", data=profile_data(name="Changed name"))
    assert "being reviewed" in response.get_data(as_text=True)
    assert store().name == "Abena Shea Collective"


def test_a_shopper_can_open_a_store_with_their_account(client, make_user, login, countries):
    user = make_user()
    login(user)
    assert "Open a store with this account" in client.get("/en/vendor/join").get_data(as_text=True)
    response = client.post("/en/vendor/join")
    assert response.headers["Location"] == "/en/vendor/onboarding/profile"
    db.session.refresh(user)
    assert user.role == Role.VENDOR


def test_a_logo_is_checked_by_content_and_shown_on_the_store_page(vendor_client):
    bad = vendor_client.post("/en/vendor/onboarding/profile", content_type="multipart/form-data",
                             data=profile_data(logo=(io.BytesIO(PDF), "logo.png")))
    assert bad.status_code == 200 and "not a JPEG, PNG or WebP" in bad.get_data(as_text=True)
    assert db.session.scalar(select(Store.id)) is None
    huge = vendor_client.post("/en/vendor/onboarding/profile", content_type="multipart/form-data",
                              data=profile_data(logo=(io.BytesIO(b"\x89PNG" + b"0" * (5 * 1024 * 1024)), "logo.png")))
    assert "This file is larger than 5 MB." in huge.get_data(as_text=True)  # the logo's own limit
    assert db.session.scalar(select(Store.id)) is None
    response = vendor_client.post("/en/vendor/onboarding/profile", content_type="multipart/form-data",
                                  data=profile_data(logo=(io.BytesIO(png_bytes()), "logo.png")))
    assert response.status_code == 302
    saved = store()
    assert saved.logo_key and saved.logo_key.endswith(".webp")
    assert vendor_client.get(f"/media/{saved.logo_key}").status_code == 200
