"""Signed-cookie sessions whose expiry slides at most once an hour.

A signed-in user's session is permanent (`PERMANENT_SESSION_LIFETIME` after their last visit). Flask keeps
that promise by signing and sending the cookie again on every response, even when nothing in the session
changed: a few hundred bytes more on every page for shoppers on costly mobile data, and a signature on every
request. Here the cookie is sent again only when the session changed or its signature is at least
`REFRESH_SECONDS` old, so a session still ends `PERMANENT_SESSION_LIFETIME` after the last visit, give or
take an hour.
"""
from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature

REFRESH_SECONDS = 3600


def now() -> float:
    """The time a signature's age is measured against (seconds since the epoch)."""
    return time.time()


class SlidingSession(SecureCookieSession):
    """A session that knows when its cookie was signed (None: new, or its cookie was not ours)."""

    signed_at: float | None = None


class SlidingSessionInterface(SecureCookieSessionInterface):
    session_class = SlidingSession

    def open_session(self, app: Flask, request: Request) -> SlidingSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed = serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()),
                                            return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed.timestamp()
        return session

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or now() - signed_at >= REFRESH_SECONDS


def init_app(app: Flask) -> None:
    app.session_interface = SlidingSessionInterface()
