"""An approved store's payout details change only with the password, are e-mailed to the owner and held for staff;
an approved store keeps the name, country and papers staff approved; typed text never carries control characters."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.mail import get_mailer
from marketplace.vendors.models import Store, StoreStatus
from marketplace.vendors.payout_changes import payout_details_digest
from tests.factories import PASSWORD


@pytest.fixture
def outbox(app) -> list:
    mailer = get_mailer()
    mailer.outbox.clear()
    return mailer.outbox


@pytest.fixture
def approved(client, login, make_store):
    store = make_store(name="Abena Shea Collective", country_code="GH", language="fr", payout_provider="MTN MoMo",
                       payout_account_name="Abena Mensah", payout_account_number="0241234567",
                       registration_number="BN-2024-0042", phone="+233241234567")
    store.payout_method = "mobile_money"
    db.session.commit()
    login(store.owner)
    return store


def fresh(store_id: int) -> Store:
    db.session.expire_all()
    return db.session.get(Store, store_id)


NEW_ACCOUNT = {"method": "bank", "provider": "Ecobank", "account_name": "A. Mensah", "account_number": "GH99 1234 5678"}


def test_changing_an_approved_stores_payout_needs_the_password(client, approved, outbox):
    for password in ("", "not my password"):
        response = client.post("/en/vendor/onboarding/payout", data={**NEW_ACCOUNT, "password": password})
        assert response.status_code == 200
        assert "Your current password is not right." in response.get_data(as_text=True)
        store = fresh(approved.id)
        assert store.payout_account_number == "0241234567" and not store.payout_on_hold
    assert outbox == []


def test_a_payout_change_is_emailed_to_the_owner_in_the_stores_language_and_held(client, approved, outbox):
    response = client.post("/en/vendor/onboarding/payout", data={**NEW_ACCOUNT, "password": PASSWORD},
                           follow_redirects=True)
    assert "Campaign staff check your new payout details" in response.get_data(as_text=True)
    store = fresh(approved.id)
    assert store.payout_account_number == "GH9912345678" and store.payout_on_hold
    assert store.status == StoreStatus.APPROVED
    [mail] = outbox
    assert mail.to == approved.owner.email and mail.language == "fr"
    assert "Abena Shea Collective" in mail.subject and "5678" in mail.body and "0241234567" not in mail.body
    assert mail.subject != "The payout details of Abena Shea Collective were changed", "in the store's language"


def test_saving_the_same_details_again_holds_nothing(client, approved, outbox):
    same = {"method": "mobile_money", "provider": "MTN MoMo", "account_name": "Abena Mensah", "account_number": ""}
    assert client.post("/en/vendor/onboarding/payout", data=same).status_code == 302
    assert not fresh(approved.id).payout_on_hold and outbox == []


def test_staff_confirm_what_they_saw_and_nothing_newer(client, login, approved, make_user):
    client.post("/en/vendor/onboarding/payout", data={**NEW_ACCOUNT, "password": PASSWORD})
    seen = payout_details_digest(fresh(approved.id))
    client.post("/en/vendor/onboarding/payout", data={**NEW_ACCOUNT, "account_number": "GH77 0000 1111",
                                                     "password": PASSWORD})  # changed again meanwhile
    login(make_user(role=Role.STAFF))
    page = client.get(f"/en/staff/vendors/{approved.id}").get_data(as_text=True)
    assert "Its settlements are held until you confirm them" in page and "GH7700001111" in page
    refused = client.post(f"/en/staff/vendors/{approved.id}/confirm-payout", data={"seen": seen},
                          follow_redirects=True)
    assert "changed again since you opened this page" in refused.get_data(as_text=True)
    assert fresh(approved.id).payout_on_hold
    current = payout_details_digest(fresh(approved.id))
    done = client.post(f"/en/staff/vendors/{approved.id}/confirm-payout", data={"seen": current},
                       follow_redirects=True)
    assert "The new payout details are confirmed" in done.get_data(as_text=True)
    store = fresh(approved.id)
    assert not store.payout_on_hold and store.payout_confirmed_at is not None


def test_a_vendor_cannot_confirm_their_own_change(client, approved):
    client.post("/en/vendor/onboarding/payout", data={**NEW_ACCOUNT, "password": PASSWORD})
    seen = payout_details_digest(fresh(approved.id))
    assert client.post(f"/en/staff/vendors/{approved.id}/confirm-payout", data={"seen": seen}).status_code == 403
    assert fresh(approved.id).payout_on_hold


@pytest.mark.parametrize(("step", "data", "field_text"), [
    ("profile", {"name": "Totally Different Name"}, "approved under this name"),
    ("profile", {"name": "Abena Shea Collective", "country_code": "KE"}, "approved in this country"),
    ("business", {"registration_number": "BN-9999-0001"}, "approved with this registration"),
])
def test_an_approved_store_keeps_what_staff_approved(client, approved, make_category, step, data, field_text):
    category = make_category("shea")
    base = {"profile": {"name": "Abena Shea Collective", "country_code": "GH", "city": "Tamale",
                        "categories": [str(category.id)], "original_language": "fr",
                        "story_fr": "Nous sommes quarante femmes."},
            "business": {"registration_number": "BN-2024-0042", "phone": "024 123 4567"}}[step]
    response = client.post(f"/en/vendor/onboarding/{step}", data={**base, **data})
    assert field_text in response.get_data(as_text=True)
    store = fresh(approved.id)
    assert (store.name, store.country_code, store.registration_number) == (
        "Abena Shea Collective", "GH", "BN-2024-0042")


@pytest.mark.parametrize("name", ["Abena\r\nBcc: x@evil.example", "Abena\x1bShea", "Abena \u202eetiS"])
def test_control_characters_are_refused_in_a_store_name(client, login, make_user, countries, make_category, name):
    login(make_user(role=Role.VENDOR))
    category = make_category("shea")
    response = client.post("/en/vendor/onboarding/profile", data={
        "name": name, "country_code": "GH", "city": "Tamale", "categories": [str(category.id)],
        "original_language": "en", "story_en": "We are forty women.\nFrom Tamale."})
    page = response.get_data(as_text=True)
    assert "Remove the control characters" in page
    assert db.session.scalar(select(Store.id)) is None


def test_control_characters_are_refused_in_sign_up_names_but_line_breaks_stay_in_stories(client):
    response = client.post("/en/account/signup", data={
        "email": "li@example.com", "display_name": "Li\nWei", "password": "a long password",
        "confirm": "a long password"})
    assert response.status_code == 200 and "Remove the control characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(User.id)) is None
    arabic = "متجر\u200fالعسل"  # a right-to-left mark, as Arabic keyboards type it, is fine
    ok = client.post("/ar/account/signup", data={
        "email": "li@example.com", "display_name": arabic, "password": "a long password",
        "confirm": "a long password"})
    assert ok.status_code == 302


def test_control_characters_are_refused_in_api_json(client, approved, make_category):
    client.post("/en/account/logout")
    token = client.post("/api/v1/auth/token", json={"email": approved.owner.email, "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    body = {"original_language": "en", "category_id": make_category("shea").id, "price": "12.50",
            "currency": "GHS", "stock": 4, "texts": {"en": {"name": "Shea\r\nbutter", "description": "Raw"}}}
    refused = client.post("/api/v1/vendor/products", json=body, headers=headers)
    assert refused.status_code == 422 and "texts.en.name" in refused.get_json()["error"]["fields"]
    body["texts"]["en"] = {"name": "Shea butter", "description": "Raw.\nFrom Tamale."}
    assert client.post("/api/v1/vendor/products", json=body, headers=headers).status_code == 201
    nul = client.post("/api/v1/auth/token", json={"email": "a\x00@example.com", "password": "x"})
    assert nul.status_code == 400  # NUL is refused at the edge, before any view reads the JSON
