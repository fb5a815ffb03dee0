"""Wrong passwords are capped per account on every way in, and counted in the database for every worker."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from marketplace.accounts.guard import TooManyAttempts
from marketplace.accounts.services import authenticate
from marketplace.core import clock
from marketplace.core.errors import AuthenticationFailed
from marketplace.extensions import limiter
from tests.concurrency import run_at_once
from tests.factories import PASSWORD


@pytest.fixture
def limited(make_app):
    """Apps (think: workers) with limits on: 3 wrong passwords a minute per account (and per address)."""
    saved = dict(vars(limiter))  # the extension is one object: binding a limited app turns it on for all

    def make():
        return make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI="memory://",
                        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    yield make
    vars(limiter).update(saved)


def from_address(number: int) -> dict:
    return {"REMOTE_ADDR": f"10.0.{number // 250}.{number % 250 + 1}"}


def token_attempt(client, email: str, password: str, number: int):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       environ_base=from_address(number))


def test_the_api_token_is_capped_per_account_across_addresses(limited, make_user):
    app = limited()
    user, bystander = make_user(), make_user()
    client = app.test_client()
    for number in range(3):
        assert token_attempt(client, user.email, "wrong password", number).status_code == 401
    refused = token_attempt(client, user.email, PASSWORD, 3)  # a fourth address, even with the right password
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) in range(1, 61)
    assert refused.get_json()["error"]["code"] == "too_many_attempts"
    assert token_attempt(client, user.email.upper(), "wrong password", 4).status_code == 429, "e-mail case"
    assert token_attempt(client, bystander.email, PASSWORD, 5).status_code == 201, "another account is not held"
    with clock.freeze(clock.now() + timedelta(seconds=61)):
        assert token_attempt(client, user.email, PASSWORD, 6).status_code == 201


def test_every_way_in_and_every_worker_share_one_count(limited, make_user, login):
    worker_a, worker_b = limited(), limited()
    user = make_user()
    assert token_attempt(worker_a.test_client(), user.email, "wrong password", 1).status_code == 401
    web = worker_b.test_client()
    assert web.post("/en/account/login", data={"email": user.email, "password": "wrong password"},
                    environ_base=from_address(2)).status_code == 200
    assert web.post("/en/account/login", data={"email": user.email, "password": "wrong password"},
                    environ_base=from_address(3)).status_code == 200
    response = web.post("/fr/account/login", data={"email": user.email, "password": PASSWORD},
                        environ_base=from_address(4))
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Trop de mots de passe erronés pour ce compte" in response.get_data(as_text=True)


def test_the_password_change_form_is_capped_per_account(limited, make_user):
    app = limited()
    user = make_user()
    client = app.test_client()
    assert client.post("/en/account/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    change = {"new_password": "another long password", "confirm": "another long password"}
    for _ in range(3):
        response = client.post("/en/account/", data={"current_password": "wrong password", **change})
        assert response.status_code == 200 and "Your current password is not right." in response.get_data(as_text=True)
    response = client.post("/en/account/", data={"current_password": PASSWORD, **change})
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Too many wrong passwords for this account" in response.get_data(as_text=True)
    assert authenticate_quietly(app, user.email, PASSWORD) == "too_many", "the password was not changed"


def authenticate_quietly(app, email: str, password: str) -> str:
    with app.app_context():
        try:
            authenticate(email, password)
        except TooManyAttempts:
            return "too_many"
        except AuthenticationFailed:
            return "wrong"
        return "ok"


def test_simultaneous_guesses_never_pass_the_limit(limited, make_user):
    app = limited()
    email = make_user().email
    outcomes = run_at_once(app, [lambda: authenticate(email, "wrong password")] * 12)
    assert outcomes.unexpected(AuthenticationFailed, TooManyAttempts) == []
    assert outcomes.kinds["AuthenticationFailed"] <= 3, outcomes.kinds
    assert outcomes.kinds["TooManyAttempts"] >= 9
