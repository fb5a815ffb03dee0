"""Admission tickets: signed with the application's secret, naming the festival, the wave, the holder
(the shopper's session, or the shopper for an API client), the admission instant and a random id.

Signed, not stored: any instance can read any other's ticket, and a ticket altered or made up is refused.
A ticket is good from its admission instant for `ADMISSION_SECONDS`; the one a checkout was placed with
is recorded as used, so it cannot buy twice.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer

from marketplace.core.errors import PermissionDenied

SALT = "festival-waiting-room"
ADMISSION_SECONDS = 10 * 60  # an admitted shopper's time to fill in the checkout form


class TicketRefused(PermissionDenied):
    """A ticket that was altered, is another festival's or another shopper's, has expired or was used."""

    code = "ticket_refused"


@dataclass(frozen=True)
class Ticket:
    """What a signed ticket says."""

    festival_id: int
    wave_id: int
    holder: str
    admit_at_ms: int
    ticket_id: str

    @property
    def admit_at(self) -> datetime:
        """The instant the holder may check out from."""
        return datetime.fromtimestamp(self.admit_at_ms / 1000, UTC)

    @property
    def expires_at(self) -> datetime:
        """The instant the ticket stops admitting."""
        return self.admit_at + timedelta(seconds=ADMISSION_SECONDS)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def issue_ticket(festival_id: int, wave_id: int, holder: str, admit_at_ms: int) -> tuple[str, Ticket]:
    """A signed ticket admitting `holder` to the festival's checkout from `admit_at_ms`, and what it says."""
    ticket = Ticket(festival_id, wave_id, holder, admit_at_ms, secrets.token_hex(16))
    signed = _serializer().dumps([ticket.festival_id, ticket.wave_id, ticket.holder, ticket.admit_at_ms,
                                  ticket.ticket_id])
    return signed, ticket


def read_ticket(signed: str, festival_id: int, wave_id: int, holder: str, at: datetime) -> Ticket:
    """The ticket in `signed` when it is ours, this festival's open wave's and this holder's and has not
    expired at `at`; TicketRefused with a message for the shopper otherwise (nothing is changed)."""
    try:
        values = _serializer().loads(signed)
        festival, wave, owner, admit_at_ms, ticket_id = values
        ticket = Ticket(int(festival), int(wave), str(owner), int(admit_at_ms), str(ticket_id))
    except (BadData, TypeError, ValueError, OverflowError):
        raise TicketRefused(_("This waiting-room ticket is not valid.")) from None
    if ticket.festival_id != festival_id:
        raise TicketRefused(_("This waiting-room ticket is for another festival."))
    if not hmac.compare_digest(ticket.holder, holder):
        raise TicketRefused(_("This waiting-room ticket belongs to another shopper."))
    if ticket.wave_id != wave_id or at >= ticket.expires_at:
        raise TicketRefused(_("This waiting-room ticket has expired."))
    return ticket
