"""A vendor's experiences: creating one (a product of kind "experience" and its facts), editing its facts and
texts (options and their prices are in `options.py`).

Every function takes the signed-in vendor and starts from that vendor's own store: another vendor's
experience, option or unit type is NotFound. Input is checked in full before anything changes; one
transaction per use case.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from campaigns.festivals.scheduling import get_zone
from campaigns.tourism.models import Experience, ExperienceOption, ExperienceText
from marketplace.accounts.models import User
from marketplace.catalog.models import Category, Product, ProductKind, ProductStatus, ProductText
from marketplace.catalog.price_history import record_price
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.i18n import LANGUAGES, VENDOR_LANGUAGES
from marketplace.extensions import db
from marketplace.search import services as search
from marketplace.vendors.backoffice.product_input import (
    MAX_DESCRIPTION,
    MAX_NAME,
    clean_line,
    clean_paragraphs,
)
from marketplace.vendors.backoffice.services import own_store, unique_slug
from marketplace.vendors.models import Store

# Languages a guide may speak: the storefront's six and the ones travellers to Africa most often ask for.
GUIDE_LANGUAGES = ("en", "fr", "ar", "pt", "sw", "zh", "de", "es", "it", "ru", "am", "ha", "yo", "zu")
MAX_DURATION_MINUTES = 30 * 24 * 60
MAX_AGE = 99
MAX_POLICY_HOURS = 24 * 90
MAX_TEXT = 8000
MAX_MEETING_POINT = 300


@dataclass(frozen=True)
class ExperienceFacts:
    """The facts of an experience as typed (numbers already parsed by the form, None when missing)."""

    time_zone: str
    duration_minutes: int | None
    meeting_lat: str = ""
    meeting_lon: str = ""
    guide_languages: list[str] = field(default_factory=list)
    minimum_age: int | None = 0
    refundable: bool = True
    free_cancel_hours: int | None = 48
    late_refund_percent: int | None = 0


@dataclass(frozen=True)
class ExperienceWords:
    """The experience's texts in one language."""

    itinerary: str = ""
    included: str = ""
    excluded: str = ""
    meeting_point: str = ""

    @property
    def empty(self) -> bool:
        return not (self.itinerary.strip() or self.included.strip() or self.excluded.strip()
                    or self.meeting_point.strip())


def store_currency(store: Store) -> str:
    """The currency an experience of `store` is priced in: its country's."""
    return store.country.currency if store.country else "USD"


def owned_experience(user: User, product_id: int) -> Experience:
    """The experience of product `product_id` when it belongs to `user`'s store; NotFound otherwise."""
    experience = db.session.scalar(
        select(Experience).join(Experience.product).join(Product.store)
        .where(Experience.product_id == product_id, Store.owner_id == user.id)
    )
    if experience is None:
        raise NotFound(_("No such experience."))
    return experience


def owned_option(user: User, option_id: int) -> ExperienceOption:
    """The option `option_id` of one of `user`'s experiences; NotFound otherwise."""
    option = db.session.scalar(
        select(ExperienceOption).join(ExperienceOption.experience).join(Experience.product).join(Product.store)
        .where(ExperienceOption.id == option_id, Store.owner_id == user.id)
    )
    if option is None:
        raise NotFound(_("No such option."))
    return option


def vendor_experiences(user: User) -> list[Experience]:
    """The vendor's experiences, newest first (none without a store)."""
    return list(db.session.scalars(
        select(Experience).join(Experience.product).join(Product.store)
        .where(Store.owner_id == user.id).order_by(Experience.id.desc())
    ))


