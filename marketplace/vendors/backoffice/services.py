"""A vendor's products: the list, creating and editing, publishing, and duplicating.

The caller passes the signed-in vendor; every function starts from that vendor's own store, so
another vendor's product is NotFound. Form values arrive as a `ProductChanges` of raw text and
are checked field by field (`product_input`) before anything is touched: a bad value changes nothing.
"""
from __future__ import annotations

import enum
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.catalog.models import Category, Product, ProductImage, ProductStatus, ProductText
from marketplace.catalog.price_history import record_price
from marketplace.catalog.services import Page, slugify
from marketplace.core import clock
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.core.i18n import LANGUAGES, VENDOR_LANGUAGES
from marketplace.extensions import db
from marketplace.search import services as search
from marketplace.vendors.backoffice.product_input import (
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_ORIGIN,
    clean_line,
    clean_paragraphs,
    parse_currency,
    parse_price,
    parse_sku,
    parse_stock,
    parse_weight,
)
from marketplace.vendors.backoffice.stock_edits import SeenFrom, StockMoved, apply_stock_change
from marketplace.vendors.models import Store, StoreStatus
from marketplace.vendors.services import owned_product, store_of

LOW_STOCK = 5
MAX_SEARCH = 100
DEFAULT_PER_PAGE = 25


class StockFilter(enum.StrEnum):
    IN_STOCK = "in_stock"  # any left
    LOW = "low"  # 1 to LOW_STOCK left
    OUT = "out"  # none left


class Completeness(enum.StrEnum):
    COMPLETE = "complete"  # name and description
    PARTIAL = "partial"  # a name only
    MISSING = "missing"


@dataclass(frozen=True)
class LocaleText:
    name: str = ""
    description: str = ""


@dataclass(frozen=True)
class ProductChanges:
    """What the editor sends, as typed: nothing here is trusted until `check_changes` has read it."""

    original_language: str
    category_id: str
    price: str
    currency: str
    stock: str
    weight_grams: str = ""
    origin: str = ""
    texts: Mapping[str, LocaleText] = field(default_factory=dict)
    sku: str = ""
    stock_seen: str = ""  # the stock the editor was opened with; empty: the stock as it is now


@dataclass(frozen=True)
class CheckedChanges:
    original_language: str
    category: Category
    price_amount: int
    currency: str
    stock: int
    weight_grams: int | None
    origin: str
    texts: dict[str, LocaleText]
    sku: str | None = None


def text_field(language: str, name: str) -> str:
    """The field name errors about one language's text are reported under ("texts-fr-name")."""
    return f"texts-{language}-{name}"


def own_store(user: User) -> Store:
    """The vendor's store; PermissionDenied when the account has none yet."""
    store = store_of(user)
    if store is None:
        raise PermissionDenied(_("Your account has no store yet. Set up your store first."))
    return store


def vendor_products(
    user: User, *, search: str = "", status: ProductStatus | None = None, stock: StockFilter | None = None,
    page: int = 1, per_page: int = DEFAULT_PER_PAGE,
) -> Page[Product]:
    """One page of the vendor's products, last changed first, filtered; empty when the vendor has no store."""
    store = store_of(user)
    if store is None:
        return Page([], 1, per_page, 0)
    query = select(Product).where(Product.store_id == store.id)
    search = " ".join(search.split())[:MAX_SEARCH]
    if search:
        query = query.where(or_(
            Product.texts.any(ProductText.name.icontains(search, autoescape=True)),
            Product.slug.icontains(search, autoescape=True),
        ))
    if status is not None:
        query = query.where(Product.status == status)
    if stock == StockFilter.IN_STOCK:
        query = query.where(Product.stock > 0)
    elif stock == StockFilter.LOW:
        query = query.where(Product.stock > 0, Product.stock <= LOW_STOCK)
    elif stock == StockFilter.OUT:
        query = query.where(Product.stock == 0)
    total = db.session.scalar(query.with_only_columns(func.count(Product.id)).order_by(None)) or 0
    number = min(max(page, 1), max(1, math.ceil(total / per_page)))
    items = db.session.scalars(
        query.order_by(Product.updated_at.desc(), Product.id.desc()).limit(per_page).offset((number - 1) * per_page)
    ).all()
    return Page(list(items), number, per_page, total)


def completeness(texts: Mapping[str, LocaleText] | list[ProductText]) -> dict[str, Completeness]:
    """For every storefront language: complete (name and description), partial (name only) or missing."""
    by_language = texts if isinstance(texts, Mapping) else {t.language: t for t in texts}
    result = {}
    for language in LANGUAGES:
        text = by_language.get(language)
        if text is None or not text.name.strip():
            result[language] = Completeness.MISSING
        elif text.description.strip():
            result[language] = Completeness.COMPLETE
        else:
            result[language] = Completeness.PARTIAL
    return result


