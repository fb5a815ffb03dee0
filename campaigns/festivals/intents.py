"""A visitor's "remind me" or "save this deal", carried through log-in or sign-up.

A visitor who is not logged in gets a signed, expiring token naming what they asked for; log-in
returns them to a URL carrying it. The token holds a random nonce that is also kept in a cookie of
that browser: the action completes by itself only in the browser that asked for it. A valid token
without its cookie (a link passed on, another device) only asks the logged-in user to confirm, so
no one can make another person save something by sending them a link.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from marketplace.core.errors import ValidationError

SALT = "festival-intent"
COOKIE = "srm_festival_intent"
MAX_AGE_SECONDS = 2 * 3600
ACTIONS = ("remind", "save")


@dataclass(frozen=True)
class Intent:
    """What the visitor asked for: "remind" (subject: a festival id) or "save" (subject: a deal id)."""

    action: str
    subject_id: int
    nonce: str

    def matches(self, cookie: str | None) -> bool:
        """Whether `cookie` is this intent's nonce, i.e. the request comes from the browser that asked."""
        return bool(cookie) and hmac.compare_digest(str(cookie), self.nonce)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def sign_intent(action: str, subject_id: int) -> tuple[str, Intent]:
    """A signed token for `action` on `subject_id`, and the intent it carries (its nonce goes in a cookie)."""
    if action not in ACTIONS:
        raise ValueError(action)
    intent = Intent(action, int(subject_id), secrets.token_urlsafe(16))
    return _serializer().dumps([intent.action, intent.subject_id, intent.nonce]), intent


def read_intent(token: str) -> Intent:
    """The intent in `token`; ValidationError (with a message for the visitor) when it is expired,
    altered or not one of ours."""
    try:
        action, subject_id, nonce = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except SignatureExpired:
        raise ValidationError(_("That request has expired, so nothing was saved. Please try again.")) from None
    except (BadData, TypeError, ValueError):
        raise ValidationError(_("That link is not valid, so nothing was saved. Please try again.")) from None
    if action not in ACTIONS or not isinstance(subject_id, int) or not isinstance(nonce, str):
        raise ValidationError(_("That link is not valid, so nothing was saved. Please try again."))
    return Intent(action, subject_id, nonce)
