"""Signed tokens for links that work without logging in: "remove me" in every lecture e-mail, and each
registered person's own way into the meeting. They name one registration (and its place in line, so the
links of a cancelled place do not work for a later registration) and are refused when altered."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer

from campaigns.lectures.models import Registration
from marketplace.core.errors import ValidationError
from marketplace.extensions import db

REMOVE_SALT = "lecture-remove-me"
JOIN_SALT = "lecture-join"


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=salt)


def sign(registration: Registration, salt: str = REMOVE_SALT) -> str:
    """A token naming this registration (its lecture, person and place in line)."""
    return _serializer(salt).dumps([registration.id, registration.lecture_id, registration.user_id,
                                    registration.position])


def read(token: str, lecture_id: int | None = None, salt: str = REMOVE_SALT) -> Registration:
    """The registration a token names; ValidationError when it was altered, belongs to another lecture
    or names a registration that no longer exists."""
    refused = ValidationError(_("This link is not valid. Open the lecture page to manage your place."))
    try:
        registration_id, token_lecture, user_id, position = _serializer(salt).loads(token)
    except (BadData, TypeError, ValueError):
        raise refused from None
    registration = db.session.get(Registration, registration_id) if isinstance(registration_id, int) else None
    if registration is None or registration.lecture_id != token_lecture or registration.user_id != user_id or (
            registration.position != position or (lecture_id is not None and token_lecture != lecture_id)):
        raise refused
    return registration
