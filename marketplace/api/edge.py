"""The JSON API's edge: the read-only blueprint, error bodies as {"error": {"code", "message", "fields"}}."""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify
from werkzeug.exceptions import HTTPException

from marketplace.core.errors import DomainError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def error_response(code: str, message: str, status: int, fields: dict[str, str] | None = None):
    return jsonify(error={"code": code, "message": message, "fields": fields or {}}), status


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    return error_response(error.code, error.message, error.status, error.fields)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    status = error.code or 500
    return error_response((error.name or "error").lower().replace(" ", "_"), error.description or "", status)


def exempt_read_only_blueprint(app: Flask, blueprint: Blueprint) -> None:
    """Exempt `blueprint` from CSRF checks, refusing (RuntimeError) if any of its routes can change state."""
    from marketplace.extensions import csrf

    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(blueprint.name + ".") and set(rule.methods or ()) - READ_ONLY_METHODS:
            raise RuntimeError(f"{rule.endpoint} accepts {sorted(rule.methods)}: the API blueprint is not GET-only")
    csrf.exempt(blueprint)
