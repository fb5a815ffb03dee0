"""One JSON log line per request, and a request id that follows the request into its jobs and e-mails.

Every request gets an id: the `X-Request-ID` the proxy (or client) sent when it is a safe token, else a
new one. It is returned in the response's `X-Request-ID` header, written on the request's access line and
on every log line written while it is served, stored with each job it queues (a worker's log lines then
carry it too) and put in the headers of each e-mail it sends, so one id finds everything one click did.

With `LOG_FORMAT=json` (the default) every log line of the process is one JSON object on stderr:
`{"time", "level", "logger", "message", "request_id", …}`; an access line adds `method`, `path` (never the
query string, which may hold a calendar feed's token), `status`, `duration_ms`, `user_id` (null for
visitors) and `client` (the address after the trusted proxies). `LOG_FORMAT=text` keeps Flask's plain
lines and writes no access lines.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from flask import Flask, Response, request
from flask.logging import default_handler
from werkzeug.wsgi import ClosingIterator

HEADER = "X-Request-ID"
ENVIRON_KEY = "silkroad.request_id"
USER_KEY = "silkroad.user_id"
# Letters, digits and . _ : - only, 8 to 128 of them: enough for any proxy's or tracer's ids, nothing that
# could break a log line or an e-mail header.
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
ACCESS_LOGGER = "marketplace.access"

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or job) being served in this thread; None outside both."""
    return _request_id.get()


def use_request_id(value: str | None) -> contextvars.Token:
    """Make `value` the current request id (a job carrying its request's id); reset with the returned token."""
    return _request_id.set(value)


def forget_request_id(token: contextvars.Token) -> None:
    """Go back to the request id before `use_request_id` returned `token`."""
    _request_id.reset(token)


def request_id_from(sent: str | None) -> str:
    """The id sent in `X-Request-ID` when it is a safe token, else a new random one."""
    if sent and SAFE_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


class RequestLog:
    """WSGI middleware: gives each request its id and writes its access line when the answer is sent."""

    def __init__(self, wsgi_app: Callable, log_access: bool) -> None:
        self.wsgi_app = wsgi_app
        self.log_access = log_access
        self.logger = logging.getLogger(ACCESS_LOGGER)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        environ[ENVIRON_KEY] = request_id
        status: list[str] = []

        def start_with_id(status_line: str, headers: list, exc_info: object = None) -> Callable:
            status[:] = [status_line]
            headers = [(name, value) for name, value in headers if name.lower() != HEADER.lower()]
            headers.append((HEADER, request_id))
            return start_response(status_line, headers, exc_info)

        def sent() -> None:
            if self.log_access:
                self.write_access_line(environ, status[0] if status else "500", started, request_id)

        # The id is this thread's while the application runs (its log lines, jobs and e-mails), and only then.
        token = use_request_id(request_id)
        try:
            body = self.wsgi_app(environ, start_with_id)
        except BaseException:
            sent()
            raise
        finally:
            forget_request_id(token)
        return ClosingIterator(body, [sent])

    def write_access_line(self, environ: dict, status_line: str, started: float, request_id: str) -> None:
        user_id = environ.get(USER_KEY)
        self.logger.info("request", extra={
            "request_id": request_id,
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "status": int(status_line.split(" ", 1)[0]),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": int(user_id) if user_id and user_id.isdigit() else None,
            "client": environ.get("REMOTE_ADDR"),
        })


ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "user_id", "client")


class JsonFormatter(logging.Formatter):
    """Each record as one line of JSON, with the request id of the request or job that wrote it."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def remember_user(response: Response) -> Response:
    """Note who made the request for its access line, without a database query."""
    from marketplace.core.error_pages import requesting_user_id

    user_id = requesting_user_id()
    request.environ[USER_KEY] = None if user_id == "-" else user_id
    return response


def log_as_json() -> None:
    """Write every log line of this process as JSON on stderr (once; gunicorn's own JSON set-up counts)."""
    root = logging.getLogger()
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    """Give every request an id and, with `LOG_FORMAT=json`, log each one and every other line as JSON."""
    if app.config.get("LOG_FORMAT", "json") not in ("json", "text"):
        raise RuntimeError("LOG_FORMAT must be json or text")
    as_json = app.config.get("LOG_FORMAT", "json") == "json"
    if as_json:
        log_as_json()
        app.logger.removeHandler(default_handler)  # its lines reach the JSON handler through the root logger
        logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO)
    app.after_request(remember_user)
    app.wsgi_app = RequestLog(app.wsgi_app, log_access=as_json)  # type: ignore[method-assign]
