"""What vendor states and payout methods are called on pages, in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.catalog.models import ProductStatus
from marketplace.core.labels import register_labels
from marketplace.vendors.models import PayoutMethod, StoreStatus

STORE_STATUS_LABELS = {
    StoreStatus.DRAFT: _l("Draft"),
    StoreStatus.SUBMITTED: _l("Waiting for review"),
    StoreStatus.CHANGES_REQUESTED: _l("Changes requested"),
    StoreStatus.APPROVED: _l("Approved"),
    StoreStatus.REJECTED: _l("Rejected"),
    StoreStatus.SUSPENDED: _l("Suspended"),
}
PAYOUT_METHOD_LABELS = {
    PayoutMethod.BANK: _l("Bank account"),
    PayoutMethod.MOBILE_MONEY: _l("Mobile money"),
}
PRODUCT_STATUS_LABELS = {
    ProductStatus.DRAFT: _l("Draft"),
    ProductStatus.PENDING_REVIEW: _l("Awaiting review"),
    ProductStatus.PUBLISHED: _l("Published"),
    ProductStatus.REJECTED: _l("Changes requested"),
    ProductStatus.ARCHIVED: _l("Archived"),
}


def register_vendor_labels() -> None:
    """Make the labels of vendor states and payout methods what `|label` writes."""
    register_labels(StoreStatus, STORE_STATUS_LABELS)
    register_labels(PayoutMethod, PAYOUT_METHOD_LABELS)
    register_labels(ProductStatus, PRODUCT_STATUS_LABELS)
