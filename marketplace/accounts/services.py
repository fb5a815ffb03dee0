"""Account operations: sign-up, authentication, password change, ending sessions, staff creation."""
from __future__ import annotations

import functools

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.accounts.guard import account_key, check_guarded
from marketplace.accounts.models import ApiToken, Role, User
from marketplace.core import clock
from marketplace.core.errors import AuthenticationFailed, ValidationError
from marketplace.core.i18n import LANGUAGES
from marketplace.extensions import db

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
HASH_METHOD = "scrypt"  # Werkzeug's default work factor; PASSWORD_HASH_METHOD may set another


def _hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD") or HASH_METHOD if has_app_context() else HASH_METHOD


@functools.cache
def _dummy_hash(method: str) -> str:
    """Checked against when the e-mail is unknown, so both failures cost the same time."""
    return generate_password_hash("not-a-real-password", method=method)


def normalise_email(email: str) -> str:
    """The e-mail address lower-cased and checked for form; ValidationError when it is not one."""
    try:
        result = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        message = _("Enter a valid e-mail address.")
        raise ValidationError(message, {"email": message}) from exc
    return result.normalized.lower()


def check_password_rules(password: str, field: str = "password") -> None:
    """ValidationError unless `password` is long enough and not absurdly long."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        message = _("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
        raise ValidationError(message, {field: message})
    if len(password) > MAX_PASSWORD_LENGTH:
        message = _("Use at most %(count)d characters.", count=MAX_PASSWORD_LENGTH)
        raise ValidationError(message, {field: message})


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_hash_method())


def find_user_by_email(email: str) -> User | None:
    """The account with this address (addresses are stored lower-cased)."""
    return db.session.scalars(select(User).where(User.email == email.strip().lower())).first()


def register_user(
    email: str, password: str, display_name: str = "", language: str = "en", role: Role = Role.SHOPPER
) -> User:
    """Create an account; ValidationError (with field messages) when the input or e-mail is unusable."""
    email = normalise_email(email)
    check_password_rules(password)
    display_name = (display_name or "").strip()
    if len(display_name) > 80:
        message = _("Use at most %(count)d characters.", count=80)
        raise ValidationError(message, {"display_name": message})
    if find_user_by_email(email) is not None:
        message = _("An account with this e-mail address already exists.")
        raise ValidationError(message, {"email": message})
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name,
        preferred_language=language if language in LANGUAGES else "en",
        role=role,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same address signed up at the same moment
        db.session.rollback()
        message = _("An account with this e-mail address already exists.")
        raise ValidationError(message, {"email": message}) from exc
    return user


def authenticate(email: str, password: str) -> User:
    """The active user with these credentials; AuthenticationFailed, with one message for every cause, or
    TooManyAttempts when this account had too many wrong passwords lately (from any way in)."""
    return check_guarded(account_key(email), lambda: _check_credentials(email, password), (AuthenticationFailed,))


def _check_credentials(email: str, password: str) -> User:
    user = find_user_by_email(email or "")
    if user is None:
        check_password_hash(_dummy_hash(_hash_method()), password or "")
    elif check_password_hash(user.password_hash, password or "") and user.active:
        return user
    raise AuthenticationFailed(_("Wrong e-mail address or password."))


def _end_sessions_and_tokens(user: User) -> None:
    """Sessions carrying the old version end, and every API token stops working (caller's transaction)."""
    user.session_version += 1
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=clock.now()))


def end_all_sessions(user: User) -> None:
    """End every session of `user` on every device, and revoke their API tokens (apps must log in again)."""
    _end_sessions_and_tokens(user)
    db.session.commit()


def confirm_password(user: User, password: str, field: str = "current_password") -> None:
    """Check the signed-in user's password again before a sensitive change; ValidationError on `field` when
    it is wrong, TooManyAttempts when the account had too many wrong passwords lately."""

    def check() -> None:
        if not check_password_hash(user.password_hash, password or ""):
            message = _("Your current password is not right.")
            raise ValidationError(message, {field: message})

    check_guarded(account_key(user.email), check, (ValidationError,))


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password, end every other session and revoke the API tokens; ValidationError when the
    current one is wrong, TooManyAttempts after too many wrong ones."""
    confirm_password(user, current_password)
    check_password_rules(new_password, "new_password")
    user.password_hash = hash_password(new_password)
    _end_sessions_and_tokens(user)
    db.session.commit()


def create_staff(email: str, password: str) -> User:
    """Create a staff account, or promote an existing account to staff with this password."""
    email = normalise_email(email)
    check_password_rules(password)
    user = find_user_by_email(email)
    if user is None:
        return register_user(email, password, role=Role.STAFF)
    user.role = Role.STAFF
    user.password_hash = hash_password(password)
    _end_sessions_and_tokens(user)
    db.session.commit()
    return user
