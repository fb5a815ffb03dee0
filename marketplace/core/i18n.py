"""Locales: the six languages of the storefront, locale URL segments, and text fallback."""
from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import click
from babel import support
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, request
from flask.cli import AppGroup
from flask_babel import get_locale
from werkzeug.routing import BaseConverter
from wtforms.i18n import messages_path as wtforms_messages_path

from marketplace.core.zones import viewer_zone
from marketplace.extensions import babel


@dataclass(frozen=True)
class Language:
    code: str  # URL segment and translation catalogue name
    native_name: str
    direction: str  # "ltr" or "rtl"
    html_lang: str  # BCP 47 tag for <html lang> and hreflang


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "ltr", "en"),
        Language("fr", "Français", "ltr", "fr"),
        Language("ar", "العربية", "rtl", "ar"),
        Language("pt", "Português", "ltr", "pt"),
        Language("sw", "Kiswahili", "ltr", "sw"),
        Language("zh", "中文", "ltr", "zh-Hans"),
    )
}
DEFAULT_LANGUAGE = "en"
# Languages vendors write product texts in; Chinese is a shopper language, translations only.
VENDOR_LANGUAGES = ("en", "fr", "ar", "pt", "sw")


class LanguageConverter(BaseConverter):
    """Matches only the six locale codes, so `/xx/…` is an ordinary 404."""

    regex = "(?:" + "|".join(LANGUAGES) + ")"


def current_language() -> Language:
    """The language of the page being served (English outside a request)."""
    try:
        return LANGUAGES.get(g.get("lang_code") or str(get_locale()), LANGUAGES[DEFAULT_LANGUAGE])
    except RuntimeError:
        return LANGUAGES[DEFAULT_LANGUAGE]


def best_language(accept: Iterable[tuple[str, float]] | None = None) -> str:
    """The locale code that best fits the request's Accept-Language header."""
    header = request.accept_languages if accept is None else accept
    for tag, _quality in sorted(header, key=lambda item: -item[1]):
        primary = tag.replace("_", "-").split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def select_locale() -> str:
    code = g.get("lang_code")
    if code:
        return code
    try:
        return best_language()
    except RuntimeError:
        return DEFAULT_LANGUAGE


T = TypeVar("T")


def reading_order(language: str | None = None, accept: Iterable[tuple[str, float]] | None = None) -> tuple[str, ...]:
    """The languages a reader of `language` (the page's by default) wants texts in, best first: that
    language, then the other supported languages of the request's Accept-Language in quality order."""
    code = language or current_language().code
    if accept is None:
        try:
            accept = request.accept_languages
        except RuntimeError:  # outside a request: nothing more is known of the reader
            accept = ()
    order = [code]
    for tag, quality in sorted(accept, key=lambda item: -item[1]):
        primary = tag.replace("_", "-").split("-")[0].lower()
        if quality > 0 and primary in LANGUAGES and primary not in order:
            order.append(primary)
    return tuple(order)


def pick_translation(
    texts: Mapping[str, T], wanted: str | Sequence[str], original: str | None
) -> tuple[str, T] | None:
    """The text in the first of the `wanted` languages that has one, else English, else the vendor's
    original, else any: (locale, text); None when there is no text at all."""
    languages = (wanted,) if isinstance(wanted, str) else tuple(wanted)
    for locale in (*languages, DEFAULT_LANGUAGE, original):
        if locale and locale in texts:
            return locale, texts[locale]
    for locale in sorted(texts):
        return locale, texts[locale]
    return None


def text_direction(code: str | None) -> str:
    """"rtl" or "ltr" for a supported language; "auto" when the language is not known."""
    language = LANGUAGES.get(code or "")
    return language.direction if language else "auto"


@functools.cache
def wtforms_translations(language: str) -> support.Translations:
    """WTForms' own messages ("Not a valid choice") in `language`, loaded once per process."""
    return support.Translations.load(wtforms_messages_path(), [language], domain="wtforms")


def init_app(app: Flask) -> None:
    app.url_map.converters["lang"] = LanguageConverter
    # Flask-Babel's date filters (`datetimeformat`) write times in the viewer's zone.
    babel.init_app(app, locale_selector=select_locale, timezone_selector=viewer_zone)

    @app.url_value_preprocessor
    def pull_lang_code(endpoint: str | None, values: dict | None) -> None:
        if values and "lang_code" in values:
            g.lang_code = values.pop("lang_code")
        elif request.routing_exception is not None:
            # No route matched (404) or not with this method (405): the error page is still in the
            # language of the path's locale segment, when it has one.
            segment = request.path.lstrip("/").split("/", 1)[0]
            if segment in LANGUAGES:
                g.lang_code = segment

    @app.before_request
    def keep_form_translations() -> None:
        # Flask-WTF reads WTForms' own messages from disk again on every request that checks or shows a form (a
        # field's label and choices ask for them too); a page's language is known from its path, so its
        # catalogue is loaded once per process and language instead.
        if g.get("lang_code") in LANGUAGES:
            request.wtforms_translations = wtforms_translations(g.lang_code)

    @app.url_defaults
    def add_lang_code(endpoint: str, values: dict) -> None:
        if "lang_code" in values or not app.url_map.is_endpoint_expecting(endpoint, "lang_code"):
            return
        values["lang_code"] = g.get("lang_code") or DEFAULT_LANGUAGE


translations_cli = AppGroup("translations", help="Check the UI translation catalogues.")


@translations_cli.command("check")
def check_translations_command() -> None:
    """Fail when any catalogue lacks a string of messages.pot, or has it empty or fuzzy."""
    problems = check_catalogues(Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"All {len(LANGUAGES) - 1} catalogues are complete.")


def check_catalogues(directory: Path) -> list[str]:
    """Every problem found in the catalogues under `directory`, one line each."""
    with open(directory / "messages.pot", "rb") as handle:
        template_ids = {m.id for m in read_po(handle) if m.id}
    problems = []
    for code in LANGUAGES:
        if code == DEFAULT_LANGUAGE:
            continue
        path = directory / code / "LC_MESSAGES" / "messages.po"
        if not path.exists():
            problems.append(f"{code}: no catalogue at {path.relative_to(directory.parent)}")
            continue
        with open(path, "rb") as handle:
            catalog = read_po(handle, locale=code)
        seen = set()
        for message in catalog:
            if not message.id:
                continue
            seen.add(message.id)
            label = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                problems.append(f"{code}: fuzzy: {label!r}")
            elif not all(strings):
                problems.append(f"{code}: untranslated: {label!r}")
        for missing in sorted(map(str, template_ids - seen)):
            problems.append(f"{code}: missing: {missing!r}")
    return problems
