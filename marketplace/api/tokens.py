"""Bearer-token authentication for the JSON API: `POST/DELETE /api/v1/auth/token` and the request check.

Token routes and the vendor resources read only the `Authorization: Bearer …` header and never the
session cookie, so a page on another site cannot make a browser call them: they need no CSRF token.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _

from marketplace.accounts.models import Role, User
from marketplace.accounts.tokens import issue_token, revoke_token, user_for_token
from marketplace.api.edge import register_json_errors
from marketplace.core.errors import AuthenticationFailed, DomainError, PermissionDenied, ValidationError
from marketplace.core.forms import CONTROL_MESSAGE, has_control_characters
from marketplace.extensions import limiter

bp = Blueprint("api_tokens", __name__, url_prefix="/api/v1")
register_json_errors(bp)
MULTILINE_FIELDS = frozenset({"description", "notes"})  # JSON texts that may hold line breaks and tabs


def presented_token() -> str:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_user() -> User:
    """The user of this request's bearer token; AuthenticationFailed without a valid one."""
    if "api_user" not in g:
        user = user_for_token(presented_token())
        if user is None:
            raise AuthenticationFailed(_("Send a valid API token as “Authorization: Bearer …”."))
        g.api_user = user
    return g.api_user


def vendor_user() -> User:
    """The token's user when it is a vendor; PermissionDenied otherwise."""
    user = token_user()
    if user.role != Role.VENDOR:
        raise PermissionDenied(_("Only vendor accounts can use this."))
    return user


def json_body() -> dict:
    """The request's JSON object; a DomainError (400) when the body is not one, ValidationError (422)
    naming the field when any text in it holds control characters (line breaks and tabs only in
    free-text fields such as descriptions)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError(_("Send a JSON object in the request body."))
    bad = _field_with_control_characters(body)
    if bad is not None:
        message = str(CONTROL_MESSAGE)
        raise ValidationError(message, {bad or "body": message})
    return body


def _field_with_control_characters(value: object, path: str = "", depth: int = 0) -> str | None:
    """The dotted path of the first text (key or value) holding control characters, or None."""
    if depth > 32:  # deeper than any body the API reads: the whole body is refused as such
        return path
    if isinstance(value, str):
        multiline = path.rpartition(".")[2] in MULTILINE_FIELDS
        return path if has_control_characters(value, multiline=multiline) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and has_control_characters(key, multiline=False):
            return where
        found = _field_with_control_characters(item, where, depth + 1)
        if found is not None:
            return found
    return None


def token_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.post("/auth/token")
@limiter.limit(token_limit)  # per address; per account in the database (accounts/guard.py)
def create_token():
    """Issue a personal token for e-mail and password (401 with one message for any wrong credential;
    429 with Retry-After after too many wrong passwords for the account, from any way in)."""
    body = json_body()
    email, password, name = body.get("email"), body.get("password"), body.get("name", "")
    if not isinstance(email, str) or not isinstance(password, str) or not isinstance(name, str):
        message = _("Send e-mail, password (and optionally name) as text.")
        raise DomainError(message, {k: message for k in ("email", "password") if not isinstance(body.get(k), str)})
    token, row = issue_token(email, password, name)
    return jsonify(token=token, id=row.id, name=row.name, user={"id": row.user.id, "email": row.user.email,
                                                                "role": row.user.role.value}), 201


@bp.delete("/auth/token")
def delete_token():
    """Revoke the token this request presents."""
    token_user()
    revoke_token(presented_token())
    return "", 204


def init_app(app) -> None:
    """Register the token routes and the vendor resources (whose routes join `bp` when imported)."""
    from marketplace.extensions import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)  # bearer-token only: see the module docstring
