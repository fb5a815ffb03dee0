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
