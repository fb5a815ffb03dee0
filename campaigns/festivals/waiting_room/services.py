"""The waiting room's decisions: which festival's line a shopper's checkout must pass, whether a
shopper's turn has come, and staff's switch and rate.

While a wave of a festival with its waiting room on is open, a checkout whose cart holds one of that
wave's deals needs an admission ticket. Arrivals take the next admission instant of the wave's line
(`line.py`): as long as shoppers come no faster than the rate, that instant is now and they pass at
once; beyond it, each waits for their instant, in the order they came. A shopper waiting while the
deals they came for sell out is told so at once instead of when their turn comes.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from campaigns.festivals.models import Deal, DealStatus, Festival, Wave
from campaigns.festivals.services import require_staff
from campaigns.festivals.waiting_room.line import waiting_line
from campaigns.festivals.waiting_room.tickets import (
    ADMISSION_SECONDS,
    Ticket,
    TicketRefused,
    issue_ticket,
    read_ticket,
)
from marketplace.accounts.models import User
from marketplace.core.clock import to_utc
from marketplace.core.errors import ValidationError
from marketplace.extensions import db
from marketplace.orders.models import Cart, CartItem

MIN_RATE, MAX_RATE = 1, 100_000
BURST_MS = 1000  # an arrival whose instant is within this of now passes at once: no page for a second's wait


class Turn(enum.StrEnum):
    ADMITTED = "admitted"
    WAITING = "waiting"
    SOLD_OUT = "sold_out"


@dataclass(frozen=True)
class GatedWave:
    """The open wave of a waiting-room festival whose deals are in a shopper's cart."""

    festival_id: int
    slug: str
    wave_id: int
    rate: int  # admissions a minute
    sold_out: bool  # every one of the cart's deals of this wave has sold its cap

    @property
    def interval_ms(self) -> int:
        """Milliseconds between two admissions."""
        return max(1, round(60_000 / self.rate))


@dataclass(frozen=True)
class Admission:
    """Where a shopper stands: admitted, waiting (with their place and wait), or too late (sold out)."""

    gate: GatedWave
    turn: Turn
    signed: str  # the ticket to present ("" when sold out)
    ticket: Ticket | None
    ahead: int  # shoppers in the line before this one
    wait_seconds: int


def gated_wave(user: User, at: datetime) -> GatedWave | None:
    """The open wave whose line the user's checkout must pass (the first by wave when several), or None."""
    rows = db.session.execute(
        select(Festival.id, Festival.slug, Festival.waiting_room_rate, Festival.paused_at, Wave.id,
               Wave.starts_at, Wave.ends_at, Deal.cap, Deal.sold)
        .select_from(Cart).join(CartItem, CartItem.cart_id == Cart.id)
        .join(Deal, Deal.product_id == CartItem.product_id)
        .join(Wave, Deal.wave_id == Wave.id).join(Festival, Deal.festival_id == Festival.id)
        .where(Cart.user_id == user.id, Deal.status == DealStatus.APPROVED, Festival.waiting_room.is_(True),
               Wave.starts_at <= at, Wave.ends_at > at)
        .order_by(Wave.id)
    ).all()
    waves: dict[int, list] = {}
    for row in rows:
        if to_utc(row.starts_at) <= at < to_utc(row.ends_at) and (row.paused_at is None or to_utc(row.paused_at) > at):
            waves.setdefault(row[4], []).append(row)
    if not waves:
        return None
    first = waves[min(waves)]
    return GatedWave(first[0].id, first[0].slug, first[0][4], first[0].waiting_room_rate,
                     all(row.sold >= row.cap for row in first))


def _place(gate: GatedWave, ticket: Ticket, signed: str, at: datetime) -> Admission:
    """The admission a valid ticket gives at `at`."""
    now_ms = int(at.timestamp() * 1000)
    if gate.sold_out:
        return Admission(gate, Turn.SOLD_OUT, "", None, 0, 0)
    waiting_ms = ticket.admit_at_ms - now_ms
    if waiting_ms <= BURST_MS:
        return Admission(gate, Turn.ADMITTED, signed, ticket, 0, 0)
    return Admission(gate, Turn.WAITING, signed, ticket, math.ceil(waiting_ms / gate.interval_ms),
                     math.ceil(waiting_ms / 1000))


def admit(user: User, holder: str, signed: str | None, at: datetime) -> Admission | None:
    """Where `user` (as `holder`) stands in the line their checkout must pass at `at`; None when it need not.

    With `signed`, the ticket they were given: TicketRefused when it is not ours, another festival's or
    holder's, expired or used. Without one, they join the line (unless the deals are sold out).
    """
    gate = gated_wave(user, at)
    if gate is None:
        return None
    if signed:
        ticket = read_ticket(signed, gate.festival_id, gate.wave_id, holder, at)
        check_unspent(ticket)
        return _place(gate, ticket, signed, at)
    if gate.sold_out:
        return None  # nothing of the wave left to queue for: the checkout quotes the regular prices
    now_ms = int(at.timestamp() * 1000)
    slot = waiting_line().take_place(gate.wave_id, user.id, now_ms, gate.interval_ms, ADMISSION_SECONDS * 1000)
    fresh, ticket = issue_ticket(gate.festival_id, gate.wave_id, holder, slot)
    return _place(gate, ticket, fresh, at)


def spend_ticket(ticket: Ticket, shopper_id: int) -> None:
    """Record that `ticket` bought its checkout and let the shopper's place go (a next checkout queues
    again); TicketRefused when it had been used already."""
    line = waiting_line()
    line.let_go(ticket.wave_id, shopper_id)
    if not line.spend(ticket.ticket_id, ticket.expires_at):
        raise TicketRefused(_("This waiting-room ticket has been used already."))


def check_unspent(ticket: Ticket) -> None:
    """TicketRefused when `ticket` has bought a checkout already (recording nothing)."""
    if waiting_line().was_spent(ticket.ticket_id):
        raise TicketRefused(_("This waiting-room ticket has been used already."))


def rate_range_message() -> str:
    """What staff are told when the rate is not a whole number in range, in their language."""
    return _("Enter a whole number of checkouts a minute from %(low)s to %(high)s.",
             low=format_decimal(MIN_RATE), high=format_decimal(MAX_RATE))


def configure_waiting_room(staff: User, festival: Festival, enabled: bool, rate: int) -> None:
    """Turn the festival's waiting room on or off and set its rate (checkouts a minute); ValidationError
    for a rate out of range, PermissionDenied for anyone but staff."""
    require_staff(staff)
    if not isinstance(rate, int) or not MIN_RATE <= rate <= MAX_RATE:
        message = rate_range_message()
        raise ValidationError(message, {"rate": message})
    festival.waiting_room = bool(enabled)
    festival.waiting_room_rate = rate
    db.session.commit()
