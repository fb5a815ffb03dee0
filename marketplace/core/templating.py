"""What every template can use: the page language, alternate-language links, money, numbers and instants."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, g, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from marketplace.core.i18n import LANGUAGES, current_language
from marketplace.core.money import Money
from marketplace.core.site import home_url, site_url
from marketplace.core.zones import format_in_zone, viewer_zone, zone_name


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


def format_instant(instant: datetime | None, width: str = "medium", zone: str | None = None) -> str:
    """An aware UTC instant on the clocks of `zone` (default: the viewer's, see `viewer_zone`), with the
    zone named in the page's language: "2 déc. 2026, 20:00:00 (heure : Nairobi)"."""
    if instant is None:
        return ""
    zone = zone or viewer_zone()
    language = current_language().code
    return _("%(when)s (%(zone)s)", when=format_in_zone(instant, zone, language, width),
             zone=zone_name(zone, language))


def viewer_zone_name() -> str:
    """The name of the viewer's zone in the page's language, for headings such as "Placed (Nairobi Time)"."""
    return zone_name(viewer_zone(), current_language().code)


def lang_attrs(text: object = None) -> Markup:
    """` lang=… dir=…` for an element showing a text of a known language other than the page's (a
    LocalText or a language code), ` dir="auto"` for a vendor's text of unknown language (a store name),
    nothing for a text in the page's language: Arabic inside a left-to-right page, or Latin words inside
    an Arabic one, keep their own order."""
    code = text if isinstance(text, str) else getattr(text, "language", None)
    language = LANGUAGES.get(code or "")
    if language is None:
        return Markup(' dir="auto"')
    if language.code == current_language().code:
        return Markup("")
    return Markup(' lang="%s" dir="%s"') % (language.html_lang, language.direction)


def init_app(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        language_url=language_url,
        alternate_links=alternate_links,
        home_url=home_url,
        format_money=format_money,
        format_number=format_decimal,
        format_instant=format_instant,
        lang_attrs=lang_attrs,
        viewer_zone=viewer_zone,
        viewer_zone_name=viewer_zone_name,
        zone_name=lambda zone: zone_name(zone, current_language().code),
    )

    @app.context_processor
    def page_language() -> dict:
        return {"lang": current_language()}
