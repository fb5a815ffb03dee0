"""The core's pending work for the staff home, and its areas in the staff and vendor menus."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.orders.models import Order, PaymentState
from marketplace.staff.registry import BackOfficeArea, PendingWork
from marketplace.vendors.models import PayableEntry, Store, StoreStatus

CORE_STAFF_AREAS = (
    BackOfficeArea("home", _l("Staff home"), "staff_home.home", 0),
    BackOfficeArea("vendors", _l("Vendors"), "staff_review.vendor_queue", 10),
    BackOfficeArea("products", _l("Products"), "staff_review.product_queue", 20),
    BackOfficeArea("orders", _l("Orders"), "staff_orders.index", 40),
    BackOfficeArea("payables", _l("Payables"), "staff_orders.payables_page", 50),
    BackOfficeArea("rates", _l("Exchange rates"), "staff_rates.rates", 60),
)

CORE_VENDOR_AREAS = (
    BackOfficeArea("products", _l("Your products"), "vendor_products.index", 10),
    BackOfficeArea("orders", _l("Your orders"), "vendor_orders.index", 20),
    BackOfficeArea("payables", _l("Payables"), "vendor_orders.index", 40, anchor="payables-title"),
    BackOfficeArea("store", _l("Your store"), "vendors.application", 50),
)


def applications_waiting() -> int:
    """Vendor applications submitted and not yet decided."""
    return db.session.scalar(select(func.count(Store.id)).where(Store.status == StoreStatus.SUBMITTED)) or 0


def products_waiting() -> int:
    """Products waiting for their first publication."""
    return db.session.scalar(
        select(func.count(Product.id)).where(Product.status == ProductStatus.PENDING_REVIEW)) or 0


def refunds_due() -> int:
    """Orders whose shopper is owed money back."""
    return db.session.scalar(
        select(func.count(Order.id)).where(Order.payment_state == PaymentState.REFUND_DUE)) or 0


def settlements_due() -> int:
    """Store balances (one per store and currency) with unsettled entries that add up to money owed."""
    balances = (
        select(PayableEntry.store_id, PayableEntry.currency)
        .where(PayableEntry.settlement_id.is_(None))
        .group_by(PayableEntry.store_id, PayableEntry.currency)
        .having(func.sum(PayableEntry.amount) > 0)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(balances)) or 0


def core_pending_work() -> list[PendingWork]:
    """Applications, product reviews, refunds and settlements waiting for staff, each with its queue."""
    return [
        PendingWork("applications", _("Vendor applications to review"), applications_waiting(),
                    url_for("staff_review.vendor_queue", status=StoreStatus.SUBMITTED.value), 10),
        PendingWork("products", _("Products to review"), products_waiting(), url_for("staff_review.product_queue"),
                    20),
        PendingWork("refunds", _("Refunds due"), refunds_due(),
                    url_for("staff_orders.index", state=PaymentState.REFUND_DUE.value), 40),
        PendingWork("settlements", _("Store balances to settle"), settlements_due(),
                    url_for("staff_orders.payables_page"), 50),
    ]
