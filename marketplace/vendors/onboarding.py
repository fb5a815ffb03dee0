"""Vendor onboarding: account → store profile → business details → payout → review and submit.

Each step is saved as soon as it is completed, so a vendor whose connection drops resumes where they
stopped: the next step is derived from what the store already holds, never from a session.
"""
from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.accounts.services import confirm_password, register_user
from marketplace.catalog.models import Category, Country
from marketplace.catalog.services import slugify
from marketplace.core import clock
from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.i18n import LANGUAGES, VENDOR_LANGUAGES
from marketplace.extensions import db
from marketplace.media import get_image_store
from marketplace.media.pipeline import ImageRejected, open_upload, rendition_name, renditions, store_renditions
from marketplace.vendors.backoffice.photos import rejection_message
from marketplace.vendors.documents import CheckedDocument, delete_document_file, store_document
from marketplace.vendors.models import PayoutMethod, Store, StoreDocument, StoreStatus, StoreText
from marketplace.vendors.payout_changes import hold_settlements, payout_details_differ, tell_owner_payout_changed
from marketplace.vendors.services import store_of

STEPS = ("profile", "business", "payout", "review")
MAX_LOGO_BYTES = 5 * 1024 * 1024
EDITABLE = (StoreStatus.DRAFT, StoreStatus.CHANGES_REQUESTED)


@dataclass(frozen=True)
class ProfileInput:
    name: str
    country_code: str
    city: str
    category_ids: list[int]
    original_language: str
    taglines: dict[str, str]  # language -> tagline
    stories: dict[str, str]  # language -> story
    founded_year: int | None = None
    logo: bytes | None = None  # an uploaded picture, checked by content


@dataclass(frozen=True)
class PayoutInput:
    method: str
    provider: str
    account_name: str
    account_number: str


def register_vendor(email: str, password: str, display_name: str, language: str) -> User:
    """Create a vendor account (step 1); ValidationError as for any sign-up."""
    return register_user(email, password, display_name, language, role=Role.VENDOR)


def become_vendor(user: User) -> None:
    """Turn a shopper account into a vendor account so it can open a store."""
    if user.role == Role.SHOPPER:
        user.role = Role.VENDOR
        db.session.commit()


def completed_steps(store: Store | None) -> set[str]:
    """The onboarding steps whose data the store already holds."""
    if store is None:
        return set()
    done = set()
    if store.name and store.city and store.categories and any(t.story for t in store.texts):
        done.add("profile")
    if store.registration_number and store.phone and store.documents:
        done.add("business")
    if store.payout_method and store.payout_account_number and store.payout_account_name:
        done.add("payout")
    if store.status not in EDITABLE:
        done.add("review")
    return done


def next_step(store: Store | None) -> str:
    """The first step not yet done ("review" when only submitting is left)."""
    done = completed_steps(store)
    return next((step for step in STEPS if step not in done), "review")


def masked_account(number: str) -> str:
    """An account number as the vendor sees it back: only the last four characters."""
    return "•••• " + number[-4:] if number else ""


def _require_editable(store: Store | None) -> None:
    if store is not None and store.status not in EDITABLE and store.status != StoreStatus.APPROVED:
        raise Conflict(_("Your application is being reviewed; it cannot be changed now."))


def _field_error(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: message})


