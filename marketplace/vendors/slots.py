"""Campaign slots: at most 100 campaign stores and 1,000 campaign products, even under concurrent staff.

A slot is claimed by one conditional UPDATE on the quota row (`used < slot_limit`), in the same
transaction that marks the store or product, so two staff members can never take the last slot twice.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductStatus
from marketplace.core import clock
from marketplace.core.errors import Conflict, PermissionDenied
from marketplace.extensions import db
from marketplace.vendors.models import SlotQuota, Store, StoreStatus

STORE_SLOTS = "campaign_store"
PRODUCT_SLOTS = "campaign_product"


def sync_quotas() -> None:
    """Make the quota rows agree with the marked stores and products and the configured targets."""
    targets = {
        STORE_SLOTS: (
            current_app.config["CAMPAIGN_STORE_TARGET"],
            select(func.count(Store.id)).where(Store.is_campaign),
        ),
        PRODUCT_SLOTS: (
            current_app.config["CAMPAIGN_PRODUCT_TARGET"],
            select(func.count(Product.id)).where(Product.is_campaign),
        ),
    }
    for kind, (limit, count_query) in targets.items():
        used = db.session.scalar(count_query) or 0
        quota = db.session.get(SlotQuota, kind)
        if quota is None:
            db.session.add(SlotQuota(kind=kind, used=used, slot_limit=max(limit, used)))
        else:
            quota.used, quota.slot_limit = used, max(limit, used)
    db.session.commit()


def slots_left(kind: str) -> int:
    quota = db.session.get(SlotQuota, kind)
    if quota is None:
        sync_quotas()
        quota = db.session.get(SlotQuota, kind)
    return quota.slot_limit - quota.used


def _claim(kind: str) -> None:
    if db.session.get(SlotQuota, kind) is None:
        sync_quotas()
    claimed = db.session.execute(
        update(SlotQuota)
        .where(SlotQuota.kind == kind, SlotQuota.used < SlotQuota.slot_limit)
        .values(used=SlotQuota.used + 1)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise Conflict(_("All campaign slots are taken."))


def _release(kind: str) -> None:
    db.session.execute(
        update(SlotQuota).where(SlotQuota.kind == kind, SlotQuota.used > 0).values(used=SlotQuota.used - 1)
    )


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(_("Only campaign staff can assign campaign slots."))


def _set_mark(model: type[Store] | type[Product], row_id: int, kind: str, marked: bool) -> None:
    """Flip the row's campaign mark and claim or release a slot, in one transaction."""
    flag = model.is_campaign
    values = {"is_campaign": marked, **({"campaign_marked_at": clock.now()} if marked else {})}
    changed = db.session.execute(
        update(model).where(model.id == row_id, flag.is_(not marked)).values(**values)
    ).rowcount
    if changed and marked:
        _claim(kind)
    elif changed:
        _release(kind)
    db.session.commit()


def set_campaign_store(store: Store, marked: bool, staff: User) -> None:
    """Give `store` a campaign store slot, or take it back; Conflict when none is left."""
    _require_staff(staff)
    if marked and store.status != StoreStatus.APPROVED:
        raise Conflict(_("Only approved stores can be campaign stores."))
    _set_mark(Store, store.id, STORE_SLOTS, marked)
    db.session.refresh(store)


def claim_store_slot_if_any(store: Store, staff: User) -> bool:
    """Give an approved `store` a campaign store slot when one is left; whether it holds one afterwards."""
    if store.is_campaign:
        return True
    try:
        set_campaign_store(store, True, staff)
    except Conflict:
        db.session.refresh(store)
        return False
    return store.is_campaign


def set_campaign_product(product: Product, marked: bool, staff: User) -> None:
    """Give `product` a campaign product slot, or take it back; Conflict when none is left."""
    _require_staff(staff)
    if marked and product.status != ProductStatus.PUBLISHED:
        raise Conflict(_("Only published products can be campaign products."))
    _set_mark(Product, product.id, PRODUCT_SLOTS, marked)
    db.session.refresh(product)
