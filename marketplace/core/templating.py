"""What every template can use: the page language, alternate-language links, money, numbers and instants."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, g, request, session, url_for
from flask_babel import format_decimal

from marketplace.core.clock import to_utc
from marketplace.core.i18n import LANGUAGES, current_language
from marketplace.core.money import Money
from marketplace.core.site import site_url


def language_url(code: str) -> str | None:
    """This page in language `code` (same route, arguments and query), or None off localised pages."""
    if request.endpoint is None or request.view_args is None or "lang_code" not in g:
        return None
    args = {**request.args.to_dict(), **request.view_args, "lang_code": code}
    return url_for(request.endpoint, **args)


def alternate_links() -> list[tuple[str, str]]:
    """(hreflang, absolute URL) for every language version of this page."""
    links = []
    for code, language in LANGUAGES.items():
        url = language_url(code)
        if url is not None:
            links.append((language.html_lang, site_url() + url))
    return links


def format_money(money: Money | None) -> str:
    return "" if money is None else money.format(current_language().code)


def format_instant(instant: datetime | None, width: str = "medium") -> str:
    """An aware UTC instant in the shopper's chosen time zone (UTC until they choose one), with the zone named."""
    if instant is None:
        return ""
    name = session.get("time_zone") or "UTC"
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        name, zone = "UTC", ZoneInfo("UTC")
    written = babel_format_datetime(to_utc(instant), width, tzinfo=zone, locale=current_language().code)
    return f"{written} ({name})"


def init_app(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        language_url=language_url,
        alternate_links=alternate_links,
        format_money=format_money,
        format_number=format_decimal,
        format_instant=format_instant,
    )

    @app.context_processor
    def page_language() -> dict:
        return {"lang": current_language(), "display_currency": session.get("display_currency")}