def _check_facts(facts: ExperienceFacts) -> dict:
    """The facts as column values; ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    try:
        get_zone(facts.time_zone.strip(), "time_zone")
    except ValidationError as exc:
        errors.update(exc.fields)
    if facts.duration_minutes is None or not 1 <= facts.duration_minutes <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = _("Enter a duration from %(low)d to %(high)d minutes.", low=1,
                                       high=MAX_DURATION_MINUTES)
    coordinates = {}
    for name, raw, limit in (("meeting_lat", facts.meeting_lat, 90), ("meeting_lon", facts.meeting_lon, 180)):
        text = (raw or "").strip().replace(",", ".")
        if not text:
            coordinates[name] = None
            continue
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or value != value or not -limit <= value <= limit:
            errors[name] = _("Enter a number from %(low)d to %(high)d, or leave it empty.", low=-limit, high=limit)
        else:
            coordinates[name] = round(value, 6)
    if (coordinates.get("meeting_lat") is None) != (coordinates.get("meeting_lon") is None) \
            and not {"meeting_lat", "meeting_lon"} & errors.keys():
        errors["meeting_lon"] = _("Give both the latitude and the longitude, or neither.")
    languages = [code for code in GUIDE_LANGUAGES if code in set(facts.guide_languages)]
    if not languages or len(languages) != len(set(facts.guide_languages)):
        errors["guide_languages"] = _("Choose at least one language the guides speak, from the list.")
    if facts.minimum_age is None or not 0 <= facts.minimum_age <= MAX_AGE:
        errors["minimum_age"] = _("Enter an age from %(low)d to %(high)d.", low=0, high=MAX_AGE)
    if facts.refundable:
        if facts.free_cancel_hours is None or not 0 <= facts.free_cancel_hours <= MAX_POLICY_HOURS:
            errors["free_cancel_hours"] = _("Enter a number of hours from %(low)d to %(high)d.", low=0,
                                            high=MAX_POLICY_HOURS)
        if facts.late_refund_percent is None or not 0 <= facts.late_refund_percent <= 100:
            errors["late_refund_percent"] = _("Enter a percentage from 0 to 100.")
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    return {
        "time_zone": facts.time_zone.strip(), "duration_minutes": facts.duration_minutes,
        "meeting_lat": coordinates["meeting_lat"], "meeting_lon": coordinates["meeting_lon"],
        "guide_languages": ",".join(languages), "minimum_age": facts.minimum_age, "refundable": facts.refundable,
        "free_cancel_hours": facts.free_cancel_hours if facts.refundable else 0,
        "late_refund_percent": facts.late_refund_percent if facts.refundable else 0,
    }


def _check_words(words: ExperienceWords) -> ExperienceWords:
    """The texts cleaned (trimmed, no control characters); ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    cleaned = {}
    for name, limit in (("itinerary", MAX_TEXT), ("included", MAX_TEXT), ("excluded", MAX_TEXT)):
        try:
            cleaned[name] = clean_paragraphs(getattr(words, name), name, limit)
        except ValidationError as exc:
            errors.update(exc.fields)
    try:
        cleaned["meeting_point"] = clean_line(words.meeting_point, "meeting_point", MAX_MEETING_POINT)
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    return ExperienceWords(**cleaned)


def _set_words(experience: Experience, language: str, words: ExperienceWords) -> None:
    row = next((text for text in experience.texts if text.language == language), None)
    if words.empty:
        if row is not None:
            experience.texts.remove(row)
        return
    if row is None:
        experience.texts.append(ExperienceText(language=language, **words.__dict__))
    else:
        row.itinerary, row.included, row.excluded = words.itinerary, words.included, words.excluded
        row.meeting_point = words.meeting_point


def _check_product(name: str, description: str, original_language: str, category_id: str) -> dict:
    """The product side of a new experience; ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    cleaned = {}
    for key, reader, raw, limit in (("name", clean_line, name, MAX_NAME),
                                    ("description", clean_paragraphs, description, MAX_DESCRIPTION)):
        try:
            cleaned[key] = reader(raw, key, limit)
        except ValidationError as exc:
            errors.update(exc.fields)
    if "name" not in errors and not cleaned["name"]:
        errors["name"] = _("Enter the experience's name.")
    if "description" not in errors and not cleaned["description"]:
        errors["description"] = _("Describe the experience in a few sentences.")
    if original_language not in VENDOR_LANGUAGES:
        errors["original_language"] = _("Choose the language you write this product in.")
    text = (category_id or "").strip()
    category = db.session.get(Category, int(text)) if text.isdecimal() and len(text) <= 9 else None
    if category is None:
        errors["category_id"] = _("Choose a category.")
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    return {**cleaned, "category": category}


def create_experience(user: User, *, name: str, description: str, original_language: str, category_id: str,
                      facts: ExperienceFacts, words: ExperienceWords) -> Experience:
    """A new draft experience in the vendor's store (its product, texts and facts); PermissionDenied
    without a store, ValidationError naming every bad field (nothing is created)."""
    store = own_store(user)
    errors: dict[str, str] = {}
    checked = {}
    for key, check in (("product", lambda: _check_product(name, description, original_language, category_id)),
                       ("facts", lambda: _check_facts(facts)), ("words", lambda: _check_words(words))):
        try:
            checked[key] = check()
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    currency = store_currency(store)
    product = Product(
        store=store, slug=unique_slug(checked["product"]["name"]), status=ProductStatus.DRAFT,
        kind=ProductKind.EXPERIENCE, original_language=original_language, category=checked["product"]["category"],
        price_amount=0, currency=currency, stock=0,
        texts=[ProductText(language=original_language, name=checked["product"]["name"],
                           description=checked["product"]["description"])],
    )
    experience = Experience(product=product, **checked["facts"])
    _set_words(experience, original_language, checked["words"])
    db.session.add_all([product, experience])
    record_price(product)
    db.session.commit()
    return experience


def update_experience(user: User, product_id: int, facts: ExperienceFacts, language: str,
                      words: ExperienceWords) -> Experience:
    """Save the facts and the texts in `language` (empty texts remove that language's);
    NotFound for another vendor's experience, ValidationError naming every bad field."""
    experience = owned_experience(user, product_id)
    if language not in LANGUAGES:
        raise ValidationError(_("Choose a language."), {"language": _("Choose a language.")})
    errors: dict[str, str] = {}
    checked_facts = checked_words = None
    try:
        checked_facts = _check_facts(facts)
    except ValidationError as exc:
        errors.update(exc.fields)
    try:
        checked_words = _check_words(words)
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    for name, value in checked_facts.items():
        setattr(experience, name, value)
    _set_words(experience, language, checked_words)
    db.session.commit()
    search.reindex_products([product_id])
    return experience
