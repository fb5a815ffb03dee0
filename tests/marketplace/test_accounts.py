"""Accounts: sign-up, log-in, log-out, password change, and the protections around them."""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from tests.factories import PASSWORD


def test_signup_creates_a_shopper_with_a_hashed_password_and_logs_in(client):
    response = client.post("/fr/account/signup", data={
        "email": "Amina@Example.com", "display_name": "Amina", "password": "a long password", "confirm": "a long password",
    })
    assert response.status_code == 302
    user = db.session.scalars(select(User)).one()
    assert user.email == "amina@example.com"
    assert user.role == Role.SHOPPER
    assert user.preferred_language == "fr"
    assert user.password_hash.startswith("scrypt:")
    assert "a long password" not in user.password_hash
    assert client.get("/fr/account/").status_code == 200


@pytest.mark.parametrize("data, field_message", [
    ({"email": "not-an-email", "password": "a long password", "confirm": "a long password"}, "valid e-mail"),
    ({"email": "a@example.com", "password": "short", "confirm": "short"}, "at least 10"),
    ({"email": "a@example.com", "password": "a long password", "confirm": "another one!"}, "passwords differ"),
    ({"email": "a@example.com", "password": "x" * 500, "confirm": "x" * 500}, "longer than 128"),
])
def test_bad_signup_shows_a_message_and_creates_nothing(client, data, field_message):
    response = client.post("/en/account/signup", data=data)
    assert response.status_code == 200
    assert field_message in response.get_data(as_text=True)
    assert db.session.scalar(select(User.id)) is None


def test_duplicate_email_is_refused(client, make_user):
    make_user(email="taken@example.com")
    response = client.post("/en/account/signup", data={
        "email": "TAKEN@example.com", "password": "a long password", "confirm": "a long password"})
    assert "already exists" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(User)).all()) == 1


def test_signup_message_is_in_the_page_language(client):
    response = client.post("/fr/account/signup", data={
        "email": "a@example.com", "password": "short", "confirm": "short"})
    assert "au moins 10" in response.get_data(as_text=True)


def test_unknown_email_and_wrong_password_get_the_same_answer(client, make_user):
    make_user(email="known@example.com")
    unknown = client.post("/en/account/login", data={"email": "nobody@example.com", "password": PASSWORD})
    wrong = client.post("/en/account/login", data={"email": "known@example.com", "password": "wrong password"})
    assert unknown.status_code == wrong.status_code == 200
    def page(response) -> str:  # the same page but for the address typed, the token and the nonce
        text = re.sub(r'(csrf_token"[^>]*value|nonce)="[^"]*"', "", response.get_data(as_text=True))
        return text.replace("nobody@example.com", "").replace("known@example.com", "")

    assert page(unknown) == page(wrong)
    assert "Wrong e-mail address or password." in unknown.get_data(as_text=True)


def test_login_starts_a_new_session(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/en/account/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:{user.session_version}"


@pytest.mark.parametrize("target, expected", [
    ("/fr/categories/", "/fr/categories/"),
    ("https://evil.example/", "/en/"),
    ("//evil.example/", "/en/"),
    ("/\\evil.example", "/en/"),
    ("javascript:alert(1)", "/en/"),
])
def test_next_only_redirects_inside_the_site(client, make_user, target, expected):
    user = make_user()
    response = client.post(f"/en/account/login?next={target}", data={
        "email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


@pytest.mark.parametrize("role, expected", [
    (Role.SHOPPER, "/fr/"), (Role.VENDOR, "/fr/"), (Role.STAFF, "/fr/staff/"), (Role.ADMIN, "/fr/staff/"),
])
def test_a_log_in_without_a_next_page_leads_staff_to_their_home(client, make_user, role, expected):
    user = make_user(role=role)
    response = client.post("/fr/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == expected
    assert client.get("/fr/account/login").headers["Location"] == expected  # already signed in
    # A page asked for still wins over the landing page.
    assert client.get("/fr/account/login?next=/fr/categories/").headers["Location"] == "/fr/categories/"


def test_logout_ends_every_session_of_the_user(app, make_user, login):
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        device.post("/en/account/login", data={"email": user.email, "password": PASSWORD})
        assert device.get("/en/account/").status_code == 200
    phone.post("/en/account/logout")
    assert phone.get("/en/account/").status_code == 302
    assert laptop.get("/en/account/").status_code == 302, "the other device's session must end too"


def test_password_change_ends_other_sessions_but_keeps_this_one(app, make_user):
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        device.post("/en/account/login", data={"email": user.email, "password": PASSWORD})
    response = phone.post("/en/account/", data={
        "current_password": PASSWORD, "new_password": "a brand new secret", "confirm": "a brand new secret"})
    assert response.status_code == 302
    assert phone.get("/en/account/").status_code == 200
    assert laptop.get("/en/account/").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/en/account/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert fresh.post("/en/account/login", data={
        "email": user.email, "password": "a brand new secret"}).status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(client, make_user, login):
    user = make_user()
    login(user)
    before = user.password_hash
    response = client.post("/en/account/", data={
        "current_password": "not it at all", "new_password": "a brand new secret", "confirm": "a brand new secret"})
    assert "current password is not right" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == before


def test_forms_refuse_posts_without_a_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user()
    client = app.test_client()
    response = client.post("/en/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/en/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/en/account/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_login_is_rate_limited(make_app, make_user, rate_limit_storage):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI=rate_limit_storage,
                   RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    user = make_user()
    client = app.test_client()
    for _ in range(3):
        assert client.post("/en/account/login", data={"email": user.email, "password": "wrong password"}).status_code == 200
    response = client.post("/en/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert client.get("/en/account/login").status_code == 200, "reading the form is not limited"


def test_create_staff_command(runner, app):
    result = runner.invoke(args=["create-staff", "boss@example.com", "--password", "staff password 1"])
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User).where(User.email == "boss@example.com")).one()
    assert user.role == Role.STAFF
    bad = runner.invoke(args=["create-staff", "not-an-email", "--password", "staff password 1"])
    assert bad.exit_code != 0
    assert "valid e-mail" in bad.output


def test_cookies_are_httponly_lax_and_secure_outside_development(make_app, make_user):
    app = make_app(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    user = make_user()
    response = app.test_client().post("/en/account/login", data={
        "email": user.email, "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
