"""Site-wide routes: the language-choosing root, health, and error pages."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as NotFoundPage
from werkzeug.wrappers import Response

from marketplace.core.database import is_database_unavailable
from marketplace.core.error_pages import RETRY_AFTER_SECONDS, error_message, error_response, rollback_session
from marketplace.core.errors import NotFound as DomainNotFound
from marketplace.core.i18n import best_language
from marketplace.core.readiness import readiness
from marketplace.core.site import home_url
from marketplace.extensions import limiter

bp = Blueprint("core", __name__)


@bp.get("/")
def root() -> Response:
    """Send the visitor to the home page in the language their browser asks for."""
    response = redirect(home_url(lang_code=best_language()), code=302)
    response.vary.add("Accept-Language")
    return response


@bp.get("/healthz")
@limiter.exempt
def health() -> Response:
    """Liveness: answers without touching the database, never rate-limited nor shed under load."""
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
@limiter.exempt
def ready() -> Response:
    """Readiness: 200 when the database, Redis (when configured) and search answer in time, else 503 naming
    the ones that did not (JSON)."""
    # The application itself, not the proxy, goes to the checks' threads (Flask's documented way).
    is_ready, outcomes = readiness(current_app._get_current_object())  # noqa: SLF001
    response = jsonify(status="ready" if is_ready else "not ready",
                       checks={name: outcome.as_json() for name, outcome in outcomes.items()})
    response.status_code = 200 if is_ready else 503
    response.headers["Cache-Control"] = "no-store"
    if not is_ready:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


ERROR_STATUSES = frozenset((400, 403, 404, 405, 413, 429, 500, 503))


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    """An HTTP error as the error page (JSON under /api/), rendered without touching the database."""
    status = error.code or 500
    if status not in ERROR_STATUSES:
        return error  # type: ignore[return-value]  # redirects and the like pass through
    title, message = error_message(status)
    if status in (400, 413) and error.description and getattr(error, "shown_to_user", False):
        message = error.description  # a refusal at the edge says exactly what was wrong
    code = (error.name or "error").lower().replace(" ", "_")
    # Every 429 and 503 says when to come back (the rate limiter replaces this with its window's end).
    retry_after = RETRY_AFTER_SECONDS if status in (429, 503) else None
    response = error_response(status, code, title, message, retry_after)
    if getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


@bp.app_errorhandler(DomainNotFound)
def domain_not_found(error: DomainNotFound) -> Response:
    """A service's NotFound is the same page as any unknown URL, so views need not translate it."""
    return http_error(NotFoundPage())


@bp.app_errorhandler(SQLAlchemyError)
def database_error(error: SQLAlchemyError) -> Response:
    """Roll back; an unavailable database (lock wait over, connection lost) is a 503 to retry, anything else a 500."""
    rollback_session()
    if not is_database_unavailable(error):
        current_app.logger.error("database error on %s %s", request.method, request.path, exc_info=error)
        return server_error(error)
    current_app.logger.warning("database unavailable on %s %s: %s", request.method, request.path,
                               str(error).splitlines()[0])
    title, message = error_message(503)
    return error_response(503, "service_unavailable", title, message, RETRY_AFTER_SECONDS)


@bp.app_errorhandler(500)
def server_error(error: Exception) -> Response:
    """The 500 page: the failed transaction is rolled back first, and the page reads nothing from the database."""
    rollback_session()
    title, message = error_message(500)
    return error_response(500, "internal_server_error", title, message)
