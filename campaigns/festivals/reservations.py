"""Deal units for checkout: the cap and the per-shopper limit hold under concurrent buying.

Each reservation is conditional UPDATEs (`sold + :q <= cap`, then the shopper's row likewise) in
one transaction, so two shoppers can never take the last unit twice, on SQLite or PostgreSQL. The
deal row is always locked first, so concurrent reservations of one deal queue instead of deadlocking;
across kinds of hold, checkout follows the lock order of `marketplace/orders/holds` (products, then
deals by id). `DealUnits` is the holder checkout reaches them through: it raises and never commits or
rolls back; `reserve_deal_units` and `release_deal_units` are the same steps as use cases of their own.
The statements use the tables, not the mapped classes, so a sale does not empty the page cache;
only a sale that sells a deal out does (its price disappears from catalogue pages).
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from campaigns.festivals import phases
from campaigns.festivals.models import Deal, DealPurchase, DealStatus, Festival, Wave
from campaigns.festivals.pricing_rule import forget_live_deals
from marketplace.core.clock import to_utc
from marketplace.core.errors import Conflict, DomainError, NotFound, ValidationError
from marketplace.core.page_cache import counts_a_sale, mark_catalogue_changed
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef

deals = Deal.__table__
purchases = DealPurchase.__table__
waves = Wave.__table__
festivals = Festival.__table__


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or quantity < 1:
        message = _("Choose a quantity of at least one.")
        raise ValidationError(message, {"quantity": message})


def take_deal_units(deal_id: int, shopper_id: int, quantity: int, at: datetime) -> int:
    """Take `quantity` units of a live deal for a shopper in the caller's transaction and return the units
    left; Conflict when the deal is not on sale at `at`, has too few units left, or the shopper's limit is
    reached, NotFound when there is no such deal, ValidationError for a bad quantity. Never commits or rolls
    back: on a refusal the caller rolls back what was written."""
    _check_quantity(quantity)
    at = to_utc(at)
    live_wave = exists().where(waves.c.id == deals.c.wave_id, waves.c.starts_at <= at, waves.c.ends_at > at)
    not_paused = exists().where(
        festivals.c.id == deals.c.festival_id,
        or_(festivals.c.paused_at.is_(None), festivals.c.paused_at > at),
    )
    refused, left, limit = _take(deal_id, shopper_id, quantity,
                                 deals.c.status == DealStatus.APPROVED.value, live_wave, not_paused)
    if refused == "deal":
        raise _refusal(deal_id, quantity, at)
    if refused == "limit":
        raise Conflict(
            _("You can buy at most %(limit)d of this deal.", limit=limit), {"quantity": _("Over the limit.")}
        )
    return left


def reserve_deal_units(deal_id: int, shopper_id: int, quantity: int, at: datetime) -> int:
    """Take deal units for a shopper as a use case of its own (one transaction, committed) and return the
    units left; the refusals of `take_deal_units`, with nothing taken."""
    try:
        left = take_deal_units(deal_id, shopper_id, quantity, at)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return left


def retake_deal_units(deal_id: int, shopper_id: int, quantity: int) -> None:
    """Take a shopper's units again for an order paid after its reservation lapsed (the units went back
    meanwhile). The shopper paid while the deal was on sale, so only the cap and their limit count now,
    not the deal's window. Conflict when the units cannot be had: the caller, inside a savepoint, undoes
    what was written. Never commits or rolls back."""
    _check_quantity(quantity)
    refused, _left, _limit = _take(deal_id, shopper_id, quantity)
    if refused is not None:
        raise Conflict(_("The festival deal sold out."))


def _take(deal_id: int, shopper_id: int, quantity: int, *conditions) -> tuple[str | None, int, int | None]:
    """Count `quantity` more units of the deal, for the shopper too, where `conditions` hold; (what
    refused — None, "deal" or "limit" —, units left, the shopper's limit). Writes in the caller's
    transaction; on a refusal the caller undoes what was written."""
    session = db.session
    taken = session.execute(counts_a_sale(  # kept pages fill in the units left; selling out is marked below
        update(deals).where(deals.c.id == deal_id, deals.c.sold + quantity <= deals.c.cap, *conditions)
        .values(sold=deals.c.sold + quantity)
    )).rowcount
    forget_live_deals(session)  # prices quoted later in this transaction see the new count
    if not taken:
        return "deal", 0, None
    sold, cap, limit = session.execute(
        select(deals.c.sold, deals.c.cap, deals.c.per_shopper_limit).where(deals.c.id == deal_id)
    ).one()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(purchases).values(deal_id=deal_id, shopper_id=shopper_id, quantity=0).on_conflict_do_nothing()
    )
    within_limit = purchases.c.quantity + quantity <= limit if limit is not None else true()
    counted = session.execute(
        update(purchases)
        .where(purchases.c.deal_id == deal_id, purchases.c.shopper_id == shopper_id, within_limit)
        .values(quantity=purchases.c.quantity + quantity)
    ).rowcount
    if not counted:
        return "limit", cap - sold, limit
    if sold >= cap:
        # A sold-out deal's price must leave cached catalogue pages (see core/page_cache.py).
        mark_catalogue_changed(session)
    return None, cap - sold, limit


def give_back_deal_units(deal_id: int, shopper_id: int, quantity: int) -> None:
    """Give back units a shopper held (checkout abandoned or expired) in the caller's transaction; Conflict
    when they were not held. Never commits or rolls back."""
    _check_quantity(quantity)
    session = db.session
    # The deal row first, then the shopper's, as when taking: a sweep giving back a shopper's lapsed units
    # while the same shopper checks out the same deal waits instead of deadlocking.
    returned = session.execute(
        update(deals).where(deals.c.id == deal_id, deals.c.sold >= quantity).values(sold=deals.c.sold - quantity)
    ).rowcount
    forget_live_deals(session)
    held = returned and session.execute(
        update(purchases)
        .where(purchases.c.deal_id == deal_id, purchases.c.shopper_id == shopper_id,
               purchases.c.quantity >= quantity)
        .values(quantity=purchases.c.quantity - quantity)
    ).rowcount
    if not held:
        raise Conflict(_("These units were not reserved."))
    mark_catalogue_changed(session)  # a sold-out deal may be back on sale


def release_deal_units(deal_id: int, shopper_id: int, quantity: int) -> None:
    """Give back units a shopper held, as a use case of its own (committed); Conflict, with nothing
    changed, when they were not held."""
    try:
        give_back_deal_units(deal_id, shopper_id, quantity)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()


class DealUnits:
    """The holder of festival deal units (`HoldRef("deal", deal id)`), registered at start-up; works in the
    caller's transaction and raises, never commits or rolls back."""

    def take(self, ref: HoldRef, owner_id: int, quantity: int, at: datetime) -> None:
        take_deal_units(ref.id, owner_id, quantity, at)

    def give_back(self, ref: HoldRef, owner_id: int, quantity: int, settled: bool = False) -> None:
        give_back_deal_units(ref.id, owner_id, quantity)  # a deal counts held and paid units alike

    def settle(self, ref: HoldRef, owner_id: int, quantity: int) -> None:
        """Nothing to do: a deal's `sold` already counts units held by unpaid orders."""

    def retake(self, ref: HoldRef, owner_id: int, quantity: int) -> None:
        retake_deal_units(ref.id, owner_id, quantity)

    def why_not(self, ref: HoldRef, owner_id: int | None, at: datetime) -> str:
        return why_deal_price_lapsed(ref.id, owner_id, at)


def why_deal_price_lapsed(deal_id: int, shopper_id: int | None, at: datetime) -> str:
    """Why a shopper cannot have a deal's price at `at`, in the page's language ("" when they can):
    withdrawn, paused, ended (or not open), sold out, or the shopper's limit used up."""
    at = to_utc(at)
    deal = db.session.get(Deal, deal_id)
    if deal is None or deal.status != DealStatus.APPROVED:
        return _("The festival deal was withdrawn.")
    festival, wave = deal.festival, deal.wave
    if festival.paused_at is not None and to_utc(festival.paused_at) <= at:
        return _("The festival is paused; its prices are back when it resumes.")
    if at >= to_utc(wave.ends_at):
        return _("The festival price has ended.")
    if at < to_utc(wave.starts_at):
        return _("The festival price is not on sale yet.")
    if deal.left == 0:
        return _("The festival deal sold out.")
    if deal.per_shopper_limit is not None and shopper_id is not None:
        bought = db.session.scalar(select(DealPurchase.quantity).where(
            DealPurchase.deal_id == deal_id, DealPurchase.shopper_id == shopper_id)) or 0
        if bought >= deal.per_shopper_limit:
            return _("Limited to %(limit)d per shopper — you already bought %(bought)d.",
                     limit=deal.per_shopper_limit, bought=bought)
    return ""


def _refusal(deal_id: int, quantity: int, at: datetime) -> Exception:
    deal = db.session.get(Deal, deal_id)
    if deal is None:
        return NotFound(_("This deal does not exist."))
    if deal.status != DealStatus.APPROVED or not phases.deal_is_live(deal.festival, deal.wave, at):
        return Conflict(_("This deal is not on sale now."))
    if deal.left == 0:
        return Conflict(_("This deal is sold out."))
    return Conflict(
        _("Only %(left)d left of this deal.", left=deal.left), {"quantity": _("Only %(left)d left.", left=deal.left)}
    )
