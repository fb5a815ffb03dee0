"""Festival deals on experiences: a festival price for seats, capped per departure.

A deal on an experience (a product sold by departure and seat) keeps the deal's price and cap with their
meaning for experiences: the deal's price is the festival "from" price, so every unit of a booking costs
that share of its regular price (adult, child, resident alike), and the cap is how many seats of each
departure sell at it. Each (deal, departure) pair has a counter row (`DealDeparture`), made when the deal is
entered or approved and when the operator adds departures later. Its seats are held like every other hold
(`marketplace/orders/holds`): one conditional UPDATE `sold + n <= cap` on the pair's row, in the lock order
after the deal units and before the departure's own seats, by `DealSeats`, registered for kind "deal_seats".
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, exists, func, or_, select, update

from campaigns.festivals.models import Deal, DealDeparture, DealStatus, Festival, Wave
from campaigns.tourism.models import Departure, DepartureStatus
from marketplace.core.clock import to_utc
from marketplace.core.errors import Conflict
from marketplace.core.money import Money
from marketplace.extensions import db
from marketplace.orders.holds.refs import HoldRef
from marketplace.orders.pricing import Offer, quote_price

KIND = "deal_seats"
MAX_SEATS_PER_DEPARTURE = 500  # a cap above any departure's seats would mean "no cap"
pairs = DealDeparture.__table__
deals = Deal.__table__
waves = Wave.__table__
festivals = Festival.__table__


@dataclass(frozen=True)
class FestivalSeats:
    """A booking's festival price: the offer (holding `deal_seats` of the pair) and the share of each unit's
    regular price the shopper pays (numerator over denominator, the deal's price over the product's)."""

    offer: Offer
    numerator: int
    denominator: int
    left: int

    def unit_amount(self, regular_amount: int) -> int:
        """A unit's festival amount in minor units, rounded half up, never below one."""
        return max(1, (regular_amount * self.numerator * 2 + self.denominator) // (self.denominator * 2))


def pair_departures(deal_ids: Iterable[int] | None = None, departure_ids: Iterable[int] | None = None) -> None:
    """Make the missing counter rows between active experience deals and the scheduled departures of their
    products (only these deals or these departures when given), in the caller's transaction."""
    condition = [Deal.status.in_((DealStatus.PROPOSED, DealStatus.APPROVED)),
                 Departure.status == DepartureStatus.SCHEDULED]
    if deal_ids is not None:
        condition.append(Deal.id.in_(list(deal_ids)))
    if departure_ids is not None:
        condition.append(Departure.id.in_(list(departure_ids)))
    from campaigns.tourism.models import Experience

    missing = db.session.execute(
        select(Deal.id, Departure.id)
        .join(Experience, Experience.product_id == Deal.product_id)
        .join(Departure, Departure.experience_id == Experience.id)
        .where(*condition, ~exists().where(pairs.c.deal_id == Deal.id, pairs.c.departure_id == Departure.id))
    ).all()
    if missing:
        db.session.execute(pairs.insert(), [{"deal_id": deal_id, "departure_id": departure_id, "sold": 0}
                                            for deal_id, departure_id in missing])


def festival_seats(product_id: int, departure_id: int, seats: int, at: datetime) -> FestivalSeats | None:
    """The festival price a booking of `seats` on the departure gets at `at`: None when the experience has no
    deal on sale then, or its pair has fewer than `seats` festival seats left (the booking pays the regular
    price; a booking is never split between two prices)."""
    found = festival_seats_of_departures(product_id, [departure_id], at).get(departure_id)
    return found if found is not None and found.left >= seats else None


def festival_seats_of_departures(product_id: int, departure_ids: Iterable[int],
                                 at: datetime) -> dict[int, FestivalSeats]:
    """The festival price of each of these departures of the experience at `at` with festival seats left, by
    departure id (one query for the deal, one for the pairs); empty when no deal of it is on sale then."""
    from marketplace.catalog.models import Product

    product = db.session.get(Product, product_id)
    ids = list(departure_ids)
    if product is None or product.price_amount <= 0 or not ids:
        return {}
    offer = quote_price(product, None, at).offer
    if offer is None or offer.hold is None or offer.hold.kind != "deal":
        return {}
    rows = db.session.execute(
        select(pairs.c.id, pairs.c.departure_id, pairs.c.sold, deals.c.cap).join(deals, deals.c.id == pairs.c.deal_id)
        .where(pairs.c.deal_id == offer.hold.id, pairs.c.departure_id.in_(ids), pairs.c.sold < deals.c.cap)
    ).all()
    return {row.departure_id: FestivalSeats(Offer(offer.price, offer.source, offer.ends_at, hold=HoldRef(KIND, row.id)),
                                            offer.price.amount, product.price_amount, row.cap - row.sold)
            for row in rows}


def booking_price(units: Mapping[str, dict], currency: str) -> Money:
    """The whole price of priced units ({"adult": {"count", "amount"}})."""
    return Money(sum(entry["count"] * entry["amount"] for entry in units.values()), currency)


def seats_left_note(left: int) -> str:
    """"N seats left at the festival price on this date", in the page's language."""
    return ngettext("%(num)d seat left at the festival price on this date",
                    "%(num)d seats left at the festival price on this date", left)


class DealSeats:
    """The holder of an experience deal's festival seats on one departure (`HoldRef("deal_seats", pair id)`),
    registered at start-up; works in the caller's transaction and raises, never commits or rolls back."""

    def take(self, ref: HoldRef, owner_id: int, quantity: int, at: datetime) -> None:
        at = to_utc(at)
        on_sale = exists().where(
            deals.c.id == pairs.c.deal_id, deals.c.status == DealStatus.APPROVED.value,
            waves.c.id == deals.c.wave_id, waves.c.starts_at <= at, waves.c.ends_at > at,
            festivals.c.id == deals.c.festival_id,
            or_(festivals.c.paused_at.is_(None), festivals.c.paused_at > at))
        if not self._count(ref, quantity, on_sale):
            raise Conflict(self.why_not(ref, owner_id, at) or _("The festival price has ended."))

    def _count(self, ref: HoldRef, quantity: int, *conditions) -> bool:
        cap = select(deals.c.cap).where(deals.c.id == pairs.c.deal_id).scalar_subquery()
        return bool(db.session.execute(
            update(pairs).where(pairs.c.id == ref.id, pairs.c.sold + quantity <= cap, *conditions)
            .values(sold=pairs.c.sold + quantity)
        ).rowcount)

    def give_back(self, ref: HoldRef, owner_id: int, quantity: int, settled: bool = False) -> None:
        given = db.session.execute(
            update(pairs).where(pairs.c.id == ref.id, pairs.c.sold >= quantity).values(sold=pairs.c.sold - quantity)
        ).rowcount
        if not given:
            raise Conflict(_("These seats were not held."))

    def settle(self, ref: HoldRef, owner_id: int, quantity: int) -> None:
        """Nothing to do: the pair's `sold` counts seats held by unpaid orders too."""

    def retake(self, ref: HoldRef, owner_id: int, quantity: int) -> None:
        if not self._count(ref, quantity):
            raise Conflict(_("The festival seats on this date sold out."))

    def why_not(self, ref: HoldRef, owner_id: int | None, at: datetime) -> str:
        at = to_utc(at)
        row = db.session.execute(
            select(pairs.c.sold, deals.c.cap, deals.c.status, waves.c.starts_at, waves.c.ends_at,
                   festivals.c.paused_at)
            .join(deals, deals.c.id == pairs.c.deal_id).join(waves, waves.c.id == deals.c.wave_id)
            .join(festivals, festivals.c.id == deals.c.festival_id).where(pairs.c.id == ref.id)
        ).first()
        if row is None or row.status != DealStatus.APPROVED.value:
            return _("The festival deal was withdrawn.")
        if row.paused_at is not None and to_utc(row.paused_at) <= at:
            return _("The festival is paused; its prices are back when it resumes.")
        if at >= to_utc(row.ends_at):
            return _("The festival price has ended.")
        if at < to_utc(row.starts_at):
            return _("The festival price is not on sale yet.")
        if row.sold >= row.cap:
            return _("The festival seats on this date sold out.")
        return ""


def seats_sold(deal_ids: Iterable[int]) -> dict[int, int]:
    """Festival seats taken so far per experience deal, over all its departures."""
    ids = list(deal_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        select(pairs.c.deal_id, func.sum(pairs.c.sold)).where(pairs.c.deal_id.in_(ids)).group_by(pairs.c.deal_id)
    ).all())


def largest_pair_sold(deal_id: int) -> int:
    """The most festival seats any one departure of the deal has sold (a cap may not go below it)."""
    return db.session.scalar(select(func.coalesce(func.max(pairs.c.sold), 0)).where(pairs.c.deal_id == deal_id))


def cap_condition(deal_id: int, cap: int):
    """A condition true while no departure of the deal has sold more than `cap` festival seats."""
    return ~exists().where(and_(pairs.c.deal_id == deal_id, pairs.c.sold > cap))
