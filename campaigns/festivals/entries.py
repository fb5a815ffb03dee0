"""Vendors' festival entries and staff curation, with the price history the 30-day low comes from.

Every path that sets a price records it in the catalogue's price history (catalog/price_history.py);
products that predate the history get their current price recorded when they first enter a festival.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from campaigns.festivals import phases
from campaigns.festivals.entry_rules import check_entry
from campaigns.festivals.experience_deals import (
    MAX_SEATS_PER_DEPARTURE,
    cap_condition,
    largest_pair_sold,
    pair_departures,
)
from campaigns.festivals.models import Deal, DealStatus, Festival, Wave
from campaigns.festivals.phases import Phase
from campaigns.festivals.services import ACTIVE_DEAL_STATES, product_overlap, require_staff
from marketplace.accounts.models import User
from marketplace.catalog.models import PriceChange, Product, ProductStatus
from marketplace.catalog.price_history import ensure_price_history
from marketplace.core import clock
from marketplace.core.clock import to_utc
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.money import Money, MoneyError
from marketplace.extensions import db
from marketplace.vendors.models import StoreStatus
from marketplace.vendors.review import check_reason
from marketplace.vendors.services import store_of

PRICE_HISTORY_DAYS = 30


# --- Price history ---------------------------------------------------------------------------------

def lowest_recent_price(product: Product, at: datetime | None = None) -> Money:
    """The product's lowest regular price over the 30 days before `at`, the current price included."""
    at = at or clock.now()
    since = at - timedelta(days=PRICE_HISTORY_DAYS)
    in_force_at_start = db.session.scalar(
        select(PriceChange.price_amount).where(PriceChange.product_id == product.id,
                                               PriceChange.currency == product.currency,
                                               PriceChange.changed_at <= since)
        .order_by(PriceChange.changed_at.desc(), PriceChange.id.desc()).limit(1)
    )
    lowest_since = db.session.scalar(
        select(func.min(PriceChange.price_amount)).where(PriceChange.product_id == product.id,
                                                         PriceChange.currency == product.currency,
                                                         PriceChange.changed_at > since,
                                                         PriceChange.changed_at <= at)
    )
    candidates = [product.price_amount] + [v for v in (in_force_at_start, lowest_since) if v is not None]
    return Money(min(candidates), product.currency)


# --- Vendor entries -------------------------------------------------------------------------------

@dataclass
class EntryInput:
    wave_id: int
    product_id: int
    price: str  # in major units, as typed
    cap: int | None
    per_shopper_limit: int | None = None


def _vendor_store(vendor: User):
    store = store_of(vendor)
    if store is None or store.status != StoreStatus.APPROVED:
        raise PermissionDenied(_("Only approved stores can enter festivals."))
    return store


def _check_cap(cap: int | None, limit: int | None, stock: int, sold: int = 0) -> None:
    if cap is None or cap < 1:
        raise ValidationError(_("The festival quantity must be at least one."), {"cap": _("At least one.")})
    if cap > stock:
        message = _("The festival quantity (%(cap)d) is more than the %(stock)d in stock.", cap=cap, stock=stock)
        raise ValidationError(message, {"cap": message})
    if cap < sold:
        message = _("%(sold)d are already sold; the quantity cannot be lower.", sold=sold)
        raise ValidationError(message, {"cap": message})
    if limit is not None and not 1 <= limit <= cap:
        message = _("The limit per shopper must be between 1 and the festival quantity.")
        raise ValidationError(message, {"per_shopper_limit": message})


def _check_seat_cap(cap: int | None, sold: int = 0) -> None:
    if cap is None or not 1 <= cap <= MAX_SEATS_PER_DEPARTURE:
        message = _("Seats per date at the festival price: between 1 and %(most)d.", most=MAX_SEATS_PER_DEPARTURE)
        raise ValidationError(message, {"cap": message})
    if cap < sold:
        message = _("%(sold)d seats of one date are already sold; the number cannot be lower.", sold=sold)
        raise ValidationError(message, {"cap": message})


