"""Stock edits that never undo sales: a vendor's new stock is applied as a difference from what they saw.

The editor, the CSV file and the API each carry the stock their page, file or client read. Checkouts
take units from `products.stock` meanwhile, so writing the typed number back would hand out again
units that were sold (or are held by orders awaiting payment). Instead the change the vendor made
(typed − seen) is added to the stock as it is now, in one conditional UPDATE that can never take it
below zero; when it would, nothing changes and the vendor is told how many units sold since.
"""
from __future__ import annotations

import enum

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import select, update

from marketplace.catalog.models import Product, ProductKind
from marketplace.core import clock
from marketplace.core.errors import Conflict
from marketplace.extensions import db
from marketplace.vendors.backoffice.product_input import MAX_STOCK, field_error

products = Product.__table__


class SeenFrom(enum.StrEnum):
    """Where the vendor read the stock they changed: it words the refusal."""

    PAGE = "page"
    FILE = "file"
    API = "api"


class StockMoved(Conflict):
    """The change would take the stock below zero because units sold since it was read; nothing changed."""

    code = "stock_changed"

    def __init__(self, message: str, current: int, field: str = "stock") -> None:
        super().__init__(message, {field: message})
        self.current = current


def units_sold_message(sold: int, current: int, seen_from: SeenFrom) -> str:
    """'N units sold since you opened this page — stock is now X', worded for the page, file or API."""
    if seen_from == SeenFrom.FILE:
        return ngettext("%(num)d unit sold since this file was exported — stock is now %(stock)d.",
                        "%(num)d units sold since this file was exported — stock is now %(stock)d.",
                        sold, stock=current)
    if seen_from == SeenFrom.API:
        return ngettext("%(num)d unit sold since you read the stock — it is now %(stock)d.",
                        "%(num)d units sold since you read the stock — it is now %(stock)d.",
                        sold, stock=current)
    return ngettext("%(num)d unit sold since you opened this page — stock is now %(stock)d.",
                    "%(num)d units sold since you opened this page — stock is now %(stock)d.",
                    sold, stock=current)


def current_stock(product_id: int) -> int:
    """The product's stock as the database holds it now (not the session's cached copy)."""
    return db.session.execute(select(products.c.stock).where(products.c.id == product_id)).scalar_one()


def apply_stock_change(product_id: int, seen: int, wanted: int, seen_from: SeenFrom, field: str = "stock") -> int:
    """Add `wanted - seen` to the stock as it is now, in the caller's transaction; the stock after.

    Nothing is written when `wanted == seen`. Raises StockMoved (nothing written) when units sold since
    `seen` leave too few to take the change away from, ValidationError past MAX_STOCK.
    """
    change = wanted - seen
    if change == 0:
        return current_stock(product_id)
    kind = db.session.execute(select(products.c.kind).where(products.c.id == product_id)).scalar_one()
    if kind == ProductKind.EXPERIENCE:
        raise field_error(field, _("An experience has no stock: set the seats of each departure instead."))
    moved = db.session.execute(
        update(products).where(products.c.id == product_id, products.c.stock + change >= 0,
                               products.c.stock + change <= MAX_STOCK)
        .values(stock=products.c.stock + change, updated_at=clock.now())
    ).rowcount
    now = current_stock(product_id)
    if not moved and now + change > MAX_STOCK:
        raise field_error(field, _("Enter a number from %(low)s to %(high)s.", low=format_decimal(0),
                                   high=format_decimal(MAX_STOCK)))
    if not moved:
        raise StockMoved(units_sold_message(max(seen - now, 0), now, seen_from), now, field)
    return now
