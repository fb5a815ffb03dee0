"""Personal API tokens: shown once, stored hashed, revocable."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.accounts.models import ApiToken
from marketplace.accounts.tokens import issue_token, revoke_token, user_for_token
from marketplace.core.errors import AuthenticationFailed
from marketplace.extensions import db
from tests.factories import PASSWORD


def test_a_token_is_issued_for_the_right_credentials_and_stored_hashed(make_user):
    user = make_user(email="vendor@example.com")
    token, row = issue_token("Vendor@Example.com", PASSWORD, "phone")
    assert token.startswith("srm_") and len(token) > 40
    assert token not in row.token_hash
    assert user_for_token(token).id == user.id
    assert user_for_token(token + "x") is None
    assert user_for_token("not a token") is None


def test_wrong_credentials_get_no_token(make_user):
    make_user(email="vendor@example.com")
    with pytest.raises(AuthenticationFailed):
        issue_token("vendor@example.com", "wrong password")
    assert db.session.scalar(select(ApiToken.id)) is None


def test_a_revoked_token_stops_working(make_user):
    make_user(email="vendor@example.com")
    token, _row = issue_token("vendor@example.com", PASSWORD)
    assert revoke_token(token) is True
    assert user_for_token(token) is None
    assert revoke_token(token) is False


def test_a_deactivated_account_cannot_use_its_token(make_user):
    user = make_user(email="vendor@example.com")
    token, _row = issue_token("vendor@example.com", PASSWORD)
    user.active = False
    db.session.commit()
    assert user_for_token(token) is None


def test_a_password_change_revokes_every_token(client, login, make_user):
    user = make_user(email="vendor@example.com")
    token, _row = issue_token("vendor@example.com", PASSWORD, "phone")
    login(user)
    response = client.post("/en/account/", data={"current_password": PASSWORD, "new_password": "a new long password",
                                                  "confirm": "a new long password"})
    assert response.status_code == 302
    assert user_for_token(token) is None
    api = client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_logging_out_everywhere_revokes_every_token(client, login, make_user):
    user = make_user(email="vendor@example.com")
    token, _row = issue_token("vendor@example.com", PASSWORD)
    login(user)
    client.post("/en/account/logout")
    assert user_for_token(token) is None


def test_the_account_page_lists_and_revokes_own_tokens_only(client, login, make_user):
    user = make_user(email="vendor@example.com")
    other = make_user(email="other@example.com")
    mine, row = issue_token("vendor@example.com", PASSWORD, "Kofi's phone")
    theirs, their_row = issue_token("other@example.com", PASSWORD, "Other tablet")
    login(user)
    page = client.get("/en/account/").get_data(as_text=True)
    assert "Kofi&#39;s phone" in page and "never used" in page and "Other tablet" not in page
    assert client.post(f"/en/account/tokens/{their_row.id}/revoke").status_code == 302
    assert user_for_token(theirs).id == other.id, "another user's token is out of reach"
    assert user_for_token(mine).id == user.id, "revoking another user's token id touched nothing of mine"
    response = client.post(f"/en/account/tokens/{row.id}/revoke", follow_redirects=True)
    assert "The token is revoked" in response.get_data(as_text=True)
    assert user_for_token(mine) is None
    assert "No app is signed in with a token." in client.get("/en/account/").get_data(as_text=True)