def check_changes(changes: ProductChanges) -> CheckedChanges:
    """Every field read and checked; ValidationError naming each bad field, before anything is changed."""
    errors: dict[str, str] = {}

    def attempt(reader, *args):
        try:
            return reader(*args)
        except ValidationError as exc:
            errors.update(exc.fields)
            return None

    original = changes.original_language if changes.original_language in VENDOR_LANGUAGES else None
    if original is None:
        errors["original_language"] = _("Choose the language you write this product in.")
    category = _category(changes.category_id)
    if category is None:
        errors["category_id"] = _("Choose a category.")
    currency = attempt(parse_currency, changes.currency)
    price = attempt(parse_price, changes.price, currency) if currency else None
    stock = attempt(parse_stock, changes.stock)
    weight = attempt(parse_weight, changes.weight_grams)
    origin = attempt(clean_line, changes.origin, "origin", MAX_ORIGIN)
    sku = attempt(parse_sku, changes.sku)
    texts: dict[str, LocaleText] = {}
    for language in LANGUAGES:
        given = changes.texts.get(language) or LocaleText()
        name = attempt(clean_line, given.name, text_field(language, "name"), MAX_NAME)
        description = attempt(clean_paragraphs, given.description, text_field(language, "description"),
                              MAX_DESCRIPTION)
        if name is None or description is None:
            continue
        if name:
            texts[language] = LocaleText(name, description)
        elif language == original:
            errors[text_field(language, "name")] = _("Enter the product's name in its original language.")
        elif description:
            errors[text_field(language, "name")] = _("Add a name in this language, or clear its description.")
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    return CheckedChanges(original, category, price.amount, currency, stock, weight, origin, texts, sku)


def _seen_stock(raw: str, now: int) -> int:
    """The stock the vendor started from; the stock now when the form or client did not say."""
    text = (raw or "").strip()
    return int(text) if text.isdecimal() and len(text) <= 9 else now


def _category(raw: str) -> Category | None:
    text = (raw or "").strip()
    if not text.isdecimal() or len(text) > 9:
        return None
    return db.session.get(Category, int(text))


def _apply(product: Product, checked: CheckedChanges, *, with_stock: bool) -> None:
    product.original_language = checked.original_language
    product.category = checked.category
    product.price_amount = checked.price_amount
    product.currency = checked.currency
    if with_stock:
        product.stock = checked.stock
    product.weight_grams = checked.weight_grams
    product.origin = checked.origin
    product.sku = checked.sku
    existing = {text.language: text for text in product.texts}
    for language, text in existing.items():
        if language not in checked.texts:
            product.texts.remove(text)
    for language, wanted in checked.texts.items():
        row = existing.get(language)
        if row is None:
            product.texts.append(ProductText(language=language, name=wanted.name, description=wanted.description))
        else:
            row.name, row.description = wanted.name, wanted.description


def refresh_search(product_ids: list[int]) -> None:
    """Tell the search index that these products changed; call after the commit."""
    search.reindex_products(product_ids)


def unique_slug(name: str) -> str:
    """A new product slug made from `name` with a short random tail, unused by any product."""
    base = slugify(name, "product")[:60].strip("-") or "product"
    while True:
        slug = f"{base}-{secrets.token_hex(3)}"
        if db.session.scalar(select(func.count(Product.id)).where(Product.slug == slug)) == 0:
            return slug


def new_product_defaults(user: User) -> dict[str, str]:
    """What the editor starts from for a new product: the store's language and its country's currency."""
    store = own_store(user)
    language = store.original_language if store.original_language in VENDOR_LANGUAGES else "en"
    return {"original_language": language, "currency": store.country.currency if store.country else "USD",
            "stock": "0"}


def _check_sku_free(store_id: int, sku: str | None, product_id: int | None) -> None:
    """ValidationError when another product of the store already has this SKU."""
    if sku is None:
        return
    taken = db.session.scalar(select(Product.id).where(
        Product.store_id == store_id, Product.sku == sku, Product.id != (product_id or 0)).limit(1))
    if taken is not None:
        message = _("Another of your products has this SKU. Each SKU names one product.")
        raise ValidationError(message, {"sku": message})


def _commit_product() -> None:
    """Commit the product; two saves giving one SKU to two products at once: the second is refused."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise _sku_taken() from exc


def _sku_taken() -> ValidationError:
    message = _("Another of your products has this SKU. Each SKU names one product.")
    return ValidationError(message, {"sku": message})


def create_product(user: User, changes: ProductChanges) -> Product:
    """A new draft product in the vendor's store; PermissionDenied without a store, ValidationError on bad input."""
    store = own_store(user)
    checked = check_changes(changes)
    _check_sku_free(store.id, checked.sku, None)
    product = Product(store=store, slug=unique_slug(checked.texts[checked.original_language].name),
                      status=ProductStatus.DRAFT)
    _apply(product, checked, with_stock=True)
    db.session.add(product)
    record_price(product)
    _commit_product()
    return product


