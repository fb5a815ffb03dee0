"""Campaign staff review: vendor applications and products' first publication."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductStatus
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.search import services as search
from marketplace.vendors import emails, slots
from marketplace.vendors.models import Store, StoreStatus

REVIEWABLE = (StoreStatus.SUBMITTED,)
MAX_REASON = 2000


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(_("Only campaign staff can review vendors."))


def check_reason(text: str) -> str:
    """The reason staff give a vendor, trimmed; ValidationError unless it has 5 to 2,000 characters."""
    reason = (text or "").strip()
    if not 5 <= len(reason) <= MAX_REASON:
        message = _("Give the vendor a reason of 5 to 2,000 characters.")
        raise ValidationError(message, {"reason": message})
    return reason


def application_queue(status: StoreStatus = StoreStatus.SUBMITTED) -> list[Store]:
    """Applications in `status`, oldest submission first."""
    return list(db.session.scalars(
        select(Store).where(Store.status == status).order_by(Store.submitted_at.asc().nulls_last(), Store.id)
    ))


def queue_counts() -> dict[StoreStatus, int]:
    rows = db.session.execute(select(Store.status, func.count(Store.id)).group_by(Store.status))
    return {status: count for status, count in rows}


def get_store(store_id: int) -> Store:
    store = db.session.get(Store, store_id)
    if store is None:
        raise NotFound("no such store")
    return store


def _decide(store: Store, staff: User, status: StoreStatus, note: str, allowed: tuple[StoreStatus, ...]) -> None:
    # One conditional UPDATE: two staff deciding at once cannot both win.
    changed = db.session.execute(
        update(Store).where(Store.id == store.id, Store.status.in_(allowed)).values(
            status=status, review_note=note, reviewed_at=clock.now(), reviewer_id=staff.id,
            **({"approved_at": clock.now()} if status == StoreStatus.APPROVED else {}),
        )
    ).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(_("This application was already decided."))
    db.session.commit()
    db.session.refresh(store)


def approve_store(store: Store, staff: User) -> bool:
    """Approve a submitted application: the store becomes public and takes a campaign store slot while any is
    left; returns whether it holds one. Conflict when it was already decided."""
    _require_staff(staff)
    _decide(store, staff, StoreStatus.APPROVED, "", REVIEWABLE)
    claimed = slots.claim_store_slot_if_any(store, staff)
    _refresh_search(store)
    emails.application_decided(store, claimed)
    return claimed


def request_changes(store: Store, staff: User, reason: str) -> None:
    """Send the application back to the vendor with what to change."""
    _require_staff(staff)
    _decide(store, staff, StoreStatus.CHANGES_REQUESTED, check_reason(reason), REVIEWABLE)
    emails.application_decided(store)


def reject_store(store: Store, staff: User, reason: str) -> None:
    """Refuse the application, with the reason the vendor sees."""
    _require_staff(staff)
    _decide(store, staff, StoreStatus.REJECTED, check_reason(reason), REVIEWABLE)
    emails.application_decided(store)


def suspend_store(store: Store, staff: User, reason: str) -> None:
    """Take an approved store off the site (its products disappear from every listing)."""
    _require_staff(staff)
    _decide(store, staff, StoreStatus.SUSPENDED, check_reason(reason), (StoreStatus.APPROVED,))
    _refresh_search(store)


def reinstate_store(store: Store, staff: User) -> None:
    """Put a suspended store back on the site."""
    _require_staff(staff)
    _decide(store, staff, StoreStatus.APPROVED, "", (StoreStatus.SUSPENDED,))
    _refresh_search(store)


def store_products(store: Store) -> list[Product]:
    """A store's published products, for staff to give or take campaign product slots."""
    return list(db.session.scalars(
        select(Product).where(Product.store_id == store.id, Product.status == ProductStatus.PUBLISHED)
        .order_by(Product.is_campaign.desc(), Product.id)
    ))


def product_queue() -> list[Product]:
    """Products waiting for their first publication, oldest first."""
    return list(db.session.scalars(
        select(Product).where(Product.status == ProductStatus.PENDING_REVIEW).order_by(Product.updated_at, Product.id)
    ))


def get_product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound("no such product")
    return product


def approve_product(product: Product, staff: User) -> None:
    """Publish a product for the first time (its store must be approved)."""
    _require_staff(staff)
    if product.store.status != StoreStatus.APPROVED:
        raise Conflict(_("The store is not approved yet."))
    now = clock.now()
    changed = db.session.execute(
        update(Product).where(Product.id == product.id, Product.status == ProductStatus.PENDING_REVIEW).values(
            status=ProductStatus.PUBLISHED, first_approved_at=now, published_at=now, review_note="",
        )
    ).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(_("This product was already decided."))
    db.session.commit()
    db.session.refresh(product)
    _refresh_search(product.store, [product.id])
    emails.product_decided(product)


def reject_product(product: Product, staff: User, reason: str) -> None:
    """Refuse a product's publication, with the reason the vendor sees; it goes back to the vendor."""
    _require_staff(staff)
    note = check_reason(reason)
    changed = db.session.execute(
        update(Product).where(Product.id == product.id, Product.status == ProductStatus.PENDING_REVIEW)
        .values(status=ProductStatus.REJECTED, review_note=note)
    ).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(_("This product was already decided."))
    db.session.commit()
    db.session.refresh(product)
    emails.product_decided(product)


def _refresh_search(store: Store, product_ids: list[int] | None = None) -> None:
    """Tell the search index that these products' visibility changed (after the commit)."""
    if product_ids is not None:
        search.reindex_products(product_ids)
    else:
        search.reindex_store(store.id)