def save_profile(user: User, data: ProfileInput) -> Store:
    """Create or update the vendor's store profile (step 2); ValidationError per field, nothing saved."""
    store = store_of(user)
    _require_editable(store)
    name = data.name.strip()
    if not 2 <= len(name) <= 120:
        raise _field_error("name", _("Enter a store name of 2 to 120 characters."))
    if db.session.get(Country, data.country_code or "") is None:
        raise _field_error("country_code", _("Choose the country your store is in."))
    city = data.city.strip()
    if not 1 <= len(city) <= 80:
        raise _field_error("city", _("Enter your city (at most 80 characters)."))
    if data.original_language not in VENDOR_LANGUAGES:
        raise _field_error("original_language", _("Choose the language you write in."))
    categories = list(db.session.scalars(select(Category).where(Category.id.in_(data.category_ids or [-1]))))
    if not categories or len(categories) > 5:
        raise _field_error("categories", _("Choose one to five categories."))
    stories = {k: v.strip() for k, v in data.stories.items() if k in LANGUAGES and v and v.strip()}
    taglines = {k: v.strip() for k, v in data.taglines.items() if k in LANGUAGES and v and v.strip()}
    if data.original_language not in stories:
        raise _field_error(
            f"story_{data.original_language}", _("Tell shoppers your story in the language you write in.")
        )
    for language, story in stories.items():
        if len(story) > 4000:
            raise _field_error(f"story_{language}", _("Keep the story under 4,000 characters."))
    for language, tagline in taglines.items():
        if len(tagline) > 160:
            raise _field_error(f"tagline_{language}", _("Keep the tagline under 160 characters."))
    if data.founded_year is not None and not 1800 <= data.founded_year <= clock.now().year:
        raise _field_error("founded_year", _("Enter a year between 1800 and this year."))
    if store is not None and store.status == StoreStatus.APPROVED:
        # Staff approved the store under this name and country: shoppers and staff must not see them change.
        if name != store.name:
            raise _field_error("name", _("Your store is approved under this name. Ask campaign staff to "
                                         "change it."))
        if data.country_code != store.country_code:
            raise _field_error("country_code", _("Your store is approved in this country. Ask campaign staff "
                                                 "to change it."))
    logo_key = _store_logo(data.logo) if data.logo else None

    if store is None:
        store = Store(owner_id=user.id, slug=_unique_store_slug(name), status=StoreStatus.DRAFT)
        db.session.add(store)
    store.name = name
    store.country_code = data.country_code
    store.city = city
    store.original_language = data.original_language
    store.founded_year = data.founded_year
    if logo_key:
        store.logo_key = logo_key
    store.categories = categories
    existing = {text.language: text for text in store.texts}
    for language in LANGUAGES:
        if language in stories or language in taglines:
            text = existing.get(language) or StoreText(language=language)
            text.story = stories.get(language, "")
            text.tagline = taglines.get(language, "")
            if language not in existing:
                store.texts.append(text)
        elif language in existing:
            store.texts.remove(existing[language])
    db.session.commit()
    return store


