"""Personal API tokens: issued for e-mail and password, presented as `Authorization: Bearer …`, revocable."""
from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import select, update

from marketplace.accounts.models import ApiToken, User
from marketplace.accounts.services import authenticate
from marketplace.core import clock
from marketplace.core.errors import NotFound, ValidationError
from marketplace.extensions import db

TOKEN_PREFIX = "srm_"  # noqa: S105 - a label, not a secret
MAX_ACTIVE_TOKENS = 20


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(email: str, password: str, name: str = "") -> tuple[str, ApiToken]:
    """A new token for the account with these credentials (AuthenticationFailed otherwise)."""
    user = authenticate(email, password)
    name = (name or "").strip()
    if len(name) > 80:
        message = _("Use at most %(count)d characters.", count=80)
        raise ValidationError(message, {"name": message})
    active = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at)
    ).all()
    for old in active[: max(0, len(active) - MAX_ACTIVE_TOKENS + 1)]:
        old.revoked_at = clock.now()  # keep the newest few; an app that logs in daily does not pile up tokens
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_digest(token), name=name)
    db.session.add(row)
    db.session.commit()
    return token, row


def user_for_token(token: str) -> User | None:
    """The active user a presented token belongs to, or None for an unknown or revoked token."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row.user.active:
        return None
    now = clock.now()
    last = row.last_used_at
    if last is None or (now - clock.to_utc(last)).total_seconds() > 300:  # write at most every five minutes
        row.last_used_at = now
        db.session.commit()
    return row.user


def revoke_token(token: str) -> bool:
    """Revoke a presented token; True when it was active."""
    changed = db.session.execute(
        update(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    ).rowcount
    db.session.commit()
    return bool(changed)


def active_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first, for their account page."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_token_by_id(user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens; NotFound for anyone else's (or an unknown id)."""
    changed = db.session.execute(
        update(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    ).rowcount
    db.session.commit()
    if not changed:
        raise NotFound(_("There is no such token in your account."))
