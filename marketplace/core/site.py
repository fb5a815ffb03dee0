"""The site's addresses: its public address for links that leave the page (hreflang, payment return URLs,
e-mails), its home page (`HOME_ENDPOINT`), and which `next` addresses may be followed."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request, url_for


def site_url() -> str:
    """SITE_URL without a trailing slash; without it (development only) the address this request came to.

    Never the Host header when SITE_URL is set: a forged Host must not end up in links sent elsewhere.
    """
    configured = current_app.config.get("SITE_URL")
    if configured:
        return configured.rstrip("/")
    return request.host_url.rstrip("/")


def external_url(endpoint: str, **values: object) -> str:
    """The absolute address of a view for links that leave the site (e-mails, payment pages): on SITE_URL,
    never the request's Host header. Outside a request (a job, the command line) it needs SITE_URL and is
    "" without it (development only: production requires SITE_URL)."""
    if has_request_context():
        return site_url() + url_for(endpoint, **values)
    configured = current_app.config.get("SITE_URL")
    if not configured:
        return ""
    current_app.inject_url_defaults(endpoint, values)
    # Only the path is built here: the scheme and host come from SITE_URL.
    return configured.rstrip("/") + current_app.url_map.bind("localhost").build(endpoint, values)


def page_link(endpoint: str, language: str, **values: object) -> str:
    """The absolute address of a page in `language`, for an e-mail (see `external_url`)."""
    return external_url(endpoint, lang_code=language, **values)


def home_url(**values: object) -> str:
    """The home page's path (the view named by `HOME_ENDPOINT`), in the page's language unless `lang_code`
    is given."""
    return url_for(current_app.config["HOME_ENDPOINT"], **values)


def safe_next_url(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None (no open redirects, no `//host`, no `\\`)."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def check_home_endpoint(app: Flask) -> None:
    """Refuse to start when `HOME_ENDPOINT` names no view (every "back to the home page" link would fail)."""
    endpoint = app.config.get("HOME_ENDPOINT")
    if endpoint not in app.view_functions:
        raise RuntimeError(f"HOME_ENDPOINT names no view: {endpoint!r}")
