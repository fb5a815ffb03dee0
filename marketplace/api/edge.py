"""The JSON API's edge: the read-only blueprint, `register_json_errors`, which every API blueprint uses to
answer errors as {"error": {"code", "message", "fields"}} (plus any fields a DomainError adds), and
`use_language`, the language a response is written in."""
from __future__ import annotations

from flask import Blueprint, Flask, Response, g, jsonify
from flask_babel import gettext as _
from flask_babel import refresh
from werkzeug.exceptions import HTTPException

from marketplace.core.errors import DomainError, ValidationError
from marketplace.core.i18n import LANGUAGES, best_language

bp = Blueprint("api", __name__, url_prefix="/api/v1")
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def error_response(code: str, message: str, status: int, fields: dict[str, str] | None = None,
                   extra: dict[str, object] | None = None) -> tuple[Response, int]:
    """The API's one error body, {"error": {"code", "message", "fields", …extra}}, with `status`."""
    return jsonify(error={**(extra or {}), "code": code, "message": message, "fields": fields or {}}), status


def domain_error(error: DomainError) -> tuple[Response, int]:
    """A refused operation with the error's status, its extra body fields and headers (see DomainError)."""
    response, status = error_response(error.code, error.message, error.status, error.fields, error.json_extra())
    response.headers.update(error.json_headers())
    return response, status


def http_error(error: HTTPException) -> tuple[Response, int]:
    """An HTTP error raised in an API view (e.g. 429 from the rate limit) in the same JSON shape."""
    status = error.code or 500
    return error_response((error.name or "error").lower().replace(" ", "_"), error.description or "", status)


def register_json_errors(blueprint: Blueprint) -> None:
    """Answer the blueprint's domain and HTTP errors in the API's one JSON error shape."""
    blueprint.register_error_handler(DomainError, domain_error)
    blueprint.register_error_handler(HTTPException, http_error)


register_json_errors(bp)


def exempt_read_only_blueprint(app: Flask, blueprint: Blueprint) -> None:
    """Exempt `blueprint` from CSRF checks, refusing (RuntimeError) if any of its routes can change state."""
    from marketplace.extensions import csrf

    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(blueprint.name + ".") and set(rule.methods or ()) - READ_ONLY_METHODS:
            raise RuntimeError(f"{rule.endpoint} accepts {sorted(rule.methods)}: the API blueprint is not GET-only")
    csrf.exempt(blueprint)


def use_language(code: object, field: str = "lang") -> str:
    """The client's language (the Accept-Language header's when `code` is empty, else English): names,
    messages and formatted amounts follow it. ValidationError on `field` for an unknown code."""
    if code is None or code == "":
        language = best_language()
    elif isinstance(code, str) and code.strip() in LANGUAGES:
        language = code.strip()
    else:
        message = _("Choose one of these languages: %(languages)s.", languages=", ".join(LANGUAGES))
        raise ValidationError(message, {field: message})
    g.lang_code = language
    refresh()  # Flask-Babel may have cached the header's locale already
    return language
