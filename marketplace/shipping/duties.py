"""Import duties and taxes: what staff tell shoppers per destination country, shown on the product page,
the cart and checkout whenever goods cross a border, and the declared value the vendor writes on the
customs form."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.catalog.services import country_name
from marketplace.core.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.orders.checkout import shipping_countries
from marketplace.shipping.models import DutyNote, DutyPayer

if TYPE_CHECKING:
    from marketplace.orders.priced_cart import PricedCart

LANGUAGES = ("en", "fr", "ar", "pt", "sw", "zh")
MAX_NOTE = 600


@dataclass(frozen=True)
class DutyAdvice:
    """What a shopper reads about duties for one destination: who pays, and staff's note in their language."""

    country_code: str
    payer: DutyPayer
    who_pays: str
    note: str
    note_language: str


def who_pays(payer: DutyPayer, country: str) -> str:
    """The sentence saying who pays import duties and taxes in `country` (a name)."""
    if payer == DutyPayer.SELLER:
        return _("Import duties and taxes for %(country)s are included in the price.", country=country)
    return _("Import duties and taxes due in %(country)s, if any, are paid by you, usually on delivery.",
             country=country)


def duty_advice(destination: str, origins: set[str] | list[str], language: str) -> DutyAdvice | None:
    """The duties note for goods sent from `origins` (store countries) to `destination`; None when nothing
    crosses a border or staff wrote no note for that country."""
    if not destination or not any(origin != destination for origin in origins):
        return None
    note = db.session.get(DutyNote, destination)
    if note is None:
        return None
    texts = note.texts or {}
    shown_in = language if texts.get(language) else "en" if texts.get("en") else next(iter(texts), language)
    return DutyAdvice(destination, note.payer, who_pays(note.payer, country_name(destination, language)),
                      texts.get(shown_in, ""), shown_in)


def duty_notes() -> list[DutyNote]:
    """Every country's note, by country code."""
    return list(db.session.scalars(select(DutyNote).order_by(DutyNote.country_code)))


def save_duty_note(staff: User, country_code: str, payer: str, texts: Mapping[str, str]) -> DutyNote:
    """Set the note of one destination country (replacing the last one); ValidationError for an unknown
    country or payer, or a note longer than MAX_NOTE."""
    errors: dict[str, str] = {}
    code = str(country_code or "").strip().upper()
    if code not in shipping_countries():
        errors["country_code"] = _("Choose a country from the list.")
    if payer not in {p.value for p in DutyPayer}:
        errors["payer"] = _("Choose who pays.")
    clean = {}
    for language in LANGUAGES:
        text = " ".join(str(texts.get(language) or "").split())
        if len(text) > MAX_NOTE:
            errors[f"text_{language}"] = _("Use at most %(count)d characters.", count=MAX_NOTE)
        elif text:
            clean[language] = text
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    note = db.session.get(DutyNote, code) or DutyNote(country_code=code)
    note.payer, note.texts, note.updated_by_id = DutyPayer(payer), clean, staff.id
    db.session.add(note)
    db.session.commit()
    return note


def delete_duty_note(staff: User, country_code: str) -> None:
    """Remove a country's note (shoppers there then read none); NotFound when there is none."""
    note = db.session.get(DutyNote, str(country_code or "").upper()[:2])
    if note is None:
        raise NotFound(_("There is no note for this country."))
    db.session.delete(note)
    db.session.commit()


def cart_duty_advice(priced: PricedCart, language: str) -> DutyAdvice | None:
    """The duties note for a priced cart's destination when some store's goods cross a border to it."""
    origins = {group.country_code for group in priced.groups if group.shipping is not None}
    return duty_advice(priced.destination, origins, language)