def propose_deal(vendor: User, festival: Festival, data: EntryInput) -> Deal:
    """Enter one of the vendor's products into a wave during registration; ValidationError or
    Conflict (nothing saved) for a price not below the 30-day low, a cap above stock, or a clash;
    EntryRefused when a registered entry rule (such as "entrants must be festival-ready") refuses the store."""
    store = _vendor_store(vendor)
    now = clock.now()
    if phases.phase_at(festival, now) != Phase.REGISTRATION:
        raise Conflict(_("Registration for this festival is closed."))
    check_entry(festival, store.id)
    wave = next((w for w in festival.waves if w.id == data.wave_id), None)
    if wave is None:
        raise ValidationError(_("Choose a wave of this festival."), {"wave_id": _("Choose a wave.")})
    product = db.session.get(Product, data.product_id)
    if product is None or product.store_id != store.id:
        raise ValidationError(_("Choose one of your products."), {"product_id": _("Choose one of your products.")})
    if product.status != ProductStatus.PUBLISHED:
        raise ValidationError(_("Only published products can enter a festival."),
                              {"product_id": _("Not published.")})
    if product.is_experience and product.price_amount <= 0:
        message = _("Give the experience a price for adults before entering it.")
        raise ValidationError(message, {"product_id": message})
    try:
        price = Money.parse(data.price, product.currency)
    except MoneyError:
        message = _("Enter the festival price in %(currency)s.", currency=product.currency)
        raise ValidationError(message, {"price": message}) from None
    ensure_price_history([product])
    low = lowest_recent_price(product, now)
    if price.amount <= 0 or not price < low:
        from marketplace.core.templating import format_money

        message = _("The festival price must be below %(low)s, the lowest price of the last 30 days.",
                    low=format_money(low))
        raise ValidationError(message, {"price": message})
    if product.is_experience:  # the cap counts seats of each departure; no stock, no limit per shopper
        _check_seat_cap(data.cap)
        data.per_shopper_limit = None
    else:
        _check_cap(data.cap, data.per_shopper_limit, product.stock)
    if product_overlap(product.id, phases.window(wave)):
        raise Conflict(_("This product is already in a deal at that time."),
                       {"product_id": _("Already in a deal at that time.")})
    if db.session.scalar(select(Deal.id).where(Deal.wave_id == wave.id, Deal.product_id == product.id)):
        raise Conflict(_("This product was already entered in this wave."), {"product_id": _("Already entered.")})
    deal = Deal(festival_id=festival.id, wave_id=wave.id, product_id=product.id, store_id=store.id,
                price_amount=price.amount, currency=price.currency, cap=data.cap,
                per_shopper_limit=data.per_shopper_limit)
    db.session.add(deal)
    if product.is_experience:
        db.session.flush()
        pair_departures(deal_ids=[deal.id])
    db.session.commit()
    return deal


def withdraw_deal(vendor: User, deal: Deal) -> None:
    """Take back a proposal during registration; Conflict once registration has closed."""
    store = _vendor_store(vendor)
    if deal.store_id != store.id:
        raise NotFound(_("No such entry."))
    if phases.phase_at(deal.festival, clock.now()) != Phase.REGISTRATION:
        raise Conflict(_("Registration has closed; ask campaign staff."))
    deal.status = DealStatus.WITHDRAWN
    db.session.commit()


def vendor_deals(vendor: User) -> list[Deal]:
    """The vendor's entries in every festival, newest first, with what each has sold."""
    store = store_of(vendor)
    if store is None:
        return []
    return list(db.session.scalars(
        select(Deal).where(Deal.store_id == store.id)
        .options(selectinload(Deal.festival), selectinload(Deal.wave), selectinload(Deal.product))
        .order_by(Deal.id.desc())
    ))


def open_for_registration(at: datetime | None = None) -> list[Festival]:
    """Festivals whose vendor registration is open at `at`."""
    at = at or clock.now()
    return [f for f in db.session.scalars(select(Festival).where(Festival.registration_opens_at <= at,
                                                                   Festival.registration_closes_at > at))]


