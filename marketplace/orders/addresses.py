"""Delivery addresses across scripts and across orders.

A parcel from Marrakech to Shanghai is read by two carriers: the address as the shopper typed it
(Chinese) for the last mile and a Latin-letter version for the label the vendor writes. This module
knows which countries usually write in another script (from CLDR's likely subtags), checks that a
text is in Latin letters, suggests pinyin for Chinese (pypinyin, loaded on the first Chinese
address), and remembers the shopper's last address, country and phone prefix for the next checkout.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

import phonenumbers
from babel.core import get_global
from sqlalchemy import ColumnElement, select

from marketplace.accounts.models import User
from marketplace.core import viewer_facts
from marketplace.extensions import db
from marketplace.orders.models import Order

# The parts of an address a label needs in Latin letters: (typed field, Latin field).
LATIN_FIELDS = {"recipient_name": "recipient_name_latin", "address_line": "address_line_latin",
                "city": "city_latin", "region": "region_latin"}
# What the next checkout is pre-filled with from the shopper's last order that had an address.
REMEMBERED_FIELDS = ("recipient_name", "phone", "country_code", "region", "city", "address_line", "postal_code",
                     *LATIN_FIELDS.values())


@functools.lru_cache(maxsize=512)
def country_script(country_code: str) -> str:
    """The ISO 15924 script the country usually writes addresses in ("Latn" when CLDR does not say)."""
    likely = get_global("likely_subtags").get(f"und_{country_code.upper()}", "")
    parts = likely.split("_")
    return parts[1] if len(parts) == 3 else "Latn"


def needs_latin_address(country_code: str) -> bool:
    """Whether addresses in this country are usually written in a script other than Latin."""
    return bool(country_code) and country_script(country_code) != "Latn"


def non_latin_countries(codes: Iterable[str]) -> list[str]:
    """Those of `codes` whose addresses are usually in another script, sorted."""
    return sorted(code for code in codes if needs_latin_address(code))


def _is_latin_letter(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN ")


def has_other_script(text: str) -> bool:
    """Whether `text` has a letter or digit outside the Latin script and the ASCII digits."""
    for ch in unicodedata.normalize("NFKC", text or ""):
        if ch.isalpha() and not _is_latin_letter(ch):
            return True
        if ch.isdigit() and not ch.isascii():
            return True
    return False


def is_latin_text(text: str) -> bool:
    """Whether a carrier's label can carry `text`: Latin letters, ASCII digits, spaces and punctuation."""
    for ch in unicodedata.normalize("NFKC", text or ""):
        category = unicodedata.category(ch)
        if ch.isalpha():
            if not _is_latin_letter(ch):
                return False
        elif ch.isdigit():
            if not ch.isascii():
                return False
        elif not (category.startswith("P") or category == "Zs" or ch.isascii()):
            return False
    return True


def latin_form(text: str) -> str:
    """`text` as it goes on the label: full-width letters and digits made ordinary, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def _is_han(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK ")


def has_chinese(text: str) -> bool:
    """Whether `text` has Chinese characters, which pinyin can spell in Latin letters."""
    return any(_is_han(ch) for ch in text or "")


HAN_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")


@functools.cache
def _pinyin() -> tuple[Callable[..., list[str]], Callable[[str], Iterable[str]]]:
    """pypinyin's converter and word splitter, imported once on the first Chinese address (large dictionaries)."""
    from pypinyin import lazy_pinyin
    from pypinyin.seg.mmseg import seg
    return lazy_pinyin, seg.cut


def pinyin(text: str, person_name: bool = False) -> str:
    """Chinese characters in `text` spelled in pinyin without tones, for a label.

    An address is spelled word by word, each word capitalised ("上海市浦东新区" → "Shanghai Shi Pu Dong
    Xinqu"); a person's name keeps the family name apart and joins the given name ("Zhang Xiaoming").
    Latin letters, digits and punctuation are kept; full-width forms become ordinary ones.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not has_chinese(text):
        return latin_form(text)
    spell, words_of = _pinyin()
    if person_name and HAN_RUN.fullmatch(text) and len(text) <= 4:
        syllables = spell(text)
        return " ".join(filter(None, [syllables[0].capitalize(), "".join(syllables[1:]).capitalize()]))
    pieces = []
    for chunk in HAN_RUN.split(text):
        if HAN_RUN.fullmatch(chunk):
            pieces.extend("".join(spell(word)).capitalize() for word in words_of(chunk))
        elif chunk.strip():
            pieces.append(chunk.strip())
    spelled = re.sub(r"\s+([,.;:])", r"\1", " ".join(pieces))
    return latin_form(re.sub(r"([,;:])(?=\S)", r"\1 ", spelled))


def suggest_latin(fields: Mapping[str, str]) -> dict[str, str]:
    """Pinyin for each Latin field left empty whose typed counterpart is Chinese: {latin field: suggestion}."""
    suggestions = {}
    for typed, latin in LATIN_FIELDS.items():
        if not (fields.get(latin) or "").strip() and has_chinese(fields.get(typed) or ""):
            suggestions[latin] = pinyin(fields[typed], person_name=typed == "recipient_name")
    return suggestions


def stale_latin(fields: Mapping[str, str], last: Mapping[str, str] | None) -> list[str]:
    """The Latin fields still pre-filled from the last address although their typed part was changed."""
    if not last:
        return []
    return [latin for typed, latin in LATIN_FIELDS.items()
            if fields.get(latin) and fields.get(latin) == last.get(latin)
            and (fields.get(typed) or "").strip() != (last.get(typed) or "").strip()]


def last_delivery(shopper: User) -> dict[str, str] | None:
    """The address of the shopper's latest order that went to an address, to pre-fill the next checkout."""
    row = db.session.execute(
        select(*(getattr(Order, name) for name in REMEMBERED_FIELDS))
        .where(Order.shopper_id == shopper.id, Order.address_line != "").order_by(Order.id.desc()).limit(1)
    ).first()
    return None if row is None else dict(zip(REMEMBERED_FIELDS, row, strict=True))


LAST_COUNTRY_FACT = "last_delivery_country"


def last_country_fact(user_id: ColumnElement) -> ColumnElement:
    """The country of a user's latest order that went to an address, as a subquery read with the signed-in
    user (`core.viewer_facts`)."""
    return (select(Order.country_code).where(Order.shopper_id == user_id, Order.address_line != "")
            .order_by(Order.id.desc()).limit(1).scalar_subquery())


def last_delivery_country(shopper: User) -> str:
    """The country of the shopper's latest delivery ("" when none): read with the user when it was."""
    known = viewer_facts.fact(LAST_COUNTRY_FACT, shopper.id)
    if known is viewer_facts.MISSING:
        known = (last_delivery(shopper) or {}).get("country_code")
    return known or ""


def country_from_locale(accept_languages: Iterable[str], language: str) -> str:
    """A likely destination country from the browser's languages ("zh-CN", "fr-SN") or the page's ("zh")."""
    likely = get_global("likely_subtags")
    for tag in accept_languages:
        parts = tag.replace("-", "_").split("_")
        region = next((part.upper() for part in parts[1:] if len(part) == 2 and part.isalpha()), "")
        if region:
            return region
    parts = likely.get(language, "").split("_")
    return parts[2] if len(parts) == 3 else ""


def phone_prefix(country_code: str) -> str:
    """The international calling prefix of a country ("+86 "), or "" when unknown."""
    code = phonenumbers.country_code_for_region(country_code.upper()) if country_code else 0
    return f"+{code} " if code else ""
