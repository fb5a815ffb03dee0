"""The site's public address, for links that leave the page (hreflang, payment return URLs, e-mails)."""
from __future__ import annotations

from flask import current_app, request


def site_url() -> str:
    """SITE_URL without a trailing slash; without it (development only) the address this request came to.

    Never the Host header when SITE_URL is set: a forged Host must not end up in links sent elsewhere.
    """
    configured = current_app.config.get("SITE_URL")
    if configured:
        return configured.rstrip("/")
    return request.host_url.rstrip("/")
