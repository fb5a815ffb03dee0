"""Refusals at the edge, before any view or query: an overloaded worker, NUL characters, oversized or
too deeply nested bodies. PostgreSQL cannot store a NUL in text and Python's JSON parser recurses, so
these would otherwise surface as 500s deep inside a service."""
from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge

from marketplace.core.error_pages import RETRY_AFTER_SECONDS, error_message, error_response

# Set in the WSGI environ by the gunicorn worker (marketplace/core/serving.py) for a request that
# waited too long in its queue: answering it at once, without the database, drains the queue.
OVERLOADED_KEY = "silkroad.overloaded"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class EdgeBadRequest(BadRequest):
    """A 400 whose description is a translated message for the person who sent the request."""

    shown_to_user = True


class EdgeTooLarge(RequestEntityTooLarge):
    """A 413 whose description is a translated message for the person who sent the request."""

    shown_to_user = True


class JSONTooDeep(ValueError):
    """A JSON document nested deeper than JSON_MAX_DEPTH (a ValueError, so `get_json(silent=True)` gives None)."""


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether `value` (parsed JSON) nests more than `limit` arrays or objects deep; iterative, no recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def json_has_nul(value: Any) -> bool:
    """Whether any string (key or value) in parsed JSON `value` contains a NUL character."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing documents nested deeper than JSON_MAX_DEPTH instead of recursing."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError as exc:
            raise JSONTooDeep("JSON nested too deeply") from exc
        if json_depth_exceeds(value, self._app.config["JSON_MAX_DEPTH"]):
            raise JSONTooDeep("JSON nested too deeply")
        return value


def allow_larger_upload(app: Flask, endpoint: str, limit: int) -> None:
    """Let forms posted to `endpoint` carry files up to `limit` bytes in all, above MAX_CONTENT_LENGTH (the
    view still judges each file; lecture slides may be 20 MB)."""
    app.extensions.setdefault("upload_limits", {})[endpoint] = limit


def _larger_upload_limit() -> int | None:
    return current_app.extensions.get("upload_limits", {}).get(request.endpoint)


def nul_refused() -> EdgeBadRequest:
    return EdgeBadRequest(_("The request contains a NUL character (\\0), which nothing on this site accepts. "
                            "Nothing was changed."))


def busy_response() -> Response:
    """The 503 "busy" answer with Retry-After, as a finished response so no error handler reshapes it."""
    title, message = error_message(503)
    return error_response(503, "service_unavailable", title, message, RETRY_AFTER_SECONDS)


def check_request() -> None:
    """Refuse, before the view runs, a request that no view could answer safely; raises an HTTP error."""
    if request.environ.get(OVERLOADED_KEY):
        abort(busy_response())
    if "\x00" in request.path:
        raise NotFound()
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        raise nul_refused()
    if any("\x00" in value for value in request.headers.values()):
        raise nul_refused()
    if request.method not in BODY_METHODS:
        return
    config = current_app.config
    api = request.path.startswith("/api/")
    if api:
        request.max_content_length = config["API_MAX_BODY"]
        if request.content_length is not None and request.content_length > config["API_MAX_BODY"]:
            raise EdgeTooLarge(_("The request body is larger than %(kilobytes)d KB, the most the API accepts. "
                                 "Nothing was changed.", kilobytes=config["API_MAX_BODY"] // 1024))
    if request.mimetype == "multipart/form-data" and (larger := _larger_upload_limit()):
        request.max_content_length = larger
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        check_form()
    elif request.is_json:
        check_json()


def check_form() -> None:
    """Refuse form fields holding NUL, and form text past MAX_FORM_MEMORY_SIZE, with a clear message."""
    text_limit = current_app.config["MAX_FORM_MEMORY_SIZE"]
    if request.mimetype == "application/x-www-form-urlencoded":
        # Werkzeug applies MAX_FORM_MEMORY_SIZE to multipart fields only: a urlencoded body is all text.
        request.max_content_length = text_limit
    try:
        if request.mimetype == "application/x-www-form-urlencoded" and (request.content_length or 0) > text_limit:
            raise RequestEntityTooLarge()
        fields = list(request.form.items(multi=True))
        names = [upload.filename or "" for _, upload in request.files.items(multi=True)]
    except RequestEntityTooLarge:
        limit = _larger_upload_limit() or current_app.config["MAX_CONTENT_LENGTH"]
        if limit is not None and request.content_length is not None and request.content_length > limit:
            raise  # the files are too large: the 413 page says so
        raise EdgeTooLarge(_(
            "The text of this form is longer than %(kilobytes)d KB, the most one form can take. Go back to the "
            "form (your browser usually keeps what you typed) and shorten it.",
            kilobytes=text_limit // 1024)) from None
    if any("\x00" in key or "\x00" in value for key, value in fields) or any("\x00" in name for name in names):
        raise nul_refused()


def check_json() -> None:
    """Refuse a JSON body nested too deeply or holding NUL in a string; malformed JSON is left to the view."""
    try:
        body = current_app.json.loads(request.get_data(cache=True))
    except JSONTooDeep:
        raise EdgeBadRequest(_("The JSON body is nested more than %(depth)d levels deep. Nothing was changed.",
                               depth=current_app.config["JSON_MAX_DEPTH"])) from None
    except ValueError:
        return  # not JSON at all: each view answers that in its own words
    if json_has_nul(body):
        raise nul_refused()


def init_app(app: Flask) -> None:
    """Install the JSON provider with a depth limit and run `check_request` before every other hook."""
    app.json = GuardedJSONProvider(app)
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
