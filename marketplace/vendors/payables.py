"""The vendor payables ledger: what the campaign owes each store, as signed entries and nothing else.

A paid vendor order posts one sale entry (its subtotal less the campaign's commission); each refund of
it (a cancellation after payment is a refund of what is left) posts one reversal of exactly what it
gives back. A unique index on the sale of a vendor order and a unique refund id on reversals make
posting idempotent, so a replayed payment event cannot pay a store twice nor a refund reverse twice.
Balances, exports and settlements are sums over these entries.

Staff settle a store per currency and period: the unsettled entries created in the half-open
period `[start, end)` (UTC days) are claimed for one Settlement by a conditional UPDATE on
`settlement_id IS NULL`, so two staff pressing "mark settled" at once settle each entry once.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, false, func, select, update

from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.i18n import current_language
from marketplace.core.money import Money, MoneyError, normalise_currency
from marketplace.core.spreadsheet import safe_cell
from marketplace.extensions import db
from marketplace.orders.models import Order, VendorOrder
from marketplace.vendors.models import PayableEntry, PayableKind, Settlement, Store

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_TRANSFER_REFERENCE = 120
# Cells a spreadsheet would run as a formula (as in the products CSV export).
EXPORT_COLUMNS = ["entry_id", "store_id", "store", "vendor_order_id", "order_reference", "kind", "gross",
                  "commission", "net", "currency", "created_at", "settlement_id"]


def commission_rate() -> Decimal:
    """The configured commission (`COMMISSION_RATE`, a fraction from 0 to 1); ValueError when it is not one."""
    try:
        rate = Decimal(str(current_app.config.get("COMMISSION_RATE", "0")))
    except InvalidOperation as exc:
        raise ValueError("COMMISSION_RATE must be a number from 0 to 1") from exc
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise ValueError("COMMISSION_RATE must be a number from 0 to 1")
    return rate


def _entry(vendor_order: VendorOrder, kind: PayableKind) -> PayableEntry | None:
    return db.session.scalars(
        select(PayableEntry).where(PayableEntry.vendor_order_id == vendor_order.id, PayableEntry.kind == kind)
    ).first()


def post_sale(vendor_order: VendorOrder) -> PayableEntry:
    """Owe the store its paid vendor order less commission (in the caller's transaction); once only."""
    existing = _entry(vendor_order, PayableKind.SALE)
    if existing is not None:
        return existing
    rate = commission_rate()
    gross = vendor_order.subtotal_amount
    commission = int((Decimal(gross) * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    entry = PayableEntry(store_id=vendor_order.store_id, vendor_order_id=vendor_order.id, kind=PayableKind.SALE,
                         currency=vendor_order.currency, gross_amount=gross, commission_amount=commission,
                         amount=gross - commission, commission_rate=rate)
    db.session.add(entry)
    return entry


def post_refund_reversal(vendor_order: VendorOrder, refund_id: int, amount: int) -> PayableEntry | None:
    """Take `amount` (what refund `refund_id` sends back of the vendor order) off what the store is owed, in
    the caller's transaction; once per refund. None when nothing was owed for the part (no sale entry).

    The commission given back is the sale's commission on everything refunded so far less what earlier
    reversals gave back, so refunding a whole part in several goes reverses exactly its sale.
    """
    sale = _entry(vendor_order, PayableKind.SALE)
    if sale is None:
        return None
    existing = db.session.scalars(select(PayableEntry).where(PayableEntry.refund_id == refund_id)).first()
    if existing is not None:
        return existing
    reversed_gross, reversed_commission = db.session.execute(
        select(func.coalesce(func.sum(PayableEntry.gross_amount), 0),
               func.coalesce(func.sum(PayableEntry.commission_amount), 0))
        .where(PayableEntry.vendor_order_id == vendor_order.id, PayableEntry.kind == PayableKind.REVERSAL)
    ).one()
    # Never past the sale: a part cancelled before refunds sent money had its whole sale reversed at once.
    amount = min(amount, sale.gross_amount + int(reversed_gross))
    if amount <= 0:
        return None
    refunded = -int(reversed_gross) + amount
    share = (Decimal(sale.commission_amount) * refunded / sale.gross_amount) if sale.gross_amount else Decimal(0)
    commission = int(share.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) + int(reversed_commission)
    entry = PayableEntry(store_id=sale.store_id, vendor_order_id=vendor_order.id, kind=PayableKind.REVERSAL,
                         currency=sale.currency, gross_amount=-amount, commission_amount=-commission,
                         amount=-(amount - commission), commission_rate=sale.commission_rate, refund_id=refund_id)
    db.session.add(entry)
    return entry


# --- reading and settling the ledger -------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """Whole UTC days from `start` (included) to `end` (excluded)."""

    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.end, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class StoreBalance:
    """A store's unsettled entries of one currency: all of them, and those inside the chosen period."""

    store_id: int
    store_name: str
    currency: str
    amount: int
    entries: int
    period_amount: int = 0
    period_entries: int = 0
    payout_on_hold: bool = False  # new payout details await staff: not to be settled yet

    @property
    def balance(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def period_balance(self) -> Money:
        return Money(self.period_amount, self.currency)


@dataclass(frozen=True)
class VendorBalance:
    """What the ledger says about one currency of a store: owed and not yet paid out, and paid out."""

    currency: str
    unsettled: int
    settled: int

    @property
    def unsettled_money(self) -> Money:
        return Money(self.unsettled, self.currency)

    @property
    def settled_money(self) -> Money:
        return Money(self.settled, self.currency)


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(_("Only campaign staff can see and settle payables."))


def default_period(at: datetime | None = None) -> Period:
    """Last calendar month (UTC), the usual payout period."""
    today = (at or clock.now()).astimezone(UTC).date()
    this_month = today.replace(day=1)
    last_month = (this_month.replace(year=this_month.year - 1, month=12) if this_month.month == 1
                  else this_month.replace(month=this_month.month - 1))
    return Period(last_month, this_month)


def parse_period(start: str, end: str) -> Period:
    """The period of two YYYY-MM-DD dates; ValidationError naming the field that is not a date or not in order."""
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    for name, text in (("start", start), ("end", end)):
        value = (text or "").strip()
        try:
            if not DATE_PATTERN.match(value):
                raise ValueError(value)
            days[name] = date.fromisoformat(value)
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD.")
    if not errors and days["end"] <= days["start"]:
        errors["end"] = _("The end must be after the start.")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    return Period(days["start"], days["end"])


def _in_period(period: Period) -> list[ColumnElement[bool]]:
    return [PayableEntry.created_at >= period.starts_at, PayableEntry.created_at < period.ends_at]


def unsettled_balances(staff: User, period: Period | None = None) -> list[StoreBalance]:
    """Every store's unsettled balance per currency (sums of its entries), with the part inside `period`;
    PermissionDenied for non-staff."""
    _require_staff(staff)
    inside = and_(*_in_period(period)) if period is not None else false()
    rows = db.session.execute(
        select(PayableEntry.store_id, Store.name, PayableEntry.currency, func.sum(PayableEntry.amount),
               func.count(PayableEntry.id), func.sum(case((inside, PayableEntry.amount), else_=0)),
               func.sum(case((inside, 1), else_=0)), Store.payout_changed_at)
        .join(Store, Store.id == PayableEntry.store_id)
        .where(PayableEntry.settlement_id.is_(None))
        .group_by(PayableEntry.store_id, Store.name, PayableEntry.currency, Store.payout_changed_at)
        .order_by(Store.name, PayableEntry.store_id, PayableEntry.currency)
    ).all()
    return [StoreBalance(store_id, name, currency, int(amount or 0), int(count or 0), int(in_amount or 0),
                         int(in_count or 0), changed_at is not None)
            for store_id, name, currency, amount, count, in_amount, in_count, changed_at in rows]


def vendor_balances(vendor: User) -> list[VendorBalance]:
    """The vendor's own stores' ledger per currency: unsettled and settled sums of entries."""
    settled = PayableEntry.settlement_id.is_not(None)
    rows = db.session.execute(
        select(PayableEntry.currency,
               func.sum(case((settled, 0), else_=PayableEntry.amount)),
               func.sum(case((settled, PayableEntry.amount), else_=0)))
        .join(Store, Store.id == PayableEntry.store_id).where(Store.owner_id == vendor.id)
        .group_by(PayableEntry.currency).order_by(PayableEntry.currency)
    ).all()
    return [VendorBalance(currency, int(unsettled or 0), int(paid or 0)) for currency, unsettled, paid in rows]



def _decimal(amount: int, currency: str) -> str:
    return format(Money(amount, currency).to_decimal(), "f")


def export_entries_csv(staff: User, period: Period) -> str:
    """The ledger entries created in `period`, one row each, as CSV with a byte-order mark for spreadsheets;
    PermissionDenied for non-staff."""
    _require_staff(staff)
    rows = db.session.execute(
        select(PayableEntry, Store.name, Order.reference)
        .join(Store, Store.id == PayableEntry.store_id)
        .join(VendorOrder, VendorOrder.id == PayableEntry.vendor_order_id)
        .join(Order, Order.id == VendorOrder.order_id)
        .where(*_in_period(period)).order_by(PayableEntry.created_at, PayableEntry.id)
    ).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for entry, store_name, reference in rows:
        # Amounts are numbers we write (a reversal starts with "-" and must stay a number); only
        # text that came from people is neutralised.
        writer.writerow([
            entry.id, entry.store_id, safe_cell(store_name), entry.vendor_order_id, safe_cell(reference),
            entry.kind.value, _decimal(entry.gross_amount, entry.currency),
            _decimal(entry.commission_amount, entry.currency), _decimal(entry.amount, entry.currency),
            entry.currency, clock.to_utc(entry.created_at).isoformat(),
            "" if entry.settlement_id is None else entry.settlement_id,
        ])
    return "\ufeff" + buffer.getvalue()


def check_transfer_reference(text: str) -> str:
    """The bank or mobile-money transfer reference trimmed; ValidationError unless printable and at most 120."""
    value = (text or "").strip()
    if len(value) > MAX_TRANSFER_REFERENCE or not value.isprintable():
        message = _("A transfer reference has at most 120 printable characters.")
        raise ValidationError(message, {"transfer_reference": message})
    return value


def settle_period(staff: User, store_id: int, currency: str, period: Period,
                  transfer_reference: str = "") -> Settlement:
    """Record that the store was paid its unsettled entries of `currency` created in `period` (amount: their
    sum); PermissionDenied, NotFound (store), ValidationError (currency, reference), Conflict (nothing to pay,
    a negative sum, settled meanwhile, or new payout details that staff have not confirmed)."""
    _require_staff(staff)
    store = db.session.get(Store, store_id, with_for_update=True)  # a payout change waits for this settlement
    if store is None:
        raise NotFound("no such store")
    if store.payout_on_hold:
        db.session.rollback()
        raise Conflict(_("%(store)s changed its payout details: confirm them on the store's page before "
                         "settling.", store=store.name))
    try:
        currency = normalise_currency(currency)
    except MoneyError:
        message = _("Choose a currency.")
        raise ValidationError(message, {"currency": message}) from None
    reference = check_transfer_reference(transfer_reference)
    entries = db.session.execute(
        select(PayableEntry.id, PayableEntry.amount).where(
            PayableEntry.store_id == store.id, PayableEntry.currency == currency,
            PayableEntry.settlement_id.is_(None), *_in_period(period))
    ).all()
    if not entries:
        raise Conflict(_("%(store)s has no unsettled %(currency)s entries in this period.", store=store.name,
                         currency=currency))
    total = sum(amount for _id, amount in entries)
    if total < 0:
        raise Conflict(_("The unsettled entries add up to %(amount)s: nothing is owed to %(store)s for this "
                         "period.", amount=Money(total, currency).format(current_language().code),
                         store=store.name))
    settlement = Settlement(store_id=store.id, currency=currency, amount=total, period_start=period.starts_at,
                            period_end=period.ends_at, transfer_reference=reference, settled_by_id=staff.id)
    db.session.add(settlement)
    db.session.flush()
    ids = [entry_id for entry_id, _amount in entries]
    table = PayableEntry.__table__
    claimed = db.session.execute(
        update(table).where(table.c.id.in_(ids), table.c.settlement_id.is_(None)).values(settlement_id=settlement.id)
    ).rowcount
    if claimed != len(ids):
        # Someone settled (some of) these entries while we read them: their settlement stands, ours does not.
        db.session.rollback()
        raise Conflict(_("These entries were settled meanwhile. Check the balances again."))
    db.session.commit()
    return settlement


@dataclass(frozen=True)
class SettlementRow:
    """A settlement as staff see it in the list of recent ones."""

    settlement: Settlement
    store_name: str

    @property
    def money(self) -> Money:
        return Money(self.settlement.amount, self.settlement.currency)


def recent_settlements(staff: User, limit: int = 20) -> list[SettlementRow]:
    """The latest settlements, newest first, with their stores' names; PermissionDenied for non-staff."""
    _require_staff(staff)
    rows = db.session.execute(
        select(Settlement, Store.name).join(Store, Store.id == Settlement.store_id)
        .order_by(Settlement.id.desc()).limit(limit)
    ).all()
    return [SettlementRow(settlement, name) for settlement, name in rows]
