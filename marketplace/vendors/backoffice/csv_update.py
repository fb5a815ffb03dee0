"""Bulk stock and price updates from a CSV file: all rows apply in one transaction, or none does.

The file's first row names the columns: `slug` or `id` (or both) to say which product, then
`stock`, `price` (in the product's own currency) and/or `sku` (the vendor's own code, one product
each); an empty cell leaves the value as it is.
The download also carries `stock_at_export`: when a line has it, only the difference the vendor made
to `stock` is applied to the stock as it is now, so units sold since the download stay sold (a line
whose stock was not changed leaves it alone); without it, `stock` is set as given.
Other columns, such as the `name` and `status` of the download, are ignored; a `currency` column,
when filled in, must match the product's. Commas, semicolons or tabs separate the cells; the file
is UTF-8 (a byte-order mark is fine). Any problem on any line is reported with its line number and
nothing is changed.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update

from marketplace.accounts.models import User
from marketplace.catalog.models import Product, ProductText
from marketplace.catalog.price_history import record_prices
from marketplace.core import clock
from marketplace.core.errors import ValidationError
from marketplace.core.money import Money
from marketplace.core.spreadsheet import safe_cell
from marketplace.extensions import db
from marketplace.vendors.backoffice.product_input import parse_price, parse_sku, parse_stock
from marketplace.vendors.backoffice.services import own_store, refresh_search
from marketplace.vendors.backoffice.stock_edits import SeenFrom, StockMoved, apply_stock_change

MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 5_000
EXPORT_COLUMNS = ("id", "slug", "sku", "name", "status", "currency", "price", "stock", "stock_at_export")
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class LineError:
    line: int  # as a spreadsheet numbers it: the header is line 1
    message: str


@dataclass(frozen=True)
class CsvOutcome:
    updated: int  # products whose stock or price changed
    unchanged: int  # lines that named a product but changed nothing


class CsvRejected(ValidationError):
    """The file was refused and nothing changed; `errors` lists each bad line (line 0: the file itself)."""

    def __init__(self, errors: list[LineError]) -> None:
        if len(errors) == 1 and errors[0].line == 0:
            message = errors[0].message
        else:
            message = _("Nothing was changed: %(count)d lines have problems.", count=len(errors))
        super().__init__(message, {"file": message})
        self.errors = errors


@dataclass(frozen=True)
class _Owned:
    id: int
    slug: str
    currency: str
    stock: int
    price_amount: int
    sku: str | None = None


def _file_error(message: str) -> CsvRejected:
    return CsvRejected([LineError(0, message)])


def _read_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if len(data) > MAX_CSV_BYTES:
        raise _file_error(_("The file is larger than %(megabytes)d MB.", megabytes=MAX_CSV_BYTES // (1024 * 1024)))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(_("Save the file as CSV in UTF-8 encoding, then upload it again.")) from exc
    if not text.strip():
        raise _file_error(_("The file is empty."))
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                continue
            if len(rows) >= MAX_CSV_ROWS:
                raise _file_error(_("A file can update at most %(count)d products.", count=MAX_CSV_ROWS))
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise _file_error(_("Line %(line)d could not be read as CSV.", line=reader.line_num)) from exc
    if header is None or not ({"id", "slug"} & set(header)) or not ({"stock", "price", "sku"} & set(header)):
        raise _file_error(_("The first line must name the columns: slug or id, then stock, price and/or sku."))
    return header, rows


def _owned_products(user: User) -> tuple[dict[int, _Owned], dict[str, _Owned]]:
    store = own_store(user)
    rows = db.session.execute(
        select(Product.id, Product.slug, Product.currency, Product.stock, Product.price_amount, Product.sku)
        .where(Product.store_id == store.id)
    )
    owned = [_Owned(*row) for row in rows]
    return {p.id: p for p in owned}, {p.slug: p for p in owned}


def apply_csv(user: User, data: bytes) -> CsvOutcome:
    """Set the stock and prices a CSV file gives for own products; CsvRejected, changing nothing, on any error."""
    header, rows = _read_rows(data)
    by_id, by_slug = _owned_products(user)
    column = {name: index for index, name in reversed(list(enumerate(header)))}

    def cell(cells: list[str], name: str) -> str:
        index = column.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    errors: list[LineError] = []
    changes: dict[int, dict] = {}
    seen_on: dict[int, int] = {}
    # Which product holds each SKU once the file applies (lines before this one included).
    # A SKU a product gives up in this file stays its own until the file is applied, so two products
    # never swap SKUs in one go (the unique index would refuse the in-between state).
    skus: dict[str, tuple[int, int]] = {p.sku: (p.id, 0) for p in by_id.values() if p.sku}
    line_of: dict[int, int] = {}
    unchanged = 0
    for line, cells in rows:
        problems: list[str] = []
        product = _identify(cell(cells, "id"), cell(cells, "slug"), by_id, by_slug, problems)
        if product is not None:
            if product.id in seen_on:
                problems.append(_("This product is also on line %(line)d.", line=seen_on[product.id]))
            seen_on.setdefault(product.id, line)
            change = _row_change(product, cell(cells, "stock"), cell(cells, "price"), cell(cells, "currency"),
                                 cell(cells, "stock_at_export"), problems)
            _sku_change(product, cell(cells, "sku"), change, skus, line, problems)
            if not problems:
                line_of[product.id] = line
                if change:
                    changes[product.id] = change
                else:
                    unchanged += 1
        errors.extend(LineError(line, problem) for problem in problems)
    if errors:
        raise CsvRejected(errors)
    if changes:
        now = clock.now()
        # Rows are locked in product order, as checkouts take stock (marketplace/orders/holds), not the file's.
        rows = [{"id": product_id, **{k: v for k, v in change.items() if k != "stock_change"}, "updated_at": now}
                for product_id, change in sorted(changes.items()) if set(change) - {"stock_change"}]
        if rows:
            db.session.execute(update(Product), rows)
        for product_id in sorted(changes):  # product order, as checkouts take stock
            seen_and_wanted = changes[product_id].get("stock_change")
            if seen_and_wanted is None:
                continue
            try:
                apply_stock_change(product_id, *seen_and_wanted, SeenFrom.FILE)
            except (StockMoved, ValidationError) as exc:
                errors.append(LineError(line_of[product_id], _("%(column)s: %(problem)s", column="stock",
                                                                problem=exc.message)))
        if errors:
            db.session.rollback()
            raise CsvRejected(sorted(errors, key=lambda error: error.line))
        record_prices({product_id: (change["price_amount"], by_id[product_id].currency)
                       for product_id, change in changes.items() if "price_amount" in change})
    db.session.commit()
    if changes:
        refresh_search(list(changes))
    return CsvOutcome(len(changes), unchanged)


def _identify(raw_id: str, slug: str, by_id: dict[int, _Owned], by_slug: dict[str, _Owned],
              problems: list[str]) -> _Owned | None:
    if not raw_id and not slug:
        problems.append(_("Give the product's slug or id."))
        return None
    found_by_id = by_id.get(int(raw_id)) if raw_id.isdecimal() and len(raw_id) <= 12 else None
    found_by_slug = by_slug.get(slug) if slug else None
    if (raw_id and found_by_id is None) or (slug and found_by_slug is None):
        problems.append(_("No such product."))
        return None
    if found_by_id and found_by_slug and found_by_id.id != found_by_slug.id:
        problems.append(_("The id and the slug name different products."))
        return None
    return found_by_id or found_by_slug


def _row_change(product: _Owned, stock_text: str, price_text: str, currency_text: str, exported_text: str,
                problems: list[str]) -> dict:
    change: dict = {}
    if currency_text and currency_text.upper() != product.currency:
        problems.append(_("This product is priced in %(currency)s; change its currency in the product editor.",
                          currency=product.currency))
        return change
    if stock_text:
        try:
            stock = parse_stock(stock_text)
        except ValidationError as exc:
            problems.append(_("%(column)s: %(problem)s", column="stock", problem=exc.message))
        else:
            exported = _exported_stock(exported_text, problems)
            if exported is not None:
                if stock != exported:  # the vendor changed it: apply that change to the stock as it is now
                    change["stock_change"] = (exported, stock)
            elif stock != product.stock:
                change["stock"] = stock
    if price_text:
        try:
            price = parse_price(price_text, product.currency)
        except ValidationError as exc:
            problems.append(_("%(column)s: %(problem)s", column="price", problem=exc.message))
        else:
            if price.amount != product.price_amount:
                change["price_amount"] = price.amount
    return change

def _exported_stock(text: str, problems: list[str]) -> int | None:
    if not text:
        return None
    if not text.isdecimal() or len(text) > 9:
        problems.append(_("%(column)s: %(problem)s", column="stock_at_export",
                          problem=_("Leave this column as it was downloaded.")))
        return None
    return int(text)

def _sku_change(product: _Owned, sku_text: str, change: dict, skus: dict[str, tuple[int, int]], line: int,
                problems: list[str]) -> None:
    """Add the row's new SKU to `change`, or a problem when it is malformed or another product's."""
    if not sku_text:
        return
    try:
        sku = parse_sku(sku_text)
    except ValidationError as exc:
        problems.append(_("%(column)s: %(problem)s", column="sku", problem=exc.message))
        return
    holder = skus.get(sku)
    if holder is not None and holder[0] != product.id:
        if holder[1]:
            problems.append(_("sku: line %(line)d gives this SKU to another product.", line=holder[1]))
        else:
            problems.append(_("sku: another of your products has this SKU."))
        return
    if sku != product.sku:
        change["sku"] = sku
        skus[sku] = (product.id, line)


def export_csv(user: User) -> str:
    """The vendor's products as CSV, ready to edit and upload again (with a byte-order mark for spreadsheets)."""
    store = own_store(user)
    products = db.session.execute(
        select(Product.id, Product.slug, Product.status, Product.currency, Product.price_amount, Product.stock,
               Product.original_language, Product.sku)
        .where(Product.store_id == store.id).order_by(Product.id)
    ).all()
    names: dict[tuple[int, str], str] = {
        (product_id, language): name
        for product_id, language, name in db.session.execute(
            select(ProductText.product_id, ProductText.language, ProductText.name)
            .join(Product, Product.id == ProductText.product_id).where(Product.store_id == store.id)
        )
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for product_id, slug, status, currency, amount, stock, language, sku in products:
        name = names.get((product_id, language)) or names.get((product_id, "en"), "")
        price = format(Money(amount, currency).to_decimal(), "f")
        writer.writerow([product_id, slug, safe_cell(sku or ""), safe_cell(name), str(status), currency, price,
                         stock, stock])
    return "\ufeff" + buffer.getvalue()
