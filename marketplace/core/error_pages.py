"""Error answers that render without the database: pages in the page's language, JSON under /api/.

An error may come from the database itself (a lock held too long, a connection the server cut), so
these answers roll the request's session back first and never query: the error template extends an
error-only layout that reads no user, cart or currency, and is rendered without the context
processors (Flask-Login's loads the signed-in user from the database).
"""
from __future__ import annotations

import json

from flask import Flask, Response, current_app, g, jsonify, make_response, request, session
from flask_babel import gettext as _
from sqlalchemy import inspect

from marketplace.core.i18n import LANGUAGES, current_language

RETRY_AFTER_SECONDS = 5


def rollback_session() -> None:
    """Roll back the request's database session so nothing after the error sees a failed transaction."""
    from marketplace.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is discarded instead
        current_app.logger.warning("rolling back after an error failed; discarding the session", exc_info=True)
        try:
            db.session.close()
        except Exception:  # noqa: BLE001 - nothing more can be done for this connection
            current_app.logger.warning("closing the failed session failed", exc_info=True)


def is_api_request() -> bool:
    """Whether this request is for the JSON API (answered in JSON, never with an HTML page)."""
    return request.path.startswith("/api/")


def error_page(status: int, title: str, message: str) -> str:
    """The HTML error page, rendered with an explicit context so that nothing touches the database."""
    template = current_app.jinja_env.get_template("errors/error.html")
    return template.render(status=status, title=title, message=message, lang=current_language())


def error_response(status: int, code: str, title: str, message: str, retry_after: int | None = None) -> Response:
    """`status` as a JSON error body for the API or an HTML page otherwise, with Retry-After when given."""
    if is_api_request():
        response = jsonify(error={"code": code, "message": message, "fields": {}})
        response.status_code = status
    else:
        response = make_response(error_page(status, title, message), status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
        response.headers["Cache-Control"] = "no-store"
    return response


def requesting_user_id() -> str:
    """The id of the signed-in user or API token holder, read without a database query ("-" for none)."""
    for name in ("_login_user", "api_user"):
        user = g.get(name)
        # A mapped user's id from its identity: after a commit its attributes are expired, and reading
        # `user.id` would load the row again just for the log line.
        state = inspect(user, raiseerr=False) if user is not None else None
        if state is not None:
            user_id = state.identity[0] if state.identity else None
        else:
            user_id = getattr(user, "id", None)
        if user_id is not None:
            return str(user_id)
    session_id = str(session.get("_user_id") or "")  # "<user id>:<session version>"
    return session_id.partition(":")[0] or "-"


def printable(text: str) -> str:
    """`text` with control characters escaped, so a crafted address cannot forge or break log lines."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)


def log_refusal(response: Response) -> Response:
    """Log every 403, and every 404 of a known route for a signed-in user or token holder (an object
    that is not theirs, or not there), with who and where."""
    status = response.status_code
    if status not in (403, 404) or request.url_rule is None:
        return response
    user_id = requesting_user_id()
    if status == 403 or user_id != "-":
        current_app.logger.warning(
            "authorisation refused: status=%s user=%s endpoint=%s method=%s path=%s",
            status, user_id, request.endpoint, request.method, printable(request.path),
        )
    return response


def error_message(status: int) -> tuple[str, str]:
    """The translated title and explanation shown for an HTTP error."""
    messages = {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        403: (_("Forbidden"), _("You do not have access to this page.")),
        404: (_("Page not found"), _("We could not find this page. It may have moved or no longer exist.")),
        405: (_("Method not allowed"), _("This page cannot be used that way.")),
        413: (_("File too large"), _(
            "The files you sent add up to more than %(megabytes)d MB, the most one form can take. Go back to the "
            "form (your browser usually keeps what you typed) and choose smaller or fewer files.",
            megabytes=(current_app.config["MAX_CONTENT_LENGTH"] or 0) // (1024 * 1024))),
        429: (_("Too many requests"), _("Too many attempts. Please wait a minute and try again.")),
        500: (_("Something went wrong"), _("An error on our side stopped this page. Please try again.")),
        503: (_("Busy just now"), _("The shop cannot answer this request just now. Nothing was changed: "
                                    "please try again in a few seconds.")),
    }
    return messages.get(status, messages[500])


def busy_answers(app: Flask) -> dict[str, bytes]:
    """The 503 "busy" page rendered once in each language, and the API's JSON error ("api")."""
    answers = {}
    for code in LANGUAGES:
        with app.app_context(), app.test_request_context(f"/{code}/"):  # a fresh context: nothing cached
            g.lang_code = code
            title, message = error_message(503)
            answers[code] = error_page(503, title, message).encode()
    with app.app_context(), app.test_request_context("/api/"):
        title, message = error_message(503)
        answers["api"] = json.dumps({"error": {"code": "service_unavailable", "message": message, "fields": {}}},
                                    ensure_ascii=False).encode()
    return answers
