"""What every template can use: the page language, alternate-language links, money and numbers."""
from __future__ import annotations

from flask import Flask, g, request, session, url_for
from flask_babel import format_decimal

from marketplace.core.i18n import LANGUAGES, current_language
from marketplace.core.money import Money


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
            links.append((language.html_lang, request.host_url.rstrip("/") + url))
    return links


def format_money(money: Money | None) -> str:
    return "" if money is None else money.format(current_language().code)


def init_app(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        language_url=language_url,
        alternate_links=alternate_links,
        format_money=format_money,
        format_number=format_decimal,
    )

    @app.context_processor
    def page_language() -> dict:
        return {"lang": current_language(), "display_currency": session.get("display_currency")}