def vendor_products(vendor: User) -> list[Product]:
    """The vendor's published products, which may enter festivals (an experience's deal caps seats per date)."""
    store = store_of(vendor)
    if store is None:
        return []
    return list(db.session.scalars(select(Product).where(Product.store_id == store.id,
                                                         Product.status == ProductStatus.PUBLISHED)
                                   .order_by(Product.id)))


# --- Staff curation ------------------------------------------------------------------------------

def festival_entries(festival: Festival) -> list[Deal]:
    """Every entry of a festival, proposals first."""
    order = {DealStatus.PROPOSED: 0, DealStatus.APPROVED: 1, DealStatus.REJECTED: 2, DealStatus.WITHDRAWN: 3}
    deals = db.session.scalars(
        select(Deal).where(Deal.festival_id == festival.id)
        .options(selectinload(Deal.product), selectinload(Deal.store), selectinload(Deal.wave))
    )
    return sorted(deals, key=lambda d: (order[d.status], d.id))


def get_deal(deal_id: int) -> Deal:
    deal = db.session.get(Deal, deal_id)
    if deal is None:
        raise NotFound(_("No such entry."))
    return deal


def _before_wave(deal: Deal) -> None:
    if clock.now() >= to_utc(deal.wave.starts_at):
        raise Conflict(_("This deal's wave has opened; its entry can no longer be decided."))


def approve_deal(staff: User, deal: Deal) -> None:
    """Accept a proposal; Conflict when it was already decided or its wave has opened."""
    require_staff(staff)
    _before_wave(deal)
    _decide(deal, DealStatus.APPROVED, "", staff)
    if deal.product.is_experience:  # departures the operator added since the entry get their festival seats
        pair_departures(deal_ids=[deal.id])
        db.session.commit()


def reject_deal(staff: User, deal: Deal, reason: str) -> None:
    """Refuse a proposal (or an approved deal before its wave) with a reason the vendor sees."""
    require_staff(staff)
    _before_wave(deal)
    _decide(deal, DealStatus.REJECTED, check_reason(reason), staff)


def _decide(deal: Deal, status: DealStatus, note: str, staff: User) -> None:
    allowed = (DealStatus.PROPOSED,) if status == DealStatus.APPROVED else ACTIVE_DEAL_STATES
    changed = db.session.execute(
        update(Deal).where(Deal.id == deal.id, Deal.status.in_(allowed))
        .values(status=status, review_note=note, reviewed_at=clock.now())
    ).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(_("This entry was already decided."))
    db.session.commit()
    db.session.refresh(deal)


def set_deal_cap(staff: User, deal: Deal, cap: int | None) -> None:
    """Change a deal's quantity cap; ValidationError below units sold or above stock."""
    require_staff(staff)
    if deal.product.is_experience:
        _check_seat_cap(cap, largest_pair_sold(deal.id))
        changed = db.session.execute(
            update(Deal).where(Deal.id == deal.id, cap_condition(deal.id, cap)).values(cap=cap)
        ).rowcount
    else:
        _check_cap(cap, deal.per_shopper_limit if deal.per_shopper_limit and deal.per_shopper_limit <= (cap or 0)
                   else None, deal.product.stock + deal.sold, deal.sold)
        changed = db.session.execute(
            update(Deal).where(Deal.id == deal.id, Deal.sold <= cap).values(cap=cap)
        ).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(_("More units were sold meanwhile; try again."))
    db.session.commit()
    db.session.refresh(deal)


def festival_results(festival: Festival) -> list[Deal]:
    """The festival's approved deals, best-selling first (its results page)."""
    deals = [d for d in festival_entries(festival) if d.status == DealStatus.APPROVED]
    return sorted(deals, key=lambda d: (-d.sold, d.id))


def waves_of(festival: Festival) -> list[Wave]:
    return sorted(festival.waves, key=lambda w: to_utc(w.starts_at))
