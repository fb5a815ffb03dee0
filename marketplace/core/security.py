"""Security headers on every response (a fresh CSP nonce per request), refusals at the edge, and a log
line for every authorisation failure."""
from __future__ import annotations

import secrets

from flask import Flask, Response, g


def csp_nonce() -> str:
    """The nonce for this response's Content-Security-Policy (the same all request long)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app: Flask) -> None:
    from marketplace.core import edge
    from marketplace.core.error_pages import log_refusal

    app.jinja_env.globals["csp_nonce"] = csp_nonce
    edge.init_app(app)
    app.after_request(log_refusal)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        # A response with a policy of its own keeps it (a downloaded document is sandboxed).
        headers.setdefault("Content-Security-Policy", (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{csp_nonce()}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        ))
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if app.config.get("HSTS"):
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response