def update_product(user: User, product_id: int, changes: ProductChanges,
                   seen_from: SeenFrom = SeenFrom.PAGE) -> Product:
    """Save the editor's changes; a live product stays live. NotFound for others' products, ValidationError.

    The stock is changed by what the vendor changed it by since `changes.stock_seen` (units sold in the
    meantime stay sold); StockMoved, with nothing saved, when that would leave less than none.
    """
    product = owned_product(user, product_id)
    checked = check_changes(changes)
    _check_sku_free(product.store_id, checked.sku, product.id)
    seen = _seen_stock(changes.stock_seen, product.stock)
    if product.is_experience:  # priced by its unit types, booked by departure: the editor sends neither
        checked = replace(checked, price_amount=product.price_amount, currency=product.currency, stock=seen)
    _apply(product, checked, with_stock=False)
    record_price(product)
    try:
        apply_stock_change(product.id, seen, checked.stock, seen_from)
    except (StockMoved, ValidationError):
        db.session.rollback()  # the other fields were already sent: nothing of this save stays
        raise
    except IntegrityError as exc:  # the SKU went to another product meanwhile (sent with the stock change)
        db.session.rollback()
        raise _sku_taken() from exc
    _commit_product()
    refresh_search([product.id])
    return product


def publish_product(user: User, product_id: int) -> Product:
    """Publish, or send for review if staff never approved it; Conflict unless store approved and texts complete."""
    product = owned_product(user, product_id)
    if product.status in (ProductStatus.PUBLISHED, ProductStatus.PENDING_REVIEW):
        return product
    if product.store.status != StoreStatus.APPROVED:
        raise Conflict(_("Products can be published once your store is approved."))
    if completeness(product.texts)[product.original_language] != Completeness.COMPLETE:
        raise Conflict(_("Add a name and a description in the product's original language before publishing."))
    if product.is_experience and product.price_amount == 0:  # its price is its cheapest seat: none priced yet
        raise Conflict(_("Give the experience's options their prices before publishing it."))
    if product.first_approved_at is None:
        product.status = ProductStatus.PENDING_REVIEW
    else:
        product.status = ProductStatus.PUBLISHED
        product.published_at = clock.now()
    db.session.commit()
    refresh_search([product.id])
    return product


def unpublish_product(user: User, product_id: int) -> Product:
    """Take a published product (or one awaiting review) back to draft; NotFound for others' products."""
    product = owned_product(user, product_id)
    if product.status in (ProductStatus.PUBLISHED, ProductStatus.PENDING_REVIEW):
        product.status = ProductStatus.DRAFT
        db.session.commit()
        refresh_search([product.id])
    return product


def duplicate_product(user: User, product_id: int) -> Product:
    """A draft copy (texts, price, category, details, ready photos; no stock) under a new slug; NotFound for others'."""
    source = owned_product(user, product_id)
    copy = Product(
        store_id=source.store_id, slug=unique_slug(_original_name(source)), category_id=source.category_id,
        original_language=source.original_language, price_amount=source.price_amount, currency=source.currency,
        stock=0, status=ProductStatus.DRAFT, weight_grams=source.weight_grams, origin=source.origin,
        texts=[ProductText(language=t.language, name=t.name, description=t.description) for t in source.texts],
        images=[
            ProductImage(position=position, key=image.key, width=image.width, height=image.height,
                         rendition_widths=image.rendition_widths, fallback_width=image.fallback_width,
                         status="ready")
            for position, image in enumerate(source.ready_images)
        ],
    )
    db.session.add(copy)
    db.session.commit()
    return copy


def _original_name(product: Product) -> str:
    texts = {t.language: t.name for t in product.texts}
    return texts.get(product.original_language) or next(iter(texts.values()), "product")


def category_choices() -> list[tuple[int, str, dict[str, str]]]:
    """(id, slug, names by language) of every category, in display order."""
    rows = db.session.scalars(select(Category).order_by(Category.position, Category.id))
    return [(c.id, c.slug, {t.language: t.name for t in c.texts}) for c in rows]


def currency_choices(current: str | None = None) -> list[str]:
    """Currencies offered in the editor: every African country's, the common foreign ones, and `current`."""
    from marketplace.catalog.models import Country

    codes = set(db.session.scalars(select(Country.currency).distinct())) | {"USD", "EUR", "CNY"}
    if current:
        codes.add(current)
    return sorted(codes)