def _store_logo(data: bytes) -> str:
    """Store a logo's renditions and return the name of the small one pages show; ValidationError if refused."""
    if len(data) > MAX_LOGO_BYTES:
        raise _field_error("logo", _("This file is larger than %(megabytes)d MB.",
                                     megabytes=MAX_LOGO_BYTES // (1024 * 1024)))
    try:
        processed = renditions(open_upload(data))
    except ImageRejected as exc:
        raise _field_error("logo", rejection_message(exc.reason)) from exc
    store_renditions(processed, get_image_store())
    return rendition_name(processed.key, processed.widths[0], "webp")


def _unique_store_slug(name: str) -> str:
    base = slugify(name, "store")[:100]
    taken = set(db.session.scalars(select(Store.slug).where(Store.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def normalise_phone(phone: str, country_code: str) -> str:
    """The phone number in E.164 form, valid for the store's country; ValidationError otherwise."""
    try:
        parsed = phonenumbers.parse((phone or "").strip()[:40], country_code)
    except phonenumbers.NumberParseException as exc:
        raise _field_error("phone", _("Enter a phone number valid in your country.")) from exc
    if not phonenumbers.is_valid_number(parsed) or phonenumbers.region_code_for_number(parsed) != country_code:
        raise _field_error("phone", _("Enter a phone number valid in your country."))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def save_business(
    user: User, registration_number: str, phone: str, document: CheckedDocument | None
) -> Store:
    """Save business details and the verification document (step 3); ValidationError, nothing saved."""
    store = store_of(user)
    if store is None:
        raise Conflict(_("Start with your store profile."))
    _require_editable(store)
    registration = (registration_number or "").strip()
    if not 3 <= len(registration) <= 64:
        raise _field_error("registration_number", _("Enter your business registration number."))
    e164 = normalise_phone(phone, store.country_code)
    if store.status == StoreStatus.APPROVED:
        # What staff verified stays as they verified it (what is missing may be added); the phone changes freely.
        if store.registration_number and registration != store.registration_number:
            raise _field_error("registration_number", _("Your store is approved with this registration. Ask "
                                                        "campaign staff to change it."))
        if document is not None and store.documents:
            raise _field_error("document", _("Your store is approved with the document staff checked. Ask "
                                             "campaign staff to replace it."))
    if document is None and not store.documents:
        raise _field_error("document", _("Upload your registration certificate or ID (PDF, JPEG or PNG)."))
    replaced = []
    if document is not None:
        key = store_document(document)
        replaced = [d.storage_key for d in store.documents]
        store.documents.clear()
        store.documents.append(StoreDocument(
            filename=document.filename, content_type=document.content_type, size=len(document.data), storage_key=key,
        ))
    store.registration_number = registration
    store.phone = e164
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        if document is not None:
            delete_document_file(key)
        raise
    for old in replaced:
        delete_document_file(old)
    return store


def normalise_payout_number(method: PayoutMethod, typed: str, country_code: str) -> str:
    """The account number as typed, without spaces, dashes or dots; a mobile-money number in E.164 form.
    "" when nothing was typed; ValidationError when it cannot be an account or mobile-money number."""
    number = "".join(ch for ch in (typed or "") if not ch.isspace() and ch not in "-.()/")
    if not number:
        return ""
    if method == PayoutMethod.MOBILE_MONEY:
        message = _("Enter a mobile-money number valid in your country, e.g. +250 788 123 456.")
        try:
            parsed = phonenumbers.parse(number[:40], country_code)
        except phonenumbers.NumberParseException as exc:
            raise _field_error("account_number", message) from exc
        if not phonenumbers.is_valid_number(parsed):
            raise _field_error("account_number", message)
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not (6 <= len(number) <= 34 and number.isascii() and number.isalnum()):
        raise _field_error("account_number", _("Enter an account number of 6 to 34 letters and digits."))
    return number.upper()


def save_payout(user: User, data: PayoutInput, password: str = "") -> Store:
    """Save where the vendor is paid (step 4); ValidationError per field, nothing saved.

    An approved store's new details need the account's password (ValidationError on "password",
    TooManyAttempts after too many wrong ones), hold its settlements until staff confirm them, and are
    e-mailed to its owner.
    """
    store = store_of(user)
    if store is None:
        raise Conflict(_("Start with your store profile."))
    _require_editable(store)
    try:
        method = PayoutMethod(data.method)
    except ValueError as exc:
        raise _field_error("method", _("Choose a bank account or mobile money.")) from exc
    provider = data.provider.strip()
    if not 2 <= len(provider) <= 80:
        raise _field_error("provider", _("Enter the bank or mobile-money operator."))
    account_name = data.account_name.strip()
    if not 2 <= len(account_name) <= 120:
        raise _field_error("account_name", _("Enter the name the account is held in."))
    number = normalise_payout_number(method, data.account_number, store.country_code)
    if not number and store.payout_account_number:
        number = store.payout_account_number  # left blank: keep the number on file
    if not number:
        raise _field_error("account_number", _("Enter an account number of 6 to 34 letters and digits."))
    changed_when_approved = store.status == StoreStatus.APPROVED and \
        payout_details_differ(store, method, provider, account_name, number)
    if changed_when_approved:
        confirm_password(user, password, "password")
        hold_settlements(store)
    store.payout_method = method
    store.payout_provider = provider
    store.payout_account_name = account_name
    store.payout_account_number = number
    db.session.commit()
    if changed_when_approved:
        tell_owner_payout_changed(store)
    return store


def submit_application(user: User) -> Store:
    """Send the completed application to campaign staff; ValidationError when a step is missing."""
    store = store_of(user)
    if store is None:
        raise Conflict(_("Start with your store profile."))
    if store.status not in EDITABLE:
        raise Conflict(_("Your application is being reviewed; it cannot be changed now."))
    missing = [step for step in ("profile", "business", "payout") if step not in completed_steps(store)]
    if missing:
        raise ValidationError(_("Complete every step before you submit."))
    store.status = StoreStatus.SUBMITTED
    store.submitted_at = clock.now()
    db.session.commit()
    return store
